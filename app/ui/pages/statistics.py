"""统计: a station's monthly figures with charts, screenings, the monthly report (月报, zero
report included) and the 月通报; for a township also the comparison of its villages, who has not
reported, and overdue items across villages with one-click 督办.

All figures come from app.services.stats / app.services.reporting; this page only shows them.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.rules.dates import local_date
from app.rules.errors import AppError, ValidationError
from app.rules.filenames import safe_file_name
from app.services import reporting
from app.services.stats import compute
from app.services.stats_export import comparison_table, export_xlsx, tables_of

from ..env import UiEnv
from ..forms.report_forms import ScreeningDialog, SupervisionDialog
from ..i18n import tr
from ..widgets import Card, page_header
from ..workers import Op, bus


def _months(today_year: int, today_month: int, n: int = 24) -> list[tuple[str, str]]:
    out = []
    y, m = today_year, today_month
    for _ in range(n):
        out.append((f"{y}-{m:02d}", tr("{0}年{1}月").format(y, m)))
        m -= 1
        if m == 0:
            y, m = y - 1, 12
    return out


def _table(headers: list[str], min_height: int = 160) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().hide()
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setAlternatingRowColors(True)
    t.setShowGrid(False)
    t.setMinimumHeight(min_height)
    return t


def _fill(t: QTableWidget, rows: list[list[Any]], numeric_from: int = 1) -> None:
    t.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = QTableWidgetItem(str(value))
            if c >= numeric_from:
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            t.setItem(r, c, cell)


class StatisticsPage(QWidget):
    PAGE_KEY = "statistics"
    PAGE_TITLE = tr("统计")

    def __init__(self, env: UiEnv, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env = env
        self.result: dict[str, Any] | None = None
        self.comparison: dict[str, Any] | None = None
        self.overdue: list[reporting.OverdueItem] = []
        with env.ctx() as ctx:
            self.level = ctx.station.level
            self.station_name = ctx.station.name
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 14, 18, 14)
        self.period = QComboBox()
        today = local_date(env.clock())
        for code, label in _months(today.year, today.month):
            self.period.addItem(label, code)
        self.period.addItem(tr("全部"), "")
        self.period.currentIndexChanged.connect(self.refresh)
        self.b_screen = QPushButton(tr("登记排查…"))
        self.b_screen.clicked.connect(self.add_screening)
        self.b_submit = QPushButton(tr("提交月报…"))
        self.b_submit.clicked.connect(self.submit_report)
        self.b_print = QPushButton(tr("打印月通报…"))
        self.b_print.clicked.connect(self.print_bulletin)
        self.b_excel = QPushButton(tr("导出 Excel…"))
        self.b_excel.clicked.connect(self.export_excel)
        outer.addWidget(
            page_header(
                tr("统计"),
                tr(
                    "月度统计、月报（含零报告）和月通报；调解成功率 = 调解成功 ÷（调解成功 + 调解不成）"
                ),
                [
                    QLabel(tr("统计期间")),
                    self.period,
                    self.b_screen,
                    self.b_submit,
                    self.b_print,
                    self.b_excel,
                ],
            )
        )
        self.zero = QLabel()
        self.zero.setObjectName("bannerInfo")
        self.zero.setWordWrap(True)
        self.zero.hide()
        outer.addWidget(self.zero)
        self.tabs = QTabWidget()
        outer.addWidget(self.tabs, 1)
        self.tabs.addTab(
            self._own_tab(), tr("本站统计") if self.level == "village" else tr("合计与本级")
        )
        if self.level != "village":
            self.tabs.addTab(self._compare_tab(), tr("各村（社区）对比"))
            self.tabs.addTab(self._late_tab(), tr("未报送"))
            self.tabs.addTab(self._overdue_tab(), tr("超期督办"))
        self.status = QLabel()
        self.status.setObjectName("muted")
        foot = QHBoxLayout()
        foot.addWidget(self.status)
        outer.addLayout(foot)
        bus().data_changed.connect(self._data_changed)

    # --- layout ----------------------------------------------------------------------------
    def _own_tab(self) -> QWidget:
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.Shape.NoFrame)
        inner = QWidget()
        body = QVBoxLayout(inner)
        body.setSpacing(12)
        area.setWidget(inner)
        cards = QGridLayout()
        cards.setSpacing(12)
        self.c_screen = Card(tr("排查"))
        self.c_visits = Card(tr("来信来访"))
        self.c_group = Card(tr("集体访"))
        self.c_overdue = Card(tr("当前超期"))
        self.c_disputes = Card(tr("受理纠纷"))
        self.c_mediated = Card(tr("调解成功 / 调结"))
        self.c_rate = Card(tr("调解成功率"))
        self.c_amount = Card(tr("协议涉及金额（元）"))
        for i, c in enumerate(
            (
                self.c_screen,
                self.c_visits,
                self.c_group,
                self.c_overdue,
                self.c_disputes,
                self.c_mediated,
                self.c_rate,
                self.c_amount,
            )
        ):
            cards.addWidget(c, i // 4, i % 4)
        body.addLayout(cards)
        chart_box = QGroupBox(tr("矛盾纠纷按类别"))
        chart_lay = QVBoxLayout(chart_box)
        self.chart = QChart()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart.legend().hide()
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.chart.setBackgroundRoundness(0)
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(240)
        chart_lay.addWidget(self.chart_view)
        body.addWidget(chart_box)
        grid = QGridLayout()
        grid.setSpacing(12)
        self.tables: dict[str, QTableWidget] = {}
        for i, (key, title) in enumerate(
            (
                ("v_status", tr("来信来访：按状态")),
                ("v_category", tr("来信来访：按内容分类")),
                ("v_channel", tr("来信来访：按形式")),
                ("d_status", tr("矛盾纠纷：按状态")),
                ("d_source", tr("矛盾纠纷：按来源")),
                ("d_more", tr("调解与预防")),
            )
        ):
            box = QGroupBox(title)
            lay = QVBoxLayout(box)
            t = _table([tr("项目"), tr("数量")], 180)
            t.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            t.setColumnWidth(1, 80)
            lay.addWidget(t)
            self.tables[key] = t
            grid.addWidget(box, i // 3, i % 3)
        body.addLayout(grid)
        body.addStretch(1)
        return area

    def _compare_tab(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        self.cmp_table = _table([], 300)
        lay.addWidget(self.cmp_table, 1)
        note = QLabel(
            tr("仅统计已同步到本中心的记录；“本级”为本中心自己登记的事项，“合计”含各村与本级。")
        )
        note.setObjectName("muted")
        lay.addWidget(note)
        return w

    def _late_tab(self) -> QWidget:
        w = QWidget()
        lay = QHBoxLayout(w)
        box1 = QGroupBox(tr("本月未报送月报"))
        l1 = QVBoxLayout(box1)
        self.late_month = _table([tr("单位"), tr("代码")], 200)
        self.late_month.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        l1.addWidget(self.late_month)
        box2 = QGroupBox(tr("七日内未同步"))
        l2 = QVBoxLayout(box2)
        self.late_week = _table([tr("单位"), tr("代码"), tr("上次收到同步包")], 200)
        self.late_week.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        l2.addWidget(self.late_week)
        lay.addWidget(box1)
        lay.addWidget(box2)
        return w

    def _overdue_tab(self) -> QWidget:
        w = QWidget()
        lay = QVBoxLayout(w)
        self.od_table = _table(
            [
                tr("超期"),
                tr("单位"),
                tr("案件编码"),
                tr("事项"),
                tr("状态"),
                tr("期限"),
                tr("督办"),
            ],
            300,
        )
        header = self.od_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.od_table.doubleClicked.connect(lambda _i: self.supervise_selected())
        lay.addWidget(self.od_table, 1)
        row = QHBoxLayout()
        hint = QLabel(
            tr("选中一件超期事项，点“督办”生成督办记录并打印督办通知书；督办随回执下发到村。")
        )
        hint.setObjectName("muted")
        row.addWidget(hint, 1)
        self.b_supervise = QPushButton(tr("督办…"))
        self.b_supervise.setObjectName("primary")
        self.b_supervise.clicked.connect(self.supervise_selected)
        row.addWidget(self.b_supervise)
        lay.addLayout(row)
        return w

    # --- data ------------------------------------------------------------------------------
    def _data_changed(self, _kinds: frozenset[str]) -> None:
        if self.isVisible():
            self.refresh()

    def month(self) -> str | None:
        return self.period.currentData() or None

    def refresh(self) -> None:
        month = self.month()
        township = self.level != "village"
        self.b_submit.setEnabled(month is not None)
        self.b_print.setEnabled(month is not None)
        self.status.setText(tr("正在统计……"))

        def job(ctx: Any) -> dict[str, Any]:
            out: dict[str, Any] = {
                "own": compute(ctx, month, origin=None if township else ctx.station_code)
            }
            if township:
                if month:
                    out["compare"] = reporting.compare(ctx, month)
                    out["late"] = reporting.not_reported(ctx, month)
                out["overdue"] = reporting.overdue_items(ctx, include_own=False)
            return out

        Op(self, self.env, job).progress(tr("正在统计……")).success(self.show_result).run()

    def show_result(self, data: dict[str, Any]) -> None:
        r = data["own"]
        self.result = r
        v, d, sc = r["visits"], r["disputes"], r["screenings"]
        self.c_screen.set(
            str(sc["count"]),
            tr("发现纠纷 {0} 件，当场化解 {1} 件").format(sc["found"], sc["resolved"]),
        )
        self.c_visits.set(
            str(v["total"]), tr("重复访 {0}，越级 {1}").format(v["repeat"], v["skip_level"])
        )
        self.c_group.set(str(v["group"]), tr("涉及 {0} 人次").format(v["group_persons"]))
        overdue = v["overdue"] + d["overdue"]
        self.c_overdue.set(
            str(overdue),
            tr("来信来访 {0}，矛盾纠纷 {1}").format(v["overdue"], d["overdue"]),
            "alert" if overdue else "",
        )
        self.c_disputes.set(str(d["accepted"]), tr("件（按受理日期）"))
        self.c_mediated.set(
            f"{d['succeeded']} / {d['mediated']}", tr("调解不成 {0} 件").format(d["failed"])
        )
        rate = d["success_rate"]
        self.c_rate.set(f"{rate:.1%}" if rate is not None else "—", tr("按调解结果日期统计"))
        self.c_amount.set(
            f"{d['agreement_amount_yuan']:,.0f}",
            tr("履行 {0} 件，司法确认 {1} 件").format(d["performed"], d["judicially_confirmed"]),
        )
        for key, items in (
            ("v_status", list(v["by_status"].items())),
            ("v_category", list(v["by_category"].items())),
            ("v_channel", list(v["by_channel"].items())),
            ("d_status", list(d["by_status"].items())),
            ("d_source", list(d["by_source"].items())),
            (
                "d_more",
                [
                    (tr("书面协议"), d["written_agreements"]),
                    (tr("口头协议"), d["oral_agreements"]),
                    (tr("移送"), d["transferred"]),
                    (
                        tr("防止民转刑（件/人）"),
                        f"{d['prevented_criminal']} / {d['prevented_criminal_persons']}",
                    ),
                    (
                        tr("防止群体性上访（件/人）"),
                        f"{d['prevented_group_petition']} / {d['prevented_group_persons']}",
                    ),
                ],
            ),
        ):
            _fill(self.tables[key], [[k, n] for k, n in items])
        self._chart(d["by_category"])
        if r["zero_report"] and r["month"]:
            self.zero.setText(
                tr(
                    "{0}没有排查、矛盾纠纷和来信来访记录：请通过“提交月报”作零报告（零报告也是报告）。"
                ).format(r["period"])
            )
            self.zero.show()
        else:
            self.zero.hide()
        if "compare" in data:
            self._show_compare(data["compare"])
        if "late" in data:
            late = data["late"]
            _fill(self.late_month, [[x["name"], x["code"]] for x in late["month"]])
            _fill(
                self.late_week,
                [[x["name"], x["code"], x["last_import"][:10] or tr("从未")] for x in late["week"]],
            )
        if "overdue" in data:
            self.overdue = data["overdue"]
            _fill(
                self.od_table,
                [
                    [
                        tr("{0}天").format(i.days_overdue),
                        i.station_name,
                        i.case_code,
                        i.title,
                        i.status_label,
                        i.due_on.isoformat(),
                        tr("已督办") if i.supervised else "",
                    ]
                    for i in self.overdue
                ],
                numeric_from=99,
            )
            for row, item in enumerate(self.overdue):
                late = self.od_table.item(row, 0)
                if late is not None:
                    late.setForeground(QColor("#b3261e"))
                mark = self.od_table.item(row, 6)
                if item.supervised and mark is not None:
                    mark.setForeground(QColor("#2e7d32"))
        self.status.setText(
            tr("{0} · 统计期间：{1} · 截至 {2}").format(self.station_name, r["period"], r["as_of"])
        )

    def _chart(self, by_category: dict[str, int]) -> None:
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        items = sorted(by_category.items(), key=lambda kv: kv[1])[-10:]
        if not items:
            self.chart.setTitle(tr("本期无矛盾纠纷"))
            return
        self.chart.setTitle("")
        bars = QBarSet(tr("件数"))
        bars.setColor(QColor("#2f6db5"))
        for _label, n in items:
            bars.append(n)
        series = QHorizontalBarSeries()
        series.append(bars)
        series.setLabelsVisible(True)
        self.chart.addSeries(series)
        cats = QBarCategoryAxis()
        cats.append([label for label, _n in items])
        values = QValueAxis()
        values.setLabelFormat("%d")
        top = max(n for _l, n in items)
        step = max(1, math.ceil(top / 5))
        values.setTickType(QValueAxis.TickType.TicksDynamic)
        values.setTickAnchor(0)
        values.setTickInterval(step)
        values.setRange(0, step * (top // step + 1))
        self.chart.addAxis(cats, Qt.AlignmentFlag.AlignLeft)
        self.chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(cats)
        series.attachAxis(values)

    def _show_compare(self, cmp: dict[str, Any]) -> None:
        self.comparison = cmp
        table = comparison_table(cmp)
        self.cmp_table.setColumnCount(len(table.columns))
        self.cmp_table.setHorizontalHeaderLabels(table.columns)
        _fill(self.cmp_table, table.rows, numeric_from=3)
        for r, row in enumerate(table.rows):
            status = self.cmp_table.item(r, 2)
            if row[2] == "未报" and status is not None:
                status.setForeground(QColor("#b3261e"))
        self.cmp_table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )

    # --- actions ---------------------------------------------------------------------------
    def add_screening(self) -> None:
        dlg = ScreeningDialog(self.env, self)
        if dlg.exec():
            bus().data_changed.emit(frozenset({"screening"}))

    def submit_report(self) -> None:
        month = self.month()
        if not month:
            return
        label = self.period.currentText()
        zero = bool(self.result and self.result.get("zero_report"))
        text = (
            tr("{0}没有任何排查、纠纷和信访记录。确认作“零报告”提交吗？").format(label)
            if zero
            else tr("提交{0}月报？统计数据将按当前台账冻结，并随下次同步上报。").format(label)
        )
        if QMessageBox.question(self, tr("提交月报"), text) != QMessageBox.StandardButton.Yes:
            return

        def job(ctx: Any) -> Any:
            return reporting.submit_monthly_report(ctx, month, confirm_zero=zero)

        def done(saved: Any) -> None:
            kind = tr("零报告") if saved.record.is_zero else tr("月报")
            extra = "\n".join(saved.warnings)
            QMessageBox.information(
                self,
                tr("已提交"),
                tr("已提交{0}{1}（第{2}版）。").format(label, kind, saved.record.version)
                + ("\n" + extra if extra else ""),
            )

        Op(self, self.env, job, mutation=("report",)).success(done).failure(self._error).run()

    def print_bulletin(self) -> None:
        month = self.month()
        if not month:
            return
        from ..print_preview import preview_form

        preview_form(self, self.env, "month_report", month)

    def export_excel(self) -> None:
        if self.result is None:
            return
        period = self.result["period"]
        path, _ = QFileDialog.getSaveFileName(
            self,
            tr("导出统计表"),
            safe_file_name(f"{self.station_name}{period}统计", ".xlsx"),
            tr("Excel 文件 (*.xlsx)"),
        )
        if not path:
            return
        tables = tables_of(self.result)
        if self.comparison is not None and self.tabs.currentIndex() == 1:
            tables.insert(0, comparison_table(self.comparison))
        try:
            export_xlsx(Path(path), f"{self.station_name}{period}", tables)
        except AppError as err:
            QMessageBox.warning(self, tr("导出失败"), str(err))
            return
        self.status.setText(tr("已导出：{0}").format(path))

    def supervise_selected(self) -> None:
        rows = self.od_table.selectionModel().selectedRows() if self.level != "village" else []
        if not rows:
            QMessageBox.information(self, tr("督办"), tr("请先在列表中选中一件超期事项"))
            return
        item = self.overdue[rows[0].row()]
        try:
            with self.env.ctx() as ctx:
                draft = reporting.supervision_draft(ctx, item.case_id)
        except AppError as err:
            QMessageBox.warning(self, tr("无法督办"), str(err))
            return
        dlg = SupervisionDialog(self.env, draft, self)
        if dlg.exec() and dlg.record_id:
            bus().data_changed.emit(frozenset({"supervision"}))
            from ..print_preview import preview_form

            preview_form(self, self.env, "supervision_notice", dlg.record_id)

    def _error(self, err: AppError) -> None:
        title = tr("请补充") if isinstance(err, ValidationError) else tr("无法完成")
        QMessageBox.warning(self, title, str(err))
