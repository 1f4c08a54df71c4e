"""The ledger-backed registers: the dispute register view, transfer notices generated from
visits, the monthly bulletin from statistics, meeting decisions due, urgent information."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.models import RegisterRecord
from app.rules.dates import CHINA_TZ
from app.rules.errors import ValidationError, WorkflowError
from app.services import registers as reg
from app.services.context import open_ctx
from app.services.disputes import (
    DisputeAction,
    advance_dispute,
    register_dispute,
    update_dispute,
    void_dispute,
)
from app.services.operators import OperatorInput, create_operator
from app.services.persons import PersonInput
from app.services.visits import VisitAction, advance_visit, register_visit, void_visit
from tests.ledger_helpers import ledger_snapshot

from .conftest import dispute_input, visit_input

MARCH = reg.RecordFilter(date(2026, 3, 1), date(2026, 3, 31))


# --- 矛盾纠纷排查调处情况登记表 ----------------------------------------------------------------


def _dispute_view(ctx) -> dict[str, reg.RecordRow]:
    return {str(r.ref_id): r for r in reg.list_records(ctx, "dispute_register", MARCH).rows}


def test_dispute_register_follows_the_ledger(ctx) -> None:
    assert reg.list_records(ctx, "dispute_register").total == 0
    d1 = register_dispute(ctx, dispute_input()).record
    d2 = register_dispute(
        ctx, dispute_input(registered_on="2026-03-12", category="婚姻家庭", summary="赡养费纠纷")
    ).record
    view = _dispute_view(ctx)
    assert set(view) == {d1.id, d2.id}
    row = view[d1.id]
    assert row.display["mediation_no"] == d1.mediation_no == "（2026）柳树调字第1号"
    assert row.display["registered_on"] == "2026-03-10"
    assert row.display["parties"] == "张三、李四"
    assert row.display["category"] == "邻里"
    assert row.display["status"] == "受理登记"
    assert row.display["deadline"] == "剩25天"  # one month from acceptance
    assert not row.editable and row.record_id is None
    # advance: assign and mediate successfully → the register shows it at once
    advance_dispute(ctx, d1.id, "assign", DisputeAction(mediator="赵建国", on="2026-03-11"))
    advance_dispute(ctx, d1.id, "start", DisputeAction(on="2026-03-12"))
    assert _dispute_view(ctx)[d1.id].display["status"] == "调处中"
    advance_dispute(
        ctx,
        d1.id,
        "succeed",
        DisputeAction(
            on="2026-03-15",
            agreement_type="written",
            terms="李四于3月20日前恢复排水沟",
            performance_manner="李四自行恢复",
        ),
    )
    row = _dispute_view(ctx)[d1.id]
    assert row.display["mediator"] == "赵建国"
    assert row.display["status"] == "调解成功"
    assert row.display["outcome"].startswith("调解成功")
    assert row.display["outcome_on"] == "2026-03-15"
    # edit the ledger: the register shows the change
    update_dispute(
        ctx,
        d2.id,
        dispute_input(registered_on="2026-03-12", title="王家赡养纠纷", summary="赡养费"),
    )
    assert _dispute_view(ctx)[d2.id].display["title"] == "王家赡养纠纷"
    # void: the row disappears, nothing of it is stored in the register tables
    void_dispute(ctx, d2.id, "重复登记")
    assert set(_dispute_view(ctx)) == {d1.id}
    assert ctx.session.scalars(select(RegisterRecord)).all() == []
    # the view is computed from exactly the live disputes of the period
    assert reg.list_records(ctx, "dispute_register", reg.RecordFilter(date(2026, 4, 1))).total == 0
    assert reg.list_records(ctx, "dispute_register", reg.RecordFilter(text="张三")).total == 1
    assert reg.get_record(ctx, f"dispute:{d1.id}").title == d1.title
    with pytest.raises(WorkflowError):
        reg.void_record(ctx, f"dispute:{d1.id}", "不要")


def test_dispute_register_printout_matches_view(ctx) -> None:
    for day in ("2026-03-02", "2026-03-09", "2026-02-20"):
        register_dispute(ctx, dispute_input(registered_on=day))
    out = reg.printout(ctx, "dispute_register", date(2026, 3, 1), date(2026, 3, 31))
    assert out.title == "柳树村综治中心矛盾纠纷排查调处情况登记表"
    assert out.subtitle.startswith("2026年3月") and "共2条" in out.subtitle
    assert [c.label for c in out.columns][:3] == ["序号", "编号", "受理日期"]
    assert [r[0] for r in out.rows] == ["1", "2"]
    assert [r[2] for r in out.rows] == ["2026-03-02", "2026-03-09"]  # oldest first
    assert out.landscape


# --- 群众来信来访件转办通知 ------------------------------------------------------------------------


def _transferred_visit(ctx, *, on: str = "2026-03-05", **over):
    v = register_visit(ctx, visit_input(**over)).record
    advance_visit(ctx, v.id, "review", VisitAction(note="同意受理", on="2026-03-03"))
    advance_visit(ctx, v.id, "accept", VisitAction(on="2026-03-04"))
    advance_visit(ctx, v.id, "transfer", VisitAction(unit="东风镇国土所", on=on))
    return v


def test_transfer_notices_are_generated_from_transferred_visits(ctx, village_db) -> None:
    register_visit(ctx, visit_input(subject="未转办的件"))  # not transferred: not listed
    v = _transferred_visit(ctx)
    page = reg.list_records(ctx, "transfer_notice", MARCH)
    assert page.total == 1
    row = page.rows[0]
    assert row.id == f"visit:{v.id}" and row.record_id is None and row.editable
    assert row.display["case_code"] == v.case_code
    assert row.display["transferred_on"] == "2026-03-05"
    assert row.display["unit"] == "东风镇国土所"
    assert row.display["method"] == "转办"
    assert row.display["petitioners"] == "张三"
    assert row.display["tracking"] == "待回执"
    assert row.display["handle_due"]  # 60 days after acceptance
    # receipt
    saved = reg.update_record(ctx, row.id, {"回执日期": "2026-03-06"})
    tracked = saved.record
    assert tracked.record_id and tracked.ref_id == v.id
    assert tracked.display["tracking"] == "已回执，待反馈"
    rec = ctx.session.get(RegisterRecord, tracked.record_id)
    assert rec.ref_type == "visit" and rec.ref_id == v.id and rec.record_date == date(2026, 3, 5)
    # feedback needs its content; receipt cannot precede the transfer
    before = ledger_snapshot(village_db)
    with pytest.raises(ValidationError, match="「反馈内容」填写了反馈日期时必须填写"):
        reg.update_record(ctx, tracked.id, {"反馈日期": "2026-03-14"}, partial=True)
    with pytest.raises(ValidationError, match="「回执日期」早于转办日期"):
        reg.update_record(ctx, tracked.id, {"回执日期": "2026-03-01"}, partial=True)
    assert ledger_snapshot(village_db) == before
    done = reg.update_record(
        ctx,
        tracked.id,
        {"反馈日期": "2026-03-14", "反馈内容": "已现场核实，界址按原图确认"},
        partial=True,
    ).record
    assert done.display["tracking"] == "已反馈"
    assert done.values["receipt_on"] == "2026-03-06"
    # saving through the generated row again updates the same tracking record
    again = reg.update_record(ctx, f"visit:{v.id}", {"回执日期": "2026-03-07"}, partial=True)
    assert again.record.record_id == tracked.record_id
    assert len(ctx.session.scalars(select(RegisterRecord)).all()) == 1
    # a voided visit leaves the register
    void_visit(ctx, v.id, "重复登记")
    assert reg.list_records(ctx, "transfer_notice").total == 0


def test_transfer_notice_overdue_and_restricted(ctx, village_db, clock) -> None:
    v = _transferred_visit(ctx)
    secret = _transferred_visit(
        ctx,
        subject="检举村干部",
        petition_type="检举控告类",
        accused_unit="柳树村村委会",
        petitioners=[PersonInput(name="匿名人", phone="13700137000")],
    )
    clock.advance(days=70)  # past the 60-day handling deadline
    rows = {r.ref_id: r for r in reg.list_records(ctx, "transfer_notice").rows}
    assert rows[v.id].display["tracking"].startswith("逾期未反馈")
    assert "逾期未反馈" in rows[v.id].flags
    assert secret.id in rows  # the admin may see restricted petitions
    create_operator(ctx, OperatorInput("clerk3", "王芳", "clerk", "clerk123"))
    clerk = open_ctx(village_db, "clerk3", clock=clock)
    try:
        ids = {r.ref_id for r in reg.list_records(clerk, "transfer_notice").rows}
        assert ids == {v.id}
    finally:
        clerk.close()


# --- 月通报 ------------------------------------------------------------------------------------


def test_monthly_bulletin_from_statistics(ctx) -> None:
    register_visit(ctx, visit_input())
    d = register_dispute(ctx, dispute_input()).record
    advance_dispute(ctx, d.id, "assign", DisputeAction(mediator="赵建国", on="2026-03-11"))
    advance_dispute(ctx, d.id, "start", DisputeAction(on="2026-03-12"))
    advance_dispute(
        ctx,
        d.id,
        "succeed",
        DisputeAction(on="2026-03-14", agreement_type="oral", terms="恢复排水沟"),
    )
    saved = reg.generate_bulletin(ctx, "2026-03")
    row = saved.record
    assert row.title == "柳树村综治中心2026年3月综治维稳工作通报"
    assert row.display["month"] == "2026年3月" and row.display["issue_no"] == "第1期"
    stats = reg.bulletin_stats(row)
    assert stats["visits"]["total"] == 1 and stats["disputes"]["succeeded"] == 1
    assert "受理来信来访1件" in row.display["stats_summary"]
    assert "调解成功率100.0%" in row.display["stats_summary"]
    assert row.values["narrative"].startswith("一、基本情况")
    # the narrative is editable; the figures stay as issued
    register_visit(ctx, visit_input(subject="又一件"))
    edited = reg.update_record(ctx, row.id, {"通报正文": "一、基本情况\n（已修改）"}, partial=True)
    assert edited.record.values["narrative"] == "一、基本情况\n（已修改）"
    assert reg.bulletin_stats(edited.record)["visits"]["total"] == 1
    # asking again opens the same bulletin; refresh re-takes the figures, keeps the text
    again = reg.generate_bulletin(ctx, "2026-03")
    assert again.record.id == row.id and again.warnings
    refreshed = reg.generate_bulletin(ctx, "2026-03", refresh=True).record
    assert reg.bulletin_stats(refreshed)["visits"]["total"] == 2
    assert refreshed.values["narrative"] == "一、基本情况\n（已修改）"
    # one bulletin per month
    with pytest.raises(ValidationError, match="「通报月份」2026年3月的月通报已存在"):
        reg.add_record(
            ctx, "monthly_bulletin", {"通报月份": "2026-03", "标题": "重复", "通报正文": "x"}
        )
    with pytest.raises(ValidationError, match="尚未到来"):
        reg.generate_bulletin(ctx, "2026-05")


def test_zero_report_month(ctx) -> None:
    saved = reg.generate_bulletin(ctx, "2026-02")
    assert "零报告" in saved.record.display["stats_summary"]
    assert reg.bulletin_stats(saved.record)["zero_report"] is True
    assert any("零报告" in w for w in saved.warnings)
    assert saved.record.display["issue_no"] == "第1期"
    assert reg.generate_bulletin(ctx, "2026-03").record.display["issue_no"] == "第2期"


# --- 会议纪要: decisions due --------------------------------------------------------------------


MEETING = {
    "会议日期": "2026-03-05",
    "会议类型": "社会治安形势和矛盾纠纷排查分析会",
    "主持人": "刘志强",
    "记录人": "王芳",
    "参会人员": "刘志强、王芳、赵建国",
    "会议议题": "一季度形势分析",
}


def test_due_decisions_for_the_dashboard(ctx) -> None:
    reg.add_record(
        ctx,
        "meeting_minutes",
        {
            **MEETING,
            "议定事项": [
                {"事项": "化解三组宅基地纠纷", "责任人": "赵建国", "完成期限": "2026-03-14"},
                {"事项": "更新宣传栏", "责任人": "王芳", "完成期限": "2026-03-20"},
                {"事项": "年度演练", "责任人": "刘志强", "完成期限": "2026-06-30"},
                {"事项": "已办完的事", "责任人": "王芳", "完成期限": "2026-03-10", "已完成": "是"},
            ],
        },
    )
    items = reg.due_decisions(ctx, within_days=7)
    assert [(d.content, d.owner, d.deadline_label) for d in items] == [
        ("化解三组宅基地纠纷", "赵建国", "超期2天"),
        ("更新宣传栏", "王芳", "剩4天"),
    ]
    assert items[0].overdue and items[0].meeting_on == date(2026, 3, 5)
    assert len(reg.due_decisions(ctx, within_days=120)) == 3
    row = reg.complete_decision(ctx, items[0].record_id, items[0].index, "3月15日调解成功")
    assert row.values["decisions"][0]["done"] is True
    assert row.values["decisions"][0]["result"] == "3月15日调解成功"
    assert [d.content for d in reg.due_decisions(ctx, 7)] == ["更新宣传栏"]
    # a voided meeting's decisions no longer show
    reg.void_record(ctx, row.id, "误录")
    assert reg.due_decisions(ctx, 120) == []


# --- 综治维稳工作信息: urgent and the 1-hour rule ------------------------------------------------


INFO = {
    "信息标题": "三组发生群体性聚集",
    "紧急程度": "紧急",
    "信息类别": "群体性事件",
    "发生时间": "2026-03-16 07:30",
    "信息内容": "约20名村民聚集在村委会门口反映征地补偿问题。",
    "报送单位": "东风镇综治中心",
    "报送人": "王芳",
}


def test_urgent_information_flags(ctx, clock) -> None:
    on_time = reg.add_record(ctx, "work_info", {**INFO, "报送时间": "2026-03-16 08:10"})
    assert on_time.record.is_urgent and not on_time.record.report_late
    assert on_time.warnings == []
    late = reg.add_record(ctx, "work_info", {**INFO, "报送时间": "2026-03-16 09:00"})
    assert late.record.report_late and "超时报送" in late.record.flags
    assert "事发后90分钟报送" in late.warnings[0]
    pending = reg.add_record(ctx, "work_info", {**INFO, "发生时间": "2026-03-16 09:00"})
    assert pending.record.is_urgent and not pending.record.report_late
    assert "报送后请补填报送时间" in pending.warnings[0]
    normal = reg.add_record(ctx, "work_info", {**INFO, "紧急程度": "一般", "报送单位": ""})
    assert not normal.record.is_urgent
    rec = ctx.session.get(RegisterRecord, late.record.record_id)
    assert rec.occurred_at == datetime(2026, 3, 16, 7, 30, tzinfo=CHINA_TZ).astimezone(UTC)
    # an hour and a half later the pending one is overdue (computed at read time)
    clock.advance(minutes=90)
    row = reg.get_record(ctx, pending.record.id)
    assert row.report_late and "超时未报" in row.flags
    alerts = {a.record_id: a for a in reg.report_alerts(ctx)}
    assert set(alerts) == {late.record.id, pending.record.id}
    assert alerts[pending.record.id].label == "超过1小时未报送"
    # urgent items are listed for the sync queue, normal ones are not
    ids = reg.urgent_record_ids(ctx.session)
    assert set(ids) == {on_time.record.id, late.record.id, pending.record.id}
    assert normal.record.id not in ids
    assert reg.list_records(ctx, "work_info", reg.RecordFilter(urgent_only=True)).total == 3
    # reporting it later clears the alert
    reg.update_record(ctx, pending.record.id, {"报送时间": "2026-03-16 09:40"}, partial=True)
    assert pending.record.id not in {a.record_id for a in reg.report_alerts(ctx)}
