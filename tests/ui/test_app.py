"""Pages, the ledger table model, main window navigation, login, idle lock, first run, the
crash handler and settings — wired to real ledgers offscreen."""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from sqlalchemy import select

from app.db import open_database
from app.models import CodeItem, Operator, Visit
from app.services.ledger_query import LedgerFilter, visit_page
from app.services.operators import OperatorInput, create_operator
from app.services.stations import is_initialised
from app.services.visits import VisitAction, advance_visit, register_visit
from app.ui import crash
from app.ui.env import UiEnv
from app.ui.first_run import FirstRunWizard
from app.ui.ledger_model import Column, LedgerModel
from app.ui.login import LoginDialog
from app.ui.main_window import MainWindow, page_class
from app.ui.pages import PAGE_MODULES
from app.ui.pages.dashboard import DashboardPage
from app.ui.pages.settings import SettingsPage
from app.ui.pages.statistics import StatisticsPage
from app.ui.pages.visits import VisitsPage
from tests.search.helpers import visit_input

from .conftest import Boxes, operator_id, settle, show_active, type_text


def test_every_page_in_page_modules_loads(qtbot: Any, env: UiEnv) -> None:
    assert len(PAGE_MODULES) == 7
    for name in PAGE_MODULES:
        mod = importlib.import_module(name)  # no placeholder: every module is installed
        cls = page_class(mod)
        assert cls.PAGE_KEY and cls.PAGE_TITLE  # type: ignore[attr-defined]
        factory: Any = cls
        page = factory(env, None)
        qtbot.addWidget(page)
        page.refresh()
        settle(qtbot)


def test_main_window_navigation_and_status_bar(qtbot: Any, env: UiEnv, ctx: Any) -> None:
    register_visit(ctx, visit_input())
    win = MainWindow(env)
    qtbot.addWidget(win)
    show_active(qtbot, win)
    titles = [win.nav.item(i).text() for i in range(win.nav.count())]
    assert titles == ["工作台", "来信来访", "矛盾纠纷", "台账", "统计", "同步", "设置"]
    # pages are imported on first show; each one exists and its key and title match the nav
    loaded = [s.key for s in win.slots if s.cls is not None and not s.missing]
    assert loaded == [
        "dashboard",
        "visits",
        "disputes",
        "registers",
        "statistics",
        "sync",
        "settings",
    ]
    assert [s.title for s in win.slots] == titles
    settle(qtbot)
    assert "柳树村综治中心" in win.station_label.text() and "管理员" in win.operator_label.text()
    dash = win.current_page()
    assert isinstance(dash, DashboardPage)
    assert dash.card_today.value.text() == "1"
    qtbot.keyClick(win.nav, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    visits = win.current_page()
    assert isinstance(visits, VisitsPage) and visits.model.rowCount() == 1
    qtbot.keyClick(win.nav, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)  # Ctrl+F
    assert visits.search.hasFocus()
    for i in range(win.nav.count()):
        win.nav.setCurrentRow(i)
        settle(qtbot)
        assert win.stack.currentWidget() is win.slots[i].widget


def test_dashboard_shows_overdue_and_opens_ledger_filtered(
    qtbot: Any, env: UiEnv, ctx: Any
) -> None:
    register_visit(ctx, visit_input(received_at="2026-02-01 10:00"))  # accept due 02-16
    register_visit(ctx, visit_input(received_at="2026-03-02 10:00"))  # due 03-17: soon
    win = MainWindow(env)
    qtbot.addWidget(win)
    settle(qtbot)
    dash = win.current_page()
    assert isinstance(dash, DashboardPage)
    assert dash.card_overdue.value.text() == "1" and dash.card_soon.value.text() == "1"
    cell = dash.overdue_table.item(0, 0)
    assert cell is not None and cell.text() == "超期28天"
    win.show_ledger("visits", "overdue")
    page = win.current_page()
    assert isinstance(page, VisitsPage)
    assert page.model.rowCount() == 1 and page.deadline.currentData() == "overdue"


def _seed(ctx: Any) -> list[str]:
    from benchmarks.ledger_fill import fill

    fill(ctx.db, visits=450, disputes=0, today=date(2026, 3, 16), seed=11)
    v = register_visit(ctx, visit_input()).record
    advance_visit(ctx, v.id, "review", VisitAction(note="同意"))
    return [v.id]


def test_ledger_page_filters_search_sort_and_pages(qtbot: Any, env: UiEnv, ctx: Any) -> None:
    (zs_id,) = _seed(ctx)
    page = VisitsPage(env)
    qtbot.addWidget(page)
    page.resize(1300, 700)
    page.show()
    page.refresh()
    settle(qtbot)
    assert page.model.rowCount() == 200 and page.model.canFetchMore(QModelIndex())
    assert page.total == 451 and "共 451 条" in page.count_label.text()
    bar = page.table.verticalScrollBar()
    bar.setValue(bar.maximum())  # scrolling to the end makes the view fetch the next page
    qtbot.waitUntil(lambda: page.model.rowCount() > 200)
    # text search (debounced as the clerk types)
    type_text(qtbot, page.search, "张三")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=3000)
    assert page.model.row_id(0) == zs_id
    page.search.clear()
    page.apply_filters()
    page.status.setCurrentIndex(page.status.findData("reviewed"))
    settle(qtbot)
    assert all(page.model.row(i).status == "reviewed" for i in range(page.model.rowCount()))
    page.reset_filters()
    page.deadline.setCurrentIndex(page.deadline.findData("overdue"))
    rows = [page.model.row(i) for i in range(page.model.rowCount())]
    assert rows and all(r.days_left is not None and r.days_left < 0 for r in rows)
    page.reset_filters()
    # clicking a header sorts in SQL (reload from the first page)
    col = next(i for i, c in enumerate(page.model.columns) if c.sort == "case_code")
    page.table.sortByColumn(col, Qt.SortOrder.AscendingOrder)
    codes = [page.model.row(i).case_code for i in range(page.model.rowCount())]
    assert codes == sorted(codes) and page.model.sort_key == "case_code"
    # custom period
    page.period.setCurrentIndex(page.period.findData("custom"))
    page.date_from.set_value(date(2026, 3, 16))
    page.date_to.set_value(date(2026, 3, 16))
    settle(qtbot)
    assert all(
        page.model.row(i).received_on == date(2026, 3, 16) for i in range(page.model.rowCount())
    )
    # the row colours: status and deadline cells have a foreground colour
    idx = page.model.index(
        0, next(i for i, c in enumerate(page.model.columns) if c.title == "状态")
    )
    assert page.model.data(idx, Qt.ItemDataRole.ForegroundRole) is not None


