"""Console output to a pipe or a file: UTF-8, never a UnicodeEncodeError.

A frozen Windows program writing into a pipe uses the ANSI code page (936 for Chinese
Windows) and ignores PYTHONIOENCODING; here the same code page is forced on a real process with
PYTHONIOENCODING=cp936, which is what the program finds on such a machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import VILLAGE, make_station_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ledger(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = make_station_db(tmp_path / "l.sqlite3", VILLAGE, tmp_path_factory)
    db.close()
    return db.path


def _run(ledger: Path, *args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "app", "--db", str(ledger), *args],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_the_code_page_alone_cannot_write_these_characters() -> None:
    r = subprocess.run(
        [sys.executable, "-c", "print('✓ 刘䶮')"],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "cp936"},
        check=False,
    )
    assert r.returncode == 1 and b"UnicodeEncodeError" in r.stderr


def test_a_pipe_gets_utf8(ledger: Path) -> None:
    r = _run(
        ledger,
        "register", "add", "work_log", "--field", "日期=2026-03-10", "--field", "记录人=刘䶮",
        "--field", "工作类别=走访群众", "--field", "工作内容=走访三组困难户5户",
        PYTHONIOENCODING="cp936",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")
    r = _run(ledger, "register", "list", "work_log", "--json", PYTHONIOENCODING="cp936")
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")
    assert "刘䶮" in r.stdout.decode("utf-8")
    r = _run(ledger, "check", PYTHONIOENCODING="cp936")
    assert r.returncode == 0
    assert "✓" in r.stdout.decode("utf-8")
    r = _run(ledger, "stat", PYTHONIOENCODING="cp936")  # errors (stderr) too
    assert r.stderr.decode("utf-8").startswith("错误：没有“stat”这个命令")


def test_the_old_code_page_on_request(ledger: Path) -> None:
    r = _run(ledger, "check", PYTHONIOENCODING="cp936", ZONGZHI_CONSOLE_ENCODING="gbk")
    assert r.returncode == 0
    text = r.stdout.decode("gbk")  # valid GBK throughout
    assert "数据库文件完整性" in text and "✓" not in text and "?" in text
