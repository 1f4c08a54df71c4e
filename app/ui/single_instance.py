"""One desktop window per ledger: a second launch brings the first window forward.

The window slot of the ledger lock (``app/locking.py``) decides who is first — an OS lock, so a
crashed window never blocks the next start. The first window also listens on a local socket
(``QLocalServer``: a named pipe on Windows, a socket file on Linux) named after the ledger's
path; a second launch on the same ledger sends ``show`` there and exits.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QApplication

from app.locking import Hold, hold_window

log = logging.getLogger(__name__)

SHOW = b"show\n"


def server_name(db_path: Path) -> str:
    """Per user and per ledger file (two users may each have a window on their own ledger)."""
    key = os.path.normcase(os.path.realpath(db_path))
    user = os.environ.get("USERNAME") or os.environ.get("USER") or ""
    digest = hashlib.sha256(f"{user}\0{key}".encode()).hexdigest()[:20]
    return f"zongzhi-{digest}"


class FirstWindow(QObject):
    """Held by the first window: the lock and the listener that raises its windows."""

    def __init__(self, db_path: Path, hold: Hold) -> None:
        super().__init__()
        self.hold = hold
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        name = server_name(db_path)
        QLocalServer.removeServer(name)  # a crashed window's socket file (we hold the lock)
        if not self.server.listen(name):
            log.warning("single-instance listener unavailable: %s", self.server.errorString())
        self.server.newConnection.connect(self._accept)

    def _accept(self) -> None:
        while (conn := self.server.nextPendingConnection()) is not None:
            conn.readyRead.connect(lambda c=conn: self._read(c))
            conn.disconnected.connect(conn.deleteLater)

    def _read(self, conn: QLocalSocket) -> None:
        if bytes(conn.readAll().data()).startswith(SHOW.strip()):
            log.info("a second launch on this ledger: bringing the window forward")
            bring_forward()
        conn.disconnectFromServer()

    def close(self) -> None:
        self.server.close()
        self.hold.release()


def bring_forward() -> None:
    """Raise every visible top-level window (the login dialog or the main window)."""
    for w in QApplication.topLevelWidgets():
        if w.isVisible() and w.isWindow():
            w.setWindowState(
                (w.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive
            )
            w.raise_()
            w.activateWindow()


def claim(db_path: Path) -> FirstWindow | None:
    """The first window's claim on ``db_path``; None when another window already has it."""
    hold = hold_window(db_path)
    return None if hold is None else FirstWindow(db_path, hold)


def ask_first_window(db_path: Path, timeout_ms: int = 3000) -> bool:
    """Ask the window that has ``db_path`` to come forward; False when it did not answer."""
    sock = QLocalSocket()
    sock.connectToServer(server_name(db_path))
    if not sock.waitForConnected(timeout_ms):
        return False
    sock.write(SHOW)
    ok = sock.waitForBytesWritten(timeout_ms)
    sock.waitForDisconnected(timeout_ms)  # the first window has read it
    return bool(ok)
