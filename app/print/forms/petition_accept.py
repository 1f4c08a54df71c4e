"""信访事项受理告知书 — tells the petitioner the matter is accepted, how it will be handled and by
when (《信访工作条例》第二十三条第一款: 告知信访人接收情况以及处理途径和程序; 第三十四条: 60日内
办结, 经负责人批准可延长不超过30日并告知延期理由).

Dated on the day of the acceptance decision (``decision_on``); states the 60-day period counted
from that day and nothing that happened later. Sources: see :mod:`app.rules.petition`
(福田区信访局 常见问题 for 第二十三条; 攀枝花市信访局 for the 60/30-day text).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.rules import petition as law
from app.rules.errors import WorkflowError
from app.services.context import Ctx

from .. import data
from ..spec import FormSpec
from ._petition import YOU, addressee, notice_pdf, opening, periods, was_accepted

TITLE = "信访事项受理告知书"


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    v = data.visit_for(ctx, ref, TITLE)
    if not was_accepted(v) or v.decision_on is None:
        raise WorkflowError(f"信访件 {v.case_code} 尚未受理，不能打印《{TITLE}》；请先办理“受理”")
    names = addressee(ctx, v, TITLE)
    p = periods(ctx, v, accepted=v.decision_on)
    body = [
        f"{opening(ctx, v)}，本单位已于{data.cn_date(v.received_on)}登记。经审查，该信访事项属于"
        f"本单位职权范围，本单位已于{data.cn_date(v.decision_on)}决定受理。",
        f"依照{law.cite(law.ART_HANDLE)}的规定，信访事项应当自受理之日起{p.handle_days}日内办结。"
        f"本单位将于{data.cn_date(p.handle_due)}前办结，并将处理意见书面答复{YOU}；"
        f"情况复杂的，经本单位负责人批准，可以适当延长办理期限，但延长期限不得超过"
        f"{p.max_extension_days}日，并告知{YOU}延期理由。",
        f"{YOU}可凭编码{v.case_code}向本单位查询办理进度。",
    ]
    return notice_pdf(ctx, v, TITLE, names, body, v.decision_on)


SPEC = FormSpec(
    key="petition_accept",
    title="受理告知书",
    kind="visit",
    build=build,
    description="告知信访人已受理及办理期限（信访工作条例第二十三条、第三十四条）",
    applies=was_accepted,
)
