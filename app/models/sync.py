"""Sync bookkeeping (DESIGN §5): peers and the bundle log. Local to each station."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow
from .ids import new_id


class SyncPeer(Base):
    """A paired station: its public keys and how far each side has acknowledged."""

    __tablename__ = "sync_peer"

    station_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    level: Mapped[str] = mapped_column(String(10), nullable=False)
    relation: Mapped[str] = mapped_column(String(10), nullable=False)  # parent | child
    sign_public: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    enc_public: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    fingerprint: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    acked_rev: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    paired_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class BundleLog(Base):
    """Every bundle exported or imported, with its summary (JSON)."""

    __tablename__ = "bundle_log"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    bundle_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    direction: Mapped[str] = mapped_column(String(10), nullable=False)  # export | import
    peer_code: Mapped[str] = mapped_column(String(12), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    rev_from: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    rev_to: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    record_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    file_name: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
