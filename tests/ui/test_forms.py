"""Entry forms: create through the form, inline errors naming the field with nothing written,
person reuse with history, workflow buttons offering only legal moves, read-only foreign
records, and the unsaved-changes guard."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from sqlalchemy import func, select

from app.models import Dispute, DisputeParty, Person, Visit
from app.services.context import open_ctx
from app.services.disputes import register_dispute
from app.services.operators import OperatorInput, create_operator
from app.services.visits import register_visit
from app.ui.env import UiEnv
from app.ui.forms.action_dialog import ActionDialog
from app.ui.forms.dispute_form import DisputeDialog
from app.ui.forms.session_form import SessionDialog
from app.ui.forms.visit_form import VisitDialog
from tests.search.helpers import dispute_input, visit_input

from .conftest import Boxes, operator_id, show_active, type_text


def _count(db: Any, model: Any) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _fill_visit(qtbot: Any, dlg: VisitDialog) -> None:
    dlg.category.set_code("village_affairs")
    type_text(qtbot, dlg.request, "要求公开去年村集体收支明细")
    row = dlg.petitioners.rows[0]
    type_text(qtbot, row.name, "王秀英")
    type_text(qtbot, row.id_number, "34052419800101001X")
    type_text(qtbot, row.phone, "13800138001")


def test_create_visit_through_the_form(qtbot: Any, env: UiEnv) -> None:
    dlg = VisitDialog(env)
    qtbot.addWidget(dlg)
    show_active(qtbot, dlg)
    assert dlg.received_at.value().date() == date(2026, 3, 16)
    assert dlg.first_responder.text() == ""  # the account 管理员 names a role, not a person
    _fill_visit(qtbot, dlg)
    assert dlg.is_dirty()
    qtbot.keyClick(dlg.request, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # Ctrl+S
    assert dlg.record_id is not None, dlg.summary.text()
    with env.db.session() as s:
        v = s.get(Visit, dlg.record_id)
        assert v is not None and v.party_names == "王秀英" and v.status == "registered"
        assert v.received_on == date(2026, 3, 16)
    # the dialog stays on the saved case: code, status, next step
    assert v.case_code in dlg.header.text() and "已登记" in dlg.header.text()
    assert [b.text() for b in dlg.action_buttons] == ["审核"]
    assert not dlg.is_dirty()
    assert dlg.print_button.isVisible() or not dlg.isVisible()


def test_enter_moves_on_and_ctrl_enter_saves(qtbot: Any, env: UiEnv) -> None:
    """Enter in a single-line field moves on (issue 16: a clerk typing blind must not save a
    half-filled form); Ctrl+Enter and Ctrl+S save."""
    dlg = VisitDialog(env)
    qtbot.addWidget(dlg)
    show_active(qtbot, dlg)
    _fill_visit(qtbot, dlg)
    dlg.place.setFocus()
    qtbot.keyClick(dlg.place, Qt.Key.Key_Return)
    assert dlg.record_id is None
    assert dlg.focusWidget() is not dlg.place
    qtbot.keyClick(dlg.place, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dlg.record_id is not None


def test_invalid_input_is_shown_beside_the_field_and_nothing_is_written(
    qtbot: Any, env: UiEnv
) -> None:
    before = (_count(env.db, Visit), _count(env.db, Person))
    dlg = VisitDialog(env)
    qtbot.addWidget(dlg)
    dlg.show()
    row = dlg.petitioners.rows[0]
    type_text(qtbot, row.name, "王秀英")
    type_text(qtbot, row.id_number, "340524198001010010")  # wrong check digit
    assert dlg.save() is False
    assert dlg.record_id is None
    assert (_count(env.db, Visit), _count(env.db, Person)) == before
    summary = dlg.summary.text()
    assert "诉求" in summary and "内容分类" in summary and "身份证" in summary
    assert dlg.request.property("invalid") == "true"
    assert row.id_number.property("invalid") == "true"
    assert row.error.isVisible() and "身份证" in row.error.text()
    # correcting clears the marks on the next save
    _fill = "要求公开去年村集体收支明细"
    type_text(qtbot, dlg.request, _fill)
    dlg.category.set_code("village_affairs")
    row.id_number.clear()
    type_text(qtbot, row.phone, "13800138001")
    assert dlg.save() is True
    assert dlg.request.property("invalid") == "false"


def test_person_autocomplete_reuses_a_known_person_and_shows_history(
    qtbot: Any, env: UiEnv, ctx: Any
) -> None:
    earlier = register_visit(ctx, visit_input()).record  # 张三 with an ID number
    persons_before = _count(env.db, Person)
    dlg = DisputeDialog(env)
    qtbot.addWidget(dlg)
    first, second = dlg.parties.rows
    type_text(qtbot, first.name, "zs")
    ids = first.search_now()
    assert len(ids) == 1
    suggestion = first.suggestions().item(0).text()
    assert suggestion.startswith("张三") and "1949年生" in suggestion
    first.completer.activated[type(first.suggestions().index(0, 0))].emit(  # type: ignore[index]
        first.suggestions().index(0, 0)
    )
    assert first.person_id == ids[0]
    assert first.name.text() == "张三" and first.phone.text() == "13800138000"
    assert first.history.isVisibleTo(dlg) and earlier.case_code in first.history.text()
    type_text(qtbot, second.name, "李四")
    type_text(qtbot, second.phone, "13900139000")
    dlg.category.set_code("neighbour")
    type_text(qtbot, dlg.summary_edit, "排水沟堵塞，双方发生口角。")
    assert dlg.save() is True
    with env.db.session() as s:
        parties = s.scalars(
            select(DisputeParty).where(DisputeParty.dispute_id == dlg.record_id)
        ).all()
        assert parties[0].person_id == ids[0]
        assert {p.role for p in parties} == {"applicant", "respondent"}
    assert _count(env.db, Person) == persons_before + 1  # only 李四 is new


def test_parties_can_be_added_and_removed(qtbot: Any, env: UiEnv) -> None:
    dlg = DisputeDialog(env)
    qtbot.addWidget(dlg)
    assert len(dlg.parties.rows) == 2
    qtbot.mouseClick(dlg.parties.add_button, Qt.MouseButton.LeftButton)
    assert len(dlg.parties.rows) == 3 and dlg.parties.rows[2].role.code() == "party"
    for i, name in enumerate(["甲", "乙", "丙"]):
        type_text(qtbot, dlg.parties.rows[i].name, f"测试{name}")
        type_text(qtbot, dlg.parties.rows[i].phone, f"1380013800{i}")
    qtbot.mouseClick(dlg.parties.rows[1].remove_button, Qt.MouseButton.LeftButton)
    assert [r.name.text() for r in dlg.parties.rows] == ["测试甲", "测试丙"]
    dlg.category.set_code("neighbour")
    type_text(qtbot, dlg.summary_edit, "通行纠纷")
    type_text(qtbot, dlg.parties.rows[1].phone, "x")  # a bad phone on the second party
    assert dlg.save() is False
    assert dlg.parties.rows[1].phone.property("invalid") == "true"
    assert dlg.parties.rows[0].phone.property("invalid") != "true"
    dlg.parties.rows[1].phone.setText("13800138002")
    assert dlg.save() is True
    with env.db.session() as s:
        d = s.get(Dispute, dlg.record_id)
        assert d is not None and d.party_names == "测试甲、测试丙"


def _accept_with(values: dict[str, str]) -> Any:
    def exec_(self: ActionDialog) -> int:
        for name, value in values.items():
            w = self.inputs[name]
            if hasattr(w, "setPlainText"):
                w.setPlainText(value)
            elif hasattr(w, "set_code"):
                w.set_code(value)
            elif hasattr(w, "setText"):
                w.setText(value)
        return 1 if self.save() else 0

    return exec_


def _buttons(dlg: Any) -> list[str]:
    return [b.text() for b in dlg.action_buttons]


def test_workflow_buttons_offer_only_legal_moves_and_advance(
    qtbot: Any, env: UiEnv, ctx: Any, monkeypatch: Any
) -> None:
    v = register_visit(ctx, visit_input()).record
    dlg = VisitDialog(env, v.id)
    qtbot.addWidget(dlg)
    assert _buttons(dlg) == ["审核"]
    monkeypatch.setattr(ActionDialog, "exec", _accept_with({"note": "同意受理"}))
    review: QPushButton = dlg.action_buttons[0]
    qtbot.mouseClick(review, Qt.MouseButton.LeftButton)
    assert "已审核" in dlg.header.text()
    assert _buttons(dlg) == ["受理", "不予受理", "告知"]
    assert dlg.run_action("accept")
    assert _buttons(dlg) == ["当场答复", "自行办理", "转办", "交办"]
    monkeypatch.setattr(ActionDialog, "exec", _accept_with({"unit": "镇国土所", "note": "请核实"}))
    assert dlg.run_action("transfer")
    assert "办理中" in dlg.header.text()
    events = [dlg.timeline_table.item(i, 1) for i in range(dlg.timeline_table.rowCount())]
    assert "转办/移送" in [e.text() for e in events if e is not None]
    with env.db.session() as s:
        got = s.get(Visit, v.id)
        assert got is not None and got.status == "in_progress" and got.handler_unit == "镇国土所"


def test_action_dialog_errors_name_the_field(qtbot: Any, env: UiEnv, ctx: Any) -> None:
    d = register_dispute(ctx, dispute_input()).record
    dlg = ActionDialog(env, "dispute", d.id, "transfer")
    qtbot.addWidget(dlg)
    assert dlg.save() is False  # 移送单位 and 移送理由 missing
    assert dlg.inputs["unit"].property("invalid") == "true"
    assert "移送单位" in dlg.summary.text()
    with env.db.session() as s:
        got = s.get(Dispute, d.id)
        assert got is not None and got.status == "registered"


def test_roles_limit_the_moves(qtbot: Any, village_db: Any, ctx: Any, clock: Any) -> None:
    create_operator(ctx, OperatorInput("clerk1", "录入员甲", "clerk", "clerk123"))
    v = register_visit(ctx, visit_input()).record
    clerk_env = UiEnv(village_db, operator_id(village_db, "clerk1"), clock=clock)
    dlg = VisitDialog(clerk_env, v.id)
    qtbot.addWidget(dlg)
    assert _buttons(dlg) == []  # 审核 is for the station head
    assert not dlg.void_button.isVisibleTo(dlg)
    assert dlg.save_button.isVisibleTo(dlg)  # clerks still correct registrations
    # the ID number is masked for the clerk and kept when saving unchanged
    row = dlg.petitioners.rows[0]
    assert "*" in row.id_number.text()
    type_text(qtbot, dlg.place, "柳树村三组")
    assert dlg.save() is True
    with village_db.session() as s:
        person = s.get(Person, row.person_id)
        assert person is not None and person.id_number == "11010519491231002X"


def test_sessions_recorded_from_the_dispute(
    qtbot: Any, env: UiEnv, ctx: Any, monkeypatch: Any
) -> None:
    d = register_dispute(ctx, dispute_input()).record
    dlg = DisputeDialog(env, d.id)
    qtbot.addWidget(dlg)

    def exec_(self: SessionDialog) -> int:
        self.mediators.setText("李晓梅")
        self.content.setPlainText("双方陈述意见，调解员释法说理。")
        return 1 if self.save() else 0

    monkeypatch.setattr(SessionDialog, "exec", exec_)
    assert dlg.add_session("mediation")
    assert dlg.sessions_table.rowCount() == 1
    assert "调处中" in dlg.header.text()
    assert "调解成功" in _buttons(dlg)


def test_foreign_records_are_read_only(qtbot: Any, township_db: Any, clock: Any) -> None:
    from benchmarks.ledger_fill import fill

    fill(township_db, visits=1, disputes=1, origin="110105001001", today=date(2026, 3, 16))
    c = open_ctx(township_db, "admin", clock=clock)
    visit_id = c.session.scalars(select(Visit.id)).one()
    c.close()
    env = UiEnv(township_db, operator_id(township_db), clock=clock)
    dlg = VisitDialog(env, visit_id)
    qtbot.addWidget(dlg)
    assert not dlg.save_button.isVisibleTo(dlg)
    assert dlg.banner.isVisibleTo(dlg) and "110105001001" in dlg.banner.text()
    assert _buttons(dlg) == []
    assert dlg.request.isReadOnly()


def test_unsaved_changes_guard(qtbot: Any, env: UiEnv, boxes: Boxes) -> None:
    dlg = VisitDialog(env)
    qtbot.addWidget(dlg)
    dlg.show()
    type_text(qtbot, dlg.request, "尚未保存的诉求")
    boxes.answer = "继续编辑"
    dlg.reject()
    assert dlg.isVisible() and dlg.is_dirty()
    assert "未保存" in boxes.texts()
    boxes.answer = "不保存"
    dlg.reject()
    assert not dlg.isVisible()
    assert _count(env.db, Visit) == 0


def test_print_menu_lists_the_forms_and_opens_the_preview(
    qtbot: Any, env: UiEnv, ctx: Any, monkeypatch: Any
) -> None:
    import app.ui.print_preview as preview_module

    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(
        preview_module,
        "preview_form",
        lambda parent, env, key, record_id, *a, **k: calls.append((key, record_id)),
    )
    d = register_dispute(ctx, dispute_input()).record
    dlg = DisputeDialog(env, d.id)
    qtbot.addWidget(dlg)
    dlg.print_menu.aboutToShow.emit()
    actions = {a.text(): a for a in dlg.print_menu.actions()}
    assert actions["人民调解申请书"].isEnabled()
    assert not actions["人民调解协议书"].isEnabled()  # no agreement before 调解成功
    actions["人民调解申请书"].trigger()
    assert calls == [("application", d.id)]
    v = register_visit(ctx, visit_input()).record
    vdlg = VisitDialog(env, v.id)
    qtbot.addWidget(vdlg)
    vdlg.print_menu.aboutToShow.emit()
    assert any(a.isEnabled() for a in vdlg.print_menu.actions())


def test_session_record_can_be_read_in_full(qtbot: Any, env: UiEnv, ctx: Any, boxes: Boxes) -> None:
    from app.services.disputes import SessionInput, record_session

    d = register_dispute(ctx, dispute_input()).record
    record_session(ctx, d.id, SessionInput(kind="investigation", content="走访了相邻三户。"))
    dlg = DisputeDialog(env, d.id)
    qtbot.addWidget(dlg)
    dlg.sessions_table.cellDoubleClicked.emit(0, 2)
    assert "走访了相邻三户" in boxes.texts() and "第1次调查记录" in boxes.texts()


def test_reject_dialog_records_the_competent_body_for_the_notice(
    qtbot: Any, env: UiEnv, ctx: Any
) -> None:
    from app.services.visits import VisitAction, advance_visit
    from app.ui.printing import forms

    v = register_visit(ctx, visit_input()).record
    advance_visit(ctx, v.id, "review", VisitAction(note="同意"))
    dlg = ActionDialog(env, "visit", v.id, "reject")
    qtbot.addWidget(dlg)
    assert "unit" in dlg.inputs  # 有权处理机关
    type_text(qtbot, dlg.inputs["note"], "属于诉讼事项")
    type_text(qtbot, dlg.inputs["unit"], "县人民法院")
    assert dlg.save() is True
    with env.db.session() as s:
        got = s.get(Visit, v.id)
        assert got is not None and got.status == "not_accepted"
        assert got.competent_body == "县人民法院"
        offered = {key: ok for key, _title, ok in forms("visit", got)}
    assert offered["petition_reject"] is True and offered["petition_accept"] is False


def test_person_defaults_are_real_names_never_roles(qtbot: Any, env: UiEnv, ctx: Any) -> None:
    """首接人 and the 督办 form's 责任人/督办人 default to the operator's real name (asked for
    when the operator is created), never to an account such as 管理员 or to 系统."""
    from app.rules.errors import ValidationError
    from app.services.operators import list_operators

    before = len(list_operators(ctx))
    with pytest.raises(ValidationError, match="角色而不是人名"):
        create_operator(ctx, OperatorInput("clerk9", "管理员", "clerk", "clerk123"))
    assert len(list_operators(ctx)) == before  # nothing written
    create_operator(ctx, OperatorInput("zxl", "张秀兰", "clerk", "clerk123"))
    clerk = UiEnv(env.db, operator_id(env.db, "zxl"), clock=env.clock)
    dlg = VisitDialog(clerk)
    qtbot.addWidget(dlg)
    assert dlg.first_responder.text() == "张秀兰"
    dlg.set_clean()
