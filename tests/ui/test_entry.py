"""The entry point: ``zongzhi [--db]`` runs the first-run wizard on an empty ledger, the
login dialog afterwards, then the main window; "切换用户" returns to the login dialog."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QDialog

from app.__main__ import main
from app.db import open_database
from app.services.stations import is_initialised
from app.ui.first_run import FirstRunWizard
from app.ui.login import LoginDialog
from app.ui.main_window import MainWindow


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the titles of the main windows shown; the event loop returns at once. (The
    windows themselves are deleted when the session ends.)"""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    windows: list[str] = []
    original_show = MainWindow.show

    def show(self: MainWindow) -> None:
        windows.append(self.windowTitle())
        original_show(self)

    monkeypatch.setattr(MainWindow, "show", show)
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)
    return windows


class _SessionWindows:
    """Windows made by one ``main`` call whose C++ side still exists afterwards (nothing has
    run the event loop since ``main`` returned, so a pending ``deleteLater`` would show here
    too). Windows other tests left behind are not counted."""

    KINDS = (FirstRunWizard, LoginDialog, MainWindow)

    def __init__(self) -> None:
        self.before = list(QApplication.topLevelWidgets())  # kept alive: ids stay unique

    def left(self) -> list[str]:
        known = {id(w) for w in self.before}
        return [
            type(w).__name__
            for w in QApplication.topLevelWidgets()
            if isinstance(w, self.KINDS) and id(w) not in known
        ]


def test_first_run_then_login(qtbot: Any, tmp_path: Path, monkeypatch: Any, shown: Any) -> None:
    path = tmp_path / "ledger.sqlite3"

    def wizard_exec(self: FirstRunWizard) -> int:
        self.name.setText("杨庄村综治中心")
        self.code.setText("110105001002")
        self.parent_code.setText("110105001000")
        self.admin_name.setText("杨秀英")
        self.password.setText("secret1")
        self.password2.setText("secret1")
        self.next()
        return QDialog.DialogCode.Accepted.value if self.validateCurrentPage() else 0

    monkeypatch.setattr(FirstRunWizard, "exec", wizard_exec)
    windows = _SessionWindows()
    assert main(["--db", str(path)]) == 0  # python -m app / zongzhi with no command
    assert len(shown) == 1 and "杨庄村综治中心" in shown[-1]
    assert windows.left() == []
    db = open_database(path)
    assert is_initialised(db)
    db.close()

    attempts: list[str] = []

    def login_exec(self: LoginDialog) -> int:
        self.username.setText("admin")
        for password in ("wrong-one", "secret1"):
            self.password.setText(password)
            if self.try_login():
                return QDialog.DialogCode.Accepted.value
            attempts.append(self.message.text())
        return 0

    monkeypatch.setattr(LoginDialog, "exec", login_exec)
    windows = _SessionWindows()
    assert main(["--db", str(path)]) == 0
    assert len(shown) == 2 and attempts and "还可尝试" in attempts[0]
    # the login dialog sat in a reference cycle (the failed attempt's traceback): it must be
    # gone now, deleted on this thread, not left to a garbage collection on a worker thread
    assert windows.left() == []
    assert (tmp_path / "logs").is_dir()


def test_cancelled_login_exits_cleanly(
    qtbot: Any, village_db: Any, monkeypatch: Any, shown: Any
) -> None:
    monkeypatch.setattr(LoginDialog, "exec", lambda self: 0)
    assert main(["--db", str(village_db.path)]) == 0
    assert shown == []


def test_unopenable_ledger_is_reported(qtbot: Any, tmp_path: Path, boxes: Any, shown: Any) -> None:
    bad = tmp_path / "not-a-ledger.sqlite3"
    bad.write_bytes(b"this is not sqlite" * 100)
    assert main(["--db", str(bad)]) == 1
    assert "无法打开台账" in boxes.texts()
