"""交办通知书 / 督办通知书 — a township's instruction or supervision of a village case, with
the 六定 (包案领导, 责任单位, 责任人, 化解措施, 办理时限, 督办人) and a feedback slip for the
responsible unit to fill in and return.

:func:`notice_pdf` draws the notice from a plain :class:`NoticeData`; :func:`build` reads a
:class:`app.models.Supervision` record (by id or by its number) into one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from reportlab.lib.units import mm
from sqlalchemy import select

from app.models import Station, Supervision
from app.rules.errors import NotFoundError, WorkflowError
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

KIND_TITLES = {"supervise": "督办", "assign": "交办"}
WIDTHS = [30 * mm, 48 * mm, 30 * mm, 48 * mm]


@dataclass(frozen=True)
class NoticeData:
    """Everything a 交办/督办通知书 prints."""

    kind: str  # supervise | assign
    number: str  # the notice's number
    issuer: str  # the issuing centre (its seal)
    addressee: str  # the station / unit that must act
    case_code: str
    case_title: str
    content: str  # 督办事项 / 交办事项
    lead_name: str = ""  # 包案领导
    responsible_unit: str = ""  # 责任单位
    responsible_person: str = ""  # 责任人
    measures: str = ""  # 化解措施
    due_on: date | None = None  # 办理时限
    supervisor_name: str = ""  # 督办人
    requirement: str = ""  # 办理及反馈要求
    issued_on: date | None = None


def notice_pdf(n: NoticeData) -> bytes:
    if n.kind not in KIND_TITLES:
        raise WorkflowError("批注不是通知书，无需打印；请选择督办或交办记录")
    verb = KIND_TITLES[n.kind]
    heading = f"{verb}通知书"
    lx = look()
    due = f"{data.cn_date(n.due_on)}前" if n.due_on else "规定期限内"
    g = FormGrid(WIDTHS)
    g.pair_row(("案件编码", n.case_code), ("", ""), spans=[(1, 3)])
    g.pair_row(("案件名称", n.case_title), ("", ""), spans=[(1, 3)])
    g.text(f"{verb}事项", n.content, min_height=24 * mm)
    g.pair_row(("包案领导", n.lead_name), ("督办人", data.person_name(n.supervisor_name)))
    g.pair_row(("责任单位", n.responsible_unit or n.addressee), ("责任人", n.responsible_person))
    g.text("化解措施", n.measures, min_height=16 * mm)
    g.pair_row(("办理时限", due), ("", ""), spans=[(1, 3)])
    if n.requirement:
        g.text("办理要求", n.requirement)
    body = (
        f"现将{n.case_title}（案件编码{n.case_code}）{verb}你单位。请按照定领导、定单位、定人员、"
        f"定措施、定时限、定督办人的要求，于{due}办结，并将办理情况填写下方反馈单报送{n.issuer}。"
    )
    story: list[Any] = [
        title(heading),
        doc_number(n.number),
        lx.p(f"{n.addressee}：", "body_flush"),
        lx.p(body, "body", spaceAfter=6),
        g.table(),
        *seal_block(n.issuer, data.cn_date(n.issued_on), space_mm=6),
    ]
    slip = [
        CutLine(),
        lx.p("办理情况反馈单", "title", fontSize=16, leading=22),
        lx.p(f"{n.issuer}：", "body_flush", fontSize=14, leading=22),
        lx.p(
            f"你单位{n.number}{'' if n.number.endswith('号') else '号'}{heading}（案件编码{n.case_code}）收悉，办理情况如下：",
            "body",
            fontSize=14,
            leading=22,
            firstLineIndent=28,
        ),
        RuledLines(4, pitch=8 * mm),
        *sign_cell([("责任人（签名）", ""), ("包案领导（签名）", "")]),
        lx.p(
            f"{n.responsible_unit or n.addressee}（盖章）　{data.BLANK_DATE}",
            "body_right",
            fontSize=14,
            leading=22,
            spaceBefore=2,
        ),
    ]
    story.append(keep(slip))
    info = DocInfo(f"{heading} {n.number}", n.issuer, n.case_title, n.case_code)
    return build_pdf(story, info, page=FORM)


def _station_name(ctx: Ctx, code: str) -> str:
    st = ctx.session.get(Station, code)
    return st.name if st is not None else code


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    key = ref.strip()
    s = (
        ctx.session.get(Supervision, key)
        or ctx.session.scalars(select(Supervision).where(Supervision.supervision_no == key)).first()
    )
    if s is None or s.deleted_at is not None:
        raise NotFoundError(f"找不到编号为“{key}”的督办或交办记录")
    if s.kind not in KIND_TITLES:
        raise WorkflowError("批注不是通知书，无需打印；请选择督办或交办记录")
    return notice_pdf(
        NoticeData(
            kind=s.kind,
            number=s.supervision_no,
            issuer=_station_name(ctx, s.origin),
            addressee=_station_name(ctx, s.case_origin),
            case_code=s.case_code,
            case_title=s.case_title,
            content=s.content,
            lead_name=s.lead_name,
            responsible_unit=s.responsible_unit,
            responsible_person=s.responsible_person,
            measures=s.measures,
            due_on=s.due_on,
            supervisor_name=s.supervisor_name,
            requirement=s.requirement,
            issued_on=s.issued_on,
        )
    )


SPEC = FormSpec(
    key="supervision_notice",
    title="交办/督办通知书",
    kind="supervision",
    build=build,
    description="乡镇对村级案件的交办或督办（六定），附办理情况反馈单",
    applies=lambda r: isinstance(r, Supervision) and r.kind in KIND_TITLES,
)
