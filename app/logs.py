"""Log files without personal data.

Code logs ids, counts and outcomes — never names, ID numbers or phone numbers. As a second line of
defence every record passes a filter that masks anything shaped like an ID number or a phone
number before it reaches a file.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
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


_configured: set[Path] = set()


def setup_logging(log_dir: Path, *, level: int = logging.INFO) -> Path:
    """Rotate daily, keep 30 days, in ``log_dir``; idempotent per directory."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "zongzhi.log"
    if log_dir in _configured:
        return path
    handler = logging.handlers.TimedRotatingFileHandler(
        path, when="midnight", backupCount=30, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(ScrubFilter())
    root = logging.getLogger("app")
    root.setLevel(level)
    root.addHandler(handler)
    _configured.add(log_dir)
    return path
