"""Recover a station from upstream: the "replace a device" story (issue 17).

A village PC dies; the clerk installs the program on a new PC with the same station code and
re-pairs with the township (cards exchanged again, ``card import --replace`` at the township).
The township holds everything the old installation delivered, so it writes a signed, encrypted
**recovery bundle** for that station (USB stick: ``zongzhi bundle recovery``; over the hub: a
signed request answered with the same bytes). The new installation restores from it, in one
transaction: every record of its own origin (cases with their people, parties, sessions and
case log, registers with their fields and attachments, supervision feedback), the numbering
sequences (the next case code continues after the highest the township knows), the watermark
(what the township already holds is not sent again), and then continues in a new sync epoch so
that its new changes sort after anything the old installation ever numbered.

What the township never received is gone with the old PC. It is reported, never hidden: the
township knows the highest change number the old installation had put into any file it saw
(a bundle refused for a gap, urgent items sent ahead), and the range between that and what it
holds in full is listed as lost.

One level up it is the same: a township recovers from its county, and gets back its own records
and those of its villages, with the watermarks that let the villages go on where they were.

Precedents: ODK Central / DHIS2 re-download a replaced device's data from the server; Morango
(Kolibri) gives a re-registered device a new instance id so that its counters never collide
with the old one's — here, the new epoch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from app import __version__
from app.db import head_revision
from app.models import BundleLog, SyncHwm, SyncPeer, new_id
from app.models.base import format_utc
from app.models.events import EPOCH_SHIFT, bump_epoch
from app.rules.hierarchy import is_ancestor, parent_of
from app.rules.numbering import CASE_KINDS
from app.services import audit
from app.services.context import Ctx

from . import manifest as mf
from .bundle import BUNDLE_SUFFIX, _consume_seq, _PayloadSink
from .canonical import canonical_json
from .codec import encode_row, table_specs
from .container import BundleWriter, OpenedBundle, open_bundle
from .crypto import Opener, Sealer, SealParams, sign
from .errors import BundleRejected, SyncError
from .importer import _batches, _insert_stmt, _key_pair, _plain_lines, _stream_records, _verify
from .keys import active_key_row, load_station_keys, write_mark

RECOVERY_KIND = "recovery"
# a station may restore only while it holds no record of its own a clerk entered
OWN_RECORD_TABLES = ("visit", "dispute", "register_record", "supervision", "supervision_feedback")
_LETTERS = {v: k for k, v in CASE_KINDS.items()}


def _seq_of(rev: int) -> tuple[int, int]:
    return rev >> EPOCH_SHIFT, rev & ((1 << EPOCH_SHIFT) - 1)


def lost_text(lost: list[dict[str, int]]) -> str:
    """'第1代变更 121–134 号' for each lost range."""
    parts = []
    for r in lost:
        (e1, s1), (e2, s2) = _seq_of(r["from"]), _seq_of(r["to"])
        parts.append(
            f"第{e1}代变更 {s1}–{s2} 号" if e1 == e2 else f"第{e1}代 {s1} 号至第{e2}代 {s2} 号"
        )
    return "、".join(parts)


# --- upstream: write the recovery bundle -----------------------------------------------------


def _origins(session: Any, code: str) -> list[str]:
    below = [
        str(o)
        for (o,) in session.execute(select(SyncHwm.origin).order_by(SyncHwm.origin))
        if is_ancestor(code, str(o))
    ]
    return [code, *below]


def _what_was_sent(session: Any, code: str) -> int:
    """The highest change number of its own the station had put into any file seen here."""
    v = session.execute(
        select(func.max(BundleLog.rev_to)).where(
            BundleLog.peer_code == code, BundleLog.direction == "import"
        )
    ).scalar_one()
    return int(v or 0)


def export_recovery(ctx: Ctx, station_code: str, out: Path) -> dict[str, Any]:
    """Write the recovery bundle for subordinate station ``station_code`` (already re-paired)."""
    ctx.require("sync.pair")
    code = station_code.strip()
    keys = load_station_keys(ctx.db)
    me = ctx.station
    specs = table_specs()
    writer: BundleWriter | None = None
    try:
        with ctx.write() as s:
            peer = s.get(SyncPeer, code)
            if peer is None or not peer.active or peer.relation != "child":
                raise SyncError(
                    f"工作站 {code} 不是本站已配对的下级：请先导入其新安装后的工作站卡片"
                    "（更换密钥时加 --replace），电话核对指纹后再生成恢复包"
                )
            seq, epoch = _consume_seq(s)
            bundle_id = new_id()
            dest = out / f"恢复包_{me.code}_至_{code}_{seq & 0xFFFFFFFFFF}{BUNDLE_SUFFIX}"
            if not out.is_dir():
                dest = out
            writer = BundleWriter(dest)
            sealer = Sealer(peer.enc_public, mf.aad(bundle_id, RECOVERY_KIND, me.code, code, seq))
            sink = _PayloadSink(writer, sealer)
            header = {
                "bundle_id": bundle_id,
                "kind": RECOVERY_KIND,
                "sender": me.code,
                "recipient": code,
                "seq": seq,
            }
            sink.line({"header": header})
            origins = _origins(s, code)
            hwm = {o: int(h.rev) if (h := s.get(SyncHwm, o)) else 0 for o in origins}
            sent = _what_was_sent(s, code)
            # counts and highest revs first (SQL), so the rows can stream into the file
            counts: dict[str, int] = {}
            per_origin: dict[str, list[int]] = {o: [0, 0] for o in origins}  # count, max rev
            for spec in specs.values():
                t = spec.table
                for origin, n, top in s.execute(
                    select(t.c.origin, func.count(), func.max(t.c.rev))
                    .where(t.c.origin.in_(origins))
                    .group_by(t.c.origin)
                ):
                    counts[spec.name] = counts.get(spec.name, 0) + int(n)
                    po = per_origin[str(origin)]
                    po[0] += int(n)
                    po[1] = max(po[1], int(top or 0))
            held_max = per_origin[code][1]
            lost: list[dict[str, int]] = []
            if sent > hwm[code]:
                lost.append({"from": hwm[code] + 1, "to": sent})
            info = {
                "station": code,
                "hwm": hwm,
                "sent_upto": sent,
                "held_upto": held_max,
                "lost": lost,
                "created_by": {"code": me.code, "name": me.name},
            }
            sink.line({"summary": info})
            for spec in specs.values():
                t = spec.table
                for row in s.execute(select(t).where(t.c.origin.in_(origins)).order_by(t.c.rev)):
                    sink.line({"t": spec.name, "r": encode_row(spec, row)})
            sha, chunks = sink.close()
            ranges = [
                mf.Range(o, 0, max(per_origin[o][1], hwm[o]), per_origin[o][0])
                for o in origins
                if per_origin[o][0] or hwm[o]
            ]
            doc = mf.build(
                kind=RECOVERY_KIND,
                bundle_id=bundle_id,
                seq=seq,
                schema=head_revision(),
                app_version=__version__,
                created_at=format_utc(ctx.now()),
                sender=mf.Party(me.code, me.name, keys.info.fingerprint, me.level, epoch),
                recipient=mf.Party(code, peer.name, peer.fingerprint),
                ranges=ranges,
                counts=counts,
                have={},
                ack=None,
                payload=mf.PayloadInfo(
                    sha256=sha,
                    size=writer.payload_size,
                    chunks=chunks,
                    plain_size=sink.plain_size,
                    ephemeral_public=sealer.params.ephemeral_public,
                    nonce_prefix=sealer.params.nonce_prefix,
                ),
            )
            manifest = canonical_json(doc)
            writer.finish(manifest, sign(keys.pair.sign, mf.SIGN_DOMAIN, manifest))
            s.add(
                BundleLog(
                    bundle_id=bundle_id,
                    direction="export",
                    kind=RECOVERY_KIND,
                    peer_code=code,
                    status="exported",
                    rev_from=0,
                    rev_to=held_max,
                    record_count=sum(counts.values()),
                    seq=seq,
                    payload_sha256=sha,
                    summary=json.dumps({"counts": counts, **info}, ensure_ascii=False),
                    file_name=dest.name[:300],
                    created_at=ctx.now(),
                    operator_name=ctx.operator.display_name,
                    message=f"为 {peer.name} 生成恢复包",
                )
            )
            audit.record(
                s,
                "sync_recovery_export",
                {"bundle_id": bundle_id, "to": code, "records": sum(counts.values())},
                table="bundle_log",
                record_id=bundle_id,
            )
            key_row = active_key_row(s)
            assert key_row is not None
            write_mark(ctx.db, key_row, epoch, seq)
        path = writer.commit()
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    return {
        "file": str(path),
        "station": code,
        "records": sum(counts.values()),
        "counts": counts,
        "lost": lost,
        "lost_text": lost_text(lost),
    }


# --- downstream: restore from it -------------------------------------------------------------


@dataclass
class RecoveryResult:
    path: Path
    counts: dict[str, int] = field(default_factory=dict)
    epoch: int = 0
    acked: int = 0
    sequences: dict[str, int] = field(default_factory=dict)
    lost: list[dict[str, int]] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    sender: str = ""

    @property
    def records(self) -> int:
        return sum(self.counts.values())

    @property
    def message(self) -> str:
        text = (
            f"已从{self.sender}恢复本站台账 {self.records} 条记录，"
            f"从第 {self.epoch} 代同步纪元继续（新的案件编号接在上级已知的最大编号之后）"
        )
        if self.lost:
            text += (
                f"。注意：旧电脑上 {lost_text(self.lost)} 的改动未送达上级，已无法恢复，"
                "请根据纸质材料重新登记"
            )
        else:
            text += "。旧电脑上最后一次发送之后若还有改动，上级不知道，也无法恢复，请核对纸质材料"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "records": self.records,
            "counts": self.counts,
            "epoch": self.epoch,
            "acked_rev": self.acked,
            "sequences": self.sequences,
            "lost": self.lost,
            "lost_text": lost_text(self.lost),
            "origins": self.origins,
            "message": self.message,
        }


def _reject(reason: str, message: str) -> BundleRejected:
    return BundleRejected(reason, message)


def _sequences(conn: Any, me: str) -> dict[str, int]:
    """number_sequence after a restore: each counter at least the highest number in use."""
    best: dict[tuple[str, int], int] = {}
    prefix = f"{me}-"
    for table, column in (
        ("visit", "case_code"),
        ("dispute", "case_code"),
        ("supervision", "supervision_no"),
        ("register_record", "case_code"),
    ):
        cols = {c.name for c in table_specs()[table].columns} if table in table_specs() else set()
        if column not in cols:
            continue
        for (code,) in conn.execute(
            text(f'SELECT "{column}" FROM "{table}" WHERE origin = :o'), {"o": me}
        ):
            parts = str(code or "").split("-")
            if len(parts) != 4 or not str(code).startswith(prefix):
                continue
            kind = _LETTERS.get(parts[2])
            if kind is None or not parts[1].isdigit() or not parts[3].isdigit():
                continue
            key = (f"case:{kind}", int(parts[1]))
            best[key] = max(best.get(key, 0), int(parts[3]))
    for year, top in conn.execute(
        text(
            "SELECT mediation_year, max(mediation_seq) FROM dispute WHERE origin = :o"
            " AND mediation_year IS NOT NULL GROUP BY mediation_year"
        ),
        {"o": me},
    ):
        key = ("mediation", int(year))
        best[key] = max(best.get(key, 0), int(top or 0))
    for (scope, year), top in best.items():
        conn.execute(
            text(
                "INSERT INTO number_sequence (scope, year, last) VALUES (:s, :y, :n) "
                "ON CONFLICT (scope, year) DO UPDATE SET last = max(last, excluded.last)"
                if conn.dialect.name == "sqlite"
                else "INSERT INTO number_sequence (scope, year, last) VALUES (:s, :y, :n) "
                "ON CONFLICT (scope, year) DO UPDATE SET "
                "last = greatest(number_sequence.last, excluded.last)"
            ),
            {"s": scope, "y": year, "n": top},
        )
    return {f"{scope}/{year}": n for (scope, year), n in sorted(best.items())}


def _via(me: str, origin: str) -> str:
    """The direct subordinate of ``me`` through which records of ``origin`` arrive."""
    code: str | None = origin
    while code is not None and parent_of(code) != me:
        code = parent_of(code)
    if code is None:
        return origin
    return code


def recover_station(ctx: Ctx, path: Path) -> RecoveryResult:
    """从上级恢复本站台账 from a recovery bundle (file from a stick, or fetched from the hub).

    Refused — with nothing written — unless the file is a recovery bundle signed by this
    station's paired parent for this station and its current key, and this station holds no
    record of its own yet (recovery is for a new installation).
    """
    ctx.require("sync.pair")
    me = ctx.station.code
    opened: OpenedBundle | None = None
    try:
        opened = open_bundle(path)
        m = mf.parse(opened.manifest_bytes)
        if m.kind != RECOVERY_KIND:
            raise _reject(
                "kind",
                "这不是恢复包：恢复本站台账须使用上级为本站生成的恢复包"
                "（上级执行 zongzhi bundle recovery --station 本站代码）",
            )
        peer = _verify(ctx, opened, m)
        if peer.relation != "parent":
            raise _reject("origin", f"恢复包只能来自本站的上级，{peer.name} 不是本站的上级")
        pair = _key_pair(ctx, m)
    except BaseException:
        if opened is not None:
            opened.close()
        raise
    finally:
        ctx.session.rollback()
    bundle = opened
    specs = table_specs()
    result = RecoveryResult(path=path, sender=peer.name)
    try:
        with ctx.write() as s:
            conn = s.connection()
            for table in OWN_RECORD_TABLES:
                n = conn.execute(
                    text(f'SELECT count(*) FROM "{table}" WHERE origin = :o'), {"o": me}
                ).scalar_one()
                if n:
                    raise SyncError(
                        f"本站已有自己登记的{specs[table].label}记录（{n} 条），不能再从上级恢复："
                        "恢复只用于新安装、尚未登记任何案件的本站。如确需恢复，请重新安装后先恢复再登记"
                    )
            # the presets seeded at installation give way to the registers the station had
            for table in ("register_field", "register_type"):
                t = specs[table].table
                conn.execute(delete(t).where(t.c.origin == me))
            top_epoch = 0
            summary_out: list[dict[str, Any]] = []
            opener = Opener(
                pair.enc, SealParams(m.payload.ephemeral_public, m.payload.nonce_prefix), m.aad()
            )
            stream = _stream_records(_plain_lines(bundle, m, opener, None), m, summary_out)
            for batch in _batches(stream, 2000):
                info = summary_out[0] if summary_out else {}
                if info.get("station") != me:
                    raise _reject("recipient", "恢复包不是为本站生成的，已拒绝")
                values: list[dict[str, Any]] = []
                for st in batch:
                    origin = str(st.raw["origin"])
                    if origin != me and not is_ancestor(me, origin):
                        raise _reject("origin", f"恢复包中含有其他工作站（{origin}）的记录，已拒绝")
                    if st.values is None:
                        raise _reject("manifest", f"恢复包中的记录有误（{st.reason}），已拒绝")
                    values.append(st.values)
                spec = batch[0].spec
                conn.execute(_insert_stmt(conn, spec), values)
                result.counts[spec.name] = result.counts.get(spec.name, 0) + len(values)
                top_epoch = max(top_epoch, *(int(v["rev"]) >> EPOCH_SHIFT for v in values))
            info = summary_out[0] if summary_out else {}
            if info.get("station") != me:
                raise _reject("recipient", "恢复包不是为本站生成的，已拒绝")
            hwm = {str(k): int(v) for k, v in (info.get("hwm") or {}).items()}
            sent = int(info.get("sent_upto", 0) or 0)
            result.lost = [
                {"from": int(x["from"]), "to": int(x["to"])} for x in info.get("lost") or []
            ]
            result.epoch = bump_epoch(s, min_epoch=max(top_epoch, sent >> EPOCH_SHIFT) + 1)
            result.sequences = _sequences(conn, me)
            result.acked = hwm.get(me, 0)
            peer_row = s.get(SyncPeer, peer.station_code)
            assert peer_row is not None
            peer_row.acked_rev = result.acked
            peer_row.in_seq = max(int(peer_row.in_seq), m.seq)
            now = ctx.now()
            for origin, rev in sorted(hwm.items()):
                if origin == me or not rev:
                    continue
                row = s.get(SyncHwm, origin)
                if row is None:
                    s.add(
                        SyncHwm(
                            origin=origin,
                            rev=rev,
                            peer_code=_via(me, origin),
                            updated_at=now,
                        )
                    )
                elif int(row.rev) < rev:
                    row.rev = rev
            result.origins = sorted(hwm)
            summary = result.as_dict()
            s.add(
                BundleLog(
                    bundle_id=m.bundle_id,
                    direction="import",
                    kind=RECOVERY_KIND,
                    peer_code=peer.station_code,
                    status="imported",
                    rev_from=0,
                    rev_to=result.acked,
                    record_count=result.records,
                    seq=m.seq,
                    payload_sha256=m.payload.sha256,
                    summary=json.dumps(summary, ensure_ascii=False),
                    file_name=path.name[:300],
                    created_at=now,
                    operator_name=ctx.operator.display_name,
                    message=result.message[:1000],
                )
            )
            audit.record(
                s,
                "sync_recover",
                {
                    "bundle_id": m.bundle_id,
                    "from": peer.station_code,
                    "records": result.records,
                    "epoch": result.epoch,
                    "lost": result.lost,
                },
                table="bundle_log",
                record_id=m.bundle_id,
            )
    except SQLAlchemyError as exc:
        raise _reject(
            "apply_failed",
            f"恢复时数据库出错（{type(exc.orig if hasattr(exc, 'orig') else exc).__name__}），"
            "已全部撤销，台账未改变；请稍后重试，仍失败请联系技术支持",
        ) from exc
    finally:
        bundle.close()
    return result
