"""Writing bundles and acknowledgements (DESIGN §5).

A bundle is *cumulative since the last acknowledgement*: for each origin it carries every record
with ``basis < rev <= upto`` where ``basis`` is what the recipient last acknowledged. A lost
stick therefore loses nothing, and a repeated or overlapping bundle is harmless.

The file is built inside one transaction that also consumes one value of the change counter as
the bundle's ``seq`` (so files from one station are totally ordered), writes ``bundle_log`` and
the audit entry; the file appears under its final name only after that transaction committed.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, func, select, text, true
from sqlalchemy.orm import Session

from app import __version__
from app.db import head_revision
from app.models import BundleLog, SyncPeer, new_id
from app.models.base import format_utc
from app.rules.dates import CHINA_TZ
from app.rules.errors import AppError
from app.services import audit
from app.services.context import Ctx

from . import manifest as mf
from .canonical import canonical_json
from .codec import TableSpec, encode_row, table_specs
from .container import BundleWriter
from .crypto import CHUNK_PLAIN, Sealer, frame, sign
from .errors import SyncError
from .keys import StationKeys, active_key_row, check_rollback, load_station_keys, write_mark
from .routing import OutRange, addressed_to, have_for, outgoing, tables_for, withheld

Progress = Callable[[int, int, str], None]

BUNDLE_SUFFIX = ".zzb"
ACK_SUFFIX = ".zza"


@dataclass
class ExportResult:
    path: Path
    kind: str
    bundle_id: str
    seq: int
    recipient_code: str
    recipient_name: str
    counts: dict[str, int]
    ranges: list[mf.Range]
    size: int
    notices: list[str] = field(default_factory=list)

    @property
    def record_count(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "kind": self.kind,
            "bundle_id": self.bundle_id,
            "seq": self.seq,
            "recipient": {"code": self.recipient_code, "name": self.recipient_name},
            "counts": self.counts,
            "record_count": self.record_count,
            "ranges": [r.__dict__ for r in self.ranges],
            "size": self.size,
            "notices": self.notices,
        }


class _PayloadSink:
    """JSON Lines → zlib → sealed 1 MiB chunks → length-prefixed frames in ``payload.bin``."""

    def __init__(self, writer: BundleWriter, sealer: Sealer) -> None:
        self._writer = writer
        self._sealer = sealer
        self._comp = zlib.compressobj(6)
        self._buf = bytearray()
        self._sha = hashlib.sha256()
        self.plain_size = 0

    def line(self, obj: Any) -> None:
        data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
        self.plain_size += len(data)
        self._buf += self._comp.compress(data)
        while len(self._buf) > CHUNK_PLAIN:
            self._emit(bytes(self._buf[:CHUNK_PLAIN]), final=False)
            del self._buf[:CHUNK_PLAIN]

    def _emit(self, chunk: bytes, *, final: bool) -> None:
        framed = frame(self._sealer.seal(chunk, final=final))
        self._sha.update(framed)
        self._writer.write_payload(framed)

    def close(self) -> tuple[str, int]:
        self._buf += self._comp.flush()
        while len(self._buf) > CHUNK_PLAIN:
            self._emit(bytes(self._buf[:CHUNK_PLAIN]), final=False)
            del self._buf[:CHUNK_PLAIN]
        self._emit(bytes(self._buf), final=True)
        return self._sha.hexdigest(), self._sealer.chunks


def _consume_seq(session: Session) -> tuple[int, int]:
    row = (
        session.connection()
        .execute(
            text(
                "UPDATE local_state SET rev_counter = rev_counter + 1 WHERE id = 1 "
                "RETURNING rev_counter, epoch"
            )
        )
        .one()
    )
    return int(row[0]), int(row[1])


def _peer(session: Session, to: str | None, me: str) -> SyncPeer:
    if to:
        peer = session.get(SyncPeer, to.strip())
        if peer is None or not peer.active:
            raise SyncError(f"本站没有与工作站 {to} 配对，请先导入对方的工作站卡片")
        return peer
    parents = list(
        session.scalars(
            select(SyncPeer).where(SyncPeer.relation == "parent", SyncPeer.active.is_(True))
        )
    )
    if not parents:
        raise SyncError("本站还没有与上级配对：请先导入上级的工作站卡片（zongzhi card import）")
    return parents[0]


def default_name(kind: str, me: str, to: str, seq: int, created: datetime) -> str:
    stamp = created.astimezone(CHINA_TZ).strftime("%Y%m%d-%H%M")
    n = seq & ((1 << 40) - 1)
    if kind == "ack":
        return f"回执_{me}_至_{to}_{stamp}_{n}{ACK_SUFFIX}"
    return f"同步包_{me}_至_{to}_{stamp}_{n}{BUNDLE_SUFFIX}"


def _only(spec: TableSpec, only: Mapping[str, Collection[str]] | None) -> ColumnElement[bool]:
    """A partial bundle's restriction to chosen records (urgent items sent ahead)."""
    if only is None:
        return true()
    return spec.table.c.id.in_(sorted(only.get(spec.name, ())))


