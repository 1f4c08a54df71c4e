"""督办 / 交办 / 批注: a township's (or county's) supervision of its stations' cases.

The township writes its own :class:`~app.models.Supervision` rows pointing at a village's case
(never an edit of the village's record); they travel down to the village with the next
acknowledgement or downstream bundle and are read-only there. The village answers with
:class:`~app.models.SupervisionFeedback` rows of its own, which travel up with its bundles.

Numbering: each supervision gets a code of its own in the 一案一码 scheme,
``{station}-{year}-D-{seq}`` (e.g. 110105001000-2026-D-00003), unique across stations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.models import (
    Dispute,
    Supervision,
    SupervisionFeedback,
    Visit,
)
from app.models.supervision import FEEDBACK_PROGRESS, SUPERVISION_KINDS, SUPERVISION_STATUSES
from app.rules.dates import check_plausible, parse_date
from app.rules.errors import ConflictError, NotFoundError, Problems, ValidationError, WorkflowError
from app.rules.hierarchy import is_ancestor
from app.rules.text import clean, clean_multiline, person_default

from .cases import find_case, new_case_code
from .context import Ctx

KIND_CODES = {**{k: k for k in SUPERVISION_KINDS}, **{v: k for k, v in SUPERVISION_KINDS.items()}}
PROGRESS_CODES = {
    **{k: k for k in FEEDBACK_PROGRESS},
    **{v: k for k, v in FEEDBACK_PROGRESS.items()},
}
NEEDS_DUE = ("supervise", "assign")


@dataclass
class SupervisionInput:
    case: str = ""  # case code (一案一码) or record id
    kind: str = "supervise"  # supervise 督办 | assign 交办 | comment 批注 (code or label)
    content: str = ""
    requirement: str = ""
    lead_name: str = ""  # 包案领导
    responsible_unit: str = ""  # 责任单位
    responsible_person: str = ""  # 责任人
    measures: str = ""  # 化解措施
    due_on: date | str | None = None  # 办理时限
    supervisor_name: str = ""  # 督办人
    issued_on: date | str | None = None


@dataclass
class FeedbackInput:
    progress: str = "in_progress"  # in_progress 正在办理 | done 已办结 | need_help 需上级协调
    content: str = ""
    responded_on: date | str | None = None
    responder_name: str = ""


@dataclass(frozen=True)
class SupervisionView:
    """A supervision with what the lists show: labels, the latest feedback, overdue state."""

    record: Supervision
    kind_label: str
    status_label: str
    state: str  # open-awaiting | open-answered | overdue | closed | withdrawn
    state_label: str
    days_left: int | None
    feedback_count: int
    latest_feedback: SupervisionFeedback | None
    station_name: str


def _limit(problems: Problems, value: str, fld: str, label: str, n: int) -> str:
    if len(value) > n:
        problems.add(fld, label, f"不超过{n}个字", "请精简")
    return value


def create_supervision(ctx: Ctx, data: SupervisionInput) -> Supervision:
    """督办 / 交办 / 批注 a subordinate station's case (township or county only)."""
    ctx.require("supervise")
    if ctx.station.level == "village":
        raise WorkflowError("村（社区）工作站不能督办，请由乡镇综治中心督办")
    problems = Problems()
    case: Visit | Dispute | None = None
    if not clean(data.case):
        problems.add("case", "案件", "不能为空", "请填写案件编码，如 110105001001-2026-J-00012")
    else:
        try:
            case = find_case(ctx, data.case)
        except NotFoundError as e:
            problems.add("case", "案件", str(e), "请核对案件编码")
    if case is not None:
        if case.deleted_at is not None:
            problems.add("case", "案件", "已作废", "作废的案件不能督办")
        elif case.origin == ctx.station_code:
            problems.add("case", "案件", "是本站自己登记的案件", "督办对象应为下级工作站的案件")
        elif not is_ancestor(ctx.station_code, case.origin):
            problems.add(
                "case", "案件", f"属于工作站 {case.origin}，不是本站的下级", "请核对案件编码"
            )
    kind = KIND_CODES.get(clean(data.kind), "")
    if not kind:
        problems.add("kind", "类型", f"“{data.kind}”无效", "应为督办、交办或批注")
    content = _limit(problems, clean_multiline(data.content), "content", "督办事项", 2000)
    if not content:
        problems.add("content", "督办事项", "不能为空", "请写明需要办理或说明的事项")
    today = ctx.today()
    issued = today
    if data.issued_on not in (None, ""):
        try:
            issued = parse_date(data.issued_on, "issued_on", "督办日期")
            check_plausible(issued, "issued_on", "督办日期", today=today)
        except ValidationError as e:
            problems.extend(e)
    due: date | None = None
    if data.due_on not in (None, ""):
        try:
            due = parse_date(data.due_on, "due_on", "办理时限")
            if due < issued:
                problems.add("due_on", "办理时限", "早于督办日期", "请填写今后的日期")
        except ValidationError as e:
            problems.extend(e)
    elif kind in NEEDS_DUE:
        problems.add("due_on", "办理时限", "不能为空", "督办、交办须明确办理时限（六定）")
    lead = _limit(problems, clean(data.lead_name), "lead_name", "包案领导", 40)
    unit = _limit(problems, clean(data.responsible_unit), "responsible_unit", "责任单位", 100)
    person = _limit(problems, clean(data.responsible_person), "responsible_person", "责任人", 40)
    supervisor = _limit(problems, clean(data.supervisor_name), "supervisor_name", "督办人", 40)
    if kind in NEEDS_DUE:
        if not unit:
            problems.add(
                "responsible_unit", "责任单位", "不能为空", "督办、交办须明确责任单位（六定）"
            )
        if not person:
            problems.add(
                "responsible_person", "责任人", "不能为空", "督办、交办须明确责任人（六定）"
            )
    problems.raise_if_any()
    assert case is not None
    with ctx.write() as s:
        sup = Supervision(
            supervision_no=new_case_code(ctx, "supervision", issued.year),
            kind=kind,
            case_type="visit" if isinstance(case, Visit) else "dispute",
            case_id=case.id,
            case_code=case.case_code,
            case_origin=case.origin,
            case_title=(case.subject if isinstance(case, Visit) else case.title)[:200],
            content=content,
            requirement=clean_multiline(data.requirement)[:2000],
            lead_name=lead,
            responsible_unit=unit,
            responsible_person=person,
            measures=clean_multiline(data.measures)[:2000],
            due_on=due,
            supervisor_name=supervisor or person_default(ctx.operator.display_name),
            issued_on=issued,
            issued_by_name=ctx.operator.display_name,
            status="open",
        )
        s.add(sup)
        s.flush()
    return sup


