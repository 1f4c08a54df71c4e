"""The main window: left navigation over the pages, menus and shortcuts, status bar, idle lock."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.config import APP_TITLE
from app.services.lookups import station_info
from app.services.settings import settings_of

from .env import UiEnv
from .i18n import tr
from .login import IdleMonitor, LockScreen
from .net_sync import BackgroundSync
from .pages import PAGE_MODULES
from .sync_status import SyncSummary, read_sync_status
from .widgets import GEOMETRY_KEY, TITLE_BAR, fit_window, ui_settings
from .workers import Op, bus

log = logging.getLogger(__name__)

# Navigation titles for modules that are not installed (the page module carries its own title).
FALLBACK_TITLES = {
    "app.ui.pages.dashboard": tr("工作台"),
    "app.ui.pages.visits": tr("来信来访"),
    "app.ui.pages.disputes": tr("矛盾纠纷"),
    "app.ui.pages.registers": tr("台账"),
    "app.ui.pages.statistics": tr("统计"),
    "app.ui.pages.sync": tr("同步"),
    "app.ui.pages.settings": tr("设置"),
}


class PageSlot:
    """One navigation entry: its module, the page class (None when missing), the widget.

    The standard pages are imported on first show, not at start-up (their modules pull in the
    services, printing and sync code: DESIGN §9 start-up target); others are imported at once
    to read their title.
    """

    def __init__(self, module: str) -> None:
        self.module = module
        self.missing = False
        self.widget: QWidget | None = None
        self._cls: type[QWidget] | None = None
        self._loaded = False
        self.key = module.rsplit(".", 1)[-1]
        self.title = FALLBACK_TITLES.get(module, self.key)
        if module not in FALLBACK_TITLES:
            self._load()

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            mod = importlib.import_module(self.module)
        except ModuleNotFoundError as exc:
            if exc.name != self.module:
                raise
            self.missing = True
            return
        self._cls = page_class(mod)
        self.title = str(getattr(self._cls, "PAGE_TITLE", "")) or self.title
        self.key = str(getattr(self._cls, "PAGE_KEY", "")) or self.key

    @property
    def cls(self) -> type[QWidget] | None:
        self._load()
        return self._cls


def page_class(mod: Any) -> type[QWidget]:
    """The page class a page module defines (a QWidget subclass with PAGE_KEY)."""
    for value in vars(mod).values():
        if (
            isinstance(value, type)
            and issubclass(value, QWidget)
            and value.__module__ == mod.__name__
            and getattr(value, "PAGE_KEY", "")
        ):
            return value
    raise ImportError(f"{mod.__name__} defines no page class (QWidget with PAGE_KEY)")


def placeholder(title: str) -> QWidget:
    w = QWidget()
    lay = QVBoxLayout(w)
    label = QLabel(
        tr("「{0}」功能模块尚未安装。\n\n请升级综治工作站后使用；其他功能不受影响。").format(title)
    )
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setStyleSheet("font-size: 13pt; color: #5f6b7a;")
    lay.addWidget(label)
    return w


class MainWindow(QMainWindow):
    logout_requested = Signal()

    def __init__(self, env: UiEnv, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env = env
        self._logging_out = False
        with env.ctx() as ctx:
            self.info = station_info(ctx)
            idle_minutes = settings_of(ctx).idle_lock_minutes
        self.setWindowTitle(f"{APP_TITLE} — {self.info.name}")
        self.setMinimumSize(1024, 640)
        self._restore_geometry()

        # --- navigation and pages -------------------------------------------------------
        self.slots = [PageSlot(m) for m in PAGE_MODULES]
        self.stack = QStackedWidget()
        for _slot in self.slots:
            self.stack.addWidget(QWidget())
        nav_col = QWidget()
        nav_col.setFixedWidth(190)
        nav_col.setStyleSheet("background: #1d3557;")
        nl = QVBoxLayout(nav_col)
        nl.setContentsMargins(0, 0, 0, 0)
        nl.setSpacing(0)
        title = QLabel(APP_TITLE)
        title.setObjectName("navTitle")
        station = QLabel(self.info.name)
        station.setObjectName("navStation")
        station.setWordWrap(True)
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        for i, slot in enumerate(self.slots):
            item = QListWidgetItem(slot.title)
            item.setToolTip(tr("{0}（Ctrl+{1}）").format(slot.title, i + 1))
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self.show_page)
        nl.addWidget(title)
        nl.addWidget(station)
        nl.addWidget(self.nav, 1)
        who = QLabel(f"{self.info.operator_name}\n{self.info.operator_role_label}")
        who.setObjectName("navStation")
        nl.addWidget(who)

        content = QWidget()
        cl = QHBoxLayout(content)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(0)
        cl.addWidget(nav_col)
        cl.addWidget(self.stack, 1)
        self.lock_screen = LockScreen(
            env.db, self.info.operator_username, self.info.operator_name, env.clock
        )
        self.lock_screen.unlocked.connect(self.unlock)
        self.lock_screen.switch_user.connect(self.logout)
        self.root = QStackedWidget()
        self.root.addWidget(content)
        self.root.addWidget(self.lock_screen)
        self.setCentralWidget(self.root)
        self._hidden_dialogs: list[QWidget] = []

        # --- status bar -----------------------------------------------------------------
        self.station_label = QLabel(tr("{0}（{1}）").format(self.info.name, self.info.code))
        self.operator_label = QLabel(
            tr("操作员：{0}（{1}）").format(self.info.operator_name, self.info.operator_role_label)
        )
        self.sync_label = QLabel("")
        bar = self.statusBar()
        bar.addWidget(self.station_label)
        bar.addWidget(self.operator_label)
        bar.addPermanentWidget(self.sync_label)
        self.sync_now_button = QPushButton(tr("立即同步"))
        self.sync_now_button.setFlat(True)
        self.sync_now_button.setToolTip(tr("立即与乡镇同步服务同步"))
        bar.addPermanentWidget(self.sync_now_button)
        self._sync_summary: SyncSummary | None = None
        # pending changes go to the township's hub by themselves (设置 → 同步服务地址)
        self.net_sync = BackgroundSync(env, self)
        self.net_sync.changed.connect(self._render_sync)
        self.sync_now_button.clicked.connect(self.net_sync.run_now)
        self._sync_timer = QTimer(self)
        self._sync_timer.setInterval(60_000)
        self._sync_timer.timeout.connect(self.refresh_sync_status)
        self._sync_timer.start()
        bus().sync_status_changed.connect(self.refresh_sync_status)
        bus().data_changed.connect(self._data_changed)

        self._build_menus()
        self.idle = IdleMonitor(idle_minutes, self)
        self.idle.idle.connect(self.lock)
        self.nav.setCurrentRow(0)
        self.refresh_sync_status()
        self.net_sync.start()

    # --- menus and shortcuts -------------------------------------------------------------
    def _action(
        self,
        text: str,
        slot: Any,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
    ) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        act.triggered.connect(slot)
        self.addAction(act)
        return act

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu(tr("文件"))
        self.new_action = self._action(
            tr("新建（当前台账）"), self.new_record, QKeySequence.StandardKey.New
        )
        file_menu.addAction(self.new_action)
        file_menu.addAction(self._action(tr("登记来信来访"), lambda: self.new_in("visits")))
        file_menu.addAction(self._action(tr("登记矛盾纠纷"), lambda: self.new_in("disputes")))
        file_menu.addSeparator()
        self.find_action = self._action(
            tr("查找"), self.focus_search, QKeySequence.StandardKey.Find
        )
        self.print_action = self._action(
            tr("打印所选记录"), self.print_current, QKeySequence.StandardKey.Print
        )
        file_menu.addAction(self.find_action)
        file_menu.addAction(self.print_action)
        file_menu.addSeparator()
        file_menu.addAction(self._action(tr("导入历史台账（Excel）…"), self.import_excel))
        file_menu.addAction(self._action(tr("导出台账到 Excel…"), self.export_excel))
        file_menu.addSeparator()
        file_menu.addAction(self._action(tr("锁定"), self.lock, "Ctrl+L"))
        file_menu.addAction(self._action(tr("切换用户"), self.logout))
        file_menu.addAction(self._action(tr("退出"), self.close, QKeySequence.StandardKey.Quit))
        go = menu.addMenu(tr("转到"))
        for i, slot in enumerate(self.slots):
            go.addAction(
                self._action(
                    slot.title, lambda _=False, n=i: self.nav.setCurrentRow(n), f"Ctrl+{i + 1}"
                )
            )
        help_menu = menu.addMenu(tr("帮助"))
        help_menu.addAction(self._action(tr("快捷键"), self.show_shortcuts, "F1"))
        help_menu.addAction(self._action(tr("关于"), self.show_about))

    # --- pages -----------------------------------------------------------------------------
    def page(self, key: str) -> QWidget | None:
        """The page widget for a key (created on first use)."""
        for i, slot in enumerate(self.slots):
            if slot.key == key:
                return self._ensure(i)
        return None

    def _ensure(self, index: int) -> QWidget:
        slot = self.slots[index]
        if slot.widget is None:
            if slot.cls is None:
                widget = placeholder(slot.title)
            else:
                factory: Any = slot.cls
                widget = factory(self.env, self)
                self._connect_page(widget)
            old = self.stack.widget(index)
            if old is not None:
                self.stack.removeWidget(old)
                old.deleteLater()
            self.stack.insertWidget(index, widget)
            slot.widget = widget
        return slot.widget

    def _connect_page(self, widget: QWidget) -> None:
        open_case = getattr(widget, "open_case", None)
        if open_case is not None:
            open_case.connect(self.open_case)
        show_ledger = getattr(widget, "show_ledger", None)
        if show_ledger is not None:
            show_ledger.connect(self.show_ledger)

    def show_page(self, index: int) -> None:
        if index < 0:
            return
        widget = self._ensure(index)
        self.stack.setCurrentIndex(index)
        refresh = getattr(widget, "refresh", None)
        if callable(refresh):
            refresh()

    def current_page(self) -> QWidget | None:
        return self.slots[self.nav.currentRow()].widget if self.nav.currentRow() >= 0 else None

    def go(self, key: str) -> QWidget | None:
        for i, slot in enumerate(self.slots):
            if slot.key == key:
                self.nav.setCurrentRow(i)
                return slot.widget
        return None

    def new_record(self) -> None:
        page = self.current_page()
        fn = getattr(page, "new_record", None)
        if callable(fn):
            fn()
        else:
            self.new_in("visits")

    def new_in(self, key: str) -> None:
        page = self.go(key)
        fn = getattr(page, "new_record", None)
        if callable(fn):
            fn()

    def _excel_ledger(self) -> str:
        """The ledger the Excel import/export dialogs start on: the page being looked at."""
        row = self.nav.currentRow()
        key = self.slots[row].key if row >= 0 else ""
        return key if key in ("visits", "disputes") else "disputes"

    def import_excel(self) -> None:
        from .excel_wizard import open_excel_import_wizard

        open_excel_import_wizard(self, self.env, self._excel_ledger())

    def export_excel(self) -> None:
        from .excel_wizard import export_ledger_dialog

        export_ledger_dialog(self, self.env, self._excel_ledger())

    def focus_search(self) -> None:
        fn = getattr(self.current_page(), "focus_search", None)
        if callable(fn):
            fn()

    def print_current(self) -> None:
        fn = getattr(self.current_page(), "print_selected", None)
        if callable(fn):
            fn()

    def open_case(self, kind: str, record_id: str) -> None:
        if kind == "visit":
            from .forms.visit_form import VisitDialog

            VisitDialog(self.env, record_id, parent=self).exec()
        else:
            from .forms.dispute_form import DisputeDialog

            DisputeDialog(self.env, record_id, parent=self).exec()

    def show_ledger(self, key: str, deadline: str) -> None:
        page = self.go(key)
        fn = getattr(page, "set_deadline_filter", None)
        if callable(fn):
            fn(deadline)

    # --- status bar ------------------------------------------------------------------------
    def refresh_sync_status(self) -> None:
        Op(self, None, lambda: read_sync_status(self.env.db), needs_ctx=False).success(
            self._show_sync
        ).failure(lambda _e: None).run()

    def _show_sync(self, s: SyncSummary) -> None:
        import shiboken6

        if not shiboken6.isValid(self.sync_label):  # the window closed while reading
            return
        self._sync_summary = s
        self._render_sync()

    def _render_sync(self) -> None:
        """Pending changes, and how network sync went (last success, last error)."""
        import shiboken6

        if not shiboken6.isValid(self.sync_label):
            return
        s, net = self._sync_summary, self.net_sync.state
        parts = [s.short if s is not None else "", net.text()]
        self.sync_label.setText("　".join(p for p in parts if p))
        tips = [s.detail if s is not None and s.available else "", net.tooltip()]
        self.sync_label.setToolTip("\n".join(t for t in tips if t))
        self.sync_label.setStyleSheet("color: #b3261e;" if net.last_error else "")
        self.sync_now_button.setVisible(net.configured)
        self.sync_now_button.setEnabled(not net.running)

    def _data_changed(self, kinds: frozenset[str]) -> None:
        if "settings" in kinds:
            with self.env.ctx() as ctx:
                self.idle.set_minutes(settings_of(ctx).idle_lock_minutes)
            self.net_sync.reload_settings()
        if kinds & {"visit", "dispute", "register", "supervision"}:
            self.refresh_sync_status()
            self.net_sync.wake()
        elif "sync" in kinds:
            self.refresh_sync_status()

    # --- lock, logout, quit --------------------------------------------------------------
    def is_locked(self) -> bool:
        return self.root.currentWidget() is self.lock_screen

    def lock(self) -> None:
        if self.is_locked():
            return
        self.idle.pause()
        self.net_sync.pause()
        self._hidden_dialogs = [
            w
            for w in QApplication.topLevelWidgets()
            if w is not self and w.isVisible() and isinstance(w, QDialog)
        ]
        for w in self._hidden_dialogs:
            w.hide()
        self.menuBar().setEnabled(False)
        for act in self.actions():
            act.setEnabled(False)
        self.root.setCurrentWidget(self.lock_screen)
        self.lock_screen.password.setFocus()

    def unlock(self) -> None:
        self.root.setCurrentIndex(0)
        self.menuBar().setEnabled(True)
        for act in self.actions():
            act.setEnabled(True)
        for w in self._hidden_dialogs:
            w.show()
        self._hidden_dialogs = []
        self.idle.resume()
        self.net_sync.resume()

    def logout(self) -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QDialog) and w.isVisible():
                w.reject()
        self._logging_out = True
        self.close()

    def show_shortcuts(self) -> None:
        QMessageBox.information(
            self,
            tr("快捷键"),
            tr(
                "Ctrl+N 新建　　Ctrl+F 查找　　Ctrl+P 打印\n"
                "Ctrl+S 保存（表单内）　　Enter 保存　　Esc 关闭表单\n"
                "Ctrl+1 … Ctrl+7 切换页面　　Ctrl+L 锁定　　F1 本帮助"
            ),
        )

    def show_about(self) -> None:
        from app import __version__

        QMessageBox.about(
            self,
            tr("关于{0}").format(APP_TITLE),
            tr(
                "{0} {1}\n村（社区）与乡镇综治中心的离线台账、调解文书与同步。\n本站：{2}（{3}）"
            ).format(APP_TITLE, __version__, self.info.name, self.info.code),
        )

    # --- window geometry: maximised the first time, then as the user left it ---------------
    def _restore_geometry(self) -> None:
        saved = ui_settings().value(GEOMETRY_KEY)
        if isinstance(saved, QByteArray) and self.restoreGeometry(saved):
            fit_window(self)  # saved on a bigger screen: keep it on this one
            return
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:  # also what it gives without a window manager, or un-maximised
            area = screen.availableGeometry()
            self.setGeometry(area.adjusted(0, TITLE_BAR, 0, 0))
        self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)

    def save_geometry(self) -> None:
        settings = ui_settings()
        settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_geometry()
        self.idle.stop()
        self._sync_timer.stop()
        self.net_sync.stop()
        if self._logging_out:
            self._logging_out = False
            event.accept()
            self.logout_requested.emit()
            return
        event.accept()
