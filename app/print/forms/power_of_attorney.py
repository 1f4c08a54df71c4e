"""授权委托书 — a party's power of attorney for the agent recorded on the case, one page per
party that has one.

* 司法部《人民调解文书格式》卷内目录 lists 授权委托书 (按需) among the dossier's documents (see
  :mod:`dossier`; source of the list: https://bdocx.com/doc/4951888.html, a county's 调解卷宗
  template following the Ministry's set);
* 最高人民法院《关于人民调解协议司法确认程序的若干规定》(法释〔2011〕5号) 第三条:
  “委托他人代为申请的，必须向人民法院提交由委托人签名或者盖章的授权委托书” (text as copied at
  http://www.longnan.sys.jixi.ww38.viennacitytours.com/a/211.html) — hence the scope box for
  司法确认 and the principal's signature;
* 《中华人民共和国人民调解法》第二十三条 (the party's rights in mediation the agent exercises).

The record holds the agent's name and phone; the scope of authority is the principal's choice,
ticked by hand, and the date is the day the principal signs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.models import Dispute
from app.rules.errors import WorkflowError
from app.services.context import Ctx

from .. import data
from ..layout import (
    DocInfo,
    build_pdf,
    doc_number,
    field_line,
    gap,
    keep,
    look,
    page_break,
    signature_rows,
    title,
)
from ..spec import FormSpec

TITLE = "授权委托书"
SCOPE = (
    "□一般代理：代为陈述事实、提供证据材料、参加调解",
    "□特别授权：除一般代理事项外，代为承认、放弃、变更调解请求，签署调解协议，代为申请司法确认",
)


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    d = data.dispute_for(ctx, ref, TITLE)
    principals = [p for p in data.parties_of(ctx, d) if p.agent_name]
    if not principals:
        raise WorkflowError(
            f"纠纷 {d.case_code} 的当事人没有登记委托代理人，不能打印《{TITLE}》；"
            "请先在当事人信息中填写委托代理人"
        )
    lx = look()
    committee = data.committee(ctx)
    story: list[Any] = []
    for i, p in enumerate(principals):
        if i:
            story.append(page_break())
        agent = p.agent_name + (f"，联系电话{p.agent_phone}" if p.agent_phone else "")
        story += [
            title(TITLE),
            doc_number(f"案件编码：{d.case_code}"),
            field_line("委托人", f"{p.name}（{p.role}），{p.description()}"),
            field_line("受托人", agent),
            field_line("受托人公民身份号码", "＿" * 12),
            gap(2),
            lx.p(
                f"现委托{p.agent_name}在{committee}调解的{d.title}中，作为我的委托代理人。",
                "body",
            ),
            lx.p("代理权限（由委托人勾选）：", "body"),
            *[lx.p(s, "body") for s in SCOPE],
            lx.p("受托人在代理权限内所为的行为，委托人予以承认。", "body"),
            keep(
                gap(4),
                signature_rows([("委托人", p.name, True), ("受托人", p.agent_name, False)]),
                lx.p(data.BLANK_DATE, "body_right"),
            ),
        ]
    info = DocInfo(f"{TITLE} {d.case_code}", committee, d.title, d.case_code)
    return build_pdf(story, info)


SPEC = FormSpec(
    key="power_of_attorney",
    title=TITLE,
    kind="dispute",
    build=build,
    description="当事人委托代理人参加调解的授权委托书（登记了委托代理人时）",
    applies=lambda r: (
        isinstance(r, Dispute) and any(p.agent_name and p.deleted_at is None for p in r.parties)
    ),
)
