"""Village side of statistics: screenings, the full indicator set recomputed by hand, monthly
report submissions with explicit zero reports."""

from __future__ import annotations

import json

import pytest

from app.rules.errors import PermissionDenied, ValidationError
from app.services.disputes import DisputeAction, advance_dispute, register_dispute
from app.services.reporting import (
    ScreeningInput,
    compare,
    list_screenings,
    record_screening,
    report_figures,
    submit_monthly_report,
)
from app.services.stats import compute
from app.services.visits import register_visit
from tests.core.conftest import dispute_input, visit_input
from tests.ledger_helpers import ledger_snapshot


def test_screening_validation_writes_nothing(ctx, village_db) -> None:
    before = ledger_snapshot(village_db)
    with pytest.raises(ValidationError) as err:
        record_screening(
            ctx, ScreeningInput(held_on="2026-02-30", scope="", found_count="x", kind="年度")
        )
    assert {"held_on", "scope", "found_count", "kind"} <= set(err.value.fields())
    with pytest.raises(ValidationError, match="多于发现纠纷数"):
        record_screening(ctx, ScreeningInput(scope="全村", found_count=1, resolved_count=2))
    assert ledger_snapshot(village_db) == before


def test_indicators_recomputed_by_hand(ctx) -> None:
    record_screening(
        ctx,
        ScreeningInput(held_on="2026-03-05", scope="全村八个组", found_count=3, resolved_count=1),
    )
    record_screening(
        ctx, ScreeningInput(held_on="2026-03-12", kind="专项排查", scope="山林边界", found_count=2)
    )
    record_screening(
        ctx, ScreeningInput(held_on="2026-02-20", scope="全村", found_count=9)
    )  # other month
    a = register_dispute(
        ctx, dispute_input(registered_on="2026-03-02", prevented_criminal=True)
    ).record
    b = register_dispute(
        ctx,
        dispute_input(
            registered_on="2026-03-03",
            source="公安机关移交",
            prevented_group_petition=True,
            involved_count=7,
        ),
    ).record
    c = register_dispute(ctx, dispute_input(registered_on="2026-03-04", category="婚姻家庭")).record
    for d in (a, b, c):
        advance_dispute(ctx, d.id, "start")
    advance_dispute(
        ctx,
        a.id,
        "succeed",
        DisputeAction(
            agreement_type="书面", terms="赔偿", performance_manner="现金", amount="5000"
        ),
    )
    advance_dispute(ctx, b.id, "succeed", DisputeAction(agreement_type="口头", terms="道歉"))
    advance_dispute(ctx, c.id, "fail", DisputeAction(note="分歧大"))
    advance_dispute(
        ctx, a.id, "follow_up", DisputeAction(note="已履行", performance_status="已履行")
    )
    register_visit(ctx, visit_input(channel="电话"))
    register_visit(ctx, visit_input(headcount=6, is_skip_level=True))
    fig = compute(ctx, "2026-03")
    sc, d, v = fig["screenings"], fig["disputes"], fig["visits"]
    assert sc == {"count": 2, "found": 5, "resolved": 1}
    assert d["accepted"] == 3 and d["mediated"] == 3 and d["succeeded"] == 2 and d["failed"] == 1
    assert d["success_rate"] == round(2 / 3, 4)
    assert d["agreement_amount_yuan"] == 5000 + 3000  # b keeps its registered 3000
    assert d["written_agreements"] == 1 and d["oral_agreements"] == 1
    assert d["performed"] == 1
    assert d["by_source"] == {"当事人申请": 2, "公安机关移交": 1}
    assert d["by_category"] == {"邻里": 2, "婚姻家庭": 1}
    assert d["prevented_criminal"] == 1 and d["prevented_criminal_persons"] == 2
    assert d["prevented_group_petition"] == 1 and d["prevented_group_persons"] == 7
    assert v["total"] == 2 and v["by_channel"] == {"来访": 1, "电话": 1}
    assert v["group"] == 1 and v["group_persons"] == 6 and v["skip_level"] == 1
    assert [s.held_on.isoformat() for s in list_screenings(ctx, "2026-03")] == [
        "2026-03-12",
        "2026-03-05",
    ]


def test_zero_report_must_be_confirmed_and_is_a_submission(ctx) -> None:
    with pytest.raises(ValidationError, match="零报告"):
        submit_monthly_report(ctx, "2026-02")
    saved = submit_monthly_report(ctx, "2026-02", confirm_zero=True)
    assert saved.record.is_zero and saved.record.version == 1
    assert report_figures(saved.record)["zero_report"] is True
    assert saved.record.origin == "110105001001" and saved.record.rev > 0


def test_resubmission_updates_figures(ctx) -> None:
    register_dispute(ctx, dispute_input())
    first = submit_monthly_report(ctx, "2026-03").record
    assert json.loads(first.figures)["disputes"]["total"] == 1
    register_dispute(ctx, dispute_input())
    again = submit_monthly_report(ctx, "2026-03", note="补报一件")
    assert again.record.id == first.id and again.record.version == 2
    assert report_figures(again.record)["disputes"]["total"] == 2
    assert "第2版" in again.warnings[0]
    with pytest.raises(ValidationError, match="尚未开始"):
        submit_monthly_report(ctx, "2026-05")


def test_comparison_is_for_townships(ctx) -> None:
    with pytest.raises(PermissionDenied):
        compare(ctx, "2026-03")
