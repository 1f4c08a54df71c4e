"""回执 — the receipt handed to the petitioner (来信来访) or the applicant (矛盾纠纷): the case
code (一案一码) to ask about progress with, and the dates by which they will hear back.
The upper part is the stub the station keeps; the lower part is cut off and handed over."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from reportlab.lib.units import mm

from app.models import Dispute, Visit
from app.rules.workflow import DISPUTE, VISIT
from app.services.context import Ctx

from .. import data
from ..layout import FORM, CutLine, DocInfo, FormGrid, build_pdf, gap, look, seal_block
from ..spec import FormSpec
from ._common import split_sides

TITLE = "回执"
STUB = [30 * mm, 48 * mm, 30 * mm, 48 * mm]


def _visit_promises(v: Visit) -> list[str]:
    if v.status in ("registered", "reviewed"):
        return [
            f"我单位将于{data.cn_date(v.accept_due)}前告知您是否受理；受理后将在规定期限内办结并书面答复。"
        ]
    if v.status in ("accepted", "in_progress"):
        due = v.handle_due
        when = f"已于{data.cn_date(v.decision_on)}受理" if v.decision_on else "已受理"
        text = [
            f"您反映的事项{when}，将于{data.cn_date(due)}前办结并答复您。"
            if due
            else f"您反映的事项{when}。"
        ]
        if v.handler_unit and v.handling_method in ("transfer", "assign"):
            text.append(f"承办单位：{v.handler_unit}。")
        return text
    if v.status == "not_accepted":
        return [f"您反映的事项经审查不予受理（{data.cn_date(v.decision_on)}），理由已另行告知。"]
    if v.status == "informed":
        return [f"您反映的事项已于{data.cn_date(v.decision_on)}告知向有权处理的机关提出。"]
    return [f"您反映的事项已于{data.cn_date(v.replied_on)}办结答复。"] if v.replied_on else []


def _dispute_promises(d: Dispute) -> list[str]:
    if d.status in ("registered", "triaged", "mediating"):
        return [
            f"本委员会已于{data.cn_date(d.registered_on)}受理，调解一般在{data.cn_date(d.mediation_due)}前完成；"
            "需要延长的，须经各方当事人同意。人民调解不收取任何费用。"
        ]
    return [f"本纠纷当前状态：{DISPUTE.status_label(d.status)}。"]


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    case = data.case_for(ctx, ref, TITLE)
    lx = look()
    station = ctx.station
    contact = "，".join(
        x for x in (station.address, f"电话{station.phone}" if station.phone else "") if x
    )
    g = FormGrid(STUB)
    if isinstance(case, Visit):
        people = [p for role, p in data.petitioners_of(ctx, case) if role == "信访人"]
        names = "、".join(p.name for p in people) or "信访人"
        heading = "来信来访登记回执"
        issuer = station.name
        day: date = case.received_on
        channel = data.label(ctx, "visit_channel", case.channel)
        g.pair_row(("案件编码", case.case_code), ("", ""), spans=[(1, 3)])
        g.pair_row(("信访人", names), ("信访形式", channel))
        g.pair_row(
            ("登记日期", data.cn_date(case.received_on)),
            ("经办人", data.person_name(ctx.operator.display_name)),
        )
        g.pair_row(("事由", case.subject), ("", ""), spans=[(1, 3)])
        g.pair_row(
            ("当前状态", VISIT.status_label(case.status)),
            ("应答复期限", data.cn_date(case.due_on, "")),
        )
        body = [
            f"您于{data.cn_date(case.received_on)}以{channel}形式反映的“{case.subject}”已登记，"
            f"案件编码为{case.case_code}。",
            *_visit_promises(case),
        ]
    else:
        applicants, _resp, _others = split_sides(data.parties_of(ctx, case))
        names = "、".join(p.name for p in applicants) or "申请人"
        heading = "人民调解受理回执"
        issuer = data.committee(ctx)
        day = case.registered_on
        g.pair_row(("案件编码", case.case_code), ("", ""), spans=[(1, 3)])
        g.pair_row(("编号", case.mediation_no), ("", ""), spans=[(1, 3)])
        g.pair_row(("申请人", names), ("受理日期", data.cn_date(case.registered_on)))
        g.pair_row(("纠纷名称", case.title), ("", ""), spans=[(1, 3)])
        g.pair_row(
            ("当前状态", DISPUTE.status_label(case.status)),
            ("调解期限", data.cn_date(case.mediation_due, "")),
        )
        body = [
            f"你（们）申请调解的{case.title}，案件编码为{case.case_code}，编号{case.mediation_no}。",
            *_dispute_promises(case),
        ]
    query = (
        f"您可凭案件编码向{station.name}查询办理进度" + (f"（{contact}）" if contact else "") + "。"
    )
    story: list[Any] = [
        lx.p(f"{heading}（存根）", "title", fontSize=18, leading=26),
        gap(2),
        g.table(),
        gap(10),
        CutLine(),
        gap(8),
        lx.p(heading, "title"),
        gap(2),
        lx.p(f"{names}：", "body_flush"),
        *[lx.p(t, "body") for t in body],
        lx.p(query, "body"),
        *seal_block(issuer, data.cn_date(day), space_mm=12),
    ]
    info = DocInfo(f"{heading} {case.case_code}", issuer, heading, case.case_code)
    return build_pdf(story, info, page=FORM)


SPEC = FormSpec(
    key="receipt",
    title=TITLE,
    kind="visit",
    also=("dispute",),
    build=build,
    description="交信访人或申请人的回执（案件编码及答复期限）",
)
