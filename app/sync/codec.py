"""How synced rows travel: every SyncMixin table, discovered from the models (no fixed list).

A record is one JSON object ``{"t": table, "r": {column: value}}``. Values are JSON scalars:
text, integers, booleans, ``null``; dates as ``YYYY-MM-DD``; UTC timestamps in the ledger's own
fixed-width form ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; binary data as base64. Decoding checks every
value against the column (type, NOT NULL, length) so a bad row is rejected with a reason
instead of reaching the database — the same checks a PostgreSQL hub would make.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.sql.schema import Column

from app.models import Base, UTCDateTime, synced_tables
from app.models.base import format_utc

TABLE_LABELS = {
    "person": "人员",
    "visit": "来信来访",
    "visit_person": "信访人",
    "dispute": "矛盾纠纷",
    "dispute_party": "纠纷当事人",
    "mediation_session": "调查调解记录",
    "case_event": "案件流转记录",
    "register_type": "台账类型",
    "register_field": "台账栏目",
    "register_record": "台账记录",
    "register_attachment": "台账附件",
}

_UTC_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
_DATE_RE = re.compile(r"\d{4}-\d\d-\d\d")
_INT_MIN, _INT_MAX = -(1 << 63), (1 << 63) - 1


class BadValue(Exception):
    """A value that does not fit its column; the message is Chinese and names the column."""


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: str  # str | int | bool | date | utc | bytes | float
    nullable: bool
    length: int | None
    default: Any  # value for a column missing from an older sender's record
    has_default: bool


@dataclass(frozen=True)
class TableSpec:
    name: str
    table: Table
    label: str
    columns: tuple[ColumnSpec, ...]
    column_names: frozenset[str]
    down_column: str | None  # records of this table travel down to the station named here
    foreign_keys: tuple[tuple[str, str, str], ...]  # (column, referenced table, its column)
    uniques: tuple[tuple[str, ...], ...]  # unique column sets other than the primary key
    encoders: tuple[tuple[str, Callable[[Any], Any] | None], ...]
    decoders: tuple[tuple[str, Callable[[Any], Any]], ...]

    def describe(self, values: dict[str, Any]) -> str:
        """How a clerk recognises a record in a summary: its case code or number, else its id."""
        for key in ("case_code", "supervision_no", "title", "name", "file_name"):
            v = values.get(key)
            if isinstance(v, str) and v:
                if key == "name":
                    continue  # personal data stays out of summaries
                return v
        return str(values.get("id", ""))


def _kind(col: Column[Any]) -> str:
    t = col.type
    if isinstance(t, UTCDateTime):
        return "utc"
    if isinstance(t, Boolean):
        return "bool"
    if isinstance(t, (Integer, BigInteger)):
        return "int"
    if isinstance(t, Date):
        return "date"
    if isinstance(t, LargeBinary):
        return "bytes"
    if isinstance(t, (Float, Numeric)):
        return "float"
    if isinstance(t, (String, Text)):
        return "str"
    raise TypeError(f"sync codec: unsupported column type {t!r} on {col.table.name}.{col.name}")


def _encoder(kind: str) -> Callable[[Any], Any] | None:
    if kind == "utc":
        return lambda v: None if v is None else format_utc(v)
    if kind == "date":
        return lambda v: None if v is None else v.isoformat()
    if kind == "bytes":
        return lambda v: None if v is None else base64.b64encode(v).decode("ascii")
    if kind == "float":
        return lambda v: None if v is None else float(v)
    return None


def _decoder(spec: ColumnSpec, label: str) -> Callable[[Any], Any]:
    name = spec.name
    nullable = spec.nullable
    length = spec.length

    def none_ok() -> None:
        if not nullable:
            raise BadValue(f"{label}的字段 {name} 不能为空")

    if spec.kind == "str":

        def dec_str(v: Any) -> Any:
            if v is None:
                return none_ok()
            if type(v) is not str:
                raise BadValue(f"{label}的字段 {name} 应为文本")
            if length is not None and len(v) > length:
                raise BadValue(f"{label}的字段 {name} 超过{length}个字")
            return v

        return dec_str
    if spec.kind == "int":

        def dec_int(v: Any) -> Any:
            if v is None:
                return none_ok()
            if type(v) is not int or not _INT_MIN <= v <= _INT_MAX:
                raise BadValue(f"{label}的字段 {name} 应为整数")
            return v

        return dec_int
    if spec.kind == "bool":

        def dec_bool(v: Any) -> Any:
            if v is None:
                return none_ok()
            if type(v) is not bool:
                raise BadValue(f"{label}的字段 {name} 应为是/否")
            return v

        return dec_bool
    if spec.kind == "date":

        def dec_date(v: Any) -> Any:
            if v is None:
                return none_ok()
            if type(v) is not str or not _DATE_RE.fullmatch(v):
                raise BadValue(f"{label}的字段 {name} 应为日期")
            try:
                return date.fromisoformat(v)
            except ValueError:
                raise BadValue(f"{label}的字段 {name} 日期无效") from None

        return dec_date
    if spec.kind == "utc":

        def dec_utc(v: Any) -> Any:
            if v is None:
                return none_ok()
            if type(v) is not str or not _UTC_RE.fullmatch(v):
                raise BadValue(f"{label}的字段 {name} 应为时间")
            return v  # bound as text: the ledger stores exactly this form

        return dec_utc
    if spec.kind == "bytes":

        def dec_bytes(v: Any) -> Any:
            if v is None:
                return none_ok()
            if type(v) is not str:
                raise BadValue(f"{label}的字段 {name} 应为文件内容")
            try:
                return base64.b64decode(v.encode("ascii"), validate=True)
            except (binascii.Error, UnicodeEncodeError):
                raise BadValue(f"{label}的字段 {name} 文件内容编码有误") from None

        return dec_bytes

    def dec_float(v: Any) -> Any:
        if v is None:
            return none_ok()
        if type(v) not in (int, float):
            raise BadValue(f"{label}的字段 {name} 应为数值")
        return float(v)

    return dec_float


def _scalar_default(col: Column[Any]) -> tuple[bool, Any]:
    d = col.default
    if d is not None and getattr(d, "is_scalar", False):
        return True, d.arg  # type: ignore[attr-defined]
    return False, None


def _model_attr(table: str, attr: str) -> Any:
    for mapper in Base.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == table:
            return getattr(mapper.class_, attr, None)
    return None


def _build(name: str) -> TableSpec:
    table = Base.metadata.tables[name]
    label = _model_attr(name, "__label__") or TABLE_LABELS.get(name, name)
    cols: list[ColumnSpec] = []
    for col in table.columns:
        kind = _kind(col)
        length = getattr(col.type, "length", None) if kind == "str" else None
        has_default, default = _scalar_default(col)
        cols.append(
            ColumnSpec(
                name=col.name,
                kind=kind,
                nullable=bool(col.nullable) and not col.primary_key,
                length=length,
                default=default,
                has_default=has_default,
            )
        )
    fks = tuple(
        (fk.parent.name, fk.column.table.name, fk.column.name)
        for col in table.columns
        for fk in col.foreign_keys
    )
    uniques: list[tuple[str, ...]] = []
    for c in table.constraints:
        if isinstance(c, UniqueConstraint):
            uniques.append(tuple(col.name for col in c.columns))
    for ix in table.indexes:
        if ix.unique:
            uniques.append(tuple(col.name for col in ix.columns))
    down = _model_attr(name, "__sync_down__")
    specs = tuple(cols)
    return TableSpec(
        name=name,
        table=table,
        label=str(label),
        columns=specs,
        column_names=frozenset(c.name for c in specs),
        down_column=str(down) if down else None,
        foreign_keys=fks,
        uniques=tuple(uniques),
        encoders=tuple((c.name, _encoder(c.kind)) for c in specs),
        decoders=tuple((c.name, _decoder(c, str(label))) for c in specs),
    )


@cache
def table_specs() -> dict[str, TableSpec]:
    """Every synced table, parents before children (FK order)."""
    return {name: _build(name) for name in synced_tables()}


DISPLAY_ORDER = (
    "visit",
    "visit_person",
    "dispute",
    "dispute_party",
    "mediation_session",
    "case_event",
    "person",
    "supervision",
    "supervision_feedback",
    "register_type",
    "register_field",
    "register_record",
    "register_attachment",
)


def display_order(names: Iterable[str]) -> list[str]:
    """Tables in the order a clerk reads a summary (cases first), unknown ones last."""
    rank = {n: i for i, n in enumerate(DISPLAY_ORDER)}
    return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))


def table_label(name: str) -> str:
    spec = table_specs().get(name)
    return spec.label if spec else TABLE_LABELS.get(name, name)


def encode_row(spec: TableSpec, row: Any) -> dict[str, Any]:
    """A Core result row → JSON-ready dict."""
    mapping = row._mapping
    out: dict[str, Any] = {}
    for name, enc in spec.encoders:
        v = mapping[name]
        out[name] = v if enc is None or v is None else enc(v)
    return out


def decode_row(spec: TableSpec, values: dict[str, Any]) -> dict[str, Any]:
    """JSON dict → values ready to bind; raises :class:`BadValue` naming the first bad field."""
    unknown = values.keys() - spec.column_names
    if unknown:
        raise BadValue(f"{spec.label}记录包含本程序不认识的字段 {sorted(unknown)[0]}，请升级程序")
    out: dict[str, Any] = {}
    for name, dec in spec.decoders:
        if name in values:
            out[name] = dec(values[name])
        else:
            col = next(c for c in spec.columns if c.name == name)
            if col.has_default:
                out[name] = col.default
            elif col.nullable:
                out[name] = None
            else:
                raise BadValue(f"{spec.label}记录缺少字段 {name}")
    return out
