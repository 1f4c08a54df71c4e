"""The 台账 page and its dialogs, offscreen: lists, typed form with errors beside the fields,
person autocomplete, transfer tracking, local types and fields, printing to PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from app.services import registers as reg
from app.services.context import open_ctx
from app.services.operators import OperatorInput, create_operator
from app.services.visits import VisitAction, advance_visit, register_visit
from app.ui.env import UiEnv
from app.ui.forms.register_forms import (
    FieldDialog,
    ManageTypesDialog,
    PrintDialog,
    RecordDialog,
    TypeDialog,
)
from app.ui.pages.registers import PAGE_KEY, PAGE_TITLE, RegistersPage
from tests.ledger_helpers import ledger_snapshot

from .conftest import visit_input


@pytest.fixture(autouse=True)
def _no_modal_boxes(monkeypatch):
    """Message boxes would block offscreen: record them instead."""
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []

    def record(*args, **_kw):
        shown.append(" ".join(str(a) for a in args[1:3]))
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "information", staticmethod(record))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(record))
    monkeypatch.setattr(QMessageBox, "exec", lambda self: 0)
    return shown


@pytest.fixture
def env(village_db, ctx, clock) -> UiEnv:
    return UiEnv(village_db, ctx.operator.id, clock)


def ed(dlg: RecordDialog) -> Any:
    """The form's editors (typed per field: DatePick, PersonEdit, TableEdit …)."""
    return dlg.editors


def _select(page: RegistersPage, key: str) -> reg.RegisterTypeInfo:
    for r in range(page.type_list.count()):
        type_id = page.type_list.item(r).data(0x0101)
        info = next((i for i in page.infos if i.id == type_id), None)
        if info is not None and info.key == key:
            page.type_list.setCurrentRow(r)
            return info
    raise AssertionError(key)


def test_page_contract_and_type_list(qtbot, env) -> None:
    page = RegistersPage(env)
    qtbot.addWidget(page)
    assert PAGE_KEY == page.PAGE_KEY == "registers" and PAGE_TITLE == "台账"
    names = [page.type_list.item(r).text() for r in range(page.type_list.count())]
    assert len(names) == 10 and names[0].startswith("工作记录簿")
    assert page.manage_button.isVisibleTo(page)  # the station admin manages types
    _select(page, "dispute_register")
    assert not page.add_button.isEnabled()
    assert "矛盾纠纷" in page.add_button.toolTip()
    _select(page, "monthly_bulletin")
    assert page.add_button.text() == "生成月通报…"


def test_add_record_through_the_form(qtbot, env, village_db, ctx) -> None:
    page = RegistersPage(env)
    qtbot.addWidget(page)
    info = _select(page, "work_log")
    assert page.model.rowCount() == 0
    dlg = RecordDialog(env, info, None, page)
    qtbot.addWidget(dlg)
    dlg.show()
    # defaults: today and the operator
    assert ed(dlg)["date"].value() == "2026-03-16"
    assert ed(dlg)["author"].text() == ctx.operator.display_name
    # bad values: errors beside the fields, nothing written
    before = ledger_snapshot(village_db)
    ed(dlg)["date"].set_value("2026-02-30")
    assert dlg.save() is False
    assert "「日期」" in dlg.summary.text() and "「工作内容」不能为空" in dlg.summary.text()
    assert ed(dlg)["date"].edit.property("invalid") == "true"
    assert ledger_snapshot(village_db) == before
    ed(dlg)["date"].set_value("2026-03-12")
    ed(dlg)["content"].setPlainText("到三组走访，排查纠纷1起")
    assert dlg.save() is True
    page.reload_records()
    assert page.model.rowCount() == 1
    assert page.model.data(page.model.index(0, 0)) == "2026-03-12"
    # filter by text
    page.search.setText("不存在的内容")
    page.reload_records()
    assert page.model.rowCount() == 0
    page.search.setText("三组")
    page.reload_records()
    assert page.model.rowCount() == 1
    # edit the selected row
    page.table.selectRow(0)
    assert page.edit_button.text() == "修改" and page.void_button.isEnabled()
    row = page.selected_row()
    assert row is not None
    edit = RecordDialog(env, info, row, page)
    qtbot.addWidget(edit)
    edit.show()
    assert ed(edit)["content"].toPlainText() == "到三组走访，排查纠纷1起"
    ed(edit)["content"].setPlainText("到三组、四组走访")
    assert edit.save() is True
    assert reg.get_record(ctx, row.id).values["content"] == "到三组、四组走访"


def test_table_field_errors_point_at_the_table(qtbot, env) -> None:
    with env.ctx() as c:
        info = reg.get_type(c, "meeting_minutes")
    dlg = RecordDialog(env, info, None)
    qtbot.addWidget(dlg)
    dlg.show()
    ed(dlg)["host"].setText("刘志强")
    ed(dlg)["attendees"].setText("刘志强、王芳")
    ed(dlg)["topics"].setPlainText("一季度形势分析")
    table = ed(dlg)["decisions"]
    table.add_row({"content": "化解三组纠纷", "owner": "赵建国"})
    assert dlg.save() is False
    assert "「议定事项第1行的完成期限」不能为空" in dlg.summary.text()
    assert table.table.property("invalid") == "true"
    table.table.item(0, 2).setText("2026-03-30")
    assert dlg.save() is True
    with env.ctx() as c:
        [due] = reg.due_decisions(c, 30)
    assert (due.content, due.owner, due.days_left) == ("化解三组纠纷", "赵建国", 14)


