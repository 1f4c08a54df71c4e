"""Import legacy ledgers from Excel/WPS workbooks (issue 9).

The flow, shared by the CLI and the GUI wizard:

1. :func:`read_source` reads an .xlsx/.xlsm (or .csv) file into plain grids, expanding vertically
   merged cells; a damaged or unsupported file is refused with a Chinese message.
2. :func:`inspect_source` finds, for a ledger, the best sheet, its header row (below any merged
   title rows) and a column mapping: header synonyms, overridden by what the station confirmed
   for the same header layout before (remembered in the ``setting`` table).
3. :func:`run_import` parses every row with :mod:`app.rules.legacy`, skips blank/合计/footer rows,
   lists untrustworthy rows (row, column, reason, fix), recognises rows imported before (a
   file-independent fingerprint per row) and records already in the ledger, then writes the
   valid rows through the real services — register, then advance the workflow to the imported
   result on the historical dates — each in its own savepoint inside one transaction. A dry run
   does all of that and rolls the transaction back, so it shows exactly what an import would do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import select

from app.models import CodeItem, Dispute, ExcelImportRow, Visit
from app.rules.dates import CHINA_TZ
from app.rules.errors import AppError, FieldProblem, PermissionDenied, ValidationError
from app.rules.legacy import (
    DISPUTE_FIELDS,
    DISPUTE_RESULT_LABELS,
    EMPTY_MARKS,
    VISIT_FIELDS,
    VISIT_RESULT_LABELS,
    CellProblem,
    CodeOption,
    FieldSpec,
    Handling,
    LegacyProblem,
    classify_row,
    column_letter,
    fingerprint,
    header_signature,
    is_anonymous,
    is_blank,
    match_code,
    match_header,
    normalize_header,
    parse_count,
    parse_id_number,
    parse_legacy_date,
    parse_phone,
    split_parties,
    split_values,
    visit_handling,
)
from app.rules.permissions import ACTION_LABELS, ROLE_LABELS
from app.rules.text import clean, mask_id_number, mask_id_numbers
from app.rules.workflow import DISPUTE, VISIT

from . import excel_registers
from . import excel_values as ev
from .cases import log_event
from .context import Ctx
from .excel_engine import (
    PARTY_ROWS,
    LedgerImporter,
    PartyCells,
    RowContext,
    RowPlan,
    Written,
    labels_of,
)
from .excel_layout import (
    CHILD_LABELS,
    PARTY_ROLE_LABELS,
    Layout,
    PartyGroup,
    detect_layout,
    group_records,
    party_role,
    sheet_order,
    split_group_field,
)
from .excel_layout import (
    ExcelFileError as ExcelFileError,  # noqa: PLC0414 - re-exported for callers
)
from .excel_layout import (
    SheetData as SheetData,  # noqa: PLC0414
)
from .excel_layout import (
    SourceBook as SourceBook,  # noqa: PLC0414
)
from .excel_layout import (
    cell_text as cell_text,  # noqa: PLC0414
)
from .excel_layout import (
    read_source as read_source,  # noqa: PLC0414
)
from .history import clear_past_due, close_follow_up, is_history
from .import_lock import one_import_at_a_time
from .settings import get_value, set_value

PREVIEW_ROWS = 30


class ImportCancelled(AppError):
    """The clerk cancelled a running import; nothing was written."""


# --- ledgers: what can be imported ----------------------------------------------------------


_labels = labels_of


@contextmanager
def _historical(ctx: Ctx, day: date) -> Iterator[None]:
    """Run services as of noon (Beijing time) on ``day``: case logs carry the ledger's dates."""
    real = ctx.clock
    moment = datetime(day.year, day.month, day.day, 12, 0, tzinfo=CHINA_TZ).astimezone(UTC)
    ctx.clock = lambda: moment
    ctx.session.info["clock"] = ctx.clock
    try:
        yield
    finally:
        ctx.clock = real
        ctx.session.info["clock"] = real


def _people_columns(
    rc: RowContext,
    cells: Mapping[str, Any],
    n: int,
    problems: list[CellProblem],
    *,
    prefix: str = "",
    where: str = "",
) -> tuple[list[str | None], list[str | None], list[str]]:
    """ID numbers and phones for ``n`` named people, aligned by position; extra phones."""
    ids: list[str | None] = []
    raw_id = cells.get("id_number")
    id_values: list[Any] = (
        split_values(raw_id) if isinstance(raw_id, str) else ([] if is_blank(raw_id) else [raw_id])
    )
    for v in id_values:
        try:
            ids.append(parse_id_number(v, today=rc.today))
        except LegacyProblem as exc:
            shown = str(v) if rc.can_view_id else mask_id_number(str(v))
            problems.append(CellProblem(prefix + "id_number", where + exc.reason, exc.fix, shown))
    if n and len(id_values) > n:
        problems.append(
            CellProblem(
                prefix + "id_number",
                f"{where}身份证号码有{len(id_values)}个，多于姓名人数（{n}）",
                "请核对身份证号码与姓名是否一一对应",
            )
        )
    phones: list[str | None] = []
    raw_phone = cells.get("phone")
    phone_values: list[Any] = (
        split_values(raw_phone)
        if isinstance(raw_phone, str)
        else ([] if is_blank(raw_phone) else [raw_phone])
    )
    for v in phone_values:
        try:
            phones.append(parse_phone(v))
        except LegacyProblem as exc:
            problems.append(CellProblem(prefix + "phone", where + exc.reason, exc.fix, str(v)))
    extra = [p for p in phones[n:] if p] if n else []
    return ids, phones[:n] if n else phones, extra


@dataclass
class _People:
    """The people of one case, aligned by position."""

    names: list[tuple[str, str]] = field(default_factory=list)  # (name, role)
    ids: list[str | None] = field(default_factory=list)
    phones: list[str | None] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    extra_phones: list[str] = field(default_factory=list)
    grouped: bool = False  # from party groups or several rows: lists are complete per person


def _people(
    rc: RowContext,
    cells: Mapping[str, Any],
    name_fields: Sequence[tuple[str, str]],
    problems: list[CellProblem],
) -> _People:
    """Names, ID numbers, phones and addresses of a case: from the plain columns of its one
    row, or from its party groups and/or several rows (:data:`PARTY_ROWS`)."""
    sources: list[PartyCells] = cells.get(PARTY_ROWS) or [
        PartyCells(
            0,
            "",
            [(key, cells.get(key), role) for key, role in name_fields],
            cells.get("id_number"),
            cells.get("phone"),
            cells.get("address"),
        )
    ]
    out = _People(grouped=PARTY_ROWS in cells)
    for src in sources:
        where = "" if src.first_row else f"第{src.row}行："
        names: list[tuple[str, str]] = []
        for key, raw, role in src.names:
            try:
                split = split_parties(raw)
            except LegacyProblem as exc:
                problems.append(
                    CellProblem(src.prefix + key, where + exc.reason, exc.fix, cell_text(raw))
                )
                continue
            names += [(p.name, p.role or role) for p in split.names]
        sub = {"id_number": src.id_number, "phone": src.phone}
        ids, phones, extra = _people_columns(
            rc, sub, len(names), problems, prefix=src.prefix, where=where
        )
        if out.grouped:
            ids += [None] * (len(names) - len(ids))
            phones += [None] * (len(names) - len(phones))
        out.names += names
        out.ids += ids
        out.phones += phones
        out.extra_phones += extra
        address = cell_text(src.address)
        out.addresses += [address if i == 0 else "" for i in range(len(names))]
    return out


def _code(
    rc: RowContext,
    table: str,
    key: str,
    label: str,
    raw: Any,
    problems: list[CellProblem],
) -> str | None:
    return ev.read_code(rc.value_maps, rc.codes.get(table, []), table, key, label, raw, problems)


def _label_of(rc: RowContext, table: str, code: str) -> str:
    return next((o.label for o in rc.codes.get(table, []) if o.code == code), code)


def _date_cell(
    rc: RowContext, key: str, label: str, raw: Any, problems: list[CellProblem]
) -> date | None:
    try:
        return parse_legacy_date(raw, today=rc.today, epoch_1904=rc.epoch_1904)
    except LegacyProblem as exc:
        problems.append(CellProblem(key, f"{label}{exc.reason}", exc.fix, cell_text(raw)))
        return None


def _service_problem_field(service_field: str, table: Mapping[str, str]) -> str:
    base = service_field.rsplit(".", maxsplit=1)[-1]
    head = service_field.split("[", maxsplit=1)[0]
    return table.get(service_field) or table.get(base) or table.get(head) or ""


# --- disputes -------------------------------------------------------------------------------


@dataclass
class _DisputePlan:
    registered_on: date
    names: list[tuple[str, str]]  # (name, role)
    ids: list[str | None]
    phones: list[str | None]
    address: str
    category: str
    source: str
    summary: str
    requests: str
    place: str
    occurred_on: date | None
    amount: str
    status: str
    outcome_on: date
    result_text: str
    mediator: str
    agreement: str
    terms: str
    transferred_to: str
    addresses: list[str] = field(default_factory=list)  # per party (groups, several rows)
    follow_up: str = ""  # 回访情况 as written: closes the 回访 of a settled case

    def address_of(self, i: int) -> str:
        if self.addresses:
            return self.addresses[i] if i < len(self.addresses) else ""
        return self.address if i == 0 else ""


