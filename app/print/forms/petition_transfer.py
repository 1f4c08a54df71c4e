"""信访事项转送（交办）告知书 — tells the petitioner where the matter was sent
(《信访工作条例》第二十三条第一款: 转送、交办有权处理的机关、单位，并告知信访人转送、交办去向;
第二十三条第三款: the receiving body tells the petitioner within 15 days that it has it).

Dated on the day the matter was sent (``handled_on``). The notice to the receiving unit itself
is :mod:`transfer_notice` (转办/交办通知). Sources: see :mod:`app.rules.petition`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.models import Visit
from app.rules import petition as law
from app.rules.errors import WorkflowError
from app.services.context import Ctx

from .. import data
from ..spec import FormSpec
from ._petition import YOU, addressee, notice_pdf, opening

TITLE = "信访事项转送（交办）告知书"
VERB = {"transfer": "转送", "assign": "交办"}


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    v = data.visit_for(ctx, ref, TITLE)
    if v.handling_method not in VERB or not v.handler_unit or v.handled_on is None:
        raise WorkflowError(
            f"信访件 {v.case_code} 没有转办或交办记录，不能打印《{TITLE}》；"
            "请先在案件中办理“转办”或“交办”并填写承办单位"
        )
    verb = VERB[v.handling_method]
    heading = f"信访事项{verb}告知书"
    names = addressee(ctx, v, heading)
    p = data.settings(ctx).deadlines
    body = [
        f"{opening(ctx, v)}，本单位已于{data.cn_date(v.received_on)}登记，并于"
        f"{data.cn_date(v.handled_on)}{verb}{v.handler_unit}办理。",
        f"依照{law.cite(law.ART_RECEIVE)}的规定，现将{verb}去向告知{YOU}。{v.handler_unit}"
        f"应当自收到之日起{p.visit_accept.days}日内书面告知{YOU}接收情况以及处理途径和程序。"
        f"{YOU}可凭编码{v.case_code}向本单位查询办理进度。",
    ]
    return notice_pdf(ctx, v, heading, names, body, v.handled_on)


SPEC = FormSpec(
    key="petition_transfer",
    title="转送/交办告知书",
    kind="visit",
    build=build,
    description="告知信访人转送、交办去向（信访工作条例第二十三条）",
    applies=lambda r: isinstance(r, Visit) and r.handling_method in VERB,
)
