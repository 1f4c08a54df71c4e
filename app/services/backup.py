"""Backups through SQLite's online backup API: daily and before risky work, rotated, optionally
copied to a second location (a USB stick); restore with a new sync epoch."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.config import backup_dir_for
from app.db import Database, backup_file, integrity_check, open_database, readonly_uri
from app.locking import hold_whole
from app.models.events import bump_epoch
from app.rules.errors import AppError, ValidationError

from . import audit
from .settings import get_value, set_value

KEEP_DAILY = 30
KEEP_OTHER = 20
REASONS = {
    "daily": "每日自动备份",
    "manual": "手动备份",
    "pre-import": "导入前备份",
    "pre-restore": "恢复前备份",
    "pre-migration": "升级前备份",
}
_NAME = re.compile(r"^(?P<stem>.+)-(?P<ts>\d{8}T\d{6}Z)-(?P<reason>[a-z-]+)\.sqlite3$")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: datetime
    reason: str
    size: int

    @property
    def reason_label(self) -> str:
        return REASONS.get(self.reason, self.reason)


class BackupError(AppError):
    pass


def _parse(path: Path) -> BackupInfo | None:
    m = _NAME.match(path.name)
    if not m:
        return None
    ts = datetime.strptime(m.group("ts"), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return BackupInfo(path, ts, m.group("reason"), path.stat().st_size)


def list_backups(db_path: Path, directory: Path | None = None) -> list[BackupInfo]:
    folder = directory or backup_dir_for(db_path)
    if not folder.exists():
        return []
    found = [b for p in folder.glob("*.sqlite3") if (b := _parse(p)) is not None]
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def second_location(db: Database) -> Path | None:
    with db.session() as s:
        value = get_value(s, "backup_second_dir", "")
    return Path(value) if value else None


def set_second_location(db: Database, folder: str) -> None:
    path = Path(folder).expanduser() if folder else None
    if path is not None and not path.is_dir():
        raise ValidationError.single(
            "backup_second_dir",
            "第二备份位置",
            f"“{folder}”不存在或不是文件夹",
            "请插入U盘后选择其中的文件夹",
        )
    with db.transaction() as s:
        set_value(s, "backup_second_dir", str(path) if path else "")


def backup_now(
    db: Database,
    *,
    reason: str = "manual",
    out: Path | None = None,
    now: datetime | None = None,
    operator_id: str = "",
) -> Path:
    """Take a consistent copy, verify it, rotate old ones, mirror to the second location."""
    if reason not in REASONS:
        raise ValueError(reason)
    now = now or datetime.now(UTC)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    target = out or backup_dir_for(db.path) / f"{db.path.stem}-{stamp}-{reason}.sqlite3"
    if out is not None and out.exists():
        raise ValidationError.single("out", "备份文件", f"{out} 已存在", "请换一个文件名，避免覆盖")
    try:
        backup_file(db.path, target)
    except OSError as exc:
        raise BackupError(f"备份失败：无法写入 {target.parent}（{exc.strerror or exc}）") from exc
    problems = integrity_check(target)
    if problems:
        target.unlink(missing_ok=True)
        raise BackupError(f"备份文件校验未通过（{problems[0]}），已删除该备份，请检查磁盘")
    mirror = second_location(db)
    mirrored = ""
    if mirror is not None and out is None and mirror.is_dir():
        try:
            shutil.copy2(target, mirror / target.name)
            mirrored = str(mirror)
        except OSError:
            mirrored = ""  # the stick was pulled: the local backup still stands
    if reason in ("manual", "pre-restore"):  # automatic copies leave the ledger untouched
        with db.transaction(operator_id=operator_id) as s:
            audit.record(
                s, "backup", {"reason": reason, "file": target.name, "mirror": bool(mirrored)}
            )
    if out is None:
        rotate(db.path)
    return target


def rotate(db_path: Path) -> list[Path]:
    """Keep the newest KEEP_DAILY daily backups and KEEP_OTHER of the others."""
    removed: list[Path] = []
    backups = list_backups(db_path)
    daily = [b for b in backups if b.reason == "daily"]
    other = [b for b in backups if b.reason != "daily"]
    for b in daily[KEEP_DAILY:] + other[KEEP_OTHER:]:
        b.path.unlink(missing_ok=True)
        removed.append(b.path)
    return removed


def daily_backup_if_due(db: Database, now: datetime | None = None) -> Path | None:
    now = now or datetime.now(UTC)
    last = next((b for b in list_backups(db.path) if b.reason == "daily"), None)
    if last is not None and now - last.taken_at < timedelta(hours=20):
        return None
    return backup_now(db, reason="daily", now=now)


def _station_of(path: Path) -> tuple[str, int]:
    import sqlite3

    con = sqlite3.connect(readonly_uri(path), uri=True)
    try:
        row = con.execute("SELECT station_code, epoch FROM local_state WHERE id = 1").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path.name} 不是有效的台账备份（{exc}）") from exc
    finally:
        con.close()
    if row is None:
        raise BackupError(f"{path.name} 中没有工作站信息，不能用于恢复")
    return str(row[0]), int(row[1])


def restore(
    db_path: Path, source: Path, *, allow_other_station: bool = False, operator_id: str = ""
) -> int:
    """Replace the ledger at ``db_path`` with ``source``; return the new sync epoch.

    The current file is backed up first ("pre-restore"). The restored ledger starts a new sync
    epoch, so its change counter jumps past anything the township may already have seen.
    The caller must have closed every connection to ``db_path``.
    """
    if not source.exists():
        raise ValidationError.single("file", "备份文件", f"{source} 不存在", "请选择备份文件")
    if not db_path.exists():
        return _restore(db_path, source, allow_other_station, operator_id)
    # the file is replaced: only while no other process has the ledger open (on Linux a second
    # copy would go on writing into the replaced file, on Windows the replace fails half-way)
    with hold_whole(db_path, "恢复备份"):
        return _restore(db_path, source, allow_other_station, operator_id)


def _restore(db_path: Path, source: Path, allow_other_station: bool, operator_id: str = "") -> int:
    problems = integrity_check(source)
    if problems:
        raise BackupError(f"备份文件 {source.name} 已损坏（{problems[0]}），请选择其他备份")
    src_station, _ = _station_of(source)
    if db_path.exists():
        cur_station, _ = _station_of(db_path)
        if cur_station != src_station and not allow_other_station:
            raise BackupError(
                f"备份属于工作站 {src_station}，当前台账属于 {cur_station}，为防止误操作已拒绝恢复"
            )
        current = open_database(db_path)
        try:
            backup_now(current, reason="pre-restore", operator_id=operator_id)
        finally:
            current.close()
    staging = db_path.with_suffix(db_path.suffix + ".restoring")
    backup_file(source, staging)
    for suffix in ("-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    staging.replace(db_path)
    db = open_database(db_path)  # migrates an older backup, after its own pre-migration copy
    try:
        with db.transaction(operator_id=operator_id) as s:
            epoch = bump_epoch(s)
            audit.record(s, "restore", {"file": source.name, "epoch": epoch})
    finally:
        db.close()
    return epoch
