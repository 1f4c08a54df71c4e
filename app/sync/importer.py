"""Importing bundles and acknowledgements (DESIGN §5): verify → stage → apply in one transaction.

Before the ledger is touched: the file is vetted (:mod:`.container`), the manifest parsed
strictly, the sender must be paired and its Ed25519 signature must verify, the bundle must be
addressed to this station and its key, its schema must be one this program knows, it must not be
older than what was already imported from the sender (replay), and for every origin it must
start at or below what this station already holds (continuity; a gap is reported, never
skipped). The payload is then decrypted chunk by chunk, its hash checked against the signed
manifest, and every record decoded and checked against its column.

Then, in one transaction: each record is inserted when new, updated when its ``rev`` is higher,
left alone when older or equal, and rejected — with a reason in the summary — when its origin
may not be sent by this sender, when it would change a record owned by another station, when a
parent record is missing, when a unique number (case code …) collides with another record, or
when a known (origin, rev) comes with different content (integrity alarm). Foreign rows are
written with Core statements (dialect ``ON CONFLICT`` upserts that also work on PostgreSQL), so
they keep their origin and rev. Watermarks, the sender's sequence number, acknowledgements
carried in the bundle, ``bundle_log`` and the audit entry are written in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import String, bindparam, select, text, tuple_, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.db import known_revisions
from app.models import BundleLog, Station, SyncHwm, SyncPeer
from app.models.base import format_utc
from app.models.events import EPOCH_SHIFT
from app.rules.dates import CHINA_TZ
from app.rules.errors import ValidationError
from app.rules.hierarchy import is_ancestor
from app.services import audit
from app.services.context import Ctx
from app.services.import_lock import one_import_at_a_time

from . import manifest as mf
from .codec import (
    BadValue,
    TableSpec,
    decode_row,
    display_order,
    encode_row,
    table_label,
    table_specs,
)
from .container import OpenedBundle, open_bundle
from .crypto import CHUNK_PLAIN, TAG_SIZE, DecryptionFailed, Opener, SealParams, iter_frames, verify
from .errors import BundleRejected
from .keys import decryption_keys, recover_from_rollback, rollback_notice
from .routing import origin_allowed, row_refusal

Progress = Callable[[int, int, str], None]
BATCH = 500
MAX_PLAIN = 1 << 30
MAX_RATIO = 1000
MAX_REJECTED_LISTED = 5000
UNIQUE_LABELS = {
    ("case_code",): "案件编码",
    ("supervision_no",): "督办编号",
    ("origin", "mediation_year", "mediation_seq"): "调解文书编号",
}


@dataclass
class ImportResult:
    path: Path
    status: str  # imported | duplicate | rejected | dry_run
    message: str
    reason: str = ""
    kind: str = ""
    bundle_id: str = ""
    seq: int = 0
    sender_code: str = ""
    sender_name: str = ""
    verified: bool = False  # paired sender, valid signature (an acknowledgement may be issued)
    summary: dict[str, Any] = field(default_factory=dict)
    log_id: str = ""
    ack_path: Path | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("imported", "duplicate", "dry_run")

    @property
    def refused_count(self) -> int:
        """Records refused one by one although the file was accepted: by this station (a
        bundle) or, as reported in an acknowledgement, by the station that sent it."""
        if self.status != "imported":
            return 0
        own = int((self.summary.get("totals") or {}).get("rejected", 0) or 0)
        peer = self.summary.get("peer_summary") or {}
        return own + int((peer.get("totals") or {}).get("rejected", 0) or 0)

    def refused_rows(self) -> list[dict[str, Any]]:
        """The refused records as listed (case code, table, reason); ``by`` says who refused."""
        if self.status != "imported":
            return []
        mine = [{**r, "by": "self"} for r in self.summary.get("rejected") or []]
        peer = self.summary.get("peer_summary") or {}
        return mine + [{**r, "by": "peer"} for r in peer.get("rejected") or []]

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "status": self.status,
            "message": self.message,
            "reason": self.reason,
            "kind": self.kind,
            "bundle_id": self.bundle_id,
            "seq": self.seq,
            "sender": {"code": self.sender_code, "name": self.sender_name},
            "summary": self.summary,
            "log_id": self.log_id,
            "ack_file": str(self.ack_path) if self.ack_path else None,
        }


@dataclass
class _Staged:
    spec: TableSpec
    raw: dict[str, Any]
    values: dict[str, Any] | None  # None: rejected while decoding
    reason: str = ""

    @property
    def id(self) -> str:
        return str(self.raw["id"])

    @property
    def rev(self) -> int:
        return int(self.raw["rev"])


@dataclass
class _Payload:
    records: dict[str, list[_Staged]]
    peer_summary: dict[str, Any] | None


class _DryRun(Exception):
    def __init__(self, summary: dict[str, Any]) -> None:
        super().__init__("dry run")
        self.summary = summary


def _reject(reason: str, message: str) -> BundleRejected:
    return BundleRejected(reason, message)


# --- verification ---------------------------------------------------------------------------


def _verify(ctx: Ctx, opened: OpenedBundle, m: mf.Manifest) -> SyncPeer:
    me = ctx.station
    if m.sender.code == me.code:
        raise _reject(
            "own", "这是本站自己导出的文件，请交给接收方导入（本站应导入对方发来的同步包或回执）"
        )
    peer = ctx.session.get(SyncPeer, m.sender.code)
    sender = f"{m.sender.name}（{m.sender.code}）"
    if peer is None or not peer.active:
        raise _reject(
            "unpaired",
            f"{sender} 尚未与本站配对，不能导入其同步包：请先导入对方的工作站卡片并电话核对指纹",
        )
    if m.sender.key_fp != peer.fingerprint:
        raise _reject(
            "key_changed",
            f"{sender} 的密钥与配对时不同（可能更换了电脑或重新安装）：请导入对方新的工作站卡片、"
            "电话核对指纹后再导入",
        )
    if not verify(peer.sign_public, mf.SIGN_DOMAIN, opened.manifest_bytes, opened.signature):
        raise _reject(
            "signature",
            f"签名验证失败：同步包被改动过，或不是 {peer.name} 发出的，已拒绝（请让对方重新导出）",
        )
    if m.recipient.code != me.code:
        raise _reject(
            "recipient",
            f"这个同步包是发给 {m.recipient.name}（{m.recipient.code}）的，不是发给本站的，已拒绝",
        )
    if m.recipient.key_fp not in decryption_keys(ctx.db):
        # before the sequence checks: a sender still writing to this station's old key (this
        # station was reinstalled or renewed its keys) would otherwise read as a missing range
        raise _recipient_key_changed(m)
    if m.schema not in known_revisions():
        raise _reject(
            "newer_schema",
            f"同步包来自更新版本的程序（数据结构 {m.schema}），请先升级本站的综治工作站程序再导入",
        )
    if opened.payload_size != m.payload.size:
        raise _reject("tampered", "同步包内容与清单不符（大小不一致），文件可能被改动或损坏")
    # the signed hash binds the payload: checked before any answer, even "already imported"
    sha = hashlib.sha256()
    for piece in opened.payload_chunks():
        sha.update(piece)
    if sha.hexdigest() != m.payload.sha256:
        raise _reject("tampered", _TAMPERED_PAYLOAD)
    if m.kind == "ack" and m.record_count and peer.relation != "parent":
        # acknowledgements from a child carry no records
        raise _reject("manifest", "回执中含有不应有的记录，已拒绝")
    return peer


def _recipient_key_changed(m: mf.Manifest) -> BundleRejected:
    return _reject(
        "recipient_key",
        f"{m.sender.name}（{m.sender.code}）仍在使用本站以前的密钥（本站重新安装或更换过密钥），"
        "这个文件无法解密：请让对方导入本站新的工作站卡片（更换密钥，命令行 card import --replace）"
        "并电话核对指纹后重新导出",
    )


def vet_bundle(ctx: Ctx, path: Path) -> mf.Manifest:
    """The checks that need neither decryption nor writing: file layout, manifest, a paired
    sender with a valid signature, this station as recipient, a known schema. Raises
    :class:`BundleRejected`. A network hub runs them first, so that files from strangers are
    answered without reaching the bundle log."""
    opened = open_bundle(path)
    try:
        m = mf.parse(opened.manifest_bytes)
        _verify(ctx, opened, m)
        return m
    finally:
        opened.close()
        ctx.session.rollback()


def _check_sequence(session: Session, m: mf.Manifest, peer: SyncPeer) -> None:
    """Replay and continuity checks (run again inside the apply transaction)."""
    if m.seq <= peer.in_seq:
        raise _reject(
            "stale",
            f"这是 {peer.name} 较早的{'回执' if m.kind == 'ack' else '同步包'}（序号 {m.seq}），"
            f"本站已导入其更新的文件（序号 {peer.in_seq}），其中内容都已包含在内，无需再导入",
        )
    for r in m.ranges:
        if not origin_allowed(peer, r.origin):
            raise _reject(
                "origin",
                f"同步包中含有工作站 {r.origin} 的记录，{peer.name} 无权转送，已拒绝",
            )
        hwm = session.get(SyncHwm, r.origin)
        if hwm is not None and hwm.peer_code != peer.station_code:
            raise _reject(
                "route",
                f"工作站 {r.origin} 的记录本站一直从 {hwm.peer_code} 接收，不能再从 {peer.name} 接收",
            )
        have = int(hwm.rev) if hwm is not None else 0
        if r.basis > have:
            name = peer.name if r.origin == peer.station_code else f"工作站 {r.origin}"
            raise _reject(
                "gap",
                f"缺少 {name} 的一段变更（本站只收到变更号 {have} 为止，此包从 {r.basis} 之后开始）："
                f"请把本次生成的回执交给对方导入（对方会自动补发），或请对方导出完整同步包"
                "（zongzhi bundle export --full）",
            )


# --- payload ---------------------------------------------------------------------------------


def _hashing(chunks: Iterator[bytes], sha: Any) -> Iterator[bytes]:
    for piece in chunks:
        sha.update(piece)
        yield piece


_TAMPERED_PAYLOAD = "同步包内容校验失败（被改动、损坏，或不是用本站密钥加密的），已拒绝"


PLAIN_STEP = 4 << 20  # decompress at most this much at a time: memory stays bounded


def _plain_lines(
    opened: OpenedBundle, m: mf.Manifest, opener: Opener, progress: Progress | None
) -> Iterator[bytes]:
    """The payload's JSON lines, decrypted and decompressed as a stream (bounded memory). The
    checks that need the whole payload (hash, sizes, end of stream) run when it is exhausted:
    a consumer must not commit anything before then."""
    if m.payload.plain_size > min(MAX_PLAIN, MAX_RATIO * m.payload.size):
        raise _reject("bomb", "同步包声明的解压后大小异常（疑似“压缩炸弹”），已拒绝")
    sha = hashlib.sha256()
    decomp = zlib.decompressobj()
    plain_total = 0
    pending = bytearray()
    index = 0
    try:
        for sealed in iter_frames(
            _hashing(opened.payload_chunks(), sha), CHUNK_PLAIN + TAG_SIZE + 64
        ):
            final = index == m.payload.chunks - 1
            if index >= m.payload.chunks:
                raise _reject("tampered", _TAMPERED_PAYLOAD)
            compressed = opener.open(sealed, final=final)
            index += 1
            left = m.payload.plain_size - plain_total + 1
            data = decomp.decompress(compressed, min(PLAIN_STEP, left))
            while True:
                plain_total += len(data)
                if plain_total > m.payload.plain_size:
                    raise _reject("bomb", "同步包解压后超过声明的大小（疑似“压缩炸弹”），已拒绝")
                pending += data
                cut = pending.rfind(b"\n")
                if cut >= 0:
                    block = bytes(pending[:cut])
                    del pending[: cut + 1]
                    yield from block.split(b"\n")
                    del block
                if not decomp.unconsumed_tail:
                    break
                left = m.payload.plain_size - plain_total + 1
                data = decomp.decompress(decomp.unconsumed_tail, min(PLAIN_STEP, left))
            if progress:
                progress(index, m.payload.chunks, "正在解密校验同步包")
        tail = decomp.flush()
        plain_total += len(tail)
        pending += tail
    except DecryptionFailed as exc:
        raise _reject("tampered", _TAMPERED_PAYLOAD) from exc
    except (ValueError, zlib.error) as exc:
        raise _reject("tampered", _TAMPERED_PAYLOAD) from exc
    if not opener.finished or index != m.payload.chunks or not decomp.eof:
        raise _reject("tampered", _TAMPERED_PAYLOAD)
    if sha.hexdigest() != m.payload.sha256 or plain_total != m.payload.plain_size or pending:
        raise _reject("tampered", _TAMPERED_PAYLOAD)


def _stream_records(
    lines: Iterator[bytes], m: mf.Manifest, summary_out: list[dict[str, Any]]
) -> Iterator[_Staged]:
    """Every record of the payload, decoded (a bad value makes a row refused, not the file),
    checked against the signed manifest; the peer summary (acknowledgement, recovery) goes
    into ``summary_out``. The count checks run when the stream is exhausted."""
    specs = table_specs()
    inconsistent = _reject("manifest", "同步包内容与其清单不一致，已拒绝（请让对方重新导出）")
    first = next(lines, None)
    if first is None:
        raise inconsistent
    try:
        header = json.loads(first)["header"]
    except (ValueError, KeyError, TypeError) as exc:
        raise inconsistent from exc
    expected = {
        "bundle_id": m.bundle_id,
        "kind": m.kind,
        "sender": m.sender.code,
        "recipient": m.recipient.code,
        "seq": m.seq,
    }
    if header != expected:
        raise inconsistent
    counts: dict[str, int] = {}
    per_origin: dict[str, int] = {}
    seen: set[tuple[str, str]] = set()
    ranges = {r.origin: r for r in m.ranges}
    for raw_line in lines:
        try:
            obj = json.loads(raw_line)
        except ValueError as exc:
            raise inconsistent from exc
        if not isinstance(obj, dict):
            raise inconsistent
        if "summary" in obj:
            if (
                summary_out
                or m.kind not in ("ack", "recovery")
                or not isinstance(obj["summary"], dict)
            ):
                raise inconsistent
            summary_out.append(obj["summary"])
            continue
        table, row = obj.get("t"), obj.get("r")
        if not isinstance(table, str) or not isinstance(row, dict):
            raise inconsistent
        spec = specs.get(table)
        if spec is None:
            raise _reject(
                "newer_schema",
                f"同步包中含有本程序不认识的数据（{table[:40]}），请先升级本站的综治工作站程序",
            )
        rid, origin, rev = row.get("id"), row.get("origin"), row.get("rev")
        if (
            type(rid) is not str
            or not 0 < len(rid) <= 36
            or type(origin) is not str
            or type(rev) is not int
        ):
            raise inconsistent
        rng = ranges.get(origin)
        if rng is None or not rng.basis < rev <= rng.upto or (table, rid) in seen:
            raise inconsistent
        seen.add((table, rid))
        per_origin[origin] = per_origin.get(origin, 0) + 1
        counts[table] = counts.get(table, 0) + 1
        try:
            yield _Staged(spec, row, decode_row(spec, row))
        except BadValue as exc:
            yield _Staged(spec, row, None, str(exc))
    if counts != {t: n for t, n in m.counts.items() if n} or any(
        per_origin.get(r.origin, 0) != r.count for r in m.ranges
    ):
        raise inconsistent


def _read_payload(
    opened: OpenedBundle, m: mf.Manifest, opener: Opener, progress: Progress | None
) -> _Payload:
    """The whole payload in memory (核查 and recovery; imports stream instead)."""
    records: dict[str, list[_Staged]] = {name: [] for name in table_specs()}
    summary: list[dict[str, Any]] = []
    for st in _stream_records(_plain_lines(opened, m, opener, progress), m, summary):
        records[st.spec.name].append(st)
    return _Payload(records, summary[0] if summary else None)


def _batches(stream: Iterator[_Staged], n: int = BATCH) -> Iterator[list[_Staged]]:
    """Consecutive records of one table, at most ``n`` at a time."""
    batch: list[_Staged] = []
    for st in stream:
        if batch and (len(batch) >= n or batch[0].spec is not st.spec):
            yield batch
            batch = []
        batch.append(st)
    if batch:
        yield batch


# --- apply -----------------------------------------------------------------------------------


def _chunks(items: list[Any], n: int = BATCH) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _insert_stmt(conn: Connection, spec: TableSpec) -> Any:
    """INSERT … ON CONFLICT (id) DO NOTHING, in the dialect of the connection (SQLite or a
    PostgreSQL hub): a row that appeared concurrently is left alone, never overwritten."""
    t = spec.table
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        ins: Any = pg_insert(t)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        ins = sqlite_insert(t)
    params = {
        c.name: bindparam(c.name, type_=String() if c.kind == "utc" else t.c[c.name].type)
        for c in spec.columns
    }
    return ins.values(params).on_conflict_do_nothing(index_elements=[t.c.id])


def _update_stmt(spec: TableSpec) -> Any:
    """UPDATE only while the stored row is older and has the same origin (guards races).

    A plain UPDATE rather than an UPSERT: an UPSERT's conflict policy overrides the policy of
    statements inside triggers (the full-text index triggers rely on INSERT OR IGNORE).
    """
    t = spec.table
    values = {
        c.name: bindparam(c.name, type_=String() if c.kind == "utc" else t.c[c.name].type)
        for c in spec.columns
        if c.name != "id"
    }
    return (
        update(t)
        .where(
            t.c.id == bindparam("b_id"),
            t.c.rev < bindparam("b_rev"),
            t.c.origin == bindparam("b_origin"),
        )
        .values(values)
    )


@dataclass
class _TableTally:
    received: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    deleted: int = 0

    def as_dict(self, label: str) -> dict[str, Any]:
        return {"label": label, **self.__dict__}


Key = tuple[str, str]  # (table, id)

# A record and its dependants travel as one unit (DESIGN §5, issue 17): the column of a
# dependant that names the record it belongs to. ``case_event`` names its case by
# (case_type, case_id); a person exists only as a party to cases (:data:`PARTY_ONLY`).
OWNER_COLUMNS = {
    "visit_person": ("visit_id", "visit"),
    "dispute_party": ("dispute_id", "dispute"),
    "mediation_session": ("dispute_id", "dispute"),
    "register_field": ("type_id", "register_type"),
    "register_attachment": ("record_id", "register_record"),
    "supervision_feedback": ("supervision_id", "supervision"),
}
CASE_TABLES = ("visit", "dispute")
PARTY_ONLY = frozenset({"person"})


def unit_of(table: str, values: dict[str, Any]) -> Key:
    """The record a row belongs to: itself for a record, its owner for a dependant."""
    owner = OWNER_COLUMNS.get(table)
    if owner is not None and values.get(owner[0]) is not None:
        return owner[1], str(values[owner[0]])
    if table == "case_event" and values.get("case_type") in CASE_TABLES:
        return str(values["case_type"]), str(values.get("case_id", ""))
    return table, str(values.get("id", ""))


@dataclass(slots=True)
class _Meta:
    """What the importer keeps of one record between reading and writing (no values: the
    payload is read twice rather than held in memory)."""

    spec: TableSpec
    id: str
    rev: int
    origin: str
    ref: str
    case_code: str
    unit: Key
    parents: tuple[tuple[str, str, str], ...]
    state: str  # cand | same | bad
    exists: bool
    deleted: bool


class _Applier:
    """Applies one bundle's records as a stream, in two passes over the payload: the first
    classifies every row on its own in batches (:meth:`classify`) and keeps a few facts per
    row; then whole records are refused when any of their rows is refused, with everything
    that depends on them (:meth:`close`); the second pass writes what is left
    (:meth:`apply_table`)."""

    def __init__(self, conn: Connection, peer: SyncPeer, me: str) -> None:
        self.conn = conn
        self.peer = peer
        self.me = me
        self.tallies: dict[str, _TableTally] = {}
        self.rejected: list[dict[str, Any]] = []
        self.rejected_total = 0
        self.refused_records: list[dict[str, Any]] = []
        self.meta: dict[Key, _Meta] = {}
        self.own_refusal: dict[Key, str] = {}
        self.refused_units: dict[Key, tuple[Key, str]] = {}  # unit → (row at fault, reason)
        self.unit_labels: dict[Key, str] = {}
        self.unit_cause: dict[Key, str] = {}
        self._unique_seen: dict[tuple[str, tuple[str, ...]], dict[tuple[Any, ...], str]] = {}

    # -- pass 1: every row on its own ---------------------------------------------------------

    def classify(self, rows: list[_Staged]) -> None:
        """One batch of consecutive rows of one table."""
        if not rows:
            return
        spec = rows[0].spec
        t = spec.table
        existing: dict[str, tuple[str, int, Any]] = {}
        for row in self.conn.execute(select(t).where(t.c.id.in_([st.id for st in rows]))):
            existing[str(row.id)] = (str(row.origin), int(row.rev), row)
        candidates: list[_Staged] = []
        state: dict[str, str] = {}
        for st in rows:
            key = (spec.name, st.id)
            if st.values is None:
                self.own_refusal[key] = st.reason
                state[st.id] = "bad"
                continue
            refusal = row_refusal(spec, st.values, self.peer, self.me)
            ex = existing.get(st.id)
            if not refusal and ex is not None and ex[0] != st.values["origin"]:
                refusal = f"本站已有同一记录，属于工作站 {ex[0]}，{self.peer.name} 无权修改"
            if refusal:
                # a sender never exports such a row: the file was forged or its program is faulty
                raise _reject(
                    "not_owner",
                    f"同步包试图改动不属于发送站的记录（{spec.label} {spec.describe(st.raw)}："
                    f"{refusal}），整个同步包已拒绝，台账未改变",
                )
            if ex is not None:
                _, ex_rev, ex_row = ex
                if ex_rev > st.rev:
                    state[st.id] = "same"
                    continue
                if ex_rev == st.rev:
                    if encode_row(spec, ex_row) == _full_raw(spec, st):
                        state[st.id] = "same"
                    else:
                        self.own_refusal[key] = (
                            "变更号相同但内容不同（完整性警报：对方数据库可能被复制或篡改）"
                        )
                        state[st.id] = "bad"
                    continue
            candidates.append(st)
        kept = self._check_uniques(spec, self._check_rev_collisions(spec, candidates))
        for st in kept:
            state[st.id] = "cand"
        for st in rows:
            values = st.values or st.raw
            code = values.get("case_code")
            self.meta[(spec.name, st.id)] = _Meta(
                spec=spec,
                id=st.id,
                rev=st.rev,
                origin=str(st.raw.get("origin", "")),
                ref=spec.describe(st.raw),
                case_code=code if isinstance(code, str) else "",
                unit=unit_of(spec.name, values),
                parents=tuple(self._parent_refs(spec, st)) if st.values is not None else (),
                state=state.get(st.id, "bad"),
                exists=st.id in existing,
                deleted=st.values is not None and st.values.get("deleted_at") is not None,
            )

    def _parent_refs(self, spec: TableSpec, st: _Staged) -> Iterator[tuple[str, str, str]]:
        """(parent table, parent column, value) for every parent a row names."""
        assert st.values is not None
        for column, ref_table, ref_col in spec.foreign_keys:
            v = st.values.get(column)
            if v is not None:
                yield ref_table, ref_col, str(v)
        if spec.name == "case_event":
            ct = st.values.get("case_type")
            if ct in CASE_TABLES:
                yield str(ct), "id", str(st.values["case_id"])
            else:
                yield "", "", str(ct)

    # -- between the passes: whole records ----------------------------------------------------

    def close(self) -> None:
        from app.models import Base

        meta = self.meta
        refused = self.refused_units
        for key, reason in self.own_refusal.items():
            refused.setdefault(meta[key].unit, (key, reason))
        depends: dict[Key, set[Key]] = {}
        referrers: dict[Key, set[Key]] = {}  # party-only unit → units naming it
        to_find: dict[tuple[str, str], set[str]] = {}
        pending: list[tuple[Key, str, str, str]] = []
        for key, mt in meta.items():
            u = mt.unit
            for ref_table, ref_col, v in mt.parents:
                if not ref_table:
                    self.own_refusal.setdefault(key, f"案件类别“{v[:20]}”无效")
                    refused.setdefault(u, (key, self.own_refusal[key]))
                    continue
                pkey = (ref_table, v)
                if ref_col == "id" and pkey in meta:
                    pu = meta[pkey].unit
                    if pu != u:
                        depends.setdefault(u, set()).add(pu)
                        if ref_table in PARTY_ONLY:
                            referrers.setdefault(pu, set()).add(u)
                    continue
                to_find.setdefault((ref_table, ref_col), set()).add(v)
                pending.append((key, ref_table, ref_col, v))
        found: dict[tuple[str, str], set[str]] = {}
        for (ref_table, ref_col), values in to_find.items():
            rt = Base.metadata.tables[ref_table]
            got = found.setdefault((ref_table, ref_col), set())
            for part in _chunks(sorted(values)):
                got.update(
                    str(r[0])
                    for r in self.conn.execute(select(rt.c[ref_col]).where(rt.c[ref_col].in_(part)))
                )
        for key, ref_table, ref_col, v in pending:
            if v not in found[(ref_table, ref_col)]:
                reason = f"所关联的{table_label(ref_table)}记录缺失或已被拒收"
                self.own_refusal.setdefault(key, reason)
                refused.setdefault(meta[key].unit, (key, reason))
        changed = True
        while changed:
            changed = False
            for u, deps in depends.items():
                if u in refused:
                    continue
                bad = next((d for d in sorted(deps) if d in refused), None)
                if bad is not None:
                    refused[u] = refused[bad]
                    changed = True
            for p, users in referrers.items():
                if p not in refused and all(x in refused for x in users):
                    refused[p] = refused[min(users)]
                    changed = True
        # a refused person is reported with the (first) case naming them, not on their own
        attached = {
            p: min(users)
            for p, users in referrers.items()
            if p in refused and all(x in refused for x in users)
        }
        members: dict[Key, int] = {}
        for mt in meta.values():
            if mt.unit in refused:
                owner = attached.get(mt.unit, mt.unit)
                members[owner] = members.get(owner, 0) + 1
        for u, (cause_key, reason) in sorted(refused.items()):
            if u not in members:
                continue
            cause = meta[cause_key]
            self.unit_cause[u] = f"{cause.spec.label} {cause.ref}：{reason}"
            self.refused_records.append(
                {
                    "record": self._unit_label(u),
                    "table": u[0],
                    "label": table_label(u[0]),
                    "origin": cause.origin,
                    "rows": members[u],
                    "reason": self.unit_cause[u],
                }
            )
        for p, u in attached.items():
            self.unit_labels[p] = self.unit_labels.get(u, "")
            self.unit_cause.setdefault(p, self.unit_cause.get(u, ""))
        self._tally()

    def _unit_label(self, u: Key) -> str:
        """How a clerk finds the record: its case code (or number), never a person's name."""
        if u in self.unit_labels:
            return self.unit_labels[u]
        specs = table_specs()
        label = ""
        root = self.meta.get(u)
        if root is not None:
            label = root.ref
        if not label or label == u[1]:
            label = next(
                (mt.case_code for mt in self.meta.values() if mt.unit == u and mt.case_code),
                label,
            )
        if (not label or label == u[1]) and u[0] in specs:
            t = specs[u[0]].table
            row = self.conn.execute(select(t).where(t.c.id == u[1])).first()
            if row is not None:
                label = specs[u[0]].describe(dict(row._mapping))
        self.unit_labels[u] = f"{table_label(u[0])} {label or u[1]}"
        return self.unit_labels[u]

    def _tally(self) -> None:
        for name in table_specs():
            self.tallies.setdefault(name, _TableTally())
        for key, mt in self.meta.items():
            tally = self.tallies[mt.spec.name]
            tally.received += 1
            u = mt.unit
            if u in self.refused_units:
                record = self.unit_labels.get(u, "")
                own = self.own_refusal.get(key)
                reason = own if own is not None else f"与{record}一并拒收（{self.unit_cause[u]}）"
                tally.rejected += 1
                self.rejected_total += 1
                if len(self.rejected) < MAX_REJECTED_LISTED:
                    self.rejected.append(
                        {
                            "table": mt.spec.name,
                            "label": mt.spec.label,
                            "id": mt.id,
                            "ref": mt.ref,
                            "record": record,
                            "origin": mt.origin,
                            "reason": reason,
                        }
                    )
            elif mt.state == "same":
                tally.unchanged += 1
            elif mt.state == "cand":
                if mt.exists:
                    tally.updated += 1
                else:
                    tally.new += 1
                if mt.deleted:
                    tally.deleted += 1

    # -- pass 2: write ------------------------------------------------------------------------

    def accepted(self, st: _Staged) -> bool:
        mt = self.meta.get((st.spec.name, st.id))
        if mt is None or mt.rev != st.rev:
            # the second reading differs from the first: the file changed under us
            raise _reject("tampered", _TAMPERED_PAYLOAD)
        return mt.state == "cand" and mt.unit not in self.refused_units

    def apply_table(self, spec: TableSpec, rows: list[_Staged]) -> None:
        """Write one batch of accepted rows of one table."""
        fresh: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        for st in rows:
            if not self.accepted(st):
                continue
            assert st.values is not None
            if self.meta[(spec.name, st.id)].exists:
                changed.append(
                    {**st.values, "b_id": st.id, "b_rev": st.rev, "b_origin": st.values["origin"]}
                )
            else:
                fresh.append(st.values)
        if fresh:
            self.conn.execute(_insert_stmt(self.conn, spec), fresh)
        if changed:
            self.conn.execute(_update_stmt(spec), changed)

    def _check_rev_collisions(self, spec: TableSpec, cands: list[_Staged]) -> list[_Staged]:
        """A known (origin, rev) on a *different* record: two ledgers share one history."""
        if not cands:
            return cands
        t = spec.table
        clash: set[str] = set()
        by_origin: dict[str, list[_Staged]] = {}
        for st in cands:
            by_origin.setdefault(str(st.raw["origin"]), []).append(st)
        for origin, group in by_origin.items():
            want = {st.rev: st.id for st in group}
            for part in _chunks(list(want)):
                for rid, rev in self.conn.execute(
                    select(t.c.id, t.c.rev).where(t.c.origin == origin, t.c.rev.in_(part))
                ):
                    if want.get(int(rev)) not in (None, str(rid)):
                        clash.add(want[int(rev)])
        keep: list[_Staged] = []
        for st in cands:
            if st.id in clash:
                self.own_refusal[(spec.name, st.id)] = (
                    "变更号与本站已有的另一条记录相同（完整性警报：对方数据库可能是拷贝或重新安装的）"
                )
            else:
                keep.append(st)
        return keep

    def _check_uniques(self, spec: TableSpec, cands: list[_Staged]) -> list[_Staged]:
        if not cands or not spec.uniques:
            return cands
        t = spec.table
        bad: dict[str, str] = {}
        for cols in spec.uniques:
            label = UNIQUE_LABELS.get(cols, "、".join(cols))
            keyed: dict[tuple[Any, ...], str] = {}
            earlier = self._unique_seen.setdefault((spec.name, cols), {})  # earlier batches
            for st in cands:
                assert st.values is not None
                key = tuple(st.values.get(c) for c in cols)
                if any(v is None for v in key) or st.id in bad:
                    continue
                if key in keyed or earlier.get(key, st.id) != st.id:
                    bad[st.id] = f"{label}“{_show(key)}”在同步包中重复"
                    continue
                keyed[key] = st.id
                earlier[key] = st.id
            if not keyed:
                continue
            keys = list(keyed)
            for part in _chunks(keys):
                if len(cols) == 1:
                    q = select(t.c.id, t.c[cols[0]]).where(t.c[cols[0]].in_([k[0] for k in part]))
                else:
                    q = select(t.c.id, *[t.c[c] for c in cols]).where(
                        tuple_(*[t.c[c] for c in cols]).in_(part)
                    )
                for row in self.conn.execute(q):
                    key = tuple(row[1:])
                    mine = keyed.get(key)
                    if mine is not None and str(row[0]) != mine:
                        bad[mine] = (
                            f"{label}“{_show(key)}”与本站已有的另一条记录重复，已拒收"
                            "（可能是对方重新安装后编号重复，请联系技术支持核对）"
                        )
        keep: list[_Staged] = []
        for st in cands:
            if st.id in bad:
                self.own_refusal[(spec.name, st.id)] = bad[st.id]
            else:
                keep.append(st)
        return keep


