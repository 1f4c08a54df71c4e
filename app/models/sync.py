"""Sync bookkeeping (DESIGN §5). Local to each station; never travels in a bundle.

- ``station_key``: this station's key pairs (public halves; the private halves live in the OS
  keychain or the passphrase-protected file keystore). Retired keys are kept so that bundles
  encrypted to an old key can still be read.
- ``sync_peer``: a paired station (its signed card) and how far each side has acknowledged.
  ``acked_rev`` is how far the peer has acknowledged *this* station's own records;
  ``in_seq`` the sequence number of the newest bundle or acknowledgement imported from it.
- ``sync_relay_ack``: the same watermark for records this station forwards on behalf of other
  origins (a township forwarding its villages' records to the county).
- ``sync_hwm``: per origin, the high-water mark of records held here: every record of that
  origin with ``rev <= hwm`` (that this station may receive) has arrived.
- ``bundle_log``: every bundle or acknowledgement exported, imported or rejected, with the import
  summary as JSON.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow
from .ids import new_id


class StationKey(Base):
    """One generation of this station's keys (Ed25519 signing + X25519 encryption)."""

    __tablename__ = "station_key"

    key_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    station_code: Mapped[str] = mapped_column(String(12), nullable=False)
    sign_public: Mapped[str] = mapped_column(String(64), nullable=False)
    enc_public: Mapped[str] = mapped_column(String(64), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    store: Mapped[str] = mapped_column(String(10), nullable=False)  # keyring | file
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


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
    parent_code: Mapped[str] = mapped_column(String(12), nullable=False, default="")
    key_id: Mapped[str] = mapped_column(String(36), nullable=False, default="")
    card: Mapped[str] = mapped_column(Text, nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    in_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    last_import_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_export_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SyncRelayAck(Base):
    """How far a peer has acknowledged the records of another origin that this station forwards."""

    __tablename__ = "sync_relay_ack"

    peer_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    origin: Mapped[str] = mapped_column(String(12), primary_key=True)
    acked_rev: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class SyncHwm(Base):
    """Per origin: every record of it up to ``rev`` has been received (from ``peer_code``)."""

    __tablename__ = "sync_hwm"

    origin: Mapped[str] = mapped_column(String(12), primary_key=True)
    rev: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    peer_code: Mapped[str] = mapped_column(String(12), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class BundleLog(Base):
    """Every bundle exported, imported or rejected, with its summary (JSON)."""

    __tablename__ = "bundle_log"
    __table_args__ = (Index("ix_bundle_log_peer_code_created_at", "peer_code", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    bundle_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    direction: Mapped[str] = mapped_column(String(10), nullable=False)  # export | import
    peer_code: Mapped[str] = mapped_column(String(12), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)  # exported|imported|rejected
    rev_from: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    rev_to: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    record_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    file_name: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default="bundle")  # bundle|ack
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    payload_sha256: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    operator_name: Mapped[str] = mapped_column(String(40), nullable=False, default="")
