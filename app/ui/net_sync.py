"""The background pusher: when a hub address is set (设置 → 同步服务地址), pending changes go to
the township by themselves whenever its hub answers — without blocking the window.

A worker object lives on its own :class:`QThread` and calls the Qt-free client
(:func:`app.sync.client.sync_once`); a single-shot :class:`QTimer` on the GUI thread decides
when: shortly after the ledger changes (debounced), every couple of minutes otherwise (the poll
also brings the township's 督办 down), and after a failure with exponential back-off and jitter
(network down, hub restarting). A refusal a person must fix (not paired, wrong address) is not
hammered: it waits for the normal interval or a settings change. Locking the window pauses it;
closing the window stops it (an upload in flight is aborted; the bundle stays in the outbox and
is sent again next time, which the hub recognises as a repeat).
"""

from __future__ import annotations

import logging
import re
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal, Slot

from app.db import Database
from app.rules.dates import CHINA_TZ
from app.rules.errors import AppError
from app.rules.network import Backoff
from app.services.settings import load as load_settings

if TYPE_CHECKING:  # the client (httpx, bundles, crypto) is loaded on the first round, not at start
    import httpx

    from app.sync.client import SyncReport

from .env import UiEnv
from .i18n import tr

log = logging.getLogger(__name__)

INTERVAL_MS = 120_000  # a quiet round (poll for 督办, anything missed) every two minutes
DEBOUNCE_MS = 5_000  # after a change: soon, but not on every keystroke of a busy clerk
FIRST_MS = 3_000  # after start-up or unlocking


@dataclass(frozen=True)
class NetState:
    """What the status bar shows about network sync."""

    configured: bool = False
    running: bool = False
    last_success: datetime | None = None
    last_error: str = ""
    next_try: datetime | None = None
    waiting_passphrase: bool = False
    sent_last: int = 0

    def text(self) -> str:
        if not self.configured:
            return ""
        if self.running:
            return tr("正在联网同步…")
        if self.waiting_passphrase:
            return tr("联网同步等待密钥库口令")
        if self.last_error:
            reason = re.split(r"[ ：，:（(]", self.last_error, maxsplit=1)[0][:16]
            text = tr("联网同步失败：{0}").format(reason) if reason else tr("联网同步失败")
            if self.last_success is not None:
                text += tr("（上次成功 {0}）").format(_hm(self.last_success))
            return text
        if self.last_success is not None:
            return tr("上次联网同步 {0}").format(_hm(self.last_success))
        return ""

    def tooltip(self) -> str:
        if not self.configured:
            return ""
        lines = []
        if self.last_success is not None:
            lines.append(tr("上次联网同步成功：{0}").format(_hm(self.last_success, full=True)))
        if self.waiting_passphrase:
            lines.append(tr("请在“同步”页进行一次操作并输入密钥库口令，之后自动继续"))
        if self.last_error:
            lines.append(tr("上次出错：{0}").format(self.last_error))
        if self.next_try is not None and not self.running:
            lines.append(tr("下次尝试：{0}").format(_hm(self.next_try, full=True)))
        return "\n".join(lines)


def _hm(moment: datetime, *, full: bool = False) -> str:
    return moment.astimezone(CHINA_TZ).strftime("%m-%d %H:%M" if full else "%H:%M")


