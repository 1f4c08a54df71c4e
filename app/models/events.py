"""Session hooks that keep the sync columns honest (DESIGN §3).

Before every flush, each new or changed synced row owned by this station gets the next value
of the station-wide change counter as its ``rev``, plus ``updated_at``/``updated_by`` (and
``created_*`` when new). Physical deletes of synced rows are refused: write a tombstone.
A row owned by another station cannot be changed here (single writer per record).

The sync importer writes foreign rows with Core statements (which bypass these hooks) and keeps
their original ``rev``; code that must use the ORM for that sets ``session.info["sync_import"]``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.orm import Session, UOWTransaction

from app.rules.errors import AppError, ConflictError

from .audit import GENESIS, AuditEntry, canonical, chain_hash, jsonable
from .base import SyncMixin, utcnow

AUDIT_LOCK_KEY = 0x7A7A_0A0D  # PostgreSQL advisory lock: one appender at the chain's end
EPOCH_SHIFT = 40  # rev = epoch << 40 | seq: a new epoch always sorts after the old one


class PhysicalDeleteError(AppError):
    pass


def bump_epoch(session: Session, *, min_epoch: int = 0) -> int:
    """Start a new sync epoch (at least ``min_epoch``); return it.

    The counter jumps to ``epoch << 40``, above every rev of earlier epochs, so changes made from
    now on sort after anything a peer saw, even if this ledger was restored from a backup.
    Call inside a transaction (restore, rollback recovery, key renewal).
    """
    conn = session.connection()
    row = conn.execute(text("SELECT epoch, rev_counter FROM local_state WHERE id = 1")).one()
    epoch, counter = int(row[0]), int(row[1])
    new_epoch = max(epoch + 1, min_epoch, (counter >> EPOCH_SHIFT) + 1)
    conn.execute(
        text("UPDATE local_state SET epoch = :e, rev_counter = :c WHERE id = 1"),
        {"e": new_epoch, "c": new_epoch << EPOCH_SHIFT},
    )
    return new_epoch


def restamp(obj: SyncMixin) -> None:
    """Mark a synced row changed so the next flush gives it a new rev (it travels again)."""
    from sqlalchemy.orm.attributes import flag_modified

    flag_modified(obj, "updated_at")


def _now(session: Session) -> datetime:
    clock: Callable[[], datetime] | None = session.info.get("clock")
    return clock() if clock else utcnow()


@event.listens_for(Session, "before_flush")
def _stamp_synced_rows(session: Session, flush_context: UOWTransaction, instances: Any) -> None:
    if session.info.get("sync_import"):
        return
    for obj in session.deleted:
        if isinstance(obj, SyncMixin):
            raise PhysicalDeleteError("台账记录不能物理删除，请使用“作废”（保留痕迹）")
    _stamp(session)
    _audit(session)


# Never written to the audit log: secrets.
_REDACTED = {"password_hash"}
# Local bookkeeping that changes on every write and says nothing about who changed what.
_NOT_AUDITED = {"audit_entry", "local_state", "number_sequence", "bundle_log"}


def _audit(session: Session) -> None:
    """Append one hash-chained entry per inserted/changed/tombstoned row in this flush."""
    entries: list[tuple[str, str, str, dict[str, Any]]] = []
    for obj in list(session.new):
        table = getattr(obj, "__tablename__", "")
        if not table or table in _NOT_AUDITED or isinstance(obj, AuditEntry):
            continue
        state = inspect(obj)
        _assign_key(obj, state)
        after = {
            attr.key: jsonable(getattr(obj, attr.key))
            for attr in state.mapper.column_attrs
            if attr.key not in _REDACTED
        }
        entries.append(("insert", table, _record_id(obj), {"after": after}))
    for obj in list(session.dirty):
        table = getattr(obj, "__tablename__", "")
        if (
            not table
            or table in _NOT_AUDITED
            or not session.is_modified(obj, include_collections=False)
        ):
            continue
        state = inspect(obj)
        before: dict[str, Any] = {}
        after_: dict[str, Any] = {}
        for attr in state.mapper.column_attrs:
            hist = state.attrs[attr.key].history
            if not hist.has_changes() or attr.key in ("rev", "updated_at", "updated_by"):
                continue
            if attr.key in _REDACTED:
                before[attr.key], after_[attr.key] = "（已隐去）", "（已隐去）"
                continue
            before[attr.key] = jsonable(hist.deleted[0]) if hist.deleted else None
            after_[attr.key] = jsonable(hist.added[0]) if hist.added else None
        if not after_:
            continue
        action = "tombstone" if after_.get("deleted_at") else "update"
        entries.append((action, table, _record_id(obj), {"before": before, "after": after_}))
    if entries:
        append_audit(session, entries)


def _assign_key(obj: Any, state: Any) -> None:
    """Apply a new row's Python-side column defaults now rather than at INSERT (the same values
    the INSERT would use), so that its audit entry names the record it created and holds the row
    exactly as written: its generated key, and every defaulted column the code did not set."""
    pk = set(state.mapper.primary_key)
    for prop in state.mapper.column_attrs:
        col = prop.columns[0]
        default = getattr(col, "default", None)
        if default is None or not (default.is_callable or default.is_scalar):
            continue
        unset = prop.key not in state.dict
        if not (unset or (col in pk and getattr(obj, prop.key) is None)):
            continue  # set by the code (an explicit None is inserted as NULL)
        setattr(obj, prop.key, default.arg(None) if default.is_callable else default.arg)


def _record_id(obj: Any) -> str:
    state = inspect(obj)
    ident = state.identity
    if ident:
        return "|".join(str(i) for i in ident)
    pk = state.mapper.primary_key_from_instance(obj)
    if pk and all(v is not None for v in pk):  # a new row: the key it is being inserted with
        return "|".join(str(v) for v in pk)
    for key in ("id", "code", "key", "username"):
        value = getattr(obj, key, None)
        if value:
            return str(value)
    return ""


def append_audit(session: Session, entries: list[tuple[str, str, str, dict[str, Any]]]) -> None:
    """Add chained entries (action, table, record id, changes) inside the current transaction."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # concurrent writers (a hub importing for several stations at once) take turns at the
        # end of the chain until their transaction ends (SQLite has one writer anyway)
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK_KEY})
    row = conn.execute(text("SELECT hash FROM audit_entry ORDER BY seq DESC LIMIT 1")).fetchone()
    prev = str(row[0]) if row else GENESIS
    pending = [o for o in session.new if isinstance(o, AuditEntry)]
    if pending:
        prev = pending[-1].hash
    now = _now(session)
    operator_id = str(session.info.get("operator_id") or "")
    for action, table, record_id, changes in entries:
        changes_text = json.dumps(changes, ensure_ascii=False, sort_keys=True)
        digest = chain_hash(
            prev, canonical(now, operator_id, action, table, record_id, changes_text)
        )
        session.add(
            AuditEntry(
                at=now,
                operator_id=operator_id,
                action=action,
                table_name=table,
                record_id=record_id,
                changes=changes_text,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest


def _stamp(session: Session) -> None:
    pending: list[SyncMixin] = [o for o in session.new if isinstance(o, SyncMixin)]
    new_ids = {id(o) for o in pending}
    pending.extend(
        o
        for o in session.dirty
        if isinstance(o, SyncMixin)
        and id(o) not in new_ids
        and session.is_modified(o, include_collections=False)
    )
    if not pending:
        return
    row = (
        session.connection()
        .execute(
            text(
                "UPDATE local_state SET rev_counter = rev_counter + :n WHERE id = 1 "
                "RETURNING rev_counter, station_code"
            ),
            {"n": len(pending)},
        )
        .one_or_none()
    )
    if row is None:
        raise AppError("本数据库尚未初始化工作站，请先执行 zongzhi init")
    last_rev, station = int(row[0]), str(row[1])
    now = _now(session)
    operator_id: str | None = session.info.get("operator_id")
    rev = last_rev - len(pending)
    for obj in pending:
        rev += 1
        is_new = id(obj) in new_ids
        if not obj.origin:
            obj.origin = station
        elif obj.origin != station:
            raise ConflictError(
                f"该记录由工作站 {obj.origin} 登记，只能由登记单位修改；"
                "如需补充意见，请新增督办或批注记录"
            )
        obj.rev = rev
        obj.updated_at = now
        obj.updated_by = operator_id
        if is_new:
            obj.created_at = now
            obj.created_by = operator_id
