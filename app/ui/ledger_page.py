"""A ledger list page: filter bar, the paged table, counts, and opening records.

Pages read one page of rows at a time on the GUI thread (a few milliseconds even at 100k
records); the total count runs in the background and arrives a moment later.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.rules.dates import local_date
from app.services.context import Ctx
from app.services.ledger_query import Cursor, Deadline, FilterChoices, LedgerFilter, Page

from .env import UiEnv
from .i18n import tr
from .ledger_model import Column, LedgerModel
from .printing import make_print_menu
from .widgets import CodeCombo, DateEdit, page_header
from .workers import Op, bus

PERIODS = [
    ("all", tr("全部时间")),
    ("today", tr("今天")),
    ("week", tr("近7天")),
    ("month", tr("本月")),
    ("last_month", tr("上月")),
    ("year", tr("本年")),
    ("custom", tr("自定义…")),
]
DEADLINES: list[tuple[Deadline, str]] = [
    ("", tr("全部期限")),
    ("open", tr("在办")),
    ("overdue", tr("已超期")),
    ("due_soon", tr("即将到期")),
]


class LedgerPage(QWidget):
    PAGE_KEY = ""
    PAGE_TITLE = ""
    kind = "visit"
    hint = ""
    new_label = tr("新建")
    default_sort = "received_on"

    def __init__(self, env: UiEnv, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env = env
        self._count_token = 0
        self.total: int | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(18, 14, 18, 10)
        lay.setSpacing(10)
        self.new_button = QPushButton(tr("{0}（Ctrl+N）").format(self.new_label))
        self.new_button.setObjectName("primary")
        self.new_button.clicked.connect(self.new_record)
        self.open_button = QPushButton(tr("打开"))
        self.open_button.clicked.connect(self.open_selected)
        self.print_button = QPushButton(tr("打印"))
        self.print_button.setMenu(make_print_menu(self, env, self.kind, self.selected_id))
        lay.addWidget(
            page_header(
                self.PAGE_TITLE, self.hint, [self.print_button, self.open_button, self.new_button]
            )
        )

        # --- filter bar -------------------------------------------------------------------
        bar = QHBoxLayout()
        bar.setSpacing(6)
        self.search = QLineEdit()
        self.search.setPlaceholderText(
            tr("搜索：姓名、拼音首字母（如 zs）、编码、内容、电话……（Ctrl+F）")
        )
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(300)
        self.period = QComboBox()
        for code, label in PERIODS:
            self.period.addItem(label, code)
        today = local_date(env.clock())
        self.date_from = DateEdit(today.replace(day=1))
        self.date_to = DateEdit(today)
        self.date_from.hide()
        self.date_to.hide()
        self.dash = QLabel(tr("至"))
        self.dash.hide()
        self.status = QComboBox()
        self.category = CodeCombo(empty=tr("全部类别"))
        self.deadline = QComboBox()
        for code, label in DEADLINES:
            self.deadline.addItem(label, code)
        self.origin = CodeCombo(empty=tr("全部站点"))
        self.origin.hide()
        self.reset_button = QPushButton(tr("清除筛选"))
        self.reset_button.clicked.connect(self.reset_filters)
        bar.addWidget(self.search, 3)
        bar.addWidget(self.period)
        bar.addWidget(self.date_from)
        bar.addWidget(self.dash)
        bar.addWidget(self.date_to)
        bar.addWidget(self.status)
        bar.addWidget(self.category)
        bar.addWidget(self.deadline)
        bar.addWidget(self.origin)
        bar.addWidget(self.reset_button)
        lay.addLayout(bar)

        # --- table ------------------------------------------------------------------------
        self.model = LedgerModel(
            self.fetch, self.columns(), default_sort=self.default_sort, parent=self
        )
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(28)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSortIndicatorShown(True)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for i, col in enumerate(self.model.columns):
            self.table.setColumnWidth(i, col.width)
        header.setSortIndicator(self.model.sort_column(), Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        self.table.doubleClicked.connect(self._double_clicked)
        self.table.activated.connect(self._double_clicked)
        lay.addWidget(self.table, 1)

        foot = QHBoxLayout()
        self.count_label = QLabel("")
        self.count_label.setObjectName("muted")
        self.legend = QLabel(
            "<span style='color:#c0392b'>■ {}</span>&nbsp;&nbsp;"
            "<span style='color:#b9770e'>■ {}</span>&nbsp;&nbsp;"
            "<span style='color:#1e8449'>■ {}</span>&nbsp;&nbsp;"
            "<span style='background:#f3f0fa'>&nbsp;{}&nbsp;</span>".format(
                tr("已超期"), tr("即将到期"), tr("期限内"), tr("外站记录（只读）")
            )
        )
        self.legend.setObjectName("muted")
        foot.addWidget(self.count_label)
        foot.addStretch(1)
        foot.addWidget(self.legend)
        lay.addLayout(foot)
        self.error = QLabel()
        self.error.setObjectName("errorSummary")
        self.error.hide()
        lay.insertWidget(2, self.error)

        # --- wiring -----------------------------------------------------------------------
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda _: self._search_timer.start())
        self.search.returnPressed.connect(self.apply_filters)
        self.period.currentIndexChanged.connect(self._period_changed)
        for w in (self.status, self.category, self.deadline, self.origin):
            w.currentIndexChanged.connect(self.apply_filters)
        self.date_from.dateChanged.connect(self.apply_filters)
        self.date_to.dateChanged.connect(self.apply_filters)
        self.model.failed.connect(self._show_error)
        self.model.reloaded.connect(self._after_reload)
        self.model.rowsInserted.connect(lambda *_: self._update_count_label())
        bus().data_changed.connect(self._data_changed)
        self._choices_loaded = False
        self._loading = False

    # --- subclass hooks ---------------------------------------------------------------
    def columns(self) -> list[Column[Any]]:
        raise NotImplementedError

    def read_page(
        self, ctx: Ctx, flt: LedgerFilter, sort: str, desc: bool, after: Cursor | None
    ) -> Page[Any]:
        raise NotImplementedError

    def count(self, ctx: Ctx, flt: LedgerFilter) -> int:
        raise NotImplementedError

    def choices(self, ctx: Ctx) -> FilterChoices:
        raise NotImplementedError

    def open_record(self, record_id: str) -> None:
        raise NotImplementedError

    def new_record(self) -> None:
        raise NotImplementedError

    # --- page contract ----------------------------------------------------------------
    def refresh(self) -> None:
        if not self._choices_loaded:
            self._load_choices()
        self.apply_filters()

    def _load_choices(self) -> None:
        with self.env.ctx() as ctx:
            ch = self.choices(ctx)
        self._loading = True
        self.status.clear()
        self.status.addItem(tr("全部状态"), "")
        for c in ch.statuses:
            self.status.addItem(c.label, c.code)
        self.category.set_items([(c.code, c.label) for c in ch.categories])
        if ch.origins:
            self.origin.set_items(
                [(c.code, tr("{0}（{1}）").format(c.label, c.code)) for c in ch.origins]
            )
            self.origin.show()
        self.deadline.setItemText(3, tr("{0}日内到期").format(ch.due_soon_days))
        self.model.due_soon_days = ch.due_soon_days
        self._loading = False
        self._choices_loaded = True

    # --- filters ----------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _period_changed(self) -> None:
        custom = self.period.currentData() == "custom"
        for w in (self.date_from, self.dash, self.date_to):
            w.setVisible(custom)
        self.apply_filters()

    def period_range(self) -> tuple[date | None, date | None]:
        today = local_date(self.env.clock())
        code = self.period.currentData()
        if code == "today":
            return today, today
        if code == "week":
            return today - timedelta(days=6), today
        if code == "month":
            return today.replace(day=1), today
        if code == "last_month":
            end = today.replace(day=1) - timedelta(days=1)
            return end.replace(day=1), end
        if code == "year":
            return today.replace(month=1, day=1), today
        if code == "custom":
            # a day being typed that is not (yet) a date keeps the last valid one
            return self.date_from.last_valid(), self.date_to.last_valid()
        return None, None

    def current_filter(self) -> LedgerFilter:
        start, end = self.period_range()
        status = self.status.currentData() or ""
        return LedgerFilter(
            date_from=start,
            date_to=end,
            statuses=(status,) if status else (),
            category=self.category.code(),
            deadline=self.deadline.currentData() or "",
            text=self.search.text(),
            origin=self.origin.code(),
        )

    def apply_filters(self) -> None:
        if self._loading:
            return
        self._search_timer.stop()
        self.error.hide()
        self.model.set_filter(self.current_filter())

    def reset_filters(self) -> None:
        self._loading = True
        self.search.clear()
        self.period.setCurrentIndex(0)
        self.status.setCurrentIndex(0)
        self.category.setCurrentIndex(0)
        self.deadline.setCurrentIndex(0)
        self.origin.setCurrentIndex(0)
        self._loading = False
        self.apply_filters()

    def set_deadline_filter(self, code: str) -> None:
        """Used by the dashboard: show overdue / due-soon cases."""
        self.reset_filters()
        index = self.deadline.findData(code)
        if index >= 0:
            self.deadline.setCurrentIndex(index)

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    # --- paging and counting ----------------------------------------------------------
    def fetch(self, flt: LedgerFilter, sort: str, desc: bool, after: Cursor | None) -> Page[Any]:
        with self.env.ctx() as ctx:
            return self.read_page(ctx, flt, sort, desc, after)

    def _after_reload(self) -> None:
        self.total = None
        self._update_count_label()
        self._count_token += 1
        token = self._count_token
        flt = self.model.filter
        Op(self, self.env, lambda ctx: self.count(ctx, flt)).success(
            lambda n: self._count_arrived(token, n)
        ).failure(lambda _e: None).run()
        if self.model.rowCount() and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def _count_arrived(self, token: int, n: int) -> None:
        if token == self._count_token:
            self.total = n
            self._update_count_label()

    def _update_count_label(self) -> None:
        shown = self.model.loaded_rows()
        if self.total is None:
            more = tr("，正在统计总数…") if self.model.has_more() else ""
            text = tr("已显示 {0} 条{1}").format(shown, more)
        else:
            text = (
                tr("共 {0} 条，已显示 {1} 条").format(self.total, shown)
                if self.total != shown
                else tr("共 {0} 条").format(self.total)
            )
        self.count_label.setText(text)

    # --- opening ----------------------------------------------------------------------
    def selected_id(self) -> str:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return ""
        return self.model.row_id(rows[0].row())

    def open_selected(self) -> None:
        record_id = self.selected_id()
        if record_id:
            self.open_record(record_id)

    def _double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_record(self.model.row_id(index.row()))

    def print_selected(self) -> None:
        if self.selected_id():
            self.print_button.showMenu()

    def _data_changed(self, kinds: frozenset[str]) -> None:
        if self.kind in kinds or "settings" in kinds:
            if self.isVisible():
                self.reload_keep_selection()
            else:
                self._stale = True

    def reload_keep_selection(self) -> None:
        current = self.selected_id()
        self.model.reload()
        if current:
            row = self.model.find_row(current)
            if row >= 0:
                self.table.selectRow(row)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if getattr(self, "_stale", False):
            self._stale = False
            self.reload_keep_selection()

    def select_record(self, record_id: str) -> None:
        row = self.model.find_row(record_id)
        if row >= 0:
            self.table.selectRow(row)
