"""``zongzhi sync`` and ``zongzhi serve`` (in-process CLI against a real hub on 127.0.0.1)."""

from __future__ import annotations

import json
import socket

import pytest

from app.cli import main
from app.services import settings as station_settings

from ..sync.helpers import add_dispute, add_visit
from .conftest import Node, RunningHub


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def backend() -> str:
    return "sqlite"


def test_sync_once_from_the_command_line(
    village: Node, township: Node, hub: RunningHub, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(village.db.path)
    code, _, err = run(capsys, "--db", db, "sync")
    assert code == 1 and "尚未设置同步服务地址" in err
    code, out, _ = run(capsys, "--db", db, "sync", "--test", "--hub", hub.url)
    assert code == 0 and f"是东风镇综治中心（{township.code}）的同步服务" in out
    add_dispute(village.ctx, 1)
    add_visit(village.ctx, 2)
    code, out, err = run(capsys, "--db", db, "sync", "--hub", hub.url)
    assert code == 0, err
    assert "同步完成：已上传" in out and "上级已确认" in out
    assert township.rows(village.code) == village.rows(village.code)
    code, out, _ = run(capsys, "--db", db, "sync", "--hub", hub.url, "--json")
    data = json.loads(out)
    assert code == 0 and data["pushes"] == [] and data["hub_code"] == township.code
    # the configured address is the default
    st = station_settings.settings_of(village.ctx)
    st.hub_url = hub.url
    station_settings.save(village.ctx, st)
    code, out, _ = run(capsys, "--db", db, "sync", "--status")
    assert code == 0 and hub.url in out and "已全部同步" in out and "上次联网同步成功" in out
    # the hub goes away: a temporary failure (exit 75) the status remembers
    hub.stop()
    add_visit(village.ctx, 3)
    code, _, err = run(capsys, "--db", db, "sync")
    assert code == 75 and "无法连接同步服务" in err
    code, out, _ = run(capsys, "--db", db, "sync", "--status", "--json")
    status = json.loads(out)
    assert status["pending"] > 0 and "无法连接同步服务" in status["last_error"]
    hub.restart()
    code, out, _ = run(capsys, "--db", db, "sync")
    assert code == 0 and "已上传" in out
    assert township.rows(village.code) == village.rows(village.code)


def test_sync_refusals_are_not_retried(
    village: Node, township: Node, capsys: pytest.CaptureFixture[str]
) -> None:
    from .conftest import start_hub

    hub = start_hub(township)  # running, but the village is not paired with it
    try:
        code, _, err = run(capsys, "--db", str(village.db.path), "sync", "--hub", hub.url)
        assert code == 1 and "还没有与上级配对" in err
        code, _, err = run(capsys, "--db", str(village.db.path), "sync", "--hub", "ftp://x")
        assert code == 1 and "只支持 http://" in err
    finally:
        hub.stop()


def test_serve_refuses_bad_options_and_busy_ports(
    township: Node, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(township.db.path)
    code, _, err = run(capsys, "--db", db, "serve", "--max-body-mb", "0")
    assert code == 1 and "--max-body-mb" in err
    code, _, err = run(capsys, "--db", db, "serve", "--certfile", "x.pem")
    assert code == 1 and "须同时指定" in err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = run(capsys, "--db", db, "serve", "--port", str(port))
    assert code == 1 and "已被另一个程序占用" in err and "--port" in err
