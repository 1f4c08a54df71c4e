"""Screenings, monthly report submissions (月报, with explicit zero reports) and the township's
view across its villages: comparison, roll-up, who has not reported, overdue items."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from app.models import Dispute, MonthlyReport, Screening, Station, SyncPeer, Visit
from app.models.reporting import SCREENING_KINDS
from app.rules.dates import check_plausible, parse_date
from app.rules.deadlines import days_left
from app.rules.errors import ConflictError, PermissionDenied, Problems, ValidationError
from app.rules.text import clean, clean_multiline, person_default
from app.rules.workflow import DISPUTE, VISIT

from .context import Ctx
from .results import Saved
from .stats import HEADLINE, Period, compute, pick


@dataclass
class ScreeningInput:
    held_on: date | str | None = None
    kind: str = "routine"
    scope: str = ""
    participants: str = ""
    found_count: int | str = 0
    resolved_count: int | str = 0
    findings: str = ""


def _int(value: int | str, fld: str, label: str, problems: Problems) -> int:
    try:
        n = int(str(value).strip() or "0")
    except ValueError:
        problems.add(fld, label, f"“{value}”不是整数", "请填写数字")
        return 0
    if n < 0:
        problems.add(fld, label, "不能为负数", "请填写0或正整数")
    return n


def record_screening(ctx: Ctx, data: ScreeningInput) -> Screening:
    """矛盾纠纷排查: one screening round and what it found."""
    ctx.require("dispute.register")
    problems = Problems()
    today = ctx.today()
    held = today
    try:
        if data.held_on not in (None, ""):
            held = parse_date(data.held_on, "held_on", "排查日期")
        check_plausible(held, "held_on", "排查日期", today=today)
    except ValidationError as e:
        problems.extend(e)
    kind = data.kind
    if kind not in SCREENING_KINDS:
        kind = next((k for k, v in SCREENING_KINDS.items() if v == clean(data.kind)), "")
        if not kind:
            problems.add(
                "kind", "排查类型", f"“{data.kind}”无效", "可选：日常排查、集中排查、专项排查"
            )
    scope = clean(data.scope)
    if not scope:
        problems.add("scope", "排查范围", "不能为空", "如“全村八个村民小组”")
    found = _int(data.found_count, "found_count", "发现纠纷数", problems)
    resolved = _int(data.resolved_count, "resolved_count", "当场化解数", problems)
    if resolved > found:
        problems.add(
            "resolved_count", "当场化解数", f"（{resolved}）多于发现纠纷数（{found}）", "请核对"
        )
    problems.raise_if_any()
    with ctx.write() as s:
        row = Screening(
            held_on=held,
            kind=kind,
            scope=scope,
            participants=clean(data.participants),
            found_count=found,
            resolved_count=resolved,
            findings=clean_multiline(data.findings),
        )
        s.add(row)
    return row


def list_screenings(ctx: Ctx, month: str | None = None) -> list[Screening]:
    period = Period.month(month) if month else Period.all()
    return list(
        ctx.session.scalars(
            select(Screening)
            .where(Screening.deleted_at.is_(None), *period.where(Screening.held_on))
            .order_by(Screening.held_on.desc())
        )
    )


def submit_monthly_report(
    ctx: Ctx, month: str, *, note: str = "", confirm_zero: bool = False
) -> Saved[MonthlyReport]:
    """月报: freeze this station's figures for ``month``. Nothing to report → a zero report,
    which the clerk confirms explicitly. Resubmitting replaces the figures (version + 1)."""
    ctx.require("dispute.register")
    period = Period.month(month)
    assert period.start is not None
    if period.start > ctx.today():
        raise ValidationError.single(
            "month", "报告月份", f"{period.label}尚未开始", "请选择本月或以前的月份"
        )
    figures = compute(ctx, period.key, origin=ctx.station_code)
    if figures["zero_report"] and not confirm_zero:
        raise ValidationError.single(
            "confirm_zero",
            "零报告",
            f"{period.label}没有任何排查、纠纷和信访记录",
            "如确属本月无事项，请勾选“零报告”后提交",
        )
    warnings: list[str] = []
    with ctx.write() as s:
        row = s.scalars(
            select(MonthlyReport).where(
                MonthlyReport.origin == ctx.station_code, MonthlyReport.period == period.key
            )
        ).first()
        text = json.dumps(figures, ensure_ascii=False, sort_keys=True)
        if row is None:
            row = MonthlyReport(period=period.key, version=1, figures=text)
            s.add(row)
        else:
            if row.deleted_at is not None:
                raise ConflictError("该月报已作废，不能重新提交")
            row.version += 1
            warnings.append(f"{period.label}月报已重新提交（第{row.version}版）")
        row.figures = text
        row.is_zero = bool(figures["zero_report"])
        row.note = clean_multiline(note)
        row.submitted_on = ctx.today()
        row.submitter_name = ctx.operator.display_name
    return Saved(row, warnings)


def report_figures(row: MonthlyReport) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(row.figures)
    return data


# --- the township's view --------------------------------------------------------------------


def _require_township(ctx: Ctx) -> None:
    if ctx.station.level == "village":
        raise PermissionDenied("该功能供乡镇（街道）及以上综治中心使用")


def child_stations(ctx: Ctx) -> list[Station]:
    """Stations reporting to this one: paired children and known stations whose parent is us."""
    s = ctx.session
    codes = {
        c
        for (c,) in s.execute(
            select(SyncPeer.station_code).where(SyncPeer.relation == "child", SyncPeer.active)
        )
    }
    codes |= {
        c
        for (c,) in s.execute(
            select(Station.code).where(
                Station.parent_code == ctx.station_code, Station.code != ctx.station_code
            )
        )
    }
    found: list[Station] = []
    for code in sorted(codes):
        st = s.get(Station, code)
        if st is None:
            peer = s.get(SyncPeer, code)
            st = Station(code=code, name=peer.name if peer else code, level="village")
        found.append(st)
    return found


def compare(ctx: Ctx, month: str) -> dict[str, Any]:
    """Per-village comparison table plus the roll-up over all records held here."""
    _require_township(ctx)
    period = Period.month(month)
    rows = []
    for st in child_stations(ctx):
        fig = compute(ctx, period.key, origin=st.code)
        report = ctx.session.scalars(
            select(MonthlyReport).where(
                MonthlyReport.origin == st.code,
                MonthlyReport.period == period.key,
                MonthlyReport.deleted_at.is_(None),
            )
        ).first()
        rows.append(
            {
                "code": st.code,
                "name": st.name,
                "reported": report is not None,
                "zero_report": bool(report and report.is_zero),
                "figures": {path: pick(fig, path) for path, _ in HEADLINE},
            }
        )
    own = compute(ctx, period.key, origin=ctx.station_code)
    total = compute(ctx, period.key)
    return {
        "month": period.key,
        "period": period.label,
        "columns": [{"key": k, "label": v} for k, v in HEADLINE],
        "villages": rows,
        "own": {path: pick(own, path) for path, _ in HEADLINE},
        "rollup": {path: pick(total, path) for path, _ in HEADLINE},
        "rollup_detail": total,
    }


def not_reported(
    ctx: Ctx, month: str, *, now: datetime | None = None
) -> dict[str, list[dict[str, str]]]:
    """Villages without a monthly report for ``month``, and villages that sent nothing in 7 days."""
    _require_township(ctx)
    period = Period.month(month)
    now = now or ctx.now()
    no_month: list[dict[str, str]] = []
    no_week: list[dict[str, str]] = []
    for st in child_stations(ctx):
        has = ctx.session.scalars(
            select(MonthlyReport.id).where(
                MonthlyReport.origin == st.code,
                MonthlyReport.period == period.key,
                MonthlyReport.deleted_at.is_(None),
            )
        ).first()
        if has is None:
            no_month.append({"code": st.code, "name": st.name})
        peer = ctx.session.get(SyncPeer, st.code)
        last = peer.last_import_at if peer is not None else None
        if last is None or now - last > timedelta(days=7):
            no_week.append(
                {
                    "code": st.code,
                    "name": st.name,
                    "last_import": last.astimezone(UTC).isoformat() if last else "",
                }
            )
    return {"month": no_month, "week": no_week}


@dataclass(frozen=True)
class OverdueItem:
    case_type: str
    case_id: str
    case_code: str
    origin: str
    station_name: str
    title: str
    status_label: str
    due_on: date
    days_overdue: int
    supervised: bool


def overdue_items(ctx: Ctx, *, include_own: bool = True, limit: int = 500) -> list[OverdueItem]:
    """Open items past their deadline, across every station whose records are held here."""
    from app.models import Supervision

    today = ctx.today()
    names = {st.code: st.name for st in ctx.session.scalars(select(Station))}
    supervised = {
        cid
        for (cid,) in ctx.session.execute(
            select(Supervision.case_id).where(
                Supervision.deleted_at.is_(None), Supervision.status == "open"
            )
        )
    }
    own_filter = [] if include_own else [ctx.station_code]
    rows: list[Visit | Dispute] = []
    vq = select(Visit).where(Visit.deleted_at.is_(None), Visit.due_on < today)
    if own_filter:
        vq = vq.where(Visit.origin != ctx.station_code)
    if not ctx.can("restricted.view"):
        vq = vq.where(~or_(Visit.is_accusation, Visit.is_confidential))
    rows.extend(ctx.session.scalars(vq.order_by(Visit.due_on).limit(limit)))
    dq = select(Dispute).where(Dispute.deleted_at.is_(None), Dispute.due_on < today)
    if own_filter:
        dq = dq.where(Dispute.origin != ctx.station_code)
    rows.extend(ctx.session.scalars(dq.order_by(Dispute.due_on).limit(limit)))
    items: list[OverdueItem] = []
    for row in rows:
        assert row.due_on is not None
        is_visit = isinstance(row, Visit)
        items.append(
            OverdueItem(
                case_type="visit" if is_visit else "dispute",
                case_id=row.id,
                case_code=row.case_code,
                origin=row.origin,
                station_name=names.get(row.origin, row.origin),
                title=row.subject if isinstance(row, Visit) else row.title,
                status_label=(VISIT if is_visit else DISPUTE).status_label(row.status),
                due_on=row.due_on,
                days_overdue=-(days_left(row.due_on, today) or 0),
                supervised=row.id in supervised,
            )
        )
    items.sort(key=lambda i: (-i.days_overdue, i.case_code))
    return items[:limit]


def supervision_draft(ctx: Ctx, case_id: str) -> dict[str, Any]:
    """Pre-filled 督办 for an overdue case (one click from the overdue list): the 六定 as far as
    the records say; the officer completes and confirms them."""
    _require_township(ctx)
    case: Visit | Dispute | None = ctx.session.get(Visit, case_id) or ctx.session.get(
        Dispute, case_id
    )
    if case is None or case.deleted_at is not None:
        raise ValidationError.single("case", "案件", "不存在或已作废", "请刷新列表后重试")
    today = ctx.today()
    station = ctx.session.get(Station, case.origin)
    unit = station.name if station is not None else case.origin
    late = -(days_left(case.due_on, today) or 0) if case.due_on else 0
    if isinstance(case, Visit):
        title, person = case.subject, case.first_responder
        handling = "办理"
    else:
        title, person = case.title, case.mediator_name
        handling = "调处"
    if late > 0:
        content = (
            f"你单位{case.case_code}号“{title}”已超过办理期限{late}天仍未办结。"
            f"请落实责任，加快{handling}，于限期内办结并书面反馈办理结果。"
        )
    else:
        content = (
            f"请你单位高度重视{case.case_code}号“{title}”，落实责任，依法依规{handling}，"
            "于限期内办结并书面反馈办理结果。"
        )
    return {
        "case": case.case_code,
        "kind": "supervise",
        "content": content,
        "requirement": "请于办理时限内将办理情况反馈本中心；逾期未办结的，将予以通报。",
        "lead_name": "",
        "responsible_unit": unit,
        "responsible_person": person_default(person or ""),
        "measures": "",
        "due_on": (today + timedelta(days=7)).isoformat(),
        "supervisor_name": person_default(ctx.operator.display_name),
    }
