"""Append-only, hash-chained audit log of every change (who, when, what, before/after).

Each entry's ``hash`` is SHA-256 over the previous entry's hash and this entry's canonical JSON,
so editing, deleting or reordering any entry breaks the chain at that point (`zongzhi check`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, format_utc

GENESIS = "0" * 64


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    operator_id: Mapped[str] = mapped_column(String(36), nullable=False, default="")
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    table_name: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    record_id: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    changes: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


def canonical(
    at: datetime | str,
    operator_id: str,
    action: str,
    table_name: str,
    record_id: str,
    changes: str,
) -> str:
    at_text = at if isinstance(at, str) else format_utc(at)
    return json.dumps(
        [at_text, operator_id, action, table_name, record_id, changes],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def chain_hash(prev_hash: str, payload: str) -> str:
    return hashlib.sha256((prev_hash + "\n" + payload).encode("utf-8")).hexdigest()


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, datetime):
        return format_utc(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        # file content (register attachments): log its size and digest, not the bytes
        data = bytes(value)
        return f"<{len(data)}字节 sha256:{hashlib.sha256(data).hexdigest()}>"
    return str(value)
