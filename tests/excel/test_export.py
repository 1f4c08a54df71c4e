"""Export in the familiar 台账 layout, masking by role, round trips, and the import report file."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

from app.db import Database
from app.models import Dispute, Visit
from app.rules.errors import ValidationError
from app.services.context import Ctx, open_ctx
from app.services.excel_export import ExportError, export_ledger, write_import_report
from app.services.excel_import import ImportReport, run_import
from app.services.operators import OperatorInput, create_operator
from tests.conftest import VILLAGE, FakeClock, make_station_db

from .conftest import SAMPLE

FULL_ID = "50022219950711038X"


def _sheet(path: Path) -> Worksheet:
    ws = openpyxl.load_workbook(path).active
    assert ws is not None
    return ws


def test_dispute_export_layout(imported_ctx: Ctx, tmp_path: Path) -> None:
    out = tmp_path / "纠纷台账.xlsx"
    result = export_ledger(imported_ctx, "disputes", out)
    assert result.count == 49 and not result.masked
    assert result.title == "柳树村综治中心矛盾纠纷排查调处台账（2025年）"
    ws = _sheet(out)
    assert ws["A1"].value == result.title
    assert "A1:P1" in {str(r) for r in ws.merged_cells.ranges}
    headers = [c.value for c in ws[2]]
    assert headers[:8] == [
        "序号",
        "案件编码",
        "调解编号",
        "受理日期",
        "当事人",
        "身份证号码",
        "联系电话",
        "纠纷类型",
    ]
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:P51"
    assert ws.print_title_rows == "$1:$2"
    assert ws.page_setup.orientation == "landscape"
    rows = {ws.cell(r, 5).value: r for r in range(3, 52)}
    r = rows["张梅、高庆"]
    id_cell = ws.cell(r, 6)
    assert id_cell.value == FULL_ID and id_cell.data_type == "s" and id_cell.number_format == "@"
    day = ws.cell(r, 4)
    assert isinstance(day.value, datetime) and day.value.date() == date(2025, 7, 22)
    assert day.number_format == "yyyy-mm-dd"
    assert ws.cell(r, 11).value == "调解不成"
    assert ws.cell(52, 1).value == "合计：共49件"
    assert ws.column_dimensions["F"].width >= 18  # an 18-digit ID fits
    assert ws.column_dimensions["I"].width <= 44  # long text wraps instead
    # every ID number in the file is text; none is a number
    for row in ws.iter_rows(min_row=3, max_row=51, min_col=6, max_col=6):
        assert row[0].value is None or isinstance(row[0].value, str)


def test_export_masks_id_numbers_for_roles_without_the_right(
    imported: tuple[Database, dict[str, ImportReport]], imported_ctx: Ctx, tmp_path: Path
) -> None:
    create_operator(imported_ctx, OperatorInput("clerk9", "录入员", "clerk", "secret123"))
    clerk = open_ctx(imported[0], "clerk9", clock=FakeClock())
    try:
        result = export_ledger(clerk, "disputes", tmp_path / "c.xlsx")
    finally:
        clerk.close()
    assert result.masked
    ws = _sheet(tmp_path / "c.xlsx")
    ids = [str(ws.cell(r, 6).value) for r in range(3, 52) if ws.cell(r, 6).value]
    assert ids and FULL_ID not in ids
    assert "500222********038X" in ids
    assert all("*" in i for i in ids)


def test_date_range_and_visits_export(imported_ctx: Ctx, tmp_path: Path) -> None:
    result = export_ledger(
        imported_ctx, "visits", tmp_path / "v.xlsx", date_from="2025-03-01", date_to="2025.6.30"
    )
    ws = _sheet(tmp_path / "v.xlsx")
    cells = [ws.cell(r, 3).value for r in range(3, 3 + result.count)]
    assert all(isinstance(c, datetime) for c in cells)
    days = [c.date() for c in cells if isinstance(c, datetime)]
    assert days == sorted(days) and days[0] >= date(2025, 3, 1) and days[-1] <= date(2025, 6, 30)
    assert result.count == 9
    headers = [c.value for c in ws[2]]
    assert "来访人" in headers and "办理结果" in headers and "处理意见" in headers
    with pytest.raises(ValidationError, match="早于起始日期"):
        export_ledger(
            imported_ctx,
            "visits",
            tmp_path / "w.xlsx",
            date_from="2025-06-01",
            date_to="2025-01-01",
        )
    with pytest.raises(ValidationError, match=r"\.xlsx"):
        export_ledger(imported_ctx, "visits", tmp_path / "w.pdf")
    with pytest.raises(ExportError, match="不存在"):
        export_ledger(imported_ctx, "visits", tmp_path / "没有" / "w.xlsx")
    assert not list(tmp_path.glob(".zongzhi-*"))  # no temporary leftovers


def test_exported_ledgers_import_back(
    imported_ctx: Ctx, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    export_ledger(imported_ctx, "disputes", tmp_path / "d.xlsx")
    export_ledger(imported_ctx, "visits", tmp_path / "v.xlsx")
    # into the same ledger: everything is recognised, nothing duplicated
    again = run_import(imported_ctx, tmp_path / "d.xlsx", "disputes")
    assert again.counts()["duplicate"] == 49 and not again.invalid and not again.of("imported")
    # into another station's fresh ledger: the same cases, statuses and people
    other = make_station_db(tmp_path / "fresh.sqlite3", VILLAGE, tmp_path_factory)
    ctx2 = open_ctx(other, "admin", clock=FakeClock())
    try:
        rep = run_import(ctx2, tmp_path / "d.xlsx", "disputes")
        assert len(rep.valid) == 49 and not rep.invalid
        src = {
            (d.party_names, d.registered_on, d.status, d.category)
            for d in imported_ctx.session.scalars(select(Dispute))
        }
        dst = {
            (d.party_names, d.registered_on, d.status, d.category)
            for d in ctx2.session.scalars(select(Dispute))
        }
        assert src == dst
        rep = run_import(ctx2, tmp_path / "v.xlsx", "visits")
        assert len(rep.valid) == 30 and not rep.invalid
        src_v = {
            (v.party_names, v.received_on, v.status, v.headcount, v.is_group)
            for v in imported_ctx.session.scalars(select(Visit))
        }
        dst_v = {
            (v.party_names, v.received_on, v.status, v.headcount, v.is_group)
            for v in ctx2.session.scalars(select(Visit))
        }
        assert src_v == dst_v
    finally:
        ctx2.close()
        other.close()


def test_validation_report_workbook(ctx: Ctx, tmp_path: Path) -> None:
    report = run_import(ctx, SAMPLE, "disputes", dry_run=True)
    out = write_import_report(report, tmp_path / "报告.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["问题行", "可导入", "已存在与跳过"]
    ws = wb["问题行"]
    assert [c.value for c in ws[2]] == ["行号", "列", "列名", "问题", "修改建议", "原值"]
    first = [c.value for c in ws[3]]
    assert first[:4] == [4, "D", "身份证号码", "身份证号码校验位错误"]
    assert ws.max_row == 2 + 11 + 1  # title, header, 11 problems, footer
    assert wb["可导入"].cell(3, 1).value == 3
    assert {wb["已存在与跳过"].cell(r, 3).value for r in range(3, 7)} == {"空行", "合计行"}
