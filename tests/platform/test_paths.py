"""Ledger paths that are file names, not URL syntax: ``%25``, spaces, Chinese, ``#``, ``?``.

Before: ``sqlite:///{path}`` and ``file:{path}?mode=ro`` read ``%25`` as an escaped ``%`` and
``#``/``?`` as the start of a fragment/query, so such a ledger opened another file or none.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.db import integrity_check, open_database, readonly_uri
from app.services.backup import backup_now, list_backups, restore
from tests.conftest import VILLAGE, make_station_db

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ["完成率100%25", "a b#1", "问?答", "%E4%B8%AD", "村 台账 (2026)"]


@pytest.mark.parametrize("folder", FOLDERS)
def test_open_backup_check_restore(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, folder: str
) -> None:
    where = tmp_path / folder
    where.mkdir()
    db = make_station_db(where / f"{folder}.sqlite3", VILLAGE, tmp_path_factory)
    try:
        assert Path(str(db.engine.url.database)) == db.path
        backup = backup_now(db, reason="manual")
    finally:
        db.close()
    assert sorted(p.name for p in where.iterdir()) == sorted(
        [
            f"{folder}.sqlite3",
            f"{folder}.sqlite3-shm",
            f"{folder}.sqlite3-wal",
            f"{folder}.sqlite3.lock",
            "backups",
        ]
    ) or sorted(p.name for p in where.iterdir()) == sorted(
        [f"{folder}.sqlite3", f"{folder}.sqlite3.lock", "backups"]
    )
    assert integrity_check(db.path) == [] and integrity_check(backup) == []
    assert list_backups(db.path)[0].path == backup
    assert restore(db.path, backup) >= 1
    # nothing was created outside the folder (a truncated URL would have made "a b" or "问")
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder]


def test_readonly_uri_round_trips() -> None:
    import sqlite3

    for name in FOLDERS:
        uri = readonly_uri(Path("/tmp") / name / "x.sqlite3")
        assert uri.startswith("file:/tmp/") and uri.endswith("/x.sqlite3?mode=ro")
        assert "#" not in uri and uri.count("?") == 1
    with pytest.raises(sqlite3.OperationalError):  # read-only really is read-only
        con = sqlite3.connect(readonly_uri(Path("/nonexistent/问?.sqlite3")), uri=True)
        con.execute("select 1")


def test_the_command_line_in_such_a_folder(tmp_path: Path) -> None:
    where = tmp_path / "乡镇 100%25 #2"
    where.mkdir()
    ledger = where / "台账?.sqlite3"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ZONGZHI_ADMIN_PASSWORD": "Admin-12345",
        "ZONGZHI_OPERATOR": "admin",
        "ZONGZHI_PASSWORD": "Admin-12345",
    }

    def zz(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", "--db", str(ledger), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
            check=False,
        )

    r = zz(
        "init",
        "--station-code",
        VILLAGE.code,
        "--station-name",
        VILLAGE.name,
        "--level",
        "village",
        "--parent-code",
        VILLAGE.parent_code or "",
    )
    assert r.returncode == 0, r.stderr
    r = zz("check")
    assert r.returncode == 0, r.stderr
    r = zz("backup", "--json")
    assert r.returncode == 0, r.stderr
    db = open_database(ledger, create=False)
    assert db.path == ledger
    db.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [where.name]
