"""The audit log: record events that are not row changes, verify the hash chain, read entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from app.models import AuditEntry
from app.models.audit import GENESIS, canonical, chain_hash
from app.models.events import append_audit


def record(
    session: Session, action: str, detail: dict[str, Any], *, table: str = "", record_id: str = ""
) -> None:
    """Append an event (login, backup, restore, import, export …) to the chain.

    Call inside a transaction; never put personal data in ``detail`` beyond ids and counts.
    """
    append_audit(session, [(action, table, record_id, detail)])
    session.flush()


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    first_broken_seq: int | None
    reason: str


def verify_chain(engine: Engine, batch: int = 5000) -> ChainReport:
    """Recompute every link in order; report the first entry whose hash does not follow."""
    prev = GENESIS
    count = 0
    last_seq = 0
    with engine.connect() as conn:
        while True:
            rows = conn.execute(
                text(
                    "SELECT seq, at, operator_id, action, table_name, record_id, changes, prev_hash, hash "
                    "FROM audit_entry WHERE seq > :s ORDER BY seq LIMIT :n"
                ),
                {"s": last_seq, "n": batch},
            ).fetchall()
            if not rows:
                break
            for seq, at, op, action, table, rid, changes, prev_hash, digest in rows:
                count += 1
                if prev_hash != prev:
                    return ChainReport(
                        False, count, int(seq), "上一条记录的链接不符（有记录被删除、插入或改动）"
                    )
                expected = chain_hash(prev, canonical(str(at), op, action, table, rid, changes))
                if expected != digest:
                    return ChainReport(
                        False, count, int(seq), "记录内容与其校验值不符（记录被改动）"
                    )
                prev = digest
                last_seq = int(seq)
    return ChainReport(True, count, None, "")


def recent(session: Session, limit: int = 200, *, table: str | None = None) -> list[AuditEntry]:
    q = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if table:
        q = q.where(AuditEntry.table_name == table)
    return list(session.scalars(q))
