"""封底 — the dossier's back cover with the record of binding (卷内备考): the number of documents
and pages written in after binding, the filer and the checker, the filing date.

司法部《人民调解文书格式》卷内目录 item 13 (封底, 必备) — list as in a county's 调解卷宗 template
following the Ministry's set, https://bdocx.com/doc/4951888.html (see :mod:`dossier`). Dated on
the filing day (archiving step); before filing the date is left to write in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.lib.units import mm

from app.models import Dispute
from app.services.context import Ctx

from .. import data
from ..layout import DocInfo, build_pdf, gap, look
from ..spec import FormSpec
from .closing_report import dossier_no
from .dossier import COVER, cover_line

TITLE = "封底"


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    d = data.dispute_for(ctx, ref, TITLE)
    lx = look()
    committee = data.committee(ctx)
    width = 130 * mm
    filer = data.actor_of(ctx, d, "archived") if d.archived_on else ""
    story: list[Any] = [
        gap(20),
        lx.p("卷内备考", "title", fontSize=22, leading=32),
        gap(12),
        lx.p("本卷共有文件材料＿＿＿件，共＿＿＿页。", "body"),
        lx.p("（件数、页数于装订后填写）", "body"),
        gap(6),
        cover_line("立 卷 人", filer, width),
        cover_line("立卷日期", data.cn_date(d.archived_on), width),
        cover_line("检 查 人", "", width),
        cover_line("检查日期", data.BLANK_DATE, width),
        gap(60),
        lx.p(committee, "body_right"),
        lx.p(f"卷号：{dossier_no(d)}", "body_right"),
    ]
    info = DocInfo(f"{TITLE} {dossier_no(d)}", committee, d.title, d.case_code)
    return build_pdf(story, info, page=COVER)


SPEC = FormSpec(
    key="back_cover",
    title="卷宗封底",
    kind="dispute",
    build=build,
    description="卷宗封底（卷内备考：件数、页数、立卷人、检查人）",
    applies=lambda r: isinstance(r, Dispute),
)
