"""台账 page: the ten registers (十个一) and the station's own, each listed, filtered, edited
and printed. Left: the register types; right: the chosen register's records for a period.

The widgets only call :mod:`app.services.registers`; the forms live in
:mod:`app.ui.forms.register_forms`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.rules.dates import local_date, parse_date
from app.rules.errors import AppError
from app.services import registers as reg

from .. import theme
from ..env import UiEnv
from ..forms.register_forms import (
    PERIOD_CHOICES,
    DatePick,
    ManageTypesDialog,
    MonthDialog,
    PrintDialog,
    RecordDialog,
    period_range,
)
from ..widgets import CodeCombo, page_header
from ..workers import bus

PAGE_KEY = "registers"
PAGE_TITLE = "台账"
ROW_LIMIT = 1000
TYPE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ID_ROLE = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex


def _tr(text: str) -> str:
    return QCoreApplication.translate("RegistersPage", text)


class RecordTableModel(QAbstractTableModel):
    """The rows of one register for the chosen period (a register is small: rows in memory)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.info: reg.RegisterTypeInfo | None = None
        self.columns: list[tuple[str, str]] = []
        self.rows: list[reg.RecordRow] = []

    def set_rows(self, info: reg.RegisterTypeInfo, rows: list[reg.RecordRow]) -> None:
        self.beginResetModel()
        self.info = info
        self.columns = [(f.key, f.label) for f in info.list_fields]
        self.columns.append(("_flags", _tr("标记")))
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section][1]
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None

    def text(self, row: reg.RecordRow, key: str) -> str:
        if key == "_flags":
            return "、".join(row.flags)
        return row.display.get(key, "")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        key = self.columns[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row, key).replace("\n", " ")
        if role == Qt.ItemDataRole.ToolTipRole:
            full = self.text(row, key)
            return full if len(full) > 20 or "\n" in full else None
        if role == ROW_ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.voided:
                return QBrush(theme.CLOSED)
            if key == "_flags" and any(
                w in flag for flag in row.flags for w in ("超", "逾期", "紧急")
            ):
                return QBrush(theme.OVERDUE)
        if role == Qt.ItemDataRole.BackgroundRole:
            if row.report_late or any("逾期" in f or f == "超期" for f in row.flags):
                return QBrush(theme.OVERDUE_BG)
            if row.is_urgent:
                return QBrush(theme.DUE_SOON_BG)
            if self.info is not None and row.origin != self.info.origin and not row.voided:
                return QBrush(theme.FOREIGN_BG)
        if role == Qt.ItemDataRole.FontRole and row.voided:
            from PySide6.QtGui import QFont

            font = QFont()
            font.setStrikeOut(True)
            return font
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not self.columns or not 0 <= column < len(self.columns):
            return
        key = self.columns[column][0]
        self.layoutAboutToBeChanged.emit()
        self.rows.sort(
            key=lambda r: self.text(r, key), reverse=order == Qt.SortOrder.DescendingOrder
        )
        self.layoutChanged.emit()

    def row_at(self, row: int) -> reg.RecordRow:
        return self.rows[row]


