"""The hub's port is its own: a second hub on the same port is refused in Chinese."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.rules.errors import AppError
from app.sync.hub import _bind, listen_options

ROOT = Path(__file__).resolve().parents[2]

FIRST_HUB = textwrap.dedent(
    """
    import sys
    from app.sync.hub import _bind
    sock = _bind("127.0.0.1", 0)
    print(sock.getsockname()[1], flush=True)
    sys.stdin.readline()
    """
)


def test_a_second_hub_on_the_same_port_is_refused() -> None:
    first = subprocess.Popen(
        [sys.executable, "-c", FIRST_HUB],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    try:
        assert first.stdout is not None
        port = int(first.stdout.readline())
        with pytest.raises(AppError) as err:
            _bind("127.0.0.1", port)
        assert str(err.value) == (
            f"无法在 127.0.0.1:{port} 上提供同步服务：端口 {port} "
            "已被另一个程序占用（可能是已在运行的同步服务），请先停止那个程序，或换一个端口（--port）"
        )
    finally:
        assert first.stdin is not None
        first.stdin.close()
        first.wait(timeout=20)
    # once the first hub is gone, the port is free again at once (TIME_WAIT does not block it)
    _bind("127.0.0.1", port).close()


def test_windows_gets_exclusive_use_and_never_reuseaddr() -> None:
    """On Windows SO_REUSEADDR would let a second hub bind the same port (the real call runs
    under Wine: scripts/wine_smoke.sh)."""
    win = listen_options("win32")
    assert [opt for _level, opt, _v in win] == [getattr(socket, "SO_EXCLUSIVEADDRUSE", -5)]
    assert all(opt != socket.SO_REUSEADDR for _level, opt, _v in win)
    assert listen_options("linux") == [(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)]


def test_a_bad_address_says_which_option_to_check() -> None:
    with pytest.raises(AppError, match="请检查监听地址（--host）和端口（--port）"):
        _bind("203.0.113.7", 0)  # TEST-NET-3: not an address of this machine
