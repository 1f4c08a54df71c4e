"""Layout helpers shared by every form: the GB/T 9704 page, styles, titles, numbered headers,
labelled fields, CJK-wrapped paragraphs, grid tables, signature/fingerprint/seal blocks, ruled
lines for handwriting, cut lines, page numbers "— N —", and the PDF builder.

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


def chunks(text: str, limit: int = 260) -> list[str]:
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
        return self

    def full(self, content: Any, *, height: float | None = None, top: bool = True) -> FormGrid:
        """A row spanning the whole width (declarations, signatures inside the form)."""
        return self.row(
            content, *[""] * (self.n - 1), spans=[(0, self.n - 1)], height=height, top=top
        )

    def table(self) -> Table:
        t = Table(self.rows, colWidths=self.widths, rowHeights=self.heights, hAlign="CENTER")
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
        t.setStyle(cjk_table_style(commands))
        return t


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

    At the top of a page (the stub did not fit below the form) there is nothing to cut off,
    so it takes no room and draws nothing."""

    def __init__(
        self, label: str = "裁　剪　线", space: float = 8 * mm, page: PageSpec | None = None
    ) -> None:
        super().__init__()
        self.label, self.space = label, space
        self.page = page or FORM
        self.hidden = False

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.hidden = avail_height >= self.page.height - 1
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
    row_height: float = 19 * mm,
) -> Table:
    """One row per signer: “申请人：张三” | （签名）____ | 指印 [box].

    ``people``: (role label, printed name[, fingerprint box]); the name may be empty for a
    signer who writes it (人民调解员, 记录人).
    """
    lx = look()
    total = width or PORTRAIT.width
    widths = [total * 0.34, total * 0.16, total * 0.30, total * 0.20]
    data: list[list[Any]] = []
    for entry in people:
        role, name = entry[0], entry[1]
        box = entry[2] if len(entry) > 2 else fingerprint
        data.append(
            [
                lx.rich([("heading", f"{role}："), ("body", name)], "label"),
                lx.p("（签名）", "label"),
                "",
                FingerprintBox(lx.fonts) if box else "",
            ]
        )
    table = Table(data, colWidths=widths, rowHeights=[row_height] * len(data), hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LINEBELOW", (2, 0), (2, -1), 0.6, colors.black),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    table.setStyle(cjk_table_style(commands))
    return table


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
    return t


def seal_block(
    org: str, day_text: str, *, note: str = "（盖章）", space_mm: float = 16
) -> list[Flowable]:
    """The issuing body and date at the right, with room for the round seal over them."""
    lx = look()
    return [
        SealSpace(space_mm * mm),
        lx.p(f"{org}{note}", "body_right"),
        lx.p(day_text, "body_right", rightIndent=2 * BODY_SIZE),
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
        page = self.page_spec
        n = c.getPageNumber()
        text = f"— {n} —"
        size = PAGE_NO_SIZE
        y = page.bottom - 7 * mm - size * 0.8
        if page.numbers == "none":
            return
        if page.numbers == "official":
            # odd pages right, even pages left, one character in from the type block's edge
            if n % 2:
                draw_text(c, page.size[0] - page.right - size, y, text, "body", size, "right")
            else:
                draw_text(c, page.left + size, y, text, "body", size, "left")
        else:
            y = max(page.bottom - 5 * mm - size * 0.8, 4 * mm)
            draw_text(c, page.size[0] / 2, y, text, "body", 12, "center")
        if self.footer:
            draw_text(c, page.left, y, self.footer, "song", 9, "left")


def build_pdf(
    story: Sequence[Flowable],
    info: DocInfo,
    *,
    page: PageSpec = PORTRAIT,
    footer: str = "",
) -> bytes:
    """Lay out ``story`` and return the PDF bytes (deterministic: reportlab invariant mode)."""
    buf = io.BytesIO()
    with _BUILD_LOCK:  # reportlab's TrueType font objects keep per-document state
        doc = _Doc(buf, page, info, footer)
        doc.build(list(story))
    return buf.getvalue()


Builder = Callable[..., bytes]
