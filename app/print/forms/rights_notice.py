"""人民调解当事人权利义务告知书 — the parties' rights and duties (人民调解法 Arts. 23, 24,
26, 31, 33; 2002 rules Art. 36), acknowledged by each party's signature.

Sources of the fixed wording: 《中华人民共和国人民调解法》(GitHub LawRefBook/Laws, 诉讼与非诉讼程序法/人民调解法.md)
第三、四、二十三~二十六、三十一、三十三条; heading after 司法部《人民调解文书格式》as in “调解卷宗.docx”,
https://bdocx.com/doc/4951888.html.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.models import Dispute
from app.services.context import Ctx

from .. import data
from ..layout import (
    DocInfo,
    build_pdf,
    doc_number,
    gap,
    keep,
    look,
    seal_block,
    signature_rows,
    title,
)
from ..spec import FormSpec
from .agreement import span_text

TITLE = "人民调解当事人权利义务告知书"

RIGHTS = (
    "选择或者接受人民调解员；",
    "接受调解、拒绝调解或者要求终止调解；",
    "要求调解公开进行或者不公开进行；",
    "自主表达意愿、自愿达成调解协议。",
)
DUTIES = (
    "如实陈述纠纷事实；",
    "遵守调解现场秩序，尊重人民调解员；",
    "尊重对方当事人行使权利。",
)


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    d = data.dispute_for(ctx, ref, TITLE)
    lx = look()
    st = data.settings(ctx)
    parties = data.parties_of(ctx, d)
    names = "、".join(p.name for p in parties)
    cfg = st.deadlines
    span = cfg.mediation_major if d.is_major else cfg.mediation_general
    story: list[Any] = [title(TITLE), doc_number(d.mediation_no)]
    story.append(lx.p(f"{names}：", "body_flush"))
    story.append(
        lx.p(
            f"{st.committee_name}已受理{d.title}。人民调解委员会依据"
            "《中华人民共和国人民调解法》，在当事人自愿、平等的基础上进行调解，不违背法律、"
            "法规和国家政策，尊重当事人的权利，不得因调解而阻止当事人依法通过仲裁、行政、司法等途径"
            "维护自己的权利。人民调解不收取任何费用。现将你（们）在人民调解活动中享有的权利"
            "和承担的义务告知如下：",
            "body",
        )
    )
    story.append(lx.p("一、当事人享有下列权利", "heading_indent"))
    story.extend(lx.p(f"（{'一二三四'[i]}）{t}", "body") for i, t in enumerate(RIGHTS))
    story.append(lx.p("二、当事人应当履行下列义务", "heading_indent"))
    story.extend(lx.p(f"（{'一二三'[i]}）{t}", "body") for i, t in enumerate(DUTIES))
    story.append(lx.p("三、其他事项", "heading_indent"))
    others = (
        f"调解一般在受理之日起{span_text(span)}内完成；需要延长的，须经各方当事人同意。",
        "调解不成的，人民调解员终止调解，并告知当事人可以依法通过仲裁、行政、司法等途径维护自己的权利。",
        "经人民调解委员会调解达成的调解协议，具有法律约束力，当事人应当按照约定履行。",
        f"达成调解协议后，双方当事人认为有必要的，可以自调解协议生效之日起"
        f"{span_text(cfg.judicial_confirmation)}内共同向人民法院申请司法确认。",
        "纠纷有可能激化的，人民调解员将采取有针对性的预防措施；对有可能引起治安案件、刑事案件的纠纷，将及时向当地公安机关或者其他有关部门报告。",
    )
    story.extend(lx.p(f"（{'一二三四五'[i]}）{t}", "body") for i, t in enumerate(others))
    signers = [(f"{p.role}", p.name) for p in parties]
    story.append(
        keep(
            gap(2),
            lx.p("以上内容已告知，本人已知悉。", "body"),
            signature_rows(signers),
            *seal_block(st.committee_name, data.cn_date(d.registered_on)),
        )
    )
    info = DocInfo(f"{TITLE} {d.mediation_no}", st.committee_name, d.title, d.case_code)
    return build_pdf(story, info)


SPEC = FormSpec(
    key="rights_notice",
    title=TITLE,
    kind="dispute",
    build=build,
    description="告知当事人权利义务，当事人签收",
    applies=lambda r: isinstance(r, Dispute),
)
