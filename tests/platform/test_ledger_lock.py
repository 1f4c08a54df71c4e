"""One process per ledger: the ledger lock (app/locking.py) with two real processes.

A second process holds the ledger the way the app does (``open_database``, or the lock slot
directly for an older program that would not migrate); the first runs the real ``zongzhi``
command line. Each refusal is checked to have changed nothing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.db import open_database
from app.locking import LedgerBusy, held_slots, hold_import, hold_open, hold_whole, lock_path_for
from app.services.backup import backup_now, list_backups
from app.services.settings import get_value
from tests.conftest import VILLAGE, make_station_db
from tests.ledger_helpers import ledger_snapshot

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "excel" / "fixtures" / "legacy_ledger_sample.xlsx"
FIXTURE_V2 = ROOT / "tests" / "fixtures" / "schema" / "v0002.sqlite3"

# The other process. It opens the ledger (``open``), or takes one lock slot (``use``: an older
# program holding the ledger open; ``whole``: a restore under way; ``import``), says "ready",
# then obeys lines on stdin: ``write`` stores a setting through the ORM, ``quit`` ends.
HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from app import locking
    mode, path = sys.argv[1], Path(sys.argv[2])
    db = None
    if mode == "open":
        from app.db import open_database
        db = open_database(path)
    elif mode == "use":
        hold = locking.hold_open(path)
    elif mode == "whole":
        hold = locking.hold_whole(path, "测试")
    elif mode == "import":
        hold = locking.hold_import(path)
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "write":
            from app.services.settings import set_value
            with db.transaction() as s:
                set_value(s, "lock_test_marker", "第二个进程写入")
            print("written", flush=True)
        elif line.strip() == "quit":
            break
    if db is not None:
        db.close()
    """
)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(ROOT)}


