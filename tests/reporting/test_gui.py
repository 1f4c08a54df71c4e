"""The statistics page: a village's figures and report actions; a township's comparison,
not-reported and overdue tabs with one-click 督办 (pytest-qt, offscreen)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import select

from app.models import MonthlyReport, Supervision
from app.ui.env import UiEnv
from app.ui.forms.report_forms import ScreeningDialog, SupervisionDialog
from app.ui.pages.statistics import StatisticsPage
from app.ui.workers import wait_for_all
from tests.sync.conftest import Node, pair

from .test_township import _fill_village

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"


def _text(table, row: int, col: int) -> str:
    item = table.item(row, col)
    assert item is not None
    return str(item.text())


def _settle(qtbot) -> None:
    for _ in range(20):
        wait_for_all(5000)
        qtbot.wait(30)
        QApplication.processEvents()


def _page(qtbot, node: Node) -> StatisticsPage:
    env = UiEnv(node.db, node.ctx.operator.id, node.clock)
    page = StatisticsPage(env)
    qtbot.addWidget(page)
    page.resize(1300, 860)
    page.show()
    page.refresh()
    _settle(qtbot)
    return page


def test_village_page_screening_and_zero_report(qtbot, village: Node, monkeypatch) -> None:
    page = _page(qtbot, village)
    assert page.tabs.count() == 1
    dlg = ScreeningDialog(page.env, page)  # a child of the page: deleted with it
    assert not dlg.save()  # empty scope: named beside the field, nothing written
    assert "排查范围" in dlg.summary.text()
    dlg.scope.setText("全村八个组")
    dlg.found.setValue(3)
    dlg.resolved.setValue(1)
    assert dlg.save()
    page.refresh()
    _settle(qtbot)
    assert page.c_screen.value.text() == "1"
    # February has nothing: submitting it is a confirmed zero report
    page.period.setCurrentIndex(page.period.findData("2026-02"))
    _settle(qtbot)
    assert page.zero.isVisibleTo(page)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    page.submit_report()
    _settle(qtbot)
    with village.db.session() as s:
        row = s.scalars(select(MonthlyReport)).one()
        assert row.period == "2026-02" and row.is_zero
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.grab().save(str(SHOTS / "50-statistics-village.png"))


@pytest.fixture
def area(village: Node, village2: Node, township: Node) -> tuple[Node, Node, Node]:
    pair(village, township)
    pair(village2, township)
    return village, village2, township


def test_township_tabs_and_one_click_supervision(qtbot, area, monkeypatch) -> None:
    v1, _v2, t = area
    _fill_village(v1)
    t.import_(v1.export().path)
    page = _page(qtbot, t)
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == [
        "合计与本级",
        "各村（社区）对比",
        "未报送",
        "超期督办",
    ]
    names = [_text(page.cmp_table, r, 0) for r in range(page.cmp_table.rowCount())]
    assert "柳树村综治中心" in names and names[-2:] == ["本级", "合计"]
    assert page.late_month.rowCount() == 2  # neither village has submitted March
    assert page.od_table.rowCount() == 1
    page.tabs.setCurrentIndex(1)
    page.grab().save(str(SHOTS / "51-statistics-township-compare.png"))
    page.tabs.setCurrentIndex(3)
    page.od_table.selectRow(0)
    opened: list[SupervisionDialog] = []

    def fake_exec(self: SupervisionDialog) -> int:
        opened.append(self)
        self.lead.setText("刘镇长")
        assert not self.save()  # 责任人 missing: refused, shown beside the field
        assert "责任人" in self.summary.text()
        self.person.setText("村调委会主任")
        self.grab().save(str(SHOTS / "52-supervise-dialog.png"))
        return int(self.save())

    monkeypatch.setattr(SupervisionDialog, "exec", fake_exec)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    previews: list[str] = []
    monkeypatch.setattr(
        "app.ui.print_preview.preview_form",
        lambda _p, _e, form, rid, *a, **k: previews.append(form),
    )
    page.supervise_selected()
    _settle(qtbot)
    assert opened and previews == ["supervision_notice"]
    with t.db.session() as s:
        sup = s.scalars(select(Supervision)).one()
        assert sup.lead_name == "刘镇长" and sup.case_origin == v1.code
    page.refresh()
    _settle(qtbot)
    assert _text(page.od_table, 0, 6) == "已督办"
    page.grab().save(str(SHOTS / "53-statistics-township-overdue.png"))
    # the 督办 travels down with the acknowledgement and shows on the village's 工作台
    assert v1.import_(t.ack_for(v1).path).status == "imported"
    from app.ui.pages.dashboard import DashboardPage

    board = DashboardPage(UiEnv(v1.db, v1.ctx.operator.id, v1.clock))
    qtbot.addWidget(board)
    board.resize(1300, 900)
    board.show()
    board.refresh()
    _settle(qtbot)
    assert board.sup_box.isVisible() and board.sup_table.rowCount() == 1
    assert "上级督办" in board.sup_box.title()
    assert _text(board.sup_table, 0, 2).endswith("J-00001")
    board.grab().save(str(SHOTS / "54-village-dashboard-supervision.png"))


def test_township_supervises_a_foreign_case_from_its_dialog(qtbot, area, monkeypatch) -> None:
    from app.services.disputes import register_dispute
    from app.ui.forms.dispute_form import DisputeDialog
    from tests.core.conftest import dispute_input

    v1, _v2, t = area
    d = register_dispute(v1.ctx, dispute_input()).record  # not overdue
    t.import_(v1.export().path)
    env = UiEnv(t.db, t.ctx.operator.id, t.clock)
    dlg = DisputeDialog(env, d.id)
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.supervise_button.isVisible() and not dlg.save_button.isVisible()

    def fill(self: SupervisionDialog) -> int:
        assert "请你单位高度重视" in self.content.toPlainText()
        self.kind.setCurrentIndex(self.kind.findData("comment"))
        return int(self.save())

    monkeypatch.setattr(SupervisionDialog, "exec", fill)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    dlg.supervise()
    with t.db.session() as s:
        sup = s.scalars(select(Supervision)).one()
        assert sup.kind == "comment" and sup.case_id == d.id
    # a village never sees the button on its own case
    own = DisputeDialog(UiEnv(v1.db, v1.ctx.operator.id, v1.clock), d.id)
    qtbot.addWidget(own)
    own.show()
    assert not own.supervise_button.isVisible()
