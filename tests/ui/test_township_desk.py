"""Township stations see township wording (issue 16): pairing described as villages below and
the county above, export addressed to the county, no 乡镇同步服务地址 placeholder on the
township itself, and the village named on each row of the 工作台's cross-village lists."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import QTableWidget

from app.services.dashboard import DueItem
from app.ui.env import UiEnv
from app.ui.pages.dashboard import DashboardPage
from app.ui.pages.settings import SettingsPage
from app.ui.sync_status import hub_url_hint, read_sync_status, station_sync_label

from .conftest import operator_id, settle


def headers(t: QTableWidget) -> list[str]:
    items = [t.horizontalHeaderItem(i) for i in range(t.columnCount())]
    return [i.text() if i is not None else "" for i in items]


def test_sync_labels_by_level() -> None:
    assert station_sync_label("village", False, 0, "尚未与上级配对") == "尚未与上级配对"
    assert station_sync_label("village", True, 0, "已全部同步") == "已全部同步"
    town = station_sync_label("township", False, 8, "尚未与上级配对")
    assert town == "已与 8 个下级工作站配对；未与县级配对" and "上级配对" not in town
    assert station_sync_label("township", True, 3, "5 条变更待上级确认") == (
        "已与 3 个下级工作站配对；5 条变更待上级确认"
    )
    assert station_sync_label("county", False, 0, "") == "尚未与下级工作站配对"
    assert "乡镇" in hub_url_hint("village") and "乡镇" not in hub_url_hint("township")


def test_township_desk(qtbot: Any, township_db: Any, clock: Any) -> None:
    env = UiEnv(township_db, operator_id(township_db), clock=clock)
    assert "尚未与上级配对" not in read_sync_status(township_db).short
    settings = SettingsPage(env)
    qtbot.addWidget(settings)
    assert "乡镇同步服务地址" not in settings.hub_url.placeholderText()
    assert "县级" in settings.hub_url.placeholderText()
    page = DashboardPage(env)
    qtbot.addWidget(page)
    settle(qtbot)
    tables = [t for t in page.findChildren(QTableWidget) if "事项" in headers(t)]
    assert tables and all("村（社区）" in headers(t) for t in tables)
    page.station_names["110105001001"] = "柳树"
    item = DueItem(
        kind="visit",
        id="v1",
        case_code="110105001001-2026-X-00001",
        title="反映承包地被占用",
        party_names="王秀英",
        status_label="已受理",
        due_on=date(2026, 3, 1),
        days_left=-15,
        origin="110105001001",
    )
    table = tables[0]
    page._fill(table, [item])
    col = headers(table).index("村（社区）")
    cell = table.item(0, col)
    assert cell is not None and cell.text() == "柳树"


def test_village_lists_have_no_village_column(qtbot: Any, env: UiEnv) -> None:
    page = DashboardPage(env)
    qtbot.addWidget(page)
    settle(qtbot)
    tables = [t for t in page.findChildren(QTableWidget) if "事项" in headers(t)]
    assert tables and all("村（社区）" not in headers(t) for t in tables)