def test_table_model_passes_qtmodeltester(qtmodeltester: Any, env: UiEnv, ctx: Any) -> None:
    _seed(ctx)

    def fetch(flt: LedgerFilter, sort: str, desc: bool, after: Any) -> Any:
        with env.ctx() as c:
            return visit_page(c, flt, sort=sort, descending=desc, after=after, limit=100)

    columns: list[Column[Any]] = [
        Column("编码", lambda r: r.case_code, "case_code"),
        Column("日期", lambda r: r.received_on.isoformat(), "received_on"),
        Column("身份证号", lambda r: r.id_number, None),
    ]
    model = LedgerModel(fetch, columns, default_sort="received_on")
    model.reload()
    assert model.rowCount() == 100
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() > 100  # the tester fetched more pages
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == 451 and len({model.row_id(i) for i in range(451)}) == 451
    assert model.headerData(2, Qt.Orientation.Horizontal) == "身份证号"
    # sorted and filtered listings are checked on fresh models (the Python tester runs its
    # checks from modelReset before its own reset bookkeeping, so it cannot follow a
    # fetch-more model through a reset)
    by_code = LedgerModel(fetch, columns, default_sort="received_on")
    by_code.sort(0, Qt.SortOrder.AscendingOrder)
    by_code.reload()
    qtmodeltester.check(by_code, force_py=True)
    codes = [by_code.row(i).case_code for i in range(by_code.rowCount())]
    assert codes == sorted(codes)
    found = LedgerModel(fetch, columns, default_sort="received_on")
    found.set_filter(LedgerFilter(text="张三"))
    qtmodeltester.check(found, force_py=True)
    assert found.rowCount() == 1 and not found.canFetchMore(QModelIndex())


