"""Export any ledger to Excel in the familiar 台账 layout (issue 9), and write import reports.

Layout: a merged title row (“柳树村综治中心矛盾纠纷排查调处台账（2025年）”), one header row,
then the records; ID numbers are text cells (never numbers, so no digit is ever lost), dates
are real date cells with a date format, columns are sized to their content, the header is
frozen and filtered, and the sheet prints landscape on A4 with the header repeated on every
page. ID numbers and phones are masked unless the operator's role may see them (``id_number.view``,
``phone.view``).
The file is written next to the target and moved into place, so a failed export leaves no
half-written workbook.
"""

from __future__ import annotations

import os
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from app.models import Dispute, Visit
from app.rules.dates import parse_date
from app.rules.errors import AppError, ValidationError
from app.rules.flags import FLAG_LABELS
from app.rules.text import mask_id_number, mask_phone
from app.rules.workflow import DISPUTE, VISIT

from .codes import CodeBook
from .context import Ctx

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from .excel_import import ImportReport

FONT = "宋体"
HEADER_FONT = "黑体"
DATE_FORMAT = "yyyy-mm-dd"
MISSING = "—"


class ExportError(AppError):
    """The workbook could not be written."""


@dataclass(frozen=True)
class Col:
    """One exported column: header, kind (text | long | date | id | int), max width."""

    header: str
    kind: str = "text"
    max_width: int = 30


@dataclass(frozen=True)
class ExportResult:
    path: Path
    count: int
    title: str
    masked: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "count": self.count,
            "title": self.title,
            "id_numbers_masked": self.masked,
        }


# --- generic sheet writer --------------------------------------------------------------------


def _display_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, date):
        return 10
    text = str(value)
    longest = max((len(line) for line in text.splitlines()), default=0)
    line = max(text.splitlines(), key=len, default="")
    wide = sum(1 for ch in line if unicodedata.east_asian_width(ch) in "WF")
    return longest + wide if longest else 0


