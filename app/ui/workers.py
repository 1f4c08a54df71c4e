"""Running work off the GUI thread (after anki's QueryOp / CollectionOp).

    Op(self, env, lambda ctx: stats.compute(ctx, month)).success(self.show).run()

The function runs on a worker thread with its **own** context (``env.ctx()``: a fresh session
that never crosses threads) and must not touch widgets. ``success``/``failure`` run back on the
GUI thread. A mutation (``mutation=["visit"]``) announces what changed on :func:`bus` when it
succeeds, so every open page can refresh. ``progress("正在…")`` shows a busy dialog if the work
takes longer than a moment. Expected errors (:class:`AppError`) go to ``failure`` (default: a
message box); anything else goes to the crash handler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QObject,
    QRunnable,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from app.rules.errors import AppError
from app.services.context import Ctx

from .env import UiEnv
from .i18n import tr

log = logging.getLogger(__name__)

T = TypeVar("T")

PROGRESS_DELAY_MS = 400

_pool: QThreadPool | None = None
_running: set[Op[Any]] = set()


def pool() -> QThreadPool:
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(2)
    return _pool


def busy() -> bool:
    """True while any background operation has not delivered its result yet."""
    return bool(_running)


def wait_for_all(timeout_ms: int = 30_000) -> bool:
    """Block until the worker threads are idle (tests, shutdown). Results are delivered on the
    next turn of the event loop."""
    return pool().waitForDone(timeout_ms)


class UiBus(QObject):
    """Application-wide notifications between pages."""

    data_changed = Signal(object)  # a frozenset of kinds: "visit", "dispute", "settings", …
    sync_status_changed = Signal()


_bus: UiBus | None = None


def bus() -> UiBus:
    global _bus
    if _bus is None:
        _bus = UiBus()
    return _bus


def announce(*kinds: str) -> None:
    bus().data_changed.emit(frozenset(kinds))


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits, Qt queues, the slots run on the GUI thread."""

    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, op: Op[Any]) -> None:
        # Owned by the application (a GUI-thread parent), released with deleteLater() once the
        # result is delivered: never deleted by Python refcounting from inside its own queued
        # slot, nor from the worker thread when the runnable lets go of it (use-after-free).
        super().__init__(QCoreApplication.instance())
        self._op: Op[Any] | None = op
        self.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self.failed.connect(self._fail, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _deliver(self, result: Any) -> None:
        if self._op is not None:
            self._op._on_finished(result)

    @Slot(object)
    def _fail(self, exc: BaseException) -> None:
        if self._op is not None:
            self._op._on_failed(exc)


class _Runnable(QRunnable):
    """Runs one job on a pool thread.

    Thread-affinity rule: the pool destroys this runnable (and drops whatever Python still
    references) on the *worker* thread, possibly after the GUI thread has already delivered the
    result. Nothing that owns a widget may therefore be released here: the runnable lets go of
    the job before it reports, and :meth:`Op._release` clears the operation's widget references
    on the GUI thread once the result is delivered. Otherwise a Python-owned window could be
    freed from a worker (shiboken then deletes it "later" on the GUI thread, after Qt already
    has: a double delete, seen as a rare segfault on 切换用户 / quit).
    """

    def __init__(self, job: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._job: Callable[[], Any] | None = job
        self._relay: _Relay | None = relay

    def run(self) -> None:
        job, relay = self._job, self._relay
        self._job = self._relay = None
        assert job is not None and relay is not None
        try:
            result = job()
        except BaseException as exc:
            del job
            relay.failed.emit(exc)
        else:
            del job
            relay.finished.emit(result)


class Op(Generic[T]):
    """One background operation. Build it, chain callbacks, then :meth:`run`."""

    def __init__(
        self,
        parent: QWidget | None,
        env: UiEnv | None,
        fn: Callable[[Ctx], T] | Callable[[], T],
        *,
        mutation: Iterable[str] = (),
        needs_ctx: bool = True,
    ) -> None:
        self._parent = parent
        self._env = env
        self._fn: Callable[..., Any] = fn
        self._needs_ctx = needs_ctx
        self._changes = frozenset(mutation)
        self._success: Callable[[T], None] | None = None
        self._failure: Callable[[AppError], None] | None = None
        self._label = ""
        self._dialog: QProgressDialog | None = None
        self._done = False
        self._relay = _Relay(self)

    def success(self, fn: Callable[[T], None]) -> Op[T]:
        self._success = fn
        return self

    def failure(self, fn: Callable[[AppError], None]) -> Op[T]:
        self._failure = fn
        return self

    def progress(self, label: str) -> Op[T]:
        self._label = label
        return self

    def _job(self) -> T:
        if not self._needs_ctx:
            result: T = self._fn()
            return result
        assert self._env is not None
        with self._env.ctx() as ctx:
            result = self._fn(ctx)
            return result

    def run(self) -> None:
        _running.add(self)
        if self._label:
            QTimer.singleShot(PROGRESS_DELAY_MS, self._show_progress)
        pool().start(_Runnable(self._job, self._relay))

    def _show_progress(self) -> None:
        if self._done:
            return
        dlg = QProgressDialog(self._label, "", 0, 0, self._parent)
        dlg.setCancelButton(None)
        dlg.setWindowTitle(tr("请稍候"))
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.setMinimumDuration(0)
        dlg.setMinimumWidth(320)
        dlg.show()
        self._dialog = dlg

    def _finish(self) -> None:
        self._done = True
        self._relay.deleteLater()
        if self._dialog is not None:
            self._dialog.close()
            self._dialog.deleteLater()
            self._dialog = None
        _running.discard(self)

    def _parent_gone(self) -> bool:
        """The widget that asked was closed meanwhile (e.g. after 切换用户)."""
        return self._parent is not None and not shiboken6.isValid(self._parent)

    def _release(self) -> None:
        """Drop every reference to widgets and callbacks, here on the GUI thread (see
        :class:`_Runnable`): whichever thread lets go of this operation last then frees no Qt
        object."""
        self._parent = None
        self._success = None
        self._failure = None
        self._fn = _spent
        self._env = None
        self._relay._op = None

    def _on_finished(self, result: Any) -> None:
        self._finish()
        try:
            if self._changes:
                bus().data_changed.emit(self._changes)
            if self._success is not None and not self._parent_gone():
                self._success(result)
        finally:
            self._release()

    def _on_failed(self, exc: BaseException) -> None:
        self._finish()
        try:
            if isinstance(exc, AppError):
                if self._parent_gone():
                    return
                if self._failure is not None:
                    self._failure(exc)
                else:
                    QMessageBox.warning(self._parent, tr("无法完成"), str(exc))
                return
            from .crash import report_exception

            report_exception(type(exc), exc, exc.__traceback__, parent=self._parent)
        finally:
            self._release()


def _spent() -> None:
    """Stands in for an operation's function once its result is delivered."""
