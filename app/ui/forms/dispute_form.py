"""矛盾纠纷 registration and detail: parties, the dispute, its sessions, workflow and case log."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.rules.dates import CHINA_TZ, local_date
from app.services.case_detail import CaseDetail, dispute_detail
from app.services.codes import CodeBook
from app.services.disputes import DisputeInput, register_dispute, update_dispute, void_dispute

from ..env import UiEnv
from ..i18n import tr
from ..widgets import CodeCombo, DateEdit, OptionalDate, chain_tab_order, error_label, mark_quick
from ..workers import announce
from .case_dialog import CaseDialog
from .people import PeopleEditor
from .session_form import SessionDialog


def _multi(height: int = 70) -> QPlainTextEdit:
    w = QPlainTextEdit()
    w.setTabChangesFocus(True)
    w.setMinimumHeight(height)
    return w


class DisputeDialog(CaseDialog):
    kind = "dispute"
    kind_label = tr("纠纷")

    def __init__(
        self, env: UiEnv, dispute_id: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(env, tr("登记矛盾纠纷") if dispute_id is None else tr("矛盾纠纷"), parent)
        self.resize(1080, 780)
        self.record_id = dispute_id
        with env.ctx() as ctx:
            codes = CodeBook(ctx.session)
            self.choices = {
                t: [(c.code, c.label) for c in codes.items(t)]
                for t in (
                    "case_source",
                    "dispute_category",
                    "dispute_scale",
                    "risk_level",
                    "party_role",
                )
            }
            self.can_view_ids = ctx.can("id_number.view")
        self.sessions_page: QWidget | None = None
        self._build()
        if dispute_id is None:
            self._new_defaults()
        else:
            self.load()

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

    def _build(self) -> None:
        info = QGroupBox(tr("受理信息"))
        g = QGridLayout(info)
        g.setHorizontalSpacing(10)
        self.title = QLineEdit()
        self.title.setPlaceholderText(
            tr("可不填：按当事人和类别自动生成，如“张三与李四宅基地纠纷”")
        )
        self.source = CodeCombo(self.choices["case_source"])
        self.category = CodeCombo(self.choices["dispute_category"], empty=tr("请选择"))
        self.scale = CodeCombo(self.choices["dispute_scale"])
        self.risk_level = CodeCombo(self.choices["risk_level"])
        self.is_major = QCheckBox(tr("重大纠纷"))
        self.registered_on = DateEdit(field="registered_on", label=tr("受理日期"), today=self.today)
        self.occurred_on = OptionalDate(field="occurred_on", label=tr("发生日期"), today=self.today)
        self.place = QLineEdit()
        self.involved_count = QSpinBox()
        self.involved_count.setRange(0, 100000)
        self.involved_count.setSpecialValueText(tr("按当事人数"))
        self.involved_count.setSuffix(tr(" 人"))
        self.amount = QLineEdit()
        self.amount.setPlaceholderText(tr("元，如 3000 或 1.5万"))
        # sections in the order of the paper form (纠纷受理登记): how and when, who, what
        self.category.setToolTip(tr("可直接输入拼音首字母或汉字选择，如 hy → 婚姻家庭"))
        self._row(g, 0, 0, tr("案件来源*"), self.source, "source")
        self._row(g, 0, 2, tr("受理日期*"), self.registered_on, "registered_on")
        keys = QLabel(tr("回车：下一必填栏　Tab：逐栏　F4：日历　Ctrl+S：保存　Esc：关闭"))
        keys.setObjectName("muted")
        g.addWidget(keys, 0, 4, 1, 2, Qt.AlignmentFlag.AlignRight)
        g.setColumnStretch(5, 1)
        self.form_layout.addWidget(info)

        people = QGroupBox(tr("当事人（至少两方）"))
        pl = QVBoxLayout(people)
        roles = self.choices["party_role"]
        self.parties = PeopleEditor(
            self.env,
            self.errors,
            "parties",
            tr("＋ 添加当事人"),
            roles=roles,
            default_role=lambda i: "applicant" if i == 0 else ("respondent" if i == 1 else "party"),
            can_view_ids=self.can_view_ids,
        )
        pl.addWidget(self.parties)
        self.form_layout.addWidget(people)

        content = QGroupBox(tr("纠纷情况"))
        c = QGridLayout(content)
        c.setHorizontalSpacing(10)
        self.summary_edit = _multi(90)
        self.summary_edit.setPlaceholderText(tr("纠纷的起因、经过和争议焦点"))
        self.requests = _multi(60)
        self.requests.setPlaceholderText(tr("当事人的申请事项"))
        self._row(c, 0, 0, tr("纠纷类别*"), self.category, "category")
        self._row(c, 0, 2, tr("事件规模"), self.scale, "scale")
        self._row(c, 0, 4, tr("风险等级"), self.risk_level, "risk_level")
        self._row(c, 1, 0, tr("简要情况*"), self.summary_edit, "summary", span=5)
        self._row(c, 2, 0, tr("申请事项"), self.requests, "requests", span=5)
        self._row(c, 3, 0, tr("纠纷名称"), self.title, "title", span=5)
        self._row(c, 4, 0, tr("发生日期"), self.occurred_on, "occurred_on")
        self._row(c, 4, 2, tr("发生地点"), self.place, "place", span=3)
        self._row(c, 5, 0, tr("涉及人数"), self.involved_count, "involved_count")
        self._row(c, 5, 2, tr("涉及金额"), self.amount, "amount")
        box = QHBoxLayout()
        self.prevented_criminal = QCheckBox(tr("防止民转刑案件"))
        self.prevented_group = QCheckBox(tr("防止群体性上访"))
        box.addWidget(self.is_major)
        box.addWidget(self.prevented_criminal)
        box.addWidget(self.prevented_group)
        box.addStretch(1)
        c.addLayout(box, 6, 1, 1, 5)
        c.setColumnStretch(1, 1)
        c.setColumnStretch(3, 1)
        c.setColumnStretch(5, 1)
        self.form_layout.addWidget(content)
        self.form_layout.addStretch(1)
        self.track(
            self.title,
            self.source,
            self.category,
            self.scale,
            self.risk_level,
            self.is_major,
            self.registered_on,
            self.occurred_on,
            self.place,
            self.involved_count,
            self.amount,
            self.summary_edit,
            self.requests,
            self.prevented_criminal,
            self.prevented_group,
        )
        self.parties.changed.connect(self.mark_dirty)
        mark_quick(self.source, self.registered_on, self.category, self.summary_edit)
        self.parties.rows_changed.connect(self.chain_tabs)
        self.chain_tabs()

    def chain_tabs(self) -> None:
        """Tab follows the paper form: 来源, 日期, the parties, then the dispute."""
        chain_tab_order(
            [
                self.source,
                self.registered_on,
                *self.parties.tab_widgets(),
                self.category,
                self.scale,
                self.risk_level,
                self.summary_edit,
                self.requests,
                self.title,
                self.occurred_on,
                self.place,
                self.involved_count,
                self.amount,
                self.is_major,
                self.prevented_criminal,
                self.prevented_group,
            ]
        )

    def _new_defaults(self) -> None:
        self._loading = True
        self.registered_on.set_value(local_date(self.env.clock()))
        self.source.set_code("party_application")
        self.parties.add_row()
        self.parties.add_row()
        self._loading = False
        self.set_clean()
        self.source.setFocus()

    # --- load/save -------------------------------------------------------------------
    def load(self) -> None:
        assert self.record_id is not None
        with self.env.ctx() as ctx:
            detail = dispute_detail(ctx, self.record_id)
        self._loading = True
        d = detail.dispute
        assert d is not None
        self.title.setText(d.title)
        self.source.set_code(d.source)
        self.category.set_code(d.category)
        self.scale.set_code(d.scale)
        self.risk_level.set_code(d.risk_level)
        self.is_major.setChecked(d.is_major)
        if isinstance(d.registered_on, date):
            self.registered_on.set_value(d.registered_on)
        self.occurred_on.set_value(d.occurred_on if isinstance(d.occurred_on, date) else None)
        self.place.setText(d.place)
        self.involved_count.setValue(int(d.involved_count or 0))
        self.amount.setText(str(d.amount))
        self.summary_edit.setPlainText(d.summary)
        self.requests.setPlainText(d.requests)
        self.prevented_criminal.setChecked(d.prevented_criminal)
        self.prevented_group.setChecked(d.prevented_group_petition)
        for row in list(self.parties.rows):
            self.parties.remove_row(row)
        for p in detail.parties:
            self.parties.add_row(p)
        self._loading = False
        self.setWindowTitle(tr("矛盾纠纷 {0}").format(detail.case_code))
        self.render_detail(detail)
        self._render_sessions(detail)
        self.set_clean()

    def set_editable(self, editable: bool) -> None:
        super().set_editable(editable)
        for w in (self.title, self.place, self.amount):
            w.setReadOnly(not editable)
        for w2 in (self.summary_edit, self.requests):
            w2.setReadOnly(not editable)
        self.occurred_on.setReadOnly(not editable)
        for w3 in (
            self.source,
            self.category,
            self.scale,
            self.risk_level,
            self.is_major,
            self.registered_on,
            self.involved_count,
            self.prevented_criminal,
            self.prevented_group,
        ):
            w3.setEnabled(editable)
        self.parties.set_read_only(not editable)

    def _render_sessions(self, detail: CaseDetail) -> None:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.setContentsMargins(10, 10, 10, 10)
        bar = QHBoxLayout()
        self.add_investigation = QPushButton(tr("＋ 调查记录"))
        self.add_mediation = QPushButton(tr("＋ 调解记录"))
        for b, kind in (
            (self.add_investigation, "investigation"),
            (self.add_mediation, "mediation"),
        ):
            b.setAutoDefault(False)
            b.setEnabled(detail.can_record_session)
            b.clicked.connect(lambda _=False, k=kind: self.add_session(k))
            bar.addWidget(b)
        if not detail.can_record_session:
            note = QLabel(tr("当前状态或角色不能再添加记录"))
            note.setObjectName("muted")
            bar.addWidget(note)
        bar.addStretch(1)
        lay.addLayout(bar)
        table = QTableWidget(len(detail.sessions), 6)
        table.setHorizontalHeaderLabels(
            [tr("类型"), tr("次序"), tr("时间"), tr("地点"), tr("调解员"), tr("内容摘要")]
        )
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        for i, s in enumerate(detail.sessions):
            when = s.held_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
            summary = s.content.replace("\n", " ")
            values = [
                s.kind_label,
                tr("第{0}次").format(s.seq),
                when,
                s.place,
                s.mediators,
                summary[:60] + ("…" if len(summary) > 60 else ""),
            ]
            for j, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setToolTip(
                    tr("{0}\n\n结果：{1}").format(s.content, s.result) if j == 5 else text
                )
                table.setItem(i, j, item)
        for j, w in enumerate([80, 60, 130, 140, 100]):
            table.setColumnWidth(j, w)
        table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        table.cellDoubleClicked.connect(lambda row, _col: self.show_session(detail, row))
        table.cellActivated.connect(lambda row, _col: self.show_session(detail, row))
        lay.addWidget(table, 1)
        self.sessions_table = table
        current = self.tabs.currentIndex()
        if self.sessions_page is not None:
            self.tabs.removeTab(self.tabs.indexOf(self.sessions_page))
            self.sessions_page.deleteLater()
        self.sessions_page = page
        self.tabs.insertTab(1, page, tr("调查调解记录（{0}）").format(len(detail.sessions)))
        self.tabs.setCurrentIndex(max(current, 0))

    def show_session(self, detail: CaseDetail, row: int) -> None:
        """The whole record of one session, read-only (records are not edited afterwards)."""
        if not 0 <= row < len(detail.sessions):
            return
        s = detail.sessions[row]
        when = s.held_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
        text = tr(
            "时间：{0}\n地点：{1}\n调解员：{2}\n记录人：{3}\n参加人：{4}\n到场当事人：{5}\n\n"
            "记录内容：\n{6}\n\n结果：\n{7}"
        ).format(
            when,
            s.place,
            s.mediators,
            s.recorder,
            s.participants,
            s.parties_present,
            s.content,
            s.result or "—",
        )
        box = QMessageBox(self)
        box.setWindowTitle(tr("第{0}次{1}").format(s.seq, s.kind_label))
        box.setText(text)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.exec()

    def add_session(self, kind: str) -> bool:
        if self.record_id is None:
            return False
        dlg = SessionDialog(self.env, self.record_id, kind, parent=self)
        if dlg.exec() == SessionDialog.DialogCode.Accepted:
            announce("dispute")
            self.load()
            self.tabs.setCurrentIndex(1)
            return True
        return False

    def dispute_input(self) -> DisputeInput:
        return DisputeInput(
            title=self.title.text(),
            source=self.source.code(),
            category=self.category.code(),
            scale=self.scale.code(),
            risk_level=self.risk_level.code(),
            is_major=self.is_major.isChecked(),
            occurred_on=self.occurred_on.value(),
            place=self.place.text(),
            involved_count=self.involved_count.value(),
            amount=self.amount.text(),
            summary=self.summary_edit.toPlainText(),
            requests=self.requests.toPlainText(),
            registered_on=self.registered_on.value(),
            parties=self.parties.parties(),
            prevented_criminal=self.prevented_criminal.isChecked(),
            prevented_group_petition=self.prevented_group.isChecked(),
        )

    def do_save(self) -> tuple[str, list[str]]:
        data = self.dispute_input()
        with self.env.ctx() as ctx:
            if self.record_id is None:
                saved = register_dispute(ctx, data)
            else:
                saved = update_dispute(ctx, self.record_id, data)
            return saved.record.id, saved.warnings

    def do_void(self, reason: str) -> None:
        assert self.record_id is not None
        with self.env.ctx() as ctx:
            void_dispute(ctx, self.record_id, reason)
