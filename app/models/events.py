"""Session hooks that keep the sync columns honest (DESIGN §3).

Before every flush, each new or changed synced row owned by this station gets the next value
of the station-wide change counter as its ``rev``, plus ``updated_at``/``updated_by`` (and
``created_*`` when new). Physical deletes of synced rows are refused: write a tombstone.
A row owned by another station cannot be changed here (single writer per record).

The sync importer writes foreign rows with Core statements (which bypass these hooks) and keeps
their original ``rev``; code that must use the ORM for that sets ``session.info["sync_import"]``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session, UOWTransaction

from app.rules.errors import AppError, ConflictError

from .base import SyncMixin, utcnow

EPOCH_SHIFT = 40  # rev = epoch << 40 | seq: a new epoch always sorts after the old one


class PhysicalDeleteError(AppError):
    pass


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
