"""月通报 — the monthly bulletin: the editable narrative, then the month's figures as tables
and charts, driven entirely by the statistics dict of :func:`app.services.stats.compute`
(a later issue extends the statistics; new keys simply show up in the tables that read them).

A month with nothing to report still prints: a zero report (零报告) is a submission.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from reportlab.lib import colors
from reportlab.platypus import Table

from app.models import Station
from app.rules.errors import ValidationError
from app.rules.text import format_yuan
from app.services.context import Ctx
from app.services.stats import HEADLINE, Period, compute, format_value, pick

from .. import data
from ..charts import bar_chart, pie_chart
from ..layout import (
    PORTRAIT,
    DocInfo,
    FormGrid,
    build_pdf,
    cjk_table_style,
    closing,
    gap,
    keep,
    look,
    need,
)
from ..spec import FormSpec

TITLE = "月通报"
_HEADING = re.compile(r"^[一二三四五六七八九十]+、")
_SUBHEADING = re.compile(r"^（[一二三四五六七八九十]+）")


def _rate(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%"


def summary_text(stats: Mapping[str, Any]) -> str:
    """One paragraph of the month's key figures (used when no narrative is given)."""
    v, d = stats["visits"], stats["disputes"]
    if stats.get("zero_report"):
        return f"{stats['period']}，本站无新增矛盾纠纷和来信来访事项，特此零报告。"
    parts = [
        f"{stats['period']}，共受理矛盾纠纷{d['total']}件，调解{d['mediated']}件，"
        f"调解成功{d['succeeded']}件，调解成功率{_rate(d.get('success_rate'))}，"
        f"协议涉及金额{format_yuan(d.get('agreement_amount_yuan') or 0)}。",
        f"登记来信来访{v['total']}件，其中集体访{v.get('group', 0)}件（{v.get('group_persons', 0)}人次），"
        f"重复访{v.get('repeat', 0)}件，越级访{v.get('skip_level', 0)}件。",
    ]
    prevented = [
        f"防止民转刑案件{d['prevented_criminal']}件" if d.get("prevented_criminal") else "",
        f"防止群体性上访{d['prevented_group_petition']}件"
        if d.get("prevented_group_petition")
        else "",
    ]
    prevented = [p for p in prevented if p]
    if prevented:
        parts.append("、".join(prevented) + "。")
    as_of = str(stats.get("as_of") or "")
    with contextlib.suppress(ValueError):
        as_of = data.cn_date(date.fromisoformat(as_of))
    parts.append(
        f"截至{as_of}，超期未办结信访件{v.get('overdue', 0)}件、矛盾纠纷{d.get('overdue', 0)}件。"
    )
    return "".join(parts)


def _narrative_story(narrative: str) -> list[Any]:
    lx = look()
    out: list[Any] = []
    for raw in narrative.splitlines():
        line = raw.strip()
        if not line:
            continue
        if _HEADING.match(line):
            out.append(lx.p(line, "heading_indent"))
        elif _SUBHEADING.match(line) and len(line) <= 30:
            out.append(lx.p(line, "heading2"))
        else:
            out.append(lx.p(line, "body"))
    return out


