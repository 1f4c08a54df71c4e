"""Print preview: the form's PDF shown with Qt PDF, printed with QPrinter, saved as PDF.

    preview_form(parent, env, "agreement", case_code)   # renders in a worker, then opens

The PDF is the same bytes the CLI writes (``app.print.render``); printing renders each page
with :meth:`QPdfDocument.render` at the printer's resolution (capped at 300 dpi) onto the
paper 1:1, so the printed page keeps the form's own margins (GB/T 9704).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QEvent,
    QIODevice,
    QObject,
    QPointF,
    QRectF,
    QSize,
    QStandardPaths,
    Qt,
)
from PySide6.QtGui import QAction, QKeySequence, QPageLayout, QPageSize, QPainter, QResizeEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QLabel,
    QMessageBox,
    QSpinBox,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.rules.errors import AppError
from app.rules.filenames import safe_file_name as safe_file_name_for

from .env import UiEnv

MAX_PRINT_DPI = 300
ZOOM_STEPS = (0.25, 0.33, 0.5, 0.67, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0)


def _tr(text: str) -> str:
    return QCoreApplication.translate("PrintPreview", text)


def record_label(ctx: Any, record_id: str) -> str:
    """What names a printed record in a file name: its case code (一案一码), a 督办's number, a
    session's case code; the period itself for ledgers and month reports."""
    from sqlalchemy import select

    from app.models import MediationSession, Supervision
    from app.services.cases import find_case

    try:
        return str(find_case(ctx, record_id).case_code)
    except AppError:
        pass
    session = ctx.session.get(MediationSession, record_id)
    if session is not None:
        try:
            return str(find_case(ctx, session.dispute_id).case_code)
        except AppError:
            return ""
    sup = ctx.session.scalars(select(Supervision).where(Supervision.id == record_id)).first()
    if sup is not None:
        return str(sup.supervision_no)
    return "" if re.fullmatch(r"[0-9a-f-]{32,36}", record_id) else record_id


def pdf_file_name(label: str, title: str) -> str:
    """来访登记表_110105001001-2026-X-00061.pdf (never an internal id)."""
    return safe_file_name(f"{title}_{label}" if label else title)


def safe_file_name(title: str) -> str:
    return safe_file_name_for(re.sub(r"\s+", "_", title), ".pdf", fallback="文书")


