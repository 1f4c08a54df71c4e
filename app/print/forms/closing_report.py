"""人民调解结案报告表 — the case-closing report filed in the dossier.

卷号 (= the cover's), 填表时间, 承办单位, 承办人 (the mediator), 受案时间, 结案时间 (when
performance completed, else the outcome date), parties with address and phone, case source
(ticked), dispute type, brief facts, result, performance and remarks.

Source of the fields: filling rules, http://www.yunnanlong.com/c/051HTA942023_3.html (卷号, 填表时间 =
立卷日期, 承办单位, 承办人, 受案时间, 结案时间 = 履行完毕).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.lib.units import mm

from app.models import Dispute
from app.rules.errors import WorkflowError
from app.rules.numbering import format_dossier_no
from app.rules.workflow import DISPUTE
from app.services.codes import CodeBook
from app.services.context import Ctx

from .. import data
from ..layout import FORM, DocInfo, FormGrid, build_pdf, look, numbered_items, title
from ..spec import FormSpec
from ._common import sign_cell, source_checks

TITLE = "人民调解结案报告表"
WIDTHS = [30 * mm, 26 * mm, 24 * mm, 24 * mm, 24 * mm, 28 * mm]
OUTCOMES = {"succeeded": "调解成功", "failed": "调解不成", "terminated": "终止调解"}


def dossier_no(d: Dispute) -> str:
    if d.mediation_year and d.mediation_seq:
        return format_dossier_no(d.mediation_year, d.mediation_seq)
    return ""


def closed_on(d: Dispute) -> Any:
    """结案时间: performance completed (the follow-up found it performed), else the outcome."""
    if d.outcome == "succeeded" and d.performance_status == "performed" and d.followed_up_on:
        return d.followed_up_on
    return d.outcome_on


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    d = data.dispute_for(ctx, ref, TITLE)
    if d.outcome not in OUTCOMES:
        raise WorkflowError(
            f"纠纷 {d.case_code} 尚未结案（当前状态：{DISPUTE.status_label(d.status)}），"
            f"不能打印《{TITLE}》"
        )
    lx = look()
    codes = CodeBook(ctx.session)
    parties = data.parties_of(ctx, d)
    committee = data.committee(ctx)
    # dated on the act it records (closing; archiving when archived), never on the print day
    filled_on = d.archived_on or closed_on(d)
    g = FormGrid(WIDTHS)

    def pair(label: str, value: str) -> None:
        g.row(label, value, "", "", "", "", labels=[0], spans=[(1, 5)])

    def two(l1: str, v1: str, l2: str, v2: str) -> None:
        g.row(l1, v1, "", l2, v2, "", labels=[0, 3], spans=[(1, 2), (4, 5)])

    two("卷号", dossier_no(d), "填表时间", data.cn_date(filled_on))
    two("承办单位", committee, "承办人", data.mediators_of(d))
    two("受案时间", data.cn_date(d.registered_on), "结案时间", data.cn_date(closed_on(d)))
    g.row(
        *[lx.p(h, "cell_head") for h in ("身份", "姓名", "联系电话", "", "住址", "")],
        spans=[(2, 3), (4, 5)],
    )
    for p in parties:
        g.row(p.role, p.name, p.phone, "", p.address, "", labels=[0], spans=[(2, 3), (4, 5)])
    pair("案件来源", source_checks(ctx, d.source))
    pair("纠纷类型", codes.label("dispute_category", d.category))
    g.text("纠纷简要事实", d.facts or d.summary, label_cols=1, min_height=22 * mm)
    result = [OUTCOMES[d.outcome]]
    if d.outcome == "succeeded":
        result[0] += f"，达成{codes.label('agreement_type', d.agreement_type)}"
        result += numbered_items(d.agreement_terms)
    if d.outcome_note:
        result.append(d.outcome_note)
    g.text("调解结果", "\n".join(result), label_cols=1, min_height=18 * mm)
    perform: list[str] = []
    if d.outcome == "succeeded":
        if d.performance_status:
            perform.append(f"履行情况：{codes.label('performance_status', d.performance_status)}")
        if d.followed_up_on:
            perform.append(f"{data.cn_date(d.followed_up_on)}回访：{d.follow_up_note}")
        if d.judicial_confirmed:
            perform.append("当事人已申请司法确认。")
    g.text("协议履行情况", "\n".join(perform), label_cols=1, min_height=14 * mm)
    if d.amount_fen:
        pair("涉及金额", data.yuan(d.amount_fen))
    remarks = []
    if d.transferred_to:
        remarks.append(f"曾移送{d.transferred_to}（{data.cn_date(d.transferred_on)}）。")
    if d.extension_reason:
        remarks.append(f"延长调解期限：{d.extension_reason}")
    g.text("备注", "\n".join(remarks), label_cols=1, min_height=10 * mm)
    g.full(
        [
            *sign_cell([("承办人（签名）", ""), ("审核人（签名）", "")]),
            lx.p(f"{committee}（盖章）", "cell", alignment=2, spaceBefore=12),
            lx.p(data.cn_date(filled_on), "cell", alignment=2),
        ]
    )
    story = [title(TITLE), lx.p(d.mediation_no, "number"), g.table()]
    info = DocInfo(f"{TITLE} {d.mediation_no}", committee, d.title, d.case_code)
    return build_pdf(story, info, page=FORM)


SPEC = FormSpec(
    key="closing_report",
    title=TITLE,
    kind="dispute",
    build=build,
    description="结案时填写，归入卷宗",
    applies=lambda r: isinstance(r, Dispute) and r.outcome in OUTCOMES,
)
