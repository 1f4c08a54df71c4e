"""Pure rules: phones, dates, deadlines, workflows, flags, numbering, pinyin, masking."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.rules import deadlines as dl
from app.rules.dates import add_months, parse_date, parse_local_datetime
from app.rules.errors import ValidationError, WorkflowError
from app.rules.flags import (
    PriorVisit,
    check_headcount,
    is_group_visit,
    is_repeat_visit,
    representatives_warning,
)
from app.rules.numbering import (
    format_case_code,
    format_dossier_no,
    format_mediation_no,
    parse_case_code,
)
from app.rules.permissions import allowed, require
from app.rules.phone import validate_phone
from app.rules.pinyin import name_keys
from app.rules.stations import check_parent, check_station_code
from app.rules.text import mask_id_number, mask_phone
from app.rules.workflow import DISPUTE, VISIT


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("010-88886666", "010-88886666"),
        ("057188886666", "0571-88886666"),
        ("0571-8888666转123", "0571-8888666转123"),
        ("88886666", "88886666"),
    ],
)
def test_phone_normalisation(raw: str, expected: str) -> None:
    assert validate_phone(raw) == expected


@pytest.mark.parametrize("raw", ["1380013800", "1234", "138001380001", "abc", "23800138000x"])
def test_bad_phones_name_the_field(raw: str) -> None:
    with pytest.raises(ValidationError, match="「联系电话」"):
        validate_phone(raw)


@pytest.mark.parametrize(
    "raw",
    ["2025-03-05", "2025.3.5", "2025/03/05", "2025年3月5日", "20250305", "２０２５年３月５日"],
)
def test_date_forms(raw: str) -> None:
    assert parse_date(raw, "d", "日期") == date(2025, 3, 5)


@pytest.mark.parametrize("raw", ["2025-02-30", "2025-13-01", "2025年2月29日"])
def test_impossible_dates(raw: str) -> None:
    with pytest.raises(ValidationError, match="不是存在的日期"):
        parse_date(raw, "d", "受理日期")


def test_unreadable_date() -> None:
    with pytest.raises(ValidationError, match="「受理日期」“下周一”无法识别"):
        parse_date("下周一", "d", "受理日期")


def test_local_datetime_is_beijing_time() -> None:
    assert parse_local_datetime("2025-03-05 09:30", "t", "时间") == datetime(
        2025, 3, 5, 1, 30, tzinfo=UTC
    )


def test_add_months_clamps_month_end() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 12, 15), 1) == date(2026, 1, 15)


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 1, 1)), st.integers(0, 36))
def test_add_months_never_goes_back(day: date, months: int) -> None:
    assert add_months(day, months) >= day


def test_default_deadlines() -> None:
    cfg = dl.DeadlineConfig()
    assert dl.visit_accept_due(date(2025, 3, 1), cfg) == date(2025, 3, 16)
    assert dl.visit_handle_due(date(2025, 3, 1), cfg) == date(2025, 4, 30)
    assert dl.visit_handle_due(date(2025, 3, 1), cfg, extension_days=30) == date(2025, 5, 30)
    assert dl.mediation_due(date(2025, 1, 31), cfg) == date(2025, 2, 28)
    assert dl.judicial_confirmation_due(date(2025, 3, 1), cfg) == date(2025, 3, 31)


def test_local_seed_rule_and_config_round_trip() -> None:
    cfg = dl.DeadlineConfig.local_seed_rule()
    assert dl.mediation_due(date(2025, 3, 1), cfg) == date(2025, 3, 16)
    assert dl.mediation_due(date(2025, 3, 1), cfg, major=True) == date(2025, 5, 1)
    assert dl.DeadlineConfig.from_dict(cfg.to_dict()) == cfg


def test_extension_cap() -> None:
    cfg = dl.DeadlineConfig()
    dl.check_visit_extension(30, 0, cfg)
    with pytest.raises(ValidationError, match="超过上限30日"):
        dl.check_visit_extension(20, 15, cfg)
    with pytest.raises(ValidationError, match="必须大于0"):
        dl.check_visit_extension(0, 0, cfg)


def test_days_left_and_labels() -> None:
    today = date(2025, 3, 10)
    assert dl.days_left(date(2025, 3, 13), today) == 3
    assert dl.deadline_label(date(2025, 3, 8), today) == "超期2天"
    assert dl.deadline_label(today, today) == "今日到期"
    assert dl.deadline_label(None, today) == ""


def test_visit_happy_path() -> None:
    s = VISIT.initial
    for action in ("review", "accept", "transfer", "extend", "conclude", "follow_up", "archive"):
        s = VISIT.apply(s, action)
    assert s == "archived"


def test_dispute_happy_path() -> None:
    s = DISPUTE.initial
    for action in ("assign", "start", "succeed", "follow_up", "archive"):
        s = DISPUTE.apply(s, action)
    assert s == "archived"


def test_illegal_transition_says_what_is_allowed() -> None:
    with pytest.raises(WorkflowError) as err:
        DISPUTE.apply("succeeded", "fail")
    msg = str(err.value)
    assert "「调解成功」" in msg and "「调解不成」" in msg and "回访" in msg
    with pytest.raises(WorkflowError, match="已办结归档"):
        VISIT.apply("archived", "review")
    with pytest.raises(WorkflowError, match="未知"):
        VISIT.apply("registered", "explode")


def test_succeeded_dispute_cannot_be_archived_before_follow_up() -> None:
    assert not DISPUTE.can("succeeded", "archive")
    assert DISPUTE.can("followed_up", "archive")


@given(st.lists(st.sampled_from(sorted(VISIT.actions)), max_size=12))
def test_visit_machine_never_reaches_an_unknown_status(actions: list[str]) -> None:
    s = VISIT.initial
    for a in actions:
        if VISIT.can(s, a):
            s = VISIT.apply(s, a)
        else:
            with pytest.raises(WorkflowError):
                VISIT.apply(s, a)
        assert s in VISIT.statuses


@given(st.lists(st.sampled_from(sorted(DISPUTE.actions)), max_size=12))
def test_dispute_machine_terminal_is_final(actions: list[str]) -> None:
    s = DISPUTE.initial
    for a in actions:
        if DISPUTE.can(s, a):
            s = DISPUTE.apply(s, a)
    if s == "archived":
        assert DISPUTE.allowed(s) == []


def test_group_visit_threshold() -> None:
    assert not is_group_visit(4)
    assert is_group_visit(5)
    assert not is_group_visit(5, threshold=6)
    assert representatives_warning(5) is None
    assert "超过规定的5人" in (representatives_warning(6) or "")
    with pytest.raises(ValidationError, match="少于已登记的信访人"):
        check_headcount(1, 2)


def test_repeat_visit() -> None:
    assert not is_repeat_visit([], date(2025, 3, 1))
    assert is_repeat_visit([PriorVisit("x", date(2025, 2, 1), None)], date(2025, 3, 1))


def test_numbering_formats() -> None:
    assert format_mediation_no(2026, "柳树", 3) == "（2026）柳树调字第3号"
    assert format_dossier_no(2026, 12) == "（2026）人调字第12号"
    code = format_case_code("110105001001", 2026, "dispute", 12)
    assert code == "110105001001-2026-J-00012"
    parsed = parse_case_code(code.lower())
    assert (parsed.station_code, parsed.year, parsed.kind, parsed.seq) == (
        "110105001001",
        2026,
        "dispute",
        12,
    )
    with pytest.raises(ValidationError, match="案件编码"):
        parse_case_code("2026-12")


def test_pinyin_keys_and_surnames() -> None:
    assert name_keys("张三") == ("zhangsan", "zs")
    assert name_keys("单田芳")[1] == "stf"
    assert name_keys("曾国藩")[0].startswith("zeng")


def test_masking() -> None:
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_id_number(None) == ""


def test_station_codes() -> None:
    assert check_station_code("110105001001", "village") == "110105001001"
    with pytest.raises(ValidationError, match="后3位不能是000"):
        check_station_code("110105001000", "village")
    with pytest.raises(ValidationError, match="12位数字"):
        check_station_code("1101050010", "village")
    with pytest.raises(ValidationError, match="乡镇代码"):
        check_station_code("110105001001", "township")
    with pytest.raises(ValidationError, match="按区划代码应为 110105001000"):
        check_parent("110105001001", "village", "110105002000")


def test_permissions() -> None:
    assert allowed("mediator", "dispute.mediate")
    assert not allowed("clerk", "visit.review")
    with pytest.raises(Exception, match="录入员"):
        require("clerk", "operator.manage")
