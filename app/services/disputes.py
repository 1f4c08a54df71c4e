"""矛盾纠纷: register, update, assign, mediate (sessions), close with outcome, follow up, transfer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select

from app.models import Dispute, DisputeParty, MediationSession, Operator
from app.rules import deadlines as dl
from app.rules.dates import (
    check_order,
    check_plausible,
    local_date,
    parse_date,
    parse_local_datetime,
)
from app.rules.errors import ConflictError, NotFoundError, Problems, ValidationError, WorkflowError
from app.rules.numbering import format_mediation_no
from app.rules.printable import check_printable
from app.rules.text import clean, clean_multiline, person_default, to_halfwidth
from app.rules.workflow import DISPUTE

from .cases import log_event, new_case_code, next_seq, void_case
from .codes import CodeBook
from .context import Ctx
from .persons import CleanPerson, PersonInput, upsert_person, validate_person
from .results import Saved
from .settings import settings_of

MIN_PARTIES = 2


@dataclass
class PartyInput:
    person: PersonInput
    role: str = "party"
    agent_name: str = ""
    agent_phone: str = ""


@dataclass
class DisputeInput:
    title: str = ""
    source: str = "party_application"
    category: str = ""
    scale: str = "individual"
    risk_level: str = "low"
    is_major: bool = False
    occurred_on: date | str | None = None
    place: str = ""
    involved_count: int | str = 0
    amount: str | int | float | Decimal = ""
    summary: str = ""
    requests: str = ""
    registered_on: date | str | None = None
    parties: list[PartyInput] = field(default_factory=list)
    prevented_criminal: bool = False
    prevented_group_petition: bool = False


def parse_amount(raw: object, fld: str, label: str) -> int:
    """Yuan (“1.5万”, “3,000元”, 2500) → fen. Empty means 0."""
    text = to_halfwidth(str(raw if raw is not None else "")).strip().replace(",", "")
    text = text.replace("，", "").removesuffix("元").strip()
    if not text:
        return 0
    factor = Decimal(1)
    if text.endswith("万"):
        factor, text = Decimal(10000), text[:-1]
    try:
        value = Decimal(text) * factor
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise ValidationError.single(
            fld, label, f"“{raw}”不是金额", "请填写数字，如 3000 或 1.5万"
        ) from None
    if value < 0:
        raise ValidationError.single(fld, label, "不能为负数", "请填写实际金额")
    if value > Decimal("100000000000"):
        raise ValidationError.single(fld, label, "数额过大", "请核对单位（元）")
    fen = value * 100
    if fen != fen.to_integral_value():
        raise ValidationError.single(fld, label, "最多保留两位小数", "请精确到分")
    return int(fen)


@dataclass
class _CleanDispute:
    title: str
    source: str
    category: str
    scale: str
    risk_level: str
    is_major: bool
    occurred_on: date | None
    place: str
    involved_count: int
    amount_fen: int
    summary: str
    requests: str
    registered_on: date
    parties: list[tuple[str, CleanPerson, str, str]]
    prevented_criminal: bool
    prevented_group_petition: bool


def _validate(ctx: Ctx, data: DisputeInput) -> _CleanDispute:
    codes = CodeBook(ctx.session)
    today = ctx.today()
    problems = Problems()

    def code(table: str, value: str, fld: str, label: str) -> str:
        try:
            return codes.resolve(table, value, fld, label)
        except ValidationError as e:
            problems.extend(e)
            return ""

    source = code("case_source", data.source, "source", "案件来源")
    category = code("dispute_category", data.category, "category", "纠纷类别")
    scale = code("dispute_scale", data.scale or "individual", "scale", "事件规模")
    risk = code("risk_level", data.risk_level or "low", "risk_level", "风险等级")
    registered_on = today
    try:
        if data.registered_on not in (None, ""):
            registered_on = parse_date(data.registered_on, "registered_on", "受理日期")
        check_plausible(registered_on, "registered_on", "受理日期", today=today)
    except ValidationError as e:
        problems.extend(e)
    occurred: date | None = None
    if data.occurred_on not in (None, ""):
        try:
            occurred = parse_date(data.occurred_on, "occurred_on", "发生日期")
            check_plausible(occurred, "occurred_on", "发生日期", today=today)
            check_order(occurred, registered_on, "registered_on", "受理日期", "发生日期")
        except ValidationError as e:
            problems.extend(e)
    summary = clean_multiline(data.summary)
    if not summary:
        problems.add("summary", "纠纷简要情况", "不能为空", "请简述纠纷的起因、经过和争议焦点")
    parties: list[tuple[str, CleanPerson, str, str]] = []
    for i, pi in enumerate(data.parties):
        try:
            role = codes.resolve(
                "party_role", pi.role or "party", f"parties[{i}].role", f"当事人{i + 1}的身份"
            )
            person = validate_person(
                pi.person,
                codes=codes,
                today=today,
                field_prefix=f"parties[{i}]",
                label_prefix=f"当事人{i + 1}的",
            )
            agent_phone = ""
            if clean(pi.agent_phone):
                from app.rules.phone import validate_phone

                agent_phone = validate_phone(
                    pi.agent_phone,
                    field=f"parties[{i}].agent_phone",
                    label=f"当事人{i + 1}的代理人电话",
                )
            parties.append((role, person, clean(pi.agent_name), agent_phone))
        except ValidationError as e:
            problems.extend(e)
    if len(data.parties) < MIN_PARTIES:
        problems.add("parties", "当事人", f"至少需要{MIN_PARTIES}方", "请添加纠纷各方当事人")
    ids = [p.id_number for _, p, _, _ in parties if p.id_number]
    if len(ids) != len(set(ids)):
        problems.add("parties", "当事人", "同一身份证号出现了两次", "请删除重复的当事人")
    try:
        amount_fen = parse_amount(data.amount, "amount", "涉及金额")
    except ValidationError as e:
        problems.extend(e)
        amount_fen = 0
    try:
        involved = int(str(data.involved_count).strip() or "0") or len(parties)
        if involved < len(parties):
            problems.add(
                "involved_count",
                "涉及人数",
                f"（{involved}）少于当事人数（{len(parties)}）",
                "请核对",
            )
    except ValueError:
        problems.add("involved_count", "涉及人数", f"“{data.involved_count}”不是整数", "请填写人数")
        involved = len(parties)
    for fld, label, value in (
        ("title", "纠纷名称", data.title),
        ("place", "发生地点", data.place),
        ("summary", "纠纷简要情况", data.summary),
        ("requests", "当事人请求", data.requests),
        *(
            (f"parties[{i}].agent_name", f"当事人{i + 1}的代理人", pi.agent_name)
            for i, pi in enumerate(data.parties)
        ),
    ):
        check_printable(problems, fld, label, value)
    problems.raise_if_any()
    title = clean(data.title)
    if not title:
        names = [p.name for _, p, _, _ in parties][:3]
        title = (
            "与".join(names)
            + codes.label("dispute_category", category).removesuffix("纠纷")
            + "纠纷"
        )
    if len(title) > 100:
        raise ValidationError.single("title", "纠纷名称", "不超过100个字", "请精简")
    return _CleanDispute(
        title=title,
        source=source,
        category=category,
        scale=scale,
        risk_level=risk,
        is_major=bool(data.is_major) or scale == "major_group" or risk == "high",
        occurred_on=occurred,
        place=clean(data.place),
        involved_count=involved,
        amount_fen=amount_fen,
        summary=summary,
        requests=clean_multiline(data.requests),
        registered_on=registered_on,
        parties=parties,
        prevented_criminal=bool(data.prevented_criminal),
        prevented_group_petition=bool(data.prevented_group_petition),
    )


def _apply(dispute: Dispute, cd: _CleanDispute) -> None:
    for attr in (
        "title",
        "source",
        "category",
        "scale",
        "risk_level",
        "is_major",
        "occurred_on",
        "place",
        "involved_count",
        "amount_fen",
        "summary",
        "requests",
        "registered_on",
        "prevented_criminal",
        "prevented_group_petition",
    ):
        setattr(dispute, attr, getattr(cd, attr))
    dispute.party_names = "、".join(p.name for _, p, _, _ in cd.parties)


def _sync_parties(ctx: Ctx, dispute: Dispute, cd: _CleanDispute) -> None:
    existing = [dp for dp in dispute.parties if dp.deleted_at is None]
    keep: set[str] = set()
    for seq, (role, p, agent, agent_phone) in enumerate(cd.parties):
        person = upsert_person(ctx, p)
        hit = next((dp for dp in existing if dp.person_id == person.id and dp.id not in keep), None)
        if hit is None:
            hit = DisputeParty(dispute_id=dispute.id, person_id=person.id)
            dispute.parties.append(hit)
        hit.role, hit.seq, hit.agent_name, hit.agent_phone = role, seq, agent, agent_phone
        ctx.session.flush()
        keep.add(hit.id)
    for dp in existing:
        if dp.id not in keep:
            dp.deleted_at = ctx.now()


def _refresh_due(ctx: Ctx, dispute: Dispute) -> None:
    cfg = settings_of(ctx).deadlines
    if dispute.status in ("registered", "triaged", "mediating"):
        if not dispute.extension_reason:
            dispute.mediation_due = dl.mediation_due(
                dispute.registered_on, cfg, major=dispute.is_major
            )
        dispute.due_on = dispute.mediation_due
    elif dispute.status == "succeeded":
        dispute.due_on = dispute.follow_up_due
    else:
        dispute.due_on = None
    if dispute.imported_history:
        from .history import clear_past_due

        clear_past_due(ctx, dispute)  # history is history: no 超期 for a pre-go-live deadline


def register_dispute(ctx: Ctx, data: DisputeInput) -> Saved[Dispute]:
    """受理登记: the dispute gets its case code and its mediation number （年）X调字第N号."""
    ctx.require("dispute.register")
    cd = _validate(ctx, data)
    st = settings_of(ctx)
    with ctx.write() as s:
        year = cd.registered_on.year
        seq = next_seq(ctx, "mediation", year)
        dispute = Dispute(
            case_code=new_case_code(ctx, "dispute", year),
            status=DISPUTE.initial,
            mediation_year=year,
            mediation_seq=seq,
            mediation_no=format_mediation_no(year, st.mediation_prefix, seq),
        )
        _apply(dispute, cd)
        s.add(dispute)
        s.flush()
        _sync_parties(ctx, dispute, cd)
        _refresh_due(ctx, dispute)
        log_event(
            ctx,
            dispute,
            "registered",
            to_status=dispute.status,
            note=f"{dispute.mediation_no}；{dispute.title}",
        )
    warnings = []
    if cd.is_major:
        warnings.append("该纠纷为重大纠纷（群体性或高风险），请及时报告乡镇综治中心")
    return Saved(dispute, warnings)


def get_dispute(ctx: Ctx, dispute_id: str) -> Dispute:
    d = ctx.session.get(Dispute, dispute_id)
    if d is None or d.deleted_at is not None:
        raise NotFoundError("找不到该纠纷，可能已被作废")
    return d


def _own(ctx: Ctx, d: Dispute) -> None:
    if d.origin != ctx.station_code:
        raise ConflictError(f"该纠纷由工作站 {d.origin} 登记，只能由登记单位修改；请使用督办或批注")


_EDITABLE = {
    "title": "纠纷名称",
    "source": "案件来源",
    "category": "纠纷类别",
    "scale": "事件规模",
    "risk_level": "风险等级",
    "is_major": "重大纠纷",
    "occurred_on": "发生日期",
    "place": "发生地点",
    "involved_count": "涉及人数",
    "amount_fen": "涉及金额",
    "summary": "纠纷简要情况",
    "requests": "申请事项",
    "registered_on": "受理日期",
    "party_names": "当事人",
}


def update_dispute(ctx: Ctx, dispute_id: str, data: DisputeInput) -> Saved[Dispute]:
    ctx.require("dispute.update")
    d = get_dispute(ctx, dispute_id)
    _own(ctx, d)
    if d.status == "archived":
        raise WorkflowError("已归档的纠纷不能修改")
    cd = _validate(ctx, data)
    if cd.registered_on.year != d.registered_on.year:
        raise ValidationError.single(
            "registered_on",
            "受理日期",
            "不能改到其他年份",
            "编号按年度分配；如确属误登，请作废后重新登记",
        )
    before = {k: getattr(d, k) for k in _EDITABLE}
    with ctx.write():
        _apply(d, cd)
        _sync_parties(ctx, d, cd)
        _refresh_due(ctx, d)
        changed = [label for k, label in _EDITABLE.items() if getattr(d, k) != before[k]]
        if changed:
            log_event(ctx, d, "updated", note="修改了：" + "、".join(changed))
    return Saved(d, [])


@dataclass
class DisputeAction:
    note: str = ""  # reason / result / follow-up notes
    on: date | str | None = None  # date of the step (default today)
    mediator: str = ""  # assign: mediator (operator username or name)
    co_mediators: str = ""
    new_due: date | str | None = None  # extend: new deadline
    consent: bool = False  # extend: both parties agreed (人民调解工作若干规定 Art. 36)
    agreement_type: str = ""  # succeed: written | oral
    facts: str = ""
    responsibilities: str = ""
    terms: str = ""
    performance_manner: str = ""
    performance_place: str = ""
    performance_deadline: date | str | None = None
    amount: str = ""  # agreement amount (yuan); empty keeps the registered amount
    unit: str = ""  # transfer target
    performance_status: str = ""  # follow-up
    judicial_confirmed: bool = False


_NOTE_REQUIRED = {
    "extend": ("延期理由", "请写明延期原因"),
    "fail": ("调解不成的原因", "请写明原因，并告知当事人可通过仲裁、行政、司法途径解决"),
    "terminate": ("终止调解的原因", "如一方明确拒绝调解"),
    "transfer": ("移送理由", "请写明不能在本级化解的原因"),
    "follow_up": ("回访情况", "请记录履行情况和当事人意见"),
}

_PERMISSION = {
    "assign": "dispute.assign",
    "start": "dispute.mediate",
    "extend": "dispute.mediate",
    "succeed": "dispute.mediate",
    "fail": "dispute.mediate",
    "terminate": "dispute.mediate",
}


def _find_mediator(ctx: Ctx, text: str) -> tuple[str | None, str]:
    op = ctx.session.scalars(
        select(Operator).where(
            (Operator.username == text) | (Operator.display_name == text), Operator.active
        )
    ).first()
    if op is not None and op.role != "system":
        return op.id, op.display_name
    return None, text


def advance_dispute(
    ctx: Ctx, dispute_id: str, action: str, details: DisputeAction | None = None
) -> Dispute:
    a = details or DisputeAction()
    d = get_dispute(ctx, dispute_id)
    _own(ctx, d)
    ctx.require(_PERMISSION.get(action, "dispute.handle"))
    new_status = DISPUTE.apply(d.status, action)
    problems = Problems()
    codes = CodeBook(ctx.session)
    cfg = settings_of(ctx).deadlines
    note = clean_multiline(a.note)
    if action in _NOTE_REQUIRED and not note:
        label, fix = _NOTE_REQUIRED[action]
        problems.add("note", label, "不能为空", fix)
    today = ctx.today()
    on = today
    try:
        if a.on not in (None, ""):
            on = parse_date(a.on, "on", "办理日期")
        check_plausible(on, "on", "办理日期", today=today)
        check_order(d.registered_on, on, "on", "办理日期", "受理日期")
    except ValidationError as e:
        problems.extend(e)
    mediator_id: str | None = None
    mediator_name = ""
    if action == "assign":
        if not clean(a.mediator):
            problems.add("mediator", "调解员", "不能为空", "请选择承办的人民调解员")
        else:
            mediator_id, mediator_name = _find_mediator(ctx, clean(a.mediator))
    new_due: date | None = None
    if action == "extend":
        if not a.consent:
            problems.add(
                "consent", "当事人同意", "未确认", "延长调解期限须经双方当事人同意，请确认后勾选"
            )
        try:
            if a.new_due in (None, ""):
                raise ValidationError.single("new_due", "延长至", "不能为空", "请填写新的期限")
            new_due = parse_date(a.new_due, "new_due", "延长至")
            current = d.mediation_due or today
            if new_due <= current:
                problems.add(
                    "new_due", "延长至", f"应晚于原期限 {current.isoformat()}", "请核对日期"
                )
        except ValidationError as e:
            problems.extend(e)
    agreement_type = ""
    perf_deadline: date | None = None
    amount_fen: int | None = None
    if action == "succeed":
        try:
            agreement_type = codes.resolve(
                "agreement_type", a.agreement_type, "agreement_type", "协议形式"
            )
        except ValidationError as e:
            problems.extend(e)
        if not clean_multiline(a.terms):
            problems.add("terms", "协议内容", "不能为空", "请逐条写明双方自愿达成的协议事项")
        if agreement_type == "written" and not clean_multiline(a.performance_manner):
            problems.add(
                "performance_manner",
                "履行方式",
                "书面协议必须写明",
                "请写明履行的方式（地点、期限另填）",
            )
        if a.performance_deadline not in (None, ""):
            try:
                perf_deadline = parse_date(
                    a.performance_deadline,
                    "performance_deadline",
                    "履行期限",
                )
                check_order(on, perf_deadline, "performance_deadline", "履行期限", "协议日期")
            except ValidationError as e:
                problems.extend(e)
        if clean(a.amount):
            try:
                amount_fen = parse_amount(a.amount, "amount", "协议金额")
            except ValidationError as e:
                problems.extend(e)
    unit = clean(a.unit)
    if action == "transfer" and not unit:
        problems.add("unit", "移送单位", "不能为空", "请填写接收单位，如乡镇综治中心或派出所")
    perf_status = ""
    if action == "follow_up":
        try:
            perf_status = codes.resolve(
                "performance_status", a.performance_status, "performance_status", "履行情况"
            )
        except ValidationError as e:
            problems.extend(e)
    for fld, label, value in (
        ("note", "说明", a.note),
        ("mediator", "调解员", a.mediator),
        ("co_mediators", "共同调解员", a.co_mediators),
        ("facts", "纠纷事实", a.facts),
        ("responsibilities", "责任认定", a.responsibilities),
        ("terms", "协议内容", a.terms),
        ("performance_manner", "履行方式", a.performance_manner),
        ("performance_place", "履行地点", a.performance_place),
        ("unit", "移送单位", a.unit),
    ):
        check_printable(problems, fld, label, value)
    problems.raise_if_any()

    with ctx.write():
        old = d.status
        extra: list[str] = []
        if action == "assign":
            d.mediator_id, d.mediator_name = mediator_id, mediator_name
            d.co_mediators = clean(a.co_mediators)
            d.assigned_on = on
            extra.append(f"调解员：{mediator_name}")
        elif action == "extend":
            assert new_due is not None
            d.mediation_due = new_due
            d.extension_reason = note
            extra.append(f"期限延至{new_due.isoformat()}，双方当事人同意")
        elif action == "succeed":
            d.outcome = "succeeded"
            d.outcome_on = on
            d.agreement_type = agreement_type
            d.facts = clean_multiline(a.facts) or d.summary
            d.responsibilities = clean_multiline(a.responsibilities)
            d.agreement_terms = clean_multiline(a.terms)
            d.performance_manner = clean_multiline(a.performance_manner)
            d.performance_place = clean(a.performance_place)
            d.performance_deadline = perf_deadline
            d.agreement_effective_on = on
            d.judicial_confirm_due = (
                dl.judicial_confirmation_due(on, cfg) if agreement_type == "written" else None
            )
            d.follow_up_due = dl.follow_up_due(perf_deadline or on, cfg)
            if amount_fen is not None:
                d.amount_fen = amount_fen
            d.outcome_note = note
            extra.append(codes.label("agreement_type", agreement_type))
        elif action in ("fail", "terminate"):
            d.outcome = "failed" if action == "fail" else "terminated"
            d.outcome_on = on
            d.outcome_note = note
        elif action == "transfer":
            d.transferred_to = unit
            d.transfer_reason = note
            d.transferred_on = on
            extra.append(f"移送至：{unit}")
        elif action == "follow_up":
            d.followed_up_on = on
            d.follow_up_note = note
            d.performance_status = perf_status
            d.judicial_confirmed = d.judicial_confirmed or bool(a.judicial_confirmed)
            extra.append(f"履行情况：{codes.label('performance_status', perf_status)}")
        elif action == "archive":
            d.archived_on = on
        d.status = new_status
        _refresh_due(ctx, d)
        log_event(
            ctx,
            d,
            DISPUTE.actions[action].event,
            action=action,
            from_status=old,
            to_status=new_status,
            note="；".join(p for p in [*extra, note] if p),
        )
    return d


@dataclass
class SessionInput:
    kind: str = "mediation"  # investigation | mediation
    held_at: datetime | date | str | None = None
    place: str = ""
    mediators: str = ""
    recorder: str = ""
    participants: str = ""
    parties_present: str = ""
    content: str = ""
    result: str = ""


SESSION_KINDS = {"investigation": "调查记录", "mediation": "调解记录"}


def record_session(ctx: Ctx, dispute_id: str, data: SessionInput) -> MediationSession:
    """调查/调解记录. Recording a mediation session starts mediation if it had not started."""
    ctx.require("dispute.mediate")
    d = get_dispute(ctx, dispute_id)
    _own(ctx, d)
    problems = Problems()
    if data.kind not in SESSION_KINDS:
        problems.add("kind", "记录类型", f"“{data.kind}”无效", "应为调查记录或调解记录")
    if d.status not in ("registered", "triaged", "mediating"):
        raise WorkflowError(
            f"纠纷当前状态为「{DISPUTE.status_label(d.status)}」，不能再添加调查或调解记录"
        )
    held_at = ctx.now()
    try:
        if data.held_at not in (None, ""):
            held_at = parse_local_datetime(data.held_at, "held_at", "时间")
        check_plausible(local_date(held_at), "held_at", "时间", today=ctx.today())
        check_order(d.registered_on, local_date(held_at), "held_at", "时间", "受理日期")
    except ValidationError as e:
        problems.extend(e)
    content = clean_multiline(data.content)
    if not content:
        problems.add("content", "记录内容", "不能为空", "请记录调查或调解的经过")
    if data.kind == "mediation" and not clean(data.mediators) and not d.mediator_name:
        problems.add("mediators", "调解员", "不能为空", "请填写主持调解的调解员")
    for fld, label, value in (
        ("place", "地点", data.place),
        ("mediators", "调解员", data.mediators),
        ("recorder", "记录人", data.recorder),
        ("participants", "参加人", data.participants),
        ("parties_present", "到场当事人", data.parties_present),
        ("content", "记录内容", data.content),
        ("result", "结果", data.result),
    ):
        check_printable(problems, fld, label, value)
    problems.raise_if_any()
    with ctx.write() as s:
        if data.kind == "mediation" and d.status in ("registered", "triaged"):
            old = d.status
            d.status = DISPUTE.apply(d.status, "start")
            _refresh_due(ctx, d)
            log_event(
                ctx, d, "mediation_started", action="start", from_status=old, to_status=d.status
            )
        seq = (
            s.scalar(
                select(func.max(MediationSession.seq)).where(
                    MediationSession.dispute_id == d.id, MediationSession.kind == data.kind
                )
            )
            or 0
        ) + 1
        ms = MediationSession(
            dispute_id=d.id,
            kind=data.kind,
            seq=seq,
            held_at=held_at,
            place=clean(data.place),
            mediators=clean(data.mediators) or d.mediator_name,
            recorder=clean(data.recorder) or person_default(ctx.operator.display_name),
            participants=clean(data.participants),
            parties_present=clean(data.parties_present),
            content=content,
            result=clean_multiline(data.result),
        )
        s.add(ms)
        log_event(
            ctx, d, "session_recorded", note=f"第{seq}次{SESSION_KINDS[data.kind]}", at=held_at
        )
    return ms


def sessions_of(ctx: Ctx, dispute_id: str) -> list[MediationSession]:
    return list(
        ctx.session.scalars(
            select(MediationSession)
            .where(MediationSession.dispute_id == dispute_id, MediationSession.deleted_at.is_(None))
            .order_by(MediationSession.held_at, MediationSession.seq)
        )
    )


def void_dispute(ctx: Ctx, dispute_id: str, reason: str) -> Dispute:
    ctx.require("dispute.void")
    d = get_dispute(ctx, dispute_id)
    _own(ctx, d)
    void_case(ctx, d, d.parties, reason)
    return d