def write_table(
    ws: Worksheet,
    title: str,
    columns: Sequence[Col],
    rows: Sequence[Sequence[Any]],
    *,
    footer: str = "",
) -> None:
    """Fill ``ws`` with a title row, a header row and ``rows`` in the 台账 style."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ncols = max(len(columns), 1)
    last = get_column_letter(ncols)

    ws.cell(row=1, column=1, value=title)
    if ncols > 1:
        ws.merge_cells(f"A1:{last}1")
    title_cell = ws.cell(row=1, column=1)
    title_cell.font = Font(name=HEADER_FONT, size=16, bold=True)
    title_cell.alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 32

    header_fill = PatternFill("solid", fgColor="D9E1F2")
    for c, col in enumerate(columns, start=1):
        cell = ws.cell(row=2, column=c, value=col.header)
        cell.font = Font(name=HEADER_FONT, size=11, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
        cell.fill = header_fill
    ws.row_dimensions[2].height = 24

    body = Font(name=FONT, size=10.5)
    widths = [_display_width(col.header) + 2 for col in columns]
    for r, values in enumerate(rows, start=3):
        for c, (col, raw) in enumerate(zip(columns, values, strict=True), start=1):
            value = (None if raw in (None, "") else str(raw)) if col.kind == "id" else raw
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text typed by a clerk is never a formula
            cell.font = body
            cell.border = border
            wrap = col.kind == "long" or (isinstance(value, str) and "\n" in value)
            horizontal = "left" if col.kind in ("long", "text") else "center"
            cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=wrap)
            if col.kind == "date" and isinstance(value, date):
                cell.number_format = DATE_FORMAT
            elif col.kind == "id":
                cell.number_format = "@"
                cell.data_type = "s"
            widths[c - 1] = max(widths[c - 1], _display_width(value) + 2)
    if footer:
        r = len(rows) + 3
        ws.cell(row=r, column=1, value=footer).font = Font(name=FONT, size=10.5, bold=True)
        if ncols > 1:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
    for c, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(c)].width = max(6, min(widths[c - 1], col.max_width))
    ws.freeze_panes = "A3"
    if rows:
        ws.auto_filter.ref = f"A2:{last}{len(rows) + 2}"
    ws.print_title_rows = "1:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    page_footer = ws.oddFooter
    if page_footer is not None and page_footer.center is not None:
        page_footer.center.text = "第 &P 页，共 &N 页"


def save_workbook(wb: Any, out: Path | str) -> Path:
    """Write beside the target, then move into place (no half-written file on failure)."""
    out = Path(out)
    if out.suffix.lower() not in (".xlsx", ".xlsm"):
        raise ValidationError.single(
            "out", "输出文件", f"“{out.name}”不是 .xlsx 文件名", "请以 .xlsx 结尾，如 纠纷台账.xlsx"
        )
    if not out.parent.exists():
        raise ExportError(f"文件夹“{out.parent}”不存在，请先创建或换一个位置")
    fd, tmp_name = tempfile.mkstemp(prefix=".zongzhi-", suffix=".xlsx", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        wb.save(tmp)
        os.replace(tmp, out)
    except PermissionError as exc:
        raise ExportError(
            f"无法写入“{out.name}”：文件可能正被 Excel 或 WPS 打开，请关闭后重试"
        ) from exc
    except OSError as exc:
        raise ExportError(f"无法写入“{out.name}”（{exc.strerror or exc}）") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return out


# --- ledger exports ---------------------------------------------------------------------------


def _period_text(days: Sequence[date], date_from: date | None, date_to: date | None) -> str:
    lo = date_from.year if date_from else (min(days).year if days else None)
    hi = date_to.year if date_to else (max(days).year if days else None)
    if lo is None and hi is None:
        return ""
    if lo is None or hi is None or lo == hi:
        return f"{lo or hi}年"
    return f"{lo}—{hi}年"


def _joined(values: Sequence[str | None]) -> str:
    """One value per party, one per line; a gap before a later value is marked “—”."""
    items = [v or "" for v in values]
    while items and not items[-1]:
        items.pop()
    return "\n".join(v or MISSING for v in items)


@dataclass(frozen=True)
class LedgerExport:
    key: str
    title: str
    columns: tuple[Col, ...]
    fetch: Callable[[Ctx, date | None, date | None], list[tuple[date, list[Any]]]]
    dated: bool = True  # the title names the years covered (not for rosters and the like)


def _phone(ctx: Ctx, phone: str | None) -> str:
    return (phone or "") if ctx.can("phone.view") else mask_phone(phone)


def _id(ctx: Ctx, number: str | None) -> str | None:
    if not number:
        return None
    return number if ctx.can("id_number.view") else mask_id_number(number)


DISPUTE_COLUMNS = (
    Col("序号", "int", 6),
    Col("案件编码", "text", 28),
    Col("调解编号", "text", 24),
    Col("受理日期", "date", 12),
    Col("当事人", "text", 24),
    Col("身份证号码", "id", 22),
    Col("联系电话", "text", 16),
    Col("纠纷类型", "text", 14),
    Col("纠纷简要情况", "long", 44),
    Col("调解员", "text", 12),
    Col("调处结果", "text", 12),
    Col("调结日期", "date", 12),
    Col("协议形式", "text", 10),
    Col("回访情况", "long", 30),
    Col("当前状态", "text", 10),
    Col("备注", "long", 30),
)

_OUTCOME_LABELS = {"succeeded": "调解成功", "failed": "调解不成", "terminated": "终止调解"}


def _fetch_disputes(ctx: Ctx, lo: date | None, hi: date | None) -> list[tuple[date, list[Any]]]:
    codes = CodeBook(ctx.session)
    q = select(Dispute).where(Dispute.deleted_at.is_(None))
    if lo:
        q = q.where(Dispute.registered_on >= lo)
    if hi:
        q = q.where(Dispute.registered_on <= hi)
    q = q.order_by(Dispute.registered_on, Dispute.case_code)
    out: list[tuple[date, list[Any]]] = []
    for n, d in enumerate(ctx.session.scalars(q), start=1):
        parties = [p for p in d.parties if p.deleted_at is None]
        if d.outcome in _OUTCOME_LABELS:
            result = _OUTCOME_LABELS[d.outcome]
        elif d.status == "transferred":
            result = "已移送"
        else:
            result = DISPUTE.status_label(d.status)
        follow = "；".join(
            x
            for x in (
                codes.label("performance_status", d.performance_status)
                if d.performance_status
                else "",
                d.follow_up_note,
            )
            if x
        )
        notes = []
        if d.transferred_to:
            notes.append(f"移送至{d.transferred_to}")
        if d.is_major:
            notes.append("重大纠纷")
        out.append(
            (
                d.registered_on,
                [
                    n,
                    d.case_code,
                    d.mediation_no,
                    d.registered_on,
                    "、".join(p.person.name for p in parties),
                    _joined([_id(ctx, p.person.id_number) for p in parties]),
                    _joined([_phone(ctx, p.person.phone) for p in parties]),
                    codes.label("dispute_category", d.category),
                    d.summary,
                    d.mediator_name,
                    result,
                    d.outcome_on,
                    codes.label("agreement_type", d.agreement_type) if d.agreement_type else "",
                    follow,
                    DISPUTE.status_label(d.status),
                    "；".join(notes),
                ],
            )
        )
    return out


VISIT_COLUMNS = (
    Col("序号", "int", 6),
    Col("案件编码", "text", 28),
    Col("登记日期", "date", 12),
    Col("信访形式", "text", 10),
    Col("来访人", "text", 20),
    Col("人数", "int", 6),
    Col("身份证号码", "id", 22),
    Col("联系电话", "text", 16),
    Col("住址", "text", 24),
    Col("内容分类", "text", 12),
    Col("反映问题", "long", 40),
    Col("接待人", "text", 10),
    Col("处理意见", "long", 30),
    Col("办理结果", "text", 10),
    Col("办结日期", "date", 12),
    Col("标记", "text", 16),
    Col("备注", "long", 30),
)


def _visit_opinion(v: Visit) -> str:
    if v.status == "not_accepted":
        return f"不予受理：{v.decision_note}" if v.decision_note else "不予受理"
    if v.status == "informed":
        return f"告知：{v.decision_note}" if v.decision_note else "告知"
    if v.handling_method == "on_spot":
        return f"当场答复：{v.reply_content}" if v.reply_content else "当场答复"
    if v.handling_method == "transfer":
        return f"转{v.handler_unit}办理"
    if v.handling_method == "assign":
        return f"交{v.handler_unit}办理"
    if v.handling_method == "self":
        return "自行办理"
    return ""


def _fetch_visits(ctx: Ctx, lo: date | None, hi: date | None) -> list[tuple[date, list[Any]]]:
    codes = CodeBook(ctx.session)
    q = select(Visit).where(Visit.deleted_at.is_(None))
    if lo:
        q = q.where(Visit.received_on >= lo)
    if hi:
        q = q.where(Visit.received_on <= hi)
    q = q.order_by(Visit.received_on, Visit.case_code)
    out: list[tuple[date, list[Any]]] = []
    for n, v in enumerate(ctx.session.scalars(q), start=1):
        people = [p for p in v.persons if p.deleted_at is None and p.role == "petitioner"]
        first = people[0].person if people else None
        flags = "、".join(label for f, label in FLAG_LABELS.items() if getattr(v, f, False))
        notes = []
        if v.extension_days:
            notes.append(f"延期{v.extension_days}日")
        if v.follow_up_note:
            notes.append(f"回访：{v.follow_up_note}")
        out.append(
            (
                v.received_on,
                [
                    n,
                    v.case_code,
                    v.received_on,
                    codes.label("visit_channel", v.channel),
                    "、".join(p.person.name for p in people) or "（匿名）",
                    v.headcount,
                    _joined([_id(ctx, p.person.id_number) for p in people]),
                    _joined([_phone(ctx, p.person.phone) for p in people]),
                    first.address if first else "",
                    codes.label("visit_category", v.category),
                    v.request,
                    v.first_responder,
                    _visit_opinion(v),
                    VISIT.status_label(v.status),
                    v.replied_on,
                    flags,
                    "；".join(notes),
                ],
            )
        )
    return out


BUILTIN_EXPORTS: dict[str, LedgerExport] = {
    "disputes": LedgerExport("disputes", "矛盾纠纷排查调处台账", DISPUTE_COLUMNS, _fetch_disputes),
    "visits": LedgerExport("visits", "群众来信来访登记台账", VISIT_COLUMNS, _fetch_visits),
}


# --- registers (十个一): their printed columns, from the register service ----------------------

_COL_KINDS = {"date": "date", "id_number": "id", "long_text": "long", "number": "int"}


def register_export(ctx: Ctx, key: str) -> LedgerExport | None:
    from . import registers as svc

    try:
        info = svc.get_type(ctx, key)
    except AppError:
        return None
    fields = {f.key: f for f in info.active_fields}
    cols = [c for c in info.print_columns() if c.key in fields]

    def fetch(c: Ctx, lo: date | None, hi: date | None) -> list[tuple[date, list[Any]]]:
        page = svc.list_records(c, info.id, svc.RecordFilter(start=lo, end=hi, ascending=True))
        out: list[tuple[date, list[Any]]] = []
        for n, r in enumerate(page.rows, start=1):
            values: list[Any] = [n]
            for col in cols:
                f = fields[col.key]
                stored = r.values.get(col.key)
                if f.type == "date" and stored:
                    values.append(date.fromisoformat(str(stored)))
                else:
                    values.append(r.display.get(col.key, ""))
            out.append((r.record_date or date.min, values))
        return out

    columns: Sequence[Col] = (
        Col("序号", "int", 6),
        *(
            Col(
                c.label,
                _COL_KINDS.get(fields[c.key].type, "text"),
                44 if fields[c.key].type == "long_text" else 28,
            )
            for c in cols
        ),
    )
    return LedgerExport(info.key, info.name, tuple(columns), fetch, dated=info.period != "none")


def _exporter(ctx: Ctx, ledger: str) -> LedgerExport:
    from .excel_import import importer_for

    key = importer_for(ctx, ledger).key  # accepts the same keys and aliases as import
    if key in BUILTIN_EXPORTS:
        return BUILTIN_EXPORTS[key]
    found = register_export(ctx, key)
    if found is None:  # pragma: no cover - importer_for already refused unknown keys
        raise ValidationError.single("ledger", "台账", f"“{ledger}”不能导出", "")
    return found


def _day(raw: date | str | None, fld: str, label: str) -> date | None:
    if raw in (None, ""):
        return None
    assert raw is not None
    return parse_date(raw, fld, label)


def export_ledger(
    ctx: Ctx,
    ledger: str,
    out: Path | str,
    *,
    date_from: date | str | None = None,
    date_to: date | str | None = None,
) -> ExportResult:
    """Write the ledger's live records (optionally within a date range) as a 台账 workbook."""
    import openpyxl

    lo = _day(date_from, "from", "起始日期")
    hi = _day(date_to, "to", "截止日期")
    if lo and hi and hi < lo:
        raise ValidationError.single(
            "to", "截止日期", f"（{hi.isoformat()}）早于起始日期（{lo.isoformat()}）", "请核对日期"
        )
    spec = _exporter(ctx, ledger)
    records = spec.fetch(ctx, lo, hi)
    title = f"{ctx.station.name}{spec.title}"
    period = _period_text([d for d, _ in records] if spec.dated else [], lo, hi)
    if period:
        title += f"（{period}）"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = spec.title[:31]
    write_table(
        ws, title, spec.columns, [r for _, r in records], footer=f"合计：共{len(records)}件"
    )
    wb.properties.creator = ctx.station.name
    wb.properties.title = title
    path = save_workbook(wb, out)
    return ExportResult(path, len(records), title, masked=not ctx.can("id_number.view"))


