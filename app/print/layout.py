"""Layout helpers shared by every form: the GB/T 9704 page, styles, titles, numbered headers,
labelled fields, CJK-wrapped paragraphs, grid tables, signature/fingerprint/seal blocks, ruled
lines for handwriting, cut lines, page numbers 第N页 共M页, and the PDF builder.

Pagination rules are kept here, for every form, not by each form (see :func:`build_pdf`):

- a closing block — signature lines, a seal block, a cut line with its tear-off slip — never
  stands alone on a page: it takes the last lines of the text before it along (at least the
  last two lines of its *anchor*, by default the flowable just before it; the agreement
  anchors on its last term), and the page it leaves is filled to the bottom;
- in ruled forms a row that holds signatures is never split from the row above it;
- every page says 第N页 共M页 (two passes: the total is known when the pages are written);
  a multi-page agreement can carry a 骑缝 line at the right edge for the committee's seal.

Every piece of text goes through :meth:`FontSet.markup`, so characters the role's font lacks
are drawn with a fallback face instead of a box.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import _ContainerSpace, _listWrapOn
from reportlab.rl_config import _FUZZ

from . import cjkwrap
from .fonts import FontSet, get_fonts

cjkwrap.install()

BODY_SIZE = 16.0  # 3号
TITLE_SIZE = 22.0  # 2号
PAGE_NO_SIZE = 14.0  # 4号
LINE = 28.9  # 22 lines per 225 mm type block
CHINESE_DIGITS = "〇一二三四五六七八九"


@dataclass(frozen=True)
class PageSpec:
    """Paper and margins (points). ``numbers``: "official" (odd right, even left), "center"."""

    size: tuple[float, float]
    top: float
    bottom: float
    left: float
    right: float
    numbers: str = "official"

    @property
    def width(self) -> float:
        return self.size[0] - self.left - self.right

    @property
    def height(self) -> float:
        return self.size[1] - self.top - self.bottom


# GB/T 9704-2012: A4, 天头 37 mm, 订口 28 mm, type block 156 × 225 mm
PORTRAIT = PageSpec(A4, 37 * mm, 35 * mm, 28 * mm, 26 * mm, "official")
# forms with a full-page grid keep the official left/right margins and a little more height
FORM = PageSpec(A4, 25 * mm, 25 * mm, 28 * mm, 26 * mm, "center")
# ledgers and registers: landscape tables
LANDSCAPE = PageSpec(landscape(A4), 16 * mm, 16 * mm, 14 * mm, 14 * mm, "center")


# --- styles ------------------------------------------------------------------------------------


class Look:
    """Paragraph styles bound to the resolved fonts; ``role`` of each style drives fallback."""

    def __init__(self, fonts: FontSet) -> None:
        self.fonts = fonts
        f = fonts.font
        self.roles: dict[str, str] = {}
        self.styles: dict[str, ParagraphStyle] = {}

        def add(name: str, role: str, **kw: Any) -> None:
            kw.setdefault("fontSize", BODY_SIZE)
            kw.setdefault("leading", LINE)
            kw.setdefault("wordWrap", "CJK")
            self.styles[name] = ParagraphStyle(name, fontName=f(role), **kw)
            self.roles[name] = role

        add("title", "title", fontSize=TITLE_SIZE, leading=34, alignment=TA_CENTER, spaceAfter=6)
        add("subtitle", "kai", alignment=TA_CENTER, spaceAfter=4)
        add("number", "body", alignment=TA_RIGHT, spaceAfter=10)
        add("number_center", "body", alignment=TA_CENTER, spaceAfter=10)
        add("body", "body", firstLineIndent=2 * BODY_SIZE, alignment=TA_JUSTIFY)
        add("body_flush", "body", alignment=TA_JUSTIFY)
        add("body_right", "body", alignment=TA_RIGHT)
        add("body_center", "body", alignment=TA_CENTER)
        add("heading", "heading", spaceBefore=4, keepWithNext=1)
        add("heading_indent", "heading", firstLineIndent=2 * BODY_SIZE, keepWithNext=1)
        add("heading2", "kai", firstLineIndent=2 * BODY_SIZE, keepWithNext=1)
        add("label", "body", alignment=TA_LEFT)
        add("hanging", "body", leftIndent=2 * BODY_SIZE, firstLineIndent=0, alignment=TA_JUSTIFY)
        # tables in forms: 小四 (12 pt)
        add("cell", "song", fontSize=12, leading=18, alignment=TA_LEFT)
        add("cell_center", "song", fontSize=12, leading=18, alignment=TA_CENTER)
        add("cell_label", "song", fontSize=12, leading=18, alignment=TA_CENTER)
        add("cell_head", "heading", fontSize=12, leading=18, alignment=TA_CENTER)
        add("cell_small", "song", fontSize=10.5, leading=14, alignment=TA_LEFT)
        add("cell_small_center", "song", fontSize=10.5, leading=14, alignment=TA_CENTER)
        add("cell_small_head", "heading", fontSize=10.5, leading=14, alignment=TA_CENTER)
        add("cell_body", "song", fontSize=12, leading=20, alignment=TA_JUSTIFY)
        add(
            "cell_indent", "song", fontSize=12, leading=20, firstLineIndent=24, alignment=TA_JUSTIFY
        )
        # ledgers: 五号/小五
        add("ledger_title", "title", fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=2)
        add("ledger_sub", "song", fontSize=10.5, leading=15, alignment=TA_LEFT)
        add("ledger_head", "heading", fontSize=9.5, leading=12, alignment=TA_CENTER)
        add("ledger_cell", "song", fontSize=9, leading=11.5, alignment=TA_LEFT)
        add("ledger_cell_center", "song", fontSize=9, leading=11.5, alignment=TA_CENTER)
        add("small", "song", fontSize=10.5, leading=15, alignment=TA_LEFT)
        add("small_right", "song", fontSize=10.5, leading=15, alignment=TA_RIGHT)
        add("small_center", "song", fontSize=10.5, leading=15, alignment=TA_CENTER)
        add("note", "kai", fontSize=12, leading=18, alignment=TA_LEFT)

    def p(self, text: str, style: str = "body", **overrides: Any) -> Paragraph:
        """A paragraph of plain ``text`` (escaped; fallback fonts where needed)."""
        st = self.styles[style]
        if overrides:
            st = ParagraphStyle(f"{style}*", parent=st, **overrides)
        return Paragraph(self.fonts.markup(text, self.roles[style]), st)

    def rich(self, parts: Iterable[tuple[str, str]], style: str = "body") -> Paragraph:
        """A paragraph mixing roles: ``parts`` are (role, text), e.g. a 黑体 label + 仿宋 value."""
        own = self.roles[style]
        out = []
        for role, text in parts:
            inner = self.fonts.markup(text, role)
            out.append(
                inner if role == own else f'<font face="{self.fonts.font(role)}">{inner}</font>'
            )
        return Paragraph("".join(out), self.styles[style])

    def vertical(self, text: str, style: str = "cell_label") -> Paragraph:
        """Text set one character per line (labels of tall merged cells)."""
        role = self.roles[style]
        return Paragraph(
            "<br/>".join(self.fonts.markup(ch, role) for ch in text), self.styles[style]
        )

    def size(self, style: str) -> float:
        return float(self.styles[style].fontSize)


_LOOKS: dict[int, Look] = {}


def look() -> Look:
    fonts = get_fonts()
    hit = _LOOKS.get(id(fonts))
    if hit is None or hit.fonts is not fonts:
        hit = _LOOKS[id(fonts)] = Look(fonts)
    return hit


# --- closing blocks and anchors (pagination marks) ----------------------------------------------

_CLOSING = "_zz_closing"
_ANCHOR = "_zz_anchor"


def closing(f: Any) -> Any:
    """Mark ``f`` as part of a closing block (signatures, seal, cut line and slip): it never
    stands alone on a page (see :class:`Tail`). Returns ``f``."""
    setattr(f, _CLOSING, True)
    return f


def anchor(f: Any) -> Any:
    """Mark ``f`` as the text a closing block must share its page with (at least its last two
    lines), e.g. the agreement's last term. Returns ``f``."""
    setattr(f, _ANCHOR, True)
    return f


