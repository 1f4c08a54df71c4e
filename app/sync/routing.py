"""Which records travel between two paired stations, and which a receiver accepts.

Upward (to the parent): this station's own records of every synced table, plus the records of
the stations below it that it holds (a township forwards its villages' records to the county
with their original origin and rev).

Downward (to a child): only tables that declare ``__sync_down__`` (supervision …), only rows
addressed to that child or a station below it, from this station or the stations above it.

A receiver accepts from a child only records whose origin is the child or below it; from its
parent only downward tables, addressed to itself (or below), whose origin is the parent or above.
Everything else is rejected with a reason, never applied.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from app.models import SyncHwm, SyncPeer, SyncRelayAck
from app.rules.hierarchy import is_ancestor, level_of

from .codec import TableSpec


@dataclass(frozen=True)
class OutRange:
    origin: str
    basis: int
    upto: int  # for this station's own origin: filled in with the bundle's seq


def descendant_prefix(code: str) -> str | None:
    level = level_of(code)
    if level == "township":
        return code[:9]
    if level == "county":
        return code[:6]
    return None


def addressed_to(spec: TableSpec, code: str) -> ColumnElement[bool]:
    """Rows of a downward table addressed to ``code`` or a station below it."""
    assert spec.down_column is not None
    col = spec.table.c[spec.down_column]
    prefix = descendant_prefix(code)
    if prefix is None:
        return col == code
    return or_(col == code, and_(col.startswith(prefix, autoescape=True), col != code))


def withheld(spec: TableSpec, recipient: str) -> ColumnElement[bool] | None:
    """Rows that must never reach ``recipient``: restricted petitions (检举控告/保密) whose
    accused unit is that station, their petitioners' links, their case log, and people known
    here only through them. None when the table has nothing to withhold."""
    from app.models import DisputeParty, Visit, VisitPerson

    hidden = select(Visit.id).where(Visit.withhold_from == recipient)
    t = spec.table
    if spec.name == "visit":
        return t.c.withhold_from == recipient
    if spec.name == "visit_person":
        return t.c.visit_id.in_(hidden)
    if spec.name == "case_event":
        return and_(t.c.case_type == "visit", t.c.case_id.in_(hidden))
    if spec.name == "person":
        linked_hidden = select(VisitPerson.person_id).where(VisitPerson.visit_id.in_(hidden))
        linked_open = select(VisitPerson.person_id).where(VisitPerson.visit_id.not_in(hidden))
        in_disputes = select(DisputeParty.person_id)
        return and_(
            t.c.id.in_(linked_hidden), t.c.id.not_in(linked_open), t.c.id.not_in(in_disputes)
        )
    return None


def tables_for(peer: SyncPeer, specs: dict[str, TableSpec]) -> list[TableSpec]:
    if peer.relation == "parent":
        return list(specs.values())
    return [s for s in specs.values() if s.down_column]


def outgoing(session: Session, me: str, peer: SyncPeer, *, full: bool) -> list[OutRange]:
    """Per origin: what to send to ``peer`` (basis = what it acknowledged; 0 when ``full``)."""
    ranges = [OutRange(me, 0 if full else int(peer.acked_rev), 0)]
    acks = {
        a.origin: int(a.acked_rev)
        for a in session.scalars(
            select(SyncRelayAck).where(SyncRelayAck.peer_code == peer.station_code)
        )
    }
    for hwm in session.scalars(select(SyncHwm).order_by(SyncHwm.origin)):
        origin = hwm.origin
        if origin in (me, peer.station_code):
            continue
        relayed = is_ancestor(me, origin) if peer.relation == "parent" else is_ancestor(origin, me)
        if not relayed:
            continue
        basis = 0 if full else acks.get(origin, 0)
        if hwm.rev > basis or full:
            ranges.append(OutRange(origin, min(basis, int(hwm.rev)), int(hwm.rev)))
    return ranges


def have_for(session: Session, peer_code: str) -> dict[str, int]:
    """What this station holds of the records ``peer_code`` sends it (an acknowledgement).

    The peer's own origin is always listed (0: nothing yet), so a station that lost what it had
    (restored an old backup) tells the peer to send everything again.
    """
    have = {peer_code: 0}
    for h in session.scalars(select(SyncHwm).where(SyncHwm.peer_code == peer_code)):
        have[h.origin] = int(h.rev)
    return have


def origin_allowed(sender: SyncPeer, origin: str) -> bool:
    code = sender.station_code
    if origin == code:
        return True
    if sender.relation == "child":
        return is_ancestor(code, origin)
    return is_ancestor(origin, code)


def row_refusal(spec: TableSpec, values: dict[str, object], sender: SyncPeer, me: str) -> str:
    """Why a row from ``sender`` may not be applied here ("" when it may)."""
    origin = str(values.get("origin", ""))
    if not origin_allowed(sender, origin):
        return f"记录属于工作站 {origin}，{sender.name} 无权发送"
    if spec.name == "visit" and str(values.get("withhold_from") or "") == me:
        return "该信访件反映的是本单位，按规定不得报送本单位，已拒收"
    if sender.relation == "parent":
        if spec.down_column is None:
            return f"上级不能下发{spec.label}记录"
        target = str(values.get(spec.down_column) or "")
        if target != me and not is_ancestor(me, target):
            return f"这条{spec.label}记录不是发给本站的"
    return ""
