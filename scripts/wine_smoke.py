"""Windows behaviour of everything but the GUI, run under Wine by ``scripts/wine_smoke.sh`` with
the embeddable CPython for Windows and the project's win_amd64 wheels.

Checks the real Windows calls that cannot run on Linux: LockFileEx/UnlockFileEx (the ledger
lock, across two Windows processes), GetDriveTypeW, SO_EXCLUSIVEADDRUSE, the ANSI code page of
a pipe (936 under a Chinese locale), file replacement while another process has the ledger
open (WinError 32 before), the OS keychain or its file fallback, reserved file names.
Prints one line per check; exit code 1 when any failed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from app.__main__ import configure_console
from app.services.stations import StationInput

configure_console()  # this script's own output goes to a pipe too

RESULTS: list[tuple[str, bool, str]] = []
WORK = Path(tempfile.mkdtemp(prefix="zz-wine-"))


def check(name: str) -> Callable[[Callable[[], str]], Callable[[], str]]:
    def wrap(fn: Callable[[], str]) -> Callable[[], str]:
        started = time.perf_counter()
        try:
            detail = fn()
            RESULTS.append((name, True, f"{detail} ({time.perf_counter() - started:.1f}s)"))
        except Exception as exc:  # a failed check is reported, the others still run
            tb = traceback.format_exc(limit=4).strip().splitlines()
            RESULTS.append((name, False, f"{type(exc).__name__}: {exc} | {' / '.join(tb[-3:])}"))
        print(("PASS " if RESULTS[-1][1] else "FAIL ") + name + ": " + RESULTS[-1][2], flush=True)
        return fn

    return wrap


def station() -> StationInput:
    return StationInput(
        code="110105001001",
        name="柳树村综治中心",
        level="village",
        parent_code="110105001000",
        short_name="柳树",
        admin_username="admin",
        admin_password="admin123",
    )


def new_ledger(folder: Path, name: str = "台账.sqlite3") -> Path:
    from app.db import open_database
    from app.services.stations import init_station

    folder.mkdir(parents=True, exist_ok=True)
    db = open_database(folder / name)
    init_station(db, station())
    db.close()
    return folder / name


def child(code: str, *args: str, stdin: bool = False) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@check("platform")
def _platform() -> str:
    import locale

    assert sys.platform == "win32", sys.platform
    return f"{sys.version.split()[0]} win32, ANSI code page {locale.getpreferredencoding()}"


@check("paths with %25, #, spaces, Chinese")
def _paths() -> str:
    from app.db import integrity_check, open_database, readonly_uri
    from app.services.backup import backup_now, restore

    folder = WORK / "完成率100%25 a#b 台账"
    ledger = new_ledger(folder)
    uri = readonly_uri(ledger)
    assert uri.startswith("file:///") and ":/" in uri and "%2525" in uri, uri
    db = open_database(ledger)
    backup = backup_now(db, reason="manual")
    db.close()
    assert integrity_check(backup) == []
    restore(ledger, backup)
    assert sorted(p.name for p in WORK.iterdir()) == [folder.name]
    return uri


HOLDER = """
import sys
from pathlib import Path
from app.db import open_database
db = open_database(Path(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()
from app.services.settings import set_value
with db.transaction() as s:
    set_value(s, "wine_marker", "second process")
db.close()
print("written", flush=True)
"""


@check("ledger lock (LockFileEx) and restore while another process has the ledger open")
def _lock() -> str:
    from app.db import open_database
    from app.locking import LedgerBusy, held_slots
    from app.services.backup import backup_now, list_backups, restore
    from app.services.settings import get_value

    ledger = new_ledger(WORK / "lock")
    db = open_database(ledger)
    backup_now(db, reason="manual")
    db.close()
    backup = list_backups(ledger)[0].path
    holder = child(HOLDER, str(ledger), stdin=True)
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == b"ready"
    before = digest(ledger)
    try:
        restore(ledger, backup)
        raise AssertionError("restore went through while another process had the ledger open")
    except LedgerBusy as exc:
        refusal = str(exc)
    assert "不能恢复备份" in refusal, refusal
    assert not ledger.with_name(ledger.name + ".restoring").exists()
    assert digest(ledger) == before and held_slots(ledger) == {}
    # another process's shared hold does not stop this one from opening the ledger
    db = open_database(ledger)
    db.close()
    holder.stdin.write(b"go\n")
    holder.stdin.flush()
    assert holder.stdout.readline().strip() == b"written"
    holder.wait(30)
    db = open_database(ledger)
    with db.session() as s:
        assert get_value(s, "wine_marker", "") == "second process"
    db.close()
    restore(ledger, backup)  # alone now: the replace works (no WinError 32)
    return "refused while held, nothing changed; the other process's write kept; restore after"


IMPORTER = """
import sys, time
from pathlib import Path
from app.locking import hold_import
hold = hold_import(Path(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()
"""


@check("one import at a time across processes")
def _imports() -> str:
    from app.locking import LedgerBusy, hold_import

    ledger = new_ledger(WORK / "import")
    p = child(IMPORTER, str(ledger), stdin=True)
    assert p.stdout is not None and p.stdin is not None
    assert p.stdout.readline().strip() == b"ready"
    try:
        hold_import(ledger)
        raise AssertionError("a second import was let in")
    except LedgerBusy:
        pass
    p.stdin.write(b"\n")
    p.stdin.flush()
    p.wait(30)
    with hold_import(ledger, wait=5):
        pass
    return "refused while the other process imports; free once it ends"


def zongzhi(ledger: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """The command line as a script runs it: logged in through the environment (README 登录)."""
    env = {**os.environ, "ZONGZHI_OPERATOR": "admin", "ZONGZHI_PASSWORD": "admin123"}
    return subprocess.run(
        [sys.executable, "-m", "app", "--db", str(ledger), *args],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=300,
        check=False,
    )


@check("console output to a pipe is UTF-8 (code page 936 cannot encode ✓ or 䶮)")
def _console() -> str:
    ledger = new_ledger(WORK / "console")
    r = zongzhi(ledger, "register", "add", "work_log", "--field", "日期=2026-03-10",
                "--field", "记录人=刘䶮", "--field", "工作类别=走访群众",
                "--field", "工作内容=走访三组困难户5户")  # fmt: skip
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")
    assert "记录人：刘䶮" in r.stdout.decode("utf-8")
    r = zongzhi(ledger, "check")
    assert r.returncode == 0 and "✓" in r.stdout.decode("utf-8"), r.stderr
    return "register add and check decode as UTF-8 with 䶮 and ✓"


@check("an unknown command is a Chinese error, never the GUI")
def _unknown() -> str:
    r = zongzhi(WORK / "none.sqlite3", "stat")
    text = r.stderr.decode("utf-8")
    assert r.returncode == 2 and text.startswith("错误：没有“stat”这个命令"), text
    assert not (WORK / "none.sqlite3").exists()
    return text.strip()[:40] + "…"


@check("keychain or its file fallback")
def _keys() -> str:
    from app.db import open_database
    from app.sync.keys import ensure_station_keys, load_station_keys
    from app.sync.keystore import keychain_available, preferred_store

    os.environ.setdefault("ZONGZHI_KEYSTORE_PASSPHRASE", "wine-smoke-passphrase")
    ledger = new_ledger(WORK / "keys")
    store = preferred_store(ledger)
    db = open_database(ledger)
    try:
        info = ensure_station_keys(db)
        keys = load_station_keys(db)
        assert keys.info.fingerprint == info.fingerprint
    finally:
        db.close()
    import keyring

    return f"store={store.kind}, keychain_available={keychain_available()}, keyring={keyring.get_keyring().__class__.__name__}"


@check("hub port: exclusive use (SO_EXCLUSIVEADDRUSE), a second hub refused in Chinese")
def _hub() -> str:
    from app.rules.errors import AppError
    from app.sync.hub import _bind, listen_options

    opts = listen_options(sys.platform)
    assert opts and opts[0][1] == socket.SO_EXCLUSIVEADDRUSE  # type: ignore[attr-defined]
    first = _bind("127.0.0.1", 0)
    port = first.getsockname()[1]
    try:
        try:
            _bind("127.0.0.1", port).close()
            raise AssertionError("a second hub bound the same port")
        except AppError as exc:
            message = str(exc)
        assert "已被另一个程序" in message, message
        thief = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        thief.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            thief.bind(("127.0.0.1", port))
            stolen = True
        except OSError:
            stolen = False
        finally:
            thief.close()
        assert not stolen, "a socket with SO_REUSEADDR took over the hub's port"
    finally:
        first.close()
    return message


@check("drives: GetDriveTypeW, UNC and network shares, USB sticks only")
def _drives() -> str:
    from app.machine import DRIVE_FIXED, drive_type, is_network_path, is_removable_volume

    kinds = {d: drive_type(f"{d}:\\") for d in "CZ"}
    assert kinds["C"] == DRIVE_FIXED, kinds
    assert not is_network_path(WORK / "x.sqlite3")
    assert is_network_path(Path("\\\\10.0.0.5\\zz\\台账.sqlite3"))
    assert not is_removable_volume("C:\\")
    return f"GetDriveTypeW {kinds}; C: is not a stick; UNC is a network path"


WRITER = """
import logging, sys
from pathlib import Path
from app.logs import setup_logging
print(setup_logging(Path(sys.argv[1])))
for i in range(50):
    logging.getLogger("app.wine").info("line %d", i)
"""


@check("one log file per process (nothing renamed while another holds it)")
def _logs() -> str:
    folder = WORK / "logs"
    procs = [child(WRITER, str(folder)) for _ in range(2)]
    paths = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode("utf-8", "replace")
        paths.append(Path(out.decode().strip()))
    assert len(set(paths)) == 2 and all(len(p.read_text("utf-8").splitlines()) == 50 for p in paths)
    return ", ".join(p.name for p in paths)


@check("safe file names: CON, trailing dots, reserved characters")
def _names() -> str:
    from app.rules.filenames import safe_file_name

    folder = WORK / "names"
    folder.mkdir()
    made = []
    for text in ("CON", "柳树村/杨庄村:联合综治中心.", "nul.台账", "LPT1", "问?答*"):
        name = safe_file_name(text, ".zzc")
        (folder / name).write_text("x", encoding="utf-8")
        made.append(name)
    assert sorted(p.name for p in folder.iterdir()) == sorted(made), list(folder.iterdir())
    return " ".join(made)


@check("station card written under a safe name")
def _card() -> str:
    from app.db import open_database
    from app.services.context import open_ctx
    from app.sync.cards import export_card

    os.environ.setdefault("ZONGZHI_KEYSTORE_PASSPHRASE", "wine-smoke-passphrase")
    from app.services.stations import init_station

    folder = WORK / "card"
    folder.mkdir()
    db = open_database(folder / "l.sqlite3")
    init_station(db, dataclasses.replace(station(), name="CON"))
    try:
        ctx = open_ctx(db, None)
        out, _fp = export_card(ctx, folder)
        ctx.close()
    finally:
        db.close()
    assert out.exists() and out.name == "工作站卡片_110105001001_CON.zzc", out
    return out.name


if __name__ == "__main__":
    failed = [name for name, ok, _ in RESULTS if not ok]
    print(f"{len(RESULTS) - len(failed)}/{len(RESULTS)} checks passed", flush=True)
    sys.exit(1 if failed else 0)
