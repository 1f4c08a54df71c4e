"""Date sanity: parsing what clerks type, and checks on plausibility and order."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, timedelta, timezone

from .errors import ValidationError
from .text import to_halfwidth

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
EARLIEST = date(1949, 10, 1)

_PATTERNS = [
    re.compile(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


def parse_date(raw: str | date | datetime, field: str, label: str) -> date:
    """Parse a hand-typed date: 2025-03-05, 2025.3.5, 2025/03/05, 2025年3月5日, 20250305."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = to_halfwidth(str(raw)).strip().replace(" ", "")
    if not text:
        raise ValidationError.single(field, label, "不能为空", "请填写日期，如 2025-03-05")
    text = re.sub(r"[T\s].*$", "", text) if re.match(r"^\d{4}-\d{2}-\d{2}T", text) else text
    for pat in _PATTERNS:
        m = pat.match(text)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            try:
                return date(y, mo, d)
            except ValueError:
                raise ValidationError.single(
                    field, label, f"“{raw}”不是存在的日期", "请核对月份和日（如2月没有30日）"
                ) from None
    raise ValidationError.single(
        field, label, f"“{raw}”无法识别为日期", "请按 2025-03-05 的格式填写"
    )


def check_plausible(
    day: date, field: str, label: str, *, today: date, allow_future: bool = False
) -> date:
    """Reject dates before 1949-10-01 and (unless allowed) after today."""
    if day < EARLIEST:
        raise ValidationError.single(field, label, f"{day.isoformat()} 过早", "请核对年份")
    if not allow_future and day > today:
        raise ValidationError.single(
            field, label, f"{day.isoformat()} 晚于今天（{today.isoformat()}）", "请核对日期"
        )
    return day


def check_order(
    earlier: date, later: date, later_field: str, later_label: str, earlier_label: str
) -> None:
    if later < earlier:
        raise ValidationError.single(
            later_field,
            later_label,
            f"（{later.isoformat()}）早于{earlier_label}（{earlier.isoformat()}）",
            "请核对日期顺序",
        )


def add_months(day: date, months: int) -> date:
    """Calendar months; the 31st plus one month ends on the last day of the next month."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def local_date(moment: datetime) -> date:
    """The Beijing-time calendar date of an aware UTC timestamp."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA_TZ).date()


def format_cn_date(day: date | None) -> str:
    """2025年3月5日 (Arabic numerals, as official documents write dates)."""
    if day is None:
        return ""
    return f"{day.year}年{day.month}月{day.day}日"


_DT = re.compile(
    r"^(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?(?:[T\s]+(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2}))?)?"
)


def parse_local_datetime(raw: str | date | datetime, field: str, label: str) -> datetime:
    """A moment typed in Beijing time ("2025-03-05 09:30", a date, a datetime) → aware UTC.

    Naive datetimes are taken as Beijing time; a bare date means 00:00 that day.
    """
    if isinstance(raw, datetime):
        moment = raw if raw.tzinfo else raw.replace(tzinfo=CHINA_TZ)
        return moment.astimezone(UTC)
    if isinstance(raw, date):
        return datetime(raw.year, raw.month, raw.day, tzinfo=CHINA_TZ).astimezone(UTC)
    text = to_halfwidth(str(raw)).strip()
    m = _DT.match(text)
    if not m or m.end() != len(text.rstrip("秒").rstrip()):
        # fall back to the date-only forms (20250305 …) and their error messages
        day = parse_date(text, field, label)
        return datetime(day.year, day.month, day.day, tzinfo=CHINA_TZ).astimezone(UTC)
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    hh = int(m.group(4) or 0)
    mm = int(m.group(5) or 0)
    ss = int(m.group(6) or 0)
    try:
        moment = datetime(y, mo, d, hh, mm, ss, tzinfo=CHINA_TZ)
    except ValueError:
        raise ValidationError.single(
            field, label, f"“{raw}”不是存在的日期时间", "请按 2025-03-05 09:30 的格式填写"
        ) from None
    return moment.astimezone(UTC)
