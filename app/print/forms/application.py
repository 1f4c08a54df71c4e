"""人民调解申请书 — the party's written application (司法部人民调解文书格式).

Applicant and respondent blocks (name, sex, ethnicity, age, occupation, contact, ID number,
employer or address), the brief statement of the dispute, the numbered requests, the
declaration of voluntary application, the applicant's signature and the date.

Source of the fixed wording: 司法部《人民调解文书格式》as in “调解卷宗.docx”, https://bdocx.com/doc/4951888.html
(申请书: “人民调解委员会已将申请人民调解的相关规定告知我，现自愿申请人民调解委员会进行调解。”).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.lib.units import mm

from app.models import Dispute
from app.services.context import Ctx

from .. import data
from ..layout import FORM, DocInfo, FormGrid, build_pdf, look, numbered_items, title
from ..spec import FormSpec
from ._common import PERSON_WIDTHS, person_block, sign_cell, split_sides

TITLE = "人民调解申请书"


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    d = data.dispute_for(ctx, ref, TITLE)
    lx = look()
    parties = data.parties_of(ctx, d)
    applicants, respondents, others = split_sides(parties)
    day = d.registered_on
    g = FormGrid(PERSON_WIDTHS)
    for p in applicants:
        person_block(g, "申请人", p, day)
    for p in respondents:
        person_block(g, "被申请人", p, day)
    for p in others:
        person_block(g, p.role, p, day)
    g.text("纠纷简要情况", d.summary, label_cols=2, min_height=45 * mm)
    g.text("申请事项", "\n".join(numbered_items(d.requests)), label_cols=2, min_height=22 * mm)
    declaration = lx.p(
        f"{data.committee(ctx)}已将申请人民调解的相关规定告知我（们），现自愿申请人民调解委员会进行调解。",
        "cell_indent",
    )
    signers = [("申请人（签名、盖章或按指印）", "") for _ in applicants] or [
        ("申请人（签名、盖章或按指印）", "")
    ]
    g.full([declaration, *sign_cell(signers, data.cn_date(day))])
    story = [title(TITLE), lx.p(d.mediation_no, "number"), g.table()]
    info = DocInfo(f"{TITLE} {d.mediation_no}", data.committee(ctx), d.title, d.case_code)
    return build_pdf(story, info, page=FORM)


SPEC = FormSpec(
    key="application",
    title=TITLE,
    kind="dispute",
    build=build,
    description="当事人申请调解的书面申请",
    applies=lambda r: isinstance(r, Dispute),
)