def is_closing(value: Any) -> bool:
    if getattr(value, _CLOSING, False):
        return True
    if isinstance(value, KeepTogether):
        return any(is_closing(x) for x in value._content)
    if isinstance(value, (list, tuple)):
        return any(is_closing(x) for x in value)
    return False


# --- building blocks ----------------------------------------------------------------------------


def cjk_table_style(commands: Sequence[tuple[Any, ...]]) -> TableStyle:
    """A TableStyle whose plain-string cells use the CJK font (not reportlab's Helvetica,
    which would otherwise be listed, unembedded, in every PDF with an empty cell)."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), get_fonts().font("song")), *commands])


def title(text: str) -> Paragraph:
    return look().p(text, "title")


def doc_number(text: str, *, center: bool = False) -> Paragraph:
    """The numbered header, e.g. （2026）柳树调字第3号."""
    return look().p(text, "number_center" if center else "number")


def heading(text: str) -> Paragraph:
    return look().p(text, "heading")


def paragraphs(text: str, style: str = "body") -> list[Flowable]:
    """One paragraph per line of ``text`` (empty lines dropped); CJK wrapping, 2-char indent."""
    lx = look()
    lines = [ln.strip() for ln in (text or "").splitlines()]
    return [lx.p(ln, style) for ln in lines if ln]


def field_line(label: str, value: str, *, style: str = "body_flush") -> Paragraph:
    """“label：value” with the label in 黑体 (a labelled field in running text)."""
    return look().rich([("heading", f"{label}："), ("body", value or "")], style)


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 25 → 二十五 (copy counts, list numbering up to 99)."""
    if n < 0 or n > 99:
        return str(n)
    if n < 10:
        return CHINESE_DIGITS[n] if n else "零"
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CHINESE_DIGITS[tens]
    return f"{head}十{CHINESE_DIGITS[ones] if ones else ''}"


_NUMBERED = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.．]|\d+[、.．)）]|（[一二三四五六七八九十\d]+）)"
)


