"""The frame every entry form shares: inline errors, Ctrl+S / Enter to save, Esc to close,
and a guard against losing unsaved changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.rules.dates import local_date
from app.rules.errors import AppError, ValidationError

from ..env import UiEnv
from ..i18n import tr
from ..widgets import FieldErrors, is_quick, watch_changes


class FormDialog(QDialog):
    """Subclasses build their fields into ``self.body`` and implement :meth:`do_save`."""

    saved = Signal(str)  # the record id

    def __init__(self, env: UiEnv, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env = env
        self.setWindowTitle(title)
        self.setModal(True)
        self._dirty = False
        self._loading = False
        self.record_id: str | None = None
        self.summary = QLabel()
        self.errors = FieldErrors(self.summary)
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(14, 12, 14, 12)
        self.outer.setSpacing(8)
        self.outer.addWidget(self.summary)
        self.body = QVBoxLayout()
        self.body.setSpacing(8)
        self.outer.addLayout(self.body, 1)
        self.buttons = QHBoxLayout()
        self.buttons.setSpacing(8)
        self.outer.addLayout(self.buttons)
        self.left_buttons = QHBoxLayout()
        self.left_buttons.setSpacing(6)
        self.buttons.addLayout(self.left_buttons)
        self.buttons.addStretch(1)
        self.cancel_button = QPushButton(tr("关闭"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton(tr("保存（Ctrl+S）"))
        self.save_button.setObjectName("primary")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.buttons.addWidget(self.cancel_button)
        self.buttons.addWidget(self.save_button)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.save)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self.save)

    # --- keyboard ------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter in a field moves on (to the next field the paper form always asks, where the
        form marks them; else to the next field), never saves: Ctrl+S saves."""
        plain = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain in (
            Qt.KeyboardModifier.NoModifier,
        ):
            focus = self.focusWidget()
            if focus is not None and not isinstance(focus, QAbstractButton):
                self.move_on(focus)
                event.accept()
                return
        super().keyPressEvent(event)

    def move_on(self, current: QWidget) -> None:
        nxt = self.next_quick(current)
        if nxt is None:
            self.focusNextChild()
        else:
            nxt.setFocus(Qt.FocusReason.TabFocusReason)

    def next_quick(self, current: QWidget) -> QWidget | None:
        w = current.nextInFocusChain()
        while w is not None and w is not current:
            if (
                is_quick(w)
                and w.isVisible()
                and w.isEnabled()
                and w.window() is self
                and w.focusPolicy() & Qt.FocusPolicy.TabFocus
            ):
                return w
            w = w.nextInFocusChain()
        return None

    # --- dirty tracking ------------------------------------------------------------------
    def today(self) -> date:
        return local_date(self.env.clock())

    def track(self, *widgets: QWidget) -> None:
        for w in widgets:
            watch_changes(w, self.mark_dirty)

    def mark_dirty(self, *_: object) -> None:
        if not self._loading:
            self._dirty = True

    def is_dirty(self) -> bool:
        return self._dirty

    def set_clean(self) -> None:
        self._dirty = False

    # --- saving --------------------------------------------------------------------------
    def do_save(self) -> tuple[str, list[str]]:
        """Build the input, call the service; return (record id, warnings). Raise AppError."""
        raise NotImplementedError

    def save(self) -> bool:
        if not self.save_button.isEnabled() or self.save_button.isHidden():
            return False
        self.errors.clear()
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            record_id, warnings = self.do_save()
        except ValidationError as err:
            QApplication.restoreOverrideCursor()
            first = self.errors.show(err)
            if first is not None:
                self.reveal(first)
                first.setFocus()
            return False
        except AppError as err:
            QApplication.restoreOverrideCursor()
            QMessageBox.warning(self, tr("无法保存"), str(err))
            return False
        QApplication.restoreOverrideCursor()
        self.record_id = record_id
        self._dirty = False
        if warnings:
            QMessageBox.information(self, tr("已保存，请注意"), "\n".join(warnings))
        self.saved.emit(record_id)
        self.after_save(record_id)
        return True

    def after_save(self, record_id: str) -> None:
        self.accept()

    def reveal(self, widget: QWidget) -> None:
        """Bring a field into view (switch tab, scroll)."""

    # --- closing -------------------------------------------------------------------------
    def _confirm_discard(self) -> bool:
        if not self._dirty:
            return True
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(tr("尚未保存"))
        box.setText(tr("表单有未保存的修改。"))
        box.setInformativeText(tr("要保存这些修改吗？"))
        save = box.addButton(tr("保存"), QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton(tr("不保存"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(tr("继续编辑"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(save)
        box.exec()
        clicked = box.clickedButton()
        if clicked is save:
            return self.save() and False  # save() already closed the dialog on success
        return clicked is discard

    def reject(self) -> None:
        if self._confirm_discard():
            self._dirty = False
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._confirm_discard():
            self._dirty = False
            event.accept()
        else:
            event.ignore()


def run_guarded(parent: QWidget, fn: Callable[[], object], title: str = tr("无法完成")) -> bool:
    """Call ``fn``; show an expected error as a message box. True when it succeeded."""
    try:
        fn()
    except AppError as err:
        QMessageBox.warning(parent, title, str(err))
        return False
    return True