def _show(key: tuple[Any, ...]) -> str:
    return "/".join(str(k) for k in key)


def _full_raw(spec: TableSpec, st: _Staged) -> dict[str, Any]:
    """The incoming record with columns an older sender lacked filled as they were stored."""
    if len(st.raw) == len(spec.columns):
        return st.raw
    assert st.values is not None
    out = dict(st.raw)
    for name, enc in spec.encoders:
        if name not in out:
            v = st.values[name]
            out[name] = v if enc is None or v is None else enc(v)
    return out


def _upsert_hwm(conn: Connection, origin: str, rev: int, peer_code: str, now: str) -> None:
    updated = conn.execute(
        text(
            "UPDATE sync_hwm SET rev = :r, peer_code = :p, updated_at = :t "
            "WHERE origin = :o AND rev < :r"
        ),
        {"o": origin, "r": rev, "p": peer_code, "t": now},
    ).rowcount
    if not updated:
        exists = conn.execute(
            text("SELECT 1 FROM sync_hwm WHERE origin = :o"), {"o": origin}
        ).first()
        if exists is None:
            conn.execute(
                text(
                    "INSERT INTO sync_hwm (origin, rev, peer_code, updated_at) VALUES (:o, :r, :p, :t)"
                ),
                {"o": origin, "r": rev, "p": peer_code, "t": now},
            )