class DisputeImporter(LedgerImporter):
    key = "disputes"
    title = "矛盾纠纷排查调处台账"
    record_type = "dispute"
    fields = DISPUTE_FIELDS
    permissions = ("dispute.register", "dispute.assign", "dispute.mediate", "dispute.handle")
    code_tables = ("dispute_category", "case_source")
    code_fields: ClassVar[dict[str, str]] = {
        "category": "dispute_category",
        "source": "case_source",
    }
    party_groups: ClassVar[bool] = True
    party_names: ClassVar[tuple[tuple[str, str], ...]] = (
        ("applicant", "applicant"),
        ("parties", "party"),
        ("respondent", "respondent"),
    )

    _SERVICE_FIELDS: ClassVar[dict[str, str]] = {
        "registered_on": "registered_on",
        "occurred_on": "occurred_on",
        "category": "category",
        "source": "source",
        "summary": "summary",
        "amount": "amount",
        "parties": "parties",
        "name": "parties",
        "id_number": "id_number",
        "phone": "phone",
        "gender": "id_number",
        "birth_date": "id_number",
        "address": "address",
        "involved_count": "parties",
        "title": "parties",
        "terms": "terms",
        "on": "outcome_on",
        "mediator": "mediator",
        "unit": "transferred_to",
        "agreement_type": "agreement",
    }

    def missing_columns(self, mapped: set[str]) -> list[str]:
        labels = _labels(self.fields)
        missing = [labels[k] for k in ("registered_on", "category") if k not in mapped]
        if not mapped & {"parties", "applicant", "respondent"}:
            missing.append("当事人")
        return missing

    def problem_field(self, service_field: str) -> str:
        return _service_problem_field(service_field, self._SERVICE_FIELDS)

    def parse(
        self, rc: RowContext, cells: Mapping[str, Any], row: int
    ) -> RowPlan | list[CellProblem]:
        problems: list[CellProblem] = []
        day = _date_cell(rc, "registered_on", "受理日期", cells.get("registered_on"), problems)
        if day is None and is_blank(cells.get("registered_on")):
            problems.append(CellProblem("registered_on", "受理日期为空", "请填写受理日期"))
        who = _people(rc, cells, self.party_names, problems)
        names = who.names
        if not names:
            problems.append(CellProblem("parties", "当事人为空", "请填写纠纷各方当事人的姓名"))
        elif len(names) < 2:
            problems.append(
                CellProblem(
                    "parties",
                    f"只有一方当事人（{names[0][0]}）",
                    "纠纷须有两方及以上当事人，请用顿号分隔各方，如“张三、李四”",
                    names[0][0],
                )
            )
        ids, phones, extra_phones = who.ids, who.phones, who.extra_phones
        category = _code(
            rc, "dispute_category", "category", "纠纷类型", cells.get("category"), problems
        )
        if is_blank(cells.get("category")):
            problems.append(CellProblem("category", "纠纷类型为空", "请填写纠纷类型，如“邻里纠纷”"))
        source = _code(rc, "case_source", "source", "案件来源", cells.get("source"), problems)
        occurred = _date_cell(rc, "occurred_on", "发生日期", cells.get("occurred_on"), problems)
        outcome_on = _date_cell(rc, "outcome_on", "调结日期", cells.get("outcome_on"), problems)
        # the result through the explicit vocabulary (app.rules.legacy_values): a doubtful
        # wording is refused until the clerk confirms it, never guessed
        # the result through the explicit vocabulary (app.services.excel_values): a doubtful
        # wording is refused until the clerk confirms it, never guessed
        outcome = ev.dispute_outcome(rc.value_maps, cells, problems)
        status, agreement = outcome.status, outcome.agreement
        transferred_to = cell_text(cells.get("transferred_to")) or outcome.transferred_to
        if status == "transferred" and not transferred_to:
            problems.append(
                CellProblem(
                    "result",
                    "调处结果为移送，但没有记载移送单位",
                    "请增加“移送单位”列并填写接收单位",
                    cell_text(cells.get("result")),
                )
            )
        if day and outcome_on and outcome_on < day:
            problems.append(
                CellProblem(
                    "outcome_on",
                    f"调结日期（{outcome_on.isoformat()}）早于受理日期（{day.isoformat()}）",
                    "请核对日期",
                    outcome_on.isoformat(),
                )
            )
        if problems or day is None or category is None:
            return problems
        cat_label = _label_of(rc, "dispute_category", category)
        people = [n for n, _ in names]
        notes: list[str] = []
        if source is None:
            notes.append("原台账未记载案件来源，按“当事人申请”登记")
        if outcome_on is None and status in ("succeeded", "failed", "terminated", "transferred"):
            notes.append("原台账未记载调结日期，按受理日期记")
        if outcome.agreement_note:
            notes.append(outcome.agreement_note)
        if extra_phones:
            notes.append("其他联系电话：" + "、".join(p for p in extra_phones if p))
        summary = cell_text(cells.get("summary"))
        if not summary:
            summary = (
                f"（历史台账导入）{'、'.join(people)}之间的"
                f"{cat_label.removesuffix('纠纷')}纠纷，原台账未记载简要情况。"
            )
        plan = _DisputePlan(
            registered_on=day,
            names=names,
            ids=ids,
            phones=phones,
            address=cell_text(cells.get("address")),
            addresses=who.addresses if who.grouped else [],
            category=category,
            source=source or "party_application",
            summary=summary,
            requests=cell_text(cells.get("requests")),
            place=cell_text(cells.get("place")),
            occurred_on=occurred,
            amount=cell_text(cells.get("amount")),
            status=status,
            outcome_on=outcome_on or day,
            result_text=cell_text(cells.get("result")),
            mediator=cell_text(cells.get("mediator")),
            agreement=agreement,
            terms=cell_text(cells.get("terms")),
            transferred_to=transferred_to,
            follow_up=cell_text(cells.get("follow_up")),
        )
        first_id = ids[0] if ids else None
        display = {
            "received_on": day.isoformat(),
            "parties": people,
            "id_number": first_id if rc.can_view_id else mask_id_number(first_id),
            "phone": phones[0] if phones else None,
            "category": cat_label,
            "result": DISPUTE_RESULT_LABELS[status],
        }
        return RowPlan(
            row=row,
            day=day,
            fingerprint=fingerprint(self.key, day, people, category),
            payload=plan,
            display=display,
            notes=notes,
        )

    def existing(self, ctx: Ctx, plan: RowPlan) -> str | None:
        p: _DisputePlan = plan.payload
        wanted = sorted(n for n, _ in p.names)
        for code, names in ctx.session.execute(
            select(Dispute.case_code, Dispute.party_names).where(
                Dispute.registered_on == p.registered_on,
                Dispute.category == p.category,
                Dispute.deleted_at.is_(None),
            )
        ):
            if sorted(n for n in names.split("、") if n) == wanted:
                return str(code)
        return None

    def write(self, ctx: Ctx, plan: RowPlan, source: str) -> Written:
        from .disputes import DisputeInput, PartyInput, register_dispute
        from .persons import PersonInput

        p: _DisputePlan = plan.payload
        parties = []
        for i, (name, role) in enumerate(p.names):
            parties.append(
                PartyInput(
                    PersonInput(
                        name=name,
                        id_number=(p.ids[i] if i < len(p.ids) else None) or "",
                        phone=(p.phones[i] if i < len(p.phones) else None) or "",
                        address=p.address_of(i),
                    ),
                    role,
                )
            )
        data = DisputeInput(
            source=p.source,
            category=p.category,
            occurred_on=p.occurred_on,
            place=p.place,
            amount=p.amount,
            summary=p.summary,
            requests=p.requests,
            registered_on=p.registered_on,
            parties=parties,
        )
        with _historical(ctx, p.registered_on):
            saved = register_dispute(ctx, data)
        d = saved.record
        d.imported_history = is_history(ctx, p.registered_on)
        self._advance(ctx, d, p)
        clear_past_due(ctx, d)
        log_event(ctx, d, "imported", note="；".join([source, *plan.notes]))
        return Written(d.id, d.case_code, {"history": d.imported_history}, list(saved.warnings))

    _OPEN_RANK: ClassVar[dict[str, int]] = {"registered": 0, "triaged": 1, "mediating": 2}
    _OUTCOMES: ClassVar[frozenset[str]] = frozenset(
        {"succeeded", "failed", "terminated", "transferred"}
    )

    def _advance(self, ctx: Ctx, d: Dispute, p: _DisputePlan) -> None:
        """Move the dispute from where it is to the ledger's result, on the ledger's dates."""
        from .disputes import DisputeAction, advance_dispute

        original = f"原台账记载：{p.result_text}" if p.result_text else ""
        with _historical(ctx, p.registered_on):
            if d.status == "registered" and p.status != "registered" and p.mediator:
                advance_dispute(
                    ctx, d.id, "assign", DisputeAction(mediator=p.mediator, on=p.registered_on)
                )
            if p.status in ("mediating", "succeeded", "failed") and d.status in (
                "registered",
                "triaged",
            ):
                advance_dispute(ctx, d.id, "start", DisputeAction(on=p.registered_on))
        with _historical(ctx, p.outcome_on):
            if p.status == "succeeded":
                advance_dispute(
                    ctx,
                    d.id,
                    "succeed",
                    DisputeAction(
                        on=p.outcome_on,
                        agreement_type=p.agreement,
                        terms=p.terms or "（历史台账导入，原台账未记载协议内容）",
                        performance_manner=(
                            "（历史台账导入，原台账未记载履行方式）"
                            if p.agreement == "written"
                            else ""
                        ),
                        note=original,
                    ),
                )
            elif p.status == "failed":
                advance_dispute(
                    ctx,
                    d.id,
                    "fail",
                    DisputeAction(
                        on=p.outcome_on, note=(original or "调解不成") + "；原台账未记载原因"
                    ),
                )
            elif p.status == "terminated":
                advance_dispute(
                    ctx,
                    d.id,
                    "terminate",
                    DisputeAction(on=p.outcome_on, note=(original or "终止调解")),
                )
            elif p.status == "transferred":
                advance_dispute(
                    ctx,
                    d.id,
                    "transfer",
                    DisputeAction(on=p.outcome_on, unit=p.transferred_to, note=original or "移送"),
                )
            if p.status == "succeeded" and p.follow_up:
                close_follow_up(ctx, d, p.follow_up, p.outcome_on)

    def update(self, ctx: Ctx, case_code: str, plan: RowPlan, source: str) -> Written | None:
        p: _DisputePlan = plan.payload
        d = ctx.session.scalars(
            select(Dispute).where(Dispute.case_code == case_code, Dispute.deleted_at.is_(None))
        ).first()
        if d is None or d.status == p.status:
            return None  # nothing newer to bring (a blank result reads as 登记, ranked lowest)
        before = d.status
        if before in self._OUTCOMES and p.status in self._OUTCOMES:
            raise ValidationError.single(
                "result",
                "调处结果",
                f"与台账中的{d.case_code}是同一纠纷，但台账中已是“{DISPUTE.status_label(before)}”，"
                f"本行记载为“{DISPUTE.status_label(p.status)}”",
                "两个结果相互矛盾，未作更改；请核对原台账后在纠纷详情中处理",
            )
        if (
            before not in self._OPEN_RANK
            or self._OPEN_RANK.get(p.status, 9) <= self._OPEN_RANK[before]
        ):
            return None  # the ledger already knows as much or more
        self._advance(ctx, d, p)
        clear_past_due(ctx, d)
        change = f"由“{DISPUTE.status_label(before)}”更新为“{DISPUTE.status_label(d.status)}”"
        log_event(
            ctx,
            d,
            "updated",
            from_status=before,
            to_status=d.status,
            note=f"{source}：{change}",
        )
        return Written(d.id, d.case_code, {}, [change])


