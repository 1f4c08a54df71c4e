"""人民调解口头协议登记表 — an oral agreement recorded by the mediator (人民调解法 Arts. 28, 30),
filled in like the written agreement: parties, facts, terms, performance, signatures.

Sources of the fixed wording: 《中华人民共和国人民调解法》(GitHub LawRefBook/Laws, 诉讼与非诉讼程序法/人民调解法.md)
第二十八、三十条; filling rules, http://www.yunnanlong.com/c/051HTA942023_3.html (人民调解口头协议登记表, filled like the
agreement).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.lib.units import mm

from app.models import Dispute
from app.rules.errors import WorkflowError
from app.rules.workflow import DISPUTE
from app.services.context import Ctx

from .. import data
from ..layout import FORM, DocInfo, FormGrid, build_pdf, look, numbered_items, title
from ..spec import FormSpec
from ._common import PARTY_WIDTHS, pair_rows_6, party_table_rows, sign_cell

# the Ministry of Justice form name (人民调解文书格式: 人民调解口头协议登记表), used everywhere
TITLE = "人民调解口头协议登记表"


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    d = data.dispute_for(ctx, ref, TITLE)
    if d.outcome != "succeeded":
        raise WorkflowError(
            f"纠纷 {d.case_code} 尚未调解成功（当前状态：{DISPUTE.status_label(d.status)}），"
            f"不能打印《{TITLE}》"
        )
    if d.agreement_type != "oral":
        raise WorkflowError(f"纠纷 {d.case_code} 达成的是书面协议，请打印《人民调解协议书》")
    lx = look()
    parties = data.parties_of(ctx, d)
    committee = data.committee(ctx)
    g = FormGrid(PARTY_WIDTHS)
    party_table_rows(g, parties, d.registered_on)
    pair_rows_6(g, "纠纷类型", data.label(ctx, "dispute_category", d.category))
    g.text("纠纷主要事实、争议事项", d.facts or d.summary, label_cols=2, min_height=35 * mm)
    if d.responsibilities:
        g.text("各方责任", d.responsibilities, label_cols=2)
    g.text(
        "协议内容", "\n".join(numbered_items(d.agreement_terms)), label_cols=2, min_height=35 * mm
    )
    perform = [
        f"履行方式：{d.performance_manner}" if d.performance_manner else "",
        f"履行地点：{d.performance_place}" if d.performance_place else "",
        f"履行期限：{data.cn_date(d.performance_deadline)}前" if d.performance_deadline else "",
    ]
    g.text(
        "履行方式、地点、期限", "\n".join(x for x in perform if x), label_cols=2, min_height=15 * mm
    )
    pair_rows_6(g, "协议达成日期", data.cn_date(d.outcome_on))
    pair_rows_6(g, "人民调解员", data.mediators_of(d))
    signers = [(f"{p.role}（签名或按指印）", p.name) for p in parties]
    signers += [("人民调解员（签名）", ""), ("登记人（签名）", "")]
    g.full(
        [
            lx.p(
                "以上协议内容经当事人确认无误。口头调解协议自各方当事人达成协议之日起生效。",
                "cell_indent",
            ),
            *sign_cell(signers),
            lx.p(f"{committee}（盖章）", "cell", alignment=2, spaceBefore=12),
            lx.p(data.cn_date(d.outcome_on), "cell", alignment=2),
        ]
    )
    story = [title(TITLE), lx.p(d.mediation_no, "number"), g.table()]
    info = DocInfo(f"{TITLE} {d.mediation_no}", committee, d.title, d.case_code)
    return build_pdf(story, info, page=FORM)


SPEC = FormSpec(
    key="oral_agreement",
    title=TITLE,
    kind="dispute",
    build=build,
    description="口头协议的登记（当事人确认签名）",
    applies=lambda r: (
        isinstance(r, Dispute) and r.outcome == "succeeded" and r.agreement_type == "oral"
    ),
)
