"""Urgent items first: 综治维稳工作信息 marked 紧急 go to the parent ahead of everything else.

Over the network the pusher sends them in a small *partial* bundle before the cumulative one:
only the urgent register records this station owns that the parent has not acknowledged, with
what the parent needs to file them (their register type and fields, their attachments) when
those are not acknowledged either. The partial bundle is signed and encrypted like any other;
the receiver applies its records but moves no watermark, so the cumulative bundle that follows
still carries everything (the urgent records again, harmlessly "unchanged" there).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import RegisterAttachment, RegisterField, RegisterRecord, RegisterType, SyncPeer
from app.services.context import Ctx
from app.services.registers import urgent_record_ids

from .bundle import ExportResult, write_bundle
from .errors import SyncError

MAX_URGENT = 200  # more than this is not "a few urgent items": the cumulative bundle carries them


def _chunks(items: list[str], n: int = 500) -> list[list[str]]:
    return [items[i : i + n] for i in range(0, len(items), n)]


def urgent_selection(
    session: Session, me: str, peer: SyncPeer, *, skip: dict[str, int] | None = None
) -> dict[str, set[str]]:
    """table → ids of the urgent items (and what they need) that ``peer`` has not acknowledged.

    ``skip`` maps record ids to the rev already delivered ahead (an earlier partial bundle the
    parent confirmed): such a record is not sent ahead again unless it changed since.
    """
    basis = int(peer.acked_rev)
    candidates = urgent_record_ids(session, basis)
    if not candidates:
        return {}
    rr = RegisterRecord.__table__
    records: dict[str, str] = {}
    for part in _chunks(candidates):
        for rid, type_id, rev in session.execute(
            select(rr.c.id, rr.c.type_id, rr.c.rev).where(
                rr.c.id.in_(part), rr.c.origin == me, rr.c.rev > basis
            )
        ):
            if skip and skip.get(str(rid), -1) >= int(rev):
                continue
            records[str(rid)] = str(type_id)
    if not records:
        return {}
    if len(records) > MAX_URGENT:
        keep = sorted(records)[:MAX_URGENT]
        records = {k: records[k] for k in keep}
    types = sorted(set(records.values()))
    out: dict[str, set[str]] = {"register_record": set(records)}
    rt, rf, ra = RegisterType.__table__, RegisterField.__table__, RegisterAttachment.__table__
    out["register_type"] = {
        str(r[0])
        for r in session.execute(
            select(rt.c.id).where(rt.c.id.in_(types), rt.c.origin == me, rt.c.rev > basis)
        )
    }
    out["register_field"] = {
        str(r[0])
        for r in session.execute(
            select(rf.c.id).where(rf.c.type_id.in_(types), rf.c.origin == me, rf.c.rev > basis)
        )
    }
    attachments: set[str] = set()
    for part in _chunks(sorted(records)):
        attachments.update(
            str(r[0])
            for r in session.execute(
                select(ra.c.id).where(ra.c.record_id.in_(part), ra.c.origin == me, ra.c.rev > basis)
            )
        )
    out["register_attachment"] = attachments
    return {k: v for k, v in out.items() if v}


def urgent_revs(session: Session, ids: set[str]) -> dict[str, int]:
    """The current rev of each urgent record (to remember what was delivered ahead)."""
    rr = RegisterRecord.__table__
    out: dict[str, int] = {}
    for part in _chunks(sorted(ids)):
        for rid, rev in session.execute(select(rr.c.id, rr.c.rev).where(rr.c.id.in_(part))):
            out[str(rid)] = int(rev)
    return out


def export_urgent(
    ctx: Ctx, out: Path, *, skip: dict[str, int] | None = None
) -> tuple[ExportResult, dict[str, int]] | None:
    """Write the partial bundle of urgent items for the parent; None when there are none.

    Returns the result and the delivered revs of the urgent records it carries."""
    ctx.require("sync.run")
    peer = ctx.session.scalars(
        select(SyncPeer).where(SyncPeer.relation == "parent", SyncPeer.active.is_(True))
    ).first()
    if peer is None:
        raise SyncError("本站还没有与上级配对：请先导入上级的工作站卡片（zongzhi card import）")
    selection = urgent_selection(ctx.session, ctx.station.code, peer, skip=skip)
    ctx.session.rollback()
    if not selection:
        return None
    revs = urgent_revs(ctx.session, selection["register_record"])
    ctx.session.rollback()
    result = write_bundle(ctx, out, to=peer.station_code, only=selection)
    return result, revs
