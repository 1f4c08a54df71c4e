"""The 打印 menu on case forms: lists the printable forms for a record kind and opens the
print preview. The form registry (``app.print``) and the preview dialog
(``app.ui.print_preview``) are separate modules; when either is missing the menu says so."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from types import ModuleType
from typing import Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QMouseEvent
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QWidget

from app.rules.errors import AppError
from app.services.cases import find_case

from .env import UiEnv
from .i18n import tr

log = logging.getLogger(__name__)


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name or (exc.name and name.startswith(exc.name + ".")):
            return None
        raise


def _forms_for() -> Callable[[str], list[Any]] | None:
    for name in ("app.print", "app.print.registry"):
        mod = _module(name)
        fn = getattr(mod, "forms_for", None) if mod is not None else None
        if callable(fn):
            return fn  # type: ignore[no-any-return]
    return None


def _preview() -> Callable[..., Any] | None:
    mod = _module("app.ui.print_preview")
    fn = getattr(mod, "preview_form", None) if mod is not None else None
    return fn if callable(fn) else None


def printing_available() -> bool:
    return _forms_for() is not None and _preview() is not None


def forms(kind: str, record: Any = None) -> list[tuple[str, str, bool]]:
    """(form key, title, applies now) of the forms that print a record of ``kind``."""
    fn = _forms_for()
    if fn is None:
        return []
    out: list[tuple[str, str, bool]] = []
    for spec in fn(kind):
        if getattr(spec, "target", "record") != "record":
            continue
        applies = getattr(spec, "applies_to", None)
        ok = record is None or applies is None or bool(applies(record))
        out.append((str(spec.key), str(getattr(spec, "title", spec.key)), ok))
    return out


# Why a form cannot be printed yet (shown greyed, with this reason as tooltip and status text).
NOT_YET = {
    "agreement": tr("调解成功并约定书面协议后才能打印"),
    "oral_agreement": tr("调解成功并约定口头协议后才能打印"),
    "closing_report": tr("调解结束（成功、不成或终止）后才能打印"),
    "follow_up": tr("调解成功后才能打印回访记录"),
    "transfer_slip": tr("移送有关部门后才能打印"),
    "transfer_notice": tr("办理方式为转办或交办后才能打印"),
}
NOT_YET_DEFAULT = tr("当前办理阶段还不能打印此文书")


def not_yet_reason(form_key: str) -> str:
    return NOT_YET.get(form_key, NOT_YET_DEFAULT)


def show_status(widget: QWidget, text: str) -> None:
    """Put ``text`` in the main window's status bar (a dialog's menu too)."""
    w: QWidget | None = widget
    while w is not None:
        if isinstance(w, QMainWindow):
            w.statusBar().showMessage(text, 8000)
            return
        w = w.parentWidget()


class _GreyedReason(QObject):
    def __init__(self, menu: QMenu, parent: QWidget) -> None:
        super().__init__(menu)
        self._menu = menu
        self._parent = parent

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseMove and isinstance(event, QMouseEvent):
            action = self._menu.actionAt(event.position().toPoint())
            if action is not None and not action.isEnabled() and action.statusTip():
                show_status(self._parent, action.statusTip())
        return False


def fill_menu(menu: QMenu, parent: QWidget, env: UiEnv, kind: str, record_id: str) -> None:
    """Rebuild ``menu`` with one entry per printable form (called before it shows); forms
    that do not apply to the record yet (an agreement before 调解成功) are greyed out."""
    menu.clear()
    if not record_id:
        action = QAction(tr("请先选择一条记录"), menu)
        action.setEnabled(False)
        menu.addAction(action)
        return
    entries: list[tuple[str, str, bool]] = []
    if _preview() is not None:
        with env.ctx() as ctx:
            try:
                record: Any = find_case(ctx, record_id)
            except AppError:
                record = None
            entries = forms(kind, record)
    if not entries:
        action = QAction(tr("打印模块尚未安装"), menu)
        action.setEnabled(False)
        menu.addAction(action)
        return
    menu.setToolTipsVisible(True)
    for key, title, ok in entries:
        action = QAction(title, menu)
        action.setEnabled(ok)
        if not ok:
            reason = not_yet_reason(key)
            action.setToolTip(reason)
            action.setStatusTip(tr("《{0}》：{1}").format(title, reason))
        action.triggered.connect(lambda _=False, k=key: open_preview(parent, env, k, record_id))
        menu.addAction(action)


def open_preview(parent: QWidget, env: UiEnv, form_key: str, record_id: str) -> None:
    preview = _preview()
    if preview is None:
        QMessageBox.information(
            parent, tr("打印"), tr("打印预览模块尚未安装，请使用命令行 zongzhi print")
        )
        return
    preview(parent, env, form_key, record_id)


def make_print_menu(parent: QWidget, env: UiEnv, kind: str, record_id: Callable[[], str]) -> QMenu:
    menu = QMenu(tr("打印"), parent)
    menu.aboutToShow.connect(lambda: fill_menu(menu, parent, env, kind, record_id()))
    # a greyed form's reason in the status bar while the pointer is on it (Fusion does not
    # highlight greyed entries, so ``hovered`` is not emitted for them)
    menu.hovered.connect(lambda a: show_status(parent, a.statusTip()) if a.statusTip() else None)
    menu.installEventFilter(_GreyedReason(menu, parent))
    return menu
