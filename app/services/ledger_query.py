"""Ledger lists: filters, sorting and keyset pages over visits and disputes, with counts.

Lists never load all rows: each call returns one page (default 200) and a cursor — the sort
value and id of its last row — from which the next page continues (keyset pagination, so page
500 costs what page 1 costs). Counting runs as a separate call so a list can show its first page
before the count arrives.

Visibility: tombstoned records never show; restricted visits (检举控告 / 保密) show only to roles
with ``restricted.view``. A township sees every station's records and can narrow to one origin;
records whose origin is another station are marked ``is_foreign`` (read-only in the UI).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy import ColumnElement, and_, func, not_, or_, select

from app.models import Dispute, DisputeParty, Person, Station, Visit, VisitPerson
from app.rules.deadlines import days_left
from app.rules.errors import ValidationError
from app.rules.flags import FLAG_LABELS
from app.rules.text import mask_id_number
from app.rules.workflow import DISPUTE, VISIT

from .codes import CodeBook
from .context import Ctx
from .search import CaseKind, case_condition
from .settings import settings_of

PAGE_SIZE = 200

Deadline = Literal["", "overdue", "due_soon", "open"]


@dataclass(frozen=True)
class LedgerFilter:
    """What a ledger list shows. Empty fields do not filter."""

    date_from: date | None = None
    date_to: date | None = None  # inclusive
    statuses: tuple[str, ...] = ()
    category: str = ""
    deadline: Deadline = ""  # overdue | due within the due-soon window | open (在办)
    text: str = ""
    origin: str = ""  # a station code: only records born there

    def with_(self, **changes: Any) -> LedgerFilter:
        return replace(self, **changes)


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: the sort value and id of the last row shown."""

    value: Any
    id: str


@dataclass(frozen=True)
class VisitRow:
    id: str
    case_code: str
    received_on: date
    channel: str
    category: str
    subject: str
    party_names: str
    id_number: str  # first petitioner's, masked
    headcount: int
    status: str
    status_label: str
    due_on: date | None
    days_left: int | None
    flags: str
    origin: str
    is_foreign: bool
    restricted: bool


@dataclass(frozen=True)
class DisputeRow:
    id: str
    case_code: str
    mediation_no: str
    registered_on: date
    title: str
    category: str
    party_names: str
    id_number: str  # first party's, masked
    mediator_name: str
    amount_yuan: float
    risk_level: str
    is_major: bool
    status: str
    status_label: str
    due_on: date | None
    days_left: int | None
    origin: str
    is_foreign: bool


R = TypeVar("R", VisitRow, DisputeRow)


@dataclass
class Page(Generic[R]):
    rows: list[R]
    next: Cursor | None  # None: this was the last page
    sort: str
    descending: bool


@dataclass(frozen=True)
class SortKey:
    key: str
    label: str


VISIT_SORTS: dict[str, Any] = {
    "received_on": Visit.received_on,
    "case_code": Visit.case_code,
    "channel": Visit.channel,
    "category": Visit.category,
    "subject": Visit.subject,
    "party_names": Visit.party_names,
    "status": Visit.status,
    "due_on": Visit.due_on,
    "headcount": Visit.headcount,
    "origin": Visit.origin,
}
DISPUTE_SORTS: dict[str, Any] = {
    "registered_on": Dispute.registered_on,
    "case_code": Dispute.case_code,
    "mediation_no": Dispute.mediation_seq,
    "title": Dispute.title,
    "category": Dispute.category,
    "party_names": Dispute.party_names,
    "mediator_name": Dispute.mediator_name,
    "amount": Dispute.amount_fen,
    "risk_level": Dispute.risk_level,
    "status": Dispute.status,
    "due_on": Dispute.due_on,
    "origin": Dispute.origin,
}


def _after(col: Any, id_col: Any, cursor: Cursor, descending: bool) -> ColumnElement[bool]:
    """Rows after ``cursor`` in ORDER BY col [DESC] NULLS LAST, id [DESC]."""
    if not col.nullable:
        # a plain range on the sort column lets SQLite seek its index to the cursor
        if descending:
            return and_(col <= cursor.value, or_(col < cursor.value, id_col < cursor.id))
        return and_(col >= cursor.value, or_(col > cursor.value, id_col > cursor.id))
    if cursor.value is None:
        return and_(col.is_(None), id_col < cursor.id if descending else id_col > cursor.id)
    if descending:
        return or_(col < cursor.value, and_(col == cursor.value, id_col < cursor.id), col.is_(None))
    return or_(col > cursor.value, and_(col == cursor.value, id_col > cursor.id), col.is_(None))


def _date_range(col: Any, flt: LedgerFilter) -> list[ColumnElement[bool]]:
    if flt.date_from and flt.date_to and flt.date_from > flt.date_to:
        raise ValidationError.single(
            "date_to", "截止日期", "早于起始日期", "请调换或重新选择日期范围"
        )
    conds: list[ColumnElement[bool]] = []
    if flt.date_from:
        conds.append(col >= flt.date_from)
    if flt.date_to:
        conds.append(col <= flt.date_to)
    return conds