class RegistersPage(QWidget):
    PAGE_KEY = PAGE_KEY
    PAGE_TITLE = PAGE_TITLE

    def __init__(self, env: UiEnv, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env = env
        self.infos: list[reg.RegisterTypeInfo] = []
        self.info: reg.RegisterTypeInfo | None = None
        self._stale = True
        with env.ctx() as ctx:
            self.can_manage = ctx.can("settings.manage")
            self.can_edit = ctx.can("register.edit")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        self.manage_button = QPushButton(_tr("管理台账类型…"))
        self.manage_button.setVisible(self.can_manage)
        self.manage_button.clicked.connect(self.manage_types)
        outer.addWidget(
            page_header(
                _tr("台账"),
                _tr(
                    "综治工作“十个一”台账及本站自定义台账；矛盾纠纷登记表、转办通知由台账自动生成。"
                ),
                [self.manage_button],
            )
        )
        split = QSplitter()
        # left: register types
        self.type_list = QListWidget()
        self.type_list.setObjectName("registerTypes")
        self.type_list.setStyleSheet(
            "QListWidget#registerTypes::item { padding: 6px 6px; }"
            "QListWidget#registerTypes::item:selected { background: #d6e6fa; color: #1f2933; }"
        )
        self.type_list.setMinimumWidth(230)
        self.type_list.setWordWrap(True)
        self.type_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.type_list.currentItemChanged.connect(self._type_changed)
        split.addWidget(self.type_list)
        # right: records
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(8, 0, 0, 0)
        self.title = QLabel()
        self.title.setObjectName("pageTitle")
        self.hint = QLabel()
        self.hint.setObjectName("pageHint")
        self.hint.setWordWrap(True)
        rl.addWidget(self.title)
        rl.addWidget(self.hint)
        bar = QHBoxLayout()
        self.period = CodeCombo(PERIOD_CHOICES)
        self.start = DatePick(_tr("开始"))
        self.end = DatePick(_tr("结束"))
        self.search = QLineEdit()
        self.search.setPlaceholderText(_tr("按内容、姓名筛选"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(160)
        self.in_post = QCheckBox(_tr("只看在岗"))
        self.urgent_only = QCheckBox(_tr("只看紧急"))
        self.voided = QCheckBox(_tr("显示已作废"))
        for w in (QLabel(_tr("期间")), self.period, self.start, QLabel(_tr("至")), self.end):
            bar.addWidget(w)
        bar.addWidget(self.search, 1)
        for box in (self.in_post, self.urgent_only, self.voided):
            bar.addWidget(box)
        rl.addLayout(bar)
        self.table = QTableView()
        self.model = RecordTableModel(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        rl.addWidget(self.table, 1)
        actions = QHBoxLayout()
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        actions.addWidget(self.count_label, 1)
        self.add_button = QPushButton(_tr("新增"))
        self.add_button.setObjectName("primary")
        self.edit_button = QPushButton(_tr("修改"))
        self.void_button = QPushButton(_tr("作废"))
        self.void_button.setObjectName("danger")
        self.print_button = QPushButton(_tr("打印…"))
        for b in (self.add_button, self.edit_button, self.void_button, self.print_button):
            actions.addWidget(b)
        rl.addLayout(actions)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([250, 900])
        outer.addWidget(split, 1)

        self.add_button.clicked.connect(self.add_record)
        self.edit_button.clicked.connect(self.open_selected)
        self.void_button.clicked.connect(self.void_selected)
        self.print_button.clicked.connect(self.print_register)
        self.period.currentIndexChanged.connect(self._period_changed)
        self.start.edit.editingFinished.connect(self._dates_typed)
        self.end.edit.editingFinished.connect(self._dates_typed)
        self.start.calendar.clicked.connect(lambda _d: self._dates_typed())
        self.end.calendar.clicked.connect(lambda _d: self._dates_typed())
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self.reload_records)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        for box in (self.in_post, self.urgent_only, self.voided):
            box.toggled.connect(lambda _c: self.reload_records())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        bus().data_changed.connect(self._data_changed)
        self.refresh()

    # --- loading -------------------------------------------------------------------------------

    def today(self) -> date:
        return local_date(self.env.clock())

    def refresh(self) -> None:
        """Reload the register list (with counts) and the chosen register's records."""
        current = self.info.id if self.info is not None else None
        with self.env.ctx() as ctx:
            pairs = list(reg.iter_types_with_records(ctx))
            own_station = ctx.station_code
        self.infos = [info for info, _n in pairs]
        self.type_list.blockSignals(True)
        self.type_list.clear()
        last_origin = own_station
        select_row = 0
        for info, count in pairs:
            if info.origin != last_origin:
                header = QListWidgetItem(f"—— {info.station_name} ——")
                header.setFlags(Qt.ItemFlag.NoItemFlags)
                header.setForeground(QBrush(QColor(theme.MUTED)))
                self.type_list.addItem(header)
                last_origin = info.origin
            text = info.name
            if info.source in ("dispute_ledger", "visit_transfers"):
                text += "  ⟳"
            elif count:
                text += f"  （{count}）"
            item = QListWidgetItem(text)
            item.setData(TYPE_ID_ROLE, info.id)
            item.setToolTip(
                f"{info.name}\n{info.period_label}　{info.source_label}"
                + (f"\n{info.description}" if info.description else "")
            )
            self.type_list.addItem(item)
            if info.id == current:
                select_row = self.type_list.count() - 1
        self.type_list.blockSignals(False)
        if self.type_list.count():
            self.type_list.setCurrentRow(select_row)
            self._type_changed(self.type_list.currentItem(), None)
        self._stale = False

    def _type_changed(self, item: QListWidgetItem | None, _prev: QListWidgetItem | None) -> None:
        if item is None:
            return
        type_id = item.data(TYPE_ID_ROLE)
        info = next((i for i in self.infos if i.id == type_id), None)
        if info is None:
            return
        changed = self.info is None or self.info.id != info.id
        self.info = info
        self.title.setText(info.name)
        owner = "" if info.is_own else _tr("（{0}的台账，只读）").format(info.station_name)
        self.hint.setText(f"{info.period_label}　{info.source_label}{owner}　{info.description}")
        self.in_post.setVisible(
            info.key == "roster"
            or any(f.type == "date_range" and f.index_as == "date" for f in info.active_fields)
        )
        self.urgent_only.setVisible(any(f.index_as == "urgency" for f in info.active_fields))
        self.voided.setVisible(info.source not in ("dispute_ledger",))
        if changed:
            self.period.blockSignals(True)
            self.period.set_code("all" if info.period in ("none", "yearly") else "year")
            self.period.blockSignals(False)
            self._apply_period()
            self.in_post.setChecked(False)
            self.urgent_only.setChecked(False)
        self.add_button.setText(
            _tr("生成月通报…") if info.source == "monthly_stats" else _tr("新增")
        )
        self.reload_records()

    def _apply_period(self) -> None:
        if self.info is None:
            return
        code = self.period.code()
        if code == "custom":
            return
        start, end = period_range(self.info, code, self.today())
        self.start.set_value(start.isoformat() if start else "")
        self.end.set_value(end.isoformat() if end else "")

    def _period_changed(self) -> None:
        self._apply_period()
        self.reload_records()

    def _dates_typed(self) -> None:
        self.period.blockSignals(True)
        self.period.set_code("custom")
        self.period.blockSignals(False)
        self.reload_records()

    def record_filter(self) -> reg.RecordFilter:
        start = (
            parse_date(self.start.value(), "from", _tr("开始日期")) if self.start.value() else None
        )
        end = parse_date(self.end.value(), "to", _tr("结束日期")) if self.end.value() else None
        return reg.RecordFilter(
            start=start,
            end=end,
            text=self.search.text(),
            include_voided=self.voided.isChecked() and self.voided.isVisible(),
            active_on=self.today()
            if self.in_post.isChecked() and self.in_post.isVisible()
            else None,
            urgent_only=self.urgent_only.isChecked() and self.urgent_only.isVisible(),
            limit=ROW_LIMIT,
        )

    def reload_records(self) -> None:
        info = self.info
        if info is None:
            return
        try:
            flt = self.record_filter()
            with self.env.ctx() as ctx:
                page = reg.list_records(ctx, info.id, flt)
        except AppError as err:
            self.count_label.setText(str(err))
            return
        selected = self.selected_row()
        self.model.set_rows(info, page.rows)
        self._size_columns()
        text = _tr("共 {0} 条").format(page.total)
        if page.total > len(page.rows):
            text += _tr("（显示最近 {0} 条，请缩小日期范围）").format(len(page.rows))
        self.count_label.setText(text)
        if selected is not None:
            for r, row in enumerate(self.model.rows):
                if row.id == selected.id:
                    self.table.selectRow(r)
        self._update_buttons()

    def _size_columns(self) -> None:
        """Fit columns to their content (sampled), capped so that every column stays visible."""
        if self.info is None:
            return
        header = self.table.horizontalHeader()
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.resizeColumnsToContents()
        by_key = {f.key: f for f in self.info.list_fields}
        for c, (key, _label) in enumerate(self.model.columns):
            f = by_key.get(key)
            cap = 320 if f is not None and f.index_as == "title" else 220
            if f is not None and f.type == "long_text" and f.index_as != "title":
                cap = 260
            width = min(max(self.table.columnWidth(c), 64), cap)
            self.table.setColumnWidth(c, width + 8)

    # --- actions -------------------------------------------------------------------------------

    def selected_row(self) -> reg.RecordRow | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        return self.model.row_at(rows[0].row())

    def _update_buttons(self) -> None:
        info = self.info
        row = self.selected_row()
        can_add = info is not None and info.can_add and self.can_edit
        self.add_button.setEnabled(can_add)
        if info is not None and info.source == "dispute_ledger":
            self.add_button.setToolTip(_tr("由矛盾纠纷台账自动生成：请在“矛盾纠纷”中登记"))
        elif info is not None and info.source == "visit_transfers":
            self.add_button.setToolTip(_tr("由来信来访的转办、交办生成；选中一行后“登记回执/反馈”"))
        else:
            self.add_button.setToolTip("")
        editable = row is not None and row.editable and self.can_edit
        self.edit_button.setEnabled(row is not None)
        if info is not None and info.source == "visit_transfers":
            self.edit_button.setText(_tr("登记回执/反馈") if editable else _tr("查看"))
        else:
            self.edit_button.setText(_tr("修改") if editable else _tr("查看"))
        self.void_button.setEnabled(editable and row is not None and row.record_id is not None)
        self.print_button.setEnabled(info is not None)

    def add_record(self) -> None:
        info = self.info
        if info is None or not info.can_add:
            return
        if info.source == "monthly_stats":
            dlg = MonthDialog(self.today(), self)
            if not dlg.exec():
                return
            try:
                with self.env.ctx() as ctx:
                    saved = reg.generate_bulletin(ctx, dlg.value())
            except AppError as err:
                QMessageBox.warning(self, _tr("无法生成"), str(err))
                return
            self.reload_records()
            self.refresh_counts()
            self.open_row(saved.record)
            return
        form = RecordDialog(self.env, info, None, self)
        form.saved.connect(lambda _id: self._after_change())
        form.exec()

    def open_selected(self) -> None:
        row = self.selected_row()
        if row is not None:
            self.open_row(row)

    def open_row(self, row: reg.RecordRow) -> None:
        info = self.info
        if info is None:
            return
        try:
            with self.env.ctx() as ctx:
                fresh = reg.get_record(ctx, row.id)
        except AppError as err:
            QMessageBox.warning(self, _tr("无法打开"), str(err))
            self.reload_records()
            return
        form = RecordDialog(self.env, info, fresh, self)
        form.saved.connect(lambda _id: self._after_change())
        form.exec()

    def void_selected(self) -> None:
        row = self.selected_row()
        if row is None or row.record_id is None:
            return
        reason, ok = QInputDialog.getText(
            self,
            _tr("作废记录"),
            _tr("作废后记录保留痕迹、不再列出。\n请填写作废原因（如重复登记）："),
        )
        if not ok:
            return
        try:
            with self.env.ctx() as ctx:
                reg.void_record(ctx, row.record_id, reason)
        except AppError as err:
            QMessageBox.warning(self, _tr("无法作废"), str(err))
            return
        self._after_change()

    def print_register(self) -> None:
        if self.info is None:
            return
        row = self.selected_row()
        if self.info.source == "monthly_stats" and row is not None and row.record_id:
            # one issued 月通报: its frozen figures, edited text and charts
            from ..print_preview import preview_form

            preview_form(self, self.env, "bulletin", row.record_id)
            return
        PrintDialog(self.env, self.info, self.today(), self).exec()

    # hooks the main window calls (Ctrl+N, Ctrl+F, Ctrl+P)
    def new_record(self) -> None:
        if self.add_button.isEnabled():
            self.add_record()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def print_selected(self) -> None:
        self.print_register()

    def manage_types(self) -> None:
        ManageTypesDialog(
            self.env, self, self.info.id if self.info and self.info.is_own else None
        ).exec()
        self.refresh()

    def _after_change(self) -> None:
        self.reload_records()
        self.refresh_counts()

    def refresh_counts(self) -> None:
        current = self.type_list.currentRow()
        self.refresh()
        if 0 <= current < self.type_list.count():
            self.type_list.setCurrentRow(current)

    def _data_changed(self, kinds: object) -> None:
        wanted = {"register", "visit", "dispute", "settings"}
        if isinstance(kinds, (set, frozenset)) and not (kinds & wanted):
            return
        if self.isVisible():
            self.reload_records()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()


__all__ = ["PAGE_KEY", "PAGE_TITLE", "RecordTableModel", "RegistersPage"]
