"""People on a case (信访人, 代表, 当事人): add/remove rows, and an autocomplete that offers
known people (by name, pinyin initials, ID number or phone) and shows their earlier cases."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCompleter,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.rules.errors import AppError
from app.rules.text import mask_id_number, mask_phone
from app.services.case_detail import PersonView, person_summary
from app.services.disputes import PartyInput
from app.services.persons import PersonInput
from app.services.search import find_persons

from ..env import UiEnv
from ..i18n import tr
from ..widgets import CodeCombo, FieldErrors, error_label, mark_quick

PERSON_ID_ROLE = Qt.ItemDataRole.UserRole + 1
NAME_ROLE = Qt.ItemDataRole.UserRole + 2

GENDERS = [(tr("男"), tr("男")), (tr("女"), tr("女"))]


class PersonRow(QFrame):
    """One person's fields. ``person_id`` is set when a known person was picked."""

    changed = Signal()
    remove_requested = Signal(object)

    def __init__(
        self,
        env: UiEnv,
        *,
        with_role: list[tuple[str, str]] | None = None,
        can_view_ids: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("personRow")
        self.setStyleSheet(
            "QFrame#personRow { background: #f8fafc; border: 1px solid #e1e6ed; border-radius: 4px; }"
        )
        self.env = env
        self.person_id: str | None = None
        self._masked_id = ""
        self._can_view_ids = can_view_ids
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 6, 8, 6)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        self.name = QLineEdit()
        self.name.setPlaceholderText(tr("姓名，可按拼音首字母查找"))
        self.name.setMinimumWidth(150)
        self.gender = CodeCombo(GENDERS, empty="")
        self.gender.setMaximumWidth(70)
        self.ethnicity = QLineEdit()
        self.ethnicity.setPlaceholderText(tr("如 汉族"))
        self.ethnicity.setMaximumWidth(90)
        self.id_number = QLineEdit()
        self.id_number.setPlaceholderText(tr("18位身份证号"))
        self.id_number.setMinimumWidth(160)
        self.phone = QLineEdit()
        self.phone.setPlaceholderText(tr("手机或座机"))
        self.address = QLineEdit()
        self.address.setPlaceholderText(tr("住址"))
        self.occupation = QLineEdit()
        self.occupation.setPlaceholderText(tr("职业"))
        self.role = CodeCombo(with_role or [])
        self.agent_name = QLineEdit()
        self.agent_name.setPlaceholderText(tr("代理人（可不填）"))
        self.agent_phone = QLineEdit()
        self.agent_phone.setPlaceholderText(tr("代理人电话"))
        self.remove_button = QPushButton(tr("删除"))
        self.remove_button.setObjectName("danger")
        self.remove_button.setAutoDefault(False)
        self.remove_button.setToolTip(tr("从本案中移除此人（人员档案保留）"))
        # destructive: never reached by Tab or a stray Space, only by a deliberate click
        self.remove_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))
        self.error = error_label()
        self.history = QLabel()
        self.history.setObjectName("bannerInfo")
        self.history.setWordWrap(True)
        self.history.hide()

        def lab(text: str) -> QLabel:
            label = QLabel(text)
            label.setObjectName("muted")
            return label

        r = 0
        grid.addWidget(lab(tr("姓名*")), r, 0)
        grid.addWidget(self.name, r, 1)
        grid.addWidget(lab(tr("性别")), r, 2)
        row_box = QHBoxLayout()
        row_box.addWidget(self.gender)
        row_box.addWidget(lab(tr("民族")))
        row_box.addWidget(self.ethnicity)
        grid.addLayout(row_box, r, 3)
        grid.addWidget(lab(tr("身份证号")), r, 4)
        grid.addWidget(self.id_number, r, 5)
        grid.addWidget(self.remove_button, r, 6)
        r += 1
        grid.addWidget(lab(tr("联系电话")), r, 0)
        grid.addWidget(self.phone, r, 1)
        grid.addWidget(lab(tr("住址")), r, 2)
        grid.addWidget(self.address, r, 3)
        grid.addWidget(lab(tr("职业")), r, 4)
        grid.addWidget(self.occupation, r, 5)
        r += 1
        if with_role is not None:  # below the person, as Tab visits them (身份 has a default)
            grid.addWidget(lab(tr("身份")), r, 0)
            grid.addWidget(self.role, r, 1)
            grid.addWidget(lab(tr("代理人")), r, 2)
            grid.addWidget(self.agent_name, r, 3)
            grid.addWidget(lab(tr("代理人电话")), r, 4)
            grid.addWidget(self.agent_phone, r, 5)
            r += 1
        grid.addWidget(self.error, r, 0, 1, 7)
        grid.addWidget(self.history, r + 1, 0, 1, 7)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(3, 2)
        grid.setColumnStretch(5, 2)

        # autocomplete over known people
        self._matches = QStandardItemModel(self)
        self.completer = QCompleter(self._matches, self)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCompletionRole(NAME_ROLE)
        self.completer.setMaxVisibleItems(10)
        self.name.setCompleter(self.completer)
        self.completer.activated[QModelIndex].connect(self._picked)  # type: ignore[index]
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(220)
        self._timer.timeout.connect(self.search_now)
        self.name.textEdited.connect(self._name_edited)
        self.id_number.textEdited.connect(self._id_edited)
        for w in (
            self.name,
            self.id_number,
            self.phone,
            self.address,
            self.occupation,
            self.ethnicity,
            self.agent_name,
            self.agent_phone,
        ):
            w.textEdited.connect(lambda *_: self.changed.emit())
        self.gender.activated.connect(lambda *_: self.changed.emit())
        self.role.activated.connect(lambda *_: self.changed.emit())

        mark_quick(*self.quick_widgets())

    def quick_widgets(self) -> list[QWidget]:
        """What Enter visits: what the paper form asks of every person."""
        return [self.name, self.id_number, self.phone, self.address]

    def tab_widgets(self) -> list[QWidget]:
        """Tab order, as on the paper form: the fields every person has first, then the rest
        (性别 follows from the ID number; 身份 defaults by position)."""
        rest: list[QWidget] = [self.gender, self.ethnicity, self.occupation]
        if self.role.count():
            rest += [self.role, self.agent_name, self.agent_phone]
        return self.quick_widgets() + rest

    # --- autocomplete ------------------------------------------------------------------
    def _name_edited(self, text: str) -> None:
        if self.person_id is not None:
            # typing another name means another person
            self.person_id = None
            self._masked_id = ""
            self.id_number.setReadOnly(False)
            self.history.hide()
        if len(text.strip()) >= 1:
            self._timer.start()

    def _id_edited(self, text: str) -> None:
        if self._masked_id and text != self._masked_id:
            self._masked_id = ""
        if len(text.strip()) >= 6 and self.person_id is None:
            self._timer.start()

    def search_now(self) -> list[str]:
        """Fill the suggestion list for what is typed; return the suggested person ids."""
        text = self.name.text().strip() or self.id_number.text().strip()
        self._matches.clear()
        if not text:
            return []
        with self.env.ctx() as ctx:
            hits = find_persons(ctx.session, text, limit=12)
            full = ctx.can("id_number.view")
        ids: list[str] = []
        for h in hits:
            number = h.id_number or ""
            shown = number if full else mask_id_number(number)
            parts = [h.name, h.gender]
            if h.birth_year:
                parts.append(tr("{0}年生").format(h.birth_year))
            if shown:
                parts.append(shown)
            if h.phone:
                parts.append(mask_phone(h.phone))
            if h.address:
                parts.append(h.address)
            item = QStandardItem("  ".join(p for p in parts if p))
            item.setData(h.id, PERSON_ID_ROLE)
            item.setData(h.name, NAME_ROLE)
            self._matches.appendRow(item)
            ids.append(h.id)
        if hits and self.name.hasFocus():
            self.completer.complete()
        return ids

    def suggestions(self) -> QStandardItemModel:
        return self._matches

    def _picked(self, index: QModelIndex) -> None:
        person_id = index.data(PERSON_ID_ROLE)
        if person_id:
            self.pick(str(person_id))

    def pick(self, person_id: str) -> None:
        """Use a known person: fill their details and show their earlier cases."""
        try:
            with self.env.ctx() as ctx:
                summary = person_summary(ctx, person_id)
        except AppError:
            return
        self.set_person(summary.person)
        if summary.history_labels:
            head = summary.history_labels[:3]
            more = len(summary.history_labels) - len(head)
            text = tr("已登记人员，此前有 {0} 条记录：\n").format(
                len(summary.history_labels)
            ) + "\n".join(head)
            if more > 0:
                text += tr("\n……另有 {0} 条").format(more)
            self.history.setText(text)
            self.history.setToolTip("\n".join(summary.history_labels))
        else:
            self.history.setText(tr("已登记人员，此前没有来信来访或纠纷记录"))
        self.history.show()
        self.changed.emit()

    # --- values ------------------------------------------------------------------------
    def set_person(self, p: PersonView) -> None:
        self.person_id = p.person_id
        self.name.setText(p.name)
        self.gender.set_code(p.gender)
        self.ethnicity.setText(p.ethnicity)
        self.id_number.setText(p.id_number)
        self._masked_id = p.id_number if p.id_number_masked else ""
        if p.id_number_masked:
            self.id_number.setToolTip(tr("身份证号已隐去；如需更正请整体重新输入"))
        self.phone.setText(p.phone)
        self.address.setText(p.address)
        self.occupation.setText(p.occupation)
        if p.role:
            self.role.set_code(p.role)
        self.agent_name.setText(p.agent_name)
        self.agent_phone.setText(p.agent_phone)

    def is_blank(self) -> bool:
        return not any(
            w.text().strip()
            for w in (self.name, self.id_number, self.phone, self.address, self.occupation)
        )

    def person_input(self) -> PersonInput:
        number = self.id_number.text().strip()
        if self._masked_id and number == self._masked_id:
            number = ""  # unchanged masked number: the service keeps the known one
        return PersonInput(
            name=self.name.text(),
            id_number=number,
            phone=self.phone.text(),
            gender=self.gender.code(),
            ethnicity=self.ethnicity.text(),
            address=self.address.text(),
            occupation=self.occupation.text(),
            person_id=self.person_id,
        )

    def party_input(self) -> PartyInput:
        return PartyInput(
            person=self.person_input(),
            role=self.role.code() or "party",
            agent_name=self.agent_name.text(),
            agent_phone=self.agent_phone.text(),
        )

    def register(self, errors: FieldErrors, prefix: str) -> None:
        for fld, widget in (
            ("name", self.name),
            ("gender", self.gender),
            ("ethnicity", self.ethnicity),
            ("id_number", self.id_number),
            ("phone", self.phone),
            ("address", self.address),
            ("birth_date", self.id_number),
            ("person_id", self.name),
            ("role", self.role),
            ("agent_phone", self.agent_phone),
        ):
            errors.register(f"{prefix}.{fld}", widget, self.error)
        errors.register(prefix, self.name, self.error)

    def set_read_only(self, read_only: bool) -> None:
        for w in (
            self.name,
            self.ethnicity,
            self.id_number,
            self.phone,
            self.address,
            self.occupation,
            self.agent_name,
            self.agent_phone,
        ):
            w.setReadOnly(read_only)
        self.gender.setEnabled(not read_only)
        self.role.setEnabled(not read_only)
        self.remove_button.setVisible(not read_only)