def numbered_items(text: str) -> list[str]:
    """Split terms into items, numbering them 一、二、… unless the text is numbered already."""
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    if not lines:
        return []
    if any(_NUMBERED.match(ln) for ln in lines):
        return lines
    if len(lines) == 1:
        return lines
    return [f"{chinese_number(i)}、{ln}" for i, ln in enumerate(lines, 1)]


def grid(
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    spans: Sequence[tuple[tuple[int, int], tuple[int, int]]] = (),
    heights: Sequence[float | None] | None = None,
    label_cols: Sequence[int] = (),
    head_rows: int = 0,
    repeat_rows: int = 0,
    style: str = "cell",
    padding: float = 4,
    valign: str = "MIDDLE",
) -> Table:
    """A ruled form table. Strings become paragraphs (``cell_label`` in ``label_cols``)."""
    lx = look()
    data: list[list[Any]] = []
    for r, row in enumerate(rows):
        cells: list[Any] = []
        for c, value in enumerate(row):
            if isinstance(value, str):
                if r < head_rows:
                    cells.append(lx.p(value, "cell_head"))
                elif c in label_cols:
                    cells.append(lx.p(value, "cell_label"))
                else:
                    cells.append(lx.p(value, style))
            else:
                cells.append(value)
        data.append(cells)
    table = Table(
        data,
        colWidths=list(widths),
        rowHeights=list(heights) if heights else None,
        repeatRows=repeat_rows,
        hAlign="CENTER",
    )
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.75, colors.black),
        ("VALIGN", (0, 0), (-1, -1), valign),
        ("LEFTPADDING", (0, 0), (-1, -1), padding),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding),
        ("TOPPADDING", (0, 0), (-1, -1), padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
    ]
    for start, end in spans:
        commands.append(("SPAN", start, end))
    table.setStyle(cjk_table_style(commands))
    return table


def chunks(text: str, limit: int = 120) -> list[str]:
    """Split text into paragraphs and long paragraphs at sentence ends (≤ ``limit`` chars each),
    so a long statement inside a ruled form can continue onto the next page between rows."""
    out: list[str] = []
    for raw in (text or "").splitlines():
        rest = raw.strip()
        while len(rest) > limit:
            cut = max(rest.rfind(p, 0, limit) for p in "。；！？;!?")
            if cut < limit // 3:
                cut = max(rest.rfind(p, 0, limit) for p in "，、,")
            if cut < limit // 3:
                cut = limit - 1
            out.append(rest[: cut + 1])
            rest = rest[cut + 1 :].strip()
        if rest:
            out.append(rest)
    return out


