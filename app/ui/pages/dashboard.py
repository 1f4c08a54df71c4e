"""工作台: today's figures, overdue and due-soon cases, decisions coming due, pending sync."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.dashboard import Dashboard, DueItem, dashboard
from app.services.lookups import station_names

from .. import theme
from ..env import UiEnv
from ..i18n import tr
from ..ledger_model import days_text
from ..sync_status import SyncSummary, read_sync_status
from ..widgets import Card, page_header
from ..workers import Op, bus


class DashboardPage(QWidget):
    PAGE_KEY = "dashboard"
    PAGE_TITLE = tr("工作台")

    open_case = Signal(str, str)  # kind, id
    show_ledger = Signal(str, str)  # page key, deadline filter

    def __init__(self, env: UiEnv, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env = env
        self.data: Dashboard | None = None
        with env.ctx() as ctx:
            self.station_level = ctx.station.level
            # above a village the lists mix villages: each row names its station
            self.cross_village = ctx.station.level != "village"
            self.station_names = station_names(ctx) if self.cross_village else {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(18, 14, 18, 14)
        lay.setSpacing(12)
        self.refresh_button = QPushButton(tr("刷新"))
        self.refresh_button.clicked.connect(self.refresh)
        self.header = page_header(
            tr("工作台"), tr("今天需要办理和关注的事项"), [self.refresh_button]
        )
        lay.addWidget(self.header)

        cards = QGridLayout()
        cards.setSpacing(12)
        self.card_overdue = Card(tr("已超期"), hint=tr("在办事项已过期限"))
        self.card_soon = Card(tr("即将到期"), hint="")
        self.card_today = Card(tr("今日登记"), hint="")
        self.card_month = Card(tr("本月受理"), hint="")
        self.card_rate = Card(tr("本月调解成功率"), hint="")
        self.card_sync = Card(tr("待同步"), hint="")
        for i, c in enumerate(
            (
                self.card_overdue,
                self.card_soon,
                self.card_today,
                self.card_month,
                self.card_rate,
                self.card_sync,
            )
        ):
            cards.addWidget(c, 0, i)
        lay.addLayout(cards)

        lists = QHBoxLayout()
        lists.setSpacing(12)
        self.overdue_table = self._table()
        self.soon_table = self._table()
        self.overdue_box = self._box(tr("已超期事项"), self.overdue_table, "overdue")
        self.soon_box = self._box(tr("即将到期事项"), self.soon_table, "due_soon")
        lists.addWidget(self.overdue_box, 1)
        lists.addWidget(self.soon_box, 1)
        lay.addLayout(lists, 3)

        self.sup_box = QGroupBox(tr("督办事项"))
        sl = QVBoxLayout(self.sup_box)
        self.sup_table = QTableWidget(0, 6)
        self.sup_table.setHorizontalHeaderLabels(
            [tr("办理时限"), tr("督办编号"), tr("案件编码"), tr("督办事项"), tr("状态"), tr("单位")]
        )
        self._setup(self.sup_table)
        for j, w in ((0, 130), (1, 190), (2, 192), (4, 90), (5, 130)):
            self.sup_table.setColumnWidth(j, w)
        self.sup_table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.sup_table.horizontalHeader().setStretchLastSection(False)
        self.sup_table.cellDoubleClicked.connect(lambda row, _col: self._open(self.sup_table, row))
        sl.addWidget(self.sup_table)
        self.sup_box.hide()
        lay.addWidget(self.sup_box, 1)

        self.decisions_box = QGroupBox(tr("会议决定事项（即将到期）"))
        dl = QVBoxLayout(self.decisions_box)
        self.decisions_table = QTableWidget(0, 4)
        self.decisions_table.setHorizontalHeaderLabels(
            [tr("决定事项"), tr("责任人"), tr("期限"), tr("来源")]
        )
        self._setup(self.decisions_table)
        self.decisions_table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Stretch
        )
        for j, w in ((1, 90), (2, 180), (3, 240)):
            self.decisions_table.setColumnWidth(j, w)
        self.decisions_table.horizontalHeader().setStretchLastSection(False)
        dl.addWidget(self.decisions_table)
        self.decisions_box.hide()
        lay.addWidget(self.decisions_box, 1)
        self.status = QLabel()
        self.status.setObjectName("muted")
        lay.addWidget(self.status)
        # bound methods: Qt drops the connection when this page is destroyed
        bus().data_changed.connect(self._data_changed)
        bus().sync_status_changed.connect(self._refresh_sync)

    def _data_changed(self, _kinds: frozenset[str]) -> None:
        if self.isVisible():
            self.refresh()

    def _setup(self, t: QTableWidget) -> None:
        t.verticalHeader().hide()
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        t.setAlternatingRowColors(True)
        t.setShowGrid(False)
        t.verticalHeader().setDefaultSectionSize(26)

    def _table(self) -> QTableWidget:
        headers = [tr("期限"), tr("类型"), tr("案件编码"), tr("事项"), tr("状态")]
        widths = [76, 64, 192, 120, 70]
        if self.cross_village:
            headers.insert(2, tr("村（社区）"))
            widths.insert(2, 80)
        t = QTableWidget(0, len(headers))
        t.setHorizontalHeaderLabels(headers)
        self._setup(t)
        for j, w in enumerate(widths):
            t.setColumnWidth(j, w)
        t.horizontalHeader().setSectionResizeMode(
            headers.index(tr("事项")), QHeaderView.ResizeMode.Stretch
        )
        t.horizontalHeader().setStretchLastSection(False)
        t.cellDoubleClicked.connect(lambda row, _col, table=t: self._open(table, row))
        t.cellActivated.connect(lambda row, _col, table=t: self._open(table, row))
        return t

    def _box(self, title: str, table: QTableWidget, deadline: str) -> QGroupBox:
        box = QGroupBox(title)
        lay = QVBoxLayout(box)
        lay.addWidget(table)
        bar = QHBoxLayout()
        bar.addStretch(1)
        for key, label in (
            ("visits", tr("查看全部来信来访")),
            ("disputes", tr("查看全部矛盾纠纷")),
        ):
            b = QPushButton(label)
            b.clicked.connect(lambda _=False, k=key, d=deadline: self.show_ledger.emit(k, d))
            bar.addWidget(b)
        lay.addLayout(bar)
        return box

    def _open(self, table: QTableWidget, row: int) -> None:
        item = table.item(row, 0)
        if item is None:
            return
        kind, record_id = item.data(Qt.ItemDataRole.UserRole)
        self.open_case.emit(kind, record_id)

    # --- data ----------------------------------------------------------------------------
    def refresh(self) -> None:
        self.status.setText(tr("正在读取……"))
        Op(self, self.env, dashboard).success(self.show_data).run()
        self._refresh_sync()

    def _refresh_sync(self) -> None:
        Op(self, None, lambda: read_sync_status(self.env.db), needs_ctx=False).success(
            self.show_sync
        ).failure(lambda _e: None).run()

    def show_sync(self, s: SyncSummary) -> None:
        if not s.available:
            self.card_sync.set("—", tr("同步模块尚未启用"))
            return
        hint = tr("{0}；{1}").format(s.label, s.detail) if s.label else s.detail
        self.card_sync.set(str(s.pending), hint, "warn" if s.pending else "")

    def show_data(self, d: Dashboard) -> None:
        self.data = d
        self.card_overdue.set(
            str(d.overdue_count), tr("在办事项已过期限"), "alert" if d.overdue_count else ""
        )
        self.card_soon.set(
            str(d.due_soon_count),
            tr("{0}日内到期").format(d.due_soon_days),
            "warn" if d.due_soon_count else "",
        )
        self.card_today.set(
            str(d.today_visits + d.today_disputes),
            tr("来信来访 {0}，矛盾纠纷 {1}").format(d.today_visits, d.today_disputes),
        )
        self.card_month.set(
            str(d.month_visits + d.month_disputes),
            tr("{0}：来信来访 {1}，矛盾纠纷 {2}").format(
                d.month_label, d.month_visits, d.month_disputes
            ),
        )
        rate = d.month_success_rate
        self.card_rate.set(
            f"{rate:.0%}" if rate is not None else "—",
            tr("成功 {0} / 调结 {1}").format(d.month_succeeded, d.month_mediated),
        )
        self._fill(self.overdue_table, d.overdue)
        self._fill(self.soon_table, d.due_soon)
        self.overdue_box.setTitle(tr("已超期事项（{0}）").format(d.overdue_count))
        self.soon_box.setTitle(
            tr("{0}日内到期事项（{1}）").format(d.due_soon_days, d.due_soon_count)
        )
        self._fill_supervisions(d)
        if d.decisions_available:
            self.decisions_box.show()
            t = self.decisions_table
            t.setRowCount(len(d.decisions))
            for i, dec in enumerate(d.decisions):
                due = dec.due_on.isoformat() if dec.due_on else ""
                if dec.days_left is not None:
                    due += tr("（{0}）").format(days_text(dec.days_left))
                for j, text in enumerate([dec.title, dec.owner, due, dec.source]):
                    t.setItem(i, j, QTableWidgetItem(text))
            self.decisions_box.setTitle(tr("会议决定事项（{0}）").format(len(d.decisions)))
        history = ""
        if d.history_visits or d.history_disputes:
            history = tr(
                "其中历史遗留（导入的启用前未结事项，不计超期）：来信来访 {0} 件，矛盾纠纷 {1} 件。"
            ).format(d.history_visits, d.history_disputes)
        self.status.setText(
            tr("在办：来信来访 {0} 件，矛盾纠纷 {1} 件。{3}数据截至 {2}。双击事项打开。").format(
                d.open_visits, d.open_disputes, d.today.isoformat(), history
            )
        )

    def _fill_supervisions(self, d: Dashboard) -> None:
        """Village: 上级督办 on its cases; township: its 督办 that are overdue or unanswered."""
        items = d.supervisions
        self.sup_box.setVisible(bool(items))
        if not items:
            return
        village = self.station_level == "village"
        self.sup_box.setTitle(
            (tr("上级督办（{0}）") if village else tr("督办跟踪（{0}）")).format(len(items))
        )
        t = self.sup_table
        t.setRowCount(len(items))
        for i, it in enumerate(items):
            due = it.due_on.isoformat() if it.due_on else ""
            if it.days_left is not None:
                due += tr("（{0}）").format(days_text(it.days_left))
            values = [
                due,
                f"{it.kind_label} {it.supervision_no}",
                it.case_code,
                it.content,
                it.state_label,
                it.station_name,
            ]
            for j, text in enumerate(values):
                cell = QTableWidgetItem(text)
                if j == 0:
                    cell.setData(Qt.ItemDataRole.UserRole, (it.case_type, it.case_id))
                    if it.days_left is not None:
                        colour = theme.deadline_colour(it.days_left, 3)
                        if colour is not None:
                            cell.setForeground(QBrush(colour))
                if j == 3:
                    cell.setToolTip(it.content)
                t.setItem(i, j, cell)

    def _fill(self, table: QTableWidget, items: list[DueItem]) -> None:
        table.setRowCount(len(items))
        for i, it in enumerate(items):
            kind = tr("来信来访") if it.kind == "visit" else tr("矛盾纠纷")
            values = [
                days_text(it.days_left),
                kind,
                it.case_code,
                it.title or it.party_names,
                it.status_label,
            ]
            if self.cross_village:
                values.insert(2, self.station_names.get(it.origin, it.origin))
            matter = values.index(it.title or it.party_names)
            for j, text in enumerate(values):
                cell = QTableWidgetItem(text)
                if j == 0:
                    cell.setData(Qt.ItemDataRole.UserRole, (it.kind, it.id))
                    colour = theme.deadline_colour(it.days_left, 10_000 if it.days_left >= 0 else 0)
                    if colour is not None:
                        cell.setForeground(QBrush(colour))
                if j == matter:
                    cell.setToolTip(tr("{0}\n当事人：{1}").format(it.title, it.party_names))
                table.setItem(i, j, cell)
        if not items:
            table.setRowCount(1)
            empty = QTableWidgetItem(tr("暂无"))
            empty.setForeground(QBrush(theme.CLOSED))
            table.setItem(0, table.columnCount() - 2, empty)