def _deadline(
    ctx: Ctx, due: Any, status: Any, open_statuses: frozenset[str], flt: LedgerFilter
) -> list[ColumnElement[bool]]:
    today = ctx.today()
    if flt.deadline == "overdue":
        return [due < today]
    if flt.deadline == "due_soon":
        soon = settings_of(ctx).deadlines.due_soon_days
        return [due >= today, due <= today + timedelta(days=soon)]
    if flt.deadline == "open":
        return [status.in_(sorted(open_statuses))]
    return []


def visit_conditions(ctx: Ctx, flt: LedgerFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Visit.deleted_at.is_(None)]
    if not ctx.can("restricted.view"):
        conds.append(not_(or_(Visit.is_accusation, Visit.is_confidential)))
    conds += _date_range(Visit.received_on, flt)
    if flt.statuses:
        conds.append(Visit.status.in_(flt.statuses))
    if flt.category:
        conds.append(Visit.category == flt.category)
    if flt.origin:
        conds.append(Visit.origin == flt.origin)
    conds += _deadline(ctx, Visit.due_on, Visit.status, VISIT.open_statuses, flt)
    found = case_condition(ctx.session, "visit", flt.text)
    if found is not None:
        conds.append(found)
    return conds


def dispute_conditions(ctx: Ctx, flt: LedgerFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Dispute.deleted_at.is_(None)]
    conds += _date_range(Dispute.registered_on, flt)
    if flt.statuses:
        conds.append(Dispute.status.in_(flt.statuses))
    if flt.category:
        conds.append(Dispute.category == flt.category)
    if flt.origin:
        conds.append(Dispute.origin == flt.origin)
    conds += _deadline(ctx, Dispute.due_on, Dispute.status, DISPUTE.open_statuses, flt)
    found = case_condition(ctx.session, "dispute", flt.text)
    if found is not None:
        conds.append(found)
    return conds


def _order(col: Any, id_col: Any, descending: bool) -> list[Any]:
    if descending:
        return [col.desc().nulls_last(), id_col.desc()]
    return [col.asc().nulls_last(), id_col.asc()]


def _first_ids(ctx: Ctx, kind: CaseKind, ids: list[str]) -> dict[str, str]:
    """The first person's ID number per case, always masked: a list is seen over shoulders;
    roles that may see full numbers (``id_number.view``) see them in the case's own form."""
    if not ids:
        return {}
    if kind == "visit":
        link, case_col = VisitPerson, VisitPerson.visit_id
    else:
        link, case_col = DisputeParty, DisputeParty.dispute_id  # type: ignore[assignment]
    rows = ctx.session.execute(
        select(case_col, Person.id_number, link.seq)
        .join(Person, Person.id == link.person_id)
        .where(case_col.in_(ids), link.deleted_at.is_(None))
        .order_by(case_col, link.seq)
    ).all()
    out: dict[str, str] = {}
    for case_id, number, _seq in rows:
        if case_id not in out and number:
            out[case_id] = mask_id_number(number)
    return out


def visit_page(
    ctx: Ctx,
    flt: LedgerFilter,
    *,
    sort: str = "received_on",
    descending: bool = True,
    after: Cursor | None = None,
    limit: int = PAGE_SIZE,
) -> Page[VisitRow]:
    col = VISIT_SORTS.get(sort)
    if col is None:
        raise ValidationError.single("sort", "排序", f"不能按“{sort}”排序", "请点击列标题排序")
    conds = visit_conditions(ctx, flt)
    if after is not None:
        conds.append(_after(col, Visit.id, after, descending))
    q = (
        select(
            Visit.id,
            Visit.case_code,
            Visit.received_on,
            Visit.channel,
            Visit.category,
            Visit.subject,
            Visit.party_names,
            Visit.headcount,
            Visit.status,
            Visit.due_on,
            Visit.origin,
            Visit.is_group,
            Visit.is_joint_letter,
            Visit.is_skip_level,
            Visit.is_repeat,
            Visit.is_anonymous,
            Visit.is_urgent,
            Visit.is_litigation,
            Visit.is_confidential,
            Visit.is_accusation,
            col.label("sort_value"),
        )
        .where(*conds)
        .order_by(*_order(col, Visit.id, descending))
        .limit(limit + 1)
    )
    result = ctx.session.execute(q).all()
    more = len(result) > limit
    result = result[:limit]
    codes = CodeBook(ctx.session)
    today = ctx.today()
    numbers = _first_ids(ctx, "visit", [r.id for r in result])
    rows = [
        VisitRow(
            id=r.id,
            case_code=r.case_code,
            received_on=r.received_on,
            channel=codes.label("visit_channel", r.channel),
            category=codes.label("visit_category", r.category),
            subject=r.subject,
            party_names=r.party_names,
            id_number=numbers.get(r.id, ""),
            headcount=r.headcount,
            status=r.status,
            status_label=VISIT.status_label(r.status),
            due_on=r.due_on,
            days_left=days_left(r.due_on, today),
            flags="、".join(label for f, label in FLAG_LABELS.items() if getattr(r, f)),
            origin=r.origin,
            is_foreign=r.origin != ctx.station_code,
            restricted=bool(r.is_accusation or r.is_confidential),
        )
        for r in result
    ]
    nxt = Cursor(result[-1].sort_value, result[-1].id) if more and result else None
    return Page(rows, nxt, sort, descending)


