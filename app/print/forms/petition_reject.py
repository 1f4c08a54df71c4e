"""信访事项不予受理告知书 — tells the petitioner the matter is not accepted, why, and which
body can handle it (《信访工作条例》第二十三条第一款: 对不属于本机关、单位或者本系统职权范围的，
应当告知信访人向有权处理的机关、单位提出).

Dated on the day of the decision (``decision_on``). Refused when the record lacks the reason
(不予受理理由) or the competent body (有权处理机关): both are recorded at the 不予受理 step.
Sources: see :mod:`app.rules.petition` (福田区信访局 常见问题, 第二十三条第一款).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.rules import petition as law
from app.rules.errors import WorkflowError
from app.services.context import Ctx

from .. import data
from ..spec import FormSpec
from ._petition import YOU, addressee, notice_pdf, opening, require, was_refused

TITLE = "信访事项不予受理告知书"


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    v = data.visit_for(ctx, ref, TITLE)
    if (
        not was_refused(v)
        or v.decision_on is None
        or data.last_event(ctx, v, "not_accepted") is None
    ):
        raise WorkflowError(f"信访件 {v.case_code} 没有不予受理的决定，不能打印《{TITLE}》")
    require(
        v,
        [
            (bool(v.decision_note), "不予受理理由"),
            (bool(v.competent_body), "有权处理机关（“不予受理”步骤填写）"),
        ],
        TITLE,
    )
    names = addressee(ctx, v, TITLE)
    reason = v.decision_note.rstrip("。；;，, ")
    body = [
        f"{opening(ctx, v)}，本单位已于{data.cn_date(v.received_on)}登记。经审查，本单位于"
        f"{data.cn_date(v.decision_on)}决定不予受理，理由是：{reason}。",
        f"依照{law.cite(law.ART_RECEIVE)}第一款的规定，请{YOU}向有权处理的机关、单位提出，"
        f"即向{v.competent_body}提出。",
    ]
    return notice_pdf(ctx, v, TITLE, names, body, v.decision_on)


SPEC = FormSpec(
    key="petition_reject",
    title="不予受理告知书",
    kind="visit",
    build=build,
    description="告知信访人不予受理的理由及有权处理的机关（信访工作条例第二十三条）",
    applies=was_refused,
)
