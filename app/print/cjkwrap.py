"""Chinese line breaking for reportlab paragraphs (``wordWrap="CJK"``).

reportlab's CJK splitter breaks between any two characters and knows only a few Japanese
line-start prohibitions: a Chinese full-width comma, semicolon, colon or closing quote can
start a line, and it hangs at most one character into the margin (which crosses the rule of
a table cell). This splitter follows the usual Chinese rules (GB/T 15834 punctuation, 避头尾):

- closing punctuation never starts a line and opening brackets/quotes never end one; the
  break moves back instead of hanging punctuation into the margin;
- a run of Latin letters and digits (ID numbers, phone numbers, case codes, amounts) is kept
  on one line when it fits.

:func:`install` swaps these in for ``reportlab.platypus.paragraph.cjkFragSplit`` and
``wordSplit`` (the functions reportlab calls for CJK paragraphs with several fonts and with
one); it is idempotent and done when :mod:`app.print.layout` is imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import paragraph as _rl_paragraph
from reportlab.rl_config import _FUZZ

CANNOT_START = set("，。、；：？！）］｝〕〉》」』】”’…—·％‰℃,.;:?!)]}%々ー～")
UNITS = set("年月日时分秒号元万亿个份人次户件条项岁")
CANNOT_END = set("（［｛〔〈《「『【“‘（([{$￥＄£")


def _is_word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "-_./@+")


def _width(u: Any, max_width: float) -> float:
    w = u.width
    if hasattr(w, "normalizedValue"):
        w._normalizer = max_width
        w = w.normalizedValue(max_width)
    return float(w)


def break_points(
    chars: Sequence[str],
    widths: Sequence[float],
    max_widths: Sequence[float],
    hard: Sequence[bool] | None = None,
) -> list[tuple[int, int, float, bool]]:
    """Line ranges (start, end, used width, ends with a hard break) for ``chars``."""
    out: list[tuple[int, int, float, bool]] = []
    n = len(chars)
    start = i = 0
    used = 0.0

    def limit() -> float:
        k = len(out)
        return float(max_widths[k] if k < len(max_widths) else max_widths[-1])

    while i < n:
        w = widths[i]
        if hard is not None and hard[i]:
            i += 1
            out.append((start, i, used + w, True))
            start, used = i, 0.0
            continue
        max_width = limit()
        if used + w > max_width + _FUZZ and i > start:
            brk = i
            # 避头尾: move the break back over closing punctuation / opening brackets
            k = brk
            while k > start + 1 and (chars[k] in CANNOT_START or chars[k - 1] in CANNOT_END):
                k -= 1
            if k > start + 1:
                brk = k
            # keep a Latin/digit run (ID number, phone, code) together when it fits, and a
            # number with its unit (12月, 3000元)
            if _is_word(chars[brk - 1]) and (
                _is_word(chars[brk]) or (chars[brk] in UNITS and chars[brk - 1].isdigit())
            ):
                k = brk
                while k > start and _is_word(chars[k - 1]):
                    k -= 1
                if k > start and sum(widths[k:brk]) < max_width * 0.6:
                    brk = k
            out.append((start, brk, sum(widths[start:brk]), False))
            start = brk
            if start < n and chars[start] == " ":
                start += 1
            i, used = start, 0.0
            continue
        used += w
        i += 1
    if start < n:
        out.append((start, n, sum(widths[start:n]), False))
    return out


def word_split(
    word: str | bytes,
    widths_allowed: Any,
    font_name: str,
    font_size: float,
    encoding: str = "utf8",
) -> list[list[Any]]:
    """Drop-in for ``reportlab.lib.textsplit.wordSplit`` (single-font CJK paragraphs;
    reportlab passes the arguments by position)."""
    text = word.decode(encoding) if isinstance(word, bytes) else word
    widths = [stringWidth(ch, font_name, font_size) for ch in text]
    max_widths = (
        list(widths_allowed) if isinstance(widths_allowed, (list, tuple)) else [widths_allowed]
    )
    lines: list[list[Any]] = []
    for k, (a, b, used, _hard) in enumerate(break_points(text, widths, max_widths)):
        limit = max_widths[k] if k < len(max_widths) else max_widths[-1]
        lines.append([limit - used, text[a:b]])
    return lines


def cjk_frag_split(
    frags: Any, widths_allowed: Any, calc_bounds: Any, encoding: str = "utf8"
) -> Any:
    """Drop-in for ``reportlab.platypus.paragraph.cjkFragSplit`` (mixed-font paragraphs;
    reportlab passes the arguments by position)."""
    cjk_u = _rl_paragraph.cjkU
    make_line = _rl_paragraph.makeCJKParaLine
    units: list[Any] = []
    for f in frags:
        text = f.text
        if isinstance(text, bytes):
            text = text.decode(encoding)
        if text:
            units.extend(cjk_u(t, f, encoding) for t in text)
        else:
            units.append(cjk_u(text, f, encoding))
    max_widths = (
        list(widths_allowed) if isinstance(widths_allowed, (list, tuple)) else [widths_allowed]
    )
    widths = [_width(u, float(max_widths[0])) for u in units]
    hard = [hasattr(u.frag, "lineBreak") for u in units]
    lines = []
    for k, (a, b, used, is_hard) in enumerate(break_points(units, widths, max_widths, hard)):
        limit = float(max_widths[k] if k < len(max_widths) else max_widths[-1])
        lines.append(make_line(units[a:b], limit, used, limit - used, is_hard, calc_bounds))
    return _rl_paragraph.ParaLines(kind=1, lines=lines)


def install() -> None:
    """Use these splitters for every CJK paragraph reportlab lays out in this process."""
    _rl_paragraph.cjkFragSplit = cjk_frag_split
    _rl_paragraph.wordSplit = word_split
