"""The ledger lock: which processes may use a ledger file at the same time.

A ledger ``台账.sqlite3`` has a lock file ``台账.sqlite3.lock`` beside it. Processes take OS
byte-range locks on it (``fcntl`` on Linux/macOS, ``LockFileEx`` on Windows; the OS drops them
when a process ends, however it ends, so a crash never leaves a stale lock). The file itself is
never deleted (deleting a lock file races with a process about to lock it).

Three independent slots:

- ``USE`` — every process with the ledger open holds it *shared* (:func:`app.db.open_database`
  until :meth:`app.db.Database.close`). Restoring a backup and migrating the schema hold it
  *exclusively*: they replace the file or change its tables under anyone reading it, so they are
  refused while any other process has the ledger open.
- ``WINDOW`` — the desktop program holds it exclusively: one window per ledger; a second launch
  brings the first window forward instead (``app/ui/single_instance.py``).
- ``IMPORT`` — bundle and Excel imports (and the hub while it applies an upload) hold it
  exclusively: one import at a time across processes, so two importers never interleave their
  sequence checks. Everything else (statistics, printing, exports, new records from a script)
  runs beside an open window: SQLite's own locking serialises their writes.

Within one process the slots are counted (a process never conflicts with itself; on POSIX,
closing a second descriptor of the lock file would silently drop every lock the process holds,
so there is exactly one descriptor per ledger per process).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app.rules.errors import AppError

USE, WINDOW, IMPORT = 0, 1, 2
_SLOT_NAMES = {USE: "USE", WINDOW: "WINDOW", IMPORT: "IMPORT"}


class LedgerBusy(AppError):
    """Another process holds the ledger in a way that conflicts with what was asked."""


def lock_path_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


# --- the OS calls ----------------------------------------------------------------------------

if sys.platform == "win32":  # pragma: no cover - exercised under Wine (scripts/wine_smoke.sh)
    import ctypes
    import msvcrt
    from ctypes import wintypes

    class _OVERLAPPED(ctypes.Structure):
        _fields_ = [
            ("Internal", ctypes.c_void_p),
            ("InternalHigh", ctypes.c_void_p),
            ("Offset", wintypes.DWORD),
            ("OffsetHigh", wintypes.DWORD),
            ("hEvent", wintypes.HANDLE),
        ]

    _kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    _LockFileEx = _kernel32.LockFileEx
    _LockFileEx.argtypes = [
        wintypes.HANDLE,
        wintypes.DWORD,
        wintypes.DWORD,
        wintypes.DWORD,
        wintypes.DWORD,
        ctypes.POINTER(_OVERLAPPED),
    ]
    _LockFileEx.restype = wintypes.BOOL
    _UnlockFileEx = _kernel32.UnlockFileEx
    _UnlockFileEx.argtypes = [
        wintypes.HANDLE,
        wintypes.DWORD,
        wintypes.DWORD,
        wintypes.DWORD,
        ctypes.POINTER(_OVERLAPPED),
    ]
    _UnlockFileEx.restype = wintypes.BOOL
    _LOCKFILE_FAIL_IMMEDIATELY = 0x1
    _LOCKFILE_EXCLUSIVE_LOCK = 0x2

    def _os_lock(fd: int, slot: int, exclusive: bool) -> bool:
        handle = msvcrt.get_osfhandle(fd)
        ov = _OVERLAPPED(0, 0, slot, 0, None)
        flags = _LOCKFILE_FAIL_IMMEDIATELY | (_LOCKFILE_EXCLUSIVE_LOCK if exclusive else 0)
        return bool(_LockFileEx(handle, flags, 0, 1, 0, ctypes.byref(ov)))

    def _os_unlock(fd: int, slot: int) -> None:
        handle = msvcrt.get_osfhandle(fd)
        ov = _OVERLAPPED(0, 0, slot, 0, None)
        _UnlockFileEx(handle, 0, 1, 0, ctypes.byref(ov))

    def _os_change(fd: int, slot: int, held: str, want: str) -> bool:
        """Windows cannot convert a lock in place: unlock, lock anew, and put the old one back
        when the new one is refused."""
        if held:
            _os_unlock(fd, slot)
        if not want:
            return True
        if _os_lock(fd, slot, want == "ex"):
            return True
        if held:
            _os_lock(fd, slot, held == "ex")
        return False

else:
    import fcntl

    def _os_change(fd: int, slot: int, held: str, want: str) -> bool:
        """POSIX converts a lock atomically (shared ↔ exclusive) or leaves it as it was."""
        op = {"": fcntl.LOCK_UN, "sh": fcntl.LOCK_SH, "ex": fcntl.LOCK_EX}[want]
        if want:
            op |= fcntl.LOCK_NB
        try:
            fcntl.lockf(fd, op, 1, slot, os.SEEK_SET)
        except OSError:  # EACCES / EAGAIN: another process holds a conflicting lock
            return False
        return True


# --- the process-wide registry ---------------------------------------------------------------


@dataclass
class _Entry:
    fd: int
    shared: dict[int, int] = field(default_factory=dict)  # slot → holders in this process
    exclusive: dict[int, int] = field(default_factory=dict)

    def state(self, slot: int) -> str:
        if self.exclusive.get(slot, 0):
            return "ex"
        return "sh" if self.shared.get(slot, 0) else ""

    def idle(self) -> bool:
        return not any(self.shared.values()) and not any(self.exclusive.values())


_registry: dict[str, _Entry] = {}
_guard = threading.RLock()


def _key(lock_file: Path) -> str:
    return os.path.normcase(os.path.realpath(lock_file))


def _open_entry(lock_file: Path) -> _Entry:
    key = _key(lock_file)
    entry = _registry.get(key)
    if entry is None:
        try:
            fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        except OSError as exc:
            raise LedgerBusy(
                f"无法在台账所在文件夹创建锁文件 {lock_file.name}（{exc.strerror or exc}）："
                "请确认该文件夹可写，或把台账放到本机可写的文件夹"
            ) from exc
        entry = _Entry(fd)
        _registry[key] = entry
    return entry


def _close_if_idle(lock_file: Path) -> None:
    key = _key(lock_file)
    entry = _registry.get(key)
    if entry is not None and entry.idle():
        del _registry[key]
        os.close(entry.fd)


class Hold:
    """One holder of one slot; :meth:`release` is idempotent."""

    def __init__(self, lock_file: Path, slot: int, exclusive: bool) -> None:
        self.lock_file = lock_file
        self.slot = slot
        self.exclusive = exclusive
        self._released = False

    def release(self) -> None:
        with _guard:
            if self._released:
                return
            self._released = True
            entry = _registry.get(_key(self.lock_file))
            if entry is None:
                return
            counts = entry.exclusive if self.exclusive else entry.shared
            before = entry.state(self.slot)
            counts[self.slot] = max(0, counts.get(self.slot, 0) - 1)
            after = entry.state(self.slot)
            if after != before and not _os_change(entry.fd, self.slot, before, after):
                # a downgrade refused can only happen on Windows between unlock and relock;
                # the slot is then simply not held by this process any more
                entry.shared[self.slot] = entry.exclusive[self.slot] = 0
            _close_if_idle(self.lock_file)

    def __enter__(self) -> Hold:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()

    def __del__(self) -> None:  # a forgotten Database still lets go when collected
        with contextlib.suppress(Exception):
            self.release()


def try_acquire(lock_file: Path, slot: int, *, exclusive: bool, wait: float = 0.0) -> Hold | None:
    """Take ``slot`` (shared or exclusive); None when another process holds it in conflict for
    longer than ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        with _guard:
            entry = _open_entry(lock_file)
            counts = entry.exclusive if exclusive else entry.shared
            before = entry.state(slot)
            counts[slot] = counts.get(slot, 0) + 1
            after = entry.state(slot)
            if after == before or _os_change(entry.fd, slot, before, after):
                return Hold(lock_file, slot, exclusive)
            counts[slot] -= 1
            _close_if_idle(lock_file)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.05)