def test_login_failure_lockout_and_success(qtbot: Any, village_db: Any, clock: Any) -> None:
    dlg = LoginDialog(village_db, clock=clock, username="admin")
    qtbot.addWidget(dlg)
    type_text(qtbot, dlg.password, "wrong-password")
    assert dlg.try_login() is False
    assert dlg.message.isVisibleTo(dlg) and "还可尝试4次" in dlg.message.text()
    assert dlg.password.text() == ""
    for _ in range(4):
        dlg.password.setText("wrong-password")
        dlg.try_login()
    assert "已锁定" in dlg.message.text()
    dlg.password.setText("admin123")
    assert dlg.try_login() is False and "锁定" in dlg.message.text()
    clock.advance(minutes=16)
    dlg.password.setText("admin123")
    assert dlg.try_login() is True and dlg.operator_id == operator_id(village_db)
    dlg2 = LoginDialog(village_db, clock=clock)
    qtbot.addWidget(dlg2)
    dlg2.username.setText("nobody")
    dlg2.password.setText("x")
    assert dlg2.try_login() is False and "用户名或密码不正确" in dlg2.message.text()


def test_idle_lock_and_unlock(qtbot: Any, env: UiEnv) -> None:
    win = MainWindow(env)
    qtbot.addWidget(win)
    show_active(qtbot, win)
    assert win.idle.interval_ms() == 15 * 60_000  # the station setting
    win.idle.set_interval_ms(30)
    qtbot.waitUntil(win.is_locked, timeout=3000)
    assert not win.new_action.isEnabled()
    win.lock_screen.password.setText("bad-password")
    assert win.lock_screen.try_unlock() is False
    assert "还可尝试" in win.lock_screen.message.text()
    win.idle.set_interval_ms(60_000)
    win.lock_screen.password.setText("admin123")
    assert win.lock_screen.try_unlock() is True
    assert not win.is_locked() and win.new_action.isEnabled()


def test_first_run_wizard_creates_station_and_admin(qtbot: Any, tmp_path: Path) -> None:
    db = open_database(tmp_path / "new.sqlite3")
    try:
        wiz = FirstRunWizard(db)
        qtbot.addWidget(wiz)
        wiz.show()
        type_text(qtbot, wiz.name, "杨庄村综治中心")
        type_text(qtbot, wiz.code, "110105001002")
        assert wiz.parent_code.text() == "110105001000"  # suggested from the code
        wiz.next()
        assert wiz.currentPage() is wiz.admin_page
        wiz.admin_name.setText("管理员")  # a role, not the person: refused, nothing written
        wiz.password.setText("secret1")
        wiz.password2.setText("secret1")
        assert wiz.validateCurrentPage() is False and "真实姓名" in wiz.summary.text()
        assert not is_initialised(db)
        wiz.admin_name.setText("杨秀英")
        wiz.password.setText("secret1")
        wiz.password2.setText("secret2")
        assert wiz.validateCurrentPage() is False and "不一致" in wiz.summary.text()
        assert not is_initialised(db)
        wiz.password2.setText("secret1")
        wiz.code.setText("110105001000")  # a township code for a village: named and refused
        assert wiz.validateCurrentPage() is False
        assert wiz.currentPage() is wiz.station_page and wiz.code.property("invalid") == "true"
        assert not is_initialised(db)
        wiz.code.setText("110105001002")
        wiz.next()
        assert wiz.validateCurrentPage() is True
        assert is_initialised(db) and wiz.admin_username == "admin"
        login = LoginDialog(db, username="admin")
        qtbot.addWidget(login)
        login.password.setText("secret1")
        assert login.try_login()
    finally:
        db.close()


def test_crash_report_keeps_personal_data_out(qtbot: Any, tmp_path: Path, boxes: Boxes) -> None:
    crash.install(tmp_path / "logs")
    try:
        raise RuntimeError("张三 11010519491231002X 13800138000 出错")
    except RuntimeError as exc:
        crash.report_exception(type(exc), exc, exc.__traceback__)
    assert crash.last_report is not None and crash.last_report.parent == tmp_path / "logs"
    text = crash.last_report.read_text(encoding="utf-8")
    assert "test_crash_report_keeps_personal_data_out" in text and "RuntimeError" in text
    assert "11010519491231002X" not in text and "13800138000" not in text
    assert "数据是安全的" in boxes.texts()


