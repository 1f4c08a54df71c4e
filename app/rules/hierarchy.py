"""The station hierarchy read from 12-digit division codes: county ⊃ township ⊃ village.

A county code is six digits + 000000, a township nine digits + 000, a village anything else
(see :mod:`app.rules.stations`). Sync uses this to decide which records a sender may carry:
its own, those of the stations below it (forwarded upward), and those of the stations above it
addressed downward.
"""

from __future__ import annotations

import re

_CODE = re.compile(r"\d{12}")


def level_of(code: str) -> str | None:
    if not _CODE.fullmatch(code):
        return None
    if code.endswith("000000"):
        return "county"
    if code.endswith("000"):
        return "township"
    return "village"


def parent_of(code: str) -> str | None:
    level = level_of(code)
    if level == "village":
        return code[:9] + "000"
    if level == "township":
        return code[:6] + "000000"
    return None


def is_ancestor(ancestor: str, code: str) -> bool:
    """Is ``ancestor`` strictly above ``code`` in the hierarchy?"""
    parent = parent_of(code)
    while parent is not None:
        if parent == ancestor:
            return True
        parent = parent_of(parent)
    return False