def get_supervision(ctx: Ctx, key: str) -> Supervision:
    """By id or 督办编号."""
    k = key.strip()
    sup = ctx.session.scalars(
        select(Supervision).where((Supervision.id == k) | (Supervision.supervision_no == k.upper()))
    ).first()
    if sup is None or sup.deleted_at is not None:
        raise NotFoundError(f"找不到督办记录“{k}”，请核对督办编号")
    return sup


def _own(ctx: Ctx, sup: Supervision) -> None:
    if sup.origin != ctx.station_code:
        raise ConflictError(f"该督办由工作站 {sup.origin} 下发，只能由下发单位办结或撤销")


def close_supervision(
    ctx: Ctx, key: str, note: str = "", *, on: date | str | None = None
) -> Supervision:
    """办结: the township is satisfied with the handling."""
    ctx.require("supervise")
    sup = get_supervision(ctx, key)
    _own(ctx, sup)
    if sup.status != "open":
        raise WorkflowError(f"该督办已{SUPERVISION_STATUSES[sup.status]}，不能再办结")
    day = ctx.today() if on in (None, "") else parse_date(on, "closed_on", "办结日期")
    with ctx.write():
        sup.status = "closed"
        sup.closed_on = day
        sup.close_note = clean_multiline(note)[:2000]
    return sup


def withdraw_supervision(ctx: Ctx, key: str, reason: str) -> Supervision:
    """撤销 (issued by mistake); the record stays, marked withdrawn, with the reason."""
    ctx.require("supervise")
    sup = get_supervision(ctx, key)
    _own(ctx, sup)
    if sup.status != "open":
        raise WorkflowError(f"该督办已{SUPERVISION_STATUSES[sup.status]}，不能撤销")
    reason = clean_multiline(reason)
    if not reason:
        raise ValidationError.single("reason", "撤销理由", "不能为空", "请说明撤销的原因")
    with ctx.write():
        sup.status = "withdrawn"
        sup.closed_on = ctx.today()
        sup.close_note = reason[:2000]
    return sup


