"""Which characters the printed forms can draw, and the entry rule that refuses the others.

Every form is drawn with the bundled fonts when the machine has nothing better (DESIGN §8):
WenQuanYi Micro Hei for the basic CJK set, subsets of Hanazono Mincho and BabelStone Han for
the CJK extensions A–G (:mod:`app.rules.glyph_ranges`, generated from those files). A record
is printed at the village, the township and the county on different machines, so what may be
typed is what the bundled fonts draw — not what this machine's fonts happen to have. A
character outside them would print as an empty box on a paper handed to a party; it is
refused where it is typed instead, with the character and its code point named.
"""

from __future__ import annotations

import bisect
import unicodedata
from functools import lru_cache

from .errors import Problems
from .glyph_ranges import RANGES


@lru_cache(maxsize=1)
def _table() -> tuple[list[int], list[int]]:
    starts: list[int] = []
    ends: list[int] = []
    for item in RANGES.split():
        a, _, b = item.partition("-")
        starts.append(int(a, 16))
        ends.append(int(b or a, 16))
    return starts, ends


def printable(ch: str) -> bool:
    """Whether the bundled fonts draw ``ch`` (white space and line breaks always pass)."""
    if ch.isspace() or unicodedata.category(ch) == "Cc":
        return True
    code = ord(ch)
    starts, ends = _table()
    i = bisect.bisect_right(starts, code) - 1
    return i >= 0 and code <= ends[i]


def unprintable(text: str | None) -> list[str]:
    """The characters of ``text`` no bundled font draws, each once, in order of appearance."""
    seen: list[str] = []
    for ch in text or "":
        if ch not in seen and not printable(ch):
            seen.append(ch)
    return seen


def describe(chars: list[str]) -> str:
    """“𠀀”（U+20000）、… for a message (the code point names a character a screen may not show)."""
    return "、".join(f"“{c}”（U+{ord(c):04X}）" for c in chars)


def check_printable(problems: Problems, field: str, label: str, text: str | None) -> None:
    """Add a problem to ``problems`` when ``text`` holds characters no form can print."""
    bad = unprintable(text)
    if bad:
        problems.add(
            field,
            label,
            f"中的{describe(bad)}无法打印（文书字体中没有这个字，打印出来会是空框）",
            "请改用规范汉字书写；确属姓名用字的，请在备注中注明并手写补正",
        )