def _apply_acks(session: Session, m: mf.Manifest, peer: SyncPeer, me: str) -> list[str]:
    """The sender's ``have``: how far it holds what this station sends it."""
    notices: list[str] = []
    conn = session.connection()
    for origin, rev in sorted(m.have.items()):
        if origin == me:
            counter = int(
                conn.execute(text("SELECT rev_counter FROM local_state WHERE id = 1")).one()[0]
            )
            if rev > counter:
                n = recover_from_rollback(session, min_epoch=(rev >> EPOCH_SHIFT) + 1)
                notices.append(rollback_notice(n))
            conn.execute(
                text("UPDATE sync_peer SET acked_rev = :r WHERE station_code = :c"),
                {"r": rev, "c": peer.station_code},
            )
            continue
        relayed = is_ancestor(me, origin) if peer.relation == "parent" else is_ancestor(origin, me)
        if not relayed:
            continue
        done = conn.execute(
            text("UPDATE sync_relay_ack SET acked_rev = :r WHERE peer_code = :p AND origin = :o"),
            {"r": rev, "p": peer.station_code, "o": origin},
        ).rowcount
        if not done:
            conn.execute(
                text(
                    "INSERT INTO sync_relay_ack (peer_code, origin, acked_rev) VALUES (:p, :o, :r)"
                ),
                {"p": peer.station_code, "o": origin, "r": rev},
            )
    return notices


