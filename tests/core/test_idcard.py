"""GB 11643 ID numbers: MOD 11-2, birth dates, sex, lower-case x, 15-digit conversion."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.rules.errors import ValidationError
from app.rules.idcard import (
    CHECK_MAP,
    WEIGHTS,
    check_char,
    convert_15_to_18,
    is_valid_id_number,
    validate_id_number,
)

VALID = ["11010519491231002X", "34052419800101001X", "440524188001010014", "370101190102039973"]


@pytest.mark.parametrize("number", VALID)
def test_published_examples_are_valid(number: str) -> None:
    assert validate_id_number(number).number == number


def test_standard_worked_example() -> None:
    # the standard's own: Σ = 189, 189 mod 11 = 2 → "X"
    body = "34052419800101001"
    assert sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) == 189
    assert check_char(body) == "X"


def test_derived_fields() -> None:
    info = validate_id_number("11010519491231002X")
    assert info.birth_date == date(1949, 12, 31)
    assert info.sex == "女"  # 17th digit 2 is even
    assert info.region_code == "110105"
    assert validate_id_number("34052419800101001X").sex == "男"
    assert info.age_on(date(2026, 1, 1)) == 76


def test_lowercase_x_and_fullwidth_are_normalised() -> None:
    assert validate_id_number("11010519491231002x").number == "11010519491231002X"
    assert validate_id_number("１１０１０５１９４９１２３１００２Ｘ").number == "11010519491231002X"
    assert validate_id_number(" 110105 19491231 002X ").number == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("11010519491231002Y", "只能由17位数字"),
        ("1101051949123100", "应为18位"),
        ("110105194912310021", "校验位不正确"),
        ("110105194902300020", "出生日期 19490230 不存在"),
        ("", "不能为空"),
        ("110105194912312", "15位旧号码"),
    ],
)
def test_invalid_numbers_name_the_field_and_the_fix(raw: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as err:
        validate_id_number(raw, today=date(2026, 3, 1))
    assert "「身份证号」" in str(err.value)
    assert fragment in str(err.value)
    assert err.value.fields() == ["id_number"]


def test_future_birth_date_is_rejected() -> None:
    body = "11010520300101001"
    with pytest.raises(ValidationError, match="晚于今天"):
        validate_id_number(body + check_char(body), today=date(2026, 3, 1))


def test_15_digit_conversion() -> None:
    # 15-digit legacy number of the standard's example person
    assert convert_15_to_18("340524800101001") == "34052419800101001X"
    info = validate_id_number("340524800101001", allow_15=True)
    assert info.number == "34052419800101001X"
    assert info.converted_from_15


digits17 = st.text(alphabet="0123456789", min_size=17, max_size=17)


def _body(region: int, born: date, seq: int) -> str:
    return f"{region:06d}{born:%Y%m%d}{seq:03d}"


bodies = st.builds(
    _body,
    st.integers(110000, 659999),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)),
    st.integers(0, 999),
)


@given(bodies)
def test_a_body_with_its_check_char_always_validates(body: str) -> None:
    number = body + check_char(body)
    info = validate_id_number(number, today=date(2026, 1, 1))
    assert info.number == number
    assert info.birth_date.strftime("%Y%m%d") == body[6:14]
    assert info.sex == ("男" if int(body[16]) % 2 else "女")


@given(bodies, st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_is_caught(body: str, pos: int, delta: int) -> None:
    number = body + check_char(body)
    changed = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1 :]
    # MOD 11-2 detects every single-digit substitution (unless the date becomes invalid first)
    assert not is_valid_id_number(changed, today=date(2026, 1, 1))


@given(bodies, st.integers(0, 15))
def test_adjacent_transpositions_are_caught(body: str, pos: int) -> None:
    number = body + check_char(body)
    if number[pos] == number[pos + 1]:
        return
    swapped = number[:pos] + number[pos + 1] + number[pos] + number[pos + 2 :]
    assert not is_valid_id_number(swapped, today=date(2026, 1, 1))


@given(digits17)
def test_check_char_is_always_in_the_map(body: str) -> None:
    assert check_char(body) in CHECK_MAP


@given(bodies)
def test_lower_x_round_trips(body: str) -> None:
    number = body + check_char(body)
    assert validate_id_number(number.lower(), today=date(2026, 1, 1)).number == number
