"""来信来访 registration and detail: the form, its people, flags, workflow and case log."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.rules.dates import CHINA_TZ
from app.rules.text import person_default
from app.services.case_detail import visit_detail
from app.services.codes import CodeBook
from app.services.lookups import ancestor_stations
from app.services.visits import VisitInput, register_visit, update_visit, void_visit

from ..env import UiEnv
from ..i18n import tr
from ..widgets import CodeCombo, DateTimeEdit, chain_tab_order, error_label, mark_quick
from .case_dialog import CaseDialog
from .people import PeopleEditor

FLAGS = [
    ("is_urgent", tr("紧急")),
    ("is_joint_letter", tr("联名信")),
    ("is_skip_level", tr("越级")),
    ("is_anonymous", tr("匿名")),
    ("is_litigation", tr("涉法涉诉")),
    ("is_confidential", tr("保密")),
]


def _multi(height: int = 70) -> QPlainTextEdit:
    w = QPlainTextEdit()
    w.setTabChangesFocus(True)
    w.setMinimumHeight(height)
    return w


class VisitDialog(CaseDialog):
    kind = "visit"
    kind_label = tr("信访件")

    def __init__(
        self, env: UiEnv, visit_id: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(env, tr("登记来信来访") if visit_id is None else tr("来信来访"), parent)
        self.resize(1060, 760)
        self.record_id = visit_id
        with env.ctx() as ctx:
            codes = CodeBook(ctx.session)
            channels = [(c.code, c.label) for c in codes.items("visit_channel")]
            categories = [(c.code, c.label) for c in codes.items("visit_category")]
            types = [(c.code, c.label) for c in codes.items("visit_type")]
            self.can_view_ids = ctx.can("id_number.view")
            # the clerk's real name, never an account such as 管理员
            self.operator_name = person_default(ctx.operator.display_name)
        self._build(channels, categories, types)
        if visit_id is None:
            self._new_defaults()
        else:
            self.load()

    # --- layout ----------------------------------------------------------------------
    def _row(
        self,
        grid: QGridLayout,
        r: int,
        c: int,
        label: str,
        widget: QWidget,
        field: str,
        span: int = 1,
    ) -> None:
        lab = QLabel(label)
        lab.setObjectName("muted")
        err = error_label()
        box = QVBoxLayout()
        box.setSpacing(2)
        box.addWidget(widget)
        box.addWidget(err)
        grid.addWidget(lab, r, c)
        grid.addLayout(box, r, c + 1, 1, span)
        self.errors.register(field, widget, err)

    def _build(
        self,
        channels: list[tuple[str, str]],
        categories: list[tuple[str, str]],
        types: list[tuple[str, str]],
    ) -> None:
        # sections in the order of the paper form (信访事项登记): how and when, who, what
        basics = QGroupBox(tr("来访信息"))
        g = QGridLayout(basics)
        g.setHorizontalSpacing(10)
        self.channel = CodeCombo(channels)
        self.received_at = DateTimeEdit(field="received_at", label=tr("登记时间"), today=self.today)
        self.headcount = QSpinBox()
        self.headcount.setRange(1, 100000)
        self.headcount.setSuffix(tr(" 人"))
        self.category = CodeCombo(categories, empty=tr("请选择"))
        self.category.setToolTip(tr("可直接输入拼音首字母或汉字选择，如 cw → 村务管理"))
        self.petition_type = CodeCombo(types)
        self.place = QLineEdit()
        self.place.setPlaceholderText(tr("问题发生地，如 柳树村三组"))
        self.involved_unit = QLineEdit()
        self.first_responder = QLineEdit()
        self._row(g, 0, 0, tr("信访形式*"), self.channel, "channel")
        self._row(g, 0, 2, tr("登记时间*"), self.received_at, "received_at")
        keys = QLabel(tr("回车：下一必填栏　Tab：逐栏　F4：日历　Ctrl+S：保存　Esc：关闭"))
        keys.setObjectName("muted")
        g.addWidget(keys, 0, 4, 1, 2, Qt.AlignmentFlag.AlignRight)
        g.setColumnStretch(5, 1)
        self.form_layout.addWidget(basics)

        people = QGroupBox(tr("信访人"))
        pl = QVBoxLayout(people)
        self.petitioners = PeopleEditor(
            self.env,
            self.errors,
            "petitioners",
            tr("＋ 添加信访人"),
            can_view_ids=self.can_view_ids,
        )
        pl.addWidget(self.petitioners)
        reps_title = QLabel(tr("集体访代表（不超过5人）"))
        reps_title.setObjectName("muted")
        pl.addWidget(reps_title)
        self.representatives = PeopleEditor(
            self.env,
            self.errors,
            "representatives",
            tr("＋ 添加代表"),
            can_view_ids=self.can_view_ids,
        )
        pl.addWidget(self.representatives)
        self.form_layout.addWidget(people)

        content = QGroupBox(tr("信访事项"))
        c = QGridLayout(content)
        c.setHorizontalSpacing(10)
        self.subject = QLineEdit()
        self.subject.setPlaceholderText(tr("一句话概括，可不填（取诉求首句）"))
        self.request = _multi(80)
        self.request.setPlaceholderText(tr("信访人的具体请求"))
        self.facts = _multi(80)
        self.facts.setPlaceholderText(tr("反映的事实和理由"))
        self._row(c, 0, 0, tr("来访人数*"), self.headcount, "headcount")
        self._row(c, 0, 2, tr("内容分类*"), self.category, "category")
        self._row(c, 0, 4, tr("事项类型"), self.petition_type, "petition_type")
        self._row(c, 1, 0, tr("诉求*"), self.request, "request", span=5)
        self._row(c, 2, 0, tr("事实和理由"), self.facts, "facts", span=5)
        self._row(c, 3, 0, tr("事由"), self.subject, "subject", span=5)
        self._row(c, 4, 0, tr("问题属地"), self.place, "place")
        self._row(c, 4, 2, tr("涉及单位"), self.involved_unit, "involved_unit")
        self._row(c, 4, 4, tr("首接人"), self.first_responder, "first_responder")
        c.setColumnStretch(1, 1)
        c.setColumnStretch(3, 1)
        c.setColumnStretch(5, 1)
        self.form_layout.addWidget(content)

        flags = QGroupBox(tr("标记"))
        f = QGridLayout(flags)
        self.flag_boxes: dict[str, QCheckBox] = {}
        for i, (name, label) in enumerate(FLAGS):
            box = QCheckBox(label)
            self.flag_boxes[name] = box
            f.addWidget(box, 0, i)
            self.errors.register(name, box)
        self.accused_unit = QLineEdit()
        self.accused_unit.setPlaceholderText(tr("检举控告类必填：被反映的单位，本件不会转给该单位"))
        self._row(f, 1, 0, tr("被反映单位"), self.accused_unit, "accused_unit", span=3)
        self.withhold = CodeCombo(empty=tr("（无：正常报送上级）"))
        self.withhold.setToolTip(
            tr("被反映的是上级综治中心时选择该中心：本件及信访人信息不会同步到该中心")
        )
        with self.env.ctx() as ctx:
            self.withhold.set_items(
                (code, tr("不报送：{0}").format(name)) for code, name in ancestor_stations(ctx)
            )
        self._row(f, 1, 4, tr("不报送单位"), self.withhold, "withhold_from")
        hint = QLabel(tr("集体访、重复访由人数和既往记录自动判定。"))
        hint.setObjectName("muted")
        f.addWidget(hint, 2, 0, 1, 6)
        self.form_layout.addWidget(flags)
        self.form_layout.addStretch(1)

        self.track(
            self.channel,
            self.received_at,
            self.headcount,
            self.category,
            self.petition_type,
            self.place,
            self.involved_unit,
            self.first_responder,
            self.subject,
            self.request,
            self.facts,
            self.accused_unit,
            self.withhold,
            *self.flag_boxes.values(),
        )
        self.petitioners.changed.connect(self.mark_dirty)
        self.flag_boxes["is_confidential"].toggled.connect(self._type_changed)
        self.representatives.changed.connect(self.mark_dirty)
        self.petition_type.currentIndexChanged.connect(self._type_changed)
        self._type_changed()
        mark_quick(self.channel, self.received_at, self.category, self.request)
        self.petitioners.rows_changed.connect(self.chain_tabs)
        self.representatives.rows_changed.connect(self.chain_tabs)
        self.chain_tabs()

    def chain_tabs(self) -> None:
        """Tab follows the paper form: 形式, 时间, the people, then the matter."""
        chain_tab_order(
            [
                self.channel,
                self.received_at,
                *self.petitioners.tab_widgets(),
                *self.representatives.tab_widgets(),
                self.headcount,
                self.category,
                self.petition_type,
                self.request,
                self.facts,
                self.subject,
                self.place,
                self.involved_unit,
                self.first_responder,
                *self.flag_boxes.values(),
                self.accused_unit,
                self.withhold,
            ]
        )

    def _type_changed(self, *_: object) -> None:
        accusation = self.petition_type.code() == "accusation"
        self.accused_unit.setEnabled(accusation)
        restricted = accusation or self.flag_boxes["is_confidential"].isChecked()
        self.withhold.setEnabled(restricted)
        if not restricted and not self._loading:
            self.withhold.set_code("")

    def _new_defaults(self) -> None:
        self._loading = True
        now = self.env.clock().astimezone(CHINA_TZ).replace(tzinfo=None, second=0, microsecond=0)
        self.received_at.set_value(now)
        self.channel.set_code("visit")
        self.petition_type.set_code("appeal")
        self.first_responder.setText(self.operator_name)
        self.petitioners.add_row()
        self._loading = False
        self.set_clean()
        self.channel.setFocus()

    # --- load/save -------------------------------------------------------------------
    def load(self) -> None:
        assert self.record_id is not None
        with self.env.ctx() as ctx:
            detail = visit_detail(ctx, self.record_id)
        self._loading = True
        data = detail.visit
        assert data is not None
        self.channel.set_code(data.channel)
        if isinstance(data.received_at, datetime):
            self.received_at.set_value(data.received_at)
        self.headcount.setValue(int(data.headcount))
        self.category.set_code(data.category)
        self.petition_type.set_code(data.petition_type)
        self.subject.setText(data.subject)
        self.request.setPlainText(data.request)
        self.facts.setPlainText(data.facts)
        self.place.setText(data.place)
        self.involved_unit.setText(data.involved_unit)
        self.first_responder.setText(data.first_responder)
        self.accused_unit.setText(data.accused_unit)
        self.withhold.set_code(data.withhold_from)
        for name, box in self.flag_boxes.items():
            box.setChecked(bool(getattr(data, name)))
        for editor, people in (
            (self.petitioners, detail.petitioners),
            (self.representatives, detail.representatives),
        ):
            for row in list(editor.rows):
                editor.remove_row(row)
            for p in people:
                editor.add_row(p)
        self._loading = False
        self.setWindowTitle(tr("来信来访 {0}").format(detail.case_code))
        self.render_detail(detail)
        self.set_clean()

    def set_editable(self, editable: bool) -> None:
        super().set_editable(editable)
        for w in (
            self.place,
            self.involved_unit,
            self.first_responder,
            self.subject,
            self.accused_unit,
        ):
            w.setReadOnly(not editable)
        for text in (self.request, self.facts):
            text.setReadOnly(not editable)
        for widget in (
            self.channel,
            self.received_at,
            self.headcount,
            self.category,
            self.petition_type,
            self.withhold,
            *self.flag_boxes.values(),
        ):
            widget.setEnabled(editable)
        if editable:
            self._type_changed()
        self.petitioners.set_read_only(not editable)
        self.representatives.set_read_only(not editable)

    def visit_input(self) -> VisitInput:
        flags = {name: box.isChecked() for name, box in self.flag_boxes.items()}
        return VisitInput(
            channel=self.channel.code(),
            received_at=self.received_at.value(),
            headcount=self.headcount.value(),
            category=self.category.code(),
            petition_type=self.petition_type.code() or "appeal",
            subject=self.subject.text(),
            request=self.request.toPlainText(),
            facts=self.facts.toPlainText(),
            place=self.place.text(),
            involved_unit=self.involved_unit.text(),
            first_responder=self.first_responder.text(),
            petitioners=self.petitioners.persons(),
            representatives=self.representatives.persons(),
            accused_unit=self.accused_unit.text(),
            withhold_from=self.withhold.code(),
            **flags,
        )

    def do_save(self) -> tuple[str, list[str]]:
        data = self.visit_input()
        with self.env.ctx() as ctx:
            if self.record_id is None:
                saved = register_visit(ctx, data)
            else:
                saved = update_visit(ctx, self.record_id, data)
            return saved.record.id, saved.warnings

    def do_void(self, reason: str) -> None:
        assert self.record_id is not None
        with self.env.ctx() as ctx:
            void_visit(ctx, self.record_id, reason)