def visit_count(ctx: Ctx, flt: LedgerFilter) -> int:
    return int(
        ctx.session.scalar(
            select(func.count()).select_from(Visit).where(*visit_conditions(ctx, flt))
        )
        or 0
    )


def dispute_page(
    ctx: Ctx,
    flt: LedgerFilter,
    *,
    sort: str = "registered_on",
    descending: bool = True,
    after: Cursor | None = None,
    limit: int = PAGE_SIZE,
) -> Page[DisputeRow]:
    col = DISPUTE_SORTS.get(sort)
    if col is None:
        raise ValidationError.single("sort", "排序", f"不能按“{sort}”排序", "请点击列标题排序")
    conds = dispute_conditions(ctx, flt)
    if after is not None:
        conds.append(_after(col, Dispute.id, after, descending))
    q = (
        select(
            Dispute.id,
            Dispute.case_code,
            Dispute.mediation_no,
            Dispute.registered_on,
            Dispute.title,
            Dispute.category,
            Dispute.party_names,
            Dispute.mediator_name,
            Dispute.amount_fen,
            Dispute.risk_level,
            Dispute.is_major,
            Dispute.status,
            Dispute.due_on,
            Dispute.origin,
            col.label("sort_value"),
        )
        .where(*conds)
        .order_by(*_order(col, Dispute.id, descending))
        .limit(limit + 1)
    )
    result = ctx.session.execute(q).all()
    more = len(result) > limit
    result = result[:limit]
    codes = CodeBook(ctx.session)
    today = ctx.today()
    numbers = _first_ids(ctx, "dispute", [r.id for r in result])
    rows = [
        DisputeRow(
            id=r.id,
            case_code=r.case_code,
            mediation_no=r.mediation_no,
            registered_on=r.registered_on,
            title=r.title,
            category=codes.label("dispute_category", r.category),
            party_names=r.party_names,
            id_number=numbers.get(r.id, ""),
            mediator_name=r.mediator_name,
            amount_yuan=r.amount_fen / 100,
            risk_level=codes.label("risk_level", r.risk_level),
            is_major=r.is_major,
            status=r.status,
            status_label=DISPUTE.status_label(r.status),
            due_on=r.due_on,
            days_left=days_left(r.due_on, today),
            origin=r.origin,
            is_foreign=r.origin != ctx.station_code,
        )
        for r in result
    ]
    nxt = Cursor(result[-1].sort_value, result[-1].id) if more and result else None
    return Page(rows, nxt, sort, descending)


def dispute_count(ctx: Ctx, flt: LedgerFilter) -> int:
    return int(
        ctx.session.scalar(
            select(func.count()).select_from(Dispute).where(*dispute_conditions(ctx, flt))
        )
        or 0
    )


@dataclass(frozen=True)
class Choice:
    code: str
    label: str


@dataclass(frozen=True)
class FilterChoices:
    """What the filter bar offers for one ledger."""

    statuses: list[Choice]
    categories: list[Choice]
    origins: list[Choice] = field(default_factory=list)  # empty: only this station's records
    due_soon_days: int = 3


def filter_choices(ctx: Ctx, kind: CaseKind) -> FilterChoices:
    codes = CodeBook(ctx.session)
    machine = VISIT if kind == "visit" else DISPUTE
    table = "visit_category" if kind == "visit" else "dispute_category"
    model: Any = Visit if kind == "visit" else Dispute
    origins = [
        str(o) for o in ctx.session.scalars(select(model.origin).distinct().order_by(model.origin))
    ]
    names = {
        s.code: s.name
        for s in ctx.session.scalars(select(Station).where(Station.code.in_(origins)))
    }
    origin_choices: list[Choice] = []
    if len(origins) > 1 or (origins and origins[0] != ctx.station_code):
        origin_choices = [Choice(o, names.get(o) or o) for o in origins]
    return FilterChoices(
        statuses=[Choice(k, v) for k, v in machine.statuses.items()],
        categories=[Choice(c.code, c.label) for c in codes.items(table, include_inactive=True)],
        origins=origin_choices,
        due_soon_days=settings_of(ctx).deadlines.due_soon_days,
    )