def test_settings_page_operators_codes_password(
    qtbot: Any, env: UiEnv, ctx: Any, monkeypatch: Any
) -> None:
    page = SettingsPage(env)
    qtbot.addWidget(page)
    page.refresh()
    assert page.group_threshold.value() == 5 and page.idle_lock.value() == 15
    page.group_threshold.setValue(3)
    page.idle_lock.setValue(1000 // 100)
    page.spans["mediation_general"].days.setValue(15)
    page.spans["mediation_general"].months.setValue(0)
    assert page.save_settings()
    page.mediation_prefix.setText("（坏）")
    assert page.save_settings() is False
    assert page.mediation_prefix.property("invalid") == "true"
    # operators: add through the dialog, lock out, unlock
    from app.ui.pages.settings import OperatorDialog

    dlg = OperatorDialog(env, [("clerk", "录入员")])
    qtbot.addWidget(dlg)
    type_text(qtbot, dlg.username, "zhaol")
    type_text(qtbot, dlg.display_name, "赵琳")
    dlg.password.setText("12")
    assert dlg.save() is False and dlg.password.property("invalid") == "true"
    dlg.password.setText("zhaol123")
    assert dlg.save() is True
    from app.services.operators import LoginError, authenticate

    for _ in range(5):
        with pytest.raises(LoginError):
            authenticate(env.db, "zhaol", "bad", now=env.clock())
    page.refresh()

    def cell_text(r: int, c: int) -> str:
        item = page.operators.item(r, c)
        return item.text() if item is not None else ""

    row = next(i for i in range(page.operators.rowCount()) if cell_text(i, 0) == "zhaol")
    assert "已锁定" in cell_text(row, 3)
    page.operators.selectRow(row)
    page.unlock_selected()
    assert authenticate(env.db, "zhaol", "zhaol123", now=env.clock()).username == "zhaol"
    # a local code
    for i in range(page.code_table_list.count()):
        if page.code_table_list.item(i).data(Qt.ItemDataRole.UserRole) == "dispute_category":
            page.code_table_list.setCurrentRow(i)
    type_text(qtbot, page.new_code, "tourism")
    type_text(qtbot, page.new_label, "旅游纠纷")
    assert page.add_code()
    with env.db.session() as s:
        item = s.get(CodeItem, ("dispute_category", "tourism"))
        assert item is not None and item.is_local
    page.new_code.setText("tourism")
    page.new_label.setText("旅游纠纷")
    assert page.add_code() is False and not page.code_error.isHidden()
    # change my password
    page.old_password.setText("admin123")
    page.new_password.setText("newpass1")
    page.new_password2.setText("newpass2")
    assert page.change_password() is False
    page.new_password2.setText("newpass1")
    assert page.change_password()
    assert authenticate(env.db, "admin", "newpass1", now=env.clock()).username == "admin"


def test_clerk_cannot_change_settings(qtbot: Any, village_db: Any, ctx: Any, clock: Any) -> None:
    create_operator(ctx, OperatorInput("clerk1", "录入员甲", "clerk", "clerk123"))
    page = SettingsPage(UiEnv(village_db, operator_id(village_db, "clerk1"), clock=clock))
    qtbot.addWidget(page)
    page.refresh()
    assert not page.save_settings_button.isEnabled()
    assert not page.add_operator_button.isEnabled()


def test_statistics_page(qtbot: Any, env: UiEnv, ctx: Any) -> None:
    register_visit(ctx, visit_input())
    page = StatisticsPage(env)
    qtbot.addWidget(page)
    page.refresh()
    settle(qtbot)
    assert page.result is not None and page.c_visits.value.text() == "1"
    page.period.setCurrentIndex(1)  # last month: nothing → zero report
    settle(qtbot)
    assert page.zero.isVisibleTo(page) and "零报告" in page.zero.text()


def test_new_record_selects_it_in_the_list(qtbot: Any, env: UiEnv, monkeypatch: Any) -> None:
    from app.ui.forms.visit_form import VisitDialog

    def exec_(self: VisitDialog) -> int:
        self.category.set_code("village_affairs")
        self.request.setPlainText("要求修缮村道")
        self.petitioners.rows[0].name.setText("周八")
        self.petitioners.rows[0].phone.setText("13800138009")
        return 1 if self.save() else 0

    monkeypatch.setattr(VisitDialog, "exec", exec_)
    page = VisitsPage(env)
    qtbot.addWidget(page)
    page.refresh()
    page.new_record()
    settle(qtbot)
    assert page.model.rowCount() == 1
    with env.db.session() as s:
        vid = s.scalars(select(Visit.id)).one()
    assert page.selected_id() == vid
    with env.db.session() as s:
        assert s.scalars(select(Operator).where(Operator.username == "admin")).one()
