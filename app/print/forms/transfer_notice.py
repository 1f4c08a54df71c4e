"""群众来信来访件转办（交办）通知 — sends a petition to the unit that handles it, asking for
the result by the handling deadline, with a result slip to fill in and return.

One of the ten registers (十个一) keeps these notices; the register printout lists them.

Wording: 《信访工作条例》第二十三条第三款 — the receiving unit “应当自收到之日起15日内书面告知信访人
接收情况以及处理途径和程序” (福田区信访局 常见问题,
https://www.szft.gov.cn/bmxx/qxfj/cjwt/content/post_12403598.html; see :mod:`app.rules.petition`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.lib.units import mm

from app.models import Visit
from app.rules import petition as law
from app.rules.errors import WorkflowError
from app.services.context import Ctx

from .. import data
from ..layout import (
    FORM,
    CutLine,
    DocInfo,
    FormGrid,
    RuledLines,
    build_pdf,
    doc_number,
    keep,
    look,
    seal_block,
    title,
)
from ..spec import FormSpec
from ._common import sign_cell

TITLE = "群众来信来访件转办通知"
WIDTHS = [28 * mm, 50 * mm, 28 * mm, 50 * mm]


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    v = data.visit_for(ctx, ref, TITLE)
    if v.handling_method not in ("transfer", "assign") or not v.handler_unit:
        raise WorkflowError(
            f"信访件 {v.case_code} 没有转办或交办记录；请先在案件中办理“转办”或“交办”并填写承办单位"
        )
    verb = "转办" if v.handling_method == "transfer" else "交办"
    heading = f"群众来信来访件{verb}通知"
    lx = look()
    station = ctx.station.name
    people = [p for role, p in data.petitioners_of(ctx, v) if role == "信访人"]
    names = "、".join(p.name for p in people) or "（匿名）"
    due = v.handle_due
    g = FormGrid(WIDTHS)
    g.pair_row(("案件编码", v.case_code), ("", ""), spans=[(1, 3)])
    g.pair_row(("信访人", names), ("人数", f"{v.headcount}人"))
    first = people[0] if people else None
    g.pair_row(("联系电话", first.phone if first else ""), ("住址", first.address if first else ""))
    g.pair_row(
        ("登记日期", data.cn_date(v.received_on)),
        ("信访形式", data.label(ctx, "visit_channel", v.channel)),
    )
    g.pair_row(("事由", v.subject), ("", ""), spans=[(1, 3)])
    g.text("诉求", v.request, min_height=16 * mm)
    if v.facts:
        g.text("事实和理由", v.facts)
    g.pair_row(("办理期限", data.cn_date(due) + "前" if due else ""), ("", ""), spans=[(1, 3)])
    deadline = f"于{data.cn_date(due)}前" if due else "在规定期限内"
    accept_days = data.settings(ctx).deadlines.visit_accept.days
    story: list[Any] = [
        title(heading),
        doc_number(f"编码：{v.case_code}"),
        lx.p(f"{v.handler_unit}：", "body_flush"),
        lx.p(
            f"现将{names}反映的“{v.subject}”{verb}你单位，请依照{law.cite(law.ART_RECEIVE)}第三款"
            f"的规定，自收到之日起{accept_days}日内书面告知信访人接收情况以及处理途径和程序，"
            f"认真办理，{deadline}将办理结果书面答复信访人，并填写下方回执报送我单位。",
            "body",
            spaceAfter=6,
        ),
        g.table(),
        *seal_block(station, data.cn_date(v.handled_on), space_mm=4),
    ]
    slip = [
        CutLine(),
        lx.p("办理结果回执", "title", fontSize=16, leading=22),
        lx.p(f"{station}：", "body_flush", fontSize=14, leading=22),
        lx.p(
            f"你单位{data.cn_date(v.handled_on)}{verb}的信访件（编码{v.case_code}）已收到，办理结果如下：",
            "body",
            fontSize=14,
            leading=22,
            firstLineIndent=28,
        ),
        RuledLines(3, pitch=8 * mm),
        *sign_cell([("承办人（签名）", ""), ("联系电话", "")]),
        lx.p(
            f"{v.handler_unit}（盖章）　{data.BLANK_DATE}",
            "body_right",
            fontSize=14,
            leading=22,
            spaceBefore=2,
        ),
    ]
    story.append(keep(slip))
    info = DocInfo(f"{heading} {v.case_code}", station, v.subject, v.case_code)
    return build_pdf(story, info, page=FORM)


SPEC = FormSpec(
    key="transfer_notice",
    title="转办/交办通知",
    kind="visit",
    build=build,
    description="信访件转办或交办给承办单位（附办理结果回执）",
    applies=lambda r: isinstance(r, Visit) and r.handling_method in ("transfer", "assign"),
)