def _count(
    session: Session,
    spec: TableSpec,
    rng: OutRange,
    upto: int,
    peer: SyncPeer,
    only: Mapping[str, Collection[str]] | None = None,
) -> int:
    t = spec.table
    q = (
        select(func.count())
        .select_from(t)
        .where(t.c.origin == rng.origin, t.c.rev > rng.basis, t.c.rev <= upto, _only(spec, only))
    )
    if peer.relation == "child":
        q = q.where(addressed_to(spec, peer.station_code))
    hidden = withheld(spec, peer.station_code)
    if hidden is not None:
        q = q.where(~hidden)
    return int(session.execute(q).scalar_one())


def write_bundle(
    ctx: Ctx,
    out: Path,
    *,
    to: str | None = None,
    kind: str = "bundle",
    full: bool = False,
    ack: dict[str, Any] | None = None,
    summary: dict[str, Any] | None = None,
    progress: Progress | None = None,
    only: Mapping[str, Collection[str]] | None = None,
) -> ExportResult:
    """Write a bundle (or acknowledgement) for peer ``to`` (default: the parent) to ``out``.

    ``out`` may be a directory (the file gets a descriptive name) or a file path. ``only``
    (table → record ids) makes a *partial* bundle of this station's own records: it carries just
    those records of its range, and the receiver applies them without moving its watermark
    (urgent items sent ahead of the rest, see :mod:`.priority`).
    """
    ctx.require("sync.run")
    keys: StationKeys = load_station_keys(ctx.db)
    me = ctx.station
    specs = table_specs()
    notices: list[str] = []
    writer: BundleWriter | None = None
    try:
        with ctx.write() as s:
            peer = _peer(s, to, me.code)
            notice = check_rollback(ctx.db, s)
            if notice:
                notices.append(notice)
            seq, epoch = _consume_seq(s)
            created = format_utc(ctx.now())
            bundle_id = new_id()
            name = default_name(kind, me.code, peer.station_code, seq, ctx.now())
            dest = out / name if out.is_dir() else out
            writer = BundleWriter(dest)
            sealer = Sealer(
                peer.enc_public, mf.aad(bundle_id, kind, me.code, peer.station_code, seq)
            )
            sink = _PayloadSink(writer, sealer)
            sink.line(
                {
                    "header": {
                        "bundle_id": bundle_id,
                        "kind": kind,
                        "sender": me.code,
                        "recipient": peer.station_code,
                        "seq": seq,
                    }
                }
            )
            if summary is not None:
                sink.line({"summary": summary})
            # an acknowledgement to the parent carries no records (they go up in bundles);
            # a range is never announced without all of its records
            ack_up = kind == "ack" and peer.relation == "parent"
            out_ranges = [] if ack_up else outgoing(s, me.code, peer, full=full)
            if only is not None:
                out_ranges = [r for r in out_ranges if r.origin == me.code]
            tables = tables_for(peer, specs)
            plan: list[tuple[TableSpec, OutRange, int]] = []
            total = 0
            for spec in tables:
                for rng in out_ranges:
                    upto = seq if rng.origin == me.code else rng.upto
                    n = _count(s, spec, rng, upto, peer, only)
                    if n:
                        plan.append((spec, rng, upto))
                        total += n
            counts: dict[str, int] = {}
            per_origin: dict[str, int] = {}
            done = 0
            if progress:
                progress(0, total, "正在读取变更记录")
            for spec, rng, upto in plan:
                t = spec.table
                q = select(t).where(
                    t.c.origin == rng.origin,
                    t.c.rev > rng.basis,
                    t.c.rev <= upto,
                    _only(spec, only),
                )
                if peer.relation == "child":
                    q = q.where(addressed_to(spec, peer.station_code))
                hidden = withheld(spec, peer.station_code)
                if hidden is not None:
                    q = q.where(~hidden)
                for row in s.execute(q.order_by(t.c.rev)):
                    sink.line({"t": spec.name, "r": encode_row(spec, row)})
                    counts[spec.name] = counts.get(spec.name, 0) + 1
                    per_origin[rng.origin] = per_origin.get(rng.origin, 0) + 1
                    done += 1
                    if progress and done % 500 == 0:
                        progress(done, total, "正在写入同步包")
            sha, chunks = sink.close()
            ranges = [
                mf.Range(
                    r.origin,
                    r.basis,
                    seq if r.origin == me.code else r.upto,
                    per_origin.get(r.origin, 0),
                )
                for r in out_ranges
            ]
            doc = mf.build(
                kind=kind,
                bundle_id=bundle_id,
                seq=seq,
                schema=head_revision(),
                app_version=__version__,
                created_at=created,
                sender=mf.Party(me.code, me.name, keys.info.fingerprint, me.level, epoch),
                recipient=mf.Party(peer.station_code, peer.name, peer.fingerprint),
                ranges=ranges,
                counts=counts,
                have=have_for(s, peer.station_code),
                ack=ack,
                partial=only is not None,
                payload=mf.PayloadInfo(
                    sha256=sha,
                    size=writer.payload_size,
                    chunks=chunks,
                    plain_size=sink.plain_size,
                    ephemeral_public=sealer.params.ephemeral_public,
                    nonce_prefix=sealer.params.nonce_prefix,
                ),
            )
            manifest_bytes = canonical_json(doc)
            writer.finish(manifest_bytes, sign(keys.pair.sign, mf.SIGN_DOMAIN, manifest_bytes))
            peer.last_export_at = ctx.now()
            own = next((r for r in ranges if r.origin == me.code), mf.Range(me.code, 0, 0, 0))
            s.add(
                BundleLog(
                    bundle_id=bundle_id,
                    direction="export",
                    kind=kind,
                    peer_code=peer.station_code,
                    status="exported",
                    rev_from=own.basis,
                    rev_to=own.upto,
                    record_count=sum(counts.values()),
                    seq=seq,
                    payload_sha256=sha,
                    summary=json.dumps(
                        {
                            "counts": counts,
                            "ranges": [r.__dict__ for r in ranges],
                            "notices": notices,
                        },
                        ensure_ascii=False,
                    ),
                    file_name=dest.name,
                    created_at=ctx.now(),
                    operator_name=ctx.operator.display_name,
                    message="；".join(notices),
                )
            )
            audit.record(
                s,
                "sync_export" if kind == "bundle" else "sync_ack",
                {"bundle_id": bundle_id, "to": peer.station_code, "records": sum(counts.values())},
                table="bundle_log",
                record_id=bundle_id,
            )
            key_row = active_key_row(s)
            assert key_row is not None
            # outside the ledger, before commit: a later restore of this ledger is detectable
            write_mark(ctx.db, key_row, epoch, seq)
            result = ExportResult(
                path=dest,
                kind=kind,
                bundle_id=bundle_id,
                seq=seq,
                recipient_code=peer.station_code,
                recipient_name=peer.name,
                counts=counts,
                ranges=ranges,
                size=0,
                notices=notices,
            )
        path = writer.commit()
        result.size = path.stat().st_size
        if progress:
            progress(total, total, "同步包已写入")
        return result
    except BaseException:
        if writer is not None:
            writer.abort()
        raise