class Holder:
    def __init__(self, mode: str, path: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, mode, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=_env(),
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "ready"

    def send(self, line: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def quit(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=20)


@pytest.fixture
def holders() -> Iterator[list[Holder]]:
    started: list[Holder] = []
    yield started
    for h in started:
        h.quit()
        if h.proc.poll() is None:
            h.proc.kill()


def zongzhi(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def ledger(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A village ledger on disk with one backup, closed (no lock held by this process)."""
    db = make_station_db(tmp_path / "柳树村 台账.sqlite3", VILLAGE, tmp_path_factory)
    backup_now(db, reason="manual")
    db.close()
    assert held_slots(db.path) == {}
    return db.path


def test_restore_is_refused_while_another_process_has_the_ledger_open(
    ledger: Path, holders: list[Holder]
) -> None:
    backup = list_backups(ledger)[0].path
    holders.append(holder := Holder("open", ledger))
    before_snapshot, before_backups = ledger_snapshot(ledger), list_backups(ledger)
    r = zongzhi(ledger, "restore", str(backup), "--yes")
    assert r.returncode == 1
    assert r.stderr.startswith(
        "错误：不能恢复备份：台账 柳树村 台账.sqlite3 正被另一个综治工作站程序使用"
    )
    assert "台账未作任何改动" in r.stderr and r.stderr.count("\n") == 1
    # nothing changed: no staging file, no pre-restore backup, the same rows
    assert not ledger.with_suffix(".sqlite3.restoring").exists()
    assert list_backups(ledger) == before_backups
    assert ledger_snapshot(ledger) == before_snapshot
    # the other process goes on writing into the real ledger, and nothing of it is lost
    assert holder.send("write") == "written"
    holder.quit()
    db = open_database(ledger)
    with db.session() as s:
        assert get_value(s, "lock_test_marker", "") == "第二个进程写入"
    db.close()
    # once the other process has closed it, the same restore goes through
    r = zongzhi(ledger, "restore", str(backup), "--yes")
    assert r.returncode == 0, r.stderr
    db = open_database(ledger)
    with db.session() as s:
        assert get_value(s, "lock_test_marker", "") == ""  # the backup predates the write
    db.close()


def test_restore_refused_in_process_names_the_action(ledger: Path, holders: list[Holder]) -> None:
    """The service itself (as the GUI calls it after closing its own connection) refuses."""
    from app.services.backup import restore

    holders.append(Holder("use", ledger))
    before = digest(ledger)
    with pytest.raises(LedgerBusy, match="不能恢复备份"):
        restore(ledger, list_backups(ledger)[0].path)
    assert digest(ledger) == before
    assert held_slots(ledger) == {}  # the refusal let go of everything it took


def test_migration_is_refused_while_an_older_program_has_the_ledger_open(
    tmp_path: Path, holders: list[Holder]
) -> None:
    old = tmp_path / "旧台账.sqlite3"
    shutil.copyfile(FIXTURE_V2, old)
    holders.append(holder := Holder("use", old))  # e.g. last version's window, still open
    before = digest(old)
    r = zongzhi(old, "stats")
    assert r.returncode == 1
    assert "不能升级台账数据结构" in r.stderr and "台账未作任何改动" in r.stderr
    assert digest(old) == before
    assert not (tmp_path / "backups").exists()  # not even the pre-migration copy
    holder.quit()
    r = zongzhi(old, "stats")
    assert r.returncode == 0, r.stderr
    assert list((tmp_path / "backups").glob("*before-migration*"))


def test_imports_are_one_at_a_time_across_processes(ledger: Path, holders: list[Holder]) -> None:
    holders.append(holder := Holder("import", ledger))
    before = ledger_snapshot(ledger)
    r = zongzhi(ledger, "excel", "import", str(SAMPLE), "--ledger", "disputes")
    assert r.returncode == 1
    assert r.stderr.startswith("错误：另一个综治工作站程序正在向台账")
    assert "本次导入未执行、台账未改动" in r.stderr
    bogus = ledger.parent / "同步包.zzb"
    bogus.write_bytes(b"PK\x05\x06" + bytes(18))
    r = zongzhi(ledger, "bundle", "import", str(bogus))
    assert r.returncode == 1 and "另一个综治工作站程序正在向台账" in r.stderr
    assert ledger_snapshot(ledger) == before
    assert not list((ledger.parent / "backups").glob("*pre-import*"))
    # a rehearsal writes nothing and may run beside another import
    r = zongzhi(ledger, "excel", "import", str(SAMPLE), "--ledger", "disputes", "--dry-run")
    assert r.returncode == 0, r.stderr
    holder.quit()
    r = zongzhi(ledger, "excel", "import", str(SAMPLE), "--ledger", "disputes")
    assert r.returncode == 0, r.stderr
    assert ledger_snapshot(ledger) != before


def test_everyday_commands_run_beside_an_open_ledger(ledger: Path, holders: list[Holder]) -> None:
    """A township officer's scripts (statistics, checks, exports, new records) keep working
    while the desktop window or the hub has the ledger open."""
    holders.append(Holder("open", ledger))
    for args in (
        ("stats", "--json"),
        ("check",),
        ("register", "add", "work_log", "--field", "日期=2026-03-10", "--field", "记录人=王芳",
         "--field", "工作类别=走访群众", "--field", "工作内容=走访三组困难户5户"),
        ("excel", "export", "--ledger", "disputes", "--out", str(ledger.parent / "纠纷台账.xlsx")),
        ("backup",),
    ):  # fmt: skip
        r = zongzhi(ledger, *args)
        assert r.returncode == 0, (args, r.stderr)


def test_opening_waits_for_a_restore_then_refuses(ledger: Path, holders: list[Holder]) -> None:
    holders.append(holder := Holder("whole", ledger))
    started = time.monotonic()
    with pytest.raises(LedgerBusy, match="正在被另一个程序恢复备份或升级数据结构"):
        hold_open(ledger, wait=0.5)
    assert time.monotonic() - started >= 0.5
    holder.quit()
    with hold_open(ledger, wait=0.5):
        assert held_slots(ledger) == {"USE": "sh"}
    assert held_slots(ledger) == {}


def test_slots_nest_within_one_process(ledger: Path, holders: list[Holder]) -> None:
    """A process never conflicts with itself: the GUI's own import, a restore that reopens the
    ledger; the lock file keeps one descriptor per process (POSIX drops every lock of a process
    when any descriptor of the file is closed)."""
    db = open_database(ledger)
    second = open_database(ledger)
    with hold_whole(ledger, "测试"):  # upgrade while this process holds it shared twice
        assert held_slots(ledger)["USE"] == "ex"
        with hold_import(ledger):
            assert held_slots(ledger) == {"USE": "ex", "IMPORT": "ex"}
    assert held_slots(ledger) == {"USE": "sh"}
    second.close()
    assert held_slots(ledger) == {"USE": "sh"}  # still held for the first connection
    # another process cannot take the whole ledger while this one has it open
    probe = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; from app import locking;"
         "print(locking.try_acquire(locking.lock_path_for(Path(sys.argv[1])), locking.USE,"
         " exclusive=True) is None)", str(ledger)],
        capture_output=True, text=True, env=_env(), cwd=ROOT, check=True,
    )  # fmt: skip
    assert probe.stdout.strip() == "True"
    db.close()
    db.close()  # idempotent
    assert held_slots(ledger) == {}
    assert lock_path_for(ledger).exists()  # never deleted (that would race with a locker)
