"""卷宗封面 + 卷内目录 — the mediation dossier's cover and table of contents (司法部格式).

Cover: committee, 人民调解卷宗, 卷名, 卷号 （年）人调字第N号, mediator, mediation dates, filer,
filing date, retention period, remarks. Contents: the thirteen standard documents, each
marked required or as-needed, with what this case holds; page numbers are written in by
hand after binding.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Table

from app.models import Dispute
from app.services.context import Ctx
from app.services.disputes import sessions_of

from .. import data
from ..layout import (
    DocInfo,
    FormGrid,
    PageSpec,
    build_pdf,
    checks,
    cjk_table_style,
    gap,
    look,
    page_break,
)
from ..spec import FormSpec
from .closing_report import closed_on, dossier_no

TITLE = "人民调解卷宗"
COVER = PageSpec((595.2755905511812, 841.8897637795277), 30 * mm, 25 * mm, 28 * mm, 26 * mm, "none")

# (document, required)
CONTENTS = (
    ("人民调解申请书或人民调解受理登记表", True),
    ("人民调解当事人权利义务告知书", True),
    ("当事人身份证明", True),
    ("授权委托书", False),
    ("调查记录", False),
    ("证据材料", False),
    ("人民调解记录", True),
    ("人民调解协议书（人民调解口头协议登记表）", True),
    ("履行凭证", False),
    ("回访记录", False),
    ("司法确认材料", False),
    ("卷宗情况说明", False),
    ("封底", True),
)


# the forms this product prints for each document of the list (the rest are papers the parties
# bring: 身份证明, 证据材料, 履行凭证); tests keep the two in step with the registry
FORMS_OF: dict[str, tuple[str, ...]] = {
    "人民调解申请书或人民调解受理登记表": ("application", "acceptance"),
    "人民调解当事人权利义务告知书": ("rights_notice",),
    "授权委托书": ("power_of_attorney",),
    "调查记录": ("investigation",),
    "人民调解记录": ("mediation_record",),
    "人民调解协议书（人民调解口头协议登记表）": ("agreement", "oral_agreement"),
    "回访记录": ("follow_up",),
    "司法确认材料": ("judicial_confirmation",),
    "卷宗情况说明": ("dossier_note",),
    "封底": ("back_cover",),
}


def what_we_have(ctx: Ctx, d: Dispute) -> dict[str, str]:
    """Document → what the record holds for it (only documents the record can speak for)."""
    sessions = sessions_of(ctx, d.id)
    inv = sum(1 for s in sessions if s.kind == "investigation")
    med = sum(1 for s in sessions if s.kind == "mediation")
    have: dict[str, str] = {}
    if inv:
        have["调查记录"] = f"{inv}份"
    if med:
        have["人民调解记录"] = f"{med}份"
    if d.outcome == "succeeded":
        have["人民调解协议书（人民调解口头协议登记表）"] = (
            "书面协议" if d.agreement_type == "written" else "口头协议"
        )
    if d.followed_up_on:
        have["回访记录"] = "已回访"
    agents = [p for p in d.parties if p.deleted_at is None and p.agent_name]
    if agents:
        have["授权委托书"] = f"{len(agents)}份"
    if d.judicial_confirmed:
        have["司法确认材料"] = "已申请司法确认"
    return have


def cover_line(label: str, value: str, width: float) -> Table:
    lx = look()
    t = Table(
        [[lx.p(label, "body_flush"), lx.p(value, "body_flush")]],
        colWidths=[34 * mm, width - 34 * mm],
        hAlign="CENTER",
    )
    t.setStyle(
        cjk_table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LINEBELOW", (1, 0), (1, 0), 0.6, colors.black),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 16),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return t


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    d = data.dispute_for(ctx, ref, TITLE)
    lx = look()
    committee = data.committee(ctx)
    width = 130 * mm
    end = closed_on(d) if d.outcome else None
    filer = data.actor_of(ctx, d, "archived")
    story: list[Any] = [
        gap(6),
        lx.p(committee, "title", fontSize=20, leading=30),
        gap(18),
        lx.p(TITLE, "title", fontSize=36, leading=50),
        gap(26),
        cover_line("卷　　名", d.title, width),
        cover_line("卷　　号", dossier_no(d), width),
        cover_line("人民调解员", data.mediators_of(d), width),
        cover_line(
            "调解日期",
            f"自{data.cn_date(d.registered_on)}至{data.cn_date(end)}",
            width,
        ),
        cover_line("立 卷 人", filer, width),
        cover_line("立卷日期", data.cn_date(d.archived_on, ""), width),
        cover_line("保管期限", checks(["永久", "长期", "短期"], ()), width),
        cover_line("案件编码", d.case_code, width),
        cover_line("备　　注", "", width),
        page_break(),
    ]
    have = what_we_have(ctx, d)
    g = FormGrid([14 * mm, 76 * mm, 22 * mm, 18 * mm, 26 * mm])
    head = [lx.p(h, "cell_head") for h in ("序号", "文件名称", "是否必备", "页号", "备注")]
    g.row(*head)
    for i, (doc, required) in enumerate(CONTENTS, 1):
        g.row(
            str(i),
            doc,
            "必备" if required else "按需",
            "",
            have.get(doc, ""),
            labels=[0, 2],
            height=11 * mm,
        )
    story += [
        lx.p("卷内目录", "title"),
        lx.p(f"卷号：{dossier_no(d)}", "number"),
        g.table(),
    ]
    info = DocInfo(f"{TITLE} {dossier_no(d)}", committee, d.title, d.case_code)
    return build_pdf(story, info, page=COVER)


SPEC = FormSpec(
    key="dossier",
    title="卷宗封面及卷内目录",
    kind="dispute",
    build=build,
    description="立卷归档用的封面和卷内目录",
    applies=lambda r: isinstance(r, Dispute),
)
