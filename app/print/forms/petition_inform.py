"""信访事项告知书 — for a matter outside the station's competence: tells the petitioner to take
it to the body that can handle it (《信访工作条例》第二十三条第一款: 对不属于本机关、单位或者本系统
职权范围的，应当告知信访人向有权处理的机关、单位提出).

Dated on the day of the 告知 step (``decision_on``); refused when the record lacks the competent
body (有权处理机关, recorded at that step). Sources: see :mod:`app.rules.petition` (福田区信访局
常见问题, https://www.szft.gov.cn/xxgk/cjwt/cghb/content/post_12295983.html).
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
from ._petition import YOU, addressee, notice_pdf, opening, require

TITLE = "信访事项告知书"


def _informed(r: Any) -> bool:
    if not isinstance(r, Visit) or r.decision_on is None or r.handling_method:
        return False
    return r.status == "informed" or (r.status == "archived" and bool(r.competent_body))


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    v = data.visit_for(ctx, ref, TITLE)
    if not _informed(v) or v.decision_on is None or data.last_event(ctx, v, "informed") is None:
        raise WorkflowError(f"信访件 {v.case_code} 没有“告知”记录，不能打印《{TITLE}》")
    require(v, [(bool(v.competent_body), "有权处理机关（“告知”步骤填写）")], TITLE)
    names = addressee(ctx, v, TITLE)
    body = [
        f"{opening(ctx, v)}，本单位已于{data.cn_date(v.received_on)}登记。经审查，该信访事项不属于"
        "本单位职权范围。",
        f"依照{law.cite(law.ART_RECEIVE)}第一款的规定，请{YOU}向有权处理的机关、单位提出，"
        f"即向{v.competent_body}提出。",
    ]
    if v.decision_note:
        body.insert(1, v.decision_note)
    return notice_pdf(ctx, v, TITLE, names, body, v.decision_on)


SPEC = FormSpec(
    key="petition_inform",
    title="告知书（向有权机关提出）",
    kind="visit",
    build=build,
    description="告知信访人向有权处理的机关、单位提出（信访工作条例第二十三条）",
    applies=_informed,
)
