"""Petition notices under the 信访工作条例 (2022): each printed from a record built through the
services, dated on the day of its act, stating the periods computed from the record with their
article, and refused (nothing written) when the record lacks a fact it must state.

The regulation's sentences the notices carry are quoted from official pages (see
:mod:`app.rules.petition` for the addresses):

* 第二十三条第一款 (福田区信访局): “对不属于本机关、单位或者本系统职权范围的，应当告知信访人向有权
  处理的机关、单位提出” / “转送、交办有权处理的机关、单位，并告知信访人转送、交办去向”;
* 第三十四条 (攀枝花市信访局): “信访事项应当自受理之日起60日内办结” … “经本级行政机关负责人批准，
  可以适当延长办理期限，但延长期限不得超过30日，并且需要告知信访人延期理由”;
* 第三十五条 (广东省信访局): “可以自收到书面答复之日起30日内 … 请求复查”.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.db import Database
from app.models import CaseEvent, Visit
from app.print.registry import forms_for, render
from app.rules import petition as law
from app.rules.deadlines import DeadlineConfig, Span
from app.rules.errors import ValidationError, WorkflowError
from app.services.case_detail import visit_detail
from app.services.context import Ctx
from app.services.visits import VisitAction, advance_visit, register_visit
from tests.builders import visit_input
from tests.conftest import FakeClock

from .conftest import assert_all_glyphs_present, assert_in_order, page_count, pdf_text, render_png


def _visit(ctx: Ctx, **over: object) -> Visit:
    v = register_visit(ctx, visit_input(received_at="2026-03-02 09:00", **over)).record
    advance_visit(ctx, v.id, "review", VisitAction(note="同意受理", on="2026-03-03"))
    return v


def _events(ctx: Ctx, v: Visit) -> int:
    return int(
        ctx.session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == v.id)
        )
        or 0
    )


# --- the rules -------------------------------------------------------------------------------------


def test_periods_follow_the_regulation_in_calendar_days() -> None:
    p = law.periods(
        DeadlineConfig(), received=date(2026, 3, 2), accepted=date(2026, 3, 10), extension_days=20
    )
    assert (p.accept_days, p.handle_days, p.max_extension_days, p.review_days) == (15, 60, 30, 30)
    assert p.accept_due == date(2026, 3, 17)  # 15 calendar days after receipt
    assert p.handle_due == date(2026, 5, 9) + (date(2026, 5, 29) - date(2026, 5, 9))  # 60 + 20
    assert p.extension_left == 10
    assert law.periods(DeadlineConfig(), received=date(2026, 3, 2)).handle_due is None
    assert law.cite(law.ART_HANDLE) == "《信访工作条例》第三十四条"
    with pytest.raises(ValueError):
        law.periods(DeadlineConfig(visit_handle=Span(months=2)), received=date(2026, 3, 2))


# --- 受理告知书 --------------------------------------------------------------------------------------


def test_acceptance_notice_dated_on_the_decision_with_its_periods(
    ctx: Ctx, clock: FakeClock
) -> None:
    v = _visit(ctx)
    assert "petition_accept" not in {s.key for s in forms_for("visit", v)}
    with pytest.raises(WorkflowError, match="尚未受理"):
        render("petition_accept", ctx, v.case_code)
    advance_visit(ctx, v.id, "accept", VisitAction(note="属本村职权", on="2026-03-05"))
    clock.advance(days=40)  # printed much later: the notice still carries the decision day
    advance_visit(ctx, v.id, "handle", VisitAction(note="村委会办理", on="2026-03-20"))
    assert "petition_accept" in {s.key for s in forms_for("visit", v)}
    pdf = render("petition_accept", ctx, v.case_code)
    text = pdf_text(pdf)
    assert_in_order(
        text,
        "信访事项受理告知书",
        f"编码：{v.case_code}",
        "张三：",
        "你（你们）于2026年3月2日以来访形式反映的“反映村务公开不及时”",
        "本单位已于2026年3月5日决定受理",
        "依照《信访工作条例》第三十四条的规定，信访事项应当自受理之日起60日内办结",
        "本单位将于2026年5月4日前办结",
        "延长期限不得超过30日，并告知你（你们）延期理由",
        "特此告知。",
        "2026年3月5日",
        "信访人签收",
    )
    assert "3月20日" not in text  # a later act is not stated on it
    assert page_count(pdf) == 1
    assert_all_glyphs_present(pdf)
    render_png(pdf, "petition_accept", dpi=60)


# --- 不予受理告知书 ------------------------------------------------------------------------------------


def test_rejection_notice_states_reason_and_competent_body(ctx: Ctx) -> None:
    v = _visit(ctx)
    advance_visit(
        ctx,
        v.id,
        "reject",
        VisitAction(
            note="该事项已由人民法院立案受理，属于依法应当通过诉讼途径解决的事项。",
            unit="北京市东城区人民法院",
            on="2026-03-07",
        ),
    )
    assert v.competent_body == "北京市东城区人民法院"
    assert ("有权处理机关", "北京市东城区人民法院") in visit_detail(
        ctx, v.id
    ).facts  # shown in the GUI
    pdf = render("petition_reject", ctx, v.case_code)
    text = pdf_text(pdf)
    assert_in_order(
        text,
        "信访事项不予受理告知书",
        "张三：",
        "本单位于2026年3月7日决定不予受理，理由是：该事项已由人民法院立案受理",
        "依照《信访工作条例》第二十三条第一款的规定，请你（你们）向有权处理的机关、单位提出，"
        "即向北京市东城区人民法院提出。",
        "特此告知。",
        "2026年3月7日",
    )
    assert "。。" not in text
    render_png(pdf, "petition_reject", dpi=60)
    assert assert_all_glyphs_present(pdf) > 50
    # the receipt no longer promises a reason “told separately” it has nowhere to print
    assert "另行告知" not in pdf_text(render("receipt", ctx, v.case_code))


def test_rejection_without_competent_body_is_refused_naming_it(ctx: Ctx) -> None:
    v = _visit(ctx)
    advance_visit(ctx, v.id, "reject", VisitAction(note="不属于本村职权范围", on="2026-03-07"))
    with pytest.raises(WorkflowError, match="有权处理机关"):
        render("petition_reject", ctx, v.case_code)


def test_overlong_competent_body_is_refused_and_nothing_written(ctx: Ctx) -> None:
    v = _visit(ctx)
    before = _events(ctx, v)
    with pytest.raises(ValidationError) as e:
        advance_visit(ctx, v.id, "reject", VisitAction(note="理由", unit="县" * 101))
    assert "有权处理机关" in str(e.value)
    ctx.session.expire_all()
    assert ctx.session.get(Visit, v.id).status == "reviewed"  # type: ignore[union-attr]
    assert _events(ctx, v) == before


# --- 转送/交办告知书 --------------------------------------------------------------------------------------


def test_transfer_notice_to_the_petitioner_names_where_it_went(ctx: Ctx) -> None:
    v = _visit(ctx)
    advance_visit(ctx, v.id, "accept", VisitAction(note="受理", on="2026-03-05"))
    advance_visit(
        ctx,
        v.id,
        "assign",
        VisitAction(note="请核实", unit="柳树镇农业农村办公室", on="2026-03-06"),
    )
    pdf = render("petition_transfer", ctx, v.case_code)
    text = pdf_text(pdf)
    assert_in_order(
        text,
        "信访事项交办告知书",
        "并于2026年3月6日交办柳树镇农业农村办公室办理",
        "依照《信访工作条例》第二十三条的规定，现将交办去向告知你（你们）",
        "应当自收到之日起15日内书面告知你（你们）接收情况以及处理途径和程序",
        "2026年3月6日",
    )
    render_png(pdf, "petition_transfer", dpi=60)
    assert assert_all_glyphs_present(pdf) > 50


# --- 延期告知书 --------------------------------------------------------------------------------------


def test_extension_notice_reason_and_new_deadline(ctx: Ctx, clock: FakeClock) -> None:
    v = _visit(ctx)
    advance_visit(ctx, v.id, "accept", VisitAction(note="受理", on="2026-03-05"))
    advance_visit(ctx, v.id, "handle", VisitAction(note="办理", on="2026-03-06"))
    assert "petition_extension" not in {s.key for s in forms_for("visit", v)}
    clock.advance(days=50)  # the extension is decided on 2026-05-05 (Beijing time)
    before = _events(ctx, v)
    with pytest.raises(ValidationError, match="超过上限30日"):
        advance_visit(ctx, v.id, "extend", VisitAction(days=31, approver="王主任", note="复杂"))
    assert _events(ctx, v) == before
    advance_visit(
        ctx,
        v.id,
        "extend",
        VisitAction(days=20, approver="王主任", note="需会同镇国土所实地测量"),
    )
    pdf = render("petition_extension", ctx, v.case_code)
    text = pdf_text(pdf)
    assert_in_order(
        text,
        "信访事项延期办理告知书",
        "本单位已于2026年3月5日受理，原应于2026年5月4日前办结",
        "因需会同镇国土所实地测量，不能在60日内办结",
        "依照《信访工作条例》第三十四条的规定，经本单位负责人批准，办理期限延长20日",
        "延长期限不得超过30日",
        "本单位将于2026年5月24日前办结",
        "2026年5月5日",
    )
    render_png(pdf, "petition_extension", dpi=60)
    clock.advance(days=3)
    advance_visit(ctx, v.id, "extend", VisitAction(days=10, approver="王主任", note="等待测量报告"))
    text = pdf_text(render("petition_extension", ctx, v.case_code))
    assert_in_order(
        text,
        "因等待测量报告",
        "办理期限再次延长，累计延长30日",
        "本单位将于2026年6月3日前办结",
        "2026年5月8日",
    )
    with pytest.raises(ValidationError, match="最多还可延长0日"):
        advance_visit(ctx, v.id, "extend", VisitAction(days=1, approver="王主任", note="再延"))
    assert assert_all_glyphs_present(pdf) > 50


# --- 处理意见书 --------------------------------------------------------------------------------------


def test_opinion_states_request_facts_opinion_basis_and_review_right(
    ctx: Ctx, clock: FakeClock
) -> None:
    v = _visit(ctx)
    advance_visit(ctx, v.id, "accept", VisitAction(note="受理", on="2026-03-05"))
    advance_visit(ctx, v.id, "handle", VisitAction(note="办理", on="2026-03-06"))
    clock.advance(days=10)
    advance_visit(
        ctx,
        v.id,
        "conclude",
        VisitAction(
            note="村委会已于3月20日在公开栏公布上年度村集体收支明细，并承诺每季度更新。",
            legal_basis="《中华人民共和国村民委员会组织法》第三十条",
            on="2026-03-25",
        ),
    )
    pdf = render("petition_opinion", ctx, v.case_code)
    text = pdf_text(pdf)
    assert_in_order(
        text,
        "信访事项处理意见书",
        "张三：",
        "本单位已于2026年3月5日受理",
        "依照《信访工作条例》第三十三条的规定",
        "一、信访请求",
        "要求公开去年村集体收支明细",
        "二、事实和理由",
        "村务公开栏半年未更新。",
        "三、处理意见",
        "村委会已于3月20日在公开栏公布",
        "四、处理依据",
        "《中华人民共和国村民委员会组织法》第三十条",
        "可以自收到本意见书之日起30日内，向本单位的上一级机关、单位请求复查（《信访工作条例》第三十五条）",
        "特此答复。",
        "2026年3月25日",
    )
    render_png(pdf, "petition_opinion", dpi=60)
    assert assert_all_glyphs_present(pdf) > 50


def test_opinion_without_legal_basis_is_refused(ctx: Ctx) -> None:
    v = _visit(ctx)
    advance_visit(ctx, v.id, "accept", VisitAction(note="受理", on="2026-03-05"))
    advance_visit(ctx, v.id, "handle", VisitAction(note="办理", on="2026-03-06"))
    advance_visit(ctx, v.id, "conclude", VisitAction(note="已解决", on="2026-03-15"))
    with pytest.raises(WorkflowError, match="处理依据"):
        render("petition_opinion", ctx, v.case_code)


def test_legal_basis_only_at_conclusion(ctx: Ctx) -> None:
    v = _visit(ctx)
    before = _events(ctx, v)
    with pytest.raises(ValidationError, match="处理依据"):
        advance_visit(ctx, v.id, "accept", VisitAction(note="受理", legal_basis="某法"))
    assert _events(ctx, v) == before


def test_anonymous_petition_has_nobody_to_notify(ctx: Ctx) -> None:
    v = _visit(ctx, is_anonymous=True, petitioners=[])
    advance_visit(ctx, v.id, "accept", VisitAction(note="受理", on="2026-03-05"))
    with pytest.raises(WorkflowError, match="匿名"):
        render("petition_accept", ctx, v.case_code)


# --- 告知书 (向有权机关提出) ----------------------------------------------------------------------------


def test_inform_notice_points_to_the_competent_body(ctx: Ctx) -> None:
    v = _visit(ctx)
    advance_visit(
        ctx,
        v.id,
        "inform",
        VisitAction(note="该事项属于劳动争议。", unit="县劳动人事争议仲裁委员会", on="2026-03-06"),
    )
    keys = {s.key for s in forms_for("visit", v)}
    assert "petition_inform" in keys and "petition_reject" not in keys
    with pytest.raises(WorkflowError, match="不予受理"):
        render("petition_reject", ctx, v.case_code)
    text = pdf_text(render("petition_inform", ctx, v.case_code))
    assert_in_order(
        text,
        "信访事项告知书",
        "经审查，该信访事项不属于本单位职权范围。",
        "该事项属于劳动争议。",
        "请你（你们）向有权处理的机关、单位提出，即向县劳动人事争议仲裁委员会提出。",
        "2026年3月6日",
    )


# --- the command line ----------------------------------------------------------------------------


def test_notices_print_from_the_command_line(
    ctx: Ctx, village_db: Database, tmp_path: Path
) -> None:
    v = _visit(ctx)
    advance_visit(ctx, v.id, "accept", VisitAction(note="受理", on="2026-03-05"))
    out = tmp_path / "受理告知书.pdf"
    args = ["--db", str(Path(village_db.path)), "--operator", "admin", "print"]
    assert main([*args, "petition-accept", "--id", v.case_code, "--out", str(out)]) == 0
    assert "本单位已于2026年3月5日决定受理" in pdf_text(out.read_bytes())
    assert main([*args, "petition-reject", "--id", v.case_code, "--out", str(out)]) != 0
