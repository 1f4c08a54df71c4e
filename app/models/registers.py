"""The registers (台账, DESIGN §10 "十个一"): register types, their fields, records, attachments.

All four are synced records: a township reads a village's local types and fields exactly as the
village defined them, because they travel with the records that use them.

Storage choices:
- ``register_record.data`` is the record's typed values as canonical JSON text (sorted keys),
  validated by :mod:`app.rules.registers` before every write. JSON text keeps bundles
  byte-identical between SQLite and PostgreSQL hubs. What lists filter and sort on is copied
  into indexed columns on every write: ``record_date``/``date_end`` (the record's date or
  interval), ``period_key`` (2026-03), ``title``, ``search_text``, and for 综治维稳工作信息
  ``is_urgent``/``occurred_at``/``reported_at``/``report_late``.
- Attachments live in their own synced table, one row per file with its bytes (≤ 5 MB after
  photo down-scaling; see rules.registers.MAX_ATTACHMENT_BYTES), so a record's JSON stays small,
  a bundle carries each file once, and a replaced file is tombstoned, never rewritten.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, SyncMixin, UTCDateTime


class RegisterType(SyncMixin, Base):
    """A register type: one of the ten presets or a station's local register."""

    __tablename__ = "register_type"
    __extra_table_args__ = (Index("ix_register_type_origin_key", "origin", "key", unique=True),)

    key: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # "" plain records | dispute_ledger (a view over disputes) | visit_transfers (visits that
    # were transferred + tracking records) | monthly_stats (月通报 generated from statistics)
    source: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    period: Mapped[str] = mapped_column(String(10), nullable=False, default="none")
    print_layout: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    preset_key: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    preset_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class RegisterField(SyncMixin, Base):
    """One typed field (栏目) of a register type."""

    __tablename__ = "register_field"
    __extra_table_args__ = (Index("ix_register_field_type_id_key", "type_id", "key", unique=True),)

    type_id: Mapped[str] = mapped_column(ForeignKey("register_type.id"), nullable=False)
    key: Mapped[str] = mapped_column(String(40), nullable=False)
    label: Mapped[str] = mapped_column(String(40), nullable=False)
    field_type: Mapped[str] = mapped_column(String(20), nullable=False)
    required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    options: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    index_as: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    help: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    show_in_list: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    is_local: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class RegisterRecord(SyncMixin, Base):
    """One entry of a register, with its typed values as canonical JSON."""

    __tablename__ = "register_record"
    __extra_table_args__ = (
        Index("ix_register_record_type_id_record_date", "type_id", "record_date"),
        Index("ix_register_record_type_id_period_key", "type_id", "period_key"),
        Index("ix_register_record_ref_id", "ref_id"),
        Index("ix_register_record_is_urgent", "is_urgent"),
    )

    type_id: Mapped[str] = mapped_column(ForeignKey("register_type.id"), nullable=False)
    data: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    record_date: Mapped[date | None] = mapped_column(Date)
    date_end: Mapped[date | None] = mapped_column(Date)
    period_key: Mapped[str] = mapped_column(String(10), nullable=False, default="")
    title: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # a record that tracks another record (转办通知 feedback → the visit it was made for)
    ref_type: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    ref_id: Mapped[str | None] = mapped_column(String(36))
    # 综治维稳工作信息: urgent items go first in the sync queue; the 1-hour reporting rule
    is_urgent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    report_late: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    void_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")


class RegisterAttachment(SyncMixin, Base):
    """A file attached to a register record (scanned letter, board photo, plan text)."""

    __tablename__ = "register_attachment"
    __extra_table_args__ = (Index("ix_register_attachment_record_id", "record_id"),)

    record_id: Mapped[str] = mapped_column(ForeignKey("register_record.id"), nullable=False)
    field_key: Mapped[str] = mapped_column(String(40), nullable=False)
    file_name: Mapped[str] = mapped_column(String(200), nullable=False)
    mime: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