# --- visits ---------------------------------------------------------------------------------


@dataclass
class _VisitPlan:
    received_on: date
    names: list[str]
    ids: list[str | None]
    phones: list[str | None]
    address: str
    headcount: int
    category: str
    channel: str
    request: str
    first_responder: str
    opinion: str
    status: str
    replied_on: date
    result_text: str
    addresses: list[str] = field(default_factory=list)  # per petitioner (groups, several rows)
    anonymous: bool = False
    handling: Handling | None = None  # from the result's wording (“已转镇城建办”)
    follow_up: str = ""  # 回访情况 as written: closes the 回访 of a concluded petition

    def address_of(self, i: int) -> str:
        if self.addresses:
            return self.addresses[i] if i < len(self.addresses) else ""
        return self.address if i == 0 else ""


class VisitImporter(LedgerImporter):
    key = "visits"
    title = "来信来访登记台账"
    record_type = "visit"
    fields = VISIT_FIELDS
    permissions = ("visit.register", "visit.review", "visit.decide", "visit.handle")
    code_tables = ("visit_category", "visit_channel")
    code_fields: ClassVar[dict[str, str]] = {
        "category": "visit_category",
        "channel": "visit_channel",
    }
    party_groups: ClassVar[bool] = True
    party_names: ClassVar[tuple[tuple[str, str], ...]] = (("petitioner", "party"),)
    # 来访人/信访人 groups are the petitioners; a 被反映人 group is not a petitioner
    party_roles: ClassVar[frozenset[str] | None] = frozenset({"petitioner", "party", "applicant"})

    _SERVICE_FIELDS: ClassVar[dict[str, str]] = {
        "received_at": "received_on",
        "channel": "channel",
        "category": "category",
        "request": "request",
        "subject": "request",
        "headcount": "headcount",
        "petitioners": "petitioner",
        "name": "petitioner",
        "id_number": "id_number",
        "gender": "id_number",
        "birth_date": "id_number",
        "phone": "phone",
        "address": "address",
        "on": "replied_on",
        "unit": "opinion",
        "note": "opinion",
    }

    def missing_columns(self, mapped: set[str]) -> list[str]:
        labels = _labels(self.fields)
        return [labels[k] for k in ("received_on", "petitioner", "request") if k not in mapped]

    def problem_field(self, service_field: str) -> str:
        return _service_problem_field(service_field, self._SERVICE_FIELDS)

    def parse(
        self, rc: RowContext, cells: Mapping[str, Any], row: int
    ) -> RowPlan | list[CellProblem]:
        problems: list[CellProblem] = []
        day = _date_cell(rc, "received_on", "登记日期", cells.get("received_on"), problems)
        if day is None and is_blank(cells.get("received_on")):
            problems.append(CellProblem("received_on", "登记日期为空", "请填写来信来访日期"))
        names: list[str] = []
        etal_count: int | None = None
        has_etal = False
        anonymous = is_anonymous(cells.get("petitioner"))  # 匿名信: no name, no contact
        who: _People | None = None
        if PARTY_ROWS in cells:  # petitioner groups, one row per petitioner
            who = _people(rc, cells, self.party_names, problems)
            names = [n for n, _ in who.names]
        elif not anonymous:
            try:
                split = split_parties(cells.get("petitioner"))
                names = [p.name for p in split.names]
                etal_count, has_etal = split.headcount, split.has_etal
            except LegacyProblem as exc:
                problems.append(
                    CellProblem(
                        "petitioner", exc.reason, exc.fix, cell_text(cells.get("petitioner"))
                    )
                )
        if not names and not problems and not anonymous:
            problems.append(CellProblem("petitioner", "信访人为空", "请填写信访人姓名"))
        headcount: int | None = None
        try:
            headcount = parse_count(cells.get("headcount"), "人数")
        except LegacyProblem as exc:
            problems.append(
                CellProblem("headcount", exc.reason, exc.fix, cell_text(cells.get("headcount")))
            )
        if headcount is not None and etal_count is not None and headcount != etal_count:
            problems.append(
                CellProblem(
                    "headcount",
                    f"人数（{headcount}）与“{cell_text(cells.get('petitioner'))}”不一致",
                    "请核对来访人数",
                    str(headcount),
                )
            )
        if headcount is None:
            headcount = etal_count
        if headcount is None:
            if has_etal:
                problems.append(
                    CellProblem(
                        "headcount",
                        f"“{cell_text(cells.get('petitioner'))}”未写明人数",
                        "请写成“张三等5人”或填写人数列",
                    )
                )
            headcount = max(len(names), 1)
        if who is not None:
            ids, phones, extra_phones = who.ids, who.phones, who.extra_phones
        else:
            ids, phones, extra_phones = _people_columns(rc, cells, len(names), problems)
        category = _code(
            rc, "visit_category", "category", "内容分类", cells.get("category"), problems
        )
        channel = _code(rc, "visit_channel", "channel", "信访形式", cells.get("channel"), problems)
        request = cell_text(cells.get("request"))
        if not request:
            problems.append(CellProblem("request", "反映问题为空", "请填写信访人反映的问题或诉求"))
        outcome = ev.visit_outcome(rc.value_maps, cells, problems)
        status = outcome.status
        replied_on = _date_cell(rc, "replied_on", "办结日期", cells.get("replied_on"), problems)
        if day and replied_on and replied_on < day:
            problems.append(
                CellProblem(
                    "replied_on",
                    f"办结日期（{replied_on.isoformat()}）早于登记日期（{day.isoformat()}）",
                    "请核对日期",
                    replied_on.isoformat(),
                )
            )
        if problems or day is None:
            return problems
        notes: list[str] = []
        if category is None:
            notes.append("原台账未分类，内容分类暂记为“其他”")
        if channel is None:
            notes.append("原台账未记载信访形式，按“来访”登记")
        if replied_on is None and status == "concluded":
            notes.append("原台账未记载办结日期，按登记日期记")
        if extra_phones:
            notes.append("其他联系电话：" + "、".join(p for p in extra_phones if p))
        plan = _VisitPlan(
            received_on=day,
            names=names,
            ids=ids,
            phones=phones,
            address=cell_text(cells.get("address")),
            headcount=headcount,
            category=category or "other",
            channel=channel or "visit",
            request=request,
            first_responder=cell_text(cells.get("first_responder")),
            opinion=cell_text(cells.get("opinion")),
            status=status,
            replied_on=replied_on or day,
            result_text=cell_text(cells.get("result")),
            addresses=who.addresses if who is not None else [],
            anonymous=anonymous,
            follow_up=cell_text(cells.get("follow_up")),
            handling=Handling(*outcome.handling) if outcome.handling else None,
        )
        first_id = ids[0] if ids else None
        display = {
            "received_on": day.isoformat(),
            "name": names[0] if names else "匿名",
            "names": names,
            "headcount": headcount,
            "id_number": first_id if rc.can_view_id else mask_id_number(first_id),
            "phone": phones[0] if phones else None,
            "category": _label_of(rc, "visit_category", plan.category),
            "result": VISIT_RESULT_LABELS[status],
        }
        return RowPlan(
            row=row,
            day=day,
            fingerprint=fingerprint(self.key, day, names, plan.category, request),
            payload=plan,
            display=display,
            notes=notes,
        )

    def existing(self, ctx: Ctx, plan: RowPlan) -> str | None:
        p: _VisitPlan = plan.payload
        wanted = sorted(p.names)
        for code, names, request, anonymous in ctx.session.execute(
            select(Visit.case_code, Visit.party_names, Visit.request, Visit.is_anonymous).where(
                Visit.received_on == p.received_on, Visit.deleted_at.is_(None)
            )
        ):
            if p.anonymous or anonymous:
                same_people = bool(p.anonymous and anonymous)
            else:
                same_people = sorted(n for n in names.split("、") if n) == wanted
            if same_people and clean(request) == clean(p.request):
                return str(code)
        return None

    def write(self, ctx: Ctx, plan: RowPlan, source: str) -> Written:
        from .persons import PersonInput
        from .visits import VisitInput, register_visit

        p: _VisitPlan = plan.payload
        people = [
            PersonInput(
                name=name,
                id_number=(p.ids[i] if i < len(p.ids) else None) or "",
                phone=(p.phones[i] if i < len(p.phones) else None) or "",
                address=p.address_of(i),
            )
            for i, name in enumerate(p.names)
        ]
        data = VisitInput(
            channel=p.channel,
            received_at=p.received_on,
            headcount=p.headcount,
            category=p.category,
            request=p.request,
            first_responder=p.first_responder,
            petitioners=people,
            is_anonymous=p.anonymous,
        )
        with _historical(ctx, p.received_on):
            saved = register_visit(ctx, data)
        v = saved.record
        v.imported_history = is_history(ctx, p.received_on)
        self._advance(ctx, v, p)
        clear_past_due(ctx, v)
        log_event(ctx, v, "imported", note="；".join([source, *plan.notes]))
        return Written(
            v.id,
            v.case_code,
            {"group": v.is_group, "history": v.imported_history},
            list(saved.warnings),
        )

    _RANK: ClassVar[dict[str, int]] = {
        "registered": 0,
        "reviewed": 1,
        "accepted": 2,
        "in_progress": 3,
        "concluded": 4,
        "not_accepted": 4,
        "informed": 4,
    }

    def _advance(self, ctx: Ctx, v: Visit, p: _VisitPlan) -> None:
        """Move the visit from where it is to the ledger's result, on the ledger's dates."""
        from .visits import VisitAction, advance_visit

        recorded = f"原台账记载：{p.result_text}" if p.result_text else ""
        handling = p.handling or visit_handling(p.opinion)
        day = p.received_on
        answered = p.status == "concluded" and handling.method == "answer"
        with _historical(ctx, p.received_on):
            if p.status != "registered" and v.status == "registered":
                advance_visit(
                    ctx,
                    v.id,
                    "review",
                    VisitAction(note="历史台账导入，原台账未记载审核意见", on=day),
                )
            if v.status == "reviewed":
                if p.status == "not_accepted":
                    advance_visit(
                        ctx,
                        v.id,
                        "reject",
                        VisitAction(note=p.opinion or recorded or "不予受理", on=day),
                    )
                elif p.status == "informed":
                    advance_visit(
                        ctx,
                        v.id,
                        "inform",
                        VisitAction(note=p.opinion or recorded or "已告知", on=day),
                    )
                elif p.status in ("accepted", "in_progress", "concluded"):
                    advance_visit(ctx, v.id, "accept", VisitAction(note="历史台账导入", on=day))
            if p.status in ("in_progress", "concluded") and not answered and v.status == "accepted":
                method = handling.method if handling.method != "answer" else "handle"
                advance_visit(
                    ctx, v.id, method, VisitAction(note=p.opinion, unit=handling.unit, on=day)
                )
        with _historical(ctx, p.replied_on):
            if answered and v.status == "accepted":
                advance_visit(
                    ctx, v.id, "answer", VisitAction(note=p.opinion or "当场答复", on=p.replied_on)
                )
            elif p.status == "concluded" and v.status == "in_progress":
                note = "；".join(x for x in (p.opinion, recorded) if x) or "已办结"
                advance_visit(ctx, v.id, "conclude", VisitAction(note=note, on=p.replied_on))
            if p.status == "concluded" and p.follow_up:
                close_follow_up(ctx, v, p.follow_up, p.replied_on)

    def update(self, ctx: Ctx, case_code: str, plan: RowPlan, source: str) -> Written | None:
        p: _VisitPlan = plan.payload
        v = ctx.session.scalars(
            select(Visit).where(Visit.case_code == case_code, Visit.deleted_at.is_(None))
        ).first()
        if v is None or v.status == p.status:
            return None  # no result written on the row: nothing newer to bring
        before = v.status
        old, new = self._RANK.get(before, 9), self._RANK.get(p.status, 0)
        if old == new == 4:
            raise ValidationError.single(
                "result",
                "办理结果",
                f"与台账中的{v.case_code}是同一信访件，但台账中已是“{VISIT.status_label(before)}”，"
                f"本行记载为“{VISIT.status_label(p.status)}”",
                "两个结果相互矛盾，未作更改；请核对原台账后在信访件详情中处理",
            )
        if new <= old:
            return None
        self._advance(ctx, v, p)
        if v.status == before:
            return None
        clear_past_due(ctx, v)
        change = f"由“{VISIT.status_label(before)}”更新为“{VISIT.status_label(v.status)}”"
        log_event(
            ctx, v, "updated", from_status=before, to_status=v.status, note=f"{source}：{change}"
        )
        return Written(v.id, v.case_code, {"group": v.is_group}, [change])


