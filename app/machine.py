"""What the operating system says about a path: network share or local disk, USB stick or not.

Each question has a *decision* (a pure function of what the OS answers, tested everywhere) and
the *call* that asks the OS (``GetDriveTypeW`` on Windows — run for real under Wine by
``scripts/wine_smoke.sh`` — and ``/proc/self/mountinfo`` and ``/sys/class/block`` on Linux).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

# GetDriveTypeW answers (WinBase.h)
DRIVE_UNKNOWN, DRIVE_NO_ROOT_DIR, DRIVE_REMOVABLE, DRIVE_FIXED = 0, 1, 2, 3
DRIVE_REMOTE, DRIVE_CDROM, DRIVE_RAMDISK = 4, 5, 6

# file systems whose files live on another machine (SQLite's WAL needs shared memory on one host)
NETWORK_FSTYPES = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb2",
        "smb3",
        "smbfs",
        "ncpfs",
        "afs",
        "ceph",
        "glusterfs",
        "9p",
        "davfs",
        "fuse.sshfs",
        "fuse.smbnetfs",
        "fuse.gvfsd-fuse",
        "fuse.rclone",
        "fuse.davfs2",
        "fuse.glusterfs",
        "fuse.cephfs",
    }
)


def is_network_fstype(fstype: str) -> bool:
    return fstype.lower() in NETWORK_FSTYPES


def windows_root(path: str) -> str | None:
    """``C:\\`` for ``C:\\台账\\x.sqlite3``; None for a UNC path (``\\\\服务器\\共享\\…``)."""
    drive = PureWindowsPath(path).drive
    if not drive or drive.startswith(("\\\\", "//")):
        return None
    return drive + "\\"


def is_unc(path: str) -> bool:
    return PureWindowsPath(path).drive.startswith(("\\\\", "//"))


# --- Windows -------------------------------------------------------------------------------


def drive_type(root: str) -> int:
    """``GetDriveTypeW(root)`` (Windows only)."""
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    fn = kernel32.GetDriveTypeW
    fn.argtypes = [ctypes.c_wchar_p]
    fn.restype = ctypes.c_uint
    return int(fn(root))


def windows_is_network(path: str, kind: int | None) -> bool:
    """A UNC path, or a drive that Windows reports as remote (a mapped network drive)."""
    return is_unc(path) or kind == DRIVE_REMOTE


# --- Linux -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mount:
    point: str
    fstype: str
    source: str


def _unescape(field: str) -> str:
    """mountinfo writes space, tab, newline and backslash as octal escapes (\\040 …)."""
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def parse_mountinfo(text: str) -> list[Mount]:
    """The mounts of ``/proc/self/mountinfo`` (proc(5)): mount point is field 5, then after
    the ``-`` separator the file system type and the source."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if "-" not in fields:
            continue
        sep = fields.index("-")
        if len(fields) < sep + 3 or len(fields) < 5:
            continue
        mounts.append(Mount(_unescape(fields[4]), fields[sep + 1], _unescape(fields[sep + 2])))
    return mounts


def mount_of(path: str, mounts: list[Mount]) -> Mount | None:
    """The mount a path lives on: the longest mount point that contains it (the last one
    mounted wins when two are stacked on the same point)."""
    best: Mount | None = None
    for m in mounts:
        point = m.point.rstrip("/") or "/"
        inside = path == point or path.startswith(point + "/") or point == "/"
        if inside and (best is None or len(point) >= len(best.point.rstrip("/") or "/")):
            best = m
    return best


MOUNTINFO = Path("/proc/self/mountinfo")


def _linux_mount(path: Path) -> Mount | None:
    try:
        text = MOUNTINFO.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return mount_of(os.path.realpath(path), parse_mountinfo(text))


def linux_block_is_removable(device: str, sys_root: Path = Path("/sys")) -> bool:
    """``/dev/sdb1`` is a USB stick or card reader: its disk says ``removable`` = 1, or it
    hangs off a USB bus (USB hard disks report 0)."""
    name = Path(device).name
    if not device.startswith("/dev/") or not name:
        return False
    node = sys_root / "class" / "block" / name
    if not node.exists():
        return False
    disk = node if (node / "removable").exists() else node.resolve().parent
    try:
        if (disk / "removable").read_text(encoding="ascii").strip() == "1":
            return True
    except OSError:
        pass
    return "/usb" in str(disk.resolve())


# --- the questions the app asks -----------------------------------------------------------


def is_network_path(path: Path) -> bool:
    """The ledger's folder is on another machine (a mapped drive, a UNC path, NFS, SMB …)."""
    text = os.path.abspath(path)
    if sys.platform == "win32":
        root = windows_root(text)
        return windows_is_network(text, drive_type(root) if root else None)
    mount = _linux_mount(path.parent if not path.exists() else path)
    return mount is not None and is_network_fstype(mount.fstype)


def is_removable_volume(root: str, device: str = "", fstype: str = "") -> bool:
    """A mounted volume is a USB stick / memory card (offered for sync bundles): Windows asks
    the drive type (a D: data partition or a mapped drive is not one); Linux asks sysfs."""
    if sys.platform == "win32":
        drive = windows_root(root)
        return drive is not None and drive_type(drive) == DRIVE_REMOVABLE
    if is_network_fstype(fstype):
        return False
    if sys.platform == "darwin":
        return True  # /Volumes/… (the caller's test) is external media there
    return linux_block_is_removable(device)


NETWORK_WARNING = (
    "台账位于网络共享文件夹（{where}）：已关闭预写日志（WAL），改用兼容的日志方式。"
    "网络文件夹上的台账只应由一台电脑打开，建议把台账放在本机磁盘，用同步包或联网同步交换数据"
)
