"""人民调解协议书 — the written mediation agreement (人民调解法 Art. 29; 2002 rules Art. 34).

Number at the top right, one block per party, facts and disputed matters, responsibilities,
the agreed terms, manner/place/deadline of performance, copies = parties + 1, effect and the
judicial-confirmation window, one signature and fingerprint line per party, mediator and
recorder lines, the committee's seal area and the date.

Sources of the fixed wording: 《中华人民共和国人民调解法》(GitHub LawRefBook/Laws, 诉讼与非诉讼程序法/人民调解法.md)
第二十九、三十三条; 《人民调解工作若干规定》(2002) 第三十四~三十九条,
http://www.fymate.net/html/text/lar/168954/16895461_5.html (第三十四条: 履约的方式、地点、期限); filling rules,
http://www.yunnanlong.com/c/051HTA942023_3.html.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.models import Dispute
from app.rules.deadlines import Span
from app.rules.errors import WorkflowError
from app.rules.workflow import DISPUTE
from app.services.context import Ctx

from .. import data
from ..layout import (
    DocInfo,
    anchor,
    build_pdf,
    chinese_number,
    doc_number,
    field_line,
    gap,
    heading,
    keep,
    look,
    numbered_items,
    paragraphs,
    seal_block,
    signature_rows,
    title,
)
from ..spec import FormSpec

TITLE = "人民调解协议书"


def span_text(span: Span) -> str:
    """Span(days=30) → 三十日; Span(months=1) → 一个月."""
    if span.months and not span.days:
        return f"{chinese_number(span.months)}个月"
    if span.days and not span.months:
        return f"{chinese_number(span.days)}日"
    return span.label()


def check_written(d: Dispute, title_text: str = TITLE) -> None:
    if d.outcome != "succeeded":
        raise WorkflowError(
            f"纠纷 {d.case_code} 尚未调解成功（当前状态：{DISPUTE.status_label(d.status)}），"
            f"不能打印《{title_text}》；达成协议后请先在案件中办理“调解成功”并录入协议内容"
        )
    if d.agreement_type == "oral":
        raise WorkflowError(
            f"纠纷 {d.case_code} 达成的是口头协议，请打印《人民调解口头协议登记表》"
        )


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    d = data.dispute_for(ctx, ref, TITLE)
    check_written(d)
    lx = look()
    st = data.settings(ctx)
    parties = data.parties_of(ctx, d)
    story: list[Any] = [title(TITLE), doc_number(d.mediation_no)]

    for p in parties:
        story.append(
            lx.rich(
                [("heading", f"{p.role}："), ("body", f"{p.name}，{p.description()}")], "body_flush"
            )
        )
        if p.agent_name:
            agent = p.agent_name + (f"，联系电话{p.agent_phone}" if p.agent_phone else "")
            story.append(lx.rich([("heading", "委托代理人："), ("body", agent)], "hanging"))
    story.append(gap(2))

    story.append(heading("纠纷主要事实、争议事项："))
    story.extend(paragraphs(d.facts or d.summary))
    if d.responsibilities:
        story.append(heading("各方责任："))
        story.extend(paragraphs(d.responsibilities))

    story.append(heading("经调解，各方当事人自愿达成如下协议："))
    terms = [lx.p(item, "body") for item in numbered_items(d.agreement_terms)]
    if terms:
        anchor(terms[-1])  # the signatures always share a page with the last term
    story.extend(terms)

    story.append(heading("履行协议的方式、地点、期限："))
    story.append(field_line("履行方式", d.performance_manner or "按上述协议条款履行", style="body"))
    if d.performance_place:
        story.append(field_line("履行地点", d.performance_place, style="body"))
    deadline = (
        f"{data.cn_date(d.performance_deadline)}前履行完毕"
        if d.performance_deadline
        else "按上述协议条款约定的期限履行"
    )
    story.append(field_line("履行期限", deadline, style="body"))

    copies = len(parties) + 1
    effective = data.cn_date(d.agreement_effective_on or d.outcome_on)
    closing = [
        lx.p(
            f"本协议一式{chinese_number(copies)}份，当事人各执一份，人民调解委员会留存一份。"
            "本协议书自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。",
            "body",
        ),
        lx.p(
            f"双方当事人认为有必要的，可以自调解协议生效之日起{span_text(st.deadlines.judicial_confirmation)}"
            "内共同向人民法院申请司法确认。",
            "body",
        ),
        gap(3),
    ]
    signers: list[tuple[str, str, bool]] = [(p.role, p.name, True) for p in parties]
    signers += [("人民调解员", "", False), ("记录人", "", False)]
    sign_block = [
        *closing,
        signature_rows(signers),
        *seal_block(st.committee_name, effective, space_mm=6),
    ]
    story.append(keep(sign_block))
    info = DocInfo(
        title=f"{TITLE} {d.mediation_no}",
        author=st.committee_name,
        subject=d.title,
        keywords=d.case_code,
    )
    # 骑缝 mark on by default: a committee stamps a multi-page agreement across its pages
    return build_pdf(story, info, seam=bool(options.get("seam", True)))


SPEC = FormSpec(
    key="agreement",
    title=TITLE,
    kind="dispute",
    build=build,
    description="书面调解协议（各方签名按指印，份数＝当事人数＋1）",
    applies=lambda r: (
        isinstance(r, Dispute) and r.outcome == "succeeded" and r.agreement_type == "written"
    ),
)
