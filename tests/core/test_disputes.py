"""矛盾纠纷 services: registration + numbering, parties, assignment, sessions, outcomes, follow-up."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.models import Dispute, DisputeParty, MediationSession
from app.rules.errors import PermissionDenied, ValidationError, WorkflowError
from app.services.cases import timeline
from app.services.context import open_ctx
from app.services.disputes import (
    DisputeAction,
    PartyInput,
    SessionInput,
    advance_dispute,
    parse_amount,
    record_session,
    register_dispute,
    sessions_of,
    update_dispute,
    void_dispute,
)
from app.services.operators import OperatorInput, create_operator
from app.services.persons import PersonInput
from tests.ledger_helpers import ledger_snapshot

from .conftest import dispute_input


def test_register_dispute_numbers_and_deadline(ctx) -> None:
    d = register_dispute(ctx, dispute_input()).record
    assert d.case_code == "110105001001-2026-J-00001"
    assert d.mediation_no == "（2026）柳树调字第1号"
    assert (d.mediation_year, d.mediation_seq) == (2026, 1)
    assert d.title == "张三与李四邻里纠纷"
    assert d.category == "neighbour" and d.source == "party_application"
    assert d.amount_fen == 300000
    assert d.mediation_due == date(2026, 4, 16)  # one month (2002 rules Art. 36)
    assert d.due_on == d.mediation_due
    assert [p.role for p in d.parties] == ["applicant", "respondent"]
    d2 = register_dispute(ctx, dispute_input()).record
    assert d2.mediation_no == "（2026）柳树调字第2号"


def test_numbering_restarts_each_year(ctx) -> None:
    register_dispute(ctx, dispute_input(registered_on="2025-12-30"))
    d = register_dispute(ctx, dispute_input(registered_on="2026-01-02")).record
    assert d.mediation_no == "（2026）柳树调字第1号"
    assert d.case_code.endswith("2026-J-00001")


@pytest.mark.parametrize(
    ("over", "field", "fragment"),
    [
        ({"summary": ""}, "summary", "「纠纷简要情况」不能为空"),
        ({"category": "外星人"}, "category", "不在代码表中"),
        ({"registered_on": "2026-02-30"}, "registered_on", "不是存在的日期"),
        ({"occurred_on": "2026-03-20"}, "occurred_on", "晚于今天"),
        ({"amount": "三千"}, "amount", "「涉及金额」“三千”不是金额"),
        ({"amount": "-5"}, "amount", "不能为负数"),
        ({"parties": []}, "parties", "至少需要2方"),
        (
            {"parties": [PartyInput(PersonInput(name="张三", phone="13800138000"))]},
            "parties",
            "至少需要2方",
        ),
        (
            {
                "parties": [
                    PartyInput(PersonInput(name="张三", id_number="11010519491231002X")),
                    PartyInput(PersonInput(name="李四", id_number="11010519491231002x")),
                ]
            },
            "parties",
            "同一身份证号出现了两次",
        ),
        (
            {
                "parties": [
                    PartyInput(PersonInput(name="张三")),
                    PartyInput(PersonInput(name="", phone="13900139000")),
                ]
            },
            "parties[1].name",
            "「当事人2的姓名」不能为空",
        ),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    ctx, village_db, over, field, fragment
) -> None:
    before = ledger_snapshot(village_db)
    with pytest.raises(ValidationError) as err:
        register_dispute(ctx, dispute_input(**over))
    assert field in err.value.fields()
    assert fragment in str(err.value)
    assert ledger_snapshot(village_db) == before


def test_amounts() -> None:
    assert parse_amount("1.5万", "a", "金额") == 1500000
    assert parse_amount("3,000元", "a", "金额") == 300000
    assert parse_amount("", "a", "金额") == 0
    with pytest.raises(ValidationError, match="两位小数"):
        parse_amount("1.234", "a", "金额")


def test_full_mediation_with_agreement_and_follow_up(ctx) -> None:
    d = register_dispute(ctx, dispute_input()).record
    advance_dispute(ctx, d.id, "assign", DisputeAction(mediator="王调解"))
    assert d.status == "triaged" and d.mediator_name == "王调解"
    ctx.clock.advance(days=2)
    record_session(ctx, d.id, SessionInput(kind="investigation", content="查看了现场排水沟"))
    assert d.status == "triaged"
    ctx.clock.advance(days=3)
    record_session(
        ctx, d.id, SessionInput(kind="mediation", content="释法说理，双方同意恢复排水沟")
    )
    assert d.status == "mediating"  # a mediation session starts mediation
    ctx.clock.advance(days=1)
    advance_dispute(
        ctx,
        d.id,
        "succeed",
        DisputeAction(
            agreement_type="书面协议",
            terms="一、李四于2026年3月31日前恢复排水沟；\n二、双方和睦相处。",
            performance_manner="李四自行雇工恢复",
            performance_place="柳树村三组",
            performance_deadline="2026-03-31",
        ),
    )
    assert d.status == "succeeded" and d.outcome == "succeeded"
    assert d.agreement_effective_on == date(2026, 3, 22)
    assert d.judicial_confirm_due == date(2026, 4, 21)  # 30 days (人民调解法 Art. 33)
    assert d.follow_up_due == date(2026, 4, 30)
    assert d.due_on == d.follow_up_due
    with pytest.raises(WorkflowError, match="回访"):
        advance_dispute(ctx, d.id, "archive")
    ctx.clock.advance(days=15)
    advance_dispute(
        ctx, d.id, "follow_up", DisputeAction(note="已恢复", performance_status="已履行")
    )
    advance_dispute(ctx, d.id, "archive")
    assert d.status == "archived" and d.due_on is None
    events = [e.event for e in timeline(ctx, d)]
    assert events == [
        "registered",
        "assigned",
        "session_recorded",
        "mediation_started",
        "session_recorded",
        "mediated",
        "followed_up",
        "archived",
    ]
    assert [(s.kind, s.seq) for s in sessions_of(ctx, d.id)] == [
        ("investigation", 1),
        ("mediation", 1),
    ]


def test_outcome_requirements(ctx, village_db) -> None:
    d = register_dispute(ctx, dispute_input()).record
    advance_dispute(ctx, d.id, "start")
    before = ledger_snapshot(village_db)
    with pytest.raises(ValidationError) as err:
        advance_dispute(ctx, d.id, "succeed", DisputeAction(agreement_type="书面"))
    assert {"terms", "performance_manner"} <= set(err.value.fields())
    with pytest.raises(ValidationError, match="调解不成的原因"):
        advance_dispute(ctx, d.id, "fail")
    with pytest.raises(ValidationError, match="双方当事人同意"):
        advance_dispute(ctx, d.id, "extend", DisputeAction(note="需要鉴定", new_due="2026-05-30"))
    assert ledger_snapshot(village_db) == before
    advance_dispute(
        ctx, d.id, "extend", DisputeAction(note="需要鉴定", new_due="2026-05-30", consent=True)
    )
    assert d.mediation_due == date(2026, 5, 30) and d.due_on == date(2026, 5, 30)
    advance_dispute(ctx, d.id, "fail", DisputeAction(note="分歧较大，已告知可向法院起诉"))
    assert d.outcome == "failed" and d.due_on is None


def test_oral_agreement_needs_no_performance_manner(ctx) -> None:
    d = register_dispute(ctx, dispute_input()).record
    advance_dispute(ctx, d.id, "start")
    advance_dispute(ctx, d.id, "succeed", DisputeAction(agreement_type="口头", terms="互相道歉"))
    assert d.agreement_type == "oral" and d.judicial_confirm_due is None


def test_transfer_and_terminate(ctx) -> None:
    d = register_dispute(ctx, dispute_input()).record
    with pytest.raises(ValidationError, match="「移送单位」不能为空"):
        advance_dispute(ctx, d.id, "transfer", DisputeAction(note="涉及多户"))
    advance_dispute(ctx, d.id, "transfer", DisputeAction(unit="镇综治中心", note="涉及多户"))
    assert d.status == "transferred" and d.transferred_to == "镇综治中心"
    d2 = register_dispute(ctx, dispute_input()).record
    advance_dispute(ctx, d2.id, "terminate", DisputeAction(note="一方明确拒绝调解"))
    assert d2.outcome == "terminated"


def test_major_dispute_gets_longer_deadline_under_local_rule(ctx) -> None:
    from app.rules.deadlines import DeadlineConfig
    from app.services import settings as settings_service

    st = settings_service.settings_of(ctx)
    st.deadlines = DeadlineConfig.local_seed_rule()
    settings_service.save(ctx, st)
    general = register_dispute(ctx, dispute_input()).record
    major = register_dispute(ctx, dispute_input(risk_level="高")).record
    assert general.mediation_due == date(2026, 3, 31)
    assert major.is_major and major.mediation_due == date(2026, 5, 16)


def test_session_rules(ctx) -> None:
    d = register_dispute(ctx, dispute_input()).record
    with pytest.raises(ValidationError, match="「记录内容」不能为空"):
        record_session(ctx, d.id, SessionInput(kind="investigation"))
    with pytest.raises(ValidationError, match="早于受理日期"):
        record_session(
            ctx, d.id, SessionInput(kind="investigation", content="x", held_at="2026-03-01 10:00")
        )
    advance_dispute(ctx, d.id, "terminate", DisputeAction(note="拒绝调解"))
    with pytest.raises(WorkflowError, match="不能再添加"):
        record_session(ctx, d.id, SessionInput(kind="mediation", content="x", mediators="王"))
    assert ctx.session.scalars(select(MediationSession)).all() == []


def test_mediator_role_and_clerk_limits(ctx, village_db) -> None:
    create_operator(ctx, OperatorInput("med1", "李晓梅", "mediator", "pass123"))
    create_operator(ctx, OperatorInput("clerk1", "赵琳", "clerk", "pass123"))
    d = register_dispute(ctx, dispute_input()).record
    advance_dispute(ctx, d.id, "assign", DisputeAction(mediator="med1"))
    assert d.mediator_name == "李晓梅" and d.mediator_id is not None
    clerk = open_ctx(village_db, "clerk1", clock=ctx.clock)
    med = open_ctx(village_db, "med1", clock=ctx.clock)
    try:
        with pytest.raises(PermissionDenied):
            advance_dispute(clerk, d.id, "start")
        advance_dispute(med, d.id, "start")
    finally:
        clerk.close()
        med.close()


def test_update_keeps_number_and_tombstones_removed_party(ctx) -> None:
    d = register_dispute(ctx, dispute_input()).record
    data = dispute_input(
        parties=[
            PartyInput(PersonInput(name="张三", id_number="11010519491231002X"), "申请人"),
            PartyInput(PersonInput(name="王五", phone="13700137000"), "被申请人"),
        ]
    )
    update_dispute(ctx, d.id, data)
    assert d.mediation_no == "（2026）柳树调字第1号"
    live = [p.person.name for p in d.parties if p.deleted_at is None]
    assert live == ["张三", "王五"]
    gone = ctx.session.scalars(
        select(DisputeParty).where(DisputeParty.deleted_at.is_not(None))
    ).all()
    assert len(gone) == 1
    with pytest.raises(ValidationError, match="不能改到其他年份"):
        update_dispute(ctx, d.id, dispute_input(registered_on="2025-12-01"))


def test_void(ctx) -> None:
    d = register_dispute(ctx, dispute_input()).record
    void_dispute(ctx, d.id, "误登")
    assert ctx.session.get(Dispute, d.id).deleted_at is not None


@pytest.mark.parametrize("raw", ["NaN", "inf", "-Infinity", "1e999999"])
def test_non_finite_amounts_are_refused(raw: str) -> None:
    with pytest.raises(ValidationError, match=r"不是金额|数额过大"):
        parse_amount(raw, "amount", "涉及金额")
