"""The GUI side of network sync, offscreen: the background pusher (never blocking the window,
back-off when the hub is away, paused by the idle lock, stopped on close), the status bar
(pending count, last success, last error) and 设置 → 同步服务地址 with 测试连接."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from app.rules.network import Backoff
from app.services import settings as station_settings
from app.sync.status import sync_status
from app.ui.env import UiEnv
from app.ui.main_window import MainWindow
from app.ui.net_sync import BackgroundSync
from app.ui.pages.settings import SettingsPage
from tests.ui.conftest import _cjk_theme as _ui_theme  # noqa: F401  (autouse fixture)
from tests.ui.conftest import boxes as _ui_boxes  # noqa: F401  (fixture, used by name)
from tests.ui.conftest import operator_id, settle

from ..sync.helpers import add_dispute, add_visit
from .conftest import Node, RunningHub


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def shots() -> Path:
    out = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
    out.mkdir(parents=True, exist_ok=True)
    return out


def env_of(node: Node) -> UiEnv:
    return UiEnv(node.db, operator_id(node.db), clock=node.clock)


def set_hub(node: Node, url: str) -> None:
    st = station_settings.settings_of(node.ctx)
    st.hub_url = url
    station_settings.save(node.ctx, st)


def test_background_pusher_pushes_without_blocking(
    qtbot: Any, village: Node, township: Node, hub: RunningHub
) -> None:
    add_dispute(village.ctx, 1)
    set_hub(village, hub.url)
    pusher = BackgroundSync(env_of(village), interval_ms=60_000, debounce_ms=50, first_ms=10)
    try:
        pusher.start()
        # the GUI thread stays responsive while the round runs on the worker thread
        started = time.monotonic()
        qtbot.waitUntil(lambda: pusher.state.running or pusher.rounds > 0, timeout=5000)
        assert time.monotonic() - started < 5
        qtbot.waitUntil(lambda: pusher.rounds >= 1 and not pusher.busy, timeout=20_000)
        assert pusher.state.last_success is not None and not pusher.state.last_error
        assert sync_status(village.db).pending_up == 0
        assert township.rows(village.code) == village.rows(village.code)
        # a change wakes it (debounced) and it goes up on its own
        add_visit(village.ctx, 2)
        pusher.wake()
        qtbot.waitUntil(lambda: pusher.rounds >= 2 and not pusher.busy, timeout=20_000)
        assert township.rows(village.code) == village.rows(village.code)
        # idle lock: paused, no rounds; unlock: resumes
        pusher.pause()
        add_visit(village.ctx, 3)
        pusher.wake()
        qtbot.wait(300)
        assert pusher.rounds == 2
        pusher.resume()
        qtbot.waitUntil(lambda: pusher.rounds >= 3 and not pusher.busy, timeout=20_000)
        assert sync_status(village.db).pending_up == 0
    finally:
        pusher.stop()
    assert not pusher.thread_running


def test_back_off_while_the_hub_is_away_then_recovery(
    qtbot: Any, village: Node, township: Node, hub: RunningHub
) -> None:
    add_dispute(village.ctx, 1)
    set_hub(village, hub.url)
    hub.stop()
    pusher = BackgroundSync(
        env_of(village),
        interval_ms=60_000,
        debounce_ms=50,
        first_ms=10,
        backoff=Backoff(base=0.2, cap=0.8),
    )
    try:
        pusher.start()
        qtbot.waitUntil(lambda: pusher.rounds >= 3, timeout=20_000)
        assert "无法连接同步服务" in pusher.state.last_error
        assert pusher.backoff.failures >= 3
        assert "下次尝试" in pusher.state.tooltip()
        hub.restart()
        qtbot.waitUntil(lambda: not pusher.state.last_error, timeout=20_000)
        assert pusher.backoff.failures == 0
        assert sync_status(village.db).pending_up == 0
        assert township.rows(village.code) == village.rows(village.code)
    finally:
        pusher.stop()


def test_a_refusal_is_not_hammered(qtbot: Any, village: Node, township: Node) -> None:
    from .conftest import start_hub

    hub = start_hub(township)  # the village is not paired with it
    set_hub(village, hub.url)
    pusher = BackgroundSync(
        env_of(village), interval_ms=60_000, first_ms=10, backoff=Backoff(base=0.05, cap=0.1)
    )
    try:
        pusher.start()
        qtbot.waitUntil(lambda: pusher.rounds >= 1, timeout=20_000)
        qtbot.wait(500)
        assert pusher.rounds == 1  # waits for the interval, not the back-off
        assert "还没有与上级配对" in pusher.state.last_error
    finally:
        pusher.stop()
        hub.stop()


def test_status_bar_and_settings_test_button(
    qtbot: Any, village: Node, township: Node, hub: RunningHub, shots: Path
) -> None:
    add_dispute(village.ctx, 1)
    add_visit(village.ctx, 2)
    window = MainWindow(env_of(village))
    qtbot.addWidget(window)
    window.resize(1360, 860)
    window.show()
    settle(qtbot)
    assert not window.sync_now_button.isVisible()  # no hub address yet
    assert "条变更待上级确认" in window.sync_label.text()
    # 设置 → 同步服务地址 → 测试连接
    page = window.go("settings")
    assert isinstance(page, SettingsPage)
    settle(qtbot)
    page.hub_url.setText("127.0.0.1:1")
    page.hub_test.button.click()
    qtbot.waitUntil(page.hub_test.button.isEnabled, timeout=15_000)
    assert "无法连接同步服务" in page.hub_test.result.text()
    # a wrong address is refused on save, beside the field, and nothing is stored
    page.hub_url.setText("ftp://10.0.0.5")
    assert not page.save_settings()
    with village.db.session() as s:
        assert station_settings.load(s).hub_url == ""
    page.hub_url.setText(hub.url)
    page.hub_test.button.click()
    qtbot.waitUntil(lambda: "连接成功" in page.hub_test.result.text(), timeout=15_000)
    assert f"东风镇综治中心（{township.code}）" in page.hub_test.result.text()
    page.grab().save(str(shots / "net_settings_test_connection.png"))
    window.net_sync.first_ms = 10
    assert page.save_settings()
    settle(qtbot)
    # the pusher picked the address up and pushed; the status bar says so
    qtbot.waitUntil(
        lambda: window.net_sync.rounds >= 1 and not window.net_sync.busy, timeout=20_000
    )
    window.refresh_sync_status()
    settle(qtbot)
    qtbot.waitUntil(lambda: "上次联网同步" in window.sync_label.text(), timeout=10_000)
    assert "已全部同步" in window.sync_label.text()
    assert window.sync_now_button.isVisible()
    assert "上次联网同步成功" in window.sync_label.toolTip()
    window.grab().save(str(shots / "net_status_bar_ok.png"))
    # the hub goes away: the next round's error shows in red, with the full reason as tooltip
    hub.stop()
    add_visit(village.ctx, 3)
    window.refresh_sync_status()
    window.sync_now_button.click()
    qtbot.waitUntil(lambda: "联网同步失败" in window.sync_label.text(), timeout=20_000)
    settle(qtbot)
    qtbot.waitUntil(lambda: "条变更待上级确认" in window.sync_label.text(), timeout=10_000)
    assert "无法连接同步服务" in window.sync_label.toolTip()
    window.statusBar().grab().save(str(shots / "net_status_bar_error.png"))
    # locking pauses it; closing stops the worker thread
    window.lock()
    assert window.net_sync._paused
    window.unlock()
    window.close()
    assert not window.net_sync.thread_running
    QApplication.processEvents()