def _count_table(title: str, items: Sequence[tuple[str, int]], total: int, width: float) -> Table:
    lx = look()
    head = [lx.p(h, "cell_small_head") for h in (title, "件数", "占比")]
    rows: list[list[Any]] = [head]
    for k, n in sorted(items, key=lambda kv: (-kv[1], kv[0])):
        share = f"{n * 100 / total:.1f}%" if total else "—"
        rows.append(
            [
                lx.p(k, "cell_small"),
                lx.p(str(n), "cell_small_center"),
                lx.p(share, "cell_small_center"),
            ]
        )
    if len(rows) == 1:
        rows.append(
            [
                lx.p("本期无", "cell_small"),
                lx.p("0", "cell_small_center"),
                lx.p("—", "cell_small_center"),
            ]
        )
    rows.append(
        [
            lx.p("合计", "cell_small_head"),
            lx.p(str(total), "cell_small_center"),
            lx.p("", "cell_small"),
        ]
    )
    t = Table(rows, colWidths=[width * 0.5, width * 0.25, width * 0.25], repeatRows=1)
    t.setStyle(
        cjk_table_style(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return t


def _side_by_side(left: Any, right: Any, width: float) -> Table:
    t = Table([[left, right]], colWidths=[width / 2, width / 2])
    t.setStyle(
        cjk_table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return t


def _items(mapping: Mapping[str, Any] | None) -> list[tuple[str, int]]:
    return [(str(k), int(v)) for k, v in (mapping or {}).items()]


def bulletin_pdf(
    stats: Mapping[str, Any],
    narrative: str = "",
    *,
    station_name: str,
    title: str | None = None,
    issue_no: int | None = None,
    issued_on: date | None = None,
    issuer: str = "",
    report_to: str = "",
) -> bytes:
    """The bulletin from a statistics dict (``app.services.stats.compute`` shape)."""
    lx = look()
    width = PORTRAIT.width
    period = str(stats.get("period", ""))
    v, d = stats["visits"], stats["disputes"]
    heading = title or f"{station_name}{period}矛盾纠纷排查调处和信访工作通报"
    issue = f"第{issue_no}期" if issue_no else period
    head = Table(
        [
            [
                lx.p(station_name, "body_flush", fontSize=14),
                lx.p(data.cn_date(issued_on, ""), "body_right", fontSize=14),
            ]
        ],
        colWidths=[width / 2, width / 2],
    )
    head.setStyle(
        cjk_table_style(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 1.6, colors.HexColor("#c00000")),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    story: list[Any] = [
        lx.p(heading, "title"),
        lx.p(f"（{issue}）", "number_center"),
        head,
        gap(4),
    ]
    if stats.get("zero_report"):
        story.append(lx.p("零报告", "heading", alignment=1, fontSize=18, leading=28))
    story += (
        _narrative_story(narrative) if narrative.strip() else [lx.p(summary_text(stats), "body")]
    )

    # --- figures -------------------------------------------------------------------------------
    story += [need(30), gap(4), lx.p("附：本月统计数据", "heading_indent")]
    g = FormGrid(
        [width * 0.34, width * 0.16, width * 0.34, width * 0.16], style="cell_small_center"
    )
    figures = [(label, format_value(path, pick(dict(stats), path))) for path, label in HEADLINE]
    if v.get("group_persons"):
        figures.append(("集体访人次", str(v["group_persons"])))
    if len(figures) % 2:
        figures.append(("", ""))
    for i in range(0, len(figures), 2):
        (l1, v1), (l2, v2) = figures[i], figures[i + 1]
        g.row(l1, v1, l2, v2, labels=[0, 2])
    story.append(g.table())
    story.append(gap(4))
    half = width / 2 - 6
    d_total = int(d.get("total", 0))
    v_total = int(v.get("total", 0))
    story.append(
        keep(
            lx.p("（一）矛盾纠纷", "heading2"),
            _side_by_side(
                _count_table("纠纷类别", _items(d.get("by_category")), d_total, half),
                _count_table("案件来源", _items(d.get("by_source")), d_total, half),
                width,
            ),
        )
    )
    story.append(gap(3))
    story.append(
        _side_by_side(
            bar_chart("纠纷类别分布", _items(d.get("by_category")), width=half),
            pie_chart("纠纷办理状态", _items(d.get("by_status")), width=half),
            width,
        )
    )
    story.append(gap(4))
    story.append(
        keep(
            lx.p("（二）来信来访", "heading2"),
            _side_by_side(
                _count_table("内容分类", _items(v.get("by_category")), v_total, half),
                _count_table("信访形式", _items(v.get("by_channel")), v_total, half),
                width,
            ),
        )
    )
    story.append(gap(3))
    story.append(
        _side_by_side(
            bar_chart("信访内容分类", _items(v.get("by_category")), width=half),
            pie_chart("信访件办理状态", _items(v.get("by_status")), width=half),
            width,
        )
    )
    # --- distribution line ------------------------------------------------------------------------
    foot = Table(
        [
            [lx.p(f"报：{report_to or '上级综治中心'}", "body_flush", fontSize=14, leading=22)],
            [
                lx.p(
                    f"{station_name}　　{data.cn_date(issued_on, '')}印发"
                    + (f"　　签发人：{issuer}" if issuer else ""),
                    "body_flush",
                    fontSize=14,
                    leading=22,
                )
            ],
        ],
        colWidths=[width],
    )
    foot.setStyle(
        cjk_table_style(
            [
                ("LINEABOVE", (0, 0), (-1, 0), 0.9, colors.black),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("LINEBELOW", (0, 1), (-1, 1), 0.9, colors.black),
                ("LEFTPADDING", (0, 0), (-1, -1), 14),
            ]
        )
    )
    story += [gap(8), keep(closing(foot))]  # the distribution line never stands alone
    info = DocInfo(heading, station_name, f"{period}月通报", str(stats.get("period", "")))
    return build_pdf(story, info)


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    if ref.strip():
        period = Period.month(ref)
        if period.start is not None and period.start > ctx.today():
            # a month to come has no figures: it would print as a 零报告 listing overdue cases
            raise ValidationError.single(
                "month",
                "通报月份",
                f"{period.label}尚未到来，不能打印月通报",
                "请选择已过去的月份或当月",
            )
    stats = compute(ctx, ref.strip() or None)
    parent = ""
    if ctx.station.parent_code:
        p = ctx.session.get(Station, ctx.station.parent_code)
        parent = p.name if p is not None else ""
    issue = options.get("issue_no")
    issued = options.get("issued_on")
    return bulletin_pdf(
        stats,
        str(options.get("narrative") or ""),
        station_name=ctx.station.name,
        title=options.get("title") or None,
        issue_no=int(issue) if issue else None,
        issued_on=issued if isinstance(issued, date) else ctx.today(),
        issuer=str(options.get("issuer") or ""),
        report_to=parent,
    )


SPEC = FormSpec(
    key="month_report",
    title="月通报",
    kind="month",
    target="month",
    build=build,
    description="月度统计通报（正文可编辑，附统计表和图表；无事项时为零报告）",
)
