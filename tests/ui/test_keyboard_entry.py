"""The clerk's desk, keyboard only: a walk-in petition and a two-party dispute registered with
key events sent to whatever has the focus (no widget is touched directly), counting the keys.

The counts feed benchmarks/README.md (key counts and a keystroke-level-model estimate)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from sqlalchemy import select

from app.models import Dispute, DisputeParty, Person, Visit, VisitPerson
from app.ui.env import UiEnv
from app.ui.forms.dispute_form import DisputeDialog
from app.ui.forms.visit_form import VisitDialog
from app.ui.widgets import CodeCombo

from .conftest import Boxes, show_active

MAX_FIELD_MOVES = 12


@dataclass
class Keys:
    """Sends keys to the focused widget and counts them: field moves (Enter/Tab), typed
    characters (Chinese as input-method commits, counted as characters), commands."""

    qtbot: Any
    moves: int = 0
    typed_ascii: int = 0
    typed_chinese: int = 0
    commands: int = 0
    log: list[str] = field(default_factory=list)

    def focus(self) -> QWidget:
        w = QApplication.focusWidget()
        assert w is not None, "nothing has the keyboard focus"
        return w

    def move(self, key: Qt.Key = Qt.Key.Key_Return) -> QWidget:
        self.qtbot.keyClick(self.focus(), key)
        self.moves += 1
        self.log.append(key.name)
        return self.focus()

    def type(self, text: str) -> None:
        for chunk in re.findall(r"[\x20-\x7e]+|[^\x20-\x7e]+", text):
            if chunk.isascii():
                self.qtbot.keyClicks(self.focus(), chunk)
                self.typed_ascii += len(chunk)
            else:  # what a pinyin input method sends when the clerk picks the characters
                event = QInputMethodEvent()
                event.setCommitString(chunk)
                QApplication.sendEvent(self.focus(), event)
                self.typed_chinese += len(chunk)
        self.log.append(text)

    def command(self, key: Qt.Key, mods: Qt.KeyboardModifier) -> None:
        self.qtbot.keyClick(self.focus(), key, mods)
        self.commands += 1
        self.log.append(f"{mods.name}+{key.name}")


def test_walk_in_visit_by_keyboard_only(qtbot: Any, env: UiEnv, boxes: Boxes) -> None:
    dlg = VisitDialog(env)
    qtbot.addWidget(dlg)
    show_active(qtbot, dlg)
    k = Keys(qtbot)
    assert k.focus() is dlg.channel  # 信访形式 (来访 already chosen)
    assert k.move() is dlg.received_at  # 登记时间 (now, already filled)
    row = dlg.petitioners.rows[0]
    assert k.move() is row.name  # the petitioner right after 形式/时间
    k.type("王秀英")
    assert k.move() is row.id_number
    k.type("34052419800101001X")
    assert k.move() is row.phone
    k.type("13800138001")
    assert k.move() is row.address  # left empty
    assert k.move() is dlg.category
    k.type("cw")  # pinyin initials
    assert dlg.category.currentText() == "村务管理"
    assert k.move() is dlg.request
    k.type("要求公开去年村集体收支明细")
    k.command(Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert dlg.record_id is not None, dlg.summary.text()
    assert boxes.shown == []
    with env.db.session() as s:
        v = s.get(Visit, dlg.record_id)
        assert v is not None
        assert (v.channel, v.category, v.request) == (
            "visit",
            "village_affairs",
            "要求公开去年村集体收支明细",
        )
        assert v.headcount == 1 and v.status == "registered"
        person = s.scalars(
            select(Person)
            .join(VisitPerson, VisitPerson.person_id == Person.id)
            .where(VisitPerson.visit_id == v.id)
        ).one()
        assert (person.name, person.id_number, person.phone) == (
            "王秀英",
            "34052419800101001X",
            "13800138001",
        )
        assert person.gender == "男"  # from the ID number, never typed
    assert k.moves <= MAX_FIELD_MOVES, k.log
    assert (k.moves, k.commands) == (7, 1), k.log
    assert (k.typed_ascii, k.typed_chinese) == (31, 16)


def test_two_party_dispute_by_keyboard_only(qtbot: Any, env: UiEnv, boxes: Boxes) -> None:
    dlg = DisputeDialog(env)
    qtbot.addWidget(dlg)
    show_active(qtbot, dlg)
    k = Keys(qtbot)
    assert k.focus() is dlg.source
    assert k.move() is dlg.registered_on
    first, second = dlg.parties.rows
    assert k.move() is first.name
    k.type("张桂兰")
    assert k.move() is first.id_number  # no ID card at hand: left empty
    assert k.move() is first.phone
    k.type("13912345678")
    assert k.move() is first.address
    assert k.move() is second.name
    k.type("李建国")
    assert k.move() is second.id_number
    assert k.move() is second.phone
    k.type("13698765432")
    assert k.move() is second.address
    assert k.move() is dlg.category
    k.type("ll")
    assert dlg.category.currentText() == "邻里"
    assert k.move() is dlg.summary_edit
    k.type("两家因院墙滴水发生争执")
    k.command(Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert dlg.record_id is not None, dlg.summary.text()
    with env.db.session() as s:
        d = s.get(Dispute, dlg.record_id)
        assert d is not None and d.category == "neighbour"
        assert d.summary == "两家因院墙滴水发生争执"
        parties = s.execute(
            select(Person.name, Person.phone, DisputeParty.role)
            .join(DisputeParty, DisputeParty.person_id == Person.id)
            .where(DisputeParty.dispute_id == d.id)
            .order_by(DisputeParty.role)
        ).all()
        assert sorted(parties) == sorted(
            [("张桂兰", "13912345678", "applicant"), ("李建国", "13698765432", "respondent")]
        )
    assert k.moves <= MAX_FIELD_MOVES, k.log
    assert (k.moves, k.commands) == (11, 1), k.log


def test_tab_follows_the_paper_form_and_skips_delete(qtbot: Any, env: UiEnv) -> None:
    dlg = VisitDialog(env)
    qtbot.addWidget(dlg)
    show_active(qtbot, dlg)
    row = dlg.petitioners.rows[0]
    order: list[QWidget | None] = [dlg.channel]
    for _ in range(12):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(QApplication.focusWidget())
    assert order[:9] == [
        dlg.channel,
        dlg.received_at,
        row.name,
        row.id_number,
        row.phone,
        row.address,
        row.gender,
        row.ethnicity,
        row.occupation,
    ]
    assert dlg.headcount in order and dlg.category in order
    assert order.index(dlg.headcount) < order.index(dlg.category)
    # no destructive button anywhere in the chain
    w: QWidget | None = dlg.channel.nextInFocusChain()
    while w is not None and w is not dlg.channel:
        if isinstance(w, QPushButton) and w.isVisible():
            assert w.text() not in ("删除", "作废") or not (
                w.focusPolicy() & Qt.FocusPolicy.TabFocus
            ), w.text()
        w = w.nextInFocusChain()
    # an added petitioner joins the chain right after the first one
    qtbot.mouseClick(dlg.petitioners.add_button, Qt.MouseButton.LeftButton)
    second = dlg.petitioners.rows[1]
    assert QApplication.focusWidget() is second.name
    assert row.occupation.nextInFocusChain() is second.name


def test_esc_asks_before_discarding(qtbot: Any, env: UiEnv, boxes: Boxes) -> None:
    dlg = VisitDialog(env)
    qtbot.addWidget(dlg)
    show_active(qtbot, dlg)
    k = Keys(qtbot)
    k.move()
    k.move()
    k.type("王秀英")
    boxes.answer = "继续编辑"
    k.command(Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)
    assert "尚未保存" in boxes.texts() and dlg.isVisible()
    boxes.answer = "不保存"
    k.command(Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)
    assert not dlg.isVisible()


def test_code_combo_type_ahead(qtbot: Any) -> None:
    combo = CodeCombo(
        [("rural_agri", "农村农业"), ("urban", "城乡建设"), ("village_affairs", "村务管理")],
        empty="请选择",
    )
    qtbot.addWidget(combo)
    combo.setFocus()
    qtbot.keyClicks(combo, "cw")
    assert combo.code() == "village_affairs"
    combo.setCurrentIndex(0)
    combo._typed_at = 0.0  # a pause: a new search
    event = QInputMethodEvent()
    event.setCommitString("城乡")
    QApplication.sendEvent(combo, event)
    assert combo.code() == "urban"
    combo._typed_at = 0.0
    qtbot.keyClicks(combo, "qqq")  # nothing matches: the choice stays
    assert combo.code() == "urban"