# --- registry of importable ledgers ---------------------------------------------------------

BUILTIN_LEDGERS: dict[str, LedgerImporter] = {
    "disputes": DisputeImporter(),
    "visits": VisitImporter(),
}


def importer_for(ctx: Ctx, ledger: str) -> LedgerImporter:
    key = ledger.strip()
    if key in BUILTIN_LEDGERS:
        return BUILTIN_LEDGERS[key]
    aliases = {
        "dispute": "disputes",
        "纠纷": "disputes",
        "矛盾纠纷": "disputes",
        "visit": "visits",
        "信访": "visits",
        "来信来访": "visits",
    }
    if key in aliases:
        return BUILTIN_LEDGERS[aliases[key]]
    register = _register_importer(ctx, key)
    if register is not None:
        return register
    options = "、".join(f"{k}（{v}）" for k, v in ledger_choices(ctx))
    raise ValidationError.single(
        "ledger", "台账", f"“{ledger}”不是可导入的台账", f"可选：{options}"
    )


def ledger_choices(ctx: Ctx, *, purpose: str = "import") -> list[tuple[str, str]]:
    """(key, Chinese title) of every ledger that can be imported (or, with
    ``purpose="export"``, exported): the dispute and visit ledgers, then the registers."""
    choices = [(k, v.title) for k, v in BUILTIN_LEDGERS.items()]
    choices += _register_choices(ctx, purpose)
    return choices


def _register_importer(ctx: Ctx, key: str) -> LedgerImporter | None:
    source = excel_registers.source_ledger(ctx, key)
    if source is not None:
        return BUILTIN_LEDGERS[source]
    return excel_registers.register_importer(ctx, key)


def _register_choices(ctx: Ctx, purpose: str) -> list[tuple[str, str]]:
    return excel_registers.register_choices(ctx, purpose=purpose)


# --- inspecting a file: sheet, header, mapping ----------------------------------------------


@dataclass
class ColumnInfo:
    index: int
    letter: str
    header: str
    field: str  # "" when the column is not imported
    detected: str  # what the header synonyms say (before remembered/edited choices)


@dataclass
class SheetInspection:
    """What the import will read from one sheet: header row, columns, a preview."""

    ledger: str
    sheet: str
    sheets: list[str]
    header_row: int  # 1-based Excel row number; 0 when no header was found
    data_start: int  # 1-based
    columns: list[ColumnInfo]
    preview: list[tuple[int, list[str]]]  # (Excel row, cell texts)
    remembered: bool
    signature: str
    missing: list[str]
    header_top: int = 0  # 1-based first header row (a two-row header starts above header_row)
    groups: list[PartyGroup] = field(default_factory=list)  # 申请人/被申请人 … as recognised
    title: str = ""  # the title row above the header
    meta: dict[str, str] = field(default_factory=dict)  # 填报单位/填表人/填报日期
    labels: dict[str, str] = field(default_factory=dict)  # field key → label (groups included)

    def mapping(self) -> dict[int, str]:
        return {c.index: c.field for c in self.columns if c.field}

    def field_labels(self, ledger_fields: Sequence[FieldSpec]) -> dict[str, str]:
        return {**_labels(ledger_fields), **self.labels}

    def group_summary(self) -> list[str]:
        """One line per recognised party group: 申请人（申请人）：C“姓名”、D“身份证号码” …"""
        out = []
        for g in self.groups:
            cols = "、".join(
                f"{column_letter(c)}“{CHILD_LABELS.get(child, child)}”"
                for child, c in sorted(g.columns.items(), key=lambda kv: kv[1])
            )
            out.append(f"{g.title}（{PARTY_ROLE_LABELS.get(g.role, g.role)}）：{cols}")
        return out


def _setting_key(ledger: str, signature: str | None) -> str:
    return f"excel.map.{ledger}" + (f".{signature}" if signature else "")


def remembered_words(ctx: Ctx, ledger: str) -> dict[str, str]:
    """Header words this station has mapped before (normalised header → field, "" = ignore)."""
    value = get_value(ctx.session, _setting_key(ledger, None), {})
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def remember_mapping(
    ctx: Ctx, ledger: str, headers: Sequence[str], mapping: Mapping[int, str]
) -> None:
    """Remember a confirmed column mapping for this header layout (and its header words)."""
    with ctx.write() as s:
        _store_mapping(s, ledger, headers, mapping)


def _store_mapping(
    session: Any, ledger: str, headers: Sequence[str], mapping: Mapping[int, str]
) -> None:
    layout = {
        normalize_header(h): mapping.get(i, "")
        for i, h in enumerate(headers)
        if normalize_header(h)
    }
    set_value(session, _setting_key(ledger, header_signature(headers)), layout)
    words = get_value(session, _setting_key(ledger, None), {})
    words = dict(words) if isinstance(words, dict) else {}
    words.update({k: v for k, v in layout.items() if v})
    set_value(session, _setting_key(ledger, None), words)


def _guess(sheet: SheetData, imp: LedgerImporter, words: Mapping[str, str]) -> Layout | None:
    """Layout detection with the station's learned header words as extra synonyms."""
    extra = [
        FieldSpec(key, "", tuple(w for w, k in words.items() if k == key))
        for key in {k for k in words.values() if k and split_group_field(k) is None}
    ]
    return detect_layout(
        sheet.rows,
        [*imp.fields, *extra],
        spans=sheet.spans,
        groups_allowed=imp.party_groups,
        group_roles=imp.party_roles,
    )


