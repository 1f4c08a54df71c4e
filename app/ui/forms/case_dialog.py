"""What visit and dispute dialogs share: the case header (code, status, deadline), the tabs,
the workflow buttons (only the moves the record's state and the operator's role allow), 打印,
作废, and the case log."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.rules.errors import AppError, ValidationError
from app.services.case_detail import CaseDetail

from .. import theme
from ..env import UiEnv
from ..i18n import tr
from ..printing import make_print_menu
from ..workers import announce
from .action_dialog import ActionDialog
from .base import FormDialog


def scrolling(inner: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(inner)
    return area


class CaseDialog(FormDialog):
    """Base of VisitDialog / DisputeDialog. ``detail`` is None while registering a new case."""

    kind = "visit"
    kind_label = tr("信访件")

    def __init__(self, env: UiEnv, title: str, parent: QWidget | None = None) -> None:
        super().__init__(env, title, parent)
        self.detail: CaseDetail | None = None
        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.outer.insertWidget(0, self.header)
        self.outer.insertWidget(1, self.banner)
        self.header.hide()
        self.tabs = QTabWidget()
        self.body.addWidget(self.tabs)
        self.form_page = QWidget()
        self.form_layout = QVBoxLayout(self.form_page)
        self.form_layout.setContentsMargins(10, 10, 10, 10)
        self.form_layout.setSpacing(10)
        self.tabs.addTab(scrolling(self.form_page), tr("登记信息"))
        self.action_buttons: list[QPushButton] = []
        self.print_button = QPushButton(tr("打印（Ctrl+P）"))
        self.print_button.setAutoDefault(False)
        self.print_menu = make_print_menu(self, env, self.kind, lambda: self.record_id or "")
        self.print_button.setMenu(self.print_menu)
        self.void_button = QPushButton(tr("作废"))
        self.void_button.setObjectName("danger")
        self.void_button.setAutoDefault(False)
        self.void_button.clicked.connect(self.void)
        self.supervise_button = QPushButton(tr("督办/批注…"))
        self.supervise_button.setAutoDefault(False)
        self.supervise_button.setToolTip(tr("对下级工作站的这件事项督办、交办或批注（随回执下发）"))
        self.supervise_button.clicked.connect(self.supervise)
        self.action_box = QHBoxLayout()
        self.action_box.setSpacing(6)
        self.left_buttons.addLayout(self.action_box)
        self.left_buttons.addWidget(self.print_button)
        self.left_buttons.addWidget(self.supervise_button)
        self.left_buttons.addWidget(self.void_button)
        self.print_button.hide()
        self.void_button.hide()
        self.supervise_button.hide()
        QShortcut(QKeySequence.StandardKey.Print, self, self.show_print_menu)
        self.history_page: QWidget | None = None

    # --- header, tabs --------------------------------------------------------------------
    def show_print_menu(self) -> None:
        if self.record_id and self.print_button.isVisible():
            self.print_button.showMenu()

    def render_detail(self, detail: CaseDetail) -> None:
        """Header, banner, action buttons and the handling tab for an existing case."""
        self.detail = detail
        self.record_id = detail.id
        colour = theme.STATUS_COLOURS.get(detail.status)
        status_css = colour.name() if colour is not None else theme.TEXT
        parts = [
            f"<span style='font-size:13pt;font-weight:bold'>{detail.case_code}</span>",
            f"&nbsp;&nbsp;<span style='color:{status_css};font-weight:bold'>"
            f"【{detail.status_label}】</span>",
        ]
        if detail.deadline_text:
            dc = theme.deadline_colour(detail.days_left)
            css = dc.name() if dc is not None else theme.TEXT
            parts.append(
                tr("&nbsp;&nbsp;<span style='color:{0}'>期限 {1}（{2}）</span>").format(
                    css, detail.due_on, detail.deadline_text
                )
            )
        if detail.flags:
            parts.append(f"&nbsp;&nbsp;<span style='color:#6c3483'>{detail.flags}</span>")
        self.header.setText("".join(parts))
        self.header.show()
        if detail.read_only_reason:
            self.banner.setText(detail.read_only_reason)
            self.banner.show()
        else:
            self.banner.hide()
        self.set_editable(detail.editable)
        self._render_actions(detail)
        self.print_button.show()
        self.void_button.setVisible(detail.can_void)
        self.supervise_button.setVisible(detail.is_foreign and self._may_supervise())
        self._render_history(detail)

    def _may_supervise(self) -> bool:
        with self.env.ctx() as ctx:
            return ctx.station.level != "village" and ctx.can("supervise")

    def supervise(self) -> None:
        """督办/交办/批注 this subordinate station's case, then print the notice."""
        from app.rules.errors import AppError
        from app.services.reporting import supervision_draft

        from ..workers import bus
        from .report_forms import SupervisionDialog

        if not self.record_id:
            return
        try:
            with self.env.ctx() as ctx:
                draft = supervision_draft(ctx, self.record_id)
        except AppError as err:
            QMessageBox.warning(self, tr("无法督办"), str(err))
            return
        dlg = SupervisionDialog(self.env, draft, self)
        if dlg.exec() and dlg.record_id:
            bus().data_changed.emit(frozenset({"supervision"}))
            if str(dlg.kind.currentData()) != "comment":
                from ..print_preview import preview_form

                preview_form(self, self.env, "supervision_notice", dlg.record_id)

    def set_editable(self, editable: bool) -> None:
        self.save_button.setVisible(editable)
        self.cancel_button.setText(tr("取消") if editable and self.detail is None else tr("关闭"))

    def _render_actions(self, detail: CaseDetail) -> None:
        for b in self.action_buttons:
            self.action_box.removeWidget(b)
            b.deleteLater()
        self.action_buttons = []
        for a in detail.actions:
            b = QPushButton(a.label)
            b.setAutoDefault(False)
            b.setProperty("action", a.code)
            b.setToolTip(tr("执行「{0}」").format(a.label))
            b.clicked.connect(lambda _=False, code=a.code: self.run_action(code))
            self.action_box.addWidget(b)
            self.action_buttons.append(b)

    def _render_history(self, detail: CaseDetail) -> None:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.setContentsMargins(10, 10, 10, 10)
        if detail.facts:
            form = QFormLayout()
            form.setSpacing(6)
            for label, value in detail.facts:
                v = QLabel(value)
                v.setWordWrap(True)
                v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                form.addRow(tr("{0}：").format(label), v)
            lay.addLayout(form)
        title = QLabel(tr("办理过程（一案一码）"))
        title.setStyleSheet("font-weight:bold; margin-top:6px")
        lay.addWidget(title)
        table = QTableWidget(len(detail.timeline), 5)
        table.setHorizontalHeaderLabels(
            [tr("日期"), tr("事项"), tr("状态变化"), tr("经办人"), tr("说明")]
        )
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        table.setWordWrap(True)
        for i, e in enumerate(detail.timeline):
            change = f"{e.from_label} → {e.to_label}" if e.from_label and e.to_label else e.to_label
            for j, text in enumerate([e.day, e.event_label, change, e.actor, e.note]):
                table.setItem(i, j, QTableWidgetItem(text))
        header = table.horizontalHeader()
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        for j, w in enumerate([100, 90, 150, 80]):
            table.setColumnWidth(j, w)
        table.resizeRowsToContents()
        lay.addWidget(table, 1)
        self.timeline_table = table
        if self.history_page is not None:
            index = self.tabs.indexOf(self.history_page)
            self.tabs.removeTab(index)
            self.history_page.deleteLater()
        self.history_page = page
        self.tabs.addTab(page, tr("办理情况"))

    def reveal(self, widget: QWidget) -> None:
        self.tabs.setCurrentIndex(0)
        area = self.tabs.widget(0)
        if isinstance(area, QScrollArea):
            area.ensureWidgetVisible(widget)

    # --- actions -------------------------------------------------------------------------
    def load(self) -> None:
        """Re-read the case (after a change)."""
        raise NotImplementedError

    def run_action(self, action: str) -> bool:
        if self.record_id is None:
            return False
        if self.is_dirty():
            QMessageBox.information(
                self, tr("请先保存"), tr("登记信息有未保存的修改，请先保存再办理。")
            )
            return False
        title = self.detail.case_code if self.detail else ""
        dlg = ActionDialog(
            self.env, self.kind, self.record_id, action, case_title=title, parent=self
        )
        if dlg.exec() == ActionDialog.DialogCode.Accepted:
            announce(self.kind)
            self.load()
            return True
        return False

    def void(self) -> None:
        if self.record_id is None:
            return
        reason, ok = QInputDialog.getText(
            self,
            tr("作废{0}").format(self.kind_label),
            tr("作废原因（记录保留痕迹，不会物理删除）："),
        )
        if not ok:
            return
        try:
            self.do_void(reason)
        except ValidationError as err:
            QMessageBox.warning(self, tr("不能作废"), str(err))
            return
        except AppError as err:
            QMessageBox.warning(self, tr("不能作废"), str(err))
            return
        announce(self.kind)
        self.set_clean()
        self.accept()

    def do_void(self, reason: str) -> None:
        raise NotImplementedError

    def after_save(self, record_id: str) -> None:
        """Stay open on the saved case: its code, deadline and next steps show at once."""
        announce(self.kind)
        self.load()
