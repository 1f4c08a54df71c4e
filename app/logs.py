"""Log files without personal data.

Code logs ids, counts and outcomes — never names, ID numbers or phone numbers. As a second line of
defence every record passes a filter that masks anything shaped like an ID number or a phone
number before it reaches a file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

_ID = re.compile(r"(?<![0-9A-Za-z])\d{6}(?:18|19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx](?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<!\d)\d{15}(?!\d)")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")


def scrub(text: str) -> str:
    text = _ID.sub("[身份证号已隐去]", text)
    text = _ID15.sub("[号码已隐去]", text)
    text = _MOBILE.sub("[电话已隐去]", text)
    return _LANDLINE.sub("[电话已隐去]", text)


class ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        return True


KEEP_DAYS = 30


class DailyProcessFileHandler(logging.FileHandler):
    """``zongzhi-<date>-<pid>.log``: a file per process and per day, never renamed.

    The desktop window, the hub and a script may log beside the same ledger at once; a shared
    file rotated by renaming fails on Windows while another process holds it (and on Linux
    the other process goes on writing into the renamed file). Here nothing is renamed: at the
    first record of a new day the handler simply opens that day's file, and files older than
    :data:`KEEP_DAYS` are removed when a process starts.
    """

    def __init__(self, folder: Path, today: Callable[[], date] = date.today) -> None:
        self.folder = folder
        self._today = today
        self._day = today()
        super().__init__(self._path_for(self._day), encoding="utf-8", delay=True)

    def _path_for(self, day: date) -> Path:
        return self.folder / f"zongzhi-{day:%Y%m%d}-{os.getpid()}.log"

    def emit(self, record: logging.LogRecord) -> None:
        day = self._today()
        if day != self._day:
            self.acquire()
            try:
                self._day = day
                if self.stream is not None:
                    self.stream.close()
                    self.stream = None
                self.baseFilename = os.fspath(self._path_for(day))
            finally:
                self.release()
        super().emit(record)


def remove_old_logs(folder: Path, *, keep_days: int = KEEP_DAYS, now: float | None = None) -> int:
    """Delete log files not written for ``keep_days``; a file still held elsewhere is kept."""
    limit = (time.time() if now is None else now) - keep_days * 86400
    removed = 0
    for p in folder.glob("zongzhi*.log*"):
        with contextlib.suppress(OSError):
            if p.stat().st_mtime < limit:
                p.unlink()
                removed += 1
    return removed


_configured: dict[Path, Path] = {}


def setup_logging(log_dir: Path, *, level: int = logging.INFO) -> Path:
    """This process's log file in ``log_dir`` (kept 30 days); idempotent per directory."""
    log_dir.mkdir(parents=True, exist_ok=True)
    if log_dir in _configured:
        return _configured[log_dir]
    remove_old_logs(log_dir)
    handler = DailyProcessFileHandler(log_dir)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(ScrubFilter())
    root = logging.getLogger("app")
    root.setLevel(level)
    root.addHandler(handler)
    path = Path(handler.baseFilename)
    _configured[log_dir] = path
    return path
