"""Date sanity: parsing what clerks type, and checks on plausibility and order."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta, timezone

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


# --- what a clerk types into a date field ------------------------------------------------------

_RELATIVE_DAYS = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
_SEP = r"[-./／、]"
_FULL_DATE = re.compile(rf"^(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})$")
_FULL_DATE_CN = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SHORT_DATE = re.compile(rf"^(\d{{1,2}}){_SEP}(\d{{1,2}})$")
_SHORT_DATE_CN = re.compile(r"^(\d{1,2})月(\d{1,2})[日号]?$")
_TIME = re.compile(r"^(\d{1,2})[:：时点](\d{1,2})?分?$|^(\d{2})(\d{2})$")
TYPED_DATE_HINT = "20260305、2026-3-5、3.5（今年）或 今天、昨天"
TYPED_DATETIME_HINT = "20260305 14:30、3.5 9:00、今天 14:30"


def _split_date_time(text: str) -> tuple[str, str]:
    """Split "2026-03-05 14:30" / "2026-03-05T14:30" / "今天14:30" into date and time parts."""
    m = re.match(r"^(今天|今日|昨天|昨日|前天)\s*(.*)$", text)
    if m:
        return m.group(1), m.group(2).strip()
    parts = re.split(r"[\sT]+", text, maxsplit=1)
    if len(parts) == 2:
        return parts[0], parts[1].strip()
    # 2026年3月5日14:30 (no space after 日/号)
    m = re.match(r"^(.*[日号])(\d.*)$", text)
    if m:
        return m.group(1), m.group(2)
    return text, ""


def _date_parts(text: str, today: date) -> tuple[int, int, int] | None:
    if text in _RELATIVE_DAYS:
        rel = today - timedelta(days=_RELATIVE_DAYS[text])
        return rel.year, rel.month, rel.day
    for pat in (_FULL_DATE, _FULL_DATE_CN, _COMPACT_DATE):
        m = pat.match(text)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            return y, mo, d
    for pat in (_SHORT_DATE, _SHORT_DATE_CN):
        m = pat.match(text)
        if m:
            mo, d = (int(g) for g in m.groups())
            return today.year, mo, d
    return None


def _impossible_date(y: int, mo: int, d: int, field: str, label: str) -> ValidationError:
    if 1 <= mo <= 12:
        last = calendar.monthrange(y, mo)[1] if 1 <= y <= 9999 else 31
        fix = f"{y}年{mo}月只有{last}天，请核对"
    else:
        fix = "月份应在1到12之间，请核对"
    return ValidationError.single(field, label, f"日期不存在：{y}年{mo}月{d}日", fix)


def parse_typed_date(raw: str, field: str, label: str, *, today: date) -> date:
    """A date as a clerk types it, never corrected.

    Accepts 20260305, 2026-3-5, 2026.3.5, 2026/3/5, 2026年3月5日, 3.5 / 3-5 / 3月5日 (this
    year, from ``today``), 今天/昨天/前天; full-width digits too. An impossible date
    (20260230) is refused with a message naming the field, never moved to a nearby day.
    """
    text = to_halfwidth(str(raw)).strip().replace(" ", "")
    if not text:
        raise ValidationError.single(field, label, "不能为空", f"请填写日期，如 {TYPED_DATE_HINT}")
    parts = _date_parts(text, today)
    if parts is None:
        raise ValidationError.single(
            field, label, f"“{raw}”无法识别为日期", f"请按{TYPED_DATE_HINT}的写法填写"
        )
    y, mo, d = parts
    try:
        return date(y, mo, d)
    except ValueError:
        raise _impossible_date(y, mo, d, field, label) from None


def parse_typed_time(raw: str, field: str, label: str) -> time:
    """14:30, 14：30, 14时30分, 9点, 1430; an impossible time (25:00) is refused."""
    text = to_halfwidth(raw).strip().replace(" ", "")
    m = _TIME.match(text)
    if not m:
        raise ValidationError.single(
            field, label, f"“{raw}”无法识别为时间", "请按 14:30 的格式填写时间"
        )
    hh = int(m.group(1) if m.group(1) is not None else m.group(3))
    mm = int(m.group(2) or 0) if m.group(1) is not None else int(m.group(4))
    if hh > 23 or mm > 59:
        raise ValidationError.single(
            field, label, f"时间不存在：{hh}:{mm:02d}", "小时应在0到23之间，分钟在0到59之间"
        )
    return time(hh, mm)


def parse_typed_datetime(raw: str, field: str, label: str, *, today: date) -> datetime:
    """A moment (naive, Beijing time) as typed: a date as :func:`parse_typed_date`, then an
    optional time (``2026-03-05 14:30``, ``今天14:30``, ``20260305 1430``). A date alone means
    00:00; a time alone means today."""
    text = to_halfwidth(str(raw)).strip()
    if not text:
        raise ValidationError.single(
            field, label, "不能为空", f"请填写日期和时间，如 {TYPED_DATETIME_HINT}"
        )
    time_only = _TIME.match(text.replace(" ", "")) and not _COMPACT_DATE.match(text)
    if time_only and re.search(r"[:：时点]", text):
        return datetime.combine(today, parse_typed_time(text, field, label))
    day_text, time_text = _split_date_time(text)
    day = parse_typed_date(day_text, field, label, today=today)
    moment = time(0, 0) if not time_text else parse_typed_time(time_text, field, label)
    return datetime.combine(day, moment)


def format_typed_date(day: date) -> str:
    return day.isoformat()


def format_typed_datetime(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")
