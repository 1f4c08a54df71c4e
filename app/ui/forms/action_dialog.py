"""Workflow steps (审核, 受理, 转办, 调解成功, 回访, 归档 …): each asks only for what that step
needs, builds a VisitAction / DisputeAction and calls the service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.rules.workflow import DISPUTE, VISIT
from app.services.codes import CodeBook
from app.services.disputes import DisputeAction, advance_dispute
from app.services.lookups import mediator_names
from app.services.visits import VisitAction, advance_visit

from ..env import UiEnv
from ..i18n import tr
from ..widgets import CodeCombo, DateEdit, DateField, OptionalDate, error_label
from .base import FormDialog


@dataclass(frozen=True)
class F:
    name: str
    label: str
    kind: str = "multi"  # text | multi | date | optdate | int | check | code:<table> | mediator
    hint: str = ""


ON = "on"

VISIT_FIELDS: dict[str, list[F]] = {
    "review": [F("note", tr("审核意见"), hint=tr("领导审核意见，如“同意受理，请按程序办理”"))],
    "accept": [F(ON, tr("受理日期"), "date"), F("note", tr("受理意见"))],
    "reject": [
        F(ON, tr("决定日期"), "date"),
        F("note", tr("不予受理理由"), hint=tr("写明理由和依据")),
        F(
            "unit",
            tr("有权处理机关"),
            "text",
            hint=tr("告知信访人向哪个机关、单位提出，如“××县人民法院”；印在不予受理告知书上"),
        ),
    ],
    "inform": [
        F(ON, tr("告知日期"), "date"),
        F("unit", tr("有权处理机关"), "text", hint=tr("告知信访人向哪个机关、单位提出")),
        F("note", tr("告知内容")),
    ],
    "answer": [
        F(ON, tr("答复日期"), "date"),
        F("note", tr("答复内容")),
        F("legal_basis", tr("处理依据"), hint=tr("所依据的法律、法规、政策及条款")),
    ],
    "handle": [F(ON, tr("办理日期"), "date"), F("note", tr("办理意见"))],
    "transfer": [
        F(ON, tr("转办日期"), "date"),
        F("unit", tr("承办单位"), "text"),
        F("note", tr("转办意见")),
    ],
    "assign": [
        F(ON, tr("交办日期"), "date"),
        F("unit", tr("承办单位"), "text"),
        F("note", tr("交办要求")),
    ],
    "extend": [
        F("days", tr("延期天数"), "int"),
        F("approver", tr("批准人"), "text"),
        F("note", tr("延期理由")),
    ],
    "conclude": [
        F(ON, tr("办结日期"), "date"),
        F("note", tr("办理结果"), hint=tr("办理结果和答复内容（处理意见）")),
        F(
            "legal_basis",
            tr("处理依据"),
            hint=tr("所依据的法律、法规、政策及条款；印在信访事项处理意见书上"),
        ),
    ],
    "follow_up": [
        F(ON, tr("回访日期"), "date"),
        F("satisfaction", tr("满意度"), "code:satisfaction"),
        F("note", tr("回访情况")),
    ],
    "archive": [F(ON, tr("归档日期"), "date")],
}

DISPUTE_FIELDS: dict[str, list[F]] = {
    "assign": [
        F(ON, tr("指派日期"), "date"),
        F("mediator", tr("调解员"), "mediator"),
        F("co_mediators", tr("协助调解员"), "text"),
    ],
    "start": [F(ON, tr("开始日期"), "date")],
    "extend": [
        F("new_due", tr("延长至"), "optdate"),
        F("consent", tr("双方当事人均同意延长期限"), "check"),
        F("note", tr("延期理由")),
    ],
    "succeed": [
        F(ON, tr("调解成功日期"), "date"),
        F("agreement_type", tr("协议形式"), "code:agreement_type"),
        F("facts", tr("纠纷事实"), hint=tr("可不填，默认取登记时的简要情况")),
        F("responsibilities", tr("责任认定")),
        F("terms", tr("协议内容"), hint=tr("逐条写明双方自愿达成的协议事项")),
        F("performance_manner", tr("履行方式"), "text"),
        F("performance_place", tr("履行地点"), "text"),
        F("performance_deadline", tr("履行期限"), "optdate"),
        F("amount", tr("协议金额（元）"), "text", hint=tr("不填则沿用登记金额")),
        F("note", tr("备注")),
    ],
    "fail": [F(ON, tr("日期"), "date"), F("note", tr("调解不成的原因"))],
    "terminate": [F(ON, tr("日期"), "date"), F("note", tr("终止调解的原因"))],
    "transfer": [
        F(ON, tr("移送日期"), "date"),
        F("unit", tr("移送单位"), "text"),
        F("note", tr("移送理由")),
    ],
    "follow_up": [
        F(ON, tr("回访日期"), "date"),
        F("performance_status", tr("履行情况"), "code:performance_status"),
        F("judicial_confirmed", tr("已申请司法确认"), "check"),
        F("note", tr("回访情况")),
    ],
    "archive": [F(ON, tr("归档日期"), "date")],
}

# service field names that differ from the form's
ALIASES = {"days": ["extension_days"]}


class ActionDialog(FormDialog):
    def __init__(
        self,
        env: UiEnv,
        kind: str,
        record_id: str,
        action: str,
        *,
        case_title: str = "",
        parent: QWidget | None = None,
    ) -> None:
        machine = VISIT if kind == "visit" else DISPUTE
        label = machine.action_label(action)
        super().__init__(env, f"{label} — {case_title}" if case_title else label, parent)
        self.kind = kind
        self.record_id = record_id
        self.action = action
        self.save_button.setText(tr("确认{0}（Ctrl+S）").format(label))
        self.cancel_button.setText(tr("取消"))
        specs = (VISIT_FIELDS if kind == "visit" else DISPUTE_FIELDS).get(action, [])
        form = QFormLayout()
        form.setSpacing(8)
        self.inputs: dict[str, QWidget] = {}
        with env.ctx() as ctx:
            codes = CodeBook(ctx.session)
            mediators = mediator_names(ctx) if any(f.kind == "mediator" for f in specs) else []
            for f in specs:
                widget = self._make(f, codes, mediators)
                self.inputs[f.name] = widget
                err = error_label()
                holder = QWidget()
                box = QVBoxLayout(holder)
                box.setContentsMargins(0, 0, 0, 0)
                box.setSpacing(2)
                box.addWidget(widget)
                if f.hint:
                    hint = QLabel(f.hint)
                    hint.setObjectName("muted")
                    box.addWidget(hint)
                box.addWidget(err)
                form.addRow("" if f.kind == "check" else f.label, holder)
                for name in (f.name, *ALIASES.get(f.name, [])):
                    self.errors.register(name, widget, err)
        if not specs:
            form.addRow(QLabel(tr("确定要执行「{0}」吗？").format(label)))
        self.body.addLayout(form)
        self.resize(680, min(200 + 62 * len(specs), 780))
        self.track(*self.inputs.values())
        first = next(iter(self.inputs.values()), None)
        if first is not None:
            first.setFocus()

    def _make(self, f: F, codes: CodeBook, mediators: list[str]) -> QWidget:
        if f.kind == "date":
            return DateEdit(self.today(), field=f.name, label=f.label, today=self.today)
        if f.kind == "optdate":
            return OptionalDate(field=f.name, label=f.label, today=self.today)
        if f.kind == "int":
            spin = QSpinBox()
            spin.setRange(0, 365)
            spin.setSuffix(tr(" 日"))
            return spin
        if f.kind == "check":
            return QCheckBox(f.label)
        if f.kind == "text":
            return QLineEdit()
        if f.kind == "mediator":
            combo = QComboBox()
            combo.setEditable(True)
            combo.addItems(mediators)
            combo.setCurrentText(mediators[0] if mediators else "")
            return combo
        if f.kind.startswith("code:"):
            table = f.kind.split(":", 1)[1]
            return CodeCombo([(c.code, c.label) for c in codes.items(table)], empty=tr("请选择"))
        edit = QPlainTextEdit()
        edit.setTabChangesFocus(True)
        edit.setMinimumHeight(56 if f.name != "terms" else 100)
        return edit

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, w in self.inputs.items():
            if isinstance(w, (DateField, QSpinBox)):
                out[name] = w.value()
            elif isinstance(w, QCheckBox):
                out[name] = w.isChecked()
            elif isinstance(w, CodeCombo):
                out[name] = w.code()
            elif isinstance(w, QComboBox):
                out[name] = w.currentText()
            elif isinstance(w, QLineEdit):
                out[name] = w.text()
            elif isinstance(w, QPlainTextEdit):
                out[name] = w.toPlainText()
        return out

    def do_save(self) -> tuple[str, list[str]]:
        v = self.values()
        assert self.record_id is not None
        with self.env.ctx() as ctx:
            if self.kind == "visit":
                advance_visit(ctx, self.record_id, self.action, VisitAction(**v))
            else:
                advance_dispute(ctx, self.record_id, self.action, DisputeAction(**v))
        return self.record_id, []