# --- what the app asks for -------------------------------------------------------------------

OPEN_WAIT = 10.0  # like SQLite's busy timeout: a restore or migration elsewhere is brief


def hold_open(db_path: Path, *, wait: float = OPEN_WAIT) -> Hold:
    """The shared hold of a process that has the ledger open."""
    hold = try_acquire(lock_path_for(db_path), USE, exclusive=False, wait=wait)
    if hold is None:
        raise LedgerBusy(
            f"台账 {db_path.name} 正在被另一个程序恢复备份或升级数据结构，请稍候片刻再试"
        )
    return hold


def hold_whole(db_path: Path, action: str) -> Hold:
    """The exclusive hold of a restore or migration (``action``: 恢复备份 …); refused at once
    while any other process has the ledger open."""
    hold = try_acquire(lock_path_for(db_path), USE, exclusive=True)
    if hold is None:
        raise LedgerBusy(
            f"不能{action}：台账 {db_path.name} 正被另一个综治工作站程序使用"
            "（桌面程序窗口、同步服务或正在运行的命令），台账未作任何改动。"
            f"请先关闭其他综治工作站窗口、停止同步服务后再{action}"
        )
    return hold


IMPORT_WAIT = 0.0  # a person retries; the hub passes a longer wait


def hold_import(db_path: Path, *, wait: float = IMPORT_WAIT) -> Hold:
    """One import at a time across processes (bundles, Excel, the hub's uploads)."""
    hold = try_acquire(lock_path_for(db_path), IMPORT, exclusive=True, wait=wait)
    if hold is None:
        raise LedgerBusy(
            f"另一个综治工作站程序正在向台账 {db_path.name} 导入数据（同步包或 Excel），"
            "为免两次导入互相交错，本次导入未执行、台账未改动：请等它完成后再导入"
        )
    return hold


def hold_window(db_path: Path) -> Hold | None:
    """The desktop window's hold; None when another window already has this ledger."""
    return try_acquire(lock_path_for(db_path), WINDOW, exclusive=True)


@contextlib.contextmanager
def importing(db_path: Path | None, *, wait: float = IMPORT_WAIT) -> Iterator[None]:
    """:func:`hold_import` as a context; ``None`` (a server database) holds nothing."""
    if db_path is None:
        yield
        return
    with hold_import(db_path, wait=wait):
        yield


def held_slots(db_path: Path) -> dict[str, str]:
    """What this process holds on ``db_path`` (for tests and diagnostics)."""
    with _guard:
        entry = _registry.get(_key(lock_path_for(db_path)))
        if entry is None:
            return {}
        return {name: s for slot, name in _SLOT_NAMES.items() if (s := entry.state(slot))}
