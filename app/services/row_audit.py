"""Hold every live record against its audit entries (issue 19: direct edits and deletes).

The audit log's entries for a record, replayed in order (the insert's values, then each update's
new values), give the record as the program last wrote it. A record that differs from its replay
was edited in the database behind the program's back; a record whose replay exists but the row
does not was deleted physically (the program never deletes a ledger record, it voids it).

Only records whose whole life is in this ledger's log are held: they were created here (their
insert entry is here) and belong to this station (a record of another station changes by sync
imports, which are logged in ``bundle_log`` rather than row by row). Bookkeeping columns that
every write moves (``rev``, ``updated_at``, ``updated_by``) are not compared.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEntry, LocalState
from app.models.audit import jsonable
from app.models.base import Base, SyncMixin

_SKIP = frozenset({"rev", "updated_at", "updated_by", "password_hash"})


@dataclass(frozen=True)
class RowReport:
    ok: bool
    checked: int
    problem: str  # the first broken record, in Chinese ("" when ok)
    table: str = ""
    record_id: str = ""
    seq: int | None = None  # the record's last audit entry


def _synced_classes() -> Iterator[type[Any]]:
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if issubclass(cls, SyncMixin) and getattr(cls, "__tablename__", None):
            yield cls


def verify_rows(session: Session) -> RowReport:
    state = session.get(LocalState, 1)
    if state is None:
        return RowReport(True, 0, "")
    station = state.station_code
    checked = 0
    for cls in _synced_classes():
        table = cls.__tablename__
        replay: dict[str, dict[str, Any]] = {}
        last_seq: dict[str, int] = {}
        entries = session.execute(
            select(AuditEntry.seq, AuditEntry.action, AuditEntry.record_id, AuditEntry.changes)
            .where(AuditEntry.table_name == table, AuditEntry.record_id != "")
            .order_by(AuditEntry.seq)
        )
        for seq, action, record_id, changes in entries:
            try:
                data = json.loads(changes)
            except ValueError:
                continue  # the chain check reports an entry that is not what was written
            after = data.get("after") if isinstance(data, dict) else None
            if not isinstance(after, dict):
                continue
            if action == "insert":
                if after.get("id") != record_id:
                    continue  # written before entries named their row (older ledgers): no baseline
                replay[record_id] = dict(after)
            elif record_id in replay:
                replay[record_id].update(after)
            else:
                continue
            last_seq[record_id] = int(seq)
        label = _label(cls)
        for record_id, values in replay.items():
            if values.get("origin") != station:
                continue
            checked += 1
            row = session.get(cls, record_id)
            if row is None:
                return RowReport(
                    False,
                    checked,
                    f"{label}记录 {_ref(values, record_id)} 在操作日志中存在（第{last_seq[record_id]}条），"
                    "但已从数据库中删除（台账记录只能作废，不会被程序删除）",
                    table,
                    record_id,
                    last_seq[record_id],
                )
            for key, expected in values.items():
                if key in _SKIP or not hasattr(row, key):
                    continue
                if jsonable(getattr(row, key)) != expected:
                    return RowReport(
                        False,
                        checked,
                        f"{label}记录 {_ref(values, record_id)} 的“{key}”栏与操作日志第{last_seq[record_id]}条"
                        "记下的内容不符（数据库被直接改动）",
                        table,
                        record_id,
                        last_seq[record_id],
                    )
    return RowReport(True, checked, "")


_TABLE_LABELS = {
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


def _label(cls: type[Any]) -> str:
    name = str(cls.__tablename__)
    return str(getattr(cls, "__label__", "") or _TABLE_LABELS.get(name, name))


def _ref(values: dict[str, Any], record_id: str) -> str:
    code = values.get("case_code")
    return f"{code}（{record_id}）" if code else record_id
