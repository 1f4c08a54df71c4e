"""Station settings kept in the ledger (``setting`` table, JSON values)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app.models import Setting
from app.rules.deadlines import DeadlineConfig
from app.rules.errors import ValidationError
from app.rules.flags import DEFAULT_GROUP_THRESHOLD
from app.rules.network import normalize_hub_url
from app.rules.numbering import check_prefix

from .context import Ctx


@dataclass
class StationSettings:
    deadlines: DeadlineConfig = field(default_factory=DeadlineConfig)
    group_threshold: int = DEFAULT_GROUP_THRESHOLD
    mediation_prefix: str = ""
    committee_name: str = ""
    hub_url: str = ""
    idle_lock_minutes: int = 15


def get_value(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(Setting, key)
    return default if row is None else json.loads(row.value)


def set_value(session: Session, key: str, value: Any) -> None:
    row = session.get(Setting, key)
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if row is None:
        session.add(Setting(key=key, value=text))
    else:
        row.value = text


def load(session: Session) -> StationSettings:
    st = StationSettings()
    raw = get_value(session, "deadlines")
    if isinstance(raw, dict):
        st.deadlines = DeadlineConfig.from_dict(raw)
    st.group_threshold = int(get_value(session, "group_threshold", st.group_threshold))
    st.mediation_prefix = str(get_value(session, "mediation_prefix", ""))
    st.committee_name = str(get_value(session, "committee_name", ""))
    st.hub_url = str(get_value(session, "hub_url", ""))
    st.idle_lock_minutes = int(get_value(session, "idle_lock_minutes", st.idle_lock_minutes))
    return st


def settings_of(ctx: Ctx) -> StationSettings:
    """This station's settings, read once per context (contexts are short-lived)."""
    cached = ctx.cache.get("settings")
    if isinstance(cached, StationSettings):
        return cached
    st = load(ctx.session)
    if not st.mediation_prefix:
        st.mediation_prefix = ctx.station.short_name or ctx.station.name[:1]
    if not st.committee_name:
        st.committee_name = default_committee_name(ctx.station.name)
    ctx.cache["settings"] = st
    return st


def default_committee_name(station_name: str) -> str:
    base = station_name.removesuffix("综治中心").removesuffix("综治工作站")
    return f"{base}人民调解委员会"


def save(ctx: Ctx, settings: StationSettings) -> None:
    ctx.require("settings.manage")
    if not 2 <= settings.group_threshold <= 1000:
        raise ValidationError.single(
            "group_threshold", "集体访人数标准", "应在2至1000之间", "默认为5人"
        )
    if settings.mediation_prefix:
        check_prefix(settings.mediation_prefix)
    if not 1 <= settings.idle_lock_minutes <= 240:
        raise ValidationError.single(
            "idle_lock_minutes", "空闲锁定时间", "应在1至240分钟之间", "默认为15分钟"
        )
    settings.hub_url = normalize_hub_url(settings.hub_url)
    ctx.cache.pop("settings", None)
    with ctx.write() as s:
        set_value(s, "deadlines", settings.deadlines.to_dict())
        set_value(s, "group_threshold", settings.group_threshold)
        set_value(s, "mediation_prefix", settings.mediation_prefix)
        set_value(s, "committee_name", settings.committee_name)
        set_value(s, "hub_url", settings.hub_url)
        set_value(s, "idle_lock_minutes", settings.idle_lock_minutes)
