"""来信来访 services: registration, validation (nothing written), flags, workflow, case log."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.models import CaseEvent, Person, Visit, VisitPerson
from app.rules.errors import NotFoundError, PermissionDenied, ValidationError, WorkflowError
from app.services.cases import find_case, timeline
from app.services.context import open_ctx
from app.services.operators import OperatorInput, create_operator
from app.services.persons import PersonInput, person_history
from app.services.visits import (
    VisitAction,
    advance_visit,
    get_visit,
    register_visit,
    update_visit,
    void_visit,
)
from tests.ledger_helpers import ledger_snapshot

from .conftest import visit_input


def test_register_visit_assigns_code_deadline_and_logs(ctx) -> None:
    saved = register_visit(ctx, visit_input())
    v = saved.record
    assert v.case_code == "110105001001-2026-X-00001"
    assert v.status == "registered"
    assert v.received_on == date(2026, 3, 16)
    assert v.accept_due == date(2026, 3, 31)  # 15 days
    assert v.due_on == v.accept_due
    assert v.channel == "visit" and v.category == "village_affairs"
    assert v.party_names == "张三"
    assert v.origin == "110105001001" and v.rev > 0
    assert v.created_by == ctx.operator.id
    events = ctx.session.scalars(select(CaseEvent).where(CaseEvent.case_id == v.id)).all()
    assert [e.event for e in events] == ["registered"]
    person = ctx.session.scalars(select(Person)).one()
    assert person.gender == "女" and person.birth_date == date(1949, 12, 31)
    assert person.pinyin_initials == "zs"
    assert register_visit(ctx, visit_input()).record.case_code.endswith("-00002")


@pytest.mark.parametrize(
    ("over", "field", "fragment"),
    [
        ({"request": ""}, "request", "「诉求」不能为空"),
        ({"channel": "飞鸽传书"}, "channel", "「信访形式」“飞鸽传书”不在代码表中"),
        ({"received_at": "2026-02-30 10:00"}, "received_at", "不是存在的日期时间"),
        ({"received_at": "2027-01-01"}, "received_at", "晚于今天"),
        ({"headcount": "abc"}, "headcount", "不是整数"),
        (
            {
                "petitioners": [
                    PersonInput(name="张三", id_number="110105194912310021", phone="13800138000")
                ]
            },
            "petitioners[0].id_number",
            "「信访人1的身份证号」校验位不正确",
        ),
        (
            {"petitioners": [PersonInput(name="张三", phone="1380013800")]},
            "petitioners[0].phone",
            "「信访人1的联系电话」",
        ),
        ({"petitioners": [PersonInput(name="张三")]}, "petitioners[0].phone", "和住址至少填写一项"),
        ({"petitioners": []}, "petitioners", "「信访人」至少登记一人"),
        ({"petition_type": "检举控告类"}, "accused_unit", "「被反映单位」检举控告类必须填写"),
        (
            {
                "petitioners": [
                    PersonInput(
                        name="张三",
                        id_number="11010519491231002X",
                        gender="男",
                        phone="13800138000",
                    )
                ]
            },
            "petitioners[0].gender",
            "与身份证号（女）不符",
        ),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    ctx, village_db, over, field, fragment
) -> None:
    before = ledger_snapshot(village_db)
    with pytest.raises(ValidationError) as err:
        register_visit(ctx, visit_input(**over))
    assert field in err.value.fields()
    assert fragment in str(err.value)
    assert ledger_snapshot(village_db) == before


def test_all_problems_are_reported_at_once(ctx) -> None:
    with pytest.raises(ValidationError) as err:
        register_visit(ctx, visit_input(request="", channel="??", headcount="x"))
    assert {"request", "channel", "headcount"} <= set(err.value.fields())


def test_group_and_repeat_flags(ctx) -> None:
    first = register_visit(ctx, visit_input(headcount=3)).record
    assert not first.is_group and not first.is_repeat
    ctx.clock.advance(days=3)
    reps = [PersonInput(name=f"代表{i}") for i in range(6)]
    saved = register_visit(ctx, visit_input(received_at=None, headcount=12, representatives=reps))
    second = saved.record
    assert second.is_group and second.is_repeat
    assert any("重复访" in w for w in saved.warnings)
    assert any("超过规定的5人" in w for w in saved.warnings)
    # the petitioner was matched by ID number, not duplicated
    assert (
        ctx.session.scalar(select(func.count()).select_from(Person).where(Person.name == "张三"))
        == 1
    )
    history = person_history(ctx.session, second.persons[0].person_id)
    assert {h.case_code for h in history} == {first.case_code, second.case_code}


def test_person_matched_by_name_and_phone_gets_new_details(ctx) -> None:
    register_visit(ctx, visit_input(petitioners=[PersonInput(name="王五", phone="13700137000")]))
    register_visit(
        ctx,
        visit_input(
            petitioners=[PersonInput(name="王五", phone="13700137000", address="柳树村五组")]
        ),
    )
    people = ctx.session.scalars(select(Person).where(Person.name == "王五")).all()
    assert len(people) == 1 and people[0].address == "柳树村五组"


def test_anonymous_letter(ctx) -> None:
    v = register_visit(ctx, visit_input(channel="来信", petitioners=[], is_anonymous=True)).record
    assert v.party_names == "（匿名）"


def test_full_visit_workflow_with_case_log(ctx) -> None:
    v = register_visit(ctx, visit_input()).record
    steps = [
        ("review", VisitAction(note="同意受理")),
        ("accept", VisitAction(note="属本级职责")),
        ("transfer", VisitAction(unit="镇国土所", note="请15日内反馈")),
        ("extend", VisitAction(days=20, note="情况复杂", approver="刘站长")),
        ("conclude", VisitAction(note="已协调解决并书面答复")),
        ("follow_up", VisitAction(note="电话回访", satisfaction="满意")),
        ("archive", VisitAction()),
    ]
    for action, details in steps:
        ctx.clock.advance(days=2)
        advance_visit(ctx, v.id, action, details)
        if action == "accept":
            assert v.handle_due == date(2026, 5, 19)  # accepted 2026-03-20 + 60 days
            assert v.due_on == v.handle_due
        if action == "extend":
            assert v.extension_days == 20 and v.due_on == date(2026, 6, 8)
    assert v.status == "archived" and v.due_on is None
    assert v.satisfaction == "satisfied" and v.handler_unit == "镇国土所"
    entries = timeline(ctx, v)
    assert [e.event_label for e in entries] == [
        "登记",
        "审核",
        "受理",
        "转办/移送",
        "延期",
        "办结",
        "回访",
        "归档",
    ]
    assert entries[3].note.startswith("承办单位：镇国土所")
    assert all(e.actor == "管理员" for e in entries)
    assert find_case(ctx, v.case_code.lower()) is v


def test_illegal_action_and_missing_details_write_nothing(ctx, village_db) -> None:
    v = register_visit(ctx, visit_input()).record
    before = ledger_snapshot(village_db)
    with pytest.raises(WorkflowError, match="不能执行「受理」"):
        advance_visit(ctx, v.id, "accept", VisitAction(note="x"))
    with pytest.raises(ValidationError, match="「审核意见」不能为空"):
        advance_visit(ctx, v.id, "review", VisitAction())
    with pytest.raises(ValidationError, match="早于登记日期"):
        advance_visit(ctx, v.id, "review", VisitAction(note="同意", on="2026-03-01"))
    assert ledger_snapshot(village_db) == before
    advance_visit(ctx, v.id, "review", VisitAction(note="同意"))
    advance_visit(ctx, v.id, "accept", VisitAction(note="受理"))
    advance_visit(ctx, v.id, "handle")
    before = ledger_snapshot(village_db)
    with pytest.raises(ValidationError, match="超过上限30日"):
        advance_visit(ctx, v.id, "extend", VisitAction(days=40, note="复杂", approver="刘站长"))
    with pytest.raises(ValidationError, match="「批准人」不能为空"):
        advance_visit(ctx, v.id, "extend", VisitAction(days=10, note="复杂"))
    assert ledger_snapshot(village_db) == before


def test_accusation_is_never_transferred_to_the_accused(ctx) -> None:
    v = register_visit(
        ctx, visit_input(petition_type="检举控告类", accused_unit="柳树村委会")
    ).record
    assert v.is_accusation
    advance_visit(ctx, v.id, "review", VisitAction(note="同意"))
    advance_visit(ctx, v.id, "accept", VisitAction(note="受理"))
    with pytest.raises(ValidationError, match="不能是被检举控告的单位"):
        advance_visit(ctx, v.id, "transfer", VisitAction(unit="柳树村委会", note="x"))


def test_restricted_visit_hidden_from_clerk(ctx, village_db) -> None:
    create_operator(ctx, OperatorInput("clerk1", "录入员甲", "clerk", "pass123"))
    v = register_visit(ctx, visit_input(is_confidential=True)).record
    plain = register_visit(ctx, visit_input()).record
    clerk = open_ctx(village_db, "clerk1", clock=ctx.clock)
    try:
        with pytest.raises(NotFoundError, match="无权查看"):
            get_visit(clerk, v.id)
        assert get_visit(ctx, v.id) is v  # the station admin may see it
        with pytest.raises(PermissionDenied, match="审核信访件"):
            advance_visit(clerk, plain.id, "review", VisitAction(note="x"))
    finally:
        clerk.close()


def test_update_records_changed_fields_and_replaces_people(ctx) -> None:
    v = register_visit(ctx, visit_input()).record
    data = visit_input(
        subject="反映村务公开和财务公开不及时",
        petitioners=[PersonInput(name="赵六", phone="13600136000")],
    )
    update_visit(ctx, v.id, data)
    assert v.party_names == "赵六"
    live = [vp for vp in v.persons if vp.deleted_at is None]
    assert [vp.person.name for vp in live] == ["赵六"]
    dead = ctx.session.scalars(select(VisitPerson).where(VisitPerson.deleted_at.is_not(None))).all()
    assert len(dead) == 1  # tombstoned, not deleted
    last = timeline(ctx, v)[-1]
    assert last.event == "updated" and "事由" in last.note and "信访人" in last.note


def test_void_is_a_tombstone(ctx) -> None:
    v = register_visit(ctx, visit_input()).record
    with pytest.raises(ValidationError, match="作废原因"):
        void_visit(ctx, v.id, "")
    void_visit(ctx, v.id, "重复登记")
    assert ctx.session.get(Visit, v.id).deleted_at is not None
    assert timeline(ctx, v)[-1].event == "voided"
