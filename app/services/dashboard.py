"""工作台: what needs attention today — overdue and due-soon cases, today's registrations,
this month's figures, and (when the registers module is present) meeting decisions coming due."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, not_, or_, select

from app.models import Dispute, Visit
from app.rules.deadlines import days_left
from app.rules.workflow import DISPUTE, VISIT

from .context import Ctx
from .settings import settings_of

LIST_LIMIT = 50


@dataclass(frozen=True)
class DueItem:
    kind: str  # visit | dispute
    id: str
    case_code: str
    title: str
    party_names: str
    status_label: str
    due_on: date
    days_left: int
    origin: str


@dataclass(frozen=True)
class DecisionItem:
    """A meeting decision with an owner and a due date (from the registers module)."""

    title: str
    owner: str
    due_on: date | None
    days_left: int | None
    source: str


@dataclass(frozen=True)
class SupervisionItem:
    """An open 督办/交办 on this station's case (a village) or issued here (a township)."""

    supervision_id: str
    supervision_no: str
    kind_label: str
    case_type: str
    case_id: str
    case_code: str
    case_title: str
    content: str
    due_on: date | None
    days_left: int | None
    state_label: str
    station_name: str


@dataclass
class Dashboard:
    today: date
    due_soon_days: int
    overdue: list[DueItem]
    overdue_count: int
    due_soon: list[DueItem]
    due_soon_count: int
    today_visits: int
    today_disputes: int
    month_label: str
    month_visits: int
    month_disputes: int
    month_mediated: int
    month_succeeded: int
    open_visits: int
    open_disputes: int
    decisions: list[DecisionItem] = field(default_factory=list)
    decisions_available: bool = False
    supervisions: list[SupervisionItem] = field(default_factory=list)
    # 历史遗留: open cases imported from legacy ledgers before go-live (no 超期, counted apart)
    history_visits: int = 0
    history_disputes: int = 0

    @property
    def month_success_rate(self) -> float | None:
        return self.month_succeeded / self.month_mediated if self.month_mediated else None


def _visible_visits(ctx: Ctx) -> list[Any]:
    conds: list[Any] = [Visit.deleted_at.is_(None)]
    if not ctx.can("restricted.view"):
        conds.append(not_(or_(Visit.is_accusation, Visit.is_confidential)))
    return conds


def _due_items(ctx: Ctx, lo: date | None, hi: date, limit: int) -> tuple[list[DueItem], int]:
    """Open cases whose current deadline falls in [lo, hi] (lo None: any time before hi)."""
    today = ctx.today()
    s = ctx.session
    v_conds = [*_visible_visits(ctx), Visit.due_on <= hi]
    d_conds = [Dispute.deleted_at.is_(None), Dispute.due_on <= hi]
    if lo is not None:
        v_conds.append(Visit.due_on >= lo)
        d_conds.append(Dispute.due_on >= lo)
    count = int(s.scalar(select(func.count()).select_from(Visit).where(*v_conds)) or 0)
    count += int(s.scalar(select(func.count()).select_from(Dispute).where(*d_conds)) or 0)
    items: list[DueItem] = []
    for v in s.execute(
        select(
            Visit.id,
            Visit.case_code,
            Visit.subject,
            Visit.party_names,
            Visit.status,
            Visit.due_on,
            Visit.origin,
        )
        .where(*v_conds)
        .order_by(Visit.due_on, Visit.id)
        .limit(limit)
    ).all():
        items.append(
            DueItem(
                "visit",
                v.id,
                v.case_code,
                v.subject,
                v.party_names,
                VISIT.status_label(v.status),
                v.due_on,
                days_left(v.due_on, today) or 0,
                v.origin,
            )
        )
    for d in s.execute(
        select(
            Dispute.id,
            Dispute.case_code,
            Dispute.title,
            Dispute.party_names,
            Dispute.status,
            Dispute.due_on,
            Dispute.origin,
        )
        .where(*d_conds)
        .order_by(Dispute.due_on, Dispute.id)
        .limit(limit)
    ).all():
        items.append(
            DueItem(
                "dispute",
                d.id,
                d.case_code,
                d.title,
                d.party_names,
                DISPUTE.status_label(d.status),
                d.due_on,
                days_left(d.due_on, today) or 0,
                d.origin,
            )
        )
    items.sort(key=lambda i: (i.due_on, i.case_code))
    return items[:limit], count