def _station_name(session: Session, code: str) -> str:
    st = session.get(Station, code)
    return st.name if st else code


def _apply(
    ctx: Ctx,
    path: Path,
    m: mf.Manifest,
    read: Callable[[list[dict[str, Any]]], Iterator[_Staged]],
    *,
    dry_run: bool,
    progress: Progress | None,
) -> tuple[dict[str, Any], str]:
    """Apply in one transaction; ``read`` streams the payload afresh (it is read twice)."""
    me = ctx.station.code
    specs = table_specs()
    with ctx.write() as s:
        conn = s.connection()
        # take the write lock first, so the checks below see what the writes will see
        conn.execute(
            text("UPDATE sync_peer SET in_seq = in_seq WHERE station_code = :c"),
            {"c": m.sender.code},
        )
        s.expire_all()  # re-read watermarks and the peer under the write lock
        peer = s.get(SyncPeer, m.sender.code)
        if peer is None or not peer.active:
            raise _reject("unpaired", f"{m.sender.name} 已被解除配对，不能导入")
        _check_sequence(s, m, peer)
        hwm_before = {
            r.origin: int(h.rev) if (h := s.get(SyncHwm, r.origin)) else 0 for r in m.ranges
        }
        if conn.dialect.name == "sqlite":
            # rows are written in the order of the file; parents are checked at commit
            conn.execute(text("PRAGMA defer_foreign_keys = ON"))
        applier = _Applier(conn, peer, me)
        peer_summary: list[dict[str, Any]] = []
        for batch in _batches(read(peer_summary)):
            applier.classify(batch)
        applier.close()
        total = len(applier.meta)
        done = 0
        for batch in _batches(read([])):
            _apply_table(applier, batch[0].spec, batch)
            done += len(batch)
            if progress:
                progress(done, total, f"正在导入{batch[0].spec.label}")
        now = format_utc(ctx.now())
        if not m.partial:  # a partial bundle (urgent items sent ahead) proves no range complete
            for r in m.ranges:
                _upsert_hwm(conn, r.origin, r.upto, peer.station_code, now)
        notices = _apply_acks(s, m, peer, me)
        conn.execute(
            text("UPDATE sync_peer SET in_seq = :q, last_import_at = :t WHERE station_code = :c"),
            {"q": m.seq, "t": now, "c": peer.station_code},
        )
        tallies = {
            name: applier.tallies[name].as_dict(specs[name].label)
            for name in display_order(specs)
            if name in applier.tallies and applier.tallies[name].received
        }
        totals = {
            k: sum(int(t[k]) for t in tallies.values())
            for k in ("received", "new", "updated", "unchanged", "rejected", "deleted")
        }
        summary: dict[str, Any] = {
            "bundle_id": m.bundle_id,
            "kind": m.kind,
            "seq": m.seq,
            "sender": {"code": m.sender.code, "name": m.sender.name, "key_fp": m.sender.key_fp},
            "recipient": {"code": m.recipient.code, "name": m.recipient.name},
            "created_at": m.created_at,
            "imported_at": now,
            "operator": ctx.operator.display_name,
            "signature": "ok",
            "partial": m.partial,
            "file": path.name,
            "origins": [
                {
                    "origin": r.origin,
                    "name": _station_name(s, r.origin),
                    "basis": r.basis,
                    "upto": r.upto,
                    "received": r.count,
                    "hwm_before": hwm_before[r.origin],
                    "hwm_after": hwm_before[r.origin]
                    if m.partial
                    else max(hwm_before[r.origin], r.upto),
                }
                for r in m.ranges
            ],
            "tables": tallies,
            "totals": totals,
            "rejected": applier.rejected,
            "rejected_total": applier.rejected_total,
            "refused_records": applier.refused_records,
            "notices": notices,
        }
        if m.kind == "ack":
            summary["ack"] = m.ack
            summary["peer_summary"] = peer_summary[0] if peer_summary else {}
        own = m.range_of(m.sender.code)
        log = BundleLog(
            bundle_id=m.bundle_id,
            direction="import",
            kind=m.kind,
            peer_code=peer.station_code,
            status="imported",
            rev_from=own.basis if own else 0,
            rev_to=own.upto if own else 0,
            record_count=m.record_count,
            seq=m.seq,
            payload_sha256=m.payload.sha256,
            summary=json.dumps(summary, ensure_ascii=False),
            file_name=path.name[:300],
            created_at=ctx.now(),
            operator_name=ctx.operator.display_name,
            message="；".join(notices),
        )
        s.add(log)
        audit.record(
            s,
            "sync_import" if m.kind == "bundle" else "sync_ack_in",
            {"bundle_id": m.bundle_id, "from": peer.station_code, **totals},
            table="bundle_log",
            record_id=m.bundle_id,
        )
        s.flush()
        log_id = log.id
        if dry_run:
            raise _DryRun(summary)
    return summary, log_id