class PrintPreviewDialog(QDialog):
    """Shows ``pdf_bytes``; 打印 (QPrintDialog → QPrinter), 另存为PDF, zoom, page navigation."""

    def __init__(
        self,
        pdf_bytes: bytes,
        title: str,
        parent: QWidget | None = None,
        *,
        file_name: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.pdf_bytes = bytes(pdf_bytes)
        self.doc_title = title
        self.file_name = file_name or safe_file_name(title)
        self.setWindowTitle(self.tr("打印预览 — {0}").format(title))
        self.setObjectName("PrintPreviewDialog")

        self.document = QPdfDocument(self)
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(self.pdf_bytes))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        self.page_count = self.document.pageCount()

        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        self.view.setPageSpacing(12)

        bar = QToolBar(self)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.print_action = self._action(
            bar, self.tr("打印…"), QKeySequence.StandardKey.Print, self.print_document
        )
        self.save_action = self._action(
            bar, self.tr("另存为PDF…"), QKeySequence.StandardKey.Save, self.save_as
        )
        bar.addSeparator()
        self.prev_action = self._action(
            bar, self.tr("上一页"), QKeySequence.StandardKey.MoveToPreviousPage, self.previous_page
        )
        self.page_box = QSpinBox(self)
        self.page_box.setRange(1, max(self.page_count, 1))
        self.page_box.setAccessibleName(self.tr("页码"))
        self.page_box.valueChanged.connect(lambda n: self.go_to_page(n - 1))
        bar.addWidget(QLabel(self.tr(" 第 "), self))
        bar.addWidget(self.page_box)
        self.page_total = QLabel(self.tr(" 页，共 {0} 页 ").format(self.page_count), self)
        bar.addWidget(self.page_total)
        self.next_action = self._action(
            bar, self.tr("下一页"), QKeySequence.StandardKey.MoveToNextPage, self.next_page
        )
        bar.addSeparator()
        self._action(bar, self.tr("缩小"), QKeySequence.StandardKey.ZoomOut, self.zoom_out)
        self.zoom_label = QLabel(self)
        bar.addWidget(self.zoom_label)
        self._action(bar, self.tr("放大"), QKeySequence.StandardKey.ZoomIn, self.zoom_in)
        self._action(bar, self.tr("适合宽度"), None, self.fit_width)
        self._action(bar, self.tr("整页"), None, self.fit_page)
        bar.addSeparator()
        self._action(bar, self.tr("关闭"), QKeySequence.StandardKey.Close, self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(bar)
        layout.addWidget(self.view, 1)

        self.view.pageNavigator().currentPageChanged.connect(self._page_changed)
        # the fit modes' zoom depends on the viewport, laid out after the dialog's own resize
        self.view.viewport().installEventFilter(self)
        self._zoom = 1.0
        self._update_zoom_label()
        self._update_nav()
        self.resize(940, 1000)

    # ------------------------------------------------------------------ toolbar plumbing
    def _action(
        self,
        bar: QToolBar,
        text: str,
        keys: QKeySequence.StandardKey | None,
        slot: Callable[[], Any],
    ) -> QAction:
        action = QAction(text, self)
        if keys is not None:
            action.setShortcut(QKeySequence(keys))
        action.triggered.connect(lambda _checked=False: slot())
        bar.addAction(action)
        return action

    # ------------------------------------------------------------------ navigation
    def current_page(self) -> int:
        return int(self.view.pageNavigator().currentPage())

    def go_to_page(self, index: int) -> None:
        if not 0 <= index < self.page_count or index == self.current_page():
            return
        self.view.pageNavigator().jump(index, QPointF(), self.view.pageNavigator().currentZoom())

    def next_page(self) -> None:
        self.go_to_page(self.current_page() + 1)

    def previous_page(self) -> None:
        self.go_to_page(self.current_page() - 1)

    def _page_changed(self, index: int) -> None:
        self.page_box.blockSignals(True)
        self.page_box.setValue(index + 1)
        self.page_box.blockSignals(False)
        self._update_nav()

    def _update_nav(self) -> None:
        page = self.current_page()
        self.prev_action.setEnabled(page > 0)
        self.next_action.setEnabled(page < self.page_count - 1)

    # ------------------------------------------------------------------ zoom
    def _fit_factor(self, whole_page: bool) -> float:
        """The zoom the view uses in its fit modes (for the % label and zoom steps)."""
        if self.page_count == 0:
            return 1.0
        size = self.document.pagePointSize(0)
        dpi = self.logicalDpiX() or 96
        margins = self.view.documentMargins()
        avail_w = self.view.viewport().width() - margins.left() - margins.right()
        avail_h = self.view.viewport().height() - margins.top() - margins.bottom()
        page_w = size.width() * dpi / 72.0
        page_h = size.height() * dpi / 72.0
        if page_w <= 0 or page_h <= 0:
            return 1.0
        factor = avail_w / page_w
        if whole_page:
            factor = min(factor, avail_h / page_h)
        return max(0.1, factor)

    def set_zoom(self, factor: float) -> None:
        self._zoom = max(ZOOM_STEPS[0], min(ZOOM_STEPS[-1], factor))
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(self._zoom)
        self._update_zoom_label()

    def zoom_in(self) -> None:
        current = self._effective_zoom()
        self.set_zoom(next((z for z in ZOOM_STEPS if z > current + 0.01), ZOOM_STEPS[-1]))

    def zoom_out(self) -> None:
        current = self._effective_zoom()
        self.set_zoom(next((z for z in reversed(ZOOM_STEPS) if z < current - 0.01), ZOOM_STEPS[0]))

    def fit_width(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self._update_zoom_label()

    def fit_page(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        self._update_zoom_label()

    def _effective_zoom(self) -> float:
        mode = self.view.zoomMode()
        if mode == QPdfView.ZoomMode.Custom:
            return self._zoom
        return self._fit_factor(whole_page=mode == QPdfView.ZoomMode.FitInView)

    def _update_zoom_label(self) -> None:
        self.zoom_label.setText(f" {round(self._effective_zoom() * 100)}% ")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_zoom_label()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._update_zoom_label()
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------------ printing
    def make_printer(self) -> QPrinter:
        """A printer set up for this document: A4, the document's orientation, full page."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.doc_title)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        if self.page_count:
            size = self.document.pagePointSize(0)
            landscape = size.width() > size.height()
            printer.setPageOrientation(
                QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
            )
        printer.setFullPage(True)
        printer.setFromTo(1, max(self.page_count, 1))
        return printer

    def print_document(self) -> None:
        printer = self.make_printer()
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(self.tr("打印 — {0}").format(self.doc_title))
        dialog.setMinMax(1, max(self.page_count, 1))
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, True)
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintToFile, True)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            self.print_to(printer)
        except AppError as exc:
            QMessageBox.warning(self, self.tr("无法打印"), str(exc))

    def print_to(self, printer: QPrinter) -> int:
        """Draw the pages (or the chosen page range) onto ``printer``; returns pages printed."""
        first, last = 1, self.page_count
        if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
            first = max(1, printer.fromPage())
            last = min(self.page_count, printer.toPage() or self.page_count)
        if last < first:
            return 0
        painter = QPainter()
        if not painter.begin(printer):
            raise AppError(self.tr("无法连接打印机，请检查打印机是否已开机并连接"))
        printed = 0
        try:
            dpi = min(printer.resolution(), MAX_PRINT_DPI)
            for index in range(first - 1, last):
                if printed:
                    printer.newPage()
                size = self.document.pagePointSize(index)
                pixels = QSize(round(size.width() * dpi / 72.0), round(size.height() * dpi / 72.0))
                image = self.document.render(index, pixels)
                target = QRectF(painter.viewport())
                scale = min(target.width() / pixels.width(), target.height() / pixels.height())
                w, h = pixels.width() * scale, pixels.height() * scale
                x = target.x() + (target.width() - w) / 2
                y = target.y() + (target.height() - h) / 2
                painter.drawImage(QRectF(x, y, w, h), image)
                printed += 1
        finally:
            painter.end()
        return printed

    # ------------------------------------------------------------------ saving
    def save_to(self, path: Path) -> Path:
        path = Path(path)
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        path.write_bytes(self.pdf_bytes)
        return path

    def save_as(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        suggested = str(Path(folder) / self.file_name) if folder else self.file_name
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("另存为PDF"), suggested, self.tr("PDF 文件 (*.pdf)")
        )
        if not name:
            return
        try:
            saved = self.save_to(Path(name))
        except OSError as exc:
            QMessageBox.warning(
                self, self.tr("无法保存"), self.tr("保存失败：{0}").format(exc.strerror or exc)
            )
            return
        QMessageBox.information(self, self.tr("已保存"), self.tr("已保存为 {0}").format(saved))


def preview_form(
    parent: QWidget | None,
    env: UiEnv,
    form_key: str,
    record_id: str,
    options: Mapping[str, Any] | None = None,
    *,
    on_open: Callable[[PrintPreviewDialog], None] | None = None,
    on_error: Callable[[str], None] | None = None,
) -> Any:
    """Render ``form_key`` for ``record_id`` in a worker, then open the preview (window-modal).

    Errors (wrong record, agreement not reached yet …) go to ``on_error`` (default: a message
    box). Returns the background operation, or ``None`` when the form is unknown."""
    from app.print import get_form, render

    from .workers import Op

    def report(message: str) -> None:
        if on_error is not None:
            on_error(message)
        else:
            QMessageBox.warning(parent, _tr("无法打印"), message)

    try:
        spec = get_form(form_key)
    except AppError as exc:
        report(str(exc))
        return None
    opts = dict(options or {})

    def show(result: tuple[bytes, str]) -> None:
        pdf, label = result
        dialog = PrintPreviewDialog(
            pdf, spec.title, parent, file_name=pdf_file_name(label, spec.title)
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        if on_open is not None:
            on_open(dialog)

    def failed(exc: AppError) -> None:
        report(str(exc))

    op = Op(
        parent,
        env,
        lambda ctx: (render(spec.key, ctx, record_id, opts), record_label(ctx, record_id)),
    )
    op.progress(_tr("正在生成《{0}》…").format(spec.title)).success(show).failure(failed).run()
    return op