def test_person_autocomplete_links_the_person(qtbot, env, ctx) -> None:
    register_visit(ctx, visit_input())  # 张三 is now a known person
    with env.ctx() as c:
        info = reg.get_type(c, "roster")
    dlg = RecordDialog(env, info, None)
    qtbot.addWidget(dlg)
    dlg.show()
    name = ed(dlg)["name"]
    name.setText("zs")
    assert name.search_now() == 1
    item = name.suggestions().item(0)
    assert item.text().startswith("张三")
    name.pick("张三", item.data(0x0101))
    ed(dlg)["role"].set_code("grid_worker")
    ed(dlg)["grid"].setText("第三网格")
    ed(dlg)["phone"].setText("13800138000")
    ed(dlg)["service"].start.set_value("2025-01-01")
    assert dlg.save() is True
    row = reg.list_records(ctx, "roster").rows[0]
    assert row.values["name"]["person_id"] == item.data(0x0101)


def test_transfer_tracking_from_the_page(qtbot, env, ctx) -> None:
    v = register_visit(ctx, visit_input()).record
    advance_visit(ctx, v.id, "review", VisitAction(note="同意", on="2026-03-03"))
    advance_visit(ctx, v.id, "accept", VisitAction(on="2026-03-04"))
    advance_visit(ctx, v.id, "transfer", VisitAction(unit="镇国土所", on="2026-03-05"))
    page = RegistersPage(env)
    qtbot.addWidget(page)
    info = _select(page, "transfer_notice")
    assert page.model.rowCount() == 1
    page.table.selectRow(0)
    assert page.edit_button.text() == "登记回执/反馈"
    assert not page.void_button.isEnabled()  # nothing stored yet to void
    dlg = RecordDialog(env, info, page.selected_row(), page)
    qtbot.addWidget(dlg)
    dlg.show()
    assert set(dlg.editors) == {"receipt_on", "feedback_on", "feedback"}
    ed(dlg)["receipt_on"].set_value("2026-03-06")
    assert dlg.save() is True
    page.reload_records()
    flags_col = [k for k, _ in page.model.columns].index("tracking")
    assert page.model.data(page.model.index(0, flags_col)) == "已回执，待反馈"


def test_manage_types_adds_a_local_register(qtbot, env) -> None:
    page = RegistersPage(env)
    qtbot.addWidget(page)
    manage = ManageTypesDialog(env, page)
    qtbot.addWidget(manage)
    assert manage.types.count() == 10
    tdlg = TypeDialog(env, None, manage)
    qtbot.addWidget(tdlg)
    tdlg.name.setText("工作记录簿")
    assert tdlg.save() is False and "已存在" in tdlg.name_error.text()
    tdlg.name.setText("值班记录")
    tdlg.period.set_code("daily")
    assert tdlg.save() is True
    info = tdlg.result_info
    assert info is not None and info.name == "值班记录"
    fdlg = FieldDialog(env, info, None, manage)
    qtbot.addWidget(fdlg)
    fdlg.label.setText("天气")
    fdlg.type.set_code("choice")
    assert fdlg.save() is False and "「可选项」不能为空" in fdlg.summary.text()
    fdlg.choices.setPlainText("晴\n阴\n雨")
    assert fdlg.save() is True
    manage.reload(info.id)
    first = manage.fields.item(0, 0)
    assert manage.fields.rowCount() == 1 and first is not None and first.text() == "天气"
    page.refresh()
    local = _select(page, info.key)
    form = RecordDialog(env, local, None, page)
    qtbot.addWidget(form)
    form.show()
    assert [c for c in ("", "晴", "阴", "雨") if ed(form)["tian_qi"].findText(c) >= 0]
    ed(form)["tian_qi"].set_code("阴")
    assert form.save() is True


def test_print_dialog_writes_a_pdf(qtbot, env, ctx, tmp_path: Path) -> None:
    reg.add_record(
        ctx,
        "work_log",
        {"日期": "2026-03-10", "记录人": "王芳", "工作类别": "走访群众", "工作内容": "走访三组"},
    )
    with env.ctx() as c:
        info = reg.get_type(c, "work_log")
    dlg = PrintDialog(env, info, ctx.today())
    qtbot.addWidget(dlg)
    assert dlg.start.value() == "2026-03-01" and dlg.end.value() == "2026-03-31"  # 本期
    out = dlg.export_to(tmp_path / "p.pdf")
    assert len(out.rows) == 1
    text = PdfReader(str(tmp_path / "p.pdf")).pages[0].extract_text()
    assert "柳树村综治中心工作记录簿" in text and "走访三组" in text
    preview = dlg.preview_dialog()  # the shared print preview (Qt PDF), printable and savable
    qtbot.addWidget(preview)
    assert preview.page_count == 1 and preview.file_name.startswith("工作记录簿_2026年3月")
    dlg.period.set_code("previous")
    assert dlg.start.value() == "2026-02-01"


def test_clerk_sees_no_admin_button(qtbot, village_db, ctx, clock) -> None:
    create_operator(ctx, OperatorInput("clerk9", "王芳", "clerk", "clerk123"))
    clerk = open_ctx(village_db, "clerk9", clock=clock)
    try:
        env = UiEnv(village_db, clerk.operator.id, clock)
    finally:
        clerk.close()
    page = RegistersPage(env)
    qtbot.addWidget(page)
    assert not page.manage_button.isVisibleTo(page)
    _select(page, "work_log")
    assert page.add_button.isEnabled()
