"""Text normalisation shared by validation and import (full-width digits, spaces)."""

from __future__ import annotations

import re
import unicodedata

_FULLWIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９ＸｘＡＢＣＤＥＦ－．／：，"}
_FULLWIDTH[0x3000] = 0x20  # ideographic space


def to_halfwidth(text: str) -> str:
    """Turn full-width digits, letters and common punctuation into ASCII."""
    return text.translate(_FULLWIDTH)


def _drop_controls(text: str, keep: str = "") -> str:
    return "".join(c for c in text if c in keep or unicodedata.category(c) != "Cc")


def clean(text: str | None) -> str:
    """Strip, NFC-normalise, drop control characters, collapse whitespace runs to one space."""
    if text is None:
        return ""
    text = _drop_controls(unicodedata.normalize("NFC", str(text)), keep="\t\n\r")
    return " ".join(text.replace("\u3000", " ").split())


def clean_multiline(text: str | None) -> str:
    """Like :func:`clean` but keeps line breaks (long text fields)."""
    if text is None:
        return ""
    text = _drop_controls(str(text), keep="\n\r\t")
    lines = [" ".join(line.replace("\u3000", " ").split()) for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return unicodedata.normalize("NFC", "\n".join(lines))


def format_yuan(amount: float | int | None, *, unit: bool = True) -> str:
    """The one way every form and report writes an amount: 3,000.00元 (two decimals, thousands
    separated; ``unit=False`` for a column headed 金额（元）). None → ""."""
    if amount is None:
        return ""
    text = f"{float(amount):,.2f}"
    return f"{text}元" if unit else text


def format_cn_datetime(moment: object) -> str:
    """2026年3月5日 09:30 — the date style of :func:`app.rules.dates.format_cn_date` with a time."""
    from datetime import datetime

    if not isinstance(moment, datetime):
        return ""
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


def mask_id_number(number: str | None) -> str:
    """Mask an ID number for lists and exports: keep the first 6 and the last 4 characters."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str | None) -> str:
    """Mask the middle of a phone number: 138****5678."""
    if not phone:
        return ""
    digits = phone
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}|0\d{2,3}-?\d{7,8})(?!\d)")


def mask_id_numbers(text: str) -> str:
    """Free text with every ID number masked (110105********1234); phones kept."""
    return _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(1)), text) if text else text


def mask_personal_numbers(text: str) -> str:
    """Free text (a legacy ledger's unmapped cells kept in a case note) with every ID number
    and phone number masked as the list views mask them (110105********1234, 138****5678)."""
    if not text:
        return text
    out = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(1)), text)
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(re.sub(r"[\s-]", "", m.group(1))), out)


# Words that name a role or the program, not a person: an account called 管理员 must never
# stand as 首接人 or 责任人 on a case (a printed form would name no one).
ROLE_WORDS = frozenset(
    {
        "管理员", "系统", "系统管理员", "站点管理员", "乡镇管理员", "超级管理员",
        "admin", "administrator", "system", "root",
    }
)  # fmt: skip


def is_role_word(name: str) -> bool:
    return unicodedata.normalize("NFKC", name).strip().lower() in ROLE_WORDS


def person_default(name: str) -> str:
    """The name to pre-fill into a person field: a real name, or nothing (never a role)."""
    name = name.strip()
    return "" if not name or is_role_word(name) else name
