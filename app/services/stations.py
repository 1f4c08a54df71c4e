"""Creating a station (first run / ``zongzhi init``) and reading its identity."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.db import Database
from app.models import LocalState, Operator, Station, new_id
from app.rules.errors import AppError, Problems, ValidationError
from app.rules.numbering import check_prefix
from app.rules.passwords import check_password_policy, hash_password
from app.rules.stations import LEVEL_LABELS, check_parent, check_station_code
from app.rules.text import clean

from .codes import seed_code_tables
from .registers import seed_register_presets
from .settings import default_committee_name, set_value

SYSTEM_USER = "system"


@dataclass
class StationInput:
    code: str
    name: str
    level: str
    parent_code: str | None = None
    short_name: str = ""
    address: str = ""
    phone: str = ""
    admin_username: str = "admin"
    admin_display_name: str = "管理员"
    admin_password: str = ""


def is_initialised(db: Database) -> bool:
    with db.session() as s:
        return s.get(LocalState, 1) is not None


def init_station(db: Database, data: StationInput) -> Station:
    """Create this database's station, the first admin and the system operator; seed codes."""
    problems = Problems()
    code = data.code.strip()
    try:
        code = check_station_code(code, data.level)
    except ValidationError as e:
        problems.extend(e)
    name = clean(data.name)
    if not name:
        problems.add("station_name", "站点名称", "不能为空", "如“柳树村综治中心”")
    elif len(name) > 50:
        problems.add("station_name", "站点名称", "不超过50个字", "请使用简称")
    parent: str | None = None
    if not problems:
        try:
            parent = check_parent(code, data.level, data.parent_code)
        except ValidationError as e:
            problems.extend(e)
    short = clean(data.short_name) or (name[:2] if name else "")
    try:
        check_prefix(short)
    except ValidationError as e:
        problems.extend(e)
    username = data.admin_username.strip()
    if not username:
        problems.add("admin_username", "管理员用户名", "不能为空", "如 admin")
    try:
        check_password_policy(data.admin_password, "admin_password", "管理员密码")
    except ValidationError as e:
        problems.extend(e)
    problems.raise_if_any()
    if is_initialised(db):
        raise AppError("本数据库已初始化过工作站，不能重复初始化")
    with db.transaction() as s:
        station = Station(
            code=code,
            name=name,
            short_name=short,
            level=data.level,
            parent_code=parent,
            address=clean(data.address),
            phone=clean(data.phone),
        )
        s.add(station)
        s.flush()
        s.add(LocalState(id=1, station_code=code, epoch=1, rev_counter=0, database_id=new_id()))
        s.add(
            Operator(
                username=SYSTEM_USER,
                display_name="系统",
                role="system",
                password_hash="",
                can_login=False,
            )
        )
        admin_role = "station_admin" if data.level == "village" else "township_admin"
        s.add(
            Operator(
                username=username,
                display_name=clean(data.admin_display_name) or "管理员",
                role=admin_role,
                password_hash=hash_password(data.admin_password),
            )
        )
        seed_code_tables(s)
        seed_register_presets(s)
        set_value(s, "mediation_prefix", short)
        set_value(s, "committee_name", default_committee_name(name))
    return station


def station_summary(db: Database) -> dict[str, str]:
    with db.session() as s:
        state = s.get(LocalState, 1)
        if state is None:
            raise AppError("本数据库尚未初始化工作站，请先执行 zongzhi init")
        st = s.get(Station, state.station_code)
        assert st is not None
        return {
            "code": st.code,
            "name": st.name,
            "level": st.level,
            "level_label": LEVEL_LABELS[st.level],
            "parent_code": st.parent_code or "",
            "epoch": str(state.epoch),
        }


def upgrade_code_tables(db: Database) -> list[str]:
    """Called on open: apply newer shipped code tables (no-op when current)."""
    with db.transaction() as s:
        if s.get(LocalState, 1) is None:
            return []
        changed = seed_code_tables(s)
        return changed + [f"register:{k}" for k in seed_register_presets(s)]


def system_operator(db: Database) -> Operator:
    with db.session() as s:
        op = s.scalars(select(Operator).where(Operator.username == SYSTEM_USER)).one()
        s.expunge(op)
        return op
