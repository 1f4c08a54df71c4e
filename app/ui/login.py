"""Login (with lockout after repeated failures) and the idle lock screen.

The login dialog needs no database to show: on a known ledger the station's name comes from
this PC's settings and the ledger (SQLAlchemy, the mapped tables, migrations) is opened right
after the dialog has been painted, while the clerk types (``opener``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.config import APP_TITLE

from .i18n import tr

if TYPE_CHECKING:
    from app.db import Database
    from app.services.context import Clock


def station_text(db: Database) -> str:
    from app.services.stations import station_summary

    try:
        info = station_summary(db)
    except Exception:  # an uninitialised ledger never reaches the login dialog
        return ""
    return tr("{0}（{1}）").format(info["name"], info["code"])


def _title_block(db: Database | None, station_line: str = "") -> QWidget:
    w = QWidget()
    lay = QVBoxLayout(w)
    lay.setContentsMargins(0, 0, 0, 8)
    title = QLabel(APP_TITLE)
    title.setStyleSheet("font-size: 18pt; font-weight: bold; color: #1d3557;")
    lay.addWidget(title)
    station = QLabel(station_text(db) if db is not None else station_line)
    station.setObjectName("muted")
    lay.addWidget(station)
    return w


class LoginDialog(QDialog):
    """Ask for a username and password; ``operator_id`` is set on success."""

    def __init__(
        self,
        db: Database | None,
        *,
        clock: Clock | None = None,
        username: str = "",
        parent: QWidget | None = None,
        station_line: str = "",
        opener: Callable[[], Database] | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.clock = clock
        self.operator_id: str | None = None
        self._opener = opener
        self.open_error = ""
        self.setWindowTitle(tr("登录 — {0}").format(APP_TITLE))
        self.setMinimumWidth(420)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(28, 24, 28, 20)
        lay.addWidget(_title_block(db, station_line))
        form = QFormLayout()
        form.setSpacing(10)
        self.username = QLineEdit(username)
        self.username.setPlaceholderText(tr("用户名"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(tr("密码"))
        form.addRow(tr("用户名"), self.username)
        form.addRow(tr("密码"), self.password)
        lay.addLayout(form)
        self.message = QLabel()
        self.message.setObjectName("errorSummary")
        self.message.setWordWrap(True)
        self.message.hide()
        lay.addWidget(self.message)
        bar = QHBoxLayout()
        bar.addStretch(1)
        self.quit_button = QPushButton(tr("退出"))
        self.quit_button.setAutoDefault(False)
        self.quit_button.clicked.connect(self.reject)
        self.login_button = QPushButton(tr("登录"))
        self.login_button.setObjectName("primary")
        self.login_button.setDefault(True)
        self.login_button.clicked.connect(self.try_login)
        bar.addWidget(self.quit_button)
        bar.addWidget(self.login_button)
        lay.addLayout(bar)
        (self.password if username else self.username).setFocus()
        if db is None and opener is not None:
            # after the first paint: the dialog is up before the database layer loads
            QTimer.singleShot(60, self.database)

    def database(self) -> Database | None:
        """The ledger, opened now if it is not yet (a failure is shown in the dialog)."""
        if self.db is None and self._opener is not None and not self.open_error:
            from app.rules.errors import AppError

            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                self.db = self._opener()
            except AppError as err:
                self.open_error = str(err)
            except OSError as err:
                self.open_error = tr("无法访问数据库文件：{0}").format(err.strerror or err)
            finally:
                QApplication.restoreOverrideCursor()
            if self.open_error:
                self._fail(tr("无法打开台账：{0}").format(self.open_error))
                self.login_button.setEnabled(False)
        return self.db

    def try_login(self) -> bool:
        from app.services.operators import LoginError, authenticate

        username = self.username.text().strip()
        if not username:
            self._fail(tr("请输入用户名"))
            self.username.setFocus()
            return False
        db = self.database()
        if db is None:
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            op = authenticate(
                db, username, self.password.text(), now=self.clock() if self.clock else None
            )
        except LoginError as err:
            QApplication.restoreOverrideCursor()
            self._fail(str(err))
            self.password.clear()
            self.password.setFocus()
            return False
        QApplication.restoreOverrideCursor()
        self.operator_id = op.id
        self.accept()
        return True

    def _fail(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()


class LockScreen(QFrame):
    """Covers the main window after idle time; the operator's password unlocks it."""

    unlocked = Signal()
    switch_user = Signal()

    def __init__(
        self,
        db: Database,
        username: str,
        display_name: str,
        clock: Clock | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.username = username
        self.clock = clock
        self.setObjectName("lockScreen")
        self.setStyleSheet("QFrame#lockScreen { background: #1d3557; }")
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        card = QFrame()
        card.setObjectName("card")
        card.setMaximumWidth(440)
        lay = QVBoxLayout(card)
        lay.setContentsMargins(28, 22, 28, 20)
        title = QLabel(tr("已锁定"))
        title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        lay.addWidget(title)
        hint = QLabel(
            tr("长时间无操作，为保护群众信息已自动锁定。\n请 {0}（{1}）输入密码解锁。").format(
                display_name, username
            )
        )
        hint.setWordWrap(True)
        hint.setObjectName("muted")
        lay.addWidget(hint)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(tr("密码"))
        self.password.returnPressed.connect(self.try_unlock)
        lay.addWidget(self.password)
        self.message = QLabel()
        self.message.setObjectName("errorSummary")
        self.message.setWordWrap(True)
        self.message.hide()
        lay.addWidget(self.message)
        bar = QHBoxLayout()
        other = QPushButton(tr("切换用户"))
        other.clicked.connect(self.switch_user)
        unlock = QPushButton(tr("解锁"))
        unlock.setObjectName("primary")
        unlock.clicked.connect(self.try_unlock)
        bar.addWidget(other)
        bar.addStretch(1)
        bar.addWidget(unlock)
        lay.addLayout(bar)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def try_unlock(self) -> bool:
        from app.services.operators import LoginError, authenticate

        try:
            authenticate(
                self.db,
                self.username,
                self.password.text(),
                now=self.clock() if self.clock else None,
            )
        except LoginError as err:
            self.message.setText(str(err))
            self.message.show()
            self.password.clear()
            return False
        self.password.clear()
        self.message.hide()
        self.unlocked.emit()
        return True


class IdleMonitor(QObject):
    """Emits ``idle`` after ``minutes`` without keyboard or mouse input in the application."""

    idle = Signal()

    INPUT_EVENTS = frozenset(
        {
            QEvent.Type.KeyPress,
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseMove,
            QEvent.Type.Wheel,
            QEvent.Type.TouchBegin,
        }
    )

    def __init__(self, minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self.set_minutes(minutes)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_minutes(self, minutes: int) -> None:
        self.set_interval_ms(max(1, minutes) * 60_000)

    def set_interval_ms(self, ms: int) -> None:
        self._timer.setInterval(ms)
        self._timer.start()

    def interval_ms(self) -> int:
        return self._timer.interval()

    def pause(self) -> None:
        self._timer.stop()

    def resume(self) -> None:
        self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in self.INPUT_EVENTS and self._timer.isActive():
            self._timer.start()
        return False

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