class _Worker(QObject):
    """Lives on the sync thread; one round per request."""

    finished = Signal(object)  # SyncReport
    failed = Signal(str, bool)  # message, worth retrying soon

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self._transport: httpx.HTTPTransport | None = None

    @Slot(str)
    def run(self, url: str) -> None:
        import httpx

        from app.sync.client import sync_once
        from app.sync.errors import KeystoreError

        transport = httpx.HTTPTransport()
        self._transport = transport
        try:
            report = sync_once(self.db, url, transport=transport)
        except KeystoreError as exc:
            self.failed.emit(str(exc), False)
        except AppError as exc:
            self.failed.emit(str(exc), bool(getattr(exc, "retry", True)))
        except Exception as exc:  # keep the pusher alive; frames to the log, not the message
            log.error(
                "background sync round crashed: %s\n%s",
                type(exc).__name__,
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            self.failed.emit(tr("联网同步出错（程序内部错误），详细信息已记入日志"), True)
        else:
            self.finished.emit(report)
        finally:
            self._transport = None
            transport.close()

    def abort(self) -> None:
        """From the GUI thread: drop the connection of a round in flight."""
        transport = self._transport
        if transport is not None:
            transport.close()


class BackgroundSync(QObject):
    """Schedules rounds on the GUI thread; the rounds run on the worker thread."""

    changed = Signal()
    _request = Signal(str)

    def __init__(
        self,
        env: UiEnv,
        parent: QObject | None = None,
        *,
        interval_ms: int = INTERVAL_MS,
        debounce_ms: int = DEBOUNCE_MS,
        first_ms: int = FIRST_MS,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__(parent)
        self.env = env
        self.interval_ms = interval_ms
        self.debounce_ms = debounce_ms
        self.first_ms = first_ms
        self.backoff = backoff or Backoff(base=5.0, cap=900.0)
        self.url = ""
        self.state = NetState()
        self.rounds = 0
        self._paused = False
        self._stopped = False
        self._busy = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)
        # the thread and its worker exist from the first round on: no hub address, no thread
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self.reload_settings(schedule=False)

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        thread = QThread(self)
        thread.setObjectName("zongzhi-net-sync")
        worker = _Worker(self.env.db)
        worker.moveToThread(thread)
        self._request.connect(worker.run)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        thread.finished.connect(worker.deleteLater)  # deleted in its own thread, at the end
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)
        thread.start()
        self._thread, self._worker = thread, worker

    # --- control ------------------------------------------------------------------------
    def start(self) -> None:
        self._schedule(self.first_ms)

    def reload_settings(self, *, schedule: bool = True) -> None:
        """Read the hub address again (after 设置 was saved)."""
        with self.env.db.session() as s:
            url = load_settings(s).hub_url
        if url != self.url:
            self.url = url
            self.backoff.succeeded()
            self.state = NetState(configured=bool(url))
            if url:
                from app.sync.client import net_status

                ns = net_status(self.env.db)
                if ns.hub_url == url:
                    self.state = NetState(
                        configured=True,
                        last_success=ns.last_success_at,
                        last_error=ns.last_error if ns.failing else "",
                    )
            self.changed.emit()
        if schedule:
            self._schedule(self.first_ms if self.url else -1)

    def wake(self) -> None:
        """The ledger changed: push soon (debounced)."""
        if not self.url or self._paused or self._stopped:
            return
        if self.backoff.failures and self.state.last_error:
            return  # failing: the back-off decides, not every keystroke
        remaining = self._timer.remainingTime() if self._timer.isActive() else -1
        if remaining < 0 or remaining > self.debounce_ms:
            self._schedule(self.debounce_ms)

    def run_now(self) -> None:
        """立即同步 (the status bar button)."""
        self.backoff.succeeded()
        self._schedule(0)

    def pause(self) -> None:
        """Idle lock: no new rounds (one in flight finishes)."""
        self._paused = True
        self._timer.stop()

    def resume(self) -> None:
        self._paused = False
        self._schedule(self.first_ms)

    def stop(self, wait_ms: int = 10_000) -> None:
        """The window closes: no more rounds; a round in flight is aborted."""
        if self._stopped:
            return
        self._stopped = True
        self._timer.stop()
        thread, worker = self._thread, self._worker
        if thread is None or worker is None:
            return
        worker.abort()
        thread.quit()
        if not thread.wait(wait_ms):
            log.warning("background sync thread did not stop in time")

    @property
    def thread_running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    @property
    def busy(self) -> bool:
        return self._busy

    # --- scheduling -----------------------------------------------------------------------
    def _schedule(self, ms: int) -> None:
        if self._stopped or self._paused or not self.url or ms < 0:
            self._timer.stop()
            return
        self._timer.start(max(0, ms))
        self._set(next_try=datetime.now().astimezone() + timedelta(milliseconds=ms))

    def _set(self, **changes: object) -> None:
        fields = {**self.state.__dict__, **changes}
        self.state = NetState(**fields)
        self.changed.emit()

    def _tick(self) -> None:
        if self._busy or self._stopped or self._paused or not self.url:
            return
        from app.sync.keys import key_info
        from app.sync.keystore import needs_passphrase

        info = key_info(self.env.db)
        if info is not None and needs_passphrase(info.store, self.env.db.path):
            # the file keystore is locked and only the GUI thread may ask: wait for the clerk
            self._set(waiting_passphrase=True)
            self._schedule(self.interval_ms)
            return
        self._ensure_thread()
        self._busy = True
        self._set(running=True, waiting_passphrase=False)
        self._request.emit(self.url)

    @Slot(object)
    def _on_finished(self, report: SyncReport) -> None:
        self._busy = False
        self.rounds += 1
        if self._stopped:
            return
        self.backoff.succeeded()
        self._set(
            running=False,
            last_success=datetime.now().astimezone(),
            last_error="",
            sent_last=report.sent,
        )
        if report.pushes or report.downstream:
            from .workers import announce

            # pages showing sync state refresh; 督办 from the township shows on the dashboard
            announce("sync", "supervision") if report.downstream else announce("sync")
        self._schedule(self.interval_ms)

    @Slot(str, bool)
    def _on_failed(self, message: str, retry: bool) -> None:
        self._busy = False
        self.rounds += 1
        if self._stopped:
            return
        self._set(running=False, last_error=message)
        delay = self.backoff.failed() * 1000 if retry else self.interval_ms
        self._schedule(int(delay))
