"""The import wizard and the export dialog, driven offscreen with the sample loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QComboBox
from sqlalchemy import func, select

from app.db import Database
from app.models import Dispute, Operator
from app.ui.env import UiEnv
from app.ui.excel_wizard import ExcelImportWizard, ExportDialog
from tests.conftest import FakeClock
from tests.ledger_helpers import ledger_snapshot

from .conftest import DISPUTE_SHEET, SAMPLE

pytestmark = pytest.mark.usefixtures("qapp")


def _env(db: Database, username: str = "admin") -> UiEnv:
    with db.session() as s:
        op = s.scalars(select(Operator).where(Operator.username == username)).one()
        return UiEnv(db, op.id, FakeClock())


def _cell(table: object, row: int, col: int) -> str:
    item = table.item(row, col)  # type: ignore[attr-defined]
    assert item is not None
    return str(item.text())


def _shot(widget: object, path: Path) -> None:
    assert widget.grab().save(str(path))  # type: ignore[attr-defined]
    assert path.stat().st_size > 5000


def test_wizard_end_to_end(qtbot, village_db: Database, tmp_path: Path) -> None:
    env = _env(village_db)
    wiz = ExcelImportWizard(env, "disputes", path=SAMPLE)
    qtbot.addWidget(wiz)
    wiz.show()
    _shot(wiz, tmp_path / "1_file.png")
    before = ledger_snapshot(village_db)

    wiz.next()
    assert wiz.currentPage() is wiz.sheet_page
    assert wiz.sheet_page.sheet_combo.currentText() == DISPUTE_SHEET
    assert wiz.sheet_page.header_spin.value() == 2
    assert _cell(wiz.sheet_page.preview, 1, 1) == "受理时间"
    _shot(wiz, tmp_path / "2_sheet.png")

    wiz.next()
    page = wiz.mapping_page
    assert page.current_mapping()[1] == "registered_on"
    combos = dict(page._combos)
    note: QComboBox = combos[11]
    note.setCurrentIndex(note.findData("registered_on"))  # two columns → one field
    assert not page.isComplete() and "不止一列" in page.missing.text()
    note.setCurrentIndex(0)  # 不导入
    assert page.isComplete()
    _shot(wiz, tmp_path / "3_mapping.png")

    wiz.next()
    qtbot.waitUntil(lambda: wiz.state.dry_run is not None, timeout=30_000)
    after = ledger_snapshot(village_db)
    # the dry run wrote nothing; only the confirmed column mapping was remembered (and audited)
    assert {t for t in before if before[t] != after[t]} <= {"setting", "audit_entry"}
    view = wiz.dry_run_page.view
    assert view.problems.rowCount() == 11 and view.valid.rowCount() == 49
    assert _cell(view.problems, 0, 3) == "身份证号码校验位错误"
    assert wiz.dry_run_page.isComplete()
    _shot(wiz, tmp_path / "4_dry_run.png")

    wiz.next()
    qtbot.waitUntil(lambda: wiz.currentPage() is wiz.summary_page, timeout=60_000)
    assert wiz.state.result is not None and len(wiz.state.result.of("imported")) == 49
    assert wiz.summary_page.view.valid.rowCount() == 49
    _shot(wiz, tmp_path / "6_summary.png")
    with village_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Dispute)) == 49

    # the confirmed mapping (备注 not imported) is remembered for this layout
    again = ExcelImportWizard(env, "disputes", path=SAMPLE)
    qtbot.addWidget(again)
    again.show()
    again.next()
    again.next()
    assert "上次确认" in again.mapping_page.remembered.text()
    assert 11 not in again.mapping_page.current_mapping()


def test_wizard_refuses_a_broken_file_on_the_first_page(
    qtbot, village_db: Database, tmp_path: Path
) -> None:
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"PK\x03\x04 broken")
    wiz = ExcelImportWizard(_env(village_db), "disputes", path=bad)
    qtbot.addWidget(wiz)
    wiz.show()
    wiz.next()
    assert wiz.currentPage() is wiz.file_page
    assert "已损坏" in wiz.file_page.error.text() and wiz.file_page.error.isVisible()


def test_cancelling_the_import_leaves_the_ledger_untouched(qtbot, village_db: Database) -> None:
    wiz = ExcelImportWizard(_env(village_db), "disputes", path=SAMPLE)
    qtbot.addWidget(wiz)
    wiz.show()
    wiz.next()
    wiz.next()
    wiz.next()
    qtbot.waitUntil(lambda: wiz.state.dry_run is not None, timeout=30_000)
    before = ledger_snapshot(village_db)
    wiz.next()
    wiz.reject()  # “取消” while importing asks the worker to stop
    assert wiz.import_page.cancel_requested()
    qtbot.waitUntil(lambda: not wiz.import_page.running(), timeout=30_000)
    assert "已取消导入" in wiz.import_page.error.text()
    assert wiz.state.result is None
    assert ledger_snapshot(village_db) == before


def test_export_dialog(
    qtbot, village_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _env(village_db)
    dlg = ExportDialog(env, "visits")
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.ledger_combo.currentData() == "visits"
    _shot(dlg, tmp_path / "export.png")
    dlg._export()
    assert "请选择保存位置" in dlg.error.text()
    dlg.path_edit.setText(str(tmp_path / "来访.xlsx"))
    dlg.ranged.setChecked(True)
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []  # the offscreen test cannot click a modal message box away
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    dlg._export()
    qtbot.waitUntil(lambda: dlg.result_value is not None, timeout=30_000)
    assert dlg.result_value is not None and dlg.result_value.count == 0
    assert (tmp_path / "来访.xlsx").exists()
    assert shown and "已导出 0 条记录" in shown[0]


def test_wizard_maps_unrecognised_spellings(qtbot, village_db: Database, tmp_path: Path) -> None:
    from .conftest import write_book

    path = write_book(
        tmp_path / "v.xlsx",
        {
            "S": [
                ["受理日期", "当事人", "纠纷类型"],
                ["2025.3.5", "甲、乙", "山林权属"],
                ["2025.3.6", "丙、丁", "邻里"],
            ]
        },
    )
    wiz = ExcelImportWizard(_env(village_db), "disputes", path=path)
    qtbot.addWidget(wiz)
    wiz.show()
    wiz.next()
    wiz.next()
    wiz.next()
    page = wiz.dry_run_page
    qtbot.waitUntil(lambda: wiz.state.dry_run is not None, timeout=30_000)
    # every distinct value is listed (the sure one too), the unmapped one marked
    assert page.values_box.isVisible() and page.values_table.rowCount() == 2
    cells = [(page.values_table.item(r, 1), page.values_table.item(r, 3)) for r in range(2)]
    states = {a.text(): b.text() for a, b in cells if a is not None and b is not None}
    assert states["邻里"] == "确定" and states["山林权属"].startswith("无法对应")
    _shot(wiz, tmp_path / "values.png")
    page.choose_value("山林权属", "forest_land")
    page._apply_values()
    qtbot.waitUntil(lambda: wiz.state.dry_run is not None, timeout=30_000)
    report = wiz.state.dry_run
    assert report is not None and len(report.valid) == 2 and not report.invalid
    assert {v.text: v.state for v in report.values} == {"邻里": "sure", "山林权属": "confirmed"}
    # a dry run remembers nothing: the choice is written only by the real import
    from app.services.excel_values import remembered

    with _env(village_db).ctx() as ctx:
        assert remembered(ctx.session, "disputes") == {}
    wiz.next()
    qtbot.waitUntil(lambda: wiz.state.result is not None, timeout=30_000)
    with _env(village_db).ctx() as ctx:
        assert remembered(ctx.session, "disputes") == {"category": {"山林权属": "forest_land"}}
