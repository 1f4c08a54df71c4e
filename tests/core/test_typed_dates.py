"""What a clerk types into a date field (app.rules.dates.parse_typed_*): every accepted
spelling means exactly the day typed, and an impossible day is refused, never moved."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.rules.dates import (
    format_typed_date,
    format_typed_datetime,
    parse_typed_date,
    parse_typed_datetime,
    parse_typed_time,
)
from app.rules.errors import ValidationError

TODAY = date(2026, 3, 10)
days = st.dates(min_value=date(1949, 10, 1), max_value=date(2099, 12, 31))
moments = st.builds(datetime.combine, days, st.times().map(lambda t: time(t.hour, t.minute)))


def spellings(d: date) -> list[str]:
    return [
        f"{d.year}{d.month:02d}{d.day:02d}",
        f"{d.year}-{d.month}-{d.day}",
        f"{d.year}.{d.month}.{d.day}",
        f"{d.year}/{d.month:02d}/{d.day:02d}",
        f"{d.year}年{d.month}月{d.day}日",
        d.isoformat(),
    ]


@given(days)
def test_every_spelling_means_the_day_typed(d: date) -> None:
    for text in spellings(d):
        assert parse_typed_date(text, "f", "受理日期", today=TODAY) == d
    assert parse_typed_date(format_typed_date(d), "f", "受理日期", today=TODAY) == d


@given(days, days)
def test_month_and_day_alone_mean_this_year(d: date, today: date) -> None:
    try:
        expected = date(today.year, d.month, d.day)
    except ValueError:  # 2.29 in a common year: refused, not moved to 3.1
        with pytest.raises(ValidationError, match="日期不存在"):
            parse_typed_date(f"{d.month}.{d.day}", "f", "受理日期", today=today)
        return
    for text in (f"{d.month}.{d.day}", f"{d.month}-{d.day}", f"{d.month}月{d.day}日"):
        assert parse_typed_date(text, "f", "受理日期", today=today) == expected


@given(
    st.integers(1950, 2099),
    st.integers(1, 12),
    st.integers(1, 99),
)
def test_impossible_day_is_refused_naming_the_field(y: int, mo: int, d: int) -> None:
    last = calendar.monthrange(y, mo)[1]
    text = f"{y}{mo:02d}{d:02d}"
    if d <= last:
        assert parse_typed_date(text, "f", "受理日期", today=TODAY) == date(y, mo, d)
        return
    with pytest.raises(ValidationError) as err:
        parse_typed_date(text, "registered_on", "受理日期", today=TODAY)
    msg = str(err.value)
    assert f"日期不存在：{y}年{mo}月{d}日" in msg
    assert "「受理日期」" in msg
    assert err.value.fields() == ["registered_on"]


@given(moments)
def test_datetime_round_trip(m: datetime) -> None:
    assert parse_typed_datetime(format_typed_datetime(m), "f", "登记时间", today=TODAY) == m
    compact = f"{m:%Y%m%d} {m:%H%M}"
    assert parse_typed_datetime(compact, "f", "登记时间", today=TODAY) == m


@given(st.text(max_size=12))
def test_any_text_is_a_date_or_a_chinese_refusal(text: str) -> None:
    """Nothing typed crashes the parser or yields a day the text did not state."""
    try:
        parse_typed_datetime(text, "received_at", "登记时间", today=TODAY)
    except ValidationError as err:
        assert err.fields() == ["received_at"]
        assert "登记时间" in str(err)


def test_examples_from_the_issue() -> None:
    p = lambda s: parse_typed_date(s, "f", "受理日期", today=TODAY)  # noqa: E731
    assert p("20260305") == p("2026-3-5") == p("2026.3.5") == p("3.5") == date(2026, 3, 5)
    assert p("今天") == TODAY
    assert p("昨天") == date(2026, 3, 9)
    assert p("３．５") == date(2026, 3, 5)  # full-width from a Chinese input method
    t = lambda s: parse_typed_datetime(s, "f", "登记时间", today=TODAY)  # noqa: E731
    assert t("20260305 14:30") == datetime(2026, 3, 5, 14, 30)
    assert t("今天 14:30") == t("今天14:30") == t("14:30") == datetime(2026, 3, 10, 14, 30)
    assert t("2026年3月5日14时30分") == datetime(2026, 3, 5, 14, 30)
    with pytest.raises(ValidationError, match="日期不存在：2026年2月30日"):
        p("20260230")
    with pytest.raises(ValidationError, match="2026年2月只有28天"):
        t("20260230 00:58")
    with pytest.raises(ValidationError, match="时间不存在：25:00"):
        t("2026-03-05 25:00")
    with pytest.raises(ValidationError, match="无法识别"):
        p("下周")
    with pytest.raises(ValidationError, match="不能为空"):
        p("  ")
    assert parse_typed_time("9点", "f", "x") == time(9, 0)


def test_type_ahead_by_initials_pinyin_and_characters() -> None:
    """Code-table lists (labels as in resources/codes/visit_category.json)."""
    from app.rules.pinyin import type_ahead

    labels = ["", "农村农业", "城乡建设", "国土资源", "劳动社保", "村务管理", "其他"]
    assert type_ahead("cw", labels) == 5  # 村务管理: initials
    assert type_ahead("cunwu", labels) == 5  # full pinyin
    assert type_ahead("村务", labels) == 5  # characters
    assert type_ahead("社保", labels) == 4  # characters inside the label
    assert type_ahead("c", labels) == 2  # first in list order among prefixes
    assert type_ahead("qqq", labels) is None
    assert type_ahead("", labels) is None


def test_person_defaults_never_name_a_role() -> None:
    """首接人, 督办 责任人/督办人, 记录人 default to a real name or stay empty."""
    from app.rules.text import person_default

    assert person_default("张秀兰") == "张秀兰"
    for role in ("管理员", "系统", "站点管理员", "admin", "ＡＤＭＩＮ", " 系统 ", ""):
        assert person_default(role) == ""
