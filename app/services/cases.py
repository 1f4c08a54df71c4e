"""一案一码: case codes, mediation numbers and the append-only case event log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text

from app.models import CaseEvent, Dispute, SyncMixin, Visit
from app.rules.dates import local_date
from app.rules.errors import NotFoundError, ValidationError
from app.rules.numbering import format_case_code, parse_case_code
from app.rules.text import clean, mask_personal_numbers
from app.rules.workflow import DISPUTE, EVENT_LABELS, VISIT

from .context import Ctx


def next_seq(ctx: Ctx, scope: str, year: int) -> int:
    """Next number in a per-station, per-year sequence; call inside ``ctx.write()``."""
    conn = ctx.session.connection()
    conn.execute(
        text(
            "INSERT INTO number_sequence (scope, year, last) VALUES (:s, :y, 0) "
            "ON CONFLICT (scope, year) DO NOTHING"
        ),
        {"s": scope, "y": year},
    )
    row = conn.execute(
        text(
            "UPDATE number_sequence SET last = last + 1 WHERE scope = :s AND year = :y "
            "RETURNING last"
        ),
        {"s": scope, "y": year},
    ).one()
    return int(row[0])


def new_case_code(ctx: Ctx, kind: str, year: int) -> str:
    return format_case_code(ctx.station_code, year, kind, next_seq(ctx, f"case:{kind}", year))


def log_event(
    ctx: Ctx,
    case: Visit | Dispute,
    event: str,
    *,
    action: str = "",
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    at: datetime | None = None,
) -> CaseEvent:
    """Append one entry to the case log (inside the same unit of work as the change)."""
    ev = CaseEvent(
        case_type="visit" if isinstance(case, Visit) else "dispute",
        case_id=case.id,
        case_code=case.case_code,
        event=event,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        actor_id=ctx.operator.id,
        actor_name=ctx.operator.display_name,
        occurred_at=at or ctx.now(),
    )
    ctx.session.add(ev)
    return ev


def void_case(ctx: Ctx, case: Visit | Dispute, links: Sequence[SyncMixin], reason: str) -> None:
    """作废: tombstone a case and its people links, keep the record and say why (the caller has
    checked the permission and that this station owns the case)."""
    reason = clean(reason)
    if not reason:
        raise ValidationError.single(
            "reason", "作废原因", "不能为空", "请写明作废原因（如重复登记）"
        )
    with ctx.write():
        case.deleted_at = ctx.now()
        case.due_on = None
        for link in links:
            if link.deleted_at is None:
                link.deleted_at = case.deleted_at
        log_event(ctx, case, "voided", from_status=case.status, note=reason)


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: datetime
    day: str
    event: str
    event_label: str
    from_label: str
    to_label: str
    actor: str
    note: str
    origin: str


def find_case(ctx: Ctx, code_or_id: str) -> Visit | Dispute:
    """Look a case up by its case code (一案一码) or its record id."""
    s = ctx.session
    key = code_or_id.strip()
    visit = s.scalars(
        select(Visit).where((Visit.case_code == key.upper()) | (Visit.id == key))
    ).first()
    if visit is not None:
        return visit
    dispute = s.scalars(
        select(Dispute).where((Dispute.case_code == key.upper()) | (Dispute.id == key))
    ).first()
    if dispute is not None:
        return dispute
    try:
        parse_case_code(key)
    except Exception:
        raise NotFoundError(f"找不到编码或编号为“{key}”的案件") from None
    raise NotFoundError(f"找不到案件 {key}，请核对编码") from None


def timeline(ctx: Ctx, case: Visit | Dispute) -> list[TimelineEntry]:
    machine = VISIT if isinstance(case, Visit) else DISPUTE
    events = ctx.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id)
        .order_by(CaseEvent.occurred_at, CaseEvent.rev, CaseEvent.id)
    ).all()
    # an imported row's note keeps the ledger's unmapped cells as written: ID numbers and phones
    # in it are masked for roles that may not see full ID numbers (as the list views mask them)
    masked = not ctx.can("id_number.view")
    return [
        TimelineEntry(
            occurred_at=e.occurred_at,
            day=local_date(e.occurred_at).isoformat(),
            event=e.event,
            event_label=EVENT_LABELS.get(e.event, e.event),
            from_label=machine.status_label(e.from_status) if e.from_status else "",
            to_label=machine.status_label(e.to_status) if e.to_status else "",
            actor=e.actor_name,
            note=mask_personal_numbers(e.note) if masked and e.event == "imported" else e.note,
            origin=e.origin,
        )
        for e in events
    ]
