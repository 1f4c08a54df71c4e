"""One window per ledger: the real desktop program, twice, on one ledger (offscreen Qt)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.locking import hold_window
from app.services.backup import backup_now, list_backups
from tests.conftest import VILLAGE, make_station_db
from tests.ledger_helpers import ledger_snapshot

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(ROOT),
    }


def _log_text(folder: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("logs/*.log*")))


def _wait_for(predicate: object, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def first_window(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    db = make_station_db(tmp_path / "村台账.sqlite3", VILLAGE, tmp_path_factory)
    backup_now(db, reason="manual")
    db.close()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "--db", str(db.path)],
        env=_env(),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert _wait_for(lambda: "ledger opened" in _log_text(tmp_path)), "first window"
        time.sleep(1.0)  # the login dialog's event loop is running
        yield db.path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_a_second_launch_brings_the_first_window_forward(first_window: Path) -> None:
    assert hold_window(first_window) is None  # the first window has the ledger
    started = time.monotonic()
    second = subprocess.run(
        [sys.executable, "-m", "app", "--db", str(first_window)],
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert second.returncode == 0, second.stderr
    assert time.monotonic() - started < 30  # it did not stay open with a window of its own
    assert _wait_for(
        lambda: (
            "a second launch on this ledger: bringing the window forward"
            in _log_text(first_window.parent)
        ),
        timeout=10,
    )
    log = _log_text(first_window.parent)
    assert log.count("ledger opened") == 1  # the second launch never opened the ledger


def test_restore_from_the_command_line_is_refused_while_the_window_is_open(
    first_window: Path,
) -> None:
    before, backups = ledger_snapshot(first_window), list_backups(first_window)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "--db",
            str(first_window),
            "restore",
            str(backups[0].path),
            "--yes",
        ],
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 1
    assert "不能恢复备份" in r.stderr and "台账未作任何改动" in r.stderr
    assert ledger_snapshot(first_window) == before
    assert list_backups(first_window) == backups
    assert not first_window.with_name(first_window.name + ".restoring").exists()
