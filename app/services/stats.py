"""Statistics (DESIGN §10) per station and month, and their roll-up.

Conventions, so that anyone can recompute the numbers by hand from the records:
- a visit counts in the month it was received; a dispute is found/accepted (受理) in the month it
  was registered; "mediated", "succeeded", "failed" count in the month of the outcome;
  success rate = succeeded ÷ mediated (mediated = succeeded + failed);
- agreement amounts: the amounts of disputes that succeeded in the month;
- performed (履行): follow-ups in the month that found the agreement performed;
- prevented 民转刑 / group petitions: disputes registered in the month with that flag (cases) and
  their people involved (persons);
- screenings: rounds held in the month; found = disputes they found;
- overdue: open items whose current deadline is before the reference day (today, or the last day
  of a past month).
``origin`` restricts everything to one station's own records (a township comparing villages);
``None`` counts every record held here (the roll-up). Only synced records are counted, so a
township's roll-up is built from what its villages have sent.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, select

from app.models import Dispute, Screening, Station, Visit
from app.rules.errors import ValidationError
from app.rules.text import format_yuan
from app.rules.workflow import DISPUTE, VISIT

from .codes import CodeBook
from .context import Ctx


@dataclass(frozen=True)
class Period:
    start: date | None
    end: date | None  # inclusive
    label: str
    key: str = ""

    @classmethod
    def month(cls, text: str) -> Period:
        m = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValidationError.single("month", "月份", f"“{text}”格式不正确", "请写成 2025-03")
        y, mo = int(m.group(1)), int(m.group(2))
        last = calendar.monthrange(y, mo)[1]
        return cls(date(y, mo, 1), date(y, mo, last), f"{y}年{mo}月", f"{y:04d}-{mo:02d}")

    @classmethod
    def all(cls) -> Period:
        return cls(None, None, "全部")

    def where(self, column: Any) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = []
        if self.start is not None:
            conds.append(column >= self.start)
        if self.end is not None:
            conds.append(column <= self.end)
        return conds

    def reference_day(self, today: date) -> date:
        """The day overdue is judged on: today, or the end of a month already over."""
        return today if self.end is None or self.end >= today else self.end


def compute(ctx: Ctx, month: str | None = None, *, origin: str | None = None) -> dict[str, Any]:
    """All figures for ``month`` (YYYY-MM; None = everything) of ``origin`` (None = all held)."""
    period = Period.month(month) if month else Period.all()
    s = ctx.session
    codes = CodeBook(s)
    today = ctx.today()
    ref = period.reference_day(today)

    def scope(model: Any) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = [model.deleted_at.is_(None)]
        if origin is not None:
            conds.append(model.origin == origin)
        return conds

    def count(model: Any, *conds: Any) -> int:
        return int(s.scalar(select(func.count()).select_from(model).where(*conds)) or 0)

    def total(column: Any, *conds: Any) -> int:
        return int(s.scalar(select(func.coalesce(func.sum(column), 0)).where(*conds)) or 0)

    def grouped(column: Any, *conds: Any) -> dict[str, int]:
        rows = s.execute(select(column, func.count()).where(*conds).group_by(column)).all()
        return {str(k): int(n) for k, n in sorted(rows, key=lambda r: (-int(r[1]), str(r[0])))}

    v_in = [*scope(Visit), *period.where(Visit.received_on)]
    visits = {
        "total": count(Visit, *v_in),
        "by_status": {VISIT.status_label(k): n for k, n in grouped(Visit.status, *v_in).items()},
        "by_channel": {
            codes.label("visit_channel", k): n for k, n in grouped(Visit.channel, *v_in).items()
        },
        "by_category": {
            codes.label("visit_category", k): n for k, n in grouped(Visit.category, *v_in).items()
        },
        "group": count(Visit, *v_in, Visit.is_group),
        "group_persons": total(Visit.headcount, *v_in, Visit.is_group),
        "repeat": count(Visit, *v_in, Visit.is_repeat),
        "skip_level": count(Visit, *v_in, Visit.is_skip_level),
        "urgent": count(Visit, *v_in, Visit.is_urgent),
        "concluded": count(
            Visit, *scope(Visit), *period.where(Visit.replied_on), Visit.replied_on.is_not(None)
        ),
        "overdue": count(Visit, *scope(Visit), Visit.due_on < ref),
        # 历史遗留: imported from legacy ledgers before go-live and still open (never 超期)
        "history_open": count(
            Visit,
            *scope(Visit),
            Visit.imported_history,
            Visit.status.in_(sorted(VISIT.open_statuses)),
        ),
    }

    d_in = [*scope(Dispute), *period.where(Dispute.registered_on)]
    out_in = [*scope(Dispute), *period.where(Dispute.outcome_on)]
    succeeded = count(Dispute, *out_in, Dispute.outcome == "succeeded")
    failed = count(Dispute, *out_in, Dispute.outcome == "failed")
    mediated = succeeded + failed
    follow_in = [*scope(Dispute), *period.where(Dispute.followed_up_on)]
    disputes = {
        "total": count(Dispute, *d_in),
        "accepted": count(Dispute, *d_in),
        "by_status": {
            DISPUTE.status_label(k): n for k, n in grouped(Dispute.status, *d_in).items()
        },
        "by_category": {
            codes.label("dispute_category", k): n
            for k, n in grouped(Dispute.category, *d_in).items()
        },
        "by_source": {
            codes.label("case_source", k): n for k, n in grouped(Dispute.source, *d_in).items()
        },
        "mediated": mediated,
        "succeeded": succeeded,
        "failed": failed,
        "terminated": count(Dispute, *out_in, Dispute.outcome == "terminated"),
        "success_rate": round(succeeded / mediated, 4) if mediated else None,
        "agreement_amount_yuan": total(Dispute.amount_fen, *out_in, Dispute.outcome == "succeeded")
        / 100,
        "written_agreements": count(
            Dispute, *out_in, Dispute.outcome == "succeeded", Dispute.agreement_type == "written"
        ),
        "oral_agreements": count(
            Dispute, *out_in, Dispute.outcome == "succeeded", Dispute.agreement_type == "oral"
        ),
        "performed": count(Dispute, *follow_in, Dispute.performance_status == "performed"),
        "judicially_confirmed": count(Dispute, *follow_in, Dispute.judicial_confirmed),
        "transferred": count(
            Dispute,
            *scope(Dispute),
            *period.where(Dispute.transferred_on),
            Dispute.transferred_on.is_not(None),
        ),
        "overdue": count(Dispute, *scope(Dispute), Dispute.due_on < ref),
        "history_open": count(
            Dispute,
            *scope(Dispute),
            Dispute.imported_history,
            Dispute.status.in_(sorted(DISPUTE.open_statuses)),
        ),
        "prevented_criminal": count(Dispute, *d_in, Dispute.prevented_criminal),
        "prevented_criminal_persons": total(
            Dispute.involved_count, *d_in, Dispute.prevented_criminal
        ),
        "prevented_group_petition": count(Dispute, *d_in, Dispute.prevented_group_petition),
        "prevented_group_persons": total(
            Dispute.involved_count, *d_in, Dispute.prevented_group_petition
        ),
    }
    sc_in = [*scope(Screening), *period.where(Screening.held_on)]
    screenings = {
        "count": count(Screening, *sc_in),
        "found": total(Screening.found_count, *sc_in),
        "resolved": total(Screening.resolved_count, *sc_in),
    }
    station = s.get(Station, origin) if origin else ctx.station
    name = station.name if station is not None else origin or ""
    nothing = (
        visits["total"] == 0
        and disputes["total"] == 0
        and mediated == 0
        and screenings["count"] == 0
    )
    return {
        "station": {"code": origin or ctx.station.code, "name": name},
        "scope": "station" if origin else "all",
        "period": period.label,
        "month": period.key,
        "as_of": ref.isoformat(),
        "zero_report": nothing,
        "screenings": screenings,
        "visits": visits,
        "disputes": disputes,
    }


# Indicators shown in comparison tables and exports: (key path, Chinese label)
HEADLINE: list[tuple[str, str]] = [
    ("screenings.count", "排查次数"),
    ("screenings.found", "排查发现纠纷"),
    ("disputes.accepted", "受理纠纷"),
    ("disputes.mediated", "调解"),
    ("disputes.succeeded", "调解成功"),
    ("disputes.success_rate", "成功率"),
    ("disputes.agreement_amount_yuan", "协议金额（元）"),
    ("disputes.performed", "履行"),
    ("disputes.prevented_criminal", "防止民转刑（件）"),
    ("disputes.prevented_group_petition", "防止群体性上访（件）"),
    ("visits.total", "来信来访"),
    ("visits.group", "集体访"),
    ("visits.repeat", "重复访"),
    ("visits.skip_level", "越级访"),
    ("disputes.overdue", "超期纠纷"),
    ("visits.overdue", "超期信访"),
]


def pick(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def format_value(path: str, value: Any) -> str:
    if value is None:
        return "—"
    if path.endswith("success_rate"):
        return f"{float(value) * 100:.1f}%"
    if path.endswith("_yuan"):
        return format_yuan(value, unit=False)
    return str(value)
