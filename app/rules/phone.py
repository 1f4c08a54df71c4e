"""Phone numbers: mainland mobile numbers and landlines (with or without area code)."""

from __future__ import annotations

import re

from .errors import ValidationError
from .text import to_halfwidth

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
_LOCAL = re.compile(r"^[2-9]\d{6,7}$")
_SERVICE = re.compile(r"^(400|800)\d{7}$|^(95|96)\d{3,6}$|^12\d{3}$")
_EXT = re.compile(r"(?:转|ext\.?|x|#)(\d{1,5})$", re.IGNORECASE)

FIELD = "phone"
LABEL = "联系电话"


def normalize_phone(raw: str) -> str:
    """Half-width digits; drop spaces, dashes, brackets and a +86/0086 prefix."""
    text = to_halfwidth(str(raw)).strip()
    text = re.sub(r"[\s\-()（）]", "", text)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    return text


def validate_phone(raw: str, *, field: str = FIELD, label: str = LABEL) -> str:
    """Return the normalised number (with ``-`` before an area code's number) or raise."""
    text = normalize_phone(raw)
    if not text:
        raise ValidationError.single(field, label, "不能为空", "请填写手机号或固定电话")
    ext = ""
    m = _EXT.search(text)
    if m:
        ext = m.group(1)
        text = text[: m.start()]
    if not text.isdigit():
        raise ValidationError.single(
            field, label, f"“{raw}”含有非数字字符", "请只填写数字，固定电话可写成 0571-88886666"
        )
    if _MOBILE.match(text):
        number = text
    elif _LANDLINE.match(text):
        area_len = 3 if text[1] in "12" else 4
        number = text[:area_len] + "-" + text[area_len:]
    elif _LOCAL.match(text) or _SERVICE.match(text):
        number = text
    elif text.startswith("1"):
        raise ValidationError.single(
            field, label, f"手机号“{raw}”应为以1开头的11位数字", "请核对位数"
        )
    else:
        raise ValidationError.single(
            field, label, f"“{raw}”不是有效的电话号码", "手机号为11位，固定电话请加区号"
        )
    return f"{number}转{ext}" if ext else number


def is_mobile(number: str) -> bool:
    return bool(_MOBILE.match(normalize_phone(number)))
