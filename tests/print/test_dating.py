"""A document is dated on the day of the act it records and states nothing that happened after
that day; a reprint (later, after further steps) is the same document; the wording follows the
record (申请 vs 依职权主动调解; no 已归档 on a receipt). Records are built through the services."""

from __future__ import annotations

from app.print.registry import render
from app.services.context import Ctx, open_ctx
from app.services.disputes import DisputeAction, advance_dispute, register_dispute
from app.services.operators import OperatorInput, create_operator
from app.services.visits import VisitAction, advance_visit, register_visit
from tests.builders import dispute_input, visit_input
from tests.conftest import FakeClock

from .conftest import assert_in_order, mediated_dispute, pdf_text


def test_visit_receipt_states_only_the_registration_whatever_happens_later(
    ctx: Ctx, clock: FakeClock
) -> None:
    """The issue's case: a receipt dated 6月17日 said accepted on 6月22日; one dated 12月5日
    reported a rejection of 12月7日."""
    v = register_visit(ctx, visit_input(received_at="2026-03-02 09:00")).record
    first = pdf_text(render("receipt", ctx, v.case_code))
    advance_visit(ctx, v.id, "review", VisitAction(note="同意", on="2026-03-04"))
    advance_visit(ctx, v.id, "accept", VisitAction(note="受理", on="2026-03-07"))
    clock.advance(days=3)
    advance_visit(ctx, v.id, "handle", VisitAction(note="办理", on="2026-03-18"))
    again = pdf_text(render("receipt", ctx, v.case_code))
    assert again == first  # a reprint is the same document
    create_operator(ctx, OperatorInput("clerk2", "录入员乙", "clerk", "clerk123"))
    other = open_ctx(ctx.db, "clerk2", clock=clock)
    try:  # … whoever prints it: 经办人 is the registrar
        assert pdf_text(render("receipt", other, v.case_code)) == first
    finally:
        other.close()
    assert_in_order(first, "来信来访登记回执", "2026年3月17日前书面告知您是否受理", "2026年3月2日")
    for later in ("3月7日", "3月18日", "已受理", "办理中", "不予受理"):
        assert later not in first

    r = register_visit(
        ctx, visit_input(received_at="2026-03-05 10:00", subject="反映道路破损")
    ).record
    before = pdf_text(render("receipt", ctx, r.case_code))
    advance_visit(ctx, r.id, "review", VisitAction(note="审核", on="2026-03-06"))
    advance_visit(
        ctx, r.id, "reject", VisitAction(note="属诉讼事项", unit="县人民法院", on="2026-03-07")
    )
    advance_visit(ctx, r.id, "archive", VisitAction(on="2026-03-08"))
    after = pdf_text(render("receipt", ctx, r.case_code))
    assert after == before
    assert "不予受理" not in after and "已归档" not in after and "3月7日" not in after


def test_committee_started_case_does_not_say_the_parties_applied(ctx: Ctx) -> None:
    d = register_dispute(ctx, dispute_input(source="committee_initiative")).record
    receipt = pdf_text(render("receipt", ctx, d.case_code))
    assert "申请调解" not in receipt
    assert f"本委员会依职权主动调解的{d.title}" in receipt
    acceptance = pdf_text(render("acceptance", ctx, d.case_code))
    assert "2026年3月16日，本人民调解委员会依职权主动调解张三与李四之间的邻里纠纷。" in acceptance
    assert "主动，调解" not in acceptance

    applied = register_dispute(ctx, dispute_input()).record
    assert f"你（们）申请调解的{applied.title}" in pdf_text(
        render("receipt", ctx, applied.case_code)
    )
    assert "本人民调解委员会经当事人同意，调解张三与李四之间的邻里纠纷。" in pdf_text(
        render("acceptance", ctx, applied.case_code)
    )


def test_dispute_receipt_keeps_its_acceptance_day_and_period(ctx: Ctx, clock: FakeClock) -> None:
    d = mediated_dispute(ctx)
    first = pdf_text(render("receipt", ctx, d.case_code))
    assert_in_order(first, "本委员会已于2026年3月2日受理", "即2026年4月2日前", "2026年3月2日")
    clock.advance(days=30)
    advance_dispute(
        ctx,
        d.id,
        "follow_up",
        DisputeAction(on="2026-04-10", performance_status="performed", note="已按协议履行"),
    )
    advance_dispute(ctx, d.id, "archive", DisputeAction(on="2026-04-12"))
    again = pdf_text(render("receipt", ctx, d.case_code))
    assert again == first
    assert "已归档" not in again and "调解成功" not in again


def test_closing_report_dated_on_closing_not_on_the_print_day(ctx: Ctx, clock: FakeClock) -> None:
    d = mediated_dispute(ctx)
    first = pdf_text(render("closing_report", ctx, d.case_code))
    clock.advance(days=20)
    assert pdf_text(render("closing_report", ctx, d.case_code)) == first
    assert "2026年3月10日" in first and "2026年3月16日" not in first


def test_visit_register_says_what_was_decided_even_after_archiving(ctx: Ctx) -> None:
    v = register_visit(ctx, visit_input(received_at="2026-03-02 09:00")).record
    advance_visit(ctx, v.id, "review", VisitAction(note="审核", on="2026-03-03"))
    advance_visit(
        ctx, v.id, "reject", VisitAction(note="属诉讼事项", unit="县人民法院", on="2026-03-04")
    )
    advance_visit(ctx, v.id, "archive", VisitAction(on="2026-03-05"))
    text = pdf_text(render("visit_register", ctx, v.case_code))
    assert "2026年3月4日不予受理。属诉讼事项（告知向县人民法院提出）" in text
    assert "2026年3月4日受理" not in text
