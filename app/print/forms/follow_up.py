"""回访记录 — the follow-up visit on an agreement's performance (2002 rules Art. 39).

Printed with what the ledger holds; before the visit it is a pre-filled blank for the
visitor to take along (party, agreement number, matter, performance options to tick).

Source of the fields: filling rules, http://www.yunnanlong.com/c/051HTA942023_3.html (当事人,
调解协议编号, 回访事由, 回访情况, 回访人); 《人民调解工作若干规定》(2002) 第三十四~三十九条,
http://www.fymate.net/html/text/lar/168954/16895461_5.html 第三十九条.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.lib.units import mm

from app.models import Dispute
from app.rules.errors import WorkflowError
from app.services.codes import CodeBook
from app.services.context import Ctx

from .. import data
from ..layout import FORM, DocInfo, FormGrid, build_pdf, checks, look, title
from ..spec import FormSpec
from ._common import sign_cell
from ._session_record import HALF

TITLE = "人民调解回访记录"


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    d = data.dispute_for(ctx, ref, TITLE)
    if d.outcome != "succeeded":
        raise WorkflowError(f"纠纷 {d.case_code} 未达成调解协议，无需回访记录")
    lx = look()
    codes = CodeBook(ctx.session)
    parties = data.parties_of(ctx, d)
    committee = data.committee(ctx)
    done = d.followed_up_on is not None
    visitor = data.actor_of(ctx, d, "followed_up") if done else ""
    g = FormGrid(HALF)
    g.pair_row(("当事人", "、".join(p.name for p in parties)), ("", ""), spans=[(1, 3)])
    g.pair_row(
        ("调解协议编号", d.mediation_no),
        ("协议形式", codes.label("agreement_type", d.agreement_type)),
    )
    g.pair_row(("回访事由", d.title), ("", ""), spans=[(1, 3)])
    g.pair_row(
        ("协议履行期限", data.cn_date(d.performance_deadline, "")),
        ("回访期限", data.cn_date(d.follow_up_due, "")),
    )
    choices = [c.label for c in codes.items("performance_status")]
    chosen = codes.label("performance_status", d.performance_status) if d.performance_status else ""
    g.pair_row(("履行情况", checks(choices, chosen)), ("", ""), spans=[(1, 3)])
    confirmed = "已申请司法确认" if d.judicial_confirmed else ("未申请" if done else "")
    g.pair_row(
        ("司法确认", checks(["已申请司法确认", "未申请"], confirmed)), ("", ""), spans=[(1, 3)]
    )
    g.row(
        lx.p(
            "回访情况包括：协议履行情况，当事人满意程度，有无反悔或起诉，有无激化苗头及采取的措施。",
            "note",
        ),
        "",
        "",
        "",
        spans=[(0, 3)],
    )
    g.text("回访情况", d.follow_up_note, min_height=90 * mm)
    g.full(sign_cell([("回访人（签名）", visitor)], data.cn_date(d.followed_up_on)))
    story = [title(TITLE), lx.p(d.mediation_no, "number"), g.table()]
    info = DocInfo(f"{TITLE} {d.mediation_no}", committee, d.title, d.case_code)
    return build_pdf(story, info, page=FORM)


SPEC = FormSpec(
    key="follow_up",
    title=TITLE,
    kind="dispute",
    build=build,
    description="协议履行回访（未回访时打印预填空白表）",
    applies=lambda r: isinstance(r, Dispute) and r.outcome == "succeeded",
)
