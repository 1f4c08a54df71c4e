"""Charts for printed reports (reportlab graphics), with CJK labels in the resolved fonts."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors

from .fonts import get_fonts

# distinct in colour and in grey level, so a black-and-white printer still separates them
PALETTE = (
    colors.HexColor("#1f4e79"),
    colors.HexColor("#c55a11"),
    colors.HexColor("#548235"),
    colors.HexColor("#bf9000"),
    colors.HexColor("#7030a0"),
    colors.HexColor("#2e75b6"),
    colors.HexColor("#a5a5a5"),
    colors.HexColor("#843c0c"),
    colors.HexColor("#375623"),
    colors.HexColor("#7f6000"),
)


def label_font(text: str, role: str = "song") -> str:
    """A font that draws every character of ``text`` (the role's own when it can)."""
    return get_fonts().font_covering(text, role)


def _drawing(width: float, height: float) -> Drawing:
    d = Drawing(width, height)
    # the renderer's starting font (else reportlab lists an unembedded Helvetica in the PDF)
    d.initialFontName = get_fonts().font("song")
    return d


def bar_chart(
    title: str, items: Sequence[tuple[str, int]], *, width: float, unit: str = "件"
) -> Drawing:
    """Horizontal bars, largest first, with the count at the end of each bar."""
    items = sorted(items, key=lambda kv: (-kv[1], kv[0]))
    n = max(len(items), 1)
    bar_h = 15.0
    top = 26.0
    height = top + n * bar_h + 16
    d = _drawing(width, height)
    d.add(
        String(
            width / 2,
            height - 14,
            title,
            fontName=label_font(title, "heading"),
            fontSize=11,
            textAnchor="middle",
        )
    )
    if not items:
        d.add(
            String(
                width / 2,
                height / 2 - 8,
                "本期无数据",
                fontName=label_font("本期无数据"),
                fontSize=10,
                textAnchor="middle",
            )
        )
        return d
    label_w = max(60.0, min(120.0, max(len(k) for k, _ in items) * 10.5 + 8))
    chart = HorizontalBarChart()
    chart.x = label_w
    chart.y = 8
    chart.width = width - label_w - 40
    chart.height = n * bar_h
    labels = [k for k, _ in items]
    # reportlab draws the first category at the bottom: reverse so the largest is on top
    chart.data = [[v for _, v in reversed(items)]]
    chart.categoryAxis.categoryNames = list(reversed(labels))
    chart.categoryAxis.labels.fontName = label_font("".join(labels))
    chart.categoryAxis.labels.fontSize = 9
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.categoryAxis.visibleTicks = 0
    top_value = max(v for _, v in items)
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(top_value, 1) * 1.15
    chart.valueAxis.visible = 0
    chart.valueAxis.labels.fontName = label_font("0123456789")
    chart.bars[0].fillColor = PALETTE[0]
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = f"%d{unit}"
    chart.barLabels.fontName = label_font(unit)
    chart.barLabels.fontSize = 9
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    chart.barWidth = bar_h * 0.65
    d.add(chart)
    return d


def pie_chart(title: str, items: Sequence[tuple[str, int]], *, width: float) -> Drawing:
    """A pie with a legend of "label  n (p%)" to its right."""
    items = [(k, v) for k, v in items if v > 0]
    height = max(150.0, 30.0 + len(items) * 16)
    d = _drawing(width, height)
    d.add(
        String(
            width / 2,
            height - 14,
            title,
            fontName=label_font(title, "heading"),
            fontSize=11,
            textAnchor="middle",
        )
    )
    if not items:
        d.add(
            String(
                width / 2,
                height / 2 - 8,
                "本期无数据",
                fontName=label_font("本期无数据"),
                fontSize=10,
                textAnchor="middle",
            )
        )
        return d
    total = sum(v for _, v in items)
    size = min(110.0, height - 36)
    pie = Pie()
    pie.x = 20
    pie.y = (height - 20 - size) / 2
    pie.width = pie.height = size
    pie.data = [v for _, v in items]
    pie.labels = None
    pie.slices.strokeColor = colors.white
    pie.slices.strokeWidth = 0.8
    for i in range(len(items)):
        pie.slices[i].fillColor = PALETTE[i % len(PALETTE)]
    d.add(pie)
    x = 20 + size + 24
    y = height - 40
    for i, (k, v) in enumerate(items):
        d.add(Rect(x, y - 1, 9, 9, fillColor=PALETTE[i % len(PALETTE)], strokeColor=None))
        text = f"{k}　{v}件（{v * 100 / total:.1f}%）"
        d.add(String(x + 14, y, text, fontName=label_font(text), fontSize=9.5))
        y -= 16
    return d
