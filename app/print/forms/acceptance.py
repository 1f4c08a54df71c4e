"""人民调解受理登记表 — the committee's acceptance register for one dispute.

“On [date] this committee, with the parties' consent, mediates the dispute between X and Y”,
dispute type, case source (ticked), parties, brief facts, mediator and deadline, the parties'
and the registrar's signatures, the committee seal and the date.

Source of the fixed wording: 司法部《人民调解文书格式》as in “调解卷宗.docx”, https://bdocx.com/doc/4951888.html
(受理登记表: “年月日，本人民调解委员会经当事人同意，调解、之间的纠纷。”); 主动调解: 《中华人民共和国人民调解法》(GitHub LawRefBook/Laws,
诉讼与非诉讼程序法/人民调解法.md) 第十七条.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.lib.units import mm

from app.models import Dispute
from app.services.context import Ctx

from .. import data
from ..layout import FORM, DocInfo, FormGrid, build_pdf, look, title
from ..spec import FormSpec
from ._common import (
    PARTY_WIDTHS,
    pair_rows_6,
    party_table_rows,
    sign_cell,
    source_checks,
    split_sides,
)

TITLE = "人民调解受理登记表"


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    d = data.dispute_for(ctx, ref, TITLE)
    lx = look()
    parties = data.parties_of(ctx, d)
    applicants, respondents, _others = split_sides(parties)
    committee = data.committee(ctx)
    category = data.label(ctx, "dispute_category", d.category)
    kind = category if category.endswith("纠纷") else f"{category}纠纷"
    # the Ministry's format: “年月日，本人民调解委员会经当事人同意，调解、之间的纠纷。”; a case
    # the committee takes up itself (人民调解法 第十七条: 也可以主动调解) says so instead
    consent = "依职权主动调解" if d.source == "committee_initiative" else "经当事人同意，调解"
    a = "、".join(p.name for p in applicants) or "—"
    b = "、".join(p.name for p in respondents) or "—"
    g = FormGrid(PARTY_WIDTHS)
    g.full(
        lx.p(
            f"{data.cn_date(d.registered_on)}，本人民调解委员会{consent}{a}与{b}之间的{kind}。",
            "cell_indent",
        ),
        top=False,
    )
    party_table_rows(g, parties, d.registered_on)
    pair_rows_6(g, "纠纷类型", kind)
    pair_rows_6(g, "案件来源", source_checks(ctx, d.source))
    pair_rows_6(
        g, "发生时间、地点", "，".join(x for x in (data.cn_date(d.occurred_on, ""), d.place) if x)
    )
    involved = f"{d.involved_count}人" + (
        f"；涉及金额{data.yuan(d.amount_fen)}" if d.amount_fen else ""
    )
    pair_rows_6(g, "涉及人数、金额", involved)
    g.text("纠纷简要情况", d.summary, label_cols=2, min_height=50 * mm)
    if d.requests:
        g.text("当事人请求", d.requests, label_cols=2)
    mediators = data.mediators_of(d)
    pair_rows_6(g, "人民调解员", mediators or "（待指派）")
    pair_rows_6(
        g, "调解期限", data.cn_date(d.mediation_due, "") + ("前" if d.mediation_due else "")
    )
    registrar = data.actor_of(ctx, d, "registered")
    signers = [(f"{p.role}（签名）", p.name) for p in parties]
    g.full(
        [
            *sign_cell(signers),
            *sign_cell([("登记人", registrar)]),
            lx.p(f"{committee}（盖章）", "cell", alignment=2, spaceBefore=14),
            lx.p(data.cn_date(d.registered_on), "cell", alignment=2),
        ]
    )
    story = [title(TITLE), lx.p(d.mediation_no, "number"), g.table()]
    info = DocInfo(f"{TITLE} {d.mediation_no}", committee, d.title, d.case_code)
    return build_pdf(story, info, page=FORM)


SPEC = FormSpec(
    key="acceptance",
    title=TITLE,
    kind="dispute",
    build=build,
    description="调委会受理纠纷的登记（含案件来源、当事人签名）",
    applies=lambda r: isinstance(r, Dispute),
)