def _apply_table(applier: _Applier, spec: TableSpec, rows: list[_Staged]) -> None:
    """One table's records (a seam for the crash-safety tests)."""
    applier.apply_table(spec, rows)


def _log_rejection(ctx: Ctx, path: Path, m: mf.Manifest | None, exc: BundleRejected) -> str:
    try:
        with ctx.write() as s:
            log = BundleLog(
                bundle_id=m.bundle_id if m else "",
                direction="import",
                kind=m.kind if m else "",
                peer_code=m.sender.code if m else "",
                status="rejected",
                seq=m.seq if m else 0,
                # what the sender had made when it wrote the file, even if it was refused here
                rev_from=own.basis if (own := m.range_of(m.sender.code) if m else None) else 0,
                rev_to=own.upto if own else 0,
                payload_sha256=m.payload.sha256 if m else "",
                summary=json.dumps(
                    {
                        "reason": exc.reason,
                        "file": path.name,
                        "sender": {"code": m.sender.code, "name": m.sender.name} if m else {},
                    },
                    ensure_ascii=False,
                ),
                file_name=path.name[:300],
                created_at=ctx.now(),
                operator_name=ctx.operator.display_name,
                message=str(exc),
            )
            s.add(log)
            s.flush()
            return log.id
    except SQLAlchemyError:
        return ""  # the refusal itself stands; only its log entry could not be written


