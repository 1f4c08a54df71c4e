"""Every form renders from real ledger records; text read back from the PDF shows the fields
in order; fonts are embedded subsets; every drawn character has a glyph; identical input
gives identical bytes; pages are rendered to PNG (test-artifacts/print/) for looking at."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import MediationSession
from app.print import FORMS, forms_for, render
from app.rules.errors import AppError, NotFoundError, WorkflowError
from app.services.context import Ctx

from .conftest import (
    a_dispute,
    a_visit,
    assert_all_glyphs_present,
    assert_in_order,
    page_count,
    pdf_text,
    pdffonts,
    render_png,
)


def refs(ctx: Ctx) -> dict[str, str]:
    """A demo record each record form can print."""
    written = a_dispute(ctx, outcome="succeeded", agreement_type="written")
    oral = a_dispute(ctx, outcome="succeeded", agreement_type="oral")
    transferred = a_dispute(ctx, transferred=True)
    transfer_visit = a_visit(ctx, methods=("transfer", "assign"))
    return {
        "application": written.case_code,
        "acceptance": written.case_code,
        "rights_notice": written.case_code,
        "investigation": written.case_code,
        "mediation_record": written.case_code,
        "agreement": written.case_code,
        "oral_agreement": oral.case_code,
        "follow_up": written.case_code,
        "closing_report": written.case_code,
        "dossier": written.case_code,
        "transfer_slip": transferred.case_code,
        "receipt": transfer_visit.case_code,
        "visit_register": transfer_visit.case_code,
        "transfer_notice": transfer_visit.case_code,
        "visit_ledger": "2025-09-01~2026-03-16",
        "dispute_ledger": "2026-01",
        "month_report": "2026-02",
    }


def test_registry_lists_every_form_of_the_design() -> None:
    titles = {s.title for s in FORMS.values()}
    for t in (
        "人民调解申请书",
        "人民调解受理登记表",
        "人民调解当事人权利义务告知书",
        "调查记录",
        "人民调解记录",
        "人民调解协议书",
        "人民调解口头协议登记表",
        "人民调解回访记录",
        "人民调解结案报告表",
        "卷宗封面及卷内目录",
        "来信来访登记表",
        "转办/交办通知",
        "交办/督办通知书",
        "矛盾纠纷移送单",
        "来信来访登记台账",
        "矛盾纠纷排查调处情况登记表",
        "月通报",
        "回执",
    ):
        assert t in titles
    kinds = {
        k: [s.key for s in forms_for(k)]
        for k in (
            "visit",
            "dispute",
            "mediation_session",
            "supervision",
            "register",
            "register_record",
            "month",
        )
    }
    assert "agreement" in kinds["dispute"] and "receipt" in kinds["dispute"]
    assert "receipt" in kinds["visit"] and "transfer_notice" in kinds["visit"]
    assert kinds["mediation_session"] == ["investigation", "mediation_record"]
    assert kinds["supervision"] == ["supervision_notice"]
    assert kinds["register"] == ["visit_ledger", "dispute_ledger"]
    assert kinds["month"] == ["month_report"]
    assert kinds["register_record"] == ["bulletin"]


def test_forms_for_a_record_offers_only_what_applies(demo_ctx: Ctx) -> None:
    oral = a_dispute(demo_ctx, outcome="succeeded", agreement_type="oral")
    keys = [s.key for s in forms_for("dispute", oral)]
    assert "oral_agreement" in keys and "agreement" not in keys
    open_one = a_dispute(demo_ctx, status="registered")
    keys = [s.key for s in forms_for("dispute", open_one)]
    assert "agreement" not in keys and "closing_report" not in keys and "application" in keys


def test_every_form_renders_embeds_subset_fonts_and_has_every_glyph(
    demo_ctx: Ctx, tmp_path: Path
) -> None:
    """…and is rendered to PNG in test-artifacts/print/ for a person to look at."""
    for key, ref in refs(demo_ctx).items():
        pdf = render(key, demo_ctx, ref)
        assert pdf.startswith(b"%PDF") and page_count(pdf) >= 1, key
        for font in pdffonts(pdf, tmp_path):
            assert font["type"] == "TrueType", (key, font)
            assert font["emb"] == "yes" and font["sub"] == "yes" and font["uni"] == "yes", (
                key,
                font,
            )
            assert "+" in font["name"], (key, font)
        assert assert_all_glyphs_present(pdf) > 50, key
        pngs = render_png(pdf, key)
        assert pngs and all(p.stat().st_size > 2000 for p in pngs), key


def test_identical_input_gives_identical_bytes(demo_ctx: Ctx) -> None:
    r = refs(demo_ctx)
    for key in ("agreement", "acceptance", "visit_ledger", "month_report"):
        assert render(key, demo_ctx, r[key]) == render(key, demo_ctx, r[key]), key


def test_acceptance_register_fields_in_order(demo_ctx: Ctx) -> None:
    d = a_dispute(demo_ctx, outcome="succeeded", agreement_type="written")
    text = pdf_text(render("acceptance", demo_ctx, d.case_code))
    names = [p.person.name for p in sorted(d.parties, key=lambda p: p.seq)]
    assert_in_order(
        text,
        "人民调解受理登记表",
        d.mediation_no,
        f"{d.registered_on.year}年{d.registered_on.month}月{d.registered_on.day}日",
        "身份",
        "姓名",
        names[0],
        names[1],
        "纠纷类型",
        "案件来源",
        "纠纷简要情况",
        d.summary[:12],
        "人民调解员",
        d.mediator_name,
        "登记人",
    )


def test_application_lists_applicant_then_respondent(demo_ctx: Ctx) -> None:
    d = a_dispute(demo_ctx, outcome="succeeded", agreement_type="written")
    parties = sorted(d.parties, key=lambda p: p.seq)
    text = pdf_text(render("application", demo_ctx, d.id))  # by record id as well as by code
    assert_in_order(
        text,
        "人民调解申请书",
        "申请人",
        parties[0].person.name,
        "被申请人",
        parties[1].person.name,
        "纠纷简要情况",
        "申请事项",
        "现自愿申请人民调解",
    )


def test_session_records_print_each_session(demo_ctx: Ctx) -> None:
    d = a_dispute(demo_ctx, outcome="succeeded", agreement_type="written")
    sessions = demo_ctx.session.scalars(
        select(MediationSession).where(MediationSession.dispute_id == d.id)
    ).all()
    inv = next(s for s in sessions if s.kind == "investigation")
    med = next(s for s in sessions if s.kind == "mediation")
    text = pdf_text(render("investigation", demo_ctx, inv.id))
    assert_in_order(
        text,
        "调查记录",
        "时间",
        "地点",
        inv.place,
        "调查人",
        "调查内容",
        inv.content[:10],
        "被调查人（签名）",
    )
    text = pdf_text(render("mediation_record", demo_ctx, med.id))
    assert_in_order(
        text,
        "人民调解记录",
        "当事人",
        "人民调解员",
        "调解情况",
        med.content[:10],
        "调解结果",
        "记录人（签名）",
    )
    with pytest.raises(NotFoundError, match="调查记录"):
        render("mediation_record", demo_ctx, inv.id)


def test_dossier_cover_and_contents(demo_ctx: Ctx) -> None:
    d = a_dispute(demo_ctx, outcome="succeeded", agreement_type="written")
    pages = page_count(pdf := render("dossier", demo_ctx, d.case_code))
    assert pages == 2
    text = pdf_text(pdf)
    assert_in_order(
        text,
        "人民调解委员会",
        "人民调解卷宗",
        "卷名",
        d.title,
        "卷号",
        f"人调字第{d.mediation_seq}号",
        "卷内目录",
        "人民调解申请书或人民调解受理登记表",
        "人民调解协议书",
        "封底",
    )


def test_closing_report_and_follow_up(demo_ctx: Ctx) -> None:
    d = a_dispute(demo_ctx, status="archived", outcome="succeeded", agreement_type="written")
    text = pdf_text(render("closing_report", demo_ctx, d.case_code))
    assert_in_order(
        text,
        "人民调解结案报告表",
        "卷号",
        "填表时间",
        "承办单位",
        "受案时间",
        "结案时间",
        "案件来源",
        "纠纷简要事实",
        "调解结果",
        "调解成功",
        "协议履行情况",
    )
    text = pdf_text(render("follow_up", demo_ctx, d.case_code))
    assert_in_order(
        text,
        "人民调解回访记录",
        "调解协议编号",
        d.mediation_no,
        "回访事由",
        d.title,
        "履行情况",
        "回访情况",
        d.follow_up_note[:8],
    )


def test_transfer_slip_and_visit_forms(demo_ctx: Ctx) -> None:
    d = a_dispute(demo_ctx, transferred=True)
    text = pdf_text(render("transfer_slip", demo_ctx, d.case_code))
    assert_in_order(
        text, "矛盾纠纷移送单", d.transferred_to, "纠纷名称", d.title, "移送理由", "移送回执"
    )
    v = a_visit(demo_ctx, methods=("transfer",))
    text = pdf_text(render("transfer_notice", demo_ctx, v.case_code))
    assert_in_order(
        text,
        "群众来信来访件转办通知",
        v.handler_unit,
        v.subject,
        "诉求",
        "办理期限",
        "办理结果回执",
    )
    text = pdf_text(render("visit_register", demo_ctx, v.case_code))
    assert_in_order(
        text,
        "来信来访登记表",
        v.case_code,
        "信访形式",
        "信访人",
        "事由",
        v.subject,
        "诉求",
        "办理情况",
        "转办",
    )


def test_receipt_gives_the_case_code_and_the_answer_dates(demo_ctx: Ctx) -> None:
    v = a_visit(demo_ctx, status="registered")
    text = pdf_text(render("receipt", demo_ctx, v.case_code))
    due = v.accept_due
    assert due is not None
    assert_in_order(
        text,
        "来信来访登记回执（存根）",
        v.case_code,
        "来信来访登记回执",
        v.case_code,
        f"{due.year}年{due.month}月{due.day}日前书面告知您是否受理",
        "自受理之日起60日内办结",
        "延长期限不得超过30日",
        "30日内请求上一级机关、单位复查",
        "凭案件编码",
    )
    d = a_dispute(demo_ctx, status="triaged")
    text = pdf_text(render("receipt", demo_ctx, d.case_code))
    due = d.mediation_due
    assert due is not None
    assert_in_order(
        text,
        "人民调解受理回执",
        d.case_code,
        d.mediation_no,
        f"即{due.year}年{due.month}月{due.day}日前",
        "不收取任何费用",
    )


def test_errors_name_the_problem_in_chinese(demo_ctx: Ctx) -> None:
    oral = a_dispute(demo_ctx, outcome="succeeded", agreement_type="oral")
    with pytest.raises(WorkflowError, match="人民调解口头协议登记表"):
        render("agreement", demo_ctx, oral.case_code)
    written = a_dispute(demo_ctx, outcome="succeeded", agreement_type="written")
    with pytest.raises(WorkflowError, match="人民调解协议书"):
        render("oral_agreement", demo_ctx, written.case_code)
    open_one = a_dispute(demo_ctx, status="registered")
    with pytest.raises(WorkflowError, match="尚未调解成功"):
        render("agreement", demo_ctx, open_one.case_code)
    with pytest.raises(WorkflowError, match="尚未结案"):
        render("closing_report", demo_ctx, open_one.case_code)
    v = a_visit(demo_ctx, status="registered")
    with pytest.raises(NotFoundError, match="来信来访件"):
        render("agreement", demo_ctx, v.case_code)
    with pytest.raises(NotFoundError, match="矛盾纠纷案件"):
        render("visit_register", demo_ctx, written.case_code)
    with pytest.raises(WorkflowError, match="转办或交办"):
        render("transfer_notice", demo_ctx, v.case_code)
    with pytest.raises(NotFoundError, match="找不到"):
        render("agreement", demo_ctx, "110105001001-2026-J-99999")
    with pytest.raises(NotFoundError, match="没有名为"):
        render("no_such_form", demo_ctx, written.case_code)
    with pytest.raises(AppError, match="期间"):
        render("visit_ledger", demo_ctx, "")


def test_restricted_and_voided_records_do_not_print(ctx: Ctx, village_db, clock) -> None:
    from app.services.context import open_ctx
    from app.services.operators import OperatorInput, create_operator
    from app.services.persons import PersonInput
    from app.services.visits import VisitInput, register_visit, void_visit

    create_operator(ctx, OperatorInput("clerk1", "赵琳", "clerk", "clerk-pass-123"))
    secret = register_visit(
        ctx,
        VisitInput(
            category="村务管理",
            request="反映村干部问题",
            petitioners=[PersonInput(name="张建国", phone="13800138000")],
            is_confidential=True,
        ),
    ).record
    assert_in_order(
        pdf_text(render("visit_register", ctx, secret.case_code)), "保密", "来信来访登记表"
    )
    clerk = open_ctx(village_db, "clerk1", clock=clock)
    try:
        with pytest.raises(NotFoundError, match="无权查看"):
            render("visit_register", clerk, secret.case_code)
        with pytest.raises(NotFoundError):
            render("receipt", clerk, secret.case_code)
        ledger = pdf_text(render("visit_ledger", clerk, "2026-03"))
        assert secret.case_code in ledger and "保密件" in ledger and "张建国" not in ledger
    finally:
        clerk.close()
    void_visit(ctx, secret.id, "重复登记")
    with pytest.raises(NotFoundError, match="作废"):
        render("visit_register", ctx, secret.case_code)