def _layout_at(sheet: SheetData, imp: LedgerImporter, hidx: int) -> Layout:
    """The layout with the header where the clerk says it is (one header row)."""
    rows = sheet.rows
    hrow = rows[hidx] if hidx < len(rows) else []
    spans = {(0, c): a for (r, c), a in sheet.spans.items() if r == hidx}
    found = detect_layout(
        [hrow],
        imp.fields,
        spans=spans,
        groups_allowed=imp.party_groups,
        group_roles=imp.party_roles,
    )
    if found is not None:
        return Layout(hidx, hidx, hidx + 1, found.headers, found.mapping, found.groups)
    mapping = {
        i: k
        for i, v in enumerate(hrow)
        if (k := match_header(v, imp.fields)) is not None and not is_blank(v)
    }
    headers = ["" if v is None else str(v).strip() for v in hrow]
    return Layout(hidx, hidx, hidx + 1, headers, mapping, [])


def _named(mapped: set[str], groups: Sequence[PartyGroup]) -> set[str]:
    """The mapped plain fields, with party groups standing in for the party name columns."""
    plain = {k for k in mapped if split_group_field(k) is None}
    if any(g.field("name") in mapped for g in groups):
        plain |= {"parties", "petitioner"}
    return plain


def missing_for(
    ctx: Ctx, ledger: str, mapped: set[str], groups: Sequence[PartyGroup] = ()
) -> list[str]:
    """Labels of the required columns a chosen mapping lacks (party groups count as names)."""
    return importer_for(ctx, ledger).missing_columns(_named(mapped, groups))


def sheet_fits(ctx: Ctx, sheet: SheetData, ledger: str) -> str:
    """Why a sheet does not look like ``ledger`` ("" when it does): no header, missing columns."""
    imp = importer_for(ctx, ledger)
    if not any(any(not is_blank(v) for v in r) for r in sheet.rows):
        return "空白工作表"
    layout = _guess(sheet, imp, remembered_words(ctx, imp.key))
    if layout is None:
        return f"没有找到{imp.title}的表头"
    missing = imp.missing_columns(_named(set(layout.mapping.values()), layout.groups))
    if missing:
        return f"表头缺少“{'”“'.join(missing)}”列，不像{imp.title}"
    return ""


def inspect_source(
    ctx: Ctx,
    book: SourceBook,
    ledger: str,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    mapping: Mapping[int, str] | None = None,
) -> SheetInspection:
    """Choose the sheet (best header match unless given), find the header row (unless given),
    and map the columns: synonyms < remembered layout < ``mapping`` (explicit choices)."""
    imp = importer_for(ctx, ledger)
    words = remembered_words(ctx, imp.key)
    if sheet is None:
        scored = []
        for i, s in enumerate(book.sheets):
            g = _guess(s, imp, words)
            scored.append((len(g.mapping) if g else 0, -i, s.name))
        sheet = max(scored)[2]
    data = book.sheet(sheet)
    rows = data.rows
    guess: Layout | None
    if header_row is not None:
        if not 1 <= header_row <= max(len(rows), 1):
            raise ValidationError.single(
                "header_row", "表头行", f"第{header_row}行超出了工作表范围", "请重新选择表头所在行"
            )
        guess = _layout_at(data, imp, header_row - 1)
    else:
        guess = _guess(data, imp, words)
    width = max((len(r) for r in rows), default=0)
    if guess is None:
        return SheetInspection(
            ledger=imp.key,
            sheet=data.name,
            sheets=[s.name for s in book.sheets],
            header_row=0,
            data_start=1,
            columns=[ColumnInfo(i, column_letter(i), "", "", "") for i in range(width)],
            preview=_preview(rows, 0),
            remembered=False,
            signature="",
            missing=imp.missing_columns(set()),
            labels=_labels(imp.fields),
        )
    headers = list(guess.headers) + [""] * (width - len(guess.headers))
    valid = {**_labels(imp.fields), **guess.group_labels()}
    if imp.party_groups:
        valid["party_role"] = "当事人身份"  # which side each row's person is on
    detected = {i: k for i, k in guess.mapping.items() if k in valid}
    final = dict(detected)
    signature = header_signature(headers)
    stored = get_value(ctx.session, _setting_key(imp.key, signature), None)
    remembered = isinstance(stored, dict)
    if isinstance(stored, dict):
        final = {}
        for i, h in enumerate(headers):
            n = normalize_header(h)
            if n in stored:
                if stored[n]:
                    final[i] = str(stored[n])
            elif i in detected:
                final[i] = detected[i]
    if mapping is not None:
        final = {i: k for i, k in mapping.items() if k}
    final = {i: k for i, k in final.items() if k in valid}
    seen: set[str] = set()
    for i in sorted(final):
        if final[i] in seen:
            raise ValidationError.single(
                "mapping",
                "列对应",
                f"“{valid[final[i]]}”对应了不止一列",
                "每个字段只能对应一列，请把多余的列设为“不导入”",
            )
        seen.add(final[i])
    columns = [
        ColumnInfo(i, column_letter(i), headers[i], final.get(i, ""), detected.get(i, ""))
        for i in range(width)
    ]
    groups = [g for g in guess.groups if any(g.field(c) in seen for c in g.columns)]
    return SheetInspection(
        ledger=imp.key,
        sheet=data.name,
        sheets=[s.name for s in book.sheets],
        header_row=guess.row + 1,
        data_start=guess.data_start + 1,
        columns=columns,
        preview=_preview(rows, guess.data_start),
        remembered=remembered,
        signature=signature,
        missing=imp.missing_columns(_named(set(final.values()), groups)),
        header_top=guess.header_top + 1,
        groups=groups,
        title=guess.title,
        meta=dict(guess.meta),
        labels=valid,
    )


def _preview(rows: Sequence[Sequence[Any]], start: int) -> list[tuple[int, list[str]]]:
    out = []
    for i in range(start, min(len(rows), start + PREVIEW_ROWS)):
        out.append((i + 1, [cell_text(v).replace("\n", " ") for v in rows[i]]))
    return out


# --- the import -----------------------------------------------------------------------------


@dataclass
class ReportProblem:
    row: int
    column: str  # letter, "" for the whole row
    header: str
    field: str
    field_label: str
    reason: str
    fix: str = ""
    value: str = ""
    unknown_code: str = ""  # code table: the value is a spelling that can be mapped

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "header": self.header,
            "field": self.field,
            "label": self.field_label,
            "reason": self.reason,
            "fix": self.fix,
            "value": self.value,
        }