def _previous_import(session: Session, bundle_id: str) -> BundleLog | None:
    return session.scalars(
        select(BundleLog).where(
            BundleLog.bundle_id == bundle_id,
            BundleLog.direction == "import",
            BundleLog.status == "imported",
        )
    ).first()


def _key_pair(ctx: Ctx, m: mf.Manifest) -> Any:
    pair = decryption_keys(ctx.db).get(m.recipient.key_fp)
    if pair is None:
        raise _recipient_key_changed(m)
    return pair


def _decrypt(ctx: Ctx, opened: OpenedBundle, m: mf.Manifest, progress: Progress | None) -> _Payload:
    pair = _key_pair(ctx, m)
    opener = Opener(
        pair.enc, SealParams(m.payload.ephemeral_public, m.payload.nonce_prefix), m.aad()
    )
    return _read_payload(opened, m, opener, progress)


def inspect_bundle(ctx: Ctx, path: Path, out: Path) -> dict[str, Any]:
    """核查: verify a bundle addressed to this station and write its decrypted records into a
    separate SQLite file (one table per record type, plus ``manifest``) without importing it —
    for an administrator checking a refused or doubtful bundle. The file holds personal data:
    keep it on this PC and delete it after use.
    """
    import sqlite_utils

    ctx.require("settings.manage")
    if out.exists():
        raise ValidationError.single("out", "核查文件", f"{out} 已存在", "请换一个文件名，避免覆盖")
    opened = open_bundle(path)
    try:
        m = mf.parse(opened.manifest_bytes)
        _verify(ctx, opened, m)
        payload = _decrypt(ctx, opened, m, None)
    finally:
        opened.close()
        ctx.session.rollback()
    db = sqlite_utils.Database(out)
    try:
        db.table("manifest").insert_all(
            [{"key": k, "value": json.dumps(v, ensure_ascii=False)} for k, v in m.raw.items()],
            pk="key",
        )
        counts: dict[str, int] = {}
        for name, rows in payload.records.items():
            if not rows:
                continue
            spec = rows[0].spec
            db.table(name).insert_all(
                ({**st.raw, "_problem": st.reason} for st in rows),
                pk="id",
                alter=True,
                column_order=[c.name for c in spec.columns],
            )
            counts[name] = len(rows)
        if payload.peer_summary:
            db.table("peer_summary").insert(
                {"json": json.dumps(payload.peer_summary, ensure_ascii=False)}
            )
    finally:
        db.close()
    return {"file": str(out), "bundle_id": m.bundle_id, "sender": m.sender.code, "counts": counts}


