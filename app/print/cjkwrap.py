"""Chinese line breaking for reportlab paragraphs (``wordWrap="CJK"``).

reportlab's CJK splitter breaks between any two characters and knows only a few Japanese
line-start prohibitions: a Chinese full-width comma, semicolon, colon or closing quote can
start a line, and it hangs at most one character into the margin (which crosses the rule of
a table cell). This splitter follows the usual Chinese rules (GB/T 15834 punctuation, 避头尾):

- closing punctuation never starts a line and opening brackets/quotes never end one; the
  break moves back instead of hanging punctuation into the margin;
- a run of Latin letters and digits (ID numbers, phone numbers, case codes, amounts) is kept
  on one line when it fits;
- a checkbox (□ ■) never ends a line: it stays with its label;
- a term of the code tables (基本满意, 人民调解, 邻里纠纷 …, two to four characters) is not
  split across lines when it fits on one — a rule without a dictionary: the terms are the
  labels the forms print from ``resources/codes``;
- the last line of a paragraph never holds a single character alone (with or without its
  closing punctuation): the line above gives it one more.

:func:`install` swaps these in for ``reportlab.platypus.paragraph.cjkFragSplit`` and
``wordSplit`` (the functions reportlab calls for CJK paragraphs with several fonts and with
one); it is idempotent and done when :mod:`app.print.layout` is imported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import paragraph as _rl_paragraph
from reportlab.rl_config import _FUZZ

CANNOT_START = set("，。、；：？！）］｝〕〉》」』】”’…—·％‰℃,.;:?!)]}%々ー～")
UNITS = set("年月日时分秒号元万亿个份人次户件条项岁")
CANNOT_END = set("（［｛〔〈《「『【“‘（([{$￥＄£□■☐☑")
BOXES = set("□■☐☑")


@lru_cache(maxsize=1)
def _terms() -> re.Pattern[str] | None:
    """The code-table labels of two to four Chinese characters, as one pattern."""
    from app.config import resources_dir

    labels: set[str] = set()
    for path in sorted((resources_dir() / "codes").glob("*.json")):
        try:
            items = json.loads(path.read_text(encoding="utf-8")).get("items", [])
        except (OSError, ValueError):
            continue
        stack = list(items)
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                label = str(item.get("label", ""))
                if 2 <= len(label) <= 4 and all("\u4e00" <= c <= "\u9fff" for c in label):
                    labels.add(label)
                stack.extend(item.get("children", []) or [])
    if not labels:
        return None
    return re.compile("|".join(re.escape(t) for t in sorted(labels, key=lambda t: (-len(t), t))))


def protected(text: str) -> dict[int, int]:
    """Positions inside a code-table term → where the term starts (no break before them)."""
    pattern = _terms()
    inside: dict[int, int] = {}
    if pattern is None:
        return inside
    for m in pattern.finditer(text):
        for k in range(m.start() + 1, m.end()):
            inside[k] = m.start()
    return inside


def _lone(chars: Sequence[str]) -> bool:
    """A line of one Chinese character (and perhaps its closing punctuation)."""
    body = [c for c in chars if str(c).strip() and str(c) not in CANNOT_START]
    return len(body) == 1 and "\u2e80" <= str(body[0]) <= "\U0003134f"


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
    inside = protected("".join(str(c)[:1] or "\x00" for c in chars))

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
            # a code-table term (基本满意) is not split when the line keeps most of its room
            term = inside.get(brk)
            if term is not None and term > start and sum(widths[start:term]) > max_width * 0.6:
                k = term
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
    return _no_widow(out, chars, widths, inside)


def _no_widow(
    lines: list[tuple[int, int, float, bool]],
    chars: Sequence[str],
    widths: Sequence[float],
    inside: dict[int, int],
) -> list[tuple[int, int, float, bool]]:
    """Give a lone last character one more from the line above (keeping 避头尾)."""
    if len(lines) < 2:
        return lines
    (pa, pb, _pw, p_hard), (a, b, _w, hard) = lines[-2], lines[-1]
    if p_hard or pb != a or not _lone(chars[a:b]):
        return lines
    for k in (pb - 1, pb - 2):
        if k - pa < 3:
            break
        if (
            str(chars[k]) not in CANNOT_START
            and str(chars[k - 1]) not in CANNOT_END
            and k not in inside
            and str(chars[k - 1]).strip()
        ):
            return [
                *lines[:-2],
                (pa, k, sum(widths[pa:k]), False),
                (k, b, sum(widths[k:b]), hard),
            ]
    return lines


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
