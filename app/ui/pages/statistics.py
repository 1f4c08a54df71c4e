"""统计: the month's (or all-time) figures for visits and disputes (app.services.stats)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.rules.dates import local_date
from app.services.stats import compute

from ..env import UiEnv
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


class StatisticsPage(QWidget):
    PAGE_KEY = "statistics"
    PAGE_TITLE = tr("统计")

    def __init__(self, env: UiEnv, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env = env
        self.result: dict[str, Any] | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 14, 18, 14)
        self.period = QComboBox()
        today = local_date(env.clock())
        for code, label in _months(today.year, today.month):
            self.period.addItem(label, code)
        self.period.addItem(tr("全部"), "")
        self.period.currentIndexChanged.connect(self.refresh)
        outer.addWidget(
            page_header(
                tr("统计"),
                tr("来信来访和矛盾纠纷的月度统计；调解成功率 = 调解成功 ÷（调解成功 + 调解不成）"),
                [QLabel(tr("统计期间")), self.period],
            )
        )
        self.zero = QLabel()
        self.zero.setObjectName("bannerInfo")
        self.zero.hide()
        outer.addWidget(self.zero)
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.Shape.NoFrame)
        inner = QWidget()
        self.body = QVBoxLayout(inner)
        self.body.setSpacing(12)
        area.setWidget(inner)
        outer.addWidget(area, 1)

        cards = QGridLayout()
        cards.setSpacing(12)
        self.c_visits = Card(tr("来信来访"))
        self.c_group = Card(tr("集体访"))
        self.c_repeat = Card(tr("重复访"))
        self.c_disputes = Card(tr("受理纠纷"))
        self.c_mediated = Card(tr("调解成功 / 调结"))
        self.c_rate = Card(tr("调解成功率"))
        self.c_amount = Card(tr("协议涉及金额（元）"))
        self.c_overdue = Card(tr("当前超期"))
        for i, c in enumerate(
            (
                self.c_visits,
                self.c_group,
                self.c_repeat,
                self.c_overdue,
                self.c_disputes,
                self.c_mediated,
                self.c_rate,
                self.c_amount,
            )
        ):
            cards.addWidget(c, i // 4, i % 4)
        self.body.addLayout(cards)
        grid = QGridLayout()
        grid.setSpacing(12)
        self.tables: dict[str, QTableWidget] = {}
        for i, (key, title) in enumerate(
            (
                ("v_status", tr("来信来访：按状态")),
                ("v_category", tr("来信来访：按内容分类")),
                ("v_channel", tr("来信来访：按形式")),
                ("d_status", tr("矛盾纠纷：按状态")),
                ("d_category", tr("矛盾纠纷：按类别")),
                ("d_source", tr("矛盾纠纷：按来源")),
            )
        ):
            box = QGroupBox(title)
            lay = QVBoxLayout(box)
            t = QTableWidget(0, 2)
            t.setHorizontalHeaderLabels([tr("项目"), tr("数量")])
            t.verticalHeader().hide()
            t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            t.setShowGrid(False)
            t.setAlternatingRowColors(True)
            t.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            t.setColumnWidth(1, 70)
            t.setMinimumHeight(180)
            lay.addWidget(t)
            self.tables[key] = t
            grid.addWidget(box, i // 3, i % 3)
        self.body.addLayout(grid)
        self.body.addStretch(1)
        self.status = QLabel()
        self.status.setObjectName("muted")
        foot = QHBoxLayout()
        foot.addWidget(self.status)
        outer.addLayout(foot)
        bus().data_changed.connect(self._data_changed)

    def _data_changed(self, _kinds: frozenset[str]) -> None:
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        month = self.period.currentData() or None
        self.status.setText(tr("正在统计……"))
        Op(self, self.env, lambda ctx: compute(ctx, month)).progress(tr("正在统计……")).success(
            self.show_result
        ).run()

    def show_result(self, r: dict[str, Any]) -> None:
        self.result = r
        v, d = r["visits"], r["disputes"]
        self.c_visits.set(str(v["total"]), tr("件（按登记日期）"))
        self.c_group.set(str(v["group"]), tr("涉及 {0} 人次").format(v["group_persons"]))
        self.c_repeat.set(str(v["repeat"]), tr("越级 {0} 件").format(v["skip_level"]))
        self.c_overdue.set(
            str(v["overdue"] + d["overdue"]),
            tr("来信来访 {0}，矛盾纠纷 {1}").format(v["overdue"], d["overdue"]),
            "alert" if v["overdue"] + d["overdue"] else "",
        )
        self.c_disputes.set(str(d["total"]), tr("件（按受理日期）"))
        self.c_mediated.set(
            f"{d['succeeded']} / {d['mediated']}", tr("调解不成 {0} 件").format(d["failed"])
        )
        rate = d["success_rate"]
        self.c_rate.set(f"{rate:.1%}" if rate is not None else "—", tr("按结果日期统计"))
        self.c_amount.set(
            f"{d['agreement_amount_yuan']:,.0f}",
            tr("防止民转刑 {0} 件，防止群体性上访 {1} 件").format(
                d["prevented_criminal"], d["prevented_group_petition"]
            ),
        )
        for key, data in (
            ("v_status", v["by_status"]),
            ("v_category", v["by_category"]),
            ("v_channel", v["by_channel"]),
            ("d_status", d["by_status"]),
            ("d_category", d["by_category"]),
            ("d_source", d["by_source"]),
        ):
            t = self.tables[key]
            items = sorted(data.items(), key=lambda kv: -kv[1])
            t.setRowCount(len(items))
            for i, (label, n) in enumerate(items):
                t.setItem(i, 0, QTableWidgetItem(str(label)))
                cell = QTableWidgetItem(str(n))
                cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                t.setItem(i, 1, cell)
        if r["zero_report"]:
            self.zero.setText(
                tr("{0}没有来信来访和矛盾纠纷：按规定作“零报告”上报。").format(r["period"])
            )
            self.zero.show()
        else:
            self.zero.hide()
        self.status.setText(
            tr("{0} · 统计期间：{1} · 截至 {2}").format(
                r["station"]["name"], r["period"], r["as_of"]
            )
        )
