"""Ledger and register printouts: a titled table over a period, landscape by default.

:func:`render_table` is the generic helper the register framework calls with a register
type's print layout (title, subtitle, columns with relative widths, rows of display text);
the visit and dispute ledger printouts are built on it.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import LongTable, Table

from app.rules.dates import format_cn_date, parse_date
from app.rules.errors import ValidationError
from app.rules.text import format_cn_datetime, to_halfwidth

from .layout import LANDSCAPE, PORTRAIT, DocInfo, PageSpec, build_pdf, cjk_table_style, look

# portrait registers keep modest margins (a table, not an official document)
TABLE_PORTRAIT = PageSpec(PORTRAIT.size, 18 * mm, 18 * mm, 20 * mm, 15 * mm, "center")


@dataclass(frozen=True)
class TableColumn:
    """A printout column; ``width`` is relative (scaled to the page), 0 = size from content."""

    label: str
    width: float = 0.0
    align: str = "left"  # left | center | right


ColumnLike = str | TableColumn | tuple[str, float] | Any


def _column(c: ColumnLike) -> TableColumn:
    if isinstance(c, TableColumn):
        return c
    if isinstance(c, str):
        return TableColumn(c)
    if isinstance(c, tuple):
        return TableColumn(str(c[0]), float(c[1]) if len(c) > 1 else 0.0)
    # any object with .label and .width (the register framework's PrintColumn)
    return TableColumn(
        str(getattr(c, "label", c)),
        float(getattr(c, "width", 0.0) or 0.0),
        str(getattr(c, "align", "left")),
    )


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return format_cn_datetime(value)
    if isinstance(value, date):
        return format_cn_date(value)
    return str(value)


def _auto_widths(
    cols: list[TableColumn], rows: Sequence[Sequence[str]], size: float
) -> list[float]:
    """Relative widths: the given ones, else from the header and the longer cells (in chars)."""
    sample = rows[:300]
    widths: list[float] = []
    for i, c in enumerate(cols):
        if c.width > 0:
            widths.append(c.width)
            continue
        lengths = sorted(
            max((len(line) for line in (r[i] if i < len(r) else "").splitlines()), default=0)
            for r in sample
        )
        p90 = lengths[int(len(lengths) * 0.9)] if lengths else 0
        header = max(len(part) for part in c.label.splitlines()) if c.label else 2
        widths.append(float(min(max(p90, header, 2), 28)))
    return widths


def render_table(
    title: str,
    subtitle: str,
    columns: Sequence[ColumnLike],
    rows: Sequence[Sequence[Any]],
    landscape: bool = True,
    *,
    author: str = "",
    signatures: Sequence[str] = ("制表人", "审核人"),
    empty_text: str = "（本期无记录）",
    font_size: float = 9.0,
) -> bytes:
    """A register/ledger printout: title, subtitle line, a ruled table whose header repeats on
    every page, "— N —" page numbers, and signature blanks under the table.

    ``columns``: labels, ``TableColumn``\\ s, ``(label, relative width)`` or any object with
    ``label`` and ``width``. ``rows``: cell values (``None`` → blank; dates ISO; text may hold
    line breaks). An empty period still prints, with ``empty_text`` in the table.
    """
    lx = look()
    page = LANDSCAPE if landscape else TABLE_PORTRAIT
    cols = [_column(c) for c in columns]
    if not cols:
        raise ValidationError.single("columns", "栏目", "不能为空", "台账至少要有一个栏目")
    text_rows = [[cell_text(v) for v in r] + [""] * (len(cols) - len(r)) for r in rows]
    rel = _auto_widths(cols, text_rows, font_size)
    total = sum(rel) or 1.0
    widths = [page.width * w / total for w in rel]
    leading = font_size * 1.3
    cell = lx.styles["ledger_cell"]
    head_style = lx.styles["ledger_head"]
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    body = ParagraphStyle("ledger_cell_sized", parent=cell, fontSize=font_size, leading=leading)
    center = ParagraphStyle("ledger_cell_c", parent=body, alignment=1)
    right = ParagraphStyle("ledger_cell_r", parent=body, alignment=2)
    head = ParagraphStyle(
        "ledger_head_sized", parent=head_style, fontSize=font_size + 0.5, leading=leading + 1
    )
    fonts = lx.fonts

    def para(text: str, style: ParagraphStyle, role: str) -> Paragraph:
        return Paragraph(
            "<br/>".join(fonts.markup(line, role) for line in text.splitlines()), style
        )

    data: list[list[Any]] = [[para(c.label, head, "heading") for c in cols]]
    for r in text_rows:
        data.append(
            [
                para(v, {"center": center, "right": right}.get(c.align, body), "song")
                for v, c in zip(r, cols, strict=False)
            ]
        )
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BOX", (0, 0), (-1, -1), 0.9, colors.black),
        ("LINEBELOW", (0, 0), (-1, 0), 0.9, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if not text_rows:
        data.append([para(empty_text, center, "song")] + [""] * (len(cols) - 1))
        commands.append(("SPAN", (0, 1), (-1, 1)))
    table_cls = LongTable if len(data) > 150 else Table
    # a cell taller than a page (a long summary) continues on the next page
    table = table_cls(data, colWidths=widths, repeatRows=1, hAlign="CENTER", splitInRow=1)
    table.setStyle(cjk_table_style(commands))
    story: list[Any] = [lx.p(title, "ledger_title")]
    if subtitle:
        story.append(lx.p(subtitle, "ledger_sub", spaceAfter=4))
    story.append(table)
    if signatures:
        gap = "　" * 8
        story.append(
            lx.p(gap.join(f"{s}：" for s in signatures) + gap, "ledger_sub", spaceBefore=8)
        )
    return build_pdf(story, DocInfo(title=title, author=author, subject=subtitle), page=page)


# --- periods ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintPeriod:
    start: date
    end: date

    @property
    def label(self) -> str:
        if (
            self.start.day == 1
            and self.end.month == self.start.month
            and self.end.year == self.start.year
        ):
            last = calendar.monthrange(self.start.year, self.start.month)[1]
            if self.end.day == last:
                return f"{self.start.year}年{self.start.month}月"
        if (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31) and (
            self.start.year == self.end.year
        ):
            return f"{self.start.year}年"
        return f"{format_cn_date(self.start)}至{format_cn_date(self.end)}"


_MONTH = re.compile(r"^(\d{4})[-./年](\d{1,2})月?$")
_YEAR = re.compile(r"^(\d{4})年?$")


def parse_period(text: str) -> PrintPeriod:
    """“2026-01-01~2026-03-31” (also “..”, “至”, “/”), a month “2026-03” or a year “2026”."""
    raw = to_halfwidth(text or "").strip()
    if not raw:
        raise ValidationError.single(
            "period", "期间", "不能为空", "请填写起止日期，如 2026-01-01~2026-03-31"
        )
    parts = [p.strip() for p in re.split(r"~|\.\.|至|到|/(?=\d{4})", raw) if p.strip()]
    if len(parts) == 2:
        start = parse_date(parts[0], "from", "起始日期")
        end = parse_date(parts[1], "to", "截止日期")
        if end < start:
            raise ValidationError.single(
                "to",
                "截止日期",
                f"（{end.isoformat()}）早于起始日期（{start.isoformat()}）",
                "请核对日期顺序",
            )
        return PrintPeriod(start, end)
    m = _MONTH.match(raw)
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
        if not 1 <= mo <= 12:
            raise ValidationError.single("period", "期间", f"“{text}”的月份不正确", "月份应为1至12")
        return PrintPeriod(date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1]))
    m = _YEAR.match(raw)
    if m:
        y = int(m.group(1))
        return PrintPeriod(date(y, 1, 1), date(y, 12, 31))
    day = parse_date(raw, "period", "期间")
    return PrintPeriod(day, day)
