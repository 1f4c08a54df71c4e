"""The print preview dialog (Qt PDF): pages, navigation, zoom, printing through QPrinter,
save as PDF, and preview_form rendering in a worker. Screenshots go to test-artifacts/print/."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from app.print import render
from app.services.context import Ctx
from app.ui.env import UiEnv
from app.ui.print_preview import PrintPreviewDialog, preview_form, safe_file_name
from app.ui.workers import wait_for_all

from .conftest import ARTIFACTS, a_dispute, mediated_dispute, pdf_text


@pytest.fixture
def agreement_pdf(ctx: Ctx) -> bytes:
    return render("agreement", ctx, mediated_dispute(ctx).case_code)


def test_dialog_shows_pages_navigates_and_zooms(qtbot: QtBot, agreement_pdf: bytes) -> None:
    dialog = PrintPreviewDialog(agreement_pdf, "人民调解协议书")
    qtbot.addWidget(dialog)
    dialog.resize(800, 900)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.page_count == 2
    assert dialog.windowTitle() == "打印预览 — 人民调解协议书"
    assert "共 2 页" in dialog.page_total.text()
    assert not dialog.prev_action.isEnabled() and dialog.next_action.isEnabled()
    dialog.next_page()
    qtbot.waitUntil(lambda: dialog.current_page() == 1)
    assert dialog.page_box.value() == 2 and not dialog.next_action.isEnabled()
    dialog.page_box.setValue(1)
    qtbot.waitUntil(lambda: dialog.current_page() == 0)
    dialog.set_zoom(1.0)
    dialog.zoom_in()
    assert dialog.zoom_label.text().strip() == "110%"
    dialog.zoom_out()
    dialog.zoom_out()
    assert dialog.zoom_label.text().strip() == "90%"
    dialog.fit_page()
    qtbot.wait(400)  # let the view render the page before the screenshot
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(ARTIFACTS / "preview-dialog.png"))


def test_printing_draws_every_page_on_the_printer(
    qtbot: QtBot, agreement_pdf: bytes, tmp_path: Path
) -> None:
    dialog = PrintPreviewDialog(agreement_pdf, "人民调解协议书")
    qtbot.addWidget(dialog)
    printer = dialog.make_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert dialog.print_to(printer) == 2
    printed = PdfReader(str(tmp_path / "printed.pdf"))
    assert len(printed.pages) == 2
    box = printed.pages[0].mediabox
    assert round(float(box.width)) == 595 and round(float(box.height)) == 842  # A4 portrait
    # a page range prints just that page
    printer = dialog.make_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "page2.pdf"))
    printer.setPrintRange(QPrinter.PrintRange.PageRange)
    printer.setFromTo(2, 2)
    assert dialog.print_to(printer) == 1


def test_landscape_ledgers_print_landscape(qtbot: QtBot, demo_ctx: Ctx) -> None:
    pdf = render("visit_ledger", demo_ctx, "2026-01")
    dialog = PrintPreviewDialog(pdf, "来信来访登记台账")
    qtbot.addWidget(dialog)
    from PySide6.QtGui import QPageLayout

    assert dialog.make_printer().pageLayout().orientation() == QPageLayout.Orientation.Landscape


def test_save_as_pdf_writes_the_same_bytes(
    qtbot: QtBot, agreement_pdf: bytes, tmp_path: Path
) -> None:
    dialog = PrintPreviewDialog(agreement_pdf, "人民调解协议书")
    qtbot.addWidget(dialog)
    saved = dialog.save_to(tmp_path / "协议书")
    assert saved.name == "协议书.pdf" and saved.read_bytes() == agreement_pdf
    assert (
        safe_file_name("人民调解协议书_110105001001-2026-J-00001")
        == "人民调解协议书_110105001001-2026-J-00001.pdf"
    )
    assert safe_file_name('a/b:c*"d') == "a_b_c_d.pdf"


def test_preview_form_renders_in_a_worker_and_opens(qtbot: QtBot, demo_db, demo_ctx: Ctx) -> None:
    d = a_dispute(demo_ctx, outcome="succeeded", agreement_type="written")
    env = UiEnv(demo_db, demo_ctx.operator.id)
    opened: list[PrintPreviewDialog] = []
    preview_form(None, env, "agreement", d.case_code, on_open=opened.append)
    assert wait_for_all()
    qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
    dialog = opened[0]
    qtbot.addWidget(dialog)
    assert d.mediation_no in pdf_text(dialog.pdf_bytes)
    assert dialog.file_name == f"人民调解协议书_{d.case_code}.pdf"


def test_preview_form_reports_errors_in_chinese(qtbot: QtBot, demo_db, demo_ctx: Ctx) -> None:
    oral = a_dispute(demo_ctx, outcome="succeeded", agreement_type="oral")
    env = UiEnv(demo_db, demo_ctx.operator.id)
    errors: list[str] = []
    opened: list[PrintPreviewDialog] = []
    preview_form(
        None, env, "agreement", oral.case_code, on_open=opened.append, on_error=errors.append
    )
    assert wait_for_all()
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert "人民调解口头协议登记表" in errors[0] and not opened
    preview_form(None, env, "no-such-form", oral.case_code, on_error=errors.append)
    assert "没有名为" in errors[-1]


def test_pdf_bytes_are_kept_verbatim(qtbot: QtBot, agreement_pdf: bytes) -> None:
    dialog = PrintPreviewDialog(agreement_pdf, "x")
    qtbot.addWidget(dialog)
    assert len(PdfReader(io.BytesIO(dialog.pdf_bytes)).pages) == dialog.page_count
