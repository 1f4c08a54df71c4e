"""回执 — the receipt handed to the petitioner (来信来访) or the applicant (矛盾纠纷): the case
code (一案一码) to ask about progress with, and the dates by which they will hear back.
The upper part is the stub the station keeps; the lower part is cut off and handed over.

It records one act — registration (来信来访) or acceptance (矛盾纠纷) — and is dated on that day;
it states only what was true then: the periods computed from that day (信访工作条例 第二十三条、
第三十四条、第三十五条, see :mod:`app.rules.petition`; 人民调解 one month, 2002 人民调解工作若干规定
第三十六条), never a later status, decision or extension (each has its own notice), so a
reprint is the same document. A committee-started case (依职权主动调解) does not say 申请."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from reportlab.lib.units import mm

from app.models import Dispute, Visit
from app.rules import deadlines as dl
from app.rules import petition as law
from app.services.context import Ctx

from .. import data
from ..layout import FORM, CutLine, DocInfo, FormGrid, build_pdf, gap, look, seal_block
from ..spec import FormSpec
from ._common import split_sides
from .agreement import span_text

TITLE = "回执"
STUB = [30 * mm, 48 * mm, 30 * mm, 48 * mm]


def _visit_promises(ctx: Ctx, v: Visit) -> list[str]:
    """What the station undertakes on the day of registration, with the periods computed from
    the record and their articles (the receipt states nothing that happens later)."""
    p = law.periods(data.settings(ctx).deadlines, received=v.received_on)
    return [
        f"依照{law.cite(law.ART_RECEIVE)}的规定，本单位将于{data.cn_date(p.accept_due)}前"
        "书面告知您是否受理（或转送、交办的去向）。",
        f"受理后，依照{law.cite(law.ART_HANDLE)}的规定，自受理之日起{p.handle_days}日内办结"
        f"并书面答复您；情况复杂的，经本单位负责人批准可以适当延长办理期限，但延长期限不得超过"
        f"{p.max_extension_days}日，并告知您延期理由。",
        f"您对处理意见不服的，可以自收到书面答复之日起{p.review_days}日内请求上一级机关、"
        f"单位复查（{law.cite(law.ART_REVIEW)}）。",
    ]


def _dispute_promises(ctx: Ctx, d: Dispute) -> list[str]:
    """The period as it stood on the day of acceptance (a later extension has its own record)."""
    cfg = data.settings(ctx).deadlines
    due = dl.mediation_due(d.registered_on, cfg, major=d.is_major)
    span = span_text(cfg.mediation_major if d.is_major else cfg.mediation_general)
    return [
        f"本委员会已于{data.cn_date(d.registered_on)}受理，调解一般在{span}内完成，即"
        f"{data.cn_date(due)}前；有特殊情况不能按期完成的，经纠纷双方当事人同意可以继续调解。"
        "人民调解不收取任何费用。"
    ]


def dispute_opening(d: Dispute) -> str:
    """Who asked: the parties (申请) or nobody (依职权主动调解), as the record says."""
    if d.source == "party_application":
        return f"你（们）申请调解的{d.title}"
    if d.source == "committee_initiative":
        return f"本委员会依职权主动调解的{d.title}"
    return f"本委员会受理调解的{d.title}"


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
            ("经办人", data.actor_of(ctx, case, "registered")),  # who registered it, not who prints
        )
        g.pair_row(("事由", case.subject), ("", ""), spans=[(1, 3)])
        periods = law.periods(data.settings(ctx).deadlines, received=case.received_on)
        g.pair_row(
            ("受理告知期限", data.cn_date(periods.accept_due) + "前"),
            ("办结期限", f"受理之日起{periods.handle_days}日内"),
        )
        body = [
            f"您于{data.cn_date(case.received_on)}以{channel}形式反映的“{case.subject}”已登记，"
            f"案件编码为{case.case_code}。",
            *_visit_promises(ctx, case),
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
        due = dl.mediation_due(
            case.registered_on, data.settings(ctx).deadlines, major=case.is_major
        )
        g.pair_row(
            ("案件来源", data.label(ctx, "case_source", case.source)),
            ("调解期限", data.cn_date(due) + "前"),
        )
        body = [
            f"{dispute_opening(case)}，案件编码为{case.case_code}，编号{case.mediation_no}。",
            *_dispute_promises(ctx, case),
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
