"""纠纷移送单 — handing a dispute the village cannot resolve to another body (the township
centre, police, court), with what was done so far, the reason and the materials, and a
receipt stub for the receiving body to sign and return."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.lib.units import mm

from app.models import Dispute
from app.rules.errors import WorkflowError
from app.services.context import Ctx
from app.services.disputes import sessions_of

from .. import data
from ..layout import FORM, CutLine, DocInfo, FormGrid, build_pdf, keep, look, title
from ..spec import FormSpec
from ._common import PARTY_WIDTHS, pair_rows_6, party_table_rows, sign_cell

TITLE = "矛盾纠纷移送单"
SESSION_KINDS = {"investigation": "调查", "mediation": "调解"}


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    d = data.dispute_for(ctx, ref, TITLE)
    if not d.transferred_to:
        raise WorkflowError(
            f"纠纷 {d.case_code} 没有移送记录；请先在案件中办理“移送”并填写接收单位"
        )
    lx = look()
    parties = data.parties_of(ctx, d)
    station = ctx.station.name
    committee = data.committee(ctx)
    sessions = sessions_of(ctx, d.id)
    g = FormGrid(PARTY_WIDTHS)
    pair_rows_6(g, "纠纷名称", d.title)
    pair_rows_6(g, "案件编码", f"{d.case_code}　{d.mediation_no}")
    pair_rows_6(g, "受理日期", data.cn_date(d.registered_on))
    pair_rows_6(g, "纠纷类型", data.label(ctx, "dispute_category", d.category))
    scale = data.label(ctx, "dispute_scale", d.scale)
    risk = data.label(ctx, "risk_level", d.risk_level)
    involved = f"{d.involved_count}人；{scale}；风险等级：{risk}" + (
        f"；涉及金额{data.yuan(d.amount_fen)}" if d.amount_fen else ""
    )
    pair_rows_6(g, "规模及风险", involved)
    party_table_rows(g, parties, d.registered_on)
    g.text("纠纷简要情况", d.summary, label_cols=2, min_height=25 * mm)
    work = [
        f"{data.cn_date(data.session_day(s))}{SESSION_KINDS.get(s.kind, '')}："
        + (s.result or s.content)
        for s in sessions
    ]
    g.text("已开展的工作", "\n".join(work) or "无", label_cols=2, min_height=20 * mm)
    g.text("移送理由", d.transfer_reason, label_cols=2, min_height=18 * mm)
    materials = ["受理登记表"]
    if any(s.kind == "investigation" for s in sessions):
        materials.append(f"调查记录{sum(1 for s in sessions if s.kind == 'investigation')}份")
    if any(s.kind == "mediation" for s in sessions):
        materials.append(f"调解记录{sum(1 for s in sessions if s.kind == 'mediation')}份")
    pair_rows_6(g, "随附材料", "、".join(materials))
    g.full(
        [
            *sign_cell([("经办人（签名）", ""), ("负责人（签名）", "")]),
            lx.p(f"{station}（盖章）", "cell", alignment=2, spaceBefore=10),
            lx.p(data.cn_date(d.transferred_on), "cell", alignment=2),
        ]
    )
    receipt = [
        CutLine(),
        lx.p("移送回执", "title", fontSize=18, leading=26),
        lx.p(f"{station}：", "body_flush", fontSize=14, leading=24),
        lx.p(
            f"你单位于{data.cn_date(d.transferred_on)}移送的{d.title}（案件编码{d.case_code}）"
            "及随附材料已收到。",
            "body",
            fontSize=14,
            leading=24,
            firstLineIndent=28,
        ),
        *sign_cell([("接收人（签名）", ""), ("联系电话", "")]),
        lx.p(f"{d.transferred_to}（盖章）", "body_right", fontSize=14, leading=24, spaceBefore=8),
        lx.p(data.BLANK_DATE, "body_right", fontSize=14, leading=24),
    ]
    story = [
        title(TITLE),
        lx.p(f"{d.transferred_to}：", "body_flush"),
        lx.p(f"现将{d.title}移送你单位依法处理，有关情况如下：", "body", spaceAfter=6),
        g.table(),
        keep(receipt),
    ]
    info = DocInfo(f"{TITLE} {d.case_code}", committee, d.title, d.case_code)
    return build_pdf(story, info, page=FORM)


SPEC = FormSpec(
    key="transfer_slip",
    title=TITLE,
    kind="dispute",
    build=build,
    description="向上级或有关部门移送纠纷（附接收回执）",
    applies=lambda r: isinstance(r, Dispute) and bool(r.transferred_to),
)
