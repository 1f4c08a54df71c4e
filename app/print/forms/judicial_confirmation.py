"""司法确认申请书 — the parties' JOINT application to the court to confirm a people's-mediation
agreement, within 30 days of its taking effect.

* 《中华人民共和国人民调解法》第三十三条: “经人民调解委员会调解达成调解协议后，双方当事人认为有
  必要的，可以自调解协议生效之日起三十日内共同向人民法院申请司法确认，人民法院应当及时对调解
  协议进行审查，依法确认调解协议的效力。” — text as published, e.g.
  https://www.daowen.com/book/content/235878214/3352260.html (《人民调解协议书》内容相关法条链接);
* 最高人民法院《关于人民调解协议司法确认程序的若干规定》(法释〔2011〕5号) 第二条 (the court:
  主持调解的人民调解委员会所在地基层人民法院或者它派出的法庭) and 第三条 (what to submit:
  司法确认申请书、调解协议和身份证明、资格证明 … 双方当事人的送达地址、电话号码等联系方式;
  委托他人代为申请的，必须向人民法院提交由委托人签名或者盖章的授权委托书) — text as copied at
  http://www.longnan.sys.jixi.ww38.viennacitytours.com/a/211.html;
* the dossier's 司法确认材料 (司法部《人民调解文书格式》卷内目录, see :mod:`dossier`).

Only for a written agreement that has taken effect; the deadline is computed by
:func:`app.rules.deadlines.judicial_confirmation_due`. After the deadline it is refused, unless
the record says the parties did apply (then it is a reprint for the dossier). The court's name
and the signing date are written in by hand: the record does not hold them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.models import Dispute
from app.rules import deadlines as dl
from app.rules.errors import WorkflowError
from app.services.context import Ctx

from .. import data
from ..layout import (
    DocInfo,
    anchor,
    build_pdf,
    doc_number,
    gap,
    heading,
    keep,
    look,
    numbered_items,
    signature_rows,
    title,
)
from ..spec import FormSpec
from .agreement import check_written

TITLE = "司法确认申请书"
LAW = "《中华人民共和国人民调解法》第三十三条"
RULES = "最高人民法院《关于人民调解协议司法确认程序的若干规定》"


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    d = data.dispute_for(ctx, ref, TITLE)
    check_written(d, TITLE)
    effective = d.agreement_effective_on or d.outcome_on
    if effective is None:
        raise WorkflowError(f"纠纷 {d.case_code} 没有协议生效日期，不能打印《{TITLE}》")
    due = dl.judicial_confirmation_due(effective, data.settings(ctx).deadlines)
    if ctx.today() > due and not d.judicial_confirmed:
        raise WorkflowError(
            f"纠纷 {d.case_code} 的调解协议于{data.cn_date(effective)}生效，"
            f"申请司法确认的期限已于{data.cn_date(due)}届满（{LAW}：生效之日起三十日内），"
            f"不能再打印《{TITLE}》"
        )
    parties = data.parties_of(ctx, d)
    if len(parties) < 2:
        raise WorkflowError(f"纠纷 {d.case_code} 只登记了一方当事人，司法确认须由双方共同申请")
    lx = look()
    committee = data.committee(ctx)
    names = "、".join(p.name for p in parties)
    story: list[Any] = [title(TITLE), doc_number(f"调解协议编号：{d.mediation_no}")]
    for p in parties:
        story.append(
            lx.rich(
                [("heading", "申请人："), ("body", f"{p.name}，{p.description()}")], "body_flush"
            )
        )
        if p.agent_name:
            agent = p.agent_name + (f"，联系电话{p.agent_phone}" if p.agent_phone else "")
            story.append(lx.rich([("heading", "委托代理人："), ("body", agent)], "hanging"))
    story += [
        gap(2),
        heading("请求事项："),
        lx.p(
            f"请求确认申请人{names}于{data.cn_date(d.outcome_on)}经{committee}主持调解达成的"
            f"调解协议（{d.mediation_no}）有效。",
            "body",
        ),
        heading("事实和理由："),
        lx.p(
            f"申请人因{d.title}，于{data.cn_date(d.outcome_on)}经{committee}主持调解，"
            f"自愿达成调解协议，该协议自{data.cn_date(effective)}起生效。协议内容如下：",
            "body",
        ),
        *[lx.p(item, "body") for item in numbered_items(d.agreement_terms)],
        # the anchor: the request's last lines, the 附 list and 此致 … 人民法院 go with the
        # applicants' signatures, so no page holds only the court's blank and the signatures
        anchor(
            lx.p(
                f"依照{LAW}的规定，经人民调解委员会调解达成调解协议后，双方当事人认为有必要的，"
                "可以自调解协议生效之日起三十日内共同向人民法院申请司法确认。申请人现共同提出申请"
                f"（本协议申请期限至{data.cn_date(due)}），请人民法院依法确认调解协议的效力。",
                "body",
            )
        ),
        lx.p(
            f"附：1．调解协议书一份；2．申请人身份证明{len(parties)}份；"
            "3．与调解协议相关的财产权利证明等证明材料；4．委托他人代为申请的，"
            f"由委托人签名或者盖章的授权委托书（{RULES}第三条）。",
            "body",
        ),
    ]
    sign = [
        lx.p("此致", "body"),
        lx.p("＿＿＿＿＿＿＿＿人民法院", "body_flush"),
        gap(2),
        signature_rows([(f"申请人{i}", p.name, True) for i, p in enumerate(parties, 1)]),
        gap(3),
        lx.p(data.BLANK_DATE, "body_right"),
    ]
    story.append(keep(sign))
    info = DocInfo(f"{TITLE} {d.mediation_no}", committee, d.title, d.case_code)
    return build_pdf(story, info)


SPEC = FormSpec(
    key="judicial_confirmation",
    title=TITLE,
    kind="dispute",
    build=build,
    description="双方当事人共同向人民法院申请确认调解协议（协议生效之日起三十日内）",
    applies=lambda r: (
        isinstance(r, Dispute) and r.outcome == "succeeded" and r.agreement_type == "written"
    ),
)
