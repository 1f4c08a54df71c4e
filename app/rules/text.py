"""Text normalisation shared by validation and import (full-width digits, spaces)."""

from __future__ import annotations

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