class FormGrid:
    """A ruled form (登记表-style) built row by row.

    Long text goes in :meth:`text` sections: one row per chunk with no rule between them, so
    the section reads as one cell but the table can break across pages between chunks.
    """

    def __init__(self, widths: Sequence[float], *, style: str = "cell") -> None:
        self.widths = list(widths)
        self.n = len(self.widths)
        self.style = style
        self.rows: list[list[Any]] = []
        self.heights: list[float | None] = []
        self.spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
        self.continued: set[int] = set()  # rows that continue the row above (no rule between)
        self.top_rows: set[int] = set()  # rows aligned to the top
        self.closing_rows: set[int] = set()  # rows holding signatures: kept with the row above
        self.flex: set[int] = set()  # rows taller than their text (room to write by hand)

    def _cell(self, value: Any, label: bool) -> Any:
        if isinstance(value, str):
            return look().p(value, "cell_label" if label else self.style)
        return value

    def row(
        self,
        *cells: Any,
        labels: Sequence[int] = (),
        spans: Sequence[tuple[int, int]] = (),
        height: float | None = None,
        top: bool = False,
    ) -> FormGrid:
        """Add a row. ``cells`` fill columns left to right; ``spans`` are (first, last) column
        ranges merged in this row (the cells they cover must be given as "")."""
        values = list(cells) + [""] * (self.n - len(cells))
        r = len(self.rows)
        if any(is_closing(v) for v in values):
            self.closing_rows.add(r)
        self.rows.append([self._cell(v, i in labels) for i, v in enumerate(values)])
        self.heights.append(height)
        for a, b in spans:
            self.spans.append(((a, r), (b, r)))
        if top:
            self.top_rows.add(r)
        return self

    def pair_row(self, *pairs: tuple[str, str], spans: Sequence[tuple[int, int]] = ()) -> FormGrid:
        """label, value, label, value … (labels centred)."""
        cells: list[str] = []
        labels: list[int] = []
        for lab, val in pairs:
            labels.append(len(cells))
            cells += [lab, val]
        return self.row(*cells, labels=labels, spans=spans)

    def text(
        self,
        label: str,
        text: str,
        *,
        label_cols: int = 1,
        min_height: float = 0,
        style: str = "cell_indent",
        label_vertical: bool = False,
    ) -> FormGrid:
        """A labelled long-text section; ``min_height`` (points) leaves room to write by hand."""
        lx = look()
        parts = chunks(text) or [""]
        first = len(self.rows)
        for i, part in enumerate(parts):
            lab: Any = ""
            if i == 0:
                lab = (
                    lx.vertical(label, "cell_label")
                    if label_vertical
                    else lx.p(label, "cell_label")
                )
            body = lx.p(part, style) if part else ""
            values: list[Any] = (
                [lab] + [""] * (label_cols - 1) + [body] + [""] * (self.n - label_cols - 1)
            )
            r = len(self.rows)
            self.rows.append(values)
            self.heights.append(None)
            if label_cols > 1:
                self.spans.append(((0, r), (label_cols - 1, r)))
            if self.n - label_cols > 1:
                self.spans.append(((label_cols, r), (self.n - 1, r)))
            if i > 0:
                self.continued.add(r)
            self.top_rows.add(r)
        if min_height and len(parts) == 1:
            # at least ``min_height``: a fixed row height would not grow with the text
            row = self.rows[first]
            text_w = sum(self.widths[label_cols:]) - 8
            label_w = sum(self.widths[:label_cols]) - 8
            needed = max(
                row[label_cols].wrap(text_w, 10_000)[1] if row[label_cols] else 0,
                row[0].wrap(label_w, 10_000)[1] if row[0] else 0,
            )
            self.heights[first] = max(min_height, needed + 8.5)
            self.flex.add(first)
        return self

    def full(self, content: Any, *, height: float | None = None, top: bool = True) -> FormGrid:
        """A row spanning the whole width (declarations, signatures inside the form)."""
        return self.row(
            content, *[""] * (self.n - 1), spans=[(0, self.n - 1)], height=height, top=top
        )

    def table(self) -> Flowable:
        """The ruled table; with rows left tall to write in, a :class:`FlexTable` that gives
        up that room (never the text) when that keeps the form on one page."""
        full = self._table(self.heights)
        if not self.flex:
            return full
        tight = [None if r in self.flex else h for r, h in enumerate(self.heights)]
        return FlexTable(full, self._table(tight))

    def _needed(self, r: int) -> float:
        """The height row ``r``'s text needs (cells spanning columns of this row only)."""
        spans = {a[0]: b[0] for a, b in self.spans if a[1] == b[1] == r}
        covered = {c for a, b in self.spans if a[1] <= r <= b[1] for c in range(a[0] + 1, b[0] + 1)}
        multi = {a[0] for a, b in self.spans if a[1] <= r <= b[1] and a[1] != b[1]}
        need = 0.0
        for c, cell in enumerate(self.rows[r]):
            if c in covered or c in multi or not isinstance(cell, Flowable):
                continue
            width = sum(self.widths[c : spans.get(c, c) + 1]) - 8
            need = max(need, float(cell.wrap(width, 0xFFFFFF)[1]) + 8.5)
        return need

    def _table(self, heights: Sequence[float | None]) -> Table:
        # a fixed row height grows to its text: a long entry never runs out of its cell
        heights = [h if h is None else max(h, self._needed(r)) for r, h in enumerate(heights)]
        t = Table(self.rows, colWidths=self.widths, rowHeights=list(heights), hAlign="CENTER")
        commands: list[tuple[Any, ...]] = [
            ("BOX", (0, 0), (-1, -1), 0.9, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]
        for c in range(self.n - 1):
            commands.append(("LINEAFTER", (c, 0), (c, -1), 0.6, colors.black))
        for r in range(len(self.rows) - 1):
            if r + 1 not in self.continued:
                commands.append(("LINEBELOW", (0, r), (-1, r), 0.6, colors.black))
        for r in sorted(self.top_rows):
            commands.append(("VALIGN", (0, r), (-1, r), "TOP"))
        for r in sorted(self.continued):
            commands.append(("TOPPADDING", (0, r), (-1, r), 0))
        for start, end in self.spans:
            commands.append(("SPAN", start, end))
        for r in sorted(self.closing_rows):
            # signatures never start a page: the row above comes along
            commands.append(("NOSPLIT", (0, max(r - 1, 0)), (-1, r)))
        t.setStyle(cjk_table_style(commands))
        return t


class FlexTable(Flowable):  # type: ignore[misc]  # reportlab ships no type hints
    """A table in two versions: ``full`` (rows tall enough to write in) wherever it fits, else
    ``tight`` (those rows only as tall as their text) when that fits; split as ``full``."""

    def __init__(self, full: Table, tight: Table) -> None:
        super().__init__()
        self.full, self.tight = full, tight
        self.current = full
        self.hAlign = "CENTER"
        self._zz_closing = is_closing(full) or bool(getattr(full, "_zz_closing", False))

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        w, h = self.full.wrap(avail_width, avail_height)
        self.current = self.full
        if h > avail_height + _FUZZ:
            tw, th = self.tight.wrap(avail_width, avail_height)
            if th <= avail_height + _FUZZ:
                self.current, w, h = self.tight, tw, th
        self.width, self.height = w, h
        return w, h

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        return list(self.full.split(avail_width, avail_height))

    def draw(self) -> None:
        self.current.drawOn(self.canv, 0, 0)


def checks(options: Sequence[str], chosen: str | Iterable[str]) -> str:
    """“■当事人申请　□调委会主动调解” (■ chosen, □ not)."""
    picked = {chosen} if isinstance(chosen, str) else set(chosen)
    return "　".join(("■" if o in picked else "□") + o for o in options)


class RuledLines(Flowable):  # type: ignore[misc]  # reportlab ships no type hints
    """``n`` ruled lines to write on by hand (a blank that prints, not a missing value)."""

    def __init__(self, n: int, pitch: float = 10 * mm, width: float | None = None) -> None:
        super().__init__()
        self.n, self.pitch, self._width = n, pitch, width

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = self._width or avail_width
        self.height = self.n * self.pitch
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.setLineWidth(0.5)
        c.setStrokeColor(colors.black)
        for i in range(self.n):
            y = self.height - (i + 1) * self.pitch + 1.5
            c.line(0, y, self.width, y)


class CutLine(Flowable):  # type: ignore[misc]  # reportlab ships no type hints
    """A dashed cut line across the page with a label in the middle (receipt stubs).

    At the top of a page there is nothing to cut off, so it takes no room and draws nothing;
    it is a closing block, so the pagination keeps text of the form above it."""

    _zz_closing = True

    def __init__(
        self, label: str = "裁　剪　线", space: float = 8 * mm, page: PageSpec | None = None
    ) -> None:
        super().__init__()
        self.label, self.space = label, space
        self.page = page or FORM
        self.hidden = False

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        # at the top of a page (not when a list of flowables is being measured)
        self.hidden = self.page.height - 1 <= avail_height <= self.page.height + 1
        self.width, self.height = avail_width, (0 if self.hidden else self.space)
        return self.width, self.height

    def draw(self) -> None:
        if self.hidden:
            return
        c = self.canv
        lx = look()
        size = 10.5
        role = "song"
        text_w = runs_width(self.label, role, size)
        mid = self.height / 2
        gap = text_w / 2 + 6
        c.saveState()
        c.setDash(4, 3)
        c.setLineWidth(0.6)
        c.line(0, mid, self.width / 2 - gap, mid)
        c.line(self.width / 2 + gap, mid, self.width, mid)
        c.restoreState()
        draw_text(c, self.width / 2, mid - size * 0.35, self.label, role, size, "center")
        del lx


class SealSpace(Flowable):  # type: ignore[misc]  # reportlab ships no type hints
    """Vertical room for a round seal (42 mm) stamped over the committee name and date."""

    def __init__(self, height: float = 14 * mm) -> None:
        super().__init__()
        self._h = height

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width, self.height = avail_width, self._h
        return self.width, self.height

    def draw(self) -> None:  # nothing to draw: the space is the point
        return


def signature_rows(
    people: Sequence[tuple[str, str] | tuple[str, str, bool]],
    *,
    fingerprint: bool = True,
    width: float | None = None,
    row_height: float | None = None,
) -> Table:
    """One row per signer: “申请人：张三” | （签名）____ | 指印 [box].

    ``people``: (role label, printed name[, fingerprint box]); the name may be empty for a
    signer who writes it (人民调解员, 记录人): two of those share a row. Rows are 17 mm (room
    for a signature and a fingerprint box), 14 mm when more than three people press a
    fingerprint, so a five-party agreement's signatures stay on the page of its last term.
    """
    lx = look()
    total = width or PORTRAIT.width
    widths = [total * 0.34, total * 0.16, total * 0.30, total * 0.20]
    entries = [(e[0], e[1], e[2] if len(e) > 2 else fingerprint) for e in people]
    signers = [e for e in entries if e[1] or e[2]]
    officials = [e for e in entries if not e[1] and not e[2]]
    boxes = sum(1 for e in signers if e[2])
    tall = row_height or (17 * mm if boxes <= 3 else 14 * mm)
    data: list[list[Any]] = []
    heights: list[float] = []
    for role, name, box in signers:
        data.append(
            [
                lx.rich([("heading", f"{role}："), ("body", name)], "label"),
                lx.p("（签名）", "label"),
                "",
                FingerprintBox(lx.fonts, side=min(16 * mm, tall - 2 * mm)) if box else "",
            ]
        )
        heights.append(tall)
    spans: list[tuple[Any, ...]] = []
    for i in range(0, len(officials), 2):
        pair = officials[i : i + 2]
        cells: list[Any] = []
        cell_widths: list[float] = []
        half = total / len(pair) if len(pair) > 1 else total * 0.64
        for role, _name, _box in pair:
            label_w = runs_width(f"{role}：", "heading", BODY_SIZE) + 2
            sign_w = runs_width("（签名）", "body", BODY_SIZE) + 2
            cells += [lx.rich([("heading", f"{role}：")], "label"), lx.p("（签名）", "label"), ""]
            cell_widths += [label_w, sign_w, max(half - label_w - sign_w - 6, 20 * mm)]
        inner = Table([cells], colWidths=cell_widths, rowHeights=[12 * mm], hAlign="LEFT")
        inner.setStyle(
            cjk_table_style(
                [
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    *[
                        ("LINEBELOW", (c, 0), (c, 0), 0.6, colors.black)
                        for c in (2, 5)[: len(pair)]
                    ],
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        spans.append(("SPAN", (0, len(data)), (-1, len(data))))
        data.append([inner, "", "", ""])
        heights.append(12 * mm)
    table = Table(data, colWidths=widths, rowHeights=heights, hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        *spans,
    ]
    if signers:
        commands.append(("LINEBELOW", (2, 0), (2, len(signers) - 1), 0.6, colors.black))
    table.setStyle(cjk_table_style(commands))
    return closing(table)


class FingerprintBox(Flowable):  # type: ignore[misc]  # reportlab ships no type hints
    """“（按指印）” with a square for the fingerprint (17 mm)."""

    def __init__(self, fonts: FontSet, side: float = 16 * mm) -> None:
        super().__init__()
        self.fonts, self.side = fonts, side

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width, self.height = avail_width, self.side
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.setLineWidth(0.5)
        c.setDash(2, 2)
        x = self.width - self.side - 2
        c.rect(x, 0, self.side, self.side)
        c.setDash()
        draw_text(c, x - 3, 2, "指印", "body", 12, "right")


def sign_line(label: str, *, width: float = 40 * mm) -> Table:
    """“label：________” for one signature."""
    lx = look()
    label_w = runs_width(f"{label}：", "heading", BODY_SIZE) + 4
    t = Table(
        [[lx.rich([("heading", f"{label}：")], "label"), ""]],
        colWidths=[label_w, width],
        rowHeights=[12 * mm],
        hAlign="LEFT",
    )
    t.setStyle(
        cjk_table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LINEBELOW", (1, 0), (1, 0), 0.6, colors.black),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return closing(t)


def seal_block(
    org: str, day_text: str, *, note: str = "（盖章）", space_mm: float = 16
) -> list[Flowable]:
    """The issuing body and date at the right, with room for the round seal over them."""
    lx = look()
    return [
        closing(SealSpace(space_mm * mm)),
        closing(lx.p(f"{org}{note}", "body_right")),
        closing(lx.p(day_text, "body_right", rightIndent=2 * BODY_SIZE)),
    ]


def keep(*items: Flowable | Sequence[Flowable]) -> KeepTogether:
    flat: list[Flowable] = []
    for item in items:
        if isinstance(item, Flowable):
            flat.append(item)
        else:
            flat.extend(item)
    return KeepTogether(flat)


def gap(height_mm: float) -> Spacer:
    return Spacer(1, height_mm * mm)


def page_break() -> PageBreak:
    return PageBreak()


def need(height_mm: float) -> CondPageBreak:
    return CondPageBreak(height_mm * mm)


# --- drawing text on the canvas (page numbers, chart labels) ---------------------------------------


def runs_width(text: str, role: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    fonts = get_fonts()
    return float(sum(stringWidth(run, name, size) for name, run in fonts.runs(text, role)))


def draw_text(
    c: Canvas, x: float, y: float, text: str, role: str, size: float, align: str = "left"
) -> None:
    """Draw one line with per-character font fallback; ``align``: left | center | right."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    fonts = get_fonts()
    runs = fonts.runs(text, role)
    total = sum(stringWidth(run, name, size) for name, run in runs)
    if align == "center":
        x -= total / 2
    elif align == "right":
        x -= total
    for name, run in runs:
        c.setFont(name, size)
        c.drawString(x, y, run)
        x += stringWidth(run, name, size)


# --- pagination: closing blocks take text along ------------------------------------------------

CARRY_LINES = 2  # lines of the anchor that go along with a closing block
MAX_BLANK = 0.25  # a page before the last is never blanker than this
_GAP_STRETCH = 1.5  # at most this many body lines of extra space between two blocks


def _flat(flows: Sequence[Flowable]) -> list[Flowable]:
    """``flows`` with kept-together groups opened (their wrap asks for a split, not a size)."""
    out: list[Flowable] = []
    for f in flows:
        if isinstance(f, (KeepTogether, Tail)):
            out += _flat(f._content)
        else:
            out.append(f)
    return out


def _height(flows: Sequence[Flowable], width: float, canv: Any) -> float:
    return float(_listWrapOn(_flat(flows), width, canv)[1]) if flows else 0.0


def _keeps_with_next(f: Flowable) -> bool:
    try:
        return bool(f.getKeepWithNext())
    except AttributeError:
        return False


def _fill(
    flows: Sequence[Flowable], width: float, room: float, canv: Any
) -> tuple[list[Flowable], list[Flowable]]:
    """Split ``flows`` into what fills ``room`` and the rest (splitting one flowable where
    it allows it: a paragraph between lines, a table between rows)."""
    head: list[Flowable] = []
    items = list(flows)
    while items:
        f = items[0]
        if _height([*head, f], width, canv) <= room + _FUZZ:
            head.append(items.pop(0))
            continue
        left = room - _height(head, width, canv) - (f.getSpaceBefore() if head else 0)
        parts = f.splitOn(canv, width, left) if left > 0 else []
        if len(parts) >= 2:
            head.append(parts[0])
            items = [*parts[1:], *items[1:]]
        break
    while head and _keeps_with_next(head[-1]):
        items.insert(0, head.pop())
    return head, items


def _last_lines(f: Flowable, width: float, canv: Any, n: int = CARRY_LINES) -> tuple[Any, Any]:
    """(all but the last ``n`` lines of ``f``, its last lines) — (None, f) when it cannot be
    split (a short paragraph, a picture)."""
    if isinstance(f, FlexTable):
        f = f.full
    _w, h = f.wrapOn(canv, width, 0xFFFFFF)
    if isinstance(f, Paragraph):
        leading = float(f.style.leading)
        lines = len(getattr(f.blPara, "lines", []))
        if lines <= n:
            return None, f
        parts = f.splitOn(canv, width, h - n * leading + _FUZZ)
    elif isinstance(f, Table):
        parts = f.splitOn(canv, width, h - 1)
    else:
        return None, f
    if len(parts) != 2:
        return None, f
    return parts[0], parts[1]


def _stretch(flows: list[Flowable], extra: float, line: float) -> list[Flowable]:
    """Spread ``extra`` points between the blocks of a page that must end early, so it ends
    at the foot of the type block (at most ``_GAP_STRETCH`` lines per gap)."""
    gaps = len(flows) - 1
    if gaps <= 0 or extra <= 0:
        return flows
    each = min(extra / gaps, line * _GAP_STRETCH)
    out: list[Flowable] = []
    for i, f in enumerate(flows):
        out.append(f)
        if i < gaps:
            out.append(Spacer(1, each))
    return out


class Tail(_ContainerSpace, Flowable):  # type: ignore[misc]  # reportlab ships no type hints
    """``body``, then ``carry`` (its first flowable is the anchor), then a closing ``tail``.

    The closing block never starts a page: if it does not fit where it falls, the last lines
    of the anchor and everything after it move to the next page with it, and the page left
    behind is filled from ``body`` (its blocks spread to the foot when it still falls short).
    """

    def __init__(
        self, body: Sequence[Flowable], carry: Sequence[Flowable], tail: Sequence[Flowable]
    ):
        self.body, self.carry, self.tail = list(body), list(carry), list(tail)
        self._content = [*self.body, *self.carry, *self.tail]

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return avail_width, 0xFFFFFF  # always split: the frame lays out the parts

    def split(self, aw: float, ah: float) -> list[Flowable]:
        canv = self.canv
        frame = getattr(self, "_frame", None)
        full = float(frame._height) if frame is not None else ah
        at_top = bool(getattr(frame, "_atTop", False))
        everything = [*self.body, *self.carry, *self.tail]
        if _height(everything, aw, canv) <= ah + _FUZZ:
            return everything
        # rows left tall to write in give up that room if the whole form then fits here
        tight = [f.tight if isinstance(f, FlexTable) else f for f in everything]
        if tight != everything and _height(tight, aw, canv) <= ah + _FUZZ:
            return tight
        first, *rest_carry = self.carry
        keep, move = _last_lines(first, aw, canv)
        if _height([move, *rest_carry, *self.tail], aw, canv) > full + _FUZZ:
            keep, move = _last_lines(first, aw, canv, 1)  # one line of it, if two do not fit
        before = [*self.body, *([keep] if keep is not None else [])]
        here, rest = _fill(before, aw, ah, canv)
        if rest:  # the text before the closing block fills this page
            if not here:
                return [] if not at_top else everything
            return [*here, Tail(rest, [move, *rest_carry], self.tail)]
        # all of it fits here but the closing block does not: the anchor's last lines go
        # with the closing block to the next page
        group = [move, *rest_carry, *self.tail]
        if _height(group, aw, canv) > full + _FUZZ:
            return everything  # cannot be kept on one page: let it flow
        while here and _keeps_with_next(here[-1]):
            group.insert(0, here.pop())
        if not here:
            return [] if not at_top else everything
        used = _height(here, aw, canv)
        if ah - used > MAX_BLANK * full * 0.8:
            here = _stretch(here, ah - used - 1, LINE)
        return [*here, PageBreak(), *group]


def soften(story: Sequence[Flowable], width: float) -> list[Flowable]:
    """A heading kept with the table under it no longer drags the whole table to the next
    page: it needs room for itself and the table's first two rows only."""
    out: list[Flowable] = []
    items = list(story)
    for i, f in enumerate(items):
        nxt = items[i + 1] if i + 1 < len(items) else None
        if isinstance(f, Paragraph) and _keeps_with_next(f) and isinstance(nxt, Table):
            _w, h = f.wrap(width, 0xFFFFFF)
            nxt.wrap(width, 0xFFFFFF)
            rows = sum(list(getattr(nxt, "_rowHeights", []) or [])[:2])
            brk = CondPageBreak(h + f.getSpaceBefore() + f.getSpaceAfter() + rows + 2)
            brk._zz_soft = True
            f.keepWithNext = 0
            out += [brk, f]
        else:
            out.append(f)
    return out


def arrange(story: Sequence[Flowable]) -> list[Flowable]:
    """The story with its closing block (from the first :func:`closing` flowable of its
    trailing run to the end) wrapped in a :class:`Tail` that keeps it with the text before.

    A kept-together group in the trailing run is opened: its text before the first closing
    flowable is ordinary text that may stay behind (the 以上内容已告知 line goes with the
    signatures; the paragraph before it need not)."""
    items = list(story)
    t, i, found = len(items), len(items) - 1, False
    while i >= 0:
        f = items[i]
        if is_closing(f):
            found, t = True, i
        elif not isinstance(f, Spacer):
            break
        i -= 1
    if not found:
        return items
    trailing: list[Flowable] = []
    for f in items[t:]:
        trailing += list(f._content) if isinstance(f, KeepTogether) else [f]
    c = next(k for k, f in enumerate(trailing) if is_closing(f))
    items = [*items[:t], *trailing[:c]]
    tail = trailing[c:]
    t = len(items)
    b = 0
    for k in range(t):
        if isinstance(items[k], (PageBreak, CondPageBreak)) and not getattr(
            items[k], "_zz_soft", False
        ):
            b = k + 1
    a = next((k for k in range(t - 1, b - 1, -1) if getattr(items[k], _ANCHOR, False)), None)
    if a is None:
        a = t - 1
        while a >= b and isinstance(items[a], Spacer):
            a -= 1
    if a < b:
        return [*items, *tail]
    return [*items[:b], Tail(items[b:a], items[a:t], tail)]


# --- the document ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocInfo:
    title: str
    author: str = ""
    subject: str = ""
    keywords: str = ""


_BUILD_LOCK = threading.RLock()


class _Doc(BaseDocTemplate):  # type: ignore[misc]  # reportlab ships no type hints
    def __init__(self, buf: io.BytesIO, page: PageSpec, info: DocInfo, footer: str) -> None:
        super().__init__(
            buf,
            pagesize=page.size,
            leftMargin=page.left,
            rightMargin=page.right,
            topMargin=page.top,
            bottomMargin=page.bottom,
            title=info.title,
            author=info.author,
            subject=info.subject,
            keywords=info.keywords,
            creator="综治工作站",
            producer="综治工作站（reportlab）",
            invariant=1,
            lang="zh-CN",
            # the page's initial font: otherwise reportlab lists an unembedded Helvetica
            initialFontName=get_fonts().font("body"),
        )
        self.page_spec = page
        self.footer = footer
        frame = Frame(
            page.left,
            page.bottom,
            page.width,
            page.height,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id="body",
        )
        self.addPageTemplates([PageTemplate("page", frames=[frame], onPage=self._decorate)])

    def _decorate(self, c: Canvas, doc: BaseDocTemplate) -> None:
        return  # page numbers are drawn when the total is known (_NumberedCanvas)


FOOTER_GAP = 6 * mm  # from the foot of the type block to the top of the page number
SEAM_LABEL = "骑缝章"


def _numbered_canvas(page: PageSpec, footer: str, seam: bool) -> type[Canvas]:
    """A canvas that holds its pages until the end, then writes 第N页 共M页 on each (and,
    with ``seam``, the 骑缝 mark at the right edge when there is more than one page)."""

    class _NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab ships no type hints
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._draw_number(total)
                if seam and total > 1:
                    self._draw_seam()
                Canvas.showPage(self)
            Canvas.save(self)

        def _draw_number(self, total: int) -> None:
            n = self._pageNumber
            size = 10.5
            y = page.bottom - FOOTER_GAP - size * 0.9
            draw_text(self, page.size[0] / 2, y, f"第{n}页　共{total}页", "song", size, "center")
            if footer:
                draw_text(self, page.left, y, footer, "song", 9, "left")

        def _draw_seam(self) -> None:
            """A dashed line 8 mm from the right edge, over the middle third of the page, with
            骑缝章 beside it: where the committee stamps across the fanned-out pages."""
            x = page.size[0] - 8 * mm
            mid = page.size[1] / 2
            half = 30 * mm
            self.saveState()
            self.setDash(3, 3)
            self.setLineWidth(0.4)
            self.setStrokeColor(colors.grey)
            self.line(x, mid - half, x, mid + half)
            self.restoreState()
            size = 7.5
            for i, ch in enumerate(SEAM_LABEL):
                draw_text(self, x + 2.2 * mm, mid + size * (1 - i) * 1.2, ch, "song", size)

    return _NumberedCanvas


def build_pdf(
    story: Sequence[Flowable],
    info: DocInfo,
    *,
    page: PageSpec = PORTRAIT,
    footer: str = "",
    seam: bool = False,
) -> bytes:
    """Lay out ``story`` and return the PDF bytes (deterministic: reportlab invariant mode).

    The pagination rules hold for every form (:func:`arrange`): its closing block keeps text
    along; each page says 第N页 共M页; ``seam`` adds the 骑缝 mark on multi-page output."""
    buf = io.BytesIO()
    with _BUILD_LOCK:  # reportlab's TrueType font objects keep per-document state
        doc = _Doc(buf, page, info, footer)
        flows = arrange(soften(story, page.width))
        doc.build(flows, canvasmaker=_numbered_canvas(page, footer, seam))
    return buf.getvalue()


Builder = Callable[..., bytes]
