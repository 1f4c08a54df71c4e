"""Navigation pages. Each page module defines one ``QWidget`` subclass with

    PAGE_KEY: str       # stable key, e.g. "visits"
    PAGE_TITLE: str     # Chinese title shown in the left navigation (wrapped in tr())
    def __init__(self, env: UiEnv, parent: QWidget | None = None) -> None
    def refresh(self) -> None   # reload data (called when shown and after changes)

and is listed in :data:`PAGE_MODULES` in navigation order. The main window imports them all.
"""

from __future__ import annotations

PAGE_MODULES: list[str] = [
    "app.ui.pages.dashboard",  # 工作台
    "app.ui.pages.visits",  # 来信来访
    "app.ui.pages.disputes",  # 矛盾纠纷
    "app.ui.pages.registers",  # 台账 (the ten registers)
    "app.ui.pages.statistics",  # 统计
    "app.ui.pages.sync",  # 同步
    "app.ui.pages.settings",  # 设置
]
