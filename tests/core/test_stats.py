"""Statistics recomputed by hand from the records."""

from __future__ import annotations

from datetime import date

from app.services.disputes import DisputeAction, advance_dispute, register_dispute
from app.services.stats import Period, compute
from app.services.visits import register_visit

from .conftest import dispute_input, visit_input


def test_counts_rates_and_overdue(ctx) -> None:
    for _ in range(2):
        register_visit(ctx, visit_input())
    register_visit(ctx, visit_input(headcount=8, channel="电话"))
    ds = [register_dispute(ctx, dispute_input(registered_on="2026-03-02")).record for _ in range(5)]
    for d in ds[:4]:
        advance_dispute(ctx, d.id, "start")
    for d in ds[:3]:
        advance_dispute(
            ctx, d.id, "succeed", DisputeAction(agreement_type="口头", terms="和解", amount="1000")
        )
    advance_dispute(ctx, ds[3].id, "fail", DisputeAction(note="分歧大"))
    data = compute(ctx, "2026-03")
    v, d = data["visits"], data["disputes"]
    assert v["total"] == 3 and v["group"] == 1 and v["group_persons"] == 8
    assert v["by_channel"] == {"来访": 2, "电话": 1}
    assert d["total"] == 5 and d["mediated"] == 4 and d["succeeded"] == 3 and d["failed"] == 1
    assert d["success_rate"] == 0.75
    assert d["agreement_amount_yuan"] == 3000.0
    assert d["by_status"] == {"调解成功": 3, "调解不成": 1, "受理登记": 1}
    assert d["by_category"] == {"邻里": 5}
    assert d["overdue"] == 0
    ctx.clock.advance(days=40)  # 2026-04-25: the open dispute (due 04-02) and follow-ups are late
    later = compute(ctx)["disputes"]
    assert later["overdue"] == 4  # 1 open + 3 awaiting follow-up (due 30 days after agreement)
    assert compute(ctx, "2026-02")["zero_report"] is True


def test_period_parsing() -> None:
    p = Period.month("2026-02")
    assert (p.start, p.end, p.label) == (date(2026, 2, 1), date(2026, 2, 28), "2026年2月")
