"""Printing from the case dialog (issue 16): a form that does not apply yet is greyed with the
reason as tooltip and in the main window's status bar; the PDF's file name comes from the form
and the case code (never the record's internal id); the preview shows its real zoom."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication

from app.print import get_form
from app.services.disputes import register_dispute
from app.services.visits import register_visit
from app.ui.env import UiEnv
from app.ui.forms.dispute_form import DisputeDialog
from app.ui.main_window import MainWindow
from app.ui.print_preview import PrintPreviewDialog, preview_form
from app.ui.workers import wait_for_all
from tests.search.helpers import dispute_input, visit_input


def test_greyed_form_says_why(qtbot: Any, env: UiEnv, ctx: Any) -> None:
    d = register_dispute(ctx, dispute_input()).record
    win = MainWindow(env)
    qtbot.addWidget(win)
    win.show()
    dlg = DisputeDialog(env, d.id, parent=win)
    qtbot.addWidget(dlg)
    dlg.show()
    menu = dlg.print_menu
    menu.popup(dlg.mapToGlobal(QPoint(10, 10)))
    qtbot.waitUntil(menu.isVisible)
    agreement = next(a for a in menu.actions() if a.text() == get_form("agreement").title)
    assert not agreement.isEnabled()
    assert "调解成功" in agreement.toolTip() and menu.toolTipsVisible()
    qtbot.mouseMove(menu, menu.actionGeometry(agreement).center())  # the pointer on it
    assert "调解成功" in win.statusBar().currentMessage()
    assert get_form("agreement").title in win.statusBar().currentMessage()
    menu.close()


def test_pdf_file_name_from_form_and_case_code(qtbot: Any, env: UiEnv, ctx: Any) -> None:
    v = register_visit(ctx, visit_input()).record
    opened: list[PrintPreviewDialog] = []
    preview_form(None, env, "visit_register", v.id, on_open=opened.append)  # by record id
    assert wait_for_all()
    qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
    dialog = opened[0]
    qtbot.addWidget(dialog)
    title = get_form("visit_register").title
    assert dialog.file_name == f"{title}_{v.case_code}.pdf"
    assert v.id not in dialog.file_name


def test_preview_shows_its_real_zoom(qtbot: Any, env: UiEnv, ctx: Any) -> None:
    from app.print import render

    v = register_visit(ctx, visit_input()).record
    pdf = render("visit_register", ctx, v.id)
    dialog = PrintPreviewDialog(pdf, "来访登记表")
    qtbot.addWidget(dialog)
    dialog.resize(900, 700)
    dialog.show()
    qtbot.waitExposed(dialog)
    QApplication.processEvents()
    shown = int(dialog.zoom_label.text().strip().rstrip("%"))
    expected = round(dialog._fit_factor(whole_page=True) * 100)
    assert shown == expected and shown > 30, (shown, expected)
    # an A4 page fitted into a ~650 px high view: height 297 mm at 96 dpi is 1123 px
    assert abs(shown - round(100 * (dialog.view.viewport().height() - 12) / 1122.5)) <= 3
    dialog.fit_width()
    assert int(dialog.zoom_label.text().strip().rstrip("%")) > shown
