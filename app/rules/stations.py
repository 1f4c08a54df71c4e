"""Station identity: 12-digit statistical division codes (NBS 统计用区划代码) by level."""

from __future__ import annotations

import re

from .errors import ValidationError

LEVEL_LABELS = {"village": "村（社区）", "township": "乡镇（街道）", "county": "县（区）"}


def check_station_code(code: str, level: str) -> str:
    code = code.strip()
    if level not in LEVEL_LABELS:
        raise ValidationError.single(
            "level",
            "层级",
            f"“{level}”无效",
            "应为 village（村/社区）、township（乡镇）或 county（县）",
        )
    if not re.fullmatch(r"\d{12}", code):
        raise ValidationError.single(
            "station_code",
            "区划代码",
            f"“{code}”应为12位数字",
            "请填写国家统计局12位统计用区划代码",
        )
    if level == "village" and code.endswith("000"):
        raise ValidationError.single(
            "station_code", "区划代码", "村（社区）代码的后3位不能是000", "请核对是否填成了乡镇代码"
        )
    if level == "township" and (not code.endswith("000") or code[6:9] == "000"):
        raise ValidationError.single(
            "station_code", "区划代码", "乡镇代码应为前9位加000", "例如 110105001000"
        )
    if level == "county" and not code.endswith("000000"):
        raise ValidationError.single(
            "station_code", "区划代码", "县级代码应为前6位加000000", "例如 110105000000"
        )
    return code


def expected_parent(code: str, level: str) -> str | None:
    if level == "village":
        return code[:9] + "000"
    if level == "township":
        return code[:6] + "000000"
    return None


def check_parent(code: str, level: str, parent: str | None) -> str | None:
    if not parent:
        return None
    parent = parent.strip()
    want = expected_parent(code, level)
    if want is None:
        # counties report to a prefecture whose code is not part of this app's hierarchy
        if not re.fullmatch(r"\d{12}", parent):
            raise ValidationError.single(
                "parent_code", "上级代码", f"“{parent}”应为12位数字", "请填写上级单位区划代码"
            )
        return parent
    if parent != want:
        raise ValidationError.single(
            "parent_code", "上级代码", f"“{parent}”与本站代码不相符", f"按区划代码应为 {want}"
        )
    return parent
