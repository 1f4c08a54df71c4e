"""Read-only lists the GUI offers: code tables and their items, operators, this station."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.models import CodeItem, CodeTable, Operator, Station
from app.rules.permissions import ROLE_LABELS
from app.rules.stations import LEVEL_LABELS

from .codes import Code, CodeBook
from .context import Ctx
from .operators import list_operators


@dataclass(frozen=True)
class CodeTableInfo:
    name: str
    title: str
    version: int
    items: int
    local_items: int


def code_tables(ctx: Ctx) -> list[CodeTableInfo]:
    out: list[CodeTableInfo] = []
    for t in ctx.session.scalars(select(CodeTable).order_by(CodeTable.title)):
        items = list(ctx.session.scalars(select(CodeItem).where(CodeItem.table_name == t.name)))
        out.append(
            CodeTableInfo(t.name, t.title, t.version, len(items), sum(i.is_local for i in items))
        )
    return out


def code_items(ctx: Ctx, table: str, *, include_inactive: bool = False) -> list[Code]:
    return CodeBook(ctx.session).items(table, include_inactive=include_inactive)


@dataclass(frozen=True)
class OperatorRow:
    username: str
    display_name: str
    role: str
    role_label: str
    active: bool
    locked: bool
    locked_until: datetime | None
    failed_attempts: int
    last_login_at: datetime | None
    phone: str


def operator_rows(ctx: Ctx) -> list[OperatorRow]:
    now = ctx.now()
    return [
        OperatorRow(
            username=o.username,
            display_name=o.display_name,
            role=o.role,
            role_label=ROLE_LABELS.get(o.role, o.role),
            active=o.active,
            locked=o.locked_until is not None and o.locked_until > now,
            locked_until=o.locked_until,
            failed_attempts=o.failed_attempts,
            last_login_at=o.last_login_at,
            phone=o.phone,
        )
        for o in list_operators(ctx)
    ]


def assignable_roles(ctx: Ctx) -> list[tuple[str, str]]:
    """Roles a new operator of this station may have (code, label)."""
    township = {"township_officer", "township_admin"}
    return [
        (code, label)
        for code, label in ROLE_LABELS.items()
        if code != "system" and (ctx.station.level != "village" or code not in township)
    ]


def mediator_names(ctx: Ctx) -> list[str]:
    """Operators who mediate (for the 分流指派 choice), mediators first."""
    ops = ctx.session.scalars(
        select(Operator).where(
            Operator.active, Operator.role.in_(("mediator", "station_admin", "township_officer"))
        )
    ).all()
    ordered = sorted(ops, key=lambda o: (o.role != "mediator", o.display_name))
    return [o.display_name for o in ordered]


@dataclass(frozen=True)
class StationInfo:
    code: str
    name: str
    short_name: str
    level: str
    level_label: str
    parent_code: str
    address: str
    phone: str
    operator_username: str
    operator_name: str
    operator_role: str
    operator_role_label: str


def station_info(ctx: Ctx) -> StationInfo:
    st = ctx.station
    op = ctx.operator
    return StationInfo(
        code=st.code,
        name=st.name,
        short_name=st.short_name,
        level=st.level,
        level_label=LEVEL_LABELS.get(st.level, st.level),
        parent_code=st.parent_code or "",
        address=st.address,
        phone=st.phone,
        operator_username=op.username,
        operator_name=op.display_name,
        operator_role=op.role,
        operator_role_label=ROLE_LABELS.get(op.role, op.role),
    )


def ancestor_stations(ctx: Ctx) -> list[tuple[str, str]]:
    """The stations above this one (parent first) as (code, name): the choices for a
    restricted petition's "never send to" unit."""
    from app.models import Station
    from app.rules.hierarchy import parent_of

    out: list[tuple[str, str]] = []
    code = parent_of(ctx.station_code)
    while code is not None:
        st = ctx.session.get(Station, code)
        out.append((code, st.name if st is not None else code))
        code = parent_of(code)
    return out


def station_names(ctx: Ctx) -> dict[str, str]:
    """Station code → the name a list shows (short name, else full name): the village column
    of cross-village lists at a township."""
    rows = ctx.session.execute(select(Station.code, Station.short_name, Station.name)).all()
    return {code: (short or name or code) for code, short, name in rows}
