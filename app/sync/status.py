"""Sync status for the status bar, the dashboard and the sync page.

``sync_status(db)`` answers: do we have keys (and is the file keystore in use), which stations
are paired, how many changes are waiting for each peer's acknowledgement, when the last bundle
was exported and imported, and the last refusal not yet followed by a success.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.models import BundleLog, LocalState, Station, SyncPeer

from .codec import table_specs
from .keys import KeyInfo, key_info
from .routing import addressed_to, outgoing, tables_for


@dataclass(frozen=True)
class PeerStatus:
    code: str
    name: str
    level: str
    relation: str  # parent | child
    relation_label: str
    fingerprint: str
    paired_at: datetime
    acked_rev: int
    pending: int  # this station's changes the peer has not acknowledged yet
    held: int  # records of the peer's origin held here (for a child: its ledger at the township)
    last_import_at: datetime | None
    last_export_at: datetime | None
    last_import_totals: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class LogEvent:
    at: datetime
    peer_code: str
    peer_name: str
    kind: str
    status: str
    file_name: str
    message: str


@dataclass(frozen=True)
class SyncStatus:
    station_code: str
    station_level: str
    epoch: int
    keys: KeyInfo | None
    keystore_warning: str
    peers: list[PeerStatus]
    pending_up: int  # changes waiting for the parent's acknowledgement (0 without a parent)
    has_parent: bool
    last_export: LogEvent | None
    last_import: LogEvent | None
    last_error: LogEvent | None  # a refusal newer than the last success

    @property
    def pending_label(self) -> str:
        if not self.has_parent:
            return "尚未与上级配对"
        if self.pending_up == 0:
            return "已全部同步"
        return f"{self.pending_up} 条变更待上级确认"


def pending_count(session: Session, me: str, peer: SyncPeer) -> int:
    """Records this station would send to ``peer`` that it has not acknowledged."""
    specs = table_specs()
    counter = int(session.get(LocalState, 1).rev_counter)  # type: ignore[union-attr]
    total = 0
    for rng in outgoing(session, me, peer, full=False):
        upto = counter if rng.origin == me else rng.upto
        for spec in tables_for(peer, specs):
            t = spec.table
            q = (
                select(func.count())
                .select_from(t)
                .where(t.c.origin == rng.origin, t.c.rev > rng.basis, t.c.rev <= upto)
            )
            if peer.relation == "child":
                q = q.where(addressed_to(spec, peer.station_code))
            total += int(session.execute(q).scalar_one())
    return total


def held_count(session: Session, origin: str) -> int:
    total = 0
    for spec in table_specs().values():
        if spec.name in ("visit", "dispute"):
            t = spec.table
            total += int(
                session.execute(
                    select(func.count())
                    .select_from(t)
                    .where(t.c.origin == origin, t.c.deleted_at.is_(None))
                ).scalar_one()
            )
    return total


def _event(row: BundleLog, names: dict[str, str]) -> LogEvent:
    return LogEvent(
        at=row.created_at,
        peer_code=row.peer_code,
        peer_name=names.get(row.peer_code, row.peer_code),
        kind=row.kind,
        status=row.status,
        file_name=row.file_name,
        message=row.message,
    )


def _last(session: Session, *conds: Any) -> BundleLog | None:
    return session.scalars(
        select(BundleLog).where(*conds).order_by(BundleLog.created_at.desc(), BundleLog.id.desc())
    ).first()


def sync_status(db: Database) -> SyncStatus:
    with db.session() as s:
        state = s.get(LocalState, 1)
        if state is None:
            raise ValueError("ledger not initialised")
        me = state.station_code
        station = s.get(Station, me)
        names = {st.code: st.name for st in s.scalars(select(Station))}
        peers: list[PeerStatus] = []
        pending_up = 0
        has_parent = False
        for peer in s.scalars(
            select(SyncPeer)
            .where(SyncPeer.active.is_(True))
            .order_by(SyncPeer.relation.desc(), SyncPeer.station_code)
        ):
            pending = pending_count(s, me, peer)
            if peer.relation == "parent":
                has_parent = True
                pending_up += pending
            last = _last(
                s,
                BundleLog.peer_code == peer.station_code,
                BundleLog.direction == "import",
                BundleLog.status == "imported",
            )
            totals: dict[str, int] = {}
            if last is not None:
                totals = dict(json.loads(last.summary or "{}").get("totals", {}))
            peers.append(
                PeerStatus(
                    code=peer.station_code,
                    name=peer.name,
                    level=peer.level,
                    relation=peer.relation,
                    relation_label="上级" if peer.relation == "parent" else "下级",
                    fingerprint=peer.fingerprint,
                    paired_at=peer.paired_at,
                    acked_rev=peer.acked_rev,
                    pending=pending,
                    held=held_count(s, peer.station_code) if peer.relation == "child" else 0,
                    last_import_at=peer.last_import_at,
                    last_export_at=peer.last_export_at,
                    last_import_totals=totals,
                )
            )
        last_export = _last(s, BundleLog.direction == "export")
        last_import = _last(s, BundleLog.direction == "import", BundleLog.status == "imported")
        last_reject = _last(s, BundleLog.status == "rejected")
        newest_ok = max(
            (e.created_at for e in (last_export, last_import) if e is not None), default=None
        )
        error = None
        if last_reject is not None and (newest_ok is None or last_reject.created_at > newest_ok):
            error = _event(last_reject, names)
        info = key_info(db)
        return SyncStatus(
            station_code=me,
            station_level=station.level if station else "",
            epoch=int(state.epoch),
            keys=info,
            keystore_warning=info.warning if info else "",
            peers=peers,
            pending_up=pending_up,
            has_parent=has_parent,
            last_export=_event(last_export, names) if last_export else None,
            last_import=_event(last_import, names) if last_import else None,
            last_error=error,
        )


@dataclass(frozen=True)
class HistoryRow:
    id: str
    at: datetime
    direction: str
    direction_label: str
    kind_label: str
    peer_code: str
    peer_name: str
    status: str
    status_label: str
    record_count: int
    file_name: str
    message: str
    totals: dict[str, int]


STATUS_LABELS = {"exported": "已导出", "imported": "已导入", "rejected": "已拒绝"}


def history(db: Database, *, limit: int = 200, peer: str | None = None) -> list[HistoryRow]:
    """The bundle log, newest first (what was exported, imported, refused)."""
    with db.session() as s:
        names = {st.code: st.name for st in s.scalars(select(Station))}
        q = (
            select(BundleLog)
            .order_by(BundleLog.created_at.desc(), BundleLog.id.desc())
            .limit(limit)
        )
        if peer:
            q = q.where(BundleLog.peer_code == peer)
        rows: list[HistoryRow] = []
        for r in s.scalars(q):
            summary = json.loads(r.summary or "{}")
            rows.append(
                HistoryRow(
                    id=r.id,
                    at=r.created_at,
                    direction=r.direction,
                    direction_label="导出" if r.direction == "export" else "导入",
                    kind_label="回执" if r.kind == "ack" else "同步包",
                    peer_code=r.peer_code,
                    peer_name=names.get(r.peer_code, r.peer_code) or "（未知）",
                    status=r.status,
                    status_label=STATUS_LABELS.get(r.status, r.status),
                    record_count=r.record_count,
                    file_name=r.file_name,
                    message=r.message,
                    totals=dict(summary.get("totals", {})),
                )
            )
        return rows


def log_summary(db: Database, log_id: str) -> dict[str, Any]:
    """One bundle-log entry's full summary (for the summary dialog and the printout)."""
    with db.session() as s:
        row = s.get(BundleLog, log_id)
        if row is None:
            raise KeyError(log_id)
        summary: dict[str, Any] = json.loads(row.summary or "{}")
        summary.setdefault("bundle_id", row.bundle_id)
        summary["status"] = row.status
        summary["status_label"] = STATUS_LABELS.get(row.status, row.status)
        summary["direction"] = row.direction
        summary["message"] = row.message
        summary["file"] = row.file_name
        summary["logged_at"] = row.created_at.isoformat()
        summary["peer_code"] = row.peer_code
        st = s.get(Station, row.peer_code)
        summary["peer_name"] = st.name if st else row.peer_code
        return summary
