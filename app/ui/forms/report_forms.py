"""Dialogs of the statistics page: 登记排查 (a screening round) and 督办 (with the 六定)."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.models.reporting import SCREENING_KINDS
from app.services.reporting import ScreeningInput, record_screening
from app.services.supervision import SupervisionInput, create_supervision

from ..env import UiEnv
from ..i18n import tr
from ..widgets import DateEdit, FieldErrors, error_label
from .base import FormDialog


def _add_row(form: QFormLayout, errors: FieldErrors, key: str, label: str, widget: QWidget) -> None:
    """A labelled field with its error line under it, registered under the service's name."""
    err = error_label()
    box = QWidget()
    col = QVBoxLayout(box)
    col.setContentsMargins(0, 0, 0, 0)
    col.setSpacing(2)
    col.addWidget(widget)
    col.addWidget(err)
    form.addRow(QLabel(label), box)
    errors.register(key, widget, err)


class ScreeningDialog(FormDialog):
    """矛盾纠纷排查: when, what kind, where, who, what was found."""

    def __init__(self, env: UiEnv, parent: QWidget | None = None) -> None:
        super().__init__(env, tr("登记矛盾纠纷排查"), parent)
        form = QFormLayout()
        self.held_on = DateEdit(
            self.today(), field="held_on", label=tr("排查日期"), today=self.today
        )
        self.kind = QComboBox()
        for code, label in SCREENING_KINDS.items():
            self.kind.addItem(tr(label), code)
        self.scope = QLineEdit()
        self.scope.setPlaceholderText(tr("如：全村八个村民小组、山林边界、重点人员"))
        self.participants = QLineEdit()
        self.participants.setPlaceholderText(tr("参加排查的人员"))
        self.found = QSpinBox()
        self.found.setRange(0, 9999)
        self.resolved = QSpinBox()
        self.resolved.setRange(0, 9999)
        self.findings = QPlainTextEdit()
        self.findings.setPlaceholderText(tr("排查发现的矛盾纠纷、风险隐患及处置情况"))
        self.findings.setMinimumHeight(110)
        rows: list[tuple[str, str, QWidget]] = [
            ("held_on", tr("排查日期"), self.held_on),
            ("kind", tr("排查类型"), self.kind),
            ("scope", tr("排查范围"), self.scope),
            ("participants", tr("参加人员"), self.participants),
            ("found_count", tr("发现纠纷（件）"), self.found),
            ("resolved_count", tr("当场化解（件）"), self.resolved),
            ("findings", tr("排查情况"), self.findings),
        ]
        for key, label, widget in rows:
            _add_row(form, self.errors, key, label, widget)
            self.track(widget)
        self.body.addLayout(form)
        self.resize(520, 480)

    def do_save(self) -> tuple[str, list[str]]:
        data = ScreeningInput(
            held_on=self.held_on.value(),
            kind=str(self.kind.currentData()),
            scope=self.scope.text(),
            participants=self.participants.text(),
            found_count=self.found.value(),
            resolved_count=self.resolved.value(),
            findings=self.findings.toPlainText(),
        )
        with self.env.ctx() as ctx:
            row = record_screening(ctx, data)
            return row.id, []


class SupervisionDialog(FormDialog):
    """督办 an overdue case of a village, pre-filled; the officer completes the 六定."""

    def __init__(self, env: UiEnv, draft: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(env, tr("督办 {0}").format(draft.get("case", "")), parent)
        self.draft = dict(draft)
        self.save_button.setText(tr("督办并打印通知书（Ctrl+S）"))
        form = QFormLayout()
        self.kind = QComboBox()
        self.kind.addItem(tr("督办"), "supervise")
        self.kind.addItem(tr("交办"), "assign")
        self.kind.addItem(tr("批注（不需办理时限）"), "comment")
        self.content = QPlainTextEdit(str(draft.get("content", "")))
        self.content.setMinimumHeight(90)
        self.requirement = QPlainTextEdit(str(draft.get("requirement", "")))
        self.requirement.setMaximumHeight(70)
        self.lead = QLineEdit(str(draft.get("lead_name", "")))
        self.lead.setPlaceholderText(tr("包案领导"))
        self.unit = QLineEdit(str(draft.get("responsible_unit", "")))
        self.person = QLineEdit(str(draft.get("responsible_person", "")))
        self.person.setPlaceholderText(tr("具体负责办理的人员"))
        self.measures = QPlainTextEdit(str(draft.get("measures", "")))
        self.measures.setMaximumHeight(70)
        self.measures.setPlaceholderText(tr("化解措施（可选）"))
        self.due = DateEdit(field="due_on", label=tr("办理时限"), today=self.today)
        due_text = str(draft.get("due_on") or "")
        if due_text:
            self.due.set_value(date.fromisoformat(due_text))
        self.supervisor = QLineEdit(str(draft.get("supervisor_name", "")))

        for key, label, widget in (
            ("kind", tr("类型"), self.kind),
            ("content", tr("督办事项"), self.content),
            ("requirement", tr("办理要求"), self.requirement),
            ("lead_name", tr("包案领导"), self.lead),
            ("responsible_unit", tr("责任单位"), self.unit),
            ("responsible_person", tr("责任人"), self.person),
            ("measures", tr("化解措施"), self.measures),
            ("due_on", tr("办理时限"), self.due),
            ("supervisor_name", tr("督办人"), self.supervisor),
        ):
            _add_row(form, self.errors, key, label, widget)
            self.track(widget)
        self.errors.register("case", self.content)
        self.body.addLayout(form)
        self.resize(600, 640)

    def do_save(self) -> tuple[str, list[str]]:
        data = SupervisionInput(
            case=str(self.draft.get("case", "")),
            kind=str(self.kind.currentData()),
            content=self.content.toPlainText(),
            requirement=self.requirement.toPlainText(),
            lead_name=self.lead.text(),
            responsible_unit=self.unit.text(),
            responsible_person=self.person.text(),
            measures=self.measures.toPlainText(),
            due_on=self.due.value(),
            supervisor_name=self.supervisor.text(),
        )
        with self.env.ctx() as ctx:
            sup = create_supervision(ctx, data)
            return sup.id, [
                tr("督办编号 {0}。督办将随下次回执或同步包下发到{1}。").format(
                    sup.supervision_no, self.unit.text() or sup.case_origin
                )
            ]
