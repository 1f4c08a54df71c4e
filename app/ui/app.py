"""GUI entry point: ``zongzhi [--db PATH]`` / ``python -m app``.

Order: arguments → Qt application and theme → logging and crash handler → open the ledger
(backup-then-migrate; the integrity check runs beside the login, see integrity.py) →
first-run wizard when the ledger has no station, else login → main window. "切换用户" returns
to the login dialog.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from app.config import APP_NAME, APP_TITLE, default_db_path, log_dir_for
from app.logs import setup_logging

if TYPE_CHECKING:
    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QApplication, QWidget

    from app.db import Database

    from .integrity import IntegrityWatch

log = logging.getLogger(__name__)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="zongzhi", add_help=False)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--operator", default="")
    args, _qt_args = parser.parse_known_args(list(argv))
    return args


class _Flag:
    def __init__(self) -> None:
        self.value = False

    def set(self) -> None:
        self.value = True


def _daily_backup(window: QWidget, db: Database) -> None:
    """The day's first start takes a backup in the background (never blocks the clerk)."""
    from app.services.backup import daily_backup_if_due

    from .workers import Op

    Op(window, None, lambda: daily_backup_if_due(db), needs_ctx=False).failure(
        lambda err: log.warning("daily backup failed: %s", type(err).__name__)
    ).run()


def _ask_passphrase(prompt: str, creating: bool) -> str | None:
    """The keystore's passphrase dialog, loaded on first use (keyring and cryptography are not
    needed before the login dialog shows)."""
    from .pages.sync import ask_passphrase

    return ask_passphrase(prompt, creating)


def _restore(db: Database, db_path: Path, source: Path) -> Database:
    """Close the ledger, restore ``source`` over it (pre-restore backup first), reopen."""
    from PySide6.QtWidgets import QMessageBox

    from app.db import open_database
    from app.rules.errors import AppError
    from app.services.backup import restore

    from .workers import wait_for_all

    wait_for_all(30_000)
    db.close()
    try:
        epoch = restore(db_path, source)
        QMessageBox.information(
            None, APP_TITLE, f"已从备份恢复台账，同步纪元已更新为 {epoch}。请重新登录。"
        )
    except AppError as err:
        QMessageBox.warning(None, APP_TITLE, f"恢复失败，台账未改动：{err}")
    return open_database(db_path, check_integrity=False)