# --- the import validation report --------------------------------------------------------------


def write_import_report(report: ImportReport | Sequence[ImportReport], out: Path | str) -> Path:
    """The dry-run/import report as a workbook: 问题行 (row, column, reason, fix), 可导入/已导入
    rows, and rows that were updated, already exist or were skipped. Several reports (a whole
    workbook imported in one run) share the tables, with the sheet named on every row."""
    import openpyxl

    from .excel_import import STATUS_LABELS

    reports = [report] if not isinstance(report, Sequence) else list(report)
    if not reports:
        raise ValidationError.single("report", "校验报告", "没有可写入报告的工作表", "")
    first = reports[0]
    multi = len(reports) > 1
    lead = (Col("工作表", "text", 12),) if multi else ()

    def tag(r: ImportReport) -> list[Any]:
        return [r.sheet] if multi else []

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "问题行"
    problems = [
        [*tag(rep), p.row, p.column, p.header, p.reason, p.fix, p.value]
        for rep in reports
        for r in rep.invalid
        for p in r.problems
    ]
    where = "、".join(f"“{r.sheet}”" for r in reports) if multi else f"“{first.sheet}”"
    invalid = sum(len(r.invalid) for r in reports)
    write_table(
        ws,
        f"导入校验报告：{first.file}（工作表{where}）",
        (
            *lead,
            Col("行号", "int", 8),
            Col("列", "text", 6),
            Col("列名", "text", 16),
            Col("问题", "long", 44),
            Col("修改建议", "long", 44),
            Col("原值", "id", 26),
        ),
        problems,
        footer=f"共{invalid}行有问题，未导入；请在原表中修改后重新导入（已导入的行不会重复）",
    )
    valid_title = "可导入" if first.dry_run else "已导入"
    ws2 = wb.create_sheet(valid_title)
    is_visit = first.ledger == "visits"
    rows2 = []
    for rep in reports:
        for r in rep.valid:
            d = r.display
            names = "、".join(d.get("names") or d.get("parties") or [])
            rows2.append(
                [
                    *tag(rep),
                    r.row,
                    STATUS_LABELS[r.status],
                    r.case_code,
                    d.get("received_on", ""),
                    names,
                    d.get("id_number") or "",
                    d.get("phone") or "",
                    d.get("category", ""),
                    d.get("result", ""),
                    "；".join(r.warnings),
                ]
            )
    write_table(
        ws2,
        f"{valid_title}的行：{first.file}",
        (
            *lead,
            Col("行号", "int", 8),
            Col("状态", "text", 8),
            Col("案件编码", "text", 28),
            Col("登记日期" if is_visit else "受理日期", "text", 12),
            Col("信访人" if is_visit else "当事人", "text", 24),
            Col("身份证号码", "id", 22),
            Col("联系电话", "text", 16),
            Col("分类" if is_visit else "纠纷类型", "text", 12),
            Col("办理结果" if is_visit else "调处结果", "text", 12),
            Col("提示", "long", 40),
        ),
        rows2,
        footer=f"共{len(rows2)}行",
    )
    ws3 = wb.create_sheet("已存在与跳过")  # updated rows too (a later month)
    rows3 = [
        [*tag(rep), r.row, STATUS_LABELS[r.status], r.reason, r.case_code]
        for rep in reports
        for r in rep.rows
        if r.status in ("updated", "update", "duplicate", "skipped")
    ]
    write_table(
        ws3,
        f"未新增的其他行：{first.file}",
        (
            *lead,
            Col("行号", "int", 8),
            Col("状态", "text", 8),
            Col("说明", "long", 50),
            Col("案件编码", "text", 28),
        ),
        rows3,
    )
    return save_workbook(wb, out)
