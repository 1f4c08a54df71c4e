"""信访事项处理意见书 — the written reply to an accepted petition: the request, its facts and
reasons, the handling opinion and its legal basis, and the right to ask for 复查 within 30 days.

* 《信访工作条例》第三十三条: the handling body hears the facts and reasons, investigates and
  issues a 信访处理意见书 stating the request, facts and reasons, the opinion and its legal
  basis (the 2022 text; the older 信访条例 第三十二条 listed the same three outcomes);
* 第三十五条: 信访人对信访处理意见不服的，可以自收到书面答复之日起30日内请求原办理机关、单位的
  上一级机关、单位复查 — 广东省信访局 复查复核问答,
  http://gdwsxf.gd.gov.cn/hdjl/wdzsk/fcfh/content/post_3962125.html (复核, 第三十六条);
* structure of the model 答复意见书 (受理情况; 事实认定、依据和处理意见; 不服的救济途径;
  落款及公章) — “信访事项答复意见书格式”, http://caiyes.cn/thread-49764-2-1.html.

Dated on the day of the reply (``replied_on``). Refused when the record lacks the facts and
reasons (补充于信访件“事实和理由”), the opinion or its legal basis (“办结”步骤的处理依据).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.models import Visit
from app.rules import petition as law
from app.rules.errors import WorkflowError
from app.services.context import Ctx

from .. import data
from ..layout import heading, paragraphs
from ..spec import FormSpec
from ._petition import YOU, addressee, notice_pdf, opening, periods, require

TITLE = "信访事项处理意见书"


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    v = data.visit_for(ctx, ref, TITLE)
    if v.replied_on is None or v.decision_on is None:
        raise WorkflowError(
            f"信访件 {v.case_code} 尚未办结答复，不能打印《{TITLE}》；请先办理“办结”"
        )
    require(
        v,
        [
            (bool(v.facts), "事实和理由（在信访件中补充）"),
            (bool(v.reply_content), "处理意见（“办结”步骤的办理结果）"),
            (bool(v.legal_basis), "处理依据（“办结”步骤填写）"),
        ],
        TITLE,
    )
    names = addressee(ctx, v, TITLE)
    p = periods(ctx, v, accepted=v.decision_on)
    body: list[Any] = [
        f"{opening(ctx, v)}，本单位已于{data.cn_date(v.decision_on)}受理。经调查核实，"
        f"依照{law.cite(law.ART_OPINION)}的规定，现将处理意见答复如下：",
        heading("一、信访请求"),
        *paragraphs(v.request),
        heading("二、事实和理由"),
        *paragraphs(v.facts),
        heading("三、处理意见"),
        *paragraphs(v.reply_content),
        heading("四、处理依据"),
        *paragraphs(v.legal_basis),
        f"{YOU}如对本处理意见不服，可以自收到本意见书之日起{p.review_days}日内，"
        f"向本单位的上一级机关、单位请求复查（{law.cite(law.ART_REVIEW)}）。",
    ]
    return notice_pdf(ctx, v, TITLE, names, body, v.replied_on, closing="特此答复。")


SPEC = FormSpec(
    key="petition_opinion",
    title="处理意见书",
    kind="visit",
    build=build,
    description="信访事项处理意见（请求、事实、意见、依据及30日内申请复查的权利）",
    applies=lambda r: isinstance(r, Visit) and r.replied_on is not None,
)