def export_bundle(
    ctx: Ctx,
    out: Path,
    *,
    to: str | None = None,
    full: bool = False,
    progress: Progress | None = None,
) -> ExportResult:
    """导出同步包: everything the recipient has not acknowledged (``full``: everything)."""
    try:
        return write_bundle(ctx, out, to=to, full=full, progress=progress)
    except OSError as exc:
        raise AppError(
            f"写入同步包失败（{exc.strerror or exc}），请检查U盘是否已插好、是否写保护或空间不足"
        ) from exc


def issue_ack(
    ctx: Ctx,
    to: str,
    out: Path,
    *,
    progress: Progress | None = None,
) -> ExportResult:
    """回执: acknowledge the newest bundle imported from ``to``.

    It tells the peer how far its records have arrived (so its watermark advances), lists what
    was rejected and why, and carries this station's records addressed to the peer (a township's
    supervision notes travel down this way).
    """
    last = ctx.session.scalars(
        select(BundleLog)
        .where(
            BundleLog.peer_code == to,
            BundleLog.direction == "import",
            BundleLog.kind == "bundle",
            BundleLog.status.in_(("imported", "rejected")),
            BundleLog.seq > 0,
        )
        .order_by(BundleLog.created_at.desc(), BundleLog.seq.desc())
    ).first()
    if last is None:
        raise SyncError(f"尚未导入过工作站 {to} 的同步包，无需回执")
    summary = json.loads(last.summary or "{}")
    ack = {
        "bundle_id": last.bundle_id,
        "seq": last.seq,
        "status": last.status,
        "totals": summary.get("totals", {}),
    }
    ack_summary = {
        "bundle_id": last.bundle_id,
        "status": last.status,
        "message": last.message,
        "totals": summary.get("totals", {}),
        "tables": summary.get("tables", {}),
        "rejected": summary.get("rejected", [])[:2000],
        "imported_at": format_utc(last.created_at),
        "operator": last.operator_name,
    }
    try:
        return write_bundle(
            ctx, out, to=to, kind="ack", ack=ack, summary=ack_summary, progress=progress
        )
    except OSError as exc:
        raise AppError(
            f"写入回执失败（{exc.strerror or exc}），请检查U盘是否已插好、是否写保护或空间不足"
        ) from exc