def _decisions(ctx: Ctx, within: int) -> tuple[list[DecisionItem], bool]:
    try:
        registers = importlib.import_module("app.services.registers")
    except ModuleNotFoundError as exc:
        if exc.name == "app.services.registers":
            return [], False
        raise
    fn = getattr(registers, "due_decisions", None)
    if fn is None:
        return [], False
    today = ctx.today()
    out: list[DecisionItem] = []
    for d in fn(ctx, within):
        due = getattr(d, "due_on", None)
        out.append(
            DecisionItem(
                title=str(getattr(d, "content", "") or getattr(d, "title", "")),
                owner=str(getattr(d, "owner", "")),
                due_on=due,
                days_left=days_left(due, today),
                source=str(getattr(d, "meeting_title", "") or getattr(d, "register_name", "")),
            )
        )
    return out, True


def _supervisions(ctx: Ctx, limit: int) -> list[SupervisionItem]:
    """Village: open 督办 on its cases (they arrived with an acknowledgement from the township).
    Township and above: open ones it issued that are overdue or still unanswered."""
    from .supervision import list_supervisions

    today = ctx.today()
    views = list_supervisions(ctx, status="open", limit=limit)
    from app.models import Station

    names = {st.code: st.name for st in ctx.session.scalars(select(Station))}
    out: list[SupervisionItem] = []
    for v in views:
        sup = v.record
        mine = sup.case_origin == ctx.station_code
        if not mine and v.state not in ("overdue", "open-awaiting"):
            continue
        out.append(
            SupervisionItem(
                supervision_id=sup.id,
                supervision_no=sup.supervision_no,
                kind_label=v.kind_label,
                case_type=sup.case_type,
                case_id=sup.case_id,
                case_code=sup.case_code,
                case_title=sup.case_title,
                content=sup.content,
                due_on=sup.due_on,
                days_left=days_left(sup.due_on, today),
                state_label=v.state_label,
                # a village sees who supervises it; a township sees whom it supervises
                station_name=names.get(sup.origin, sup.origin) if mine else v.station_name,
            )
        )
    out.sort(key=lambda i: (i.due_on is None, i.due_on or today))
    return out


def build(ctx: Ctx, *, limit: int = LIST_LIMIT) -> Dashboard:
    """Alias of :func:`dashboard` (the name other services use)."""
    return dashboard(ctx, limit=limit)


def dashboard(ctx: Ctx, *, limit: int = LIST_LIMIT) -> Dashboard:
    today = ctx.today()
    s = ctx.session
    soon_days = settings_of(ctx).deadlines.due_soon_days
    overdue, overdue_count = _due_items(ctx, None, today - timedelta(days=1), limit)
    due_soon, due_soon_count = _due_items(ctx, today, today + timedelta(days=soon_days), limit)
    month_start = today.replace(day=1)
    v_live = _visible_visits(ctx)
    d_live = Dispute.deleted_at.is_(None)

    def count(model: Any, *conds: Any) -> int:
        return int(s.scalar(select(func.count()).select_from(model).where(*conds)) or 0)

    decisions, available = _decisions(ctx, soon_days)
    return Dashboard(
        today=today,
        due_soon_days=soon_days,
        overdue=overdue,
        overdue_count=overdue_count,
        due_soon=due_soon,
        due_soon_count=due_soon_count,
        today_visits=count(Visit, *v_live, Visit.received_on == today),
        today_disputes=count(Dispute, d_live, Dispute.registered_on == today),
        month_label=f"{today.year}年{today.month}月",
        month_visits=count(Visit, *v_live, Visit.received_on >= month_start),
        month_disputes=count(Dispute, d_live, Dispute.registered_on >= month_start),
        month_mediated=count(
            Dispute,
            d_live,
            Dispute.outcome_on >= month_start,
            Dispute.outcome.in_(("succeeded", "failed")),
        ),
        month_succeeded=count(
            Dispute, d_live, Dispute.outcome_on >= month_start, Dispute.outcome == "succeeded"
        ),
        open_visits=count(Visit, *v_live, Visit.status.in_(sorted(VISIT.open_statuses))),
        open_disputes=count(Dispute, d_live, Dispute.status.in_(sorted(DISPUTE.open_statuses))),
        decisions=decisions,
        decisions_available=available,
        supervisions=_supervisions(ctx, limit),
        history_visits=count(
            Visit, *v_live, Visit.imported_history, Visit.status.in_(sorted(VISIT.open_statuses))
        ),
        history_disputes=count(
            Dispute,
            d_live,
            Dispute.imported_history,
            Dispute.status.in_(sorted(DISPUTE.open_statuses)),
        ),
    )
