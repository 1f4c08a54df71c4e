"""来信来访: register, update, advance through the workflow, void."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from app.models import Visit, VisitPerson
from app.rules import deadlines as dl
from app.rules.dates import (
    check_order,
    check_plausible,
    local_date,
    parse_date,
    parse_local_datetime,
)
from app.rules.errors import ConflictError, NotFoundError, Problems, ValidationError, WorkflowError
from app.rules.flags import (
    PriorVisit,
    check_headcount,
    is_group_visit,
    is_repeat_visit,
    representatives_warning,
)
from app.rules.hierarchy import is_ancestor
from app.rules.printable import check_printable
from app.rules.text import clean, clean_multiline
from app.rules.workflow import VISIT

from .cases import log_event, new_case_code, void_case
from .codes import CodeBook
from .context import Ctx
from .persons import CleanPerson, PersonInput, find_match, upsert_person, validate_person
from .results import Saved
from .settings import settings_of

FLAG_FIELDS = (
    "is_joint_letter",
    "is_skip_level",
    "is_anonymous",
    "is_urgent",
    "is_litigation",
    "is_confidential",
)


@dataclass
class VisitInput:
    channel: str = "visit"
    received_at: datetime | date | str | None = None  # Beijing time; default now
    headcount: int | str = 1
    category: str = ""
    petition_type: str = "appeal"
    subject: str = ""
    request: str = ""
    facts: str = ""
    place: str = ""
    involved_unit: str = ""
    first_responder: str = ""
    petitioners: list[PersonInput] = field(default_factory=list)
    representatives: list[PersonInput] = field(default_factory=list)
    is_joint_letter: bool = False
    is_skip_level: bool = False
    is_anonymous: bool = False
    is_urgent: bool = False
    is_litigation: bool = False
    is_confidential: bool = False
    accused_unit: str = ""
    # code of a station above this one that is the accused unit: the petition (and who filed
    # it) is then never sent to that station (信访条例: accusations never go to the accused)
    withhold_from: str = ""


@dataclass
class _CleanVisit:
    channel: str
    received_at: datetime
    received_on: date
    headcount: int
    category: str
    petition_type: str
    subject: str
    request: str
    facts: str
    place: str
    involved_unit: str
    first_responder: str
    people: list[tuple[str, CleanPerson]]  # (role, person)
    flags: dict[str, bool]
    accused_unit: str
    withhold_from: str
    warnings: list[str]


def _validate(ctx: Ctx, data: VisitInput) -> _CleanVisit:
    codes = CodeBook(ctx.session)
    today = ctx.today()
    problems = Problems()

    def code(table: str, value: str, fld: str, label: str) -> str:
        try:
            return codes.resolve(table, value, fld, label)
        except ValidationError as e:
            problems.extend(e)
            return ""

    channel = code("visit_channel", data.channel, "channel", "信访形式")
    category = code("visit_category", data.category, "category", "内容分类")
    petition_type = code("visit_type", data.petition_type or "appeal", "petition_type", "事项类型")
    received_at = ctx.now()
    try:
        if data.received_at not in (None, ""):
            received_at = parse_local_datetime(data.received_at, "received_at", "登记时间")
        check_plausible(local_date(received_at), "received_at", "登记时间", today=today)
    except ValidationError as e:
        problems.extend(e)
    request = clean_multiline(data.request)
    if not request:
        problems.add("request", "诉求", "不能为空", "请记录信访人的具体请求")
    subject = clean(data.subject) or clean(request.splitlines()[0] if request else "")[:30]
    if len(subject) > 100:
        problems.add("subject", "事由", "不超过100个字", "详细内容请写入“事实和理由”")
    try:
        headcount = int(str(data.headcount).strip() or "1")
    except ValueError:
        problems.add("headcount", "来访人数", f"“{data.headcount}”不是整数", "请填写人数")
        headcount = 1
    people: list[tuple[str, CleanPerson]] = []
    for i, p in enumerate(data.petitioners):
        try:
            people.append(
                (
                    "petitioner",
                    validate_person(
                        p,
                        codes=codes,
                        today=today,
                        field_prefix=f"petitioners[{i}]",
                        label_prefix=f"信访人{i + 1}的",
                        require_contact=(i == 0 and not data.is_anonymous),
                    ),
                )
            )
        except ValidationError as e:
            problems.extend(e)
    for i, p in enumerate(data.representatives):
        try:
            people.append(
                (
                    "representative",
                    validate_person(
                        p,
                        codes=codes,
                        today=today,
                        field_prefix=f"representatives[{i}]",
                        label_prefix=f"代表{i + 1}的",
                    ),
                )
            )
        except ValidationError as e:
            problems.extend(e)
    if not data.petitioners and not data.is_anonymous:
        problems.add("petitioners", "信访人", "至少登记一人", "匿名来信请勾选“匿名”")
    try:
        check_headcount(headcount, len(people))
    except ValidationError as e:
        problems.extend(e)
    accused_unit = clean(data.accused_unit)
    if petition_type == "accusation" and not accused_unit:
        problems.add(
            "accused_unit", "被反映单位", "检举控告类必须填写", "用于限制该件不向被反映单位流转"
        )
    withhold = clean(data.withhold_from)
    if withhold:
        if not is_ancestor(withhold, ctx.station_code):
            problems.add(
                "withhold_from",
                "不报送单位",
                f"“{withhold}”不是本站的上级综治中心",
                "只能选择本站的上级（乡镇、县）；本站自身被反映时无需设置",
            )
        elif petition_type != "accusation" and not data.is_confidential:
            problems.add(
                "withhold_from",
                "不报送单位",
                "只适用于检举控告类或保密信访件",
                "请先将事项类型设为检举控告类或勾选“保密”",
            )
    for fld, label, value in (
        ("subject", "事由", data.subject),
        ("request", "诉求", data.request),
        ("facts", "事实和理由", data.facts),
        ("place", "发生地点", data.place),
        ("involved_unit", "涉及单位", data.involved_unit),
        ("accused_unit", "被反映单位", data.accused_unit),
    ):
        check_printable(problems, fld, label, value)
    problems.raise_if_any()
    warnings: list[str] = []
    rep_warning = representatives_warning(len(data.representatives))
    if rep_warning:
        warnings.append(rep_warning)
    flags = {f: bool(getattr(data, f)) for f in FLAG_FIELDS}
    received_on = local_date(received_at)
    return _CleanVisit(
        channel=channel,
        received_at=received_at,
        received_on=received_on,
        headcount=headcount,
        category=category,
        petition_type=petition_type,
        subject=subject,
        request=request,
        facts=clean_multiline(data.facts),
        place=clean(data.place),
        involved_unit=clean(data.involved_unit),
        first_responder=clean(data.first_responder) or ctx.operator.display_name,
        people=people,
        flags=flags,
        accused_unit=accused_unit,
        withhold_from=withhold,
        warnings=warnings,
    )


def _prior_visits(ctx: Ctx, cv: _CleanVisit, exclude: str | None) -> list[PriorVisit]:
    prior: list[PriorVisit] = []
    for _role, p in cv.people:
        person = find_match(ctx.session, p, ctx.station_code)
        if person is None:
            continue
        q = (
            select(Visit.case_code, Visit.received_on, Visit.category)
            .join(VisitPerson, VisitPerson.visit_id == Visit.id)
            .where(
                VisitPerson.person_id == person.id,
                VisitPerson.deleted_at.is_(None),
                Visit.deleted_at.is_(None),
            )
        )
        if exclude:
            q = q.where(Visit.id != exclude)
        prior.extend(PriorVisit(c, d, cat) for c, d, cat in ctx.session.execute(q).all())
    return prior


def _apply(ctx: Ctx, visit: Visit, cv: _CleanVisit, threshold: int) -> list[str]:
    warnings = list(cv.warnings)
    prior = _prior_visits(ctx, cv, visit.id)
    visit.channel = cv.channel
    visit.received_at = cv.received_at
    visit.received_on = cv.received_on
    visit.headcount = cv.headcount
    visit.category = cv.category
    visit.petition_type = cv.petition_type
    visit.subject = cv.subject
    visit.request = cv.request
    visit.facts = cv.facts
    visit.place = cv.place
    visit.involved_unit = cv.involved_unit
    visit.first_responder = cv.first_responder
    for f, value in cv.flags.items():
        setattr(visit, f, value)
    visit.is_accusation = cv.petition_type == "accusation"
    visit.accused_unit = cv.accused_unit
    if visit.withhold_from and visit.withhold_from != cv.withhold_from:
        _touch_dependents(ctx, visit)  # now receivable there: make sure all of it travels
    visit.withhold_from = cv.withhold_from
    visit.is_group = is_group_visit(cv.headcount, threshold)
    visit.is_repeat = is_repeat_visit(prior, cv.received_on)
    if visit.is_repeat:
        codes = sorted({p.case_code for p in prior})
        warnings.append(f"信访人此前已有信访记录（{'、'.join(codes[:3])}），已标记为重复访")
    names = [p.name for role, p in cv.people if role == "petitioner"]
    visit.party_names = "、".join(names) if names else "（匿名）"
    return warnings


def _touch_dependents(ctx: Ctx, visit: Visit) -> None:
    """Re-stamp a visit's people and case log so the next bundle carries them (their old revs
    may lie below what the recipient has acknowledged, since they were withheld from it)."""
    from app.models import CaseEvent
    from app.models.events import restamp

    for vp in visit.persons:
        restamp(vp)
        if vp.person.origin == ctx.station_code:
            restamp(vp.person)
    for ev in ctx.session.scalars(select(CaseEvent).where(CaseEvent.case_id == visit.id)):
        if ev.origin == ctx.station_code:
            restamp(ev)


def _sync_people(ctx: Ctx, visit: Visit, cv: _CleanVisit) -> None:
    existing = [vp for vp in visit.persons if vp.deleted_at is None]
    wanted: list[tuple[str, str]] = []
    for role, p in cv.people:
        person = upsert_person(ctx, p)
        wanted.append((role, person.id))
    keep: set[str] = set()
    for seq, (role, person_id) in enumerate(wanted):
        hit = next((vp for vp in existing if vp.person_id == person_id and vp.id not in keep), None)
        if hit is None:
            hit = VisitPerson(visit_id=visit.id, person_id=person_id, role=role, seq=seq)
            visit.persons.append(hit)
            ctx.session.flush()
        else:
            hit.role, hit.seq = role, seq
        keep.add(hit.id)
    for vp in existing:
        if vp.id not in keep:
            vp.deleted_at = ctx.now()


def _refresh_due(visit: Visit, ctx: Ctx) -> None:
    cfg = settings_of(ctx).deadlines
    visit.accept_due = dl.visit_accept_due(visit.received_on, cfg)
    if visit.decision_on is not None and visit.status in ("accepted", "in_progress"):
        visit.handle_due = dl.visit_handle_due(visit.decision_on, cfg, visit.extension_days)
    if visit.status in ("registered", "reviewed"):
        visit.due_on = visit.accept_due
    elif visit.status in ("accepted", "in_progress"):
        visit.due_on = visit.handle_due
    else:
        visit.due_on = None
    if visit.imported_history:
        from .history import clear_past_due

        clear_past_due(ctx, visit)  # history is history: no 超期 for a pre-go-live deadline


def register_visit(ctx: Ctx, data: VisitInput) -> Saved[Visit]:
    """登记: validate everything, then write the visit, its people and the first case event."""
    ctx.require("visit.register")
    cv = _validate(ctx, data)
    st = settings_of(ctx)
    with ctx.write() as s:
        visit = Visit(
            case_code=new_case_code(ctx, "visit", cv.received_on.year),
            status=VISIT.initial,
            channel=cv.channel,
            received_at=cv.received_at,
            received_on=cv.received_on,
            category=cv.category,
            subject=cv.subject,
            request=cv.request,
        )
        warnings = _apply(ctx, visit, cv, st.group_threshold)
        s.add(visit)
        s.flush()
        _sync_people(ctx, visit, cv)
        _refresh_due(visit, ctx)
        flags = [label for f, label in _FLAG_NOTE.items() if getattr(visit, f)]
        log_event(
            ctx,
            visit,
            "registered",
            to_status=visit.status,
            note="；".join(filter(None, [visit.subject, "、".join(flags)])),
        )
    return Saved(visit, warnings)


_FLAG_NOTE = {
    "is_group": "集体访",
    "is_repeat": "重复访",
    "is_skip_level": "越级",
    "is_urgent": "紧急",
    "is_anonymous": "匿名",
    "is_joint_letter": "联名信",
    "is_litigation": "涉法涉诉",
    "is_confidential": "保密",
    "is_accusation": "检举控告",
}


def get_visit(ctx: Ctx, visit_id: str) -> Visit:
    visit = ctx.session.get(Visit, visit_id)
    if visit is None or visit.deleted_at is not None:
        raise NotFoundError("找不到该信访件，可能已被作废")
    if (visit.is_accusation or visit.is_confidential) and not ctx.can("restricted.view"):
        raise NotFoundError("找不到该信访件，或您无权查看")
    return visit


def _own(ctx: Ctx, visit: Visit) -> None:
    if visit.origin != ctx.station_code:
        raise ConflictError(
            f"该信访件由工作站 {visit.origin} 登记，只能由登记单位修改；请使用督办或批注"
        )


_EDITABLE_LABELS = {
    "channel": "信访形式",
    "received_on": "登记日期",
    "headcount": "人数",
    "category": "内容分类",
    "petition_type": "事项类型",
    "subject": "事由",
    "request": "诉求",
    "facts": "事实和理由",
    "place": "问题属地",
    "involved_unit": "涉及单位",
    "party_names": "信访人",
    "is_group": "集体访",
    "is_urgent": "紧急",
    "is_confidential": "保密",
    "accused_unit": "被反映单位",
}


def update_visit(ctx: Ctx, visit_id: str, data: VisitInput) -> Saved[Visit]:
    ctx.require("visit.update")
    visit = get_visit(ctx, visit_id)
    _own(ctx, visit)
    if visit.status == "archived":
        raise WorkflowError("已归档的信访件不能修改")
    cv = _validate(ctx, data)
    st = settings_of(ctx)
    before = {k: getattr(visit, k) for k in _EDITABLE_LABELS}
    with ctx.write():
        warnings = _apply(ctx, visit, cv, st.group_threshold)
        _sync_people(ctx, visit, cv)
        _refresh_due(visit, ctx)
        changed = [label for k, label in _EDITABLE_LABELS.items() if getattr(visit, k) != before[k]]
        if changed:
            log_event(ctx, visit, "updated", note="修改了：" + "、".join(changed))
    return Saved(visit, warnings)


@dataclass
class VisitAction:
    """Details of a workflow step; which fields are needed depends on the action."""

    note: str = ""  # opinion, reason, reply content, follow-up notes
    on: date | str | None = None  # date of the step (default today)
    unit: str = ""  # handling unit for 转办/交办; the competent body for 不予受理/告知
    legal_basis: str = ""  # 办结/当场答复: the laws and rules the handling opinion rests on
    days: int | str = 0  # extension days
    approver: str = ""  # who approved the extension
    satisfaction: str = ""  # follow-up result


_NOTE_REQUIRED = {
    "review": ("审核意见", "请填写领导审核意见"),
    "reject": ("不予受理理由", "请写明不予受理的理由和依据"),
    "inform": ("告知内容", "请写明告知向哪个有权机关提出"),
    "answer": ("答复内容", "请记录当场答复的内容"),
    "extend": ("延期理由", "请写明需要延期的原因"),
    "conclude": ("办理结果", "请记录办理结果和答复内容"),
    "follow_up": ("回访情况", "请记录回访情况"),
}


def advance_visit(
    ctx: Ctx, visit_id: str, action: str, details: VisitAction | None = None
) -> Visit:
    """Move a visit one step along its workflow, with the details that step requires."""
    d = details or VisitAction()
    visit = get_visit(ctx, visit_id)
    _own(ctx, visit)
    permission = {
        "review": "visit.review",
        "accept": "visit.decide",
        "reject": "visit.decide",
        "inform": "visit.decide",
    }.get(action, "visit.handle")
    ctx.require(permission)
    new_status = VISIT.apply(visit.status, action)  # raises a clear WorkflowError
    problems = Problems()
    note = clean_multiline(d.note)
    if action in _NOTE_REQUIRED and not note:
        label, fix = _NOTE_REQUIRED[action]
        problems.add("note", label, "不能为空", fix)
    today = ctx.today()
    on = today
    try:
        if d.on not in (None, ""):
            on = parse_date(d.on, "on", "办理日期")
        check_plausible(on, "on", "办理日期", today=today)
        check_order(visit.received_on, on, "on", "办理日期", "登记日期")
    except ValidationError as e:
        problems.extend(e)
    unit = clean(d.unit)
    if action in ("transfer", "assign") and not unit:
        problems.add("unit", "承办单位", "不能为空", "请填写转办/交办的承办单位")
    if action in ("reject", "inform") and len(unit) > 100:
        problems.add("unit", "有权处理机关", "不超过100个字", "请只写机关或单位的名称")
    legal_basis = clean_multiline(d.legal_basis)
    if legal_basis and action not in ("conclude", "answer"):
        problems.add(
            "legal_basis", "处理依据", "只在办结或当场答复时填写", "请在办结步骤填写处理依据"
        )
    if len(legal_basis) > 1000:
        problems.add(
            "legal_basis", "处理依据", "不超过1000个字", "请写明法律、法规或政策的名称和条款"
        )
    if action == "transfer" and visit.is_accusation and unit and visit.accused_unit in unit:
        problems.add(
            "unit",
            "承办单位",
            "不能是被检举控告的单位",
            "检举控告材料不得转给被反映单位（信访条例），请转其上级或纪检监察机关",
        )
    cfg = settings_of(ctx).deadlines
    days = 0
    if action == "extend":
        try:
            days = int(str(d.days).strip() or "0")
            dl.check_visit_extension(days, visit.extension_days, cfg)
        except ValueError:
            problems.add("extension_days", "延期天数", f"“{d.days}”不是整数", "请填写天数")
        except ValidationError as e:
            problems.extend(e)
        if not clean(d.approver):
            problems.add("approver", "批准人", "不能为空", "延期须经负责人批准，请填写批准人")
    satisfaction = ""
    if action == "follow_up":
        try:
            satisfaction = CodeBook(ctx.session).resolve(
                "satisfaction", d.satisfaction, "satisfaction", "满意度"
            )
        except ValidationError as e:
            problems.extend(e)
    problems.raise_if_any()

    with ctx.write():
        old = visit.status
        if action == "review":
            visit.review_opinion = note
            visit.reviewer_name = ctx.operator.display_name
            visit.reviewed_on = on
        elif action in ("accept", "reject", "inform"):
            visit.decision_on = on
            visit.decision_note = note
            if action != "accept":
                visit.competent_body = unit
        elif action == "answer":
            visit.handling_method = "on_spot"
            visit.handled_on = on
            visit.reply_content = note
            visit.replied_on = on
            visit.legal_basis = legal_basis
        elif action in ("handle", "transfer", "assign"):
            visit.handling_method = {"handle": "self", "transfer": "transfer", "assign": "assign"}[
                action
            ]
            visit.handler_unit = unit or ctx.station.name
            visit.handled_on = on
        elif action == "extend":
            visit.extension_days += days
            visit.extension_reason = note
            visit.extension_approver = clean(d.approver)
        elif action == "conclude":
            visit.reply_content = note
            visit.replied_on = on
            visit.legal_basis = legal_basis
        elif action == "follow_up":
            visit.followed_up_on = on
            visit.follow_up_note = note
            visit.satisfaction = satisfaction
        elif action == "archive":
            visit.archived_on = on
        visit.status = new_status
        _refresh_due(visit, ctx)
        parts = [note]
        if unit:
            who = "有权处理机关" if action in ("reject", "inform") else "承办单位"
            parts.insert(0, f"{who}：{unit}")
        if legal_basis:
            parts.append(f"处理依据：{legal_basis}")
        if action == "extend":
            parts.append(f"延期{days}日，批准人：{clean(d.approver)}")
        if satisfaction:
            parts.append(f"满意度：{CodeBook(ctx.session).label('satisfaction', satisfaction)}")
        log_event(
            ctx,
            visit,
            VISIT.actions[action].event,
            action=action,
            from_status=old,
            to_status=new_status,
            note="；".join(p for p in parts if p),
        )
    return visit


def void_visit(ctx: Ctx, visit_id: str, reason: str) -> Visit:
    """作废: a tombstone that keeps the record and says why (no physical delete)."""
    ctx.require("visit.void")
    visit = get_visit(ctx, visit_id)
    _own(ctx, visit)
    void_case(ctx, visit, visit.persons, reason)
    return visit