def add_feedback(ctx: Ctx, key: str, data: FeedbackInput) -> SupervisionFeedback:
    """反馈: the station that owns the case reports how it is being handled."""
    ctx.require("supervision.feedback")
    sup = get_supervision(ctx, key)
    if sup.case_origin != ctx.station_code:
        raise ConflictError(f"该督办是对工作站 {sup.case_origin} 的案件下发的，只能由该站反馈")
    if sup.status != "open":
        raise WorkflowError(f"该督办已{SUPERVISION_STATUSES[sup.status]}，无需再反馈")
    problems = Problems()
    progress = PROGRESS_CODES.get(clean(data.progress), "")
    if not progress:
        problems.add(
            "progress", "办理进展", f"“{data.progress}”无效", "应为正在办理、已办结或需上级协调"
        )
    content = clean_multiline(data.content)
    if not content:
        problems.add("content", "反馈内容", "不能为空", "请写明办理情况")
    elif len(content) > 4000:
        problems.add("content", "反馈内容", "不超过4000个字", "请精简")
    today = ctx.today()
    day = today
    if data.responded_on not in (None, ""):
        try:
            day = parse_date(data.responded_on, "responded_on", "反馈日期")
            check_plausible(day, "responded_on", "反馈日期", today=today)
        except ValidationError as e:
            problems.extend(e)
    problems.raise_if_any()
    with ctx.write() as s:
        fb = SupervisionFeedback(
            supervision_id=sup.id,
            supervision_no=sup.supervision_no,
            progress=progress,
            content=content,
            responded_on=day,
            responder_name=clean(data.responder_name)[:40] or ctx.operator.display_name,
        )
        s.add(fb)
        s.flush()
    return fb


def feedback_of(ctx: Ctx, supervision_id: str) -> list[SupervisionFeedback]:
    return list(
        ctx.session.scalars(
            select(SupervisionFeedback)
            .where(
                SupervisionFeedback.supervision_id == supervision_id,
                SupervisionFeedback.deleted_at.is_(None),
            )
            .order_by(SupervisionFeedback.responded_on, SupervisionFeedback.created_at)
        )
    )


def _view(ctx: Ctx, sup: Supervision, names: dict[str, str]) -> SupervisionView:
    fbs = feedback_of(ctx, sup.id)
    latest = fbs[-1] if fbs else None
    today = ctx.today()
    days = (sup.due_on - today).days if sup.due_on else None
    if sup.status != "open":
        state = sup.status
        label = SUPERVISION_STATUSES[sup.status]
    elif days is not None and days < 0:
        state, label = "overdue", f"已超期{-days}天"
    elif latest is not None:
        state, label = "open-answered", f"已反馈（{FEEDBACK_PROGRESS.get(latest.progress, '')}）"
    else:
        state, label = "open-awaiting", "待反馈"
    return SupervisionView(
        record=sup,
        kind_label=SUPERVISION_KINDS.get(sup.kind, sup.kind),
        status_label=SUPERVISION_STATUSES.get(sup.status, sup.status),
        state=state,
        state_label=label,
        days_left=days,
        feedback_count=len(fbs),
        latest_feedback=latest,
        station_name=names.get(sup.case_origin, sup.case_origin),
    )


def list_supervisions(
    ctx: Ctx,
    *,
    case_id: str | None = None,
    station: str | None = None,
    status: str | None = None,
    overdue_only: bool = False,
    limit: int = 500,
) -> list[SupervisionView]:
    """Supervisions visible here: issued by this station, or addressed to its cases.

    ``status``: open | closed | withdrawn. Newest first.
    """
    from app.models import Station

    q = select(Supervision).where(Supervision.deleted_at.is_(None))
    if case_id:
        q = q.where(Supervision.case_id == case_id)
    if station:
        q = q.where(Supervision.case_origin == station)
    if status:
        q = q.where(Supervision.status == status)
    if overdue_only:
        q = q.where(Supervision.status == "open", Supervision.due_on < ctx.today())
    rows = list(
        ctx.session.scalars(
            q.order_by(Supervision.issued_on.desc(), Supervision.supervision_no.desc()).limit(limit)
        )
    )
    names = {st.code: st.name for st in ctx.session.scalars(select(Station))}
    return [_view(ctx, sup, names) for sup in rows]
