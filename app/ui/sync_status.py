"""The pending-sync figure for the dashboard card and the status bar, read from
``app.sync.status`` when the sync module is installed (it is a separate part of the app)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import Any

from app.db import Database
from app.rules.dates import CHINA_TZ

from .i18n import tr

_FUNCTIONS = ("sync_status", "status", "get_status", "read_status", "pending_summary")


@dataclass(frozen=True)
class SyncSummary:
    available: bool
    pending: int = 0
    last_export: datetime | None = None
    last_import: datetime | None = None
    label: str = ""  # the sync module's own wording, e.g. "尚未与上级配对"

    @property
    def detail(self) -> str:
        def fmt(moment: datetime | None) -> str:
            if moment is None:
                return tr("无")
            return moment.astimezone(CHINA_TZ).strftime("%m-%d %H:%M")

        return tr("上次导出 {0}，上次导入 {1}").format(fmt(self.last_export), fmt(self.last_import))

    @property
    def short(self) -> str:
        if not self.available:
            return ""
        if self.label:
            return tr("同步：{0}").format(self.label)
        return tr("待同步 {0} 条变更").format(self.pending)


def station_sync_label(level: str, has_parent: bool, children: int, pending_label: str) -> str:
    """What the status bar and the sync page say about pairing, in the station's own terms: a
    village has one 上级; a township pairs with its villages and with the county."""
    if level == "village":
        return pending_label if has_parent else tr("尚未与上级配对")
    below = (
        tr("已与 {0} 个下级工作站配对").format(children) if children else tr("尚未与下级工作站配对")
    )
    if level == "county":
        return below
    return tr("{0}；{1}").format(below, pending_label if has_parent else tr("未与县级配对"))


def hub_url_hint(level: str) -> str:
    """The placeholder of 同步服务地址: the hub this station sends to, named by its level."""
    if level == "village":
        return tr("乡镇同步服务地址，如 http://10.0.0.5:8750（可不填）")
    if level == "township":
        return tr("县级同步服务地址，如 http://10.0.0.9:8750（可不填）")
    return tr("县级工作站没有上级，不需填写")


def _module() -> ModuleType | None:
    try:
        return importlib.import_module("app.sync.status")
    except ModuleNotFoundError as exc:
        if exc.name in ("app.sync.status", "app.sync"):
            return None
        raise


def _pick(obj: Any, *names: str) -> Any:
    for n in names:
        if isinstance(obj, dict) and n in obj:
            return obj[n]
        if hasattr(obj, n):
            return getattr(obj, n)
    return None


def _moment(value: Any) -> datetime | None:
    value = getattr(value, "at", value)  # a log event carries its moment in ``at``
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def read_sync_status(db: Database) -> SyncSummary:
    mod = _module()
    if mod is None:
        return SyncSummary(False)
    fn = next((getattr(mod, n) for n in _FUNCTIONS if callable(getattr(mod, n, None))), None)
    if fn is None:
        return SyncSummary(False)
    raw = fn(db)
    pending = _pick(raw, "pending_up", "pending", "pending_changes", "pending_count")
    label = str(_pick(raw, "pending_label") or "")
    level = _pick(raw, "station_level")
    if isinstance(level, str) and level:
        peers = _pick(raw, "peers") or []
        children = sum(1 for p in peers if _pick(p, "relation") == "child")
        label = station_sync_label(level, bool(_pick(raw, "has_parent")), children, label)
    return SyncSummary(
        True,
        pending=int(pending or 0),
        label=label,
        last_export=_moment(_pick(raw, "last_export", "last_export_at", "last_exported_at")),
        last_import=_moment(_pick(raw, "last_import", "last_import_at", "last_imported_at")),
    )