@dataclass
class RowResult:
    row: int
    status: str  # imported | new (dry run) | duplicate | invalid | skipped
    reason: str = ""
    case_code: str = ""
    record_id: str = ""
    display: dict[str, Any] = field(default_factory=dict)
    problems: list[ReportProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # Excel rows of a case written over several
    sheet: str = ""  # the sheet the row is on

    @property
    def where(self) -> str:
        """第4行, or 第4–6行 for a case written one row per party."""
        if len(self.rows) > 1:
            return f"第{self.rows[0]}–{self.rows[-1]}行"
        return f"第{self.row}行"


STATUS_LABELS = {
    "imported": "已导入",
    "new": "可导入",
    "updated": "已更新",
    "update": "可更新",
    "duplicate": "已存在",
    "invalid": "有问题",
    "skipped": "跳过",
}


@dataclass
class ImportReport:
    file: str
    sheet: str
    ledger: str
    ledger_title: str
    header_row: int
    dry_run: bool
    columns: list[ColumnInfo]
    field_labels: dict[str, str]
    rows: list[RowResult] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # the party groups recognised (one line each)
    values: list[ev.ValueReview] = field(default_factory=list)  # the value review
    sheets: list[SheetSummary] = field(default_factory=list)  # a whole workbook: every sheet

    def of(self, *statuses: str) -> list[RowResult]:
        return [r for r in self.rows if r.status in statuses]

    @property
    def valid(self) -> list[RowResult]:
        return self.of("imported", "new")

    @property
    def invalid(self) -> list[RowResult]:
        return self.of("invalid")

    @property
    def problems(self) -> list[ReportProblem]:
        return [p for r in self.invalid for p in r.problems]

    def counts(self) -> dict[str, int]:
        return {
            "rows": len(self.rows),
            "source_rows": sum(max(len(r.rows), 1) for r in self.rows),
            "valid": len(self.valid),
            "imported": len(self.of("imported")),
            "updated": len(self.of("updated", "update")),
            "duplicate": len(self.of("duplicate")),
            "invalid": len(self.invalid),
            "skipped": len(self.of("skipped")),
        }

    def summary_text(self) -> str:
        c = self.counts()
        head = "试导入（未写入台账）" if self.dry_run else "导入完成"
        would = "可导入" if self.dry_run else "已导入"
        return (
            f"{head}：{self.ledger_title}，文件“{self.file}”工作表“{self.sheet}”，"
            f"表头在第{self.header_row}行；{would} {c['valid']} 行，"
            + (
                f"{'可更新' if self.dry_run else '已更新'} {c['updated']} 行，"
                if c["updated"]
                else ""
            )
            + f"已存在 {c['duplicate']} 行，有问题 {c['invalid']} 行，跳过 {c['skipped']} 行"
        )

    def to_dict(self) -> dict[str, Any]:
        def where(r: RowResult) -> dict[str, str]:
            return {"sheet": r.sheet} if self.sheets else {}  # several sheets: name each row's

        return {
            "file": self.file,
            "sheet": self.sheet,
            "ledger": self.ledger,
            "ledger_title": self.ledger_title,
            "header_row": self.header_row,
            "dry_run": self.dry_run,
            "mapping": [
                {
                    "column": c.letter,
                    "header": c.header,
                    "field": c.field,
                    "label": self.field_labels.get(c.field, ""),
                }
                for c in self.columns
                if c.field
            ],
            "counts": self.counts(),
            "groups": self.groups,
            "values": [v.to_dict() for v in self.values],
            **({"sheets": [x.to_dict() for x in self.sheets]} if self.sheets else {}),
            "valid": [
                {
                    **where(r),
                    "row": r.row,
                    **({"rows": r.rows} if len(r.rows) > 1 else {}),
                    "status": r.status,
                    "case_code": r.case_code,
                    **r.display,
                    "warnings": r.warnings,
                }
                for r in self.valid
            ],
            "updated": [
                {**where(r), "row": r.row, "reason": r.reason, "case_code": r.case_code}
                for r in self.of("updated", "update")
            ],
            "invalid": [
                {
                    **where(r),
                    "row": r.row,
                    **({"rows": r.rows} if len(r.rows) > 1 else {}),
                    "reason": "；".join(p.reason for p in r.problems),
                    "problems": [p.to_dict() for p in r.problems],
                }
                for r in self.invalid
            ],
            "duplicates": [
                {**where(r), "row": r.row, "reason": r.reason, "case_code": r.case_code}
                for r in self.of("duplicate")
            ],
            "skipped": [{**where(r), "row": r.row, "reason": r.reason} for r in self.of("skipped")],
        }


Progress = Callable[[int, int], bool]  # (done, total) → False to cancel


class _Rollback(Exception):
    pass


def _check_permissions(ctx: Ctx, imp: LedgerImporter) -> None:
    missing = [p for p in imp.permissions if not ctx.can(p)]
    if missing:
        role = ROLE_LABELS.get(ctx.operator.role, ctx.operator.role)
        actions = "、".join(ACTION_LABELS.get(p, p) for p in missing)
        raise PermissionDenied(
            f"导入历史{imp.title}需要{actions}的权限，当前角色「{role}」没有；请由站点管理员导入"
        )


def _code_options(ctx: Ctx, tables: Sequence[str]) -> dict[str, list[CodeOption]]:
    out: dict[str, list[CodeOption]] = {}
    for t in tables:
        out[t] = [
            CodeOption(i.code, i.label, tuple(a for a in i.aliases.split("|") if a))
            for i in ctx.session.scalars(
                select(CodeItem)
                .where(CodeItem.table_name == t, CodeItem.active)
                .order_by(CodeItem.sort_order)
            )
        ]
    return out


@one_import_at_a_time
def run_import(
    ctx: Ctx,
    path: Path | str,
    ledger: str,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    mapping: Mapping[int, str] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    book: SourceBook | None = None,
    confirmed: Mapping[str, Mapping[str, str]] | None = None,
) -> ImportReport:
    """Import (or, with ``dry_run``, rehearse importing) a legacy ledger: the ``sheet`` given,
    else every sheet that looks like the ledger (month sheets in order, one run, see
    :func:`run_workbook_import`), reported together — each row names its sheet.

    ``confirmed`` are the clerk's confirmations of source values (field → {value as written:
    code}, see :mod:`app.services.excel_values`): used for this run, remembered for the station
    only by a real import."""
    imp = importer_for(ctx, ledger)
    _check_permissions(ctx, imp)
    book = book or read_source(path)
    if sheet is None and header_row is None and mapping is None and len(book.sheets) > 1:
        fitting = [n for n, why in workbook_sheets(ctx, book, imp.key) if not why]
        if len(fitting) > 1:
            wb = run_workbook_import(
                ctx,
                path,
                imp.key,
                dry_run=dry_run,
                progress=progress,
                book=book,
                confirmed=confirmed,
            )
            return wb.merged()
    ins = inspect_source(ctx, book, imp.key, sheet=sheet, header_row=header_row, mapping=mapping)
    _require_header(imp, ins)
    if not dry_run:
        from .backup import backup_now

        backup_now(ctx.db, reason="pre-import")  # a whole file goes in: keep the way back
    rc = _row_context(ctx, imp, book.sheet(ins.sheet), confirmed)
    report, plans = _plan_sheet(ctx, imp, book, ins, rc, dry_run)
    _write_sheets(ctx, imp, [(report, plans)], dry_run, progress, confirmed)
    return report


@dataclass
class SheetSummary:
    """One sheet of a whole-workbook import: its report, or why it was left out."""

    sheet: str
    report: ImportReport | None = None
    skipped_reason: str = ""

    def counts(self) -> dict[str, int]:
        if self.report is None:
            return {}
        return self.report.counts()

    def to_dict(self) -> dict[str, Any]:
        if self.report is None:
            return {"sheet": self.sheet, "skipped_reason": self.skipped_reason}
        return {"sheet": self.sheet, **self.report.to_dict()}


def _merged_values(reports: Sequence[ImportReport]) -> list[ev.ValueReview]:
    """The value review over several sheets: one line per field and spelling, its rows summed
    (the first sheet's column and proposal)."""
    out: dict[tuple[str, str], ev.ValueReview] = {}
    for r in reports:
        for v in r.values:
            have = out.get((v.field, v.text))
            if have is None:
                out[(v.field, v.text)] = replace(v, rows=list(v.rows))
            else:
                have.rows += v.rows
    return list(out.values())


@dataclass
class WorkbookReport:
    """A whole workbook imported in one run: the ledger's sheets in month order, the others
    named with why they were left out."""

    file: str
    ledger: str
    ledger_title: str
    dry_run: bool
    sheets: list[SheetSummary] = field(default_factory=list)

    @property
    def reports(self) -> list[ImportReport]:
        return [s.report for s in self.sheets if s.report is not None]

    def counts(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for r in self.reports:
            for k, v in r.counts().items():
                total[k] = total.get(k, 0) + v
        return total

    def merged(self) -> ImportReport:
        """One report over every imported sheet (rows in import order, each naming its
        sheet); the per-sheet summaries in ``sheets``."""
        reports = self.reports
        first = reports[0]
        labels: dict[str, str] = {}
        for r in reports:
            labels.update(r.field_labels)
        return ImportReport(
            file=self.file,
            sheet="、".join(r.sheet for r in reports),
            ledger=self.ledger,
            ledger_title=self.ledger_title,
            header_row=first.header_row,
            dry_run=self.dry_run,
            columns=first.columns,
            field_labels=labels,
            rows=[row for r in reports for row in r.rows],
            groups=first.groups,
            sheets=list(self.sheets),
            values=_merged_values(reports),
        )

    def summary_lines(self) -> list[str]:
        would = "可导入" if self.dry_run else "已导入"
        upd = "可更新" if self.dry_run else "已更新"
        out = []
        for s in self.sheets:
            if s.report is None:
                out.append(f"工作表“{s.sheet}”：未导入（{s.skipped_reason}）")
                continue
            c = s.report.counts()
            out.append(
                f"工作表“{s.sheet}”：{c['source_rows']} 行，{would} {c['valid']}，"
                f"{upd} {c['updated']}，已存在 {c['duplicate']}，有问题 {c['invalid']}，"
                f"跳过 {c['skipped']}"
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "ledger": self.ledger,
            "ledger_title": self.ledger_title,
            "dry_run": self.dry_run,
            "counts": self.counts(),
            "sheets": [s.to_dict() for s in self.sheets],
        }


@dataclass(frozen=True)
class SheetChoice:
    """A sheet as the wizard lists it: name, data rows below its header, why it is left out
    ("" when it looks like the ledger)."""

    name: str
    rows: int
    why: str


def sheet_choices(ctx: Ctx, book: SourceBook, ledger: str) -> list[SheetChoice]:
    """Every sheet in import order (month sheets by month) with its data row count."""
    imp = importer_for(ctx, ledger)
    words = remembered_words(ctx, imp.key)
    out = []
    for name, why in workbook_sheets(ctx, book, imp.key):
        data = book.sheet(name)
        layout = _guess(data, imp, words)
        start = layout.data_start if layout is not None else 0
        headers = layout.headers if layout is not None else []
        mapping = layout.mapping if layout is not None else {}
        rows = sum(1 for r in data.rows[start:] if classify_row(r, mapping, headers) is None)
        out.append(SheetChoice(name, rows, why))
    return out


def workbook_sheets(ctx: Ctx, book: SourceBook, ledger: str) -> list[tuple[str, str]]:
    """Every sheet in import order with why it is left out ("" = it looks like the ledger):
    the ledger's month sheets in calendar order first."""
    order = sheet_order([s.name for s in book.sheets])
    return [(name, sheet_fits(ctx, book.sheet(name), ledger)) for name in order]


@one_import_at_a_time
def run_workbook_import(
    ctx: Ctx,
    path: Path | str,
    ledger: str,
    *,
    sheets: Sequence[str] | None = None,
    header_row: int | None = None,
    mapping: Mapping[int, str] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    book: SourceBook | None = None,
    confirmed: Mapping[str, Mapping[str, str]] | None = None,
) -> WorkbookReport:
    """Import every sheet of a workbook that looks like ``ledger`` (or the ``sheets`` chosen)
    in one run and one transaction, month sheets in calendar order. A case seen again on a
    later sheet with a newer result updates the record (logged in its case history)."""
    imp = importer_for(ctx, ledger)
    _check_permissions(ctx, imp)
    book = book or read_source(path)
    result = WorkbookReport(book.path.name, imp.key, imp.title, dry_run)
    fits = workbook_sheets(ctx, book, imp.key)
    if sheets is not None:
        for name in sheets:
            book.sheet(name)  # refuses an unknown sheet name
        chosen = [n for n, _ in fits if n in sheets]
    else:
        chosen = [n for n, why in fits if not why]
    if not chosen:
        # the closest sheet says exactly what is missing (header row, which columns)
        _require_header(imp, inspect_source(ctx, book, imp.key))
        reasons = "；".join(f"“{n}”{why}" for n, why in fits)
        raise ValidationError.single(
            "sheet",
            "工作表",
            f"文件中没有像{imp.title}的工作表（{reasons}）",
            "请确认选对了台账类型，或在导入向导中指定工作表、表头所在行和各列的含义",
        )
    work: list[tuple[ImportReport, list[tuple[RowPlan, RowResult]]]] = []
    for name, why in fits:
        if name not in chosen:
            result.sheets.append(SheetSummary(name, skipped_reason=why or "未选择"))
            continue
        ins = inspect_source(ctx, book, imp.key, sheet=name, header_row=header_row, mapping=mapping)
        _require_header(imp, ins)
        rc = _row_context(ctx, imp, book.sheet(name), confirmed)
        report, plans = _plan_sheet(ctx, imp, book, ins, rc, dry_run)
        result.sheets.append(SheetSummary(name, report))
        work.append((report, plans))
    if not dry_run:
        from .backup import backup_now

        backup_now(ctx.db, reason="pre-import")
    _write_sheets(ctx, imp, work, dry_run, progress, confirmed)
    return result


def _require_header(imp: LedgerImporter, ins: SheetInspection) -> None:
    if ins.header_row == 0:
        raise ValidationError.single(
            "header_row",
            "表头",
            f"在工作表“{ins.sheet}”的前25行中没有找到{imp.title}的表头",
            "请确认选对了工作表和台账类型，或在导入向导中指定表头所在行和各列的含义",
        )
    if ins.missing:
        raise ValidationError.single(
            "mapping",
            "列对应",
            f"工作表“{ins.sheet}”中没有找到“{'”“'.join(ins.missing)}”列",
            "请在导入向导的“列对应”一步中指定，或用 --map “表头=字段” 指定",
        )


def _row_context(
    ctx: Ctx,
    imp: LedgerImporter,
    data: SheetData,
    confirmed: Mapping[str, Mapping[str, str]] | None = None,
) -> RowContext:
    return RowContext(
        today=ctx.today(),
        epoch_1904=data.epoch_1904,
        codes=_code_options(ctx, imp.code_tables),
        can_view_id=ctx.can("id_number.view"),
        value_maps=ev.merged(remembered_values(ctx, imp.key), confirmed),
    )


def _party_cells(
    imp: LedgerImporter,
    data: SheetData,
    record: Sequence[int],
    col_map: Mapping[int, str],
    groups: Sequence[PartyGroup],
) -> list[PartyCells]:
    """The people of a case: per party group of each of its rows (merged-down party cells of
    later rows belong to the first row and are not read twice)."""
    by_field = {k: i for i, k in col_map.items()}
    out: list[PartyCells] = []
    seen: set[tuple[str, ...]] = set()
    for n, r in enumerate(record):
        values = data.rows[r]

        def get(key: str, r: int = r, n: int = n, values: list[Any] = values) -> Any:
            i = by_field.get(key)
            if i is None or i >= len(values) or (n > 0 and (r, i) in data.filled):
                return None
            return values[i]

        if groups:
            sources = [
                PartyCells(
                    r + 1,
                    f"{g.key}.",
                    [("name", get(g.field("name")), g.role)],
                    get(g.field("id_number")),
                    get(g.field("phone")),
                    get(g.field("address")),
                    n == 0,
                )
                for g in groups
            ]
        else:
            said = party_role(get("party_role")) if "party_role" in by_field else None
            sources = [
                PartyCells(
                    r + 1,
                    "",
                    [(k, get(k), said or role) for k, role in imp.party_names],
                    get("id_number"),
                    get("phone"),
                    get("address"),
                    n == 0,
                )
            ]
        for src in sources:
            if all(is_blank(raw) for _, raw, _ in src.names) and (
                n > 0 or all(is_blank(v) for v in (src.id_number, src.phone, src.address))
            ):
                continue
            ident = (
                src.prefix,
                *(cell_text(raw) for _, raw, _ in src.names),
                cell_text(src.id_number),
                cell_text(src.phone),
            )
            if ident in seen:
                continue  # the same person repeated on a later row of the case
            seen.add(ident)
            out.append(src)
    return out


_GROUP_CORE = frozenset({"name", "id_number", "phone", "address"})


def _plan_sheet(
    ctx: Ctx,
    imp: LedgerImporter,
    book: SourceBook,
    ins: SheetInspection,
    rc: RowContext,
    dry_run: bool,
) -> tuple[ImportReport, list[tuple[RowPlan, RowResult]]]:
    """Read and parse every case of one sheet (nothing written)."""
    data = book.sheet(ins.sheet)
    col_map = ins.mapping()
    by_field = {k: i for i, k in col_map.items()}
    headers = [c.header for c in ins.columns]
    labels = ins.field_labels(imp.fields)
    report = ImportReport(
        file=book.path.name,
        sheet=ins.sheet,
        ledger=imp.key,
        ledger_title=imp.title,
        header_row=ins.header_row,
        dry_run=dry_run,
        columns=ins.columns,
        field_labels=labels,
        groups=ins.group_summary(),
    )
    problem = _problem_from_report(report)
    collector = ev.ValueCollector(ev.review_fields(imp.code_fields, list(col_map.values())))
    data_rows: list[int] = []
    for idx in range(ins.data_start - 1, len(data.rows)):
        why = classify_row(data.rows[idx], col_map, headers)
        if why is not None:
            report.rows.append(RowResult(idx + 1, "skipped", why))
        else:
            data_rows.append(idx)
    if imp.party_groups:
        records = group_records(data, data_rows, col_map)
    else:
        records = [[r] for r in data_rows]
    plans: list[tuple[RowPlan, RowResult]] = []
    seen: dict[str, str] = {}
    for record in records:
        first = record[0]
        values = data.rows[first]
        excel_row = first + 1
        span = [r + 1 for r in record]
        cells: dict[str, Any] = {}
        for i, k in col_map.items():
            if split_group_field(k) is not None:
                continue
            cells[k] = next(
                (
                    data.rows[r][i]
                    for r in record
                    if i < len(data.rows[r]) and not is_blank(data.rows[r][i])
                ),
                values[i] if i < len(values) else None,
            )
        if imp.party_groups and (ins.groups or len(record) > 1 or "party_role" in col_map.values()):
            cells[PARTY_ROWS] = _party_cells(imp, data, record, col_map, ins.groups)
        collector.add(excel_row, cells)
        parsed = imp.parse(rc, cells, excel_row)
        if isinstance(parsed, list):
            report.rows.append(
                RowResult(
                    excel_row,
                    "invalid",
                    problems=[
                        problem(excel_row, p.field, p.reason, p.fix, p.value, p.unknown_code)
                        for p in parsed
                    ],
                    rows=span,
                )
            )
            continue
        extras = []
        for n, r in enumerate(record):
            row_values = data.rows[r]
            where = "" if n == 0 else f"第{r + 1}行"
            extras += [  # group columns the ledger has no field for (性别, 年龄, 职业 …)
                f"{where}{labels.get(k, headers[i])}：{mask_id_numbers(cell_text(row_values[i]))}"
                for i, k in sorted(col_map.items())
                if (g := split_group_field(k)) is not None
                and g[1] not in _GROUP_CORE
                and i < len(row_values)
                and not is_blank(row_values[i])
                and cell_text(row_values[i]) not in EMPTY_MARKS
                and not (n > 0 and (r, i) in data.filled)
            ]
            extras += [
                f"{where}{headers[i] or column_letter(i)}：{mask_id_numbers(cell_text(row_values[i]))}"
                for i in range(len(row_values))
                if i not in col_map
                and not is_blank(row_values[i])
                and cell_text(row_values[i]) not in EMPTY_MARKS
                and not (n > 0 and (r, i) in data.filled)
            ]
        kept = [
            f"{headers[by_field[k]] or labels[k]}：{mask_id_numbers(cell_text(cells[k]))}"
            for k in imp.note_fields
            if k in cells and not is_blank(cells[k]) and k in labels
        ]
        if imp.record_type not in ("dispute", "visit"):
            kept = []  # a register stores those fields themselves
        parsed.notes += kept + extras
        result = RowResult(excel_row, "new", display=parsed.display, rows=span)
        if parsed.fingerprint in seen:
            result.status, result.display = "duplicate", {}
            result.reason = f"与本表{seen[parsed.fingerprint]}重复"
            report.rows.append(result)
            continue
        seen[parsed.fingerprint] = result.where
        report.rows.append(result)
        plans.append((parsed, result))
    # every distinct value of every coded column, and the exact --value for refused ones
    report.values = collector.review(
        ledger=imp.key,
        labels=labels,
        columns={k: (column_letter(i), headers[i]) for k, i in by_field.items()},
        code_fields=imp.code_fields,
        codes=rc.codes,
        value_maps=rc.value_maps,
    )
    ev.confirmation_hints(report)
    for each in report.rows:
        each.sheet = ins.sheet
    return report, plans


def _write_sheets(
    ctx: Ctx,
    imp: LedgerImporter,
    work: Sequence[tuple[ImportReport, list[tuple[RowPlan, RowResult]]]],
    dry_run: bool,
    progress: Progress | None,
    confirmed: Mapping[str, Mapping[str, str]] | None = None,
) -> None:
    """Write the planned rows of one or more sheets in one transaction (rolled back for a dry
    run): new cases through the services, a case seen before brought forward or reported."""
    now = ctx.now()
    total = sum(len(plans) for _, plans in work)
    done = 0
    if progress is not None and progress(0, total) is False:
        raise ImportCancelled("已取消导入，台账未作任何改动")
    try:
        with ctx.write() as s:
            for report, plans in work:
                ins_map = {c.index: c.field for c in report.columns if c.field}
                headers = [c.header for c in report.columns]
                problem = _problem_from_report(report)
                known = {
                    r.fingerprint: r
                    for r in s.scalars(
                        select(ExcelImportRow).where(ExcelImportRow.ledger == imp.key)
                    )
                }
                todo = sorted(plans, key=lambda pr: (pr[0].day, pr[0].row))
                for plan, result in todo:
                    done += 1
                    source = (
                        f"由历史台账导入：文件“{report.file}”工作表“{report.sheet}”{result.where}"
                    )
                    prior = known.get(plan.fingerprint)
                    code = ""
                    if prior is not None and _record_alive(ctx, imp, prior):
                        code = prior.case_code
                        where = f"已于此前导入（{prior.case_code}，来自“{prior.source_file}”"
                        if prior.sheet:
                            where += f"工作表“{prior.sheet}”"
                        result.reason = where + f"第{prior.row_number}行）"
                    else:
                        found = imp.existing(ctx, plan)
                        if found is not None:
                            code = found
                            result.reason = f"台账中已有相同记录（{found}）"
                        prior = None
                    savepoint = s.begin_nested()
                    try:
                        if code:
                            # only cases this import brought in are brought forward; a record
                            # typed by hand is the clerk's, an old ledger does not change it
                            written = imp.update(ctx, code, plan, source) if prior else None
                            if written is None:
                                savepoint.rollback()
                                result.status, result.case_code = "duplicate", code
                                result.display = {}
                                _progress(progress, done, total)
                                continue
                        else:
                            written = imp.write(ctx, plan, source)
                            _record_fingerprint(
                                ctx, imp, known.get(plan.fingerprint), plan, written, report, now
                            )
                        s.flush()
                        savepoint.commit()
                    except AppError as exc:
                        savepoint.rollback()
                        result.status = "invalid"
                        result.display = {}
                        result.problems = _service_problems(exc, imp, plan.row, problem)
                    else:
                        if code:
                            result.status = "update" if dry_run else "updated"
                            result.reason = "；".join(written.warnings) or result.reason
                            result.warnings = []
                        else:
                            result.status = "new" if dry_run else "imported"
                            result.warnings = written.warnings
                        result.case_code, result.record_id = written.case_code, written.record_id
                        result.display.update(written.display)
                    _progress(progress, done, total)
                if not dry_run:
                    _store_mapping(s, imp.key, headers, ins_map)
            if dry_run:
                raise _Rollback
            ev.store_values(s, imp.key, confirmed or {})
    except _Rollback:
        pass
    if dry_run:
        for report, _ in work:
            for r in report.rows:
                if r.status == "new":
                    r.case_code, r.record_id = "", ""


def _progress(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None and progress(done, total) is False:
        raise ImportCancelled("已取消导入，台账未作任何改动")


def _problem_from_report(report: ImportReport) -> Callable[..., ReportProblem]:
    by_field = {c.field: c for c in report.columns if c.field}

    def problem(
        row: int, fld: str, reason: str, fix: str = "", value: str = "", unknown: str = ""
    ) -> ReportProblem:
        col = by_field.get(fld)
        return ReportProblem(
            row=row,
            column=col.letter if col is not None else "",
            header=col.header if col is not None else "",
            field=fld,
            field_label=report.field_labels.get(fld, ""),
            reason=reason,
            fix=fix,
            value=value,
            unknown_code=unknown,
        )

    return problem


def _record_alive(ctx: Ctx, imp: LedgerImporter, prior: ExcelImportRow) -> bool:
    if prior.record_type not in ("dispute", "visit"):
        return imp.record_alive(ctx, prior.record_id)
    model: Any = Dispute if prior.record_type == "dispute" else Visit
    rec = ctx.session.get(model, prior.record_id)
    return rec is not None and rec.deleted_at is None


def _record_fingerprint(
    ctx: Ctx,
    imp: LedgerImporter,
    row: ExcelImportRow | None,
    plan: RowPlan,
    written: Written,
    report: ImportReport,
    now: datetime,
) -> None:
    """Remember the row's fingerprint (reusing the entry of a voided earlier import)."""
    if row is None:
        row = ExcelImportRow(ledger=imp.key, fingerprint=plan.fingerprint)
        ctx.session.add(row)
    row.record_type = imp.record_type
    row.record_id = written.record_id
    row.case_code = written.case_code[:40]
    row.source_file = report.file[:255]
    row.sheet = report.sheet[:100]
    row.row_number = plan.row
    row.operator_id = ctx.operator.id
    row.imported_at = now


def _service_problems(
    exc: AppError,
    imp: LedgerImporter,
    row: int,
    problem: Callable[..., ReportProblem],
) -> list[ReportProblem]:
    if isinstance(exc, ValidationError):
        items: list[FieldProblem] = exc.problems
        return [
            problem(row, imp.problem_field(p.field), f"{p.label}{p.problem}", p.fix) for p in items
        ]
    return [problem(row, "", str(exc))]


# --- explicit column choices (CLI --map, wizard) --------------------------------------------

IGNORE_WORDS = frozenset({"", "-", "—", "不导入", "忽略", "ignore", "none"})


def resolve_field(imp: LedgerImporter, text: str) -> str:
    """A field named by key, label or header synonym; "" for 不导入."""
    t = clean(text)
    if t.lower() in IGNORE_WORDS:
        return ""
    for f in imp.fields:
        if t in (f.key, f.label):
            return f.key
    key = match_header(t, imp.fields)
    if key is not None and normalize_header(t) in {
        normalize_header(s) for f in imp.fields for s in f.synonyms
    }:
        return key
    options = "、".join(f"{f.label}（{f.key}）" for f in imp.fields)
    raise ValidationError.single(
        "mapping", "列对应", f"“{text}”不是{imp.title}的字段", f"可选：{options}；或写“不导入”"
    )


def mapping_with_overrides(
    ctx: Ctx, ins: SheetInspection, overrides: Sequence[tuple[str, str]]
) -> dict[int, str]:
    """Apply “表头=字段” (or “D=字段”, by column letter) choices to an inspected mapping."""
    imp = importer_for(ctx, ins.ledger)
    mapping = ins.mapping()
    for column, target in overrides:
        col = clean(column)
        hits = [
            c.index
            for c in ins.columns
            if col.upper() == c.letter
            or (c.header and normalize_header(c.header) == normalize_header(col))
        ]
        if not hits:
            known = "、".join(f"{c.letter}“{c.header}”" for c in ins.columns if c.header)
            raise ValidationError.single(
                "mapping", "列对应", f"工作表中没有“{column}”列", f"表头有：{known}"
            )
        key = resolve_field(imp, target)
        for i in hits:
            if key:
                for other, k in list(mapping.items()):
                    if k == key and other != i:
                        del mapping[other]
                mapping[i] = key
            else:
                mapping.pop(i, None)
    return mapping


# --- remembered value spellings (分类 written the station's own way) -------------------------


def _values_key(ledger: str) -> str:
    return f"excel.values.{ledger}"


def remembered_values(ctx: Ctx, ledger: str) -> dict[str, dict[str, str]]:
    """Spellings this station has mapped to codes: field → {normalised text: code}."""
    value = get_value(ctx.session, _values_key(ledger), {})
    if not isinstance(value, dict):
        return {}
    return {
        str(f): {str(k): str(v) for k, v in m.items()}
        for f, m in value.items()
        if isinstance(m, dict)
    }


@dataclass(frozen=True)
class UnknownValue:
    """A spelling no code matched, the rows that use it, and what it may be mapped to."""

    field: str
    label: str
    column: str
    header: str
    text: str
    rows: tuple[int, ...]
    options: tuple[tuple[str, str], ...]  # (code, label)


def unknown_values(ctx: Ctx, report: ImportReport) -> list[UnknownValue]:
    """The unrecognised code-table spellings of a (dry-run) report, grouped by text."""
    imp = importer_for(ctx, report.ledger)
    groups: dict[tuple[str, str], list[ReportProblem]] = {}
    for p in report.problems:
        if p.unknown_code and p.field in imp.code_fields:
            groups.setdefault((p.field, p.value), []).append(p)
    out = []
    for (fld, text), items in groups.items():
        table = imp.code_fields[fld]
        options = tuple((o.code, o.label) for o in _code_options(ctx, [table])[table])
        first = items[0]
        out.append(
            UnknownValue(
                fld,
                first.field_label,
                first.column,
                first.header,
                text,
                tuple(p.row for p in items),
                options,
            )
        )
    return out


def remember_values(ctx: Ctx, ledger: str, fld: str, choices: Mapping[str, str]) -> None:
    """Map spellings of ``fld`` to codes for this station's future imports ("" forgets)."""
    imp = importer_for(ctx, ledger)
    if fld not in imp.code_fields:
        raise ValidationError.single(
            "field", "字段", f"“{fld}”不是可对应的分类字段", "只有分类类字段可以指定对应"
        )
    table = imp.code_fields[fld]
    valid = {o.code for o in _code_options(ctx, [table])[table]}
    with ctx.write() as s:
        current = remembered_values(ctx, imp.key)
        mapped = current.setdefault(fld, {})
        for text, code in choices.items():
            key = normalize_header(text)
            if not key:
                continue
            if not code:
                mapped.pop(key, None)
            elif code not in valid:
                raise ValidationError.single(
                    "code", "对应分类", f"“{code}”不在代码表中", "请从下拉列表中选择"
                )
            else:
                mapped[key] = code
        set_value(s, _values_key(imp.key), current)


def remember_value_text(ctx: Ctx, ledger: str, fld: str, text: str, target: str) -> None:
    """“纠纷类型:山林权属=山林土地” (CLI): field and code given by label, key or alias."""
    imp = importer_for(ctx, ledger)
    key = resolve_field(imp, fld)
    if key not in imp.code_fields:
        names = "、".join(_labels(imp.fields)[k] for k in imp.code_fields)
        raise ValidationError.single(
            "value", "字段", f"“{fld}”不能指定对应", f"可指定对应的字段：{names}"
        )
    table = imp.code_fields[key]
    options = _code_options(ctx, [table])[table]
    code = match_code(target, options)
    if code is None:
        raise ValidationError.single(
            "value",
            "对应分类",
            f"“{target}”不在代码表中",
            "可选：" + "、".join(o.label for o in options),
        )
    remember_values(ctx, imp.key, key, {text: code})
