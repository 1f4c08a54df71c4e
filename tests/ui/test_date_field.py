"""The one date(-time) field: typed text, an impossible day refused with a message naming the
field (nothing saved), the calendar on F4 and Alt+Down, whole on the screen, one Tab stop."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTableView, QWidget
from sqlalchemy import func, select

from app.models import Dispute, Visit
from app.ui.env import UiEnv
from app.ui.forms.dispute_form import DisputeDialog
from app.ui.forms.visit_form import VisitDialog
from app.ui.widgets import DateField

from .conftest import show_active, type_text


def _count(env: UiEnv, model: Any) -> int:
    with env.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _retype(qtbot: Any, field: DateField, text: str) -> None:
    field.setFocus()
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Delete)
    type_text(qtbot, field, text)


def test_typed_spellings(qtbot: Any) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    f = DateField(
        parent=host, field="registered_on", label="受理日期", today=lambda: date(2026, 3, 10)
    )
    for text, expected in [
        ("20260305", date(2026, 3, 5)),
        ("2026-3-5", date(2026, 3, 5)),
        ("2026.3.5", date(2026, 3, 5)),
        ("3.5", date(2026, 3, 5)),
        ("今天", date(2026, 3, 10)),
        ("昨天", date(2026, 3, 9)),
    ]:
        f.setText(text)
        f.editingFinished.emit()
        assert f.value() == expected
        assert f.text() == expected.isoformat()  # shown in full: the clerk sees the year
    t = DateField(parent=host, with_time=True, today=lambda: date(2026, 3, 10))
    t.setText("3.5 14:30")
    t.editingFinished.emit()
    assert t.value() == datetime(2026, 3, 5, 14, 30) and t.text() == "2026-03-05 14:30"


def test_impossible_date_is_refused_and_nothing_saved(qtbot: Any, env: UiEnv) -> None:
    dlg = VisitDialog(env)
    qtbot.addWidget(dlg)
    show_active(qtbot, dlg)
    dlg.category.set_code("village_affairs")
    type_text(qtbot, dlg.request, "要求公开村务")
    type_text(qtbot, dlg.petitioners.rows[0].name, "王秀英")
    _retype(qtbot, dlg.received_at, "20260230 00:58")
    qtbot.keyClick(dlg.received_at, Qt.Key.Key_Tab)
    assert dlg.received_at.text() == "20260230 00:58"  # kept as typed, never corrected
    assert dlg.received_at.property("invalid") == "true"
    before = _count(env, Visit)
    assert not dlg.save()
    assert "「登记时间」日期不存在：2026年2月30日" in dlg.summary.text()
    assert _count(env, Visit) == before
    assert dlg.focusWidget() is dlg.received_at

    d = DisputeDialog(env)
    qtbot.addWidget(d)
    show_active(qtbot, d)
    _retype(qtbot, d.registered_on, "2026-2-29")
    before = _count(env, Dispute)
    assert not d.save()
    assert "「受理日期」日期不存在：2026年2月29日" in d.summary.text()
    assert "2026年2月只有28天" in d.summary.text()
    assert _count(env, Dispute) == before


def test_calendar_opens_from_the_keyboard_and_fits_the_screen(qtbot: Any, env: UiEnv) -> None:
    dlg = VisitDialog(env)
    qtbot.addWidget(dlg)
    show_active(qtbot, dlg)
    field = dlg.received_at
    area = field.screen().availableGeometry()
    for key, mods in (
        (Qt.Key.Key_F4, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier),
    ):
        field.setFocus()
        before = field.text()
        qtbot.keyClick(field, key, mods)
        popup = field.calendar_popup()
        assert popup is not None and popup.isVisible()
        assert area.contains(popup.frameGeometry()), (popup.frameGeometry(), area)
        assert field.text() == before  # opening the calendar changes nothing (no year jump)
        cal = popup.calendar
        assert cal.selectedDate().day() == 16 and cal.selectedDate().month() == 3
        view = cal.findChild(QTableView)
        assert view is not None  # weekday row + six weeks, the last one whole
        last = view.visualRect(view.model().index(6, 6))
        assert view.viewport().rect().contains(last), (last, view.viewport().rect())
        qtbot.keyClick(cal, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda p=popup: not p.isVisible())
    # pick the next day with the keyboard: time of day kept
    qtbot.keyClick(field, Qt.Key.Key_F4)
    popup = field.calendar_popup()
    assert popup is not None
    focus = QApplication.focusWidget() or popup.calendar
    qtbot.keyClick(focus, Qt.Key.Key_Left)
    qtbot.keyClick(QApplication.focusWidget() or popup.calendar, Qt.Key.Key_Return)
    assert field.value().date() == date(2026, 3, 15)
    assert field.value().strftime("%H:%M") == dlg.received_at.text()[-5:]
    # a field near the bottom of the screen opens its calendar above itself, whole
    field.window().move(field.window().x(), area.bottom() - 80)
    QApplication.processEvents()
    qtbot.keyClick(field, Qt.Key.Key_F4)
    assert area.contains(popup.frameGeometry())


def test_one_tab_stop(qtbot: Any, env: UiEnv) -> None:
    dlg = VisitDialog(env)
    qtbot.addWidget(dlg)
    show_active(qtbot, dlg)
    chain: list[QWidget] = []
    w: QWidget | None = dlg.received_at.nextInFocusChain()
    while w is not None and w is not dlg.received_at:
        if w.isVisible() and w.focusPolicy() & Qt.FocusPolicy.TabFocus:
            chain.append(w)
        w = w.nextInFocusChain()
    inner = [c for c in chain if dlg.received_at.isAncestorOf(c)]
    assert inner == []  # no sections inside: one Tab stop
