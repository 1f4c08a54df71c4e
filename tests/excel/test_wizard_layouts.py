"""The import wizard on real layouts (issue 14): sheet list with checkboxes and row counts,
header groups, a whole workbook previewed and imported per sheet, and a window that fits a
1366×768 screen. Workbooks as in test_layouts.py (sources cited there)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from sqlalchemy import func, select

from app.db import Database
from app.models import Dispute
from app.ui.excel_wizard import ExcelImportWizard
from tests.ledger_helpers import ledger_snapshot

from .conftest import write_book
from .test_layouts import _GROUP_MERGES, _dispute_grouped_rows, _month_book
from .test_wizard import _env

pytestmark = pytest.mark.usefixtures("qapp")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"


def _shot(widget: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    assert widget.grab().save(str(path))  # type: ignore[attr-defined]
    assert path.stat().st_size > 5000


def test_wizard_imports_a_whole_workbook_per_sheet(
    qtbot, village_db: Database, tmp_path: Path
) -> None:
    path = _month_book(tmp_path / "2025年台账.xlsx")
    wiz = ExcelImportWizard(_env(village_db), "disputes", path=path)
    qtbot.addWidget(wiz)
    wiz.show()
    wiz.next()
    page = wiz.sheet_page
    table = page.sheets_table
    listed = [
        (
            table.item(r, 1).text(),  # type: ignore[union-attr]
            table.item(r, 2).text(),  # type: ignore[union-attr]
            table.item(r, 0).checkState() == Qt.CheckState.Checked,  # type: ignore[union-attr]
        )
        for r in range(table.rowCount())
    ]
    assert listed == [
        ("1月", "1", True),
        ("2月", "2", True),
        ("3月", "2", True),
        ("填表说明", "0", False),
        ("统计", "0", False),
    ]
    assert "3 个工作表" in page.sheets_info.text()
    _shot(wiz, "excel_wizard_sheets.png")
    page.check_sheet("3月", False)
    assert wiz.state.sheets == ["1月", "2月"]
    page.check_sheet("3月", True)
    before = ledger_snapshot(village_db)
    wiz.next()  # no party groups in this layout: straight to the columns
    assert wiz.currentPage() is wiz.mapping_page
    wiz.next()
    qtbot.waitUntil(lambda: wiz.state.dry_book is not None, timeout=30_000)
    after = ledger_snapshot(village_db)
    assert {t for t in before if before[t] != after[t]} <= {"setting", "audit_entry"}
    book = wiz.state.dry_book
    assert book is not None and [r.sheet for r in book.reports] == ["1月", "2月", "3月"]
    view = wiz.dry_run_page.book_view
    assert "工作表“2月”：2 行，可导入 1，可更新 1" in view.sheets.text()
    assert "工作表“统计”：未导入" in view.sheets.text()
    assert view.picker.isVisibleTo(wiz) and view.sheet_combo.count() == 3
    assert wiz.dry_run_page.isComplete()
    _shot(wiz, "excel_wizard_preview_per_sheet.png")
    wiz.next()
    qtbot.waitUntil(lambda: wiz.currentPage() is wiz.summary_page, timeout=60_000)
    result = wiz.state.result_book
    assert result is not None and sum(len(r.of("imported")) for r in result.reports) == 4
    assert sum(len(r.of("updated")) for r in result.reports) == 1
    with village_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Dispute)) == 4
    _shot(wiz, "excel_wizard_report.png")


def test_wizard_shows_the_header_groups(qtbot, village_db: Database, tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "grouped.xlsx", {"台账": _dispute_grouped_rows()}, merges={"台账": _GROUP_MERGES}
    )
    wiz = ExcelImportWizard(_env(village_db), "disputes", path=path)
    qtbot.addWidget(wiz)
    wiz.show()
    wiz.next()
    wiz.next()
    page = wiz.groups_page
    assert wiz.currentPage() is page
    assert "东风镇柳树村矛盾纠纷排查调处台账" in page.heading.text()
    assert "第 3–4 行" in page.heading.text() and "2 个当事人分组" in page.heading.text()
    cells = [
        [page.table.item(r, c).text() for c in range(4)]  # type: ignore[union-attr]
        for r in range(page.table.rowCount())
    ]
    assert cells == [["申请人", "申请人", "C列", "E列"], ["被申请人", "被申请人", "H列", "J列"]]
    _shot(wiz, "excel_wizard_groups.png")
    wiz.next()
    mapping = wiz.mapping_page.current_mapping()
    assert mapping[7] == "g2.name" and mapping[9] == "g2.id_number"
    assert wiz.mapping_page.isComplete()
    wiz.next()
    qtbot.waitUntil(lambda: wiz.state.dry_run is not None, timeout=30_000)
    assert len(wiz.state.dry_run.valid) == 2  # type: ignore[union-attr]


def test_wizard_fits_a_1366x768_screen(qtbot, village_db: Database, tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "grouped.xlsx", {"台账": _dispute_grouped_rows()}, merges={"台账": _GROUP_MERGES}
    )
    wiz = ExcelImportWizard(_env(village_db), "disputes", path=path)
    qtbot.addWidget(wiz)
    wiz.show()
    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    avail = screen.availableGeometry()
    for _ in range(3):  # file, sheets, groups, mapping: every step
        hint = wiz.minimumSizeHint()
        assert hint.width() <= 1366 and hint.height() <= 728, hint
        assert wiz.width() <= avail.width() and wiz.height() <= avail.height()
        wiz.next()
    hint = wiz.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 728, hint
