"""Import into and export from the registers (台账) through the register service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import select

from app.db import Database
from app.models import RegisterRecord
from app.rules.legacy import ID_LOST
from app.services import registers as reg
from app.services.context import Ctx
from app.services.excel_export import export_ledger
from app.services.excel_import import ledger_choices, run_import
from tests.ledger_helpers import ledger_snapshot

from .conftest import write_book

ID1 = "11010519491231002X"


def _roster(tmp_path: Path) -> Path:
    rows: list[list[Any]] = [
        ["柳树村治安中心户长及联防队伍花名册", None, None, None, None, None, None],
        ["姓名", "角色", "网格/小组", "手机号码", "公民身份号码", "任职期间", "特长技能"],
        ["张三", "中心户长", "一组", 13800138000.0, ID1, "2020.1.1至今", "电工"],
        ["李四", "联防", "二组", "139 0013 9000", None, "2021-03-01 至 2025-12-31", None],
        ["王五", "队长", "三组", "13700137000", None, "2022.1.1起", None],  # not a roster role
        ["赵六", "网格员", "四组", "13600136000", 1.10105194912310e17, "2022.1.1起", None],
        ["钱七", "信息员", "五组", "13500135000", None, None, None],  # 任职期间 required
        ["合计", "4人", None, None, None, None, None],
    ]
    return write_book(tmp_path / "花名册.xlsx", {"花名册": rows}, merges={"花名册": ["A1:G1"]})


def test_roster_import_validates_with_the_register_field_types(
    ctx: Ctx, village_db: Database, tmp_path: Path
) -> None:
    assert ("roster", "治安中心户长及联防队伍花名册") in ledger_choices(ctx)
    path = _roster(tmp_path)
    before = ledger_snapshot(village_db)
    dry = run_import(ctx, path, "roster", dry_run=True)
    assert ledger_snapshot(village_db) == before
    assert dry.header_row == 2
    assert {r.row: r.status for r in dry.rows} == {
        3: "new",
        4: "new",
        5: "invalid",
        6: "invalid",
        7: "invalid",
        8: "skipped",
    }
    why = {r.row: r.problems[0] for r in dry.invalid}
    assert why[5].column == "B" and "不是可选项" in why[5].reason
    assert why[6].column == "E" and ID_LOST in why[6].reason
    assert why[7].column == "F" and "不能为空" in why[7].reason

    rep = run_import(ctx, path, "roster")
    assert [r.row for r in rep.of("imported")] == [3, 4]
    rows = reg.list_records(ctx, "roster", reg.RecordFilter(ascending=True)).rows
    by_name = {r.display["name"]: r for r in rows}
    zhang = by_name["张三"]
    assert zhang.values["role"] == "household_head"
    assert zhang.values["phone"] == "13800138000"
    assert zhang.values["id_number"] == ID1
    assert zhang.values["service"] == {"start": "2020-01-01", "end": None}
    assert by_name["李四"].values["service"] == {"start": "2021-03-01", "end": "2025-12-31"}
    again = run_import(ctx, path, "roster")
    assert not again.of("imported") and again.counts()["duplicate"] == 2
    n = ctx.session.scalars(select(RegisterRecord).where(RegisterRecord.deleted_at.is_(None))).all()
    assert len([r for r in n if r.title in ("张三", "李四")]) == 2


def test_voided_register_record_can_be_imported_again(ctx: Ctx, tmp_path: Path) -> None:
    path = _roster(tmp_path)
    rep = run_import(ctx, path, "roster")
    first = rep.of("imported")[0]
    reg.void_record(ctx, first.record_id, "导入有误")
    again = run_import(ctx, path, "roster")
    assert [r.row for r in again.of("imported")] == [first.row]


def test_register_export(ctx: Ctx, tmp_path: Path) -> None:
    run_import(ctx, _roster(tmp_path), "roster")
    out = tmp_path / "花名册导出.xlsx"
    result = export_ledger(ctx, "治安中心户长及联防队伍花名册", out)
    assert result.count == 2
    ws = openpyxl.load_workbook(out).active
    assert ws is not None
    assert ws["A1"].value == "柳树村综治中心治安中心户长及联防队伍花名册"  # a roster has no period
    headers = [c.value for c in ws[2]]
    assert headers[:4] == ["序号", "姓名", "角色", "网格/小组"]
    assert ws.cell(3, 2).value == "张三" and ws.cell(3, 3).value == "治安中心户长"
    id_col = headers.index("身份证号") + 1
    assert ws.cell(3, id_col).value == ID1 and ws.cell(3, id_col).data_type == "s"


def test_dispute_register_view_exports_the_dispute_ledger(ctx: Ctx, tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "d.xlsx",
        {"S": [["受理日期", "当事人", "纠纷类型"], ["2025.3.5", "甲、乙", "邻里"]]},
    )
    run_import(ctx, path, "dispute_register")  # the register view imports into the ledger
    result = export_ledger(ctx, "dispute_register", tmp_path / "out.xlsx")
    assert result.count == 1 and result.title.endswith("矛盾纠纷排查调处台账（2025年）")
