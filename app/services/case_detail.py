"""What a case's form and detail view show: its editable input, its state, the workflow moves
the current operator may make, its case log, and its sessions. Plain data (no ORM objects), so
the GUI never triggers a lazy load."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from app.models import Dispute, Person, Visit
from app.rules.dates import CHINA_TZ
from app.rules.deadlines import days_left, deadline_label
from app.rules.errors import NotFoundError
from app.rules.flags import FLAG_LABELS
from app.rules.text import mask_id_number
from app.rules.workflow import DISPUTE, VISIT

from .cases import TimelineEntry, timeline
from .codes import CodeBook
from .context import Ctx
from .disputes import SESSION_KINDS, DisputeInput, PartyInput, get_dispute, sessions_of
from .persons import PersonCase, PersonInput, person_history
from .visits import VisitInput, get_visit

VISIT_ACTION_PERMISSION = {
    "review": "visit.review",
    "accept": "visit.decide",
    "reject": "visit.decide",
    "inform": "visit.decide",
}
DISPUTE_ACTION_PERMISSION = {
    "assign": "dispute.assign",
    "start": "dispute.mediate",
    "extend": "dispute.mediate",
    "succeed": "dispute.mediate",
    "fail": "dispute.mediate",
    "terminate": "dispute.mediate",
}


@dataclass(frozen=True)
class ActionChoice:
    code: str
    label: str


@dataclass(frozen=True)
class PersonView:
    """A person on a case as the form shows them; ``id_number`` is masked unless allowed, and
    then ``id_number_masked`` is True (the form keeps the known person and their number)."""

    person_id: str
    name: str
    gender: str
    ethnicity: str
    birth_date: date | None
    id_number: str
    id_number_masked: bool
    phone: str
    address: str
    occupation: str
    employer: str
    role: str = ""
    agent_name: str = ""
    agent_phone: str = ""

    def to_input(self) -> PersonInput:
        return PersonInput(
            name=self.name,
            id_number="" if self.id_number_masked else self.id_number,
            phone=self.phone,
            gender=self.gender,
            ethnicity=self.ethnicity,
            birth_date=self.birth_date,
            address=self.address,
            occupation=self.occupation,
            employer=self.employer,
            person_id=self.person_id,
        )


@dataclass(frozen=True)
class SessionView:
    id: str
    kind: str
    kind_label: str
    seq: int
    held_at: datetime
    place: str
    mediators: str
    recorder: str
    participants: str
    parties_present: str
    content: str
    result: str


@dataclass
class CaseDetail:
    kind: str  # visit | dispute
    id: str
    case_code: str
    title: str
    status: str
    status_label: str
    origin: str
    is_foreign: bool
    editable: bool  # the registration fields may be changed by this operator now
    read_only_reason: str
    due_on: date | None
    days_left: int | None
    deadline_text: str
    actions: list[ActionChoice]
    can_void: bool
    can_record_session: bool
    timeline: list[TimelineEntry]
    facts: list[tuple[str, str]]  # label, value: the handling record shown read-only
    visit: VisitInput | None = None
    petitioners: list[PersonView] = field(default_factory=list)
    representatives: list[PersonView] = field(default_factory=list)
    dispute: DisputeInput | None = None
    parties: list[PersonView] = field(default_factory=list)
    sessions: list[SessionView] = field(default_factory=list)
    flags: str = ""


def _person_view(
    ctx: Ctx, p: Person, role: str = "", agent: str = "", agent_phone: str = ""
) -> PersonView:
    full = ctx.can("id_number.view")
    number = p.id_number or ""
    return PersonView(
        person_id=p.id,
        name=p.name,
        gender=p.gender,
        ethnicity=p.ethnicity,
        birth_date=p.birth_date,
        id_number=number if full else mask_id_number(number),
        id_number_masked=bool(number) and not full,
        phone=p.phone,
        address=p.address,
        occupation=p.occupation,
        employer=p.employer,
        role=role,
        agent_name=agent,
        agent_phone=agent_phone,
    )


def _read_only_reason(ctx: Ctx, origin: str, status: str, permission: str) -> str:
    if origin != ctx.station_code:
        return f"该记录由工作站 {origin} 登记，本站只能查看"
    if status == "archived":
        return "已归档，不能再修改"
    if not ctx.can(permission):
        return "当前角色无权修改"
    return ""


def _history_label(case: Visit | Dispute) -> str:
    """An open case imported from before go-live shows as 历史遗留, not as a missed deadline."""
    machine = VISIT if isinstance(case, Visit) else DISPUTE
    if case.imported_history and case.due_on is None and machine.is_open(case.status):
        return "历史遗留（启用前导入，不计超期）"
    return ""


def _day(d: date | None) -> str:
    return d.isoformat() if d else ""


def visit_detail(ctx: Ctx, visit_id: str) -> CaseDetail:
    v: Visit = get_visit(ctx, visit_id)
    codes = CodeBook(ctx.session)
    foreign = v.origin != ctx.station_code
    reason = _read_only_reason(ctx, v.origin, v.status, "visit.update")
    actions: list[ActionChoice] = []
    if not foreign:
        actions = [
            ActionChoice(a.code, a.label)
            for a in VISIT.allowed(v.status)
            if ctx.can(VISIT_ACTION_PERMISSION.get(a.code, "visit.handle"))
        ]
    people = [vp for vp in v.persons if vp.deleted_at is None]
    petitioners = [
        _person_view(ctx, vp.person, vp.role) for vp in people if vp.role == "petitioner"
    ]
    reps = [_person_view(ctx, vp.person, vp.role) for vp in people if vp.role != "petitioner"]
    received_local = v.received_at.astimezone(CHINA_TZ).replace(tzinfo=None)
    data = VisitInput(
        channel=v.channel,
        received_at=received_local,
        headcount=v.headcount,
        category=v.category,
        petition_type=v.petition_type,
        subject=v.subject,
        request=v.request,
        facts=v.facts,
        place=v.place,
        involved_unit=v.involved_unit,
        first_responder=v.first_responder,
        petitioners=[p.to_input() for p in petitioners],
        representatives=[p.to_input() for p in reps],
        is_joint_letter=v.is_joint_letter,
        is_skip_level=v.is_skip_level,
        is_anonymous=v.is_anonymous,
        is_urgent=v.is_urgent,
        is_litigation=v.is_litigation,
        is_confidential=v.is_confidential,
        accused_unit=v.accused_unit,
        withhold_from=v.withhold_from,
    )
    today = ctx.today()
    facts = [
        ("受理期限", _day(v.accept_due)),
        ("审核意见", v.review_opinion),
        ("审核人", f"{v.reviewer_name} {_day(v.reviewed_on)}".strip()),
        ("受理决定", f"{_day(v.decision_on)} {v.decision_note}".strip()),
        ("有权处理机关", v.competent_body),
        (
            "办理方式",
            {"self": "自行办理", "transfer": "转办", "assign": "交办", "on_spot": "当场答复"}.get(
                v.handling_method, ""
            ),
        ),
        ("承办单位", v.handler_unit),
        ("办理期限", _day(v.handle_due)),
        (
            "延期",
            f"{v.extension_days}日，{v.extension_reason}（批准人：{v.extension_approver}）"
            if v.extension_days
            else "",
        ),
        ("答复内容", f"{v.reply_content}（{_day(v.replied_on)}）" if v.reply_content else ""),
        ("处理依据", v.legal_basis),
        (
            "回访",
            f"{_day(v.followed_up_on)} {codes.label('satisfaction', v.satisfaction)} {v.follow_up_note}".strip(),
        ),
        ("归档日期", _day(v.archived_on)),
    ]
    return CaseDetail(
        kind="visit",
        id=v.id,
        case_code=v.case_code,
        title=v.subject,
        status=v.status,
        status_label=VISIT.status_label(v.status),
        origin=v.origin,
        is_foreign=foreign,
        editable=not reason,
        read_only_reason=reason,
        due_on=v.due_on,
        days_left=days_left(v.due_on, today),
        deadline_text=_history_label(v) or deadline_label(v.due_on, today),
        actions=actions,
        can_void=not foreign and ctx.can("visit.void"),
        can_record_session=False,
        timeline=timeline(ctx, v),
        facts=[(k, val) for k, val in facts if val],
        visit=data,
        petitioners=petitioners,
        representatives=reps,
        flags="、".join(label for f, label in FLAG_LABELS.items() if getattr(v, f)),
    )


def dispute_detail(ctx: Ctx, dispute_id: str) -> CaseDetail:
    d: Dispute = get_dispute(ctx, dispute_id)
    codes = CodeBook(ctx.session)
    foreign = d.origin != ctx.station_code
    reason = _read_only_reason(ctx, d.origin, d.status, "dispute.update")
    actions: list[ActionChoice] = []
    if not foreign:
        actions = [
            ActionChoice(a.code, a.label)
            for a in DISPUTE.allowed(d.status)
            if ctx.can(DISPUTE_ACTION_PERMISSION.get(a.code, "dispute.handle"))
        ]
    parties = [
        _person_view(ctx, dp.person, dp.role, dp.agent_name, dp.agent_phone)
        for dp in d.parties
        if dp.deleted_at is None
    ]
    data = DisputeInput(
        title=d.title,
        source=d.source,
        category=d.category,
        scale=d.scale,
        risk_level=d.risk_level,
        is_major=d.is_major,
        occurred_on=d.occurred_on,
        place=d.place,
        involved_count=d.involved_count,
        amount=f"{d.amount_fen / 100:g}" if d.amount_fen else "",
        summary=d.summary,
        requests=d.requests,
        registered_on=d.registered_on,
        parties=[PartyInput(p.to_input(), p.role, p.agent_name, p.agent_phone) for p in parties],
        prevented_criminal=d.prevented_criminal,
        prevented_group_petition=d.prevented_group_petition,
    )
    today = ctx.today()
    facts = [
        ("调解文书编号", d.mediation_no),
        ("调解员", f"{d.mediator_name} {d.co_mediators}".strip()),
        ("指派日期", _day(d.assigned_on)),
        ("调解期限", _day(d.mediation_due)),
        ("延期理由", d.extension_reason),
        (
            "调解结果",
            {"succeeded": "调解成功", "failed": "调解不成", "terminated": "终止调解"}.get(
                d.outcome, ""
            ),
        ),
        ("结果日期", _day(d.outcome_on)),
        ("协议形式", codes.label("agreement_type", d.agreement_type)),
        ("协议内容", d.agreement_terms),
        ("履行方式", d.performance_manner),
        ("履行期限", _day(d.performance_deadline)),
        ("司法确认期限", _day(d.judicial_confirm_due)),
        ("回访期限", _day(d.follow_up_due)),
        (
            "回访",
            f"{_day(d.followed_up_on)} {codes.label('performance_status', d.performance_status)} {d.follow_up_note}".strip(),
        ),
        ("移送", f"{d.transferred_to}：{d.transfer_reason}" if d.transferred_to else ""),
        ("结果说明", d.outcome_note),
        ("归档日期", _day(d.archived_on)),
    ]
    sessions = [
        SessionView(
            id=s.id,
            kind=s.kind,
            kind_label=SESSION_KINDS.get(s.kind, s.kind),
            seq=s.seq,
            held_at=s.held_at,
            place=s.place,
            mediators=s.mediators,
            recorder=s.recorder,
            participants=s.participants,
            parties_present=s.parties_present,
            content=s.content,
            result=s.result,
        )
        for s in sessions_of(ctx, d.id)
    ]
    flags = []
    if d.is_major:
        flags.append("重大纠纷")
    if d.prevented_criminal:
        flags.append("防止民转刑")
    if d.prevented_group_petition:
        flags.append("防止群体性上访")
    return CaseDetail(
        kind="dispute",
        id=d.id,
        case_code=d.case_code,
        title=d.title,
        status=d.status,
        status_label=DISPUTE.status_label(d.status),
        origin=d.origin,
        is_foreign=foreign,
        editable=not reason,
        read_only_reason=reason,
        due_on=d.due_on,
        days_left=days_left(d.due_on, today),
        deadline_text=_history_label(d) or deadline_label(d.due_on, today),
        actions=actions,
        can_void=not foreign and ctx.can("dispute.void"),
        can_record_session=not foreign
        and ctx.can("dispute.mediate")
        and d.status in ("registered", "triaged", "mediating"),
        timeline=timeline(ctx, d),
        facts=[(k, val) for k, val in facts if val],
        dispute=data,
        parties=parties,
        sessions=sessions,
        flags="、".join(flags),
    )


@dataclass(frozen=True)
class PersonSummary:
    """A known person picked in a form, and their earlier cases."""

    person: PersonView
    history: list[PersonCase]
    history_labels: list[str]


def person_summary(ctx: Ctx, person_id: str) -> PersonSummary:
    p = ctx.session.get(Person, person_id)
    if p is None or p.deleted_at is not None:
        raise NotFoundError("该人员不存在或已作废")
    history = person_history(ctx.session, person_id)
    labels = []
    for h in history:
        machine = VISIT if h.case_type == "visit" else DISPUTE
        kind = "来信来访" if h.case_type == "visit" else "矛盾纠纷"
        labels.append(
            f"{h.day.isoformat()} {kind} {h.case_code}：{h.title}（{machine.status_label(h.status)}）"
        )
    return PersonSummary(_person_view(ctx, p), history, labels)
