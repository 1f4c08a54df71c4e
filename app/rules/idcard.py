"""Resident identity card numbers (GB 11643-1999): MOD 11-2 check, birth date, sex.

Valid examples from the standard: 11010519491231002X, 34052419800101001X, 440524188001010014.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .errors import ValidationError
from .text import to_halfwidth

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_MAP = "10X98765432"
_RE18 = re.compile(r"^\d{17}[\dX]$")
_RE15 = re.compile(r"^\d{15}$")
_EARLIEST_BIRTH = date(1850, 1, 1)

FIELD = "id_number"
LABEL = "身份证号"


@dataclass(frozen=True)
class IdInfo:
    """A validated 18-character ID number and what it says about its holder."""

    number: str
    region_code: str
    birth_date: date
    sex: str  # "男" | "女"
    converted_from_15: bool = False

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


def check_char(body17: str) -> str:
    """The check character for the first 17 digits."""
    if len(body17) != 17 or not body17.isdigit():
        raise ValueError("body must be 17 digits")
    total = sum(int(d) * w for d, w in zip(body17, WEIGHTS, strict=True))
    return CHECK_MAP[total % 11]


def normalize(raw: str) -> str:
    """Half-width, upper-case X, spaces and dashes removed."""
    text = to_halfwidth(str(raw)).strip().upper()
    return re.sub(r"[\s\-]", "", text)


def _err(problem: str, fix: str) -> ValidationError:
    return ValidationError.single(FIELD, LABEL, problem, fix)


def _birth(digits8: str, today: date | None) -> date:
    try:
        born = date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:8]))
    except ValueError:
        raise _err(f"中的出生日期 {digits8} 不存在", "请核对第7至14位（年月日）") from None
    if born < _EARLIEST_BIRTH:
        raise _err(f"中的出生日期 {born.isoformat()} 过早", "请核对第7至14位（年月日）")
    if today is not None and born > today:
        raise _err(f"中的出生日期 {born.isoformat()} 晚于今天", "请核对第7至14位（年月日）")
    return born


def convert_15_to_18(raw15: str) -> str:
    """Convert a legacy 15-digit number (GB 11643-1989): insert '19' and add the check digit."""
    num = normalize(raw15)
    if not _RE15.match(num):
        raise _err("不是15位数字的旧号码", "请输入15位旧身份证号")
    body = num[:6] + "19" + num[6:]
    return body + check_char(body)


def validate_id_number(raw: str, *, today: date | None = None, allow_15: bool = False) -> IdInfo:
    """Validate and normalise an ID number; raise :class:`ValidationError` naming the problem.

    ``allow_15`` accepts a legacy 15-digit number and converts it to 18 characters.
    """
    num = normalize(raw)
    converted = False
    if not num:
        raise _err("不能为空", "请填写18位身份证号，或留空该字段")
    if _RE15.match(num):
        if not allow_15:
            raise _err("是15位旧号码", "请换用18位新号码（可选择“转换旧号码”自动补全）")
        _birth("19" + num[6:12], today)
        num = convert_15_to_18(num)
        converted = True
    if len(num) != 18:
        raise _err(f"应为18位，现为{len(num)}位", "请核对是否漏输或多输")
    if not _RE18.match(num):
        raise _err("只能由17位数字和最后一位数字或X组成", "请删除其中的字母或符号")
    born = _birth(num[6:14], today)
    expected = check_char(num[:17])
    if num[17] != expected:
        raise _err("校验位不正确", "请逐位核对号码（常见为抄错一位或两位颠倒）")
    sex = "男" if int(num[16]) % 2 == 1 else "女"
    return IdInfo(num, num[:6], born, sex, converted)


def is_valid_id_number(raw: str, *, today: date | None = None) -> bool:
    try:
        validate_id_number(raw, today=today)
    except ValidationError:
        return False
    return True
