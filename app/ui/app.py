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
    from PySide6.QtWidgets import QWidget

    from app.db import Database

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


def run(argv: Sequence[str]) -> int:
    from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

    from app.db import open_database
    from app.rules.errors import AppError
    from app.services.stations import is_initialised

    from . import crash
    from .env import UiEnv
    from .first_run import FirstRunWizard
    from .i18n import tr
    from .integrity import IntegrityWatch
    from .login import LoginDialog
    from .main_window import MainWindow
    from .theme import apply_theme

    args = parse_args(argv)
    db_path: Path = args.db or default_db_path()
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else APP_NAME])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_TITLE)
    apply_theme(app)
    log_dir = log_dir_for(db_path)
    with contextlib.suppress(OSError):  # an unwritable log dir must not stop the clerk
        setup_logging(log_dir)
    crash.install(log_dir)
    from .pages.sync import install_passphrase_prompt

    install_passphrase_prompt()  # no OS keychain: the sync keystore asks for its passphrase
    try:
        db = open_database(db_path, check_integrity=False)  # checked by IntegrityWatch
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
    log.info("ledger opened")
    integrity = IntegrityWatch(db_path)
    operator_id: str | None = None
    if not is_initialised(db):
        wizard = FirstRunWizard(db)
        if wizard.exec() != QDialog.DialogCode.Accepted:
            db.close()
            return 0
        if wizard.key_warning:
            QMessageBox.warning(None, APP_TITLE, wizard.key_warning)
        from app.services.operators import authenticate

        operator_id = authenticate(db, wizard.admin_username, wizard.password.text()).id
    username = args.operator
    while True:
        if operator_id is None:
            login = LoginDialog(db, username=username)
            if login.exec() != QDialog.DialogCode.Accepted or login.operator_id is None:
                db.close()
                return 1 if integrity.failed else 0
            operator_id = login.operator_id
        window = MainWindow(UiEnv(db, operator_id))
        logout = _Flag()
        window.logout_requested.connect(logout.set)
        window.show()
        _daily_backup(window, db)
        code = int(app.exec())
        window.deleteLater()
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
