"""Reading the records a form prints (through services and models; printing never writes).

Record references are a case code (一案一码) or a record id. Personal data follows the role
rules: full ID numbers only for roles with ``id_number.view``; restricted petitions only for
roles with ``restricted.view`` (via :func:`app.services.visits.get_visit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.models import CaseEvent, Dispute, MediationSession, Visit
from app.rules.dates import format_cn_date, local_date
from app.rules.errors import NotFoundError
from app.rules.text import clean, format_yuan, mask_id_number
from app.services.cases import find_case
from app.services.codes import CodeBook
from app.services.context import Ctx
from app.services.disputes import get_dispute, sessions_of
from app.services.settings import StationSettings, settings_of
from app.services.visits import get_visit

BLANK_DATE = "　　　　年　　月　　日"


def cn_date(day: date | None, blank: str = BLANK_DATE) -> str:
    """2026年3月16日, or a blank to fill by hand."""
    return format_cn_date(day) if day else blank


def _ref(ref: str) -> str:
    key = clean(ref)
    if not key:
        raise NotFoundError("请提供案件编码或记录编号（--id）")
    return key


def dispute_for(ctx: Ctx, ref: str, form_title: str) -> Dispute:
    """The dispute a case code or id names; a clear error when it is something else."""
    key = _ref(ref)
    session = ctx.session.get(MediationSession, key)
    if session is not None:
        return get_dispute(ctx, session.dispute_id)
    case = find_case(ctx, key)
    if isinstance(case, Visit):
        raise NotFoundError(f"“{key}”是来信来访件，不能打印《{form_title}》；请选择矛盾纠纷案件")
    if case.deleted_at is not None:
        raise NotFoundError(f"案件 {case.case_code} 已作废，不能打印《{form_title}》")
    return get_dispute(ctx, case.id)


def visit_for(ctx: Ctx, ref: str, form_title: str) -> Visit:
    key = _ref(ref)
    case = find_case(ctx, key)
    if isinstance(case, Dispute):
        raise NotFoundError(f"“{key}”是矛盾纠纷案件，不能打印《{form_title}》；请选择来信来访件")
    if case.deleted_at is not None:
        raise NotFoundError(f"信访件 {case.case_code} 已作废，不能打印《{form_title}》")
    return get_visit(ctx, case.id)  # applies the restricted-petition rule


def case_for(ctx: Ctx, ref: str, form_title: str) -> Visit | Dispute:
    key = _ref(ref)
    case = find_case(ctx, key)
    if case.deleted_at is not None:
        raise NotFoundError(f"案件 {case.case_code} 已作废，不能打印《{form_title}》")
    if isinstance(case, Visit):
        return get_visit(ctx, case.id)
    return case


def sessions_for(
    ctx: Ctx, ref: str, kind: str, form_title: str
) -> tuple[Dispute, list[MediationSession]]:
    """One session (by its id) or every session of ``kind`` of a dispute (by code or id)."""
    key = _ref(ref)
    one = ctx.session.get(MediationSession, key)
    if one is not None and one.deleted_at is None:
        if one.kind != kind:
            other = "调解记录" if one.kind == "mediation" else "调查记录"
            raise NotFoundError(f"该记录是{other}，请打印《{other}》")
        return get_dispute(ctx, one.dispute_id), [one]
    dispute = dispute_for(ctx, key, form_title)
    found = [s for s in sessions_of(ctx, dispute.id) if s.kind == kind]
    if not found:
        raise NotFoundError(f"纠纷 {dispute.case_code} 还没有{form_title}，请先在案件中记录")
    return dispute, found


@dataclass(frozen=True)
class PartyView:
    role_code: str
    role: str  # 申请人 / 被申请人 / 第三人 / 当事人
    name: str
    gender: str
    ethnicity: str
    birth_date: date | None
    id_number: str  # full or masked by role
    phone: str
    address: str
    occupation: str
    employer: str
    agent_name: str
    agent_phone: str

    def age_on(self, day: date) -> str:
        if self.birth_date is None:
            return ""
        b = self.birth_date
        years = day.year - b.year - ((day.month, day.day) < (b.month, b.day))
        return str(years)

    def birth_text(self) -> str:
        b = self.birth_date
        return f"{b.year}年{b.month}月{b.day}日出生" if b else ""

    def description(self) -> str:
        """申请人：张三，男，汉族，1980年1月1日出生，务农，公民身份号码…，住…，联系电话…"""
        bits = [
            self.gender,
            self.ethnicity,
            self.birth_text(),
            self.occupation,
            self.employer,
            f"公民身份号码{self.id_number}" if self.id_number else "",
            f"住{self.address}" if self.address else "",
            f"联系电话{self.phone}" if self.phone else "",
        ]
        return "，".join(b for b in bits if b)


def id_text(ctx: Ctx, number: str | None) -> str:
    if not number:
        return ""
    return number if ctx.can("id_number.view") else mask_id_number(number)


def parties_of(ctx: Ctx, dispute: Dispute) -> list[PartyView]:
    codes = CodeBook(ctx.session)
    out = []
    for dp in sorted(dispute.parties, key=lambda p: p.seq):
        if dp.deleted_at is not None:
            continue
        p = dp.person
        out.append(
            PartyView(
                role_code=dp.role,
                role=codes.label("party_role", dp.role) or "当事人",
                name=p.name,
                gender=p.gender,
                ethnicity=p.ethnicity,
                birth_date=p.birth_date,
                id_number=id_text(ctx, p.id_number),
                phone=p.phone,
                address=p.address,
                occupation=p.occupation,
                employer=p.employer,
                agent_name=dp.agent_name,
                agent_phone=dp.agent_phone,
            )
        )
    return out


def petitioners_of(ctx: Ctx, visit: Visit) -> list[tuple[str, PartyView]]:
    """(信访人 | 代表, person) in order."""
    out = []
    for vp in sorted(visit.persons, key=lambda p: p.seq):
        if vp.deleted_at is not None:
            continue
        p = vp.person
        out.append(
            (
                "代表" if vp.role == "representative" else "信访人",
                PartyView(
                    role_code=vp.role,
                    role="代表" if vp.role == "representative" else "信访人",
                    name=p.name,
                    gender=p.gender,
                    ethnicity=p.ethnicity,
                    birth_date=p.birth_date,
                    id_number=id_text(ctx, p.id_number),
                    phone=p.phone,
                    address=p.address,
                    occupation=p.occupation,
                    employer=p.employer,
                    agent_name="",
                    agent_phone="",
                ),
            )
        )
    return out


def settings(ctx: Ctx) -> StationSettings:
    return settings_of(ctx)


def committee(ctx: Ctx) -> str:
    return settings_of(ctx).committee_name


def last_event(ctx: Ctx, case: Visit | Dispute, *events: str) -> CaseEvent | None:
    return ctx.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.event.in_(events))
        .order_by(CaseEvent.occurred_at.desc(), CaseEvent.rev.desc())
    ).first()


def first_event(ctx: Ctx, case: Visit | Dispute, *events: str) -> CaseEvent | None:
    return ctx.session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.event.in_(events))
        .order_by(CaseEvent.occurred_at, CaseEvent.rev)
    ).first()


def events_of(ctx: Ctx, case: Visit | Dispute, *events: str) -> list[CaseEvent]:
    """Every entry of ``events`` in the case log, oldest first."""
    return list(
        ctx.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.event.in_(events))
            .order_by(CaseEvent.occurred_at, CaseEvent.rev)
        )
    )


SYSTEM_NAMES = frozenset({"系统", "system"})


def person_name(name: str) -> str:
    """A person's name for a form; the built-in system operator is nobody to sign."""
    return "" if name.strip() in SYSTEM_NAMES else name


def actor_of(ctx: Ctx, case: Visit | Dispute, *events: str) -> str:
    ev = last_event(ctx, case, *events)
    return person_name(ev.actor_name) if ev is not None else ""


def recorder_of(ctx: Ctx, dispute: Dispute) -> str:
    """The recorder of the last mediation session (the agreement's 记录人)."""
    sessions = [s for s in sessions_of(ctx, dispute.id) if s.kind == "mediation"]
    return person_name(sessions[-1].recorder) if sessions else ""


def mediators_of(dispute: Dispute) -> str:
    names = [dispute.mediator_name] + [
        n.strip() for n in dispute.co_mediators.replace("，", "、").replace(",", "、").split("、")
    ]
    seen: list[str] = []
    for n in names:
        if n and n not in seen:
            seen.append(n)
    return "、".join(seen)


def session_day(s: MediationSession) -> date:
    return local_date(s.held_at)


def yuan(fen: int) -> str:
    """Fen → “3,000.00元”."""
    return format_yuan(fen / 100) if fen else ""


def label(ctx: Ctx, table: str, code: str) -> str:
    return CodeBook(ctx.session).label(table, code)
