"""This station, the stations it knows, local state, settings, code tables, sequences."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow

LEVELS = {"village": "村（社区）", "township": "乡镇（街道）", "county": "县（区）"}


class Station(Base):
    """A station: this one (``LocalState.station_code``) and those learned from pairing."""

    __tablename__ = "station"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    short_name: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    level: Mapped[str] = mapped_column(String(10), nullable=False)
    parent_code: Mapped[str | None] = mapped_column(String(12))
    address: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class LocalState(Base):
    """One row: which station this database is, its sync epoch and its change counter."""

    __tablename__ = "local_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    station_code: Mapped[str] = mapped_column(ForeignKey("station.code"), nullable=False)
    epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    rev_counter: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    database_id: Mapped[str] = mapped_column(String(36), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Setting(Base):
    """Station-local settings as JSON values (deadlines, thresholds, prefixes, hub URL)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class CodeTable(Base):
    """A versioned code table (dispute categories, case sources, channels …)."""

    __tablename__ = "code_table"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(60), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class CodeItem(Base):
    """One entry of a code table. Never deleted (records refer to it); retired = inactive."""

    __tablename__ = "code_item"

    table_name: Mapped[str] = mapped_column(ForeignKey("code_table.name"), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(60), nullable=False)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    is_local: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    since_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    aliases: Mapped[str] = mapped_column(Text, nullable=False, default="")


class NumberSequence(Base):
    """Per-station, per-year counters for case codes and mediation numbers (local only)."""

    __tablename__ = "number_sequence"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
