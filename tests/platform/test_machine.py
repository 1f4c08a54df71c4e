"""Network shares and USB sticks (app/machine.py) and what the ledger does with the answer.

The Linux answers come from real files in the layout the kernel uses: ``/proc/self/mountinfo``
lines as documented in proc(5) (man7.org/linux/man-pages/man5/proc_pid_mountinfo.5.html:
``36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue``) and a
sysfs tree shaped like ``/sys/class/block`` (Documentation/ABI/stable/sysfs-block:
``/sys/block/<disk>/removable``). Windows' ``GetDriveTypeW`` cannot run here: its decision is
tested with the values it returns (DRIVE_REMOVABLE 2, DRIVE_FIXED 3, DRIVE_REMOTE 4), and the
real call runs under Wine (scripts/wine_smoke.sh).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app import machine
from app.db import open_database
from app.machine import (
    DRIVE_FIXED,
    DRIVE_REMOTE,
    DRIVE_REMOVABLE,
    is_network_fstype,
    is_unc,
    linux_block_is_removable,
    mount_of,
    parse_mountinfo,
    windows_is_network,
    windows_root,
)

PROC5_EXAMPLE = "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"


def test_mountinfo_parsing() -> None:
    text = "\n".join(
        [
            "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
            PROC5_EXAMPLE,
            "40 22 0:50 / /mnt/乡镇\\040共享 rw,relatime shared:30 - cifs //10.0.0.5/台账 rw,vers=3.0",
            "41 22 0:51 / /srv/nfs rw shared:31 - nfs4 10.0.0.6:/export rw",
            "42 22 0:52 / /home/u/远程 rw,nosuid shared:32 - fuse.sshfs u@host:/d rw",
            "43 22 8:17 / /media/u/U盘 rw,nosuid shared:33 - vfat /dev/sdb1 rw",
            "44 22 8:18 / /media/u/移动硬盘 rw shared:34 - fuseblk /dev/sdc1 rw",
        ]
    )
    mounts = parse_mountinfo(text)
    assert [m.fstype for m in mounts] == [
        "ext4",
        "ext3",
        "cifs",
        "nfs4",
        "fuse.sshfs",
        "vfat",
        "fuseblk",
    ]
    assert mounts[2].point == "/mnt/乡镇 共享" and mounts[2].source == "//10.0.0.5/台账"

    def kind(path: str) -> str:
        m = mount_of(path, mounts)
        assert m is not None
        return m.fstype

    assert kind("/mnt/乡镇 共享/台账.sqlite3") == "cifs"
    assert kind("/mnt/乡镇 共享2/台账.sqlite3") == "ext4"  # a sibling, not inside the share
    assert kind("/mnt2/x") == "ext3"
    assert kind("/srv/nfs/a/b.sqlite3") == "nfs4"
    assert kind("/home/u/远程/台账.sqlite3") == "fuse.sshfs"
    assert kind("/home/u/本地/台账.sqlite3") == "ext4"
    network = {m.fstype for m in mounts if is_network_fstype(m.fstype)}
    assert network == {"cifs", "nfs4", "fuse.sshfs"}  # an NTFS USB disk (fuseblk) is local


def test_this_machine_is_local_and_keeps_wal(tmp_path: Path) -> None:
    db = open_database(tmp_path / "本地.sqlite3")
    try:
        assert db.notices == []
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        db.close()


def test_a_ledger_on_a_network_share_gets_no_wal_and_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernel's answer for a folder on an SMB share, as /proc/self/mountinfo gives it."""
    share = tmp_path / "共享"
    share.mkdir()
    info = tmp_path / "mountinfo"
    real = Path("/proc/self/mountinfo").read_text(encoding="utf-8")
    point = str(share.resolve()).replace(" ", "\\040")
    info.write_text(
        real + f"99 22 0:77 / {point} rw,relatime shared:99 - cifs //10.0.0.5/zz rw\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(machine, "MOUNTINFO", info)
    ledger = share / "乡镇台账.sqlite3"
    db = open_database(ledger)
    try:
        assert len(db.notices) == 1 and "已关闭预写日志（WAL）" in db.notices[0]
        assert str(share) in db.notices[0]
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
    finally:
        db.close()
    assert not Path(str(ledger) + "-wal").exists()
    con = sqlite3.connect(ledger)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # stored in the file
    con.close()


def test_windows_decisions() -> None:
    assert windows_root("C:\\台账\\x.sqlite3") == "C:\\"
    assert windows_root("d:/数据/x.sqlite3") == "d:\\"
    assert windows_root("\\\\服务器\\共享\\x.sqlite3") is None
    assert is_unc("\\\\服务器\\共享\\x.sqlite3") and is_unc("//server/share/x")
    assert not is_unc("C:\\x")
    assert windows_is_network("Z:\\台账.sqlite3", DRIVE_REMOTE)
    assert not windows_is_network("D:\\台账.sqlite3", DRIVE_FIXED)
    assert windows_is_network("\\\\10.0.0.5\\zz\\台账.sqlite3", None)
    # the USB stick offer: only DRIVE_REMOVABLE, never a D: partition or a mapped drive
    assert [k == DRIVE_REMOVABLE for k in (DRIVE_REMOVABLE, DRIVE_FIXED, DRIVE_REMOTE)] == [
        True,
        False,
        False,
    ]


def _sysfs(root: Path) -> Path:
    """A /sys shaped like the kernel's: block devices are symlinks into /sys/devices."""
    devices = {
        "sda": ("pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block", "0"),
        "sdb": ("pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/host6/target6:0:0/6:0:0:0/block", "1"),
        "sdc": ("pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host7/target7:0:0/7:0:0:0/block", "0"),
    }
    blocks = root / "class" / "block"
    blocks.mkdir(parents=True)
    for disk, (where, removable) in devices.items():
        d = root / "devices" / where / disk
        (d / f"{disk}1").mkdir(parents=True)
        (d / "removable").write_text(removable + "\n", encoding="ascii")
        (blocks / disk).symlink_to(d)
        (blocks / f"{disk}1").symlink_to(d / f"{disk}1")
    return root


def test_usb_sticks_on_linux(tmp_path: Path) -> None:
    sys_root = _sysfs(tmp_path / "sys")
    assert not linux_block_is_removable("/dev/sda1", sys_root)  # the SATA system disk
    assert linux_block_is_removable("/dev/sdb1", sys_root)  # a USB stick (removable = 1)
    assert linux_block_is_removable("/dev/sdc1", sys_root)  # a USB hard disk (on the USB bus)
    assert linux_block_is_removable("/dev/sdb", sys_root)
    assert not linux_block_is_removable("/dev/nvme0n1p1", sys_root)  # unknown to sysfs
    assert not linux_block_is_removable("//10.0.0.5/zz", sys_root)
    assert not linux_block_is_removable("tmpfs", sys_root)


@pytest.mark.skipif(not Path("/sys/class/block").is_dir(), reason="no sysfs")
def test_this_machines_disks_are_not_sticks() -> None:
    for dev in os.listdir("/sys/class/block"):
        if (
            dev.startswith(("vd", "sd", "nvme", "loop"))
            and not (Path("/sys/class/block") / dev / "removable").exists()
        ):
            continue
        disk = Path("/sys/class/block") / dev
        removable = (
            (disk / "removable").read_text().strip() if (disk / "removable").exists() else ""
        )
        usb = "/usb" in str(disk.resolve())
        assert linux_block_is_removable(f"/dev/{dev}") == (removable == "1" or usb)


def test_the_real_windows_call_is_not_reached_on_linux() -> None:
    code = "import app.machine as m; print(m.is_removable_volume('/media/x', '/dev/vda', 'ext4'))"
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert r.stdout.strip() == "False"
