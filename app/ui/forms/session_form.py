"""调查记录 / 调解记录 of a dispute."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from app.rules.dates import CHINA_TZ
from app.services.disputes import SESSION_KINDS, SessionInput, record_session

from ..env import UiEnv
from ..i18n import tr
from ..widgets import CodeCombo, DateTimeEdit, error_label
from .base import FormDialog


class SessionDialog(FormDialog):
    def __init__(
        self, env: UiEnv, dispute_id: str, kind: str = "mediation", parent: QWidget | None = None
    ) -> None:
        super().__init__(env, tr("添加{0}").format(SESSION_KINDS.get(kind, tr("记录"))), parent)
        self.dispute_id = dispute_id
        self.resize(700, 620)
        self.kind = CodeCombo(list(SESSION_KINDS.items()))
        self.kind.set_code(kind)
        now = env.clock().astimezone(CHINA_TZ).replace(tzinfo=None, second=0, microsecond=0)
        self.held_at = DateTimeEdit(now, field="held_at", label=tr("时间"), today=self.today)
        self.place = QLineEdit()
        self.place.setPlaceholderText(tr("如 村委会调解室"))
        self.mediators = QLineEdit()
        self.mediators.setPlaceholderText(tr("不填则为承办调解员"))
        self.recorder = QLineEdit()
        self.recorder.setPlaceholderText(tr("不填则为当前操作员"))
        self.participants = QLineEdit()
        self.parties_present = QLineEdit()
        self.content = QPlainTextEdit()
        self.content.setTabChangesFocus(True)
        self.content.setMinimumHeight(150)
        self.content.setPlaceholderText(
            tr("调查或调解的经过：各方陈述、查明的事实、调解员的释法说理……")
        )
        self.outcome = QPlainTextEdit()
        self.outcome.setTabChangesFocus(True)
        self.outcome.setMinimumHeight(60)
        form = QFormLayout()
        form.setSpacing(6)
        for label, widget, field in (
            (tr("记录类型"), self.kind, "kind"),
            (tr("时间*"), self.held_at, "held_at"),
            (tr("地点"), self.place, "place"),
            (tr("调解员"), self.mediators, "mediators"),
            (tr("记录人"), self.recorder, "recorder"),
            (tr("参加人"), self.participants, "participants"),
            (tr("到场当事人"), self.parties_present, "parties_present"),
            (tr("记录内容*"), self.content, "content"),
            (tr("结果"), self.outcome, "result"),
        ):
            err = error_label()
            holder = QWidget()
            box = QVBoxLayout(holder)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(2)
            box.addWidget(widget)
            box.addWidget(err)
            form.addRow(label, holder)
            self.errors.register(field, widget, err)
            self.track(widget)
        self.body.addLayout(form)
        self.content.setFocus()

    def session_input(self) -> SessionInput:
        return SessionInput(
            kind=self.kind.code(),
            held_at=self.held_at.value(),
            place=self.place.text(),
            mediators=self.mediators.text(),
            recorder=self.recorder.text(),
            participants=self.participants.text(),
            parties_present=self.parties_present.text(),
            content=self.content.toPlainText(),
            result=self.outcome.toPlainText(),
        )

    def do_save(self) -> tuple[str, list[str]]:
        with self.env.ctx() as ctx:
            ms = record_session(ctx, self.dispute_id, self.session_input())
            return ms.id, []
