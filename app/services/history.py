"""History is history: records imported from legacy ledgers before the station went live (issue 14).

A station brings in years of Excel ledgers on its first day. A dispute closed in 2024 whose 回访
was never entered in this program must not show “超期669天” today; an open 2024 case is still
open, but it is a 历史遗留 matter, counted apart, not a deadline this station missed.

- The go-live date (启用日期) is the setting ``go_live_on``; by default the day this ledger was
  initialised (``local_state.created_at``).
- The import marks a visit or dispute dated before it ``imported_history``.
- For such a record, a deadline that fell before go-live is not kept (``due_on`` stays empty), so
  the dashboard, the overdue lists, the statistics' overdue counts and the 督办 suggestions — all
  of which judge ``due_on`` — do not count it. A deadline that falls after go-live (the clerk
  extended the case, a new step today) is kept like any other.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.models import Dispute, LocalState, Visit
from app.rules.dates import local_date
from app.rules.errors import ValidationError
from app.rules.legacy_values import read_performance, read_satisfaction

from .context import Ctx
from .settings import get_value, set_value

GO_LIVE_KEY = "go_live_on"


def go_live_on(ctx: Ctx) -> date:
    """The station's go-live date (启用日期): the setting, else the day the ledger was set up."""
    cached = ctx.cache.get(GO_LIVE_KEY)
    if isinstance(cached, date):
        return cached
    raw = get_value(ctx.session, GO_LIVE_KEY)
    day: date | None = None
    if isinstance(raw, str):
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            day = None
    if day is None:
        state = ctx.session.get(LocalState, 1)
        day = local_date(state.created_at) if state is not None else ctx.today()
    ctx.cache[GO_LIVE_KEY] = day
    return day


def set_go_live_on(ctx: Ctx, day: date) -> None:
    """Set 启用日期 (station admins): records imported with an earlier date are history."""
    ctx.require("settings.manage")
    if day > ctx.today():
        raise ValidationError.single(
            GO_LIVE_KEY, "启用日期", "晚于今天", "启用日期是本站开始用本程序登记的日期"
        )
    with ctx.write() as s:
        set_value(s, GO_LIVE_KEY, day.isoformat())
    ctx.cache.pop(GO_LIVE_KEY, None)


def is_history(ctx: Ctx, day: date) -> bool:
    """A legacy row dated ``day`` is imported history (before go-live)."""
    return day < go_live_on(ctx)


def clear_past_due(ctx: Ctx, record: Any) -> None:
    """An imported-history record keeps no deadline that fell before go-live."""
    due = record.due_on
    if getattr(record, "imported_history", False) and due is not None and due < go_live_on(ctx):
        record.due_on = None


def close_follow_up(ctx: Ctx, record: Dispute | Visit, text: str, day: date) -> None:
    """A legacy 回访情况 closes the 回访: through the workflow when the note says the 履行情况 /
    满意度 plainly, else recorded as written (the code left empty, never guessed)."""
    from .cases import log_event
    from .disputes import DisputeAction, advance_dispute
    from .visits import VisitAction, advance_visit

    note = f"原台账回访情况：{text}"
    if isinstance(record, Dispute):
        perf = read_performance(text)
        if perf is not None:
            advance_dispute(
                ctx,
                record.id,
                "follow_up",
                DisputeAction(on=day, note=note, performance_status=perf),
            )
            return
    else:
        sat = read_satisfaction(text)
        if sat is not None:
            advance_visit(
                ctx, record.id, "follow_up", VisitAction(on=day, note=note, satisfaction=sat)
            )
            return
    old = record.status
    with ctx.write():
        record.status = "followed_up"
        record.followed_up_on = day
        record.follow_up_note = text
        record.due_on = None
        what = "履行情况" if isinstance(record, Dispute) else "满意度"
        log_event(
            ctx,
            record,
            "followed_up",
            action="follow_up",
            from_status=old,
            to_status="followed_up",
            note=f"{note}（原台账未写明{what}，未登记）",
        )