class PeopleEditor(QWidget):
    """A list of :class:`PersonRow` under one field prefix (``petitioners``, ``parties`` …)."""

    changed = Signal()
    rows_changed = Signal()  # a row was added or removed: the form re-chains its Tab order

    def __init__(
        self,
        env: UiEnv,
        errors: FieldErrors,
        prefix: str,
        add_label: str,
        *,
        roles: list[tuple[str, str]] | None = None,
        default_role: Callable[[int], str] | None = None,
        can_view_ids: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.env = env
        self.errors = errors
        self.prefix = prefix
        self.roles = roles
        self.default_role = default_role
        self.can_view_ids = can_view_ids
        self.rows: list[PersonRow] = []
        self._read_only = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        self.list_box = QVBoxLayout()
        self.list_box.setSpacing(6)
        lay.addLayout(self.list_box)
        self.group_error = error_label()
        lay.addWidget(self.group_error)
        self.add_button = QPushButton(add_label)
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(lambda: self.add_row(focus=True))
        bar = QHBoxLayout()
        bar.addWidget(self.add_button)
        bar.addStretch(1)
        lay.addLayout(bar)
        errors.register(prefix, self.add_button, self.group_error)

    def add_row(self, person: PersonView | None = None, *, focus: bool = False) -> PersonRow:
        row = PersonRow(self.env, with_role=self.roles, can_view_ids=self.can_view_ids)
        if self.roles is not None and self.default_role is not None:
            row.role.set_code(self.default_role(len(self.rows)))
        if person is not None:
            row.set_person(person)
        row.remove_requested.connect(self.remove_row)
        row.changed.connect(self.changed)
        row.set_read_only(self._read_only)
        self.rows.append(row)
        self.list_box.addWidget(row)
        self._reindex()
        self.rows_changed.emit()
        if focus:
            row.name.setFocus()
            self.changed.emit()
        return row

    def remove_row(self, row: PersonRow) -> None:
        if row not in self.rows:
            return
        self.rows.remove(row)
        self.list_box.removeWidget(row)
        row.hide()
        row.deleteLater()
        self._reindex()
        self.rows_changed.emit()
        self.changed.emit()

    def _reindex(self, rows: list[PersonRow] | None = None) -> None:
        """Register each row's fields under its index in what is sent to the service."""
        self.errors.unregister_prefix(self.prefix + "[")
        for i, row in enumerate(self.rows if rows is None else rows):
            row.register(self.errors, f"{self.prefix}[{i}]")

    def tab_widgets(self) -> list[QWidget]:
        out: list[QWidget] = []
        for row in self.rows:
            out += row.tab_widgets()
        return [*out, self.add_button]

    def filled_rows(self) -> list[PersonRow]:
        rows = [r for r in self.rows if not r.is_blank()]
        self._reindex(rows)  # blank rows are not sent: error indexes follow the sent list
        return rows

    def persons(self) -> list[PersonInput]:
        return [r.person_input() for r in self.filled_rows()]

    def parties(self) -> list[PartyInput]:
        return [r.party_input() for r in self.filled_rows()]

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self.add_button.setVisible(not read_only)
        for r in self.rows:
            r.set_read_only(read_only)
