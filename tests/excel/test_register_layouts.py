"""Registers (十个一) imported with the ledgers' engine (issue 14): header found by default
under title and 填报单位 rows, choice columns reviewed with their real options, the row's other
columns kept in the record instead of dropped.

The “十个一” list itself is local configuration (no published template could be found, see
/work/shared/research/domain.md §1); the sheet below is laid out like the station ledgers the
tests in test_layouts.py cite: a merged title row, a 填报单位/填表人 row, then a one-row header
in the clerks' short words (时间, 类别, 内容) rather than the register's labels (日期, 工作类别,
工作内容), as 《调解卷宗》 (bdocx.com/doc/4951888.html) heads its own tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.db import Database
from app.services import registers as reg
from app.services.context import Ctx
from app.services.excel_import import (
    inspect_source,
    read_source,
    remember_value_text,
    run_import,
    unknown_values,
)
from tests.ledger_helpers import ledger_snapshot

from .conftest import write_book


def _work_log(tmp_path: Path) -> Path:
    rows: list[list[Any]] = [
        ["柳树村综治中心工作记录簿（2025年5月）", None, None, None, None, None],
        ["填报单位：柳树村综治中心", None, None, "填表人：周敏", None, None],
        ["序号", "时间", "记录人", "类别", "内容", "地点"],
        [1, "2025-05-06", "周敏", "走访", "走访三组独居老人，了解用电安全", "三组"],
        [2, "2025.5.8", "周敏", "治安巡逻", "夜间巡逻，劝离聚集人员", "全村"],
        [3, "2025年5月12日", "周敏", "护路护线", "检查铁路沿线护栏", "五组"],
        [4, "2025-05-20", "周敏", "护路护线", "清理铁路沿线堆放物", "五组"],
    ]
    return write_book(tmp_path / "工作记录.xlsx", {"记录": rows}, merges={"记录": ["A1:F1"]})


def test_register_header_found_by_default_and_values_reviewed(
    ctx: Ctx, village_db: Database, tmp_path: Path
) -> None:
    path = _work_log(tmp_path)
    ins = inspect_source(ctx, read_source(path), "work_log")
    assert ins.header_row == 3 and not ins.missing
    assert ins.title.startswith("柳树村综治中心工作记录簿")
    assert ins.meta == {"填报单位": "柳树村综治中心", "填表人": "周敏"}
    assert {c.header: c.field for c in ins.columns if c.field} == {
        "时间": "date",
        "记录人": "author",
        "类别": "category",
        "内容": "content",
    }
    before = ledger_snapshot(village_db)
    dry = run_import(ctx, path, "work_log", dry_run=True)
    assert ledger_snapshot(village_db) == before
    assert {r.row: r.status for r in dry.rows} == {4: "new", 5: "new", 6: "invalid", 7: "invalid"}
    (unknown,) = unknown_values(ctx, dry)
    assert unknown.text == "护路护线" and unknown.rows == (6, 7)
    labels = [label for _, label in unknown.options]
    assert "治安巡逻防控" in labels and "其他" in labels  # the real choices, not an empty list
    remember_value_text(ctx, "work_log", "类别", "护路护线", "其他")
    rep = run_import(ctx, path, "work_log")
    assert [r.row for r in rep.of("imported")] == [4, 5, 6, 7]
    rows = reg.list_records(ctx, "work_log", reg.RecordFilter(ascending=True)).rows
    by_day = {r.values["date"]: r.values for r in rows}
    assert by_day["2025-05-12"]["category"] == "other"
    assert by_day["2025-05-08"]["category"] == "patrol"
    # 地点 has no field in this register: kept with the content, not dropped
    assert by_day["2025-05-06"]["content"].endswith("原表其他列——地点：三组")
    assert "序号" not in by_day["2025-05-06"]["content"]


def test_register_other_columns_mask_id_numbers_for_clerks_who_may_not_see_them(
    ctx: Ctx, tmp_path: Path
) -> None:
    from app.services.excel_registers import _mask_ids

    text = "联系人身份证：11010519491231002X"
    assert _mask_ids(text, True) == text
    assert "11010519491231002X" not in _mask_ids(text, False)


def test_roster_in_the_clerks_words(ctx: Ctx, tmp_path: Path) -> None:
    """群防群治队伍花名册 headed 所在网格 / 队伍类别 / 任职时间 (not the register's labels)."""
    rows: list[list[Any]] = [
        ["柳树村群防群治队伍花名册", None, None, None, None, None],
        ["填报单位：柳树村综治中心", None, None, None, None, None],
        ["序号", "姓名", "所在网格", "队伍类别", "联系电话", "任职时间"],
        [1, "曹军", "第一网格", "网格员", "18817432493", "2023年1月17日至今"],
        [2, "韩春花", "第二网格", "中心户长", "15804554995", "2021.11.19起"],
    ]
    path = write_book(tmp_path / "花名册.xlsx", {"花名册": rows}, merges={"花名册": ["A1:F1"]})
    ins = inspect_source(ctx, read_source(path), "roster")
    assert not ins.missing
    assert {c.header: c.field for c in ins.columns if c.field} == {
        "姓名": "name",
        "所在网格": "grid",
        "队伍类别": "role",
        "联系电话": "phone",
        "任职时间": "service",
    }
    rep = run_import(ctx, path, "roster")
    assert [r.row for r in rep.of("imported")] == [4, 5], rep.to_dict()
    rows_ = reg.list_records(ctx, "roster", reg.RecordFilter(ascending=True)).rows
    by_name = {r.display["name"]: r.values for r in rows_}
    assert by_name["曹军"]["service"] == {"start": "2023-01-17", "end": None}
    assert by_name["韩春花"]["role"] == "household_head"


def test_absent_category_column_takes_the_registers_usual_choice(ctx: Ctx, tmp_path: Path) -> None:
    """网格员入户走访台账: no 工作类别 column at all — the register's usual choice, said so."""
    rows: list[list[Any]] = [
        ["网格员入户走访台账", None, None],
        ["走访日期", "网格员", "走访内容"],
        ["2025-04-06", "周志刚", "核实流动人口租住登记信息"],
        ["2025-04-07", "周志刚", None],  # no content: refused, not filled with anything
    ]
    path = write_book(tmp_path / "走访.xlsx", {"入户走访": rows})
    rep = run_import(ctx, path, "work_log")
    assert {r.row: r.status for r in rep.rows} == {3: "imported", 4: "invalid"}
    assert "默认" in rep.rows[0].warnings[0]
    (rec,) = reg.list_records(ctx, "work_log", reg.RecordFilter(ascending=True)).rows
    assert rec.values["category"] == "routine" and rec.values["author"]["name"] == "周志刚"
