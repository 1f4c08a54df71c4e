"""The ledger's integrity check, run beside the login instead of before it.

``PRAGMA integrity_check`` reads the whole file: about 2.3 s for a 100k-record ledger (620 MB),
which would make the clerk wait before the login dialog even appears (DESIGN §9: start-up
≤ 2× a bare window). The GUI therefore opens the ledger without the check and starts it here on
its own thread (SQLite releases the GIL, so the login dialog and the main window stay
responsive); it has normally finished before the password is typed. If it finds damage, the
clerk is told at once in the same words as before, every window closes and the program ends
with a non-zero code, so nobody keeps working on a damaged ledger. The CLI still checks before
it opens (:func:`app.db.open_database`).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from app.config import APP_TITLE

log = logging.getLogger(__name__)


class IntegrityWatch(QObject):
    """Runs :func:`app.db.integrity_check` on ``path`` in the background and acts on damage."""

    checked = Signal(list)  # the problems found (empty: the ledger is sound); GUI thread

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.done = False
        self.failed = False
        self.message = ""
        # The thread holds only the path and a relay owned by the application: if this watch is
        # dropped before the check ends, it is still freed here on the GUI thread, never from
        # the checking thread (a Python-owned QObject released off the GUI thread is deleted
        # "later" by shiboken — a double delete if Qt got there first).
        relay = _Relay(QCoreApplication.instance())
        relay.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        relay.finished.connect(relay.deleteLater, Qt.ConnectionType.QueuedConnection)
        self._thread = threading.Thread(
            target=_work, args=(path, relay), name="integrity-check", daemon=True
        )
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the check has run (tests; shutdown). True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _deliver(self, problems: list[str]) -> None:
        self.done = True
        if problems:
            self.failed = True
            self.message = (
                f"数据库文件 {self.path.name} 完整性检查未通过（{problems[0]}），"
                "请勿继续录入，从备份恢复（zongzhi restore）"
            )
            log.error("integrity check failed: %d problem(s)", len(problems))
            for w in QApplication.topLevelWidgets():
                if isinstance(w, QDialog) and w.isVisible():
                    w.reject()
            QMessageBox.critical(None, f"台账已损坏 — {APP_TITLE}", self.message)
            QApplication.closeAllWindows()
        else:
            log.info("integrity check passed")
        self.checked.emit(problems)


def _work(path: Path, relay: _Relay) -> None:
    try:
        from app.db import integrity_check  # on the check's thread: not before the login

        problems = integrity_check(path)
    except Exception as exc:  # an unreadable file is damage too
        problems = [f"{type(exc).__name__}"]
    relay.finished.emit(problems)


class _Relay(QObject):
    """Created on the GUI thread; the worker thread emits, Qt queues to the GUI thread."""

    finished = Signal(list)
