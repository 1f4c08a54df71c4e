"""设置: station settings (deadlines, group-visit threshold, numbering prefix, idle lock),
operators (add, unlock), local code-table additions, and changing one's own password."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.rules.dates import CHINA_TZ
from app.rules.deadlines import DeadlineConfig, Span
from app.rules.errors import AppError, ValidationError
from app.services import settings as station_settings
from app.services.codes import add_local_code
from app.services.lookups import (
    assignable_roles,
    code_items,
    code_tables,
    operator_rows,
    station_info,
)
from app.services.operators import OperatorInput, change_password, create_operator, unlock

from ..env import UiEnv
from ..hub_test import HubTestRow
from ..i18n import tr
from ..sync_status import hub_url_hint
from ..widgets import CodeCombo, FieldErrors, error_label, page_header
from ..workers import announce


class SpanEdit(QWidget):
    """A deadline span: months + days."""

    def __init__(self, with_months: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.months = QSpinBox()
        self.months.setRange(0, 24)
        self.months.setSuffix(tr(" 个月"))
        self.days = QSpinBox()
        self.days.setRange(0, 365)
        self.days.setSuffix(tr(" 日"))
        if with_months:
            lay.addWidget(self.months)
        lay.addWidget(self.days)
        lay.addStretch(1)

    def value(self) -> Span:
        return Span(self.months.value(), self.days.value())

    def set_value(self, s: Span) -> None:
        self.months.setValue(s.months)
        self.days.setValue(s.days)


class SettingsPage(QWidget):
    PAGE_KEY = "settings"
    PAGE_TITLE = tr("设置")

    def __init__(self, env: UiEnv, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env = env
        self.can_manage = False
        self.can_operators = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(18, 14, 18, 14)
        lay.addWidget(
            page_header(tr("设置"), tr("本站信息、办理期限、操作员、代码表、账户、备份与恢复"))
        )
        self.tabs = QTabWidget()
        lay.addWidget(self.tabs, 1)
        self._build_station_tab()
        self._build_operators_tab()
        self._build_codes_tab()
        self._build_account_tab()
        from ..backup_panel import BackupPanel

        self.backup_panel = BackupPanel(env)
        self.tabs.addTab(self.backup_panel, tr("备份与恢复"))

    # --- station and deadlines ---------------------------------------------------------
    def _build_station_tab(self) -> None:
        page = QWidget()
        outer = QHBoxLayout(page)
        left = QVBoxLayout()
        info = QGroupBox(tr("本站"))
        self.info_form = QFormLayout(info)
        left.addWidget(info)
        general = QGroupBox(tr("登记与编号"))
        gf = QFormLayout(general)
        self.group_threshold = QSpinBox()
        self.group_threshold.setRange(2, 1000)
        self.group_threshold.setSuffix(tr(" 人及以上为集体访"))
        self.mediation_prefix = QLineEdit()
        self.mediation_prefix.setPlaceholderText(tr("如“柳树”，编号形如（2026）柳树调字第3号"))
        self.committee_name = QLineEdit()
        self.hub_url = QLineEdit()
        with self.env.ctx() as ctx:
            self.hub_url.setPlaceholderText(hub_url_hint(ctx.station.level))
        self.idle_lock = QSpinBox()
        self.idle_lock.setRange(1, 240)
        self.idle_lock.setSuffix(tr(" 分钟无操作自动锁定"))
        self.errors = FieldErrors(QLabel())
        for label, w, field in (
            (tr("集体访人数标准"), self.group_threshold, "group_threshold"),
            (tr("文书编号前缀"), self.mediation_prefix, "mediation_prefix"),
            (tr("调委会名称"), self.committee_name, "committee_name"),
            (tr("同步服务地址"), self.hub_url, "hub_url"),
            (tr("空闲锁定"), self.idle_lock, "idle_lock_minutes"),
        ):
            err = error_label()
            box = QVBoxLayout()
            box.addWidget(w)
            box.addWidget(err)
            gf.addRow(label, box)
            self.errors.register(field, w, err)
        self.hub_test = HubTestRow(self.env, self.hub_url)
        gf.insertRow(4, "", self.hub_test)  # under 同步服务地址
        left.addWidget(general)
        left.addStretch(1)
        outer.addLayout(left, 1)

        right = QVBoxLayout()
        deadlines = QGroupBox(tr("办理期限（按日历日计算）"))
        df = QFormLayout(deadlines)
        self.spans: dict[str, SpanEdit] = {}
        for key, label, months in (
            ("visit_accept", tr("信访受理告知期限"), False),
            ("visit_handle", tr("信访办理期限"), False),
            ("visit_review", tr("复查、复核期限"), False),
            ("mediation_general", tr("一般纠纷调解期限"), True),
            ("mediation_major", tr("重大纠纷调解期限"), True),
            ("judicial_confirmation", tr("申请司法确认期限"), False),
            ("follow_up_after_agreement", tr("协议履行后回访期限"), False),
        ):
            edit = SpanEdit(months)
            self.spans[key] = edit
            df.addRow(label, edit)
        self.max_extension = QSpinBox()
        self.max_extension.setRange(0, 365)
        self.max_extension.setSuffix(tr(" 日"))
        self.due_soon = QSpinBox()
        self.due_soon.setRange(1, 30)
        self.due_soon.setSuffix(tr(" 日内提示即将到期"))
        df.addRow(tr("信访延期上限"), self.max_extension)
        df.addRow(tr("到期提醒"), self.due_soon)
        right.addWidget(deadlines)
        bar = QHBoxLayout()
        self.reset_local = QPushButton(tr("采用本地惯例（一般纠纷15日、重大2个月）"))
        self.reset_local.clicked.connect(self._local_rule)
        self.save_settings_button = QPushButton(tr("保存设置"))
        self.save_settings_button.setObjectName("primary")
        self.save_settings_button.clicked.connect(self.save_settings)
        bar.addWidget(self.reset_local)
        bar.addStretch(1)
        bar.addWidget(self.save_settings_button)
        right.addLayout(bar)
        self.settings_note = QLabel()
        self.settings_note.setObjectName("muted")
        self.settings_note.setWordWrap(True)
        right.addWidget(self.settings_note)
        right.addStretch(1)
        outer.addLayout(right, 1)
        self.tabs.addTab(page, tr("站点与期限"))

    def _local_rule(self) -> None:
        cfg = DeadlineConfig.local_seed_rule()
        self.spans["mediation_general"].set_value(cfg.mediation_general)
        self.spans["mediation_major"].set_value(cfg.mediation_major)

    def _load_station(self) -> None:
        with self.env.ctx() as ctx:
            info = station_info(ctx)
            st = station_settings.settings_of(ctx)
            self.can_manage = ctx.can("settings.manage")
            self.can_operators = ctx.can("operator.manage")
        while self.info_form.rowCount():
            self.info_form.removeRow(0)
        for label, value in (
            (tr("名称"), info.name),
            (tr("区划代码"), info.code),
            (tr("层级"), info.level_label),
            (tr("上级代码"), info.parent_code or "—"),
            (
                tr("当前操作员"),
                tr("{0}（{1}，{2}）").format(
                    info.operator_name, info.operator_username, info.operator_role_label
                ),
            ),
        ):
            v = QLabel(value)
            v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.info_form.addRow(label, v)
        self.group_threshold.setValue(st.group_threshold)
        self.mediation_prefix.setText(st.mediation_prefix)
        self.committee_name.setText(st.committee_name)
        self.hub_url.setText(st.hub_url)
        self.idle_lock.setValue(st.idle_lock_minutes)
        cfg = st.deadlines
        for key, edit in self.spans.items():
            edit.set_value(getattr(cfg, key))
        self.max_extension.setValue(cfg.visit_max_extension_days)
        self.due_soon.setValue(cfg.due_soon_days)
        self._loaded_settings = st
        for w in (self.save_settings_button, self.reset_local):
            w.setEnabled(self.can_manage)
        self.settings_note.setText(
            tr("期限修改后对新登记和之后办理的步骤生效。")
            if self.can_manage
            else tr("当前角色只能查看设置，修改请联系站点管理员。")
        )

    def settings_value(self) -> station_settings.StationSettings:
        cfg = replace(
            DeadlineConfig(),
            **{k: e.value() for k, e in self.spans.items()},
            visit_max_extension_days=self.max_extension.value(),
            due_soon_days=self.due_soon.value(),
        )
        return station_settings.StationSettings(
            deadlines=cfg,
            group_threshold=self.group_threshold.value(),
            mediation_prefix=self.mediation_prefix.text().strip(),
            committee_name=self.committee_name.text().strip(),
            hub_url=self.hub_url.text().strip(),
            idle_lock_minutes=self.idle_lock.value(),
        )

    def save_settings(self) -> bool:
        self.errors.clear()
        try:
            with self.env.ctx() as ctx:
                station_settings.save(ctx, self.settings_value())
        except ValidationError as err:
            self.errors.show(err)
            QMessageBox.warning(self, tr("无法保存"), str(err))
            return False
        except AppError as err:
            QMessageBox.warning(self, tr("无法保存"), str(err))
            return False
        announce("settings")
        self.settings_note.setText(tr("设置已保存。"))
        return True

    # --- operators -----------------------------------------------------------------------
    def _build_operators_tab(self) -> None:
        page = QWidget()
        lay = QVBoxLayout(page)
        bar = QHBoxLayout()
        self.add_operator_button = QPushButton(tr("添加操作员"))
        self.add_operator_button.clicked.connect(self.add_operator)
        self.unlock_button = QPushButton(tr("解锁所选账号"))
        self.unlock_button.clicked.connect(self.unlock_selected)
        bar.addWidget(self.add_operator_button)
        bar.addWidget(self.unlock_button)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.operators = QTableWidget(0, 6)
        self.operators.setHorizontalHeaderLabels(
            [tr("用户名"), tr("姓名"), tr("角色"), tr("状态"), tr("最近登录"), tr("电话")]
        )
        self.operators.verticalHeader().hide()
        self.operators.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.operators.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.operators.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.operators.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        for j, w in enumerate([120, 100, 120, 180, 140]):
            self.operators.setColumnWidth(j, w)
        lay.addWidget(self.operators, 1)
        self.operators_note = QLabel()
        self.operators_note.setObjectName("muted")
        lay.addWidget(self.operators_note)
        self.tabs.addTab(page, tr("操作员"))

    def _load_operators(self) -> None:
        with self.env.ctx() as ctx:
            rows = operator_rows(ctx)
        self.operators.setRowCount(len(rows))
        for i, r in enumerate(rows):
            if not r.active:
                state = tr("已停用")
            elif r.locked and r.locked_until is not None:
                until = r.locked_until.astimezone(CHINA_TZ).strftime("%H:%M")
                state = tr("已锁定（至 {0}）").format(until)
            elif r.failed_attempts:
                state = tr("正常（输错密码 {0} 次）").format(r.failed_attempts)
            else:
                state = tr("正常")
            last = (
                r.last_login_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
                if r.last_login_at
                else tr("从未登录")
            )
            for j, text in enumerate(
                [r.username, r.display_name, r.role_label, state, last, r.phone]
            ):
                self.operators.setItem(i, j, QTableWidgetItem(text))
        for w in (self.add_operator_button, self.unlock_button):
            w.setEnabled(self.can_operators)
        self.operators_note.setText(
            tr("密码连续输错5次账号锁定15分钟；管理员可提前解锁。")
            if self.can_operators
            else tr("当前角色不能管理操作员。")
        )

    def selected_username(self) -> str:
        rows = self.operators.selectionModel().selectedRows()
        if not rows:
            return ""
        item = self.operators.item(rows[0].row(), 0)
        return item.text() if item else ""

    def unlock_selected(self) -> None:
        username = self.selected_username()
        if not username:
            QMessageBox.information(self, tr("解锁"), tr("请先在列表中选择要解锁的账号。"))
            return
        try:
            with self.env.ctx() as ctx:
                unlock(ctx, username)
        except AppError as err:
            QMessageBox.warning(self, tr("无法解锁"), str(err))
            return
        self._load_operators()
        self.operators_note.setText(tr("已解锁账号“{0}”。").format(username))

    def add_operator(self) -> None:
        with self.env.ctx() as ctx:
            roles = assignable_roles(ctx)
        dlg = OperatorDialog(self.env, roles, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self._load_operators()

    # --- code tables ---------------------------------------------------------------------
    def _build_codes_tab(self) -> None:
        page = QWidget()
        lay = QHBoxLayout(page)
        self.code_table_list = QListWidget()
        self.code_table_list.setMaximumWidth(240)
        self.code_table_list.currentItemChanged.connect(lambda *_: self._load_items())
        lay.addWidget(self.code_table_list)
        right = QVBoxLayout()
        self.items_table = QTableWidget(0, 3)
        self.items_table.setHorizontalHeaderLabels([tr("代码"), tr("名称"), tr("来源")])
        self.items_table.verticalHeader().hide()
        self.items_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.items_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        right.addWidget(self.items_table, 1)
        add = QGroupBox(tr("添加本地代码（如本地特有的纠纷类别）"))
        grid = QGridLayout(add)
        self.new_code = QLineEdit()
        self.new_code.setPlaceholderText(tr("代码，如 tourism"))
        self.new_label = QLineEdit()
        self.new_label.setPlaceholderText(tr("名称，如 旅游纠纷"))
        self.add_code_button = QPushButton(tr("添加"))
        self.add_code_button.clicked.connect(self.add_code)
        self.code_error = error_label()
        grid.addWidget(QLabel(tr("代码")), 0, 0)
        grid.addWidget(self.new_code, 0, 1)
        grid.addWidget(QLabel(tr("名称")), 0, 2)
        grid.addWidget(self.new_label, 0, 3)
        grid.addWidget(self.add_code_button, 0, 4)
        grid.addWidget(self.code_error, 1, 0, 1, 5)
        right.addWidget(add)
        lay.addLayout(right, 1)
        self.tabs.addTab(page, tr("代码表"))

    def _load_codes(self) -> None:
        current = self.code_table_list.currentItem()
        name = current.data(Qt.ItemDataRole.UserRole) if current else None
        with self.env.ctx() as ctx:
            tables = code_tables(ctx)
        self.code_table_list.blockSignals(True)
        self.code_table_list.clear()
        for t in tables:
            item = QListWidgetItem(tr("{0}（{1}项）").format(t.title, t.items))
            item.setData(Qt.ItemDataRole.UserRole, t.name)
            self.code_table_list.addItem(item)
            if t.name == name:
                self.code_table_list.setCurrentItem(item)
        self.code_table_list.blockSignals(False)
        if self.code_table_list.currentItem() is None and self.code_table_list.count():
            self.code_table_list.setCurrentRow(0)
        self._load_items()
        self.add_code_button.setEnabled(self.can_manage)

    def current_code_table(self) -> str:
        item = self.code_table_list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else ""

    def _load_items(self) -> None:
        table = self.current_code_table()
        if not table:
            return
        with self.env.ctx() as ctx:
            items = code_items(ctx, table, include_inactive=True)
        self.items_table.setRowCount(len(items))
        for i, c in enumerate(items):
            source = (
                tr("本地添加") if c.is_local else (tr("已停用") if not c.active else tr("统一代码"))
            )
            for j, text in enumerate([c.code, c.label, source]):
                self.items_table.setItem(i, j, QTableWidgetItem(text))

    def add_code(self) -> bool:
        self.code_error.hide()
        table = self.current_code_table()
        try:
            with self.env.ctx() as ctx:
                add_local_code(ctx, table, self.new_code.text(), self.new_label.text())
        except AppError as err:
            self.code_error.setText(str(err))
            self.code_error.show()
            return False
        self.new_code.clear()
        self.new_label.clear()
        self._load_codes()
        announce("settings")
        return True

    # --- account -------------------------------------------------------------------------
    def _build_account_tab(self) -> None:
        page = QWidget()
        lay = QVBoxLayout(page)
        box = QGroupBox(tr("修改我的密码"))
        box.setMaximumWidth(520)
        form = QFormLayout(box)
        self.old_password = QLineEdit()
        self.new_password = QLineEdit()
        self.new_password2 = QLineEdit()
        for w in (self.old_password, self.new_password, self.new_password2):
            w.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_errors = FieldErrors(QLabel())
        for label, w, field in (
            (tr("原密码"), self.old_password, "old_password"),
            (tr("新密码"), self.new_password, "new_password"),
            (tr("再次输入新密码"), self.new_password2, "new_password2"),
        ):
            err = error_label()
            col = QVBoxLayout()
            col.addWidget(w)
            col.addWidget(err)
            form.addRow(label, col)
            self.password_errors.register(field, w, err)
        self.change_password_button = QPushButton(tr("修改密码"))
        self.change_password_button.setObjectName("primary")
        self.change_password_button.clicked.connect(self.change_password)
        form.addRow("", self.change_password_button)
        self.password_note = QLabel(tr("密码至少6位。"))
        self.password_note.setObjectName("muted")
        form.addRow("", self.password_note)
        lay.addWidget(box)
        lay.addStretch(1)
        self.tabs.addTab(page, tr("我的账户"))

    def change_password(self) -> bool:
        self.password_errors.clear()
        if self.new_password.text() != self.new_password2.text():
            self.password_errors.show(
                ValidationError.single(
                    "new_password2", tr("再次输入新密码"), tr("与新密码不一致"), tr("请重新输入")
                )
            )
            return False
        try:
            with self.env.ctx() as ctx:
                change_password(ctx, self.old_password.text(), self.new_password.text())
        except ValidationError as err:
            self.password_errors.show(err)
            return False
        except AppError as err:
            QMessageBox.warning(self, tr("无法修改"), str(err))
            return False
        for w in (self.old_password, self.new_password, self.new_password2):
            w.clear()
        self.password_note.setText(tr("密码已修改，下次登录请使用新密码。"))
        return True

    # --- page contract -------------------------------------------------------------------
    def refresh(self) -> None:
        self._load_station()
        self._load_operators()
        self._load_codes()
        self.backup_panel.refresh()


class OperatorDialog(QDialog):
    def __init__(
        self, env: UiEnv, roles: list[tuple[str, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.env = env
        self.setWindowTitle(tr("添加操作员"))
        self.resize(460, 320)
        lay = QVBoxLayout(self)
        summary = QLabel()
        self.errors = FieldErrors(summary)
        lay.addWidget(summary)
        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setPlaceholderText(tr("登录用，字母、数字或下划线"))
        self.display_name = QLineEdit()
        self.role = CodeCombo(roles)
        self.role.set_code("clerk")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.phone = QLineEdit()
        for label, w, field in (
            (tr("用户名*"), self.username, "username"),
            (tr("姓名*"), self.display_name, "display_name"),
            (tr("角色*"), self.role, "role"),
            (tr("初始密码*"), self.password, "password"),
            (tr("电话"), self.phone, "phone"),
        ):
            err = error_label()
            col = QVBoxLayout()
            col.addWidget(w)
            col.addWidget(err)
            form.addRow(label, col)
            self.errors.register(field, w, err)
        lay.addLayout(form)
        bar = QHBoxLayout()
        bar.addStretch(1)
        cancel = QPushButton(tr("取消"))
        cancel.clicked.connect(self.reject)
        ok = QPushButton(tr("添加"))
        ok.setObjectName("primary")
        ok.setDefault(True)
        ok.clicked.connect(self.save)
        bar.addWidget(cancel)
        bar.addWidget(ok)
        lay.addLayout(bar)

    def save(self) -> bool:
        self.errors.clear()
        data = OperatorInput(
            username=self.username.text(),
            display_name=self.display_name.text(),
            role=self.role.code(),
            password=self.password.text(),
            phone=self.phone.text(),
        )
        try:
            with self.env.ctx() as ctx:
                create_operator(ctx, data)
        except ValidationError as err:
            self.errors.show(err)
            return False
        except AppError as err:
            QMessageBox.warning(self, tr("无法添加"), str(err))
            return False
        self.accept()
        return True
