"""Ledger statistics (the basic set; the monthly report builds on it).

Conventions (DESIGN §10): a visit counts in the month it was received, a dispute in the month
it was registered (受理); "mediated" and "succeeded" count by the month of the outcome;
success rate = succeeded ÷ mediated (mediated = succeeded + failed).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, select

from app.models import Dispute, Visit
from app.rules.errors import ValidationError
from app.rules.workflow import DISPUTE, VISIT

from .codes import CodeBook
from .context import Ctx


@dataclass(frozen=True)
class Period:
    start: date | None
    end: date | None  # inclusive
    label: str

    @classmethod
    def month(cls, text: str) -> Period:
        m = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValidationError.single("month", "月份", f"“{text}”格式不正确", "请写成 2025-03")
        y, mo = int(m.group(1)), int(m.group(2))
        last = calendar.monthrange(y, mo)[1]
        return cls(date(y, mo, 1), date(y, mo, last), f"{y}年{mo}月")

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


def _grouped(ctx: Ctx, column: Any, *conds: Any) -> dict[str, int]:
    rows = ctx.session.execute(select(column, func.count()).where(*conds).group_by(column)).all()
    return {str(k): int(n) for k, n in rows}


def compute(ctx: Ctx, month: str | None = None) -> dict[str, Any]:
    period = Period.month(month) if month else Period.all()
    codes = CodeBook(ctx.session)
    today = ctx.today()
    v_live = Visit.deleted_at.is_(None)
    d_live = Dispute.deleted_at.is_(None)
    v_in = [v_live, *period.where(Visit.received_on)]
    d_in = [d_live, *period.where(Dispute.registered_on)]
    s = ctx.session

    def count(model: Any, *conds: Any) -> int:
        return int(s.scalar(select(func.count()).select_from(model).where(*conds)) or 0)

    v_status = _grouped(ctx, Visit.status, *v_in)
    visits = {
        "total": count(Visit, *v_in),
        "by_status": {VISIT.status_label(k): n for k, n in v_status.items()},
        "by_channel": {
            codes.label("visit_channel", k): n
            for k, n in _grouped(ctx, Visit.channel, *v_in).items()
        },
        "by_category": {
            codes.label("visit_category", k): n
            for k, n in _grouped(ctx, Visit.category, *v_in).items()
        },
        "group": count(Visit, *v_in, Visit.is_group),
        "group_persons": int(
            s.scalar(
                select(func.coalesce(func.sum(Visit.headcount), 0)).where(*v_in, Visit.is_group)
            )
            or 0
        ),
        "repeat": count(Visit, *v_in, Visit.is_repeat),
        "skip_level": count(Visit, *v_in, Visit.is_skip_level),
        "overdue": count(Visit, v_live, Visit.due_on < today),
    }
    outcome_in = [d_live, *period.where(Dispute.outcome_on)]
    succeeded = count(Dispute, *outcome_in, Dispute.outcome == "succeeded")
    failed = count(Dispute, *outcome_in, Dispute.outcome == "failed")
    mediated = succeeded + failed
    amount_fen = int(
        s.scalar(
            select(func.coalesce(func.sum(Dispute.amount_fen), 0)).where(
                *outcome_in, Dispute.outcome == "succeeded"
            )
        )
        or 0
    )
    d_status = _grouped(ctx, Dispute.status, *d_in)
    disputes = {
        "total": count(Dispute, *d_in),
        "by_status": {DISPUTE.status_label(k): n for k, n in d_status.items()},
        "by_category": {
            codes.label("dispute_category", k): n
            for k, n in _grouped(ctx, Dispute.category, *d_in).items()
        },
        "by_source": {
            codes.label("case_source", k): n
            for k, n in _grouped(ctx, Dispute.source, *d_in).items()
        },
        "mediated": mediated,
        "succeeded": succeeded,
        "failed": failed,
        "success_rate": round(succeeded / mediated, 4) if mediated else None,
        "agreement_amount_yuan": amount_fen / 100,
        "overdue": count(Dispute, d_live, Dispute.due_on < today),
        "prevented_criminal": count(Dispute, *d_in, Dispute.prevented_criminal),
        "prevented_group_petition": count(Dispute, *d_in, Dispute.prevented_group_petition),
    }
    return {
        "station": {"code": ctx.station.code, "name": ctx.station.name},
        "period": period.label,
        "as_of": today.isoformat(),
        "zero_report": visits["total"] == 0 and disputes["total"] == 0 and mediated == 0,
        "visits": visits,
        "disputes": disputes,
    }