class _Ledger:
    """The ledger file, opened on demand: before the login dialog on a first start (the
    first-run wizard needs it), else right after the dialog has been painted."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db: Database | None = None
        self.integrity: IntegrityWatch | None = None

    def open(self) -> Database:
        if self.db is None:
            from app.db import open_database

            from .integrity import IntegrityWatch

            self.db = open_database(self.path, check_integrity=False)  # checked by IntegrityWatch
            log.info("ledger opened")
            self.integrity = IntegrityWatch(self.path)
            remember_station(self.path, self.db)
            if self.db.notices:  # e.g. a ledger on a network share (WAL turned off)
                from PySide6.QtWidgets import QMessageBox

                for notice in self.db.notices:
                    QMessageBox.warning(None, APP_TITLE, notice)
            # what OK needs next, loaded while the clerk types: the main window and its
            # first page (the pages themselves load on first use)
            import importlib

            for name in ("app.ui.env", "app.ui.workers", "app.ui.main_window"):
                importlib.import_module(name)
            from .pages import PAGE_MODULES

            importlib.import_module(PAGE_MODULES[0])
        return self.db

    @property
    def failed(self) -> bool:
        return self.integrity is not None and self.integrity.failed


def _station_key(path: Path) -> str:
    import hashlib

    return "stations/" + hashlib.sha256(str(path.resolve()).encode("utf-8")).hexdigest()[:16]


def known_station(path: Path) -> str | None:
    """The station line shown on the login dialog for a ledger this PC has opened before."""
    from .widgets import ui_settings

    if not path.is_file():
        return None
    value = ui_settings().value(_station_key(path))
    return str(value) if value else None


def remember_station(path: Path, db: Database) -> None:
    from .login import station_text
    from .widgets import ui_settings

    line = station_text(db)
    if line:
        ui_settings().setValue(_station_key(path), line)


def run(argv: Sequence[str]) -> int:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.rules.errors import AppError

    from . import crash
    from .i18n import install_qt_translations, tr
    from .theme import apply_theme
    from .widgets import install_screen_fit

    args = parse_args(argv)
    db_path: Path = args.db or default_db_path()
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else APP_NAME])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_TITLE)
    install_qt_translations(app)
    install_screen_fit(app)
    apply_theme(app)
    log_dir = log_dir_for(db_path)
    with contextlib.suppress(OSError):  # an unwritable log dir must not stop the clerk
        setup_logging(log_dir)
    crash.install(log_dir)
    from app.sync.passphrase import set_passphrase_provider

    set_passphrase_provider(_ask_passphrase)  # no OS keychain: the keystore asks for a passphrase
    from .single_instance import ask_first_window, claim

    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        first = claim(db_path)  # one window per ledger (app/locking.py)
    except (AppError, OSError) as err:
        QMessageBox.critical(None, tr("无法打开台账 — {0}").format(APP_TITLE), str(err))
        return 1
    if first is None:
        if ask_first_window(db_path):
            log.info("ledger already open in another window: asked it to come forward")
        else:
            QMessageBox.information(
                None,
                APP_TITLE,
                tr("台账 {0} 已在另一个综治工作站窗口中打开，请切换到那个窗口。").format(
                    db_path.name
                ),
            )
        return 0
    try:
        return _run_first(app, db_path, args.operator)
    finally:
        first.close()
        _dispose(first)  # a QObject made without a parent: deleted here, on the GUI thread


def _run_first(app: QApplication, db_path: Path, operator: str) -> int:
    from PySide6.QtWidgets import QMessageBox

    from app.rules.errors import AppError

    from .i18n import tr

    ledger = _Ledger(db_path)
    known = known_station(db_path)
    if known is None:  # a first start with this ledger: open it now (first-run wizard?)
        try:
            ledger.open()
        except AppError as err:
            QMessageBox.critical(None, tr("无法打开台账 — {0}").format(APP_TITLE), str(err))
            return 1
        except OSError as err:
            QMessageBox.critical(
                None,
                tr("无法打开台账 — {0}").format(APP_TITLE),
                tr("无法访问数据库文件 {0}：{1}").format(db_path, err.strerror),
            )
            return 1
    try:
        return _session_loop(app, ledger, known or "", operator)
    finally:
        workers = sys.modules.get("app.ui.workers")
        if workers is not None:
            workers.wait_for_all(30_000)  # never leave a worker running on a closed ledger
        if ledger.integrity is not None:
            _dispose(ledger.integrity)


def _dispose(obj: QObject) -> None:
    """Delete a window or watcher we created without a parent, now and on the GUI thread.

    Left to Python, such an object can sit in a reference cycle (an exception's traceback is
    enough) until the cyclic garbage collector runs — on whichever thread happens to allocate,
    often a worker; shiboken then defers the C++ delete to the GUI thread, and if Qt has deleted
    the object meanwhile, that is a double delete (a crash on 切换用户 or at exit).
    """
    import shiboken6

    if shiboken6.isValid(obj):
        shiboken6.delete(obj)


def _session_loop(app: QApplication, ledger: _Ledger, known: str, username: str) -> int:
    """First run or login, then the main window; again after 切换用户 or a restore. On a
    ledger this PC knows, the login dialog shows first and the ledger opens behind it."""
    from PySide6.QtWidgets import QDialog, QMessageBox

    from .login import LoginDialog

    operator_id: str | None = None
    if ledger.db is None:
        login = LoginDialog(None, username=username, station_line=known, opener=ledger.open)
        accepted = login.exec() == QDialog.DialogCode.Accepted
        operator_id = login.operator_id if accepted else None
        open_error = login.open_error
        _dispose(login)
        if ledger.db is None:  # quit before it opened, or it could not be opened (shown)
            return 1 if open_error else 0
        if operator_id is None:
            ledger.db.close()
            return 1 if ledger.failed else 0
    from PySide6.QtCore import QCoreApplication

    from app.services.stations import is_initialised

    from .env import UiEnv
    from .first_run import FirstRunWizard
    from .main_window import MainWindow
    from .workers import wait_for_all

    db = ledger.db
    db_path = ledger.path
    integrity = ledger.integrity
    assert db is not None and integrity is not None
    if operator_id is None and not is_initialised(db):
        wizard = FirstRunWizard(db)
        accepted = wizard.exec() == QDialog.DialogCode.Accepted
        key_warning, admin, password = (
            wizard.key_warning,
            wizard.admin_username,
            wizard.password.text(),
        )
        _dispose(wizard)
        if not accepted:
            db.close()
            return 0
        if key_warning:
            QMessageBox.warning(None, APP_TITLE, key_warning)
        from app.services.operators import authenticate

        operator_id = authenticate(db, admin, password).id
    while True:
        if operator_id is None:
            login = LoginDialog(db, username=username)
            accepted = login.exec() == QDialog.DialogCode.Accepted
            operator_id = login.operator_id if accepted else None
            _dispose(login)
            if operator_id is None:
                db.close()
                return 1 if integrity.failed else 0
        window = MainWindow(UiEnv(db, operator_id))
        logout = _Flag()
        window.logout_requested.connect(logout.set)
        window.show()
        _daily_backup(window, db)
        code = int(app.exec())
        # let the window's background work finish and deliver before the window goes
        window.close()  # idempotent: stops the idle lock and the background sync
        wait_for_all(30_000)
        QCoreApplication.sendPostedEvents()
        _dispose(window)
        from .backup_panel import take_pending_restore

        restore_from = take_pending_restore()
        if restore_from is not None and not integrity.failed:
            db = _restore(db, db_path, restore_from)
            operator_id = None
            continue
        if not logout.value or code != 0 or integrity.failed:
            db.close()
            return 1 if integrity.failed else code
        operator_id = None
        username = ""