def import_bundle(
    ctx: Ctx,
    path: Path,
    *,
    dry_run: bool = False,
    expect_kind: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """导入同步包 (or a 回执). Never raises for a bad file: the result says what happened."""
    ctx.require("sync.run")
    result = ImportResult(path=path, status="rejected", message="")
    m: mf.Manifest | None = None
    opened: OpenedBundle | None = None
    try:
        opened = open_bundle(path)
        m = mf.parse(opened.manifest_bytes)
        result.kind, result.bundle_id, result.seq = m.kind, m.bundle_id, m.seq
        result.sender_code, result.sender_name = m.sender.code, m.sender.name
        if m.kind == "recovery":
            raise _reject(
                "kind",
                "这是恢复包，只能在新安装的本站上用“从乡镇恢复本站台账”（zongzhi recover）导入",
            )
        if expect_kind == "ack" and m.kind != "ack":
            raise _reject("kind", "这是同步包，不是回执：请用“导入同步包”（zongzhi bundle import）")
        peer = _verify(ctx, opened, m)
        result.verified = True
        prev = _previous_import(ctx.session, m.bundle_id)
        if prev is not None:
            if prev.payload_sha256 != m.payload.sha256:
                raise _reject(
                    "integrity",
                    "本站导入过同一编号但内容不同的同步包（完整性警报），已拒绝，请联系技术支持",
                )
            result.status = "duplicate"
            result.summary = json.loads(prev.summary or "{}")
            result.log_id = prev.id
            result.message = (
                f"该{'回执' if m.kind == 'ack' else '同步包'}已于 "
                f"{prev.created_at.astimezone(CHINA_TZ):%Y-%m-%d %H:%M} 导入过，本次未做任何改动"
            )
            return result
        _check_sequence(ctx.session, m, peer)
        pair = _key_pair(ctx, m)
        ctx.session.commit()  # end the read transaction before writing
        bundle = opened

        def read(summary_out: list[dict[str, Any]]) -> Iterator[_Staged]:
            opener = Opener(
                pair.enc, SealParams(m.payload.ephemeral_public, m.payload.nonce_prefix), m.aad()
            )
            return _stream_records(_plain_lines(bundle, m, opener, progress), m, summary_out)

        try:
            summary, log_id = _apply(ctx, path, m, read, dry_run=dry_run, progress=progress)
        except _DryRun as dry:
            result.status = "dry_run"
            result.summary = dry.summary
            t = dry.summary["totals"]
            result.message = (
                f"预检完成（未写入台账）：将新增 {t['new']} 条，更新 {t['updated']} 条，"
                f"未变 {t['unchanged']} 条，拒收 {t['rejected']} 条"
            )
            return result
        except SQLAlchemyError as exc:
            raise _reject(
                "apply_failed",
                f"导入时数据库出错（{type(exc.orig if hasattr(exc, 'orig') else exc).__name__}），"
                "已全部撤销，台账未改变；请稍后重试，仍失败请联系技术支持",
            ) from exc
        result.status = "imported"
        result.summary = summary
        result.log_id = log_id
        t = summary["totals"]
        result.message = (
            f"已导入 {m.sender.name} 的{'回执' if m.kind == 'ack' else '同步包'}："
            f"新增 {t['new']} 条，更新 {t['updated']} 条，未变 {t['unchanged']} 条，拒收 {t['rejected']} 条"
        )
        return result
    except BundleRejected as exc:
        result.status = "rejected"
        result.reason = exc.reason
        result.message = str(exc)
        ctx.session.rollback()
        if not dry_run:
            result.log_id = _log_rejection(ctx, path, m, exc)
        return result
    finally:
        if opened is not None:
            opened.close()


@one_import_at_a_time
def import_files(
    ctx: Ctx,
    paths: list[Path],
    *,
    dry_run: bool = False,
    expect_kind: str | None = None,
    progress: Progress | None = None,
) -> list[ImportResult]:
    """Several files: oldest first per sender (by the signed sequence number), each on its own."""
    keyed: list[tuple[tuple[str, int, int], Path]] = []
    for i, p in enumerate(paths):
        key: tuple[str, int, int] = ("", 0, i)
        try:
            opened = open_bundle(p)
            try:
                m = mf.parse(opened.manifest_bytes)
                key = (m.sender.code, m.seq, i)
            finally:
                opened.close()
        except BundleRejected:
            pass
        keyed.append((key, p))
    keyed.sort(key=lambda kp: kp[0])
    if keyed and not dry_run and expect_kind != "ack" and ctx.db.is_sqlite:
        # (a PostgreSQL hub is backed up with the server's own tools)
        from app.services.backup import backup_now

        backup_now(ctx.db, reason="pre-import")  # files from a stick: keep the way back
    results: list[ImportResult] = []
    for n, (_, p) in enumerate(keyed):

        def step(done: int, total: int, label: str, n: int = n, name: str = p.name) -> None:
            if progress:
                progress(
                    n * 1000 + (done * 1000 // max(total, 1)),
                    len(keyed) * 1000,
                    f"{name}：{label}",
                )

        results.append(
            import_bundle(ctx, p, dry_run=dry_run, expect_kind=expect_kind, progress=step)
        )
    return results
