"""The bundle manifest (cleartext, canonical JSON, signed) and its strict parser.

Format ``zongzhi-bundle/1``::

    {
      "format": "zongzhi-bundle/1",
      "kind": "bundle" | "ack",
      "bundle_id": "<UUIDv7>",
      "seq": <sender's change counter when it wrote this file; orders files per sender>,
      "schema": "<Alembic head of the sender>",
      "app_version": "0.1.0",
      "created_at": "2026-03-16T01:30:00.000000Z",           (informational only)
      "sender":    {"code", "name", "level", "epoch", "key_fp"},
      "recipient": {"code", "name", "key_fp"},
      "ranges": [{"origin", "basis", "upto", "count"}],     (per origin: every record of the
                                                             origin with basis < rev <= upto
                                                             that the recipient may receive)
      "counts": {"<table>": n, ...},
      "record_count": n,
      "have": [{"origin", "rev"}],                          (what the sender holds of records
                                                             the recipient sends it: an ack)
      "ack": null | {"bundle_id", "seq", "status", "totals": {...}},
      "partial": true,                                      (only on a partial bundle: it carries
                                                             some records of its ranges — urgent
                                                             items sent ahead over the network —
                                                             so the receiver applies them but
                                                             moves no watermark)
      "payload": {"sha256", "size", "chunks", "plain_size", "compression": "zlib",
                  "encryption": "X25519-HKDF-SHA256/AES-256-GCM-STREAM",
                  "ephemeral_public", "nonce_prefix"}
    }

The signature (``signature.sig``) is Ed25519 over ``"zongzhi-bundle-v1" 0x00 manifest-bytes``;
the manifest carries the SHA-256 of the ciphertext, so it covers the payload too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .canonical import canonical_json
from .errors import BundleRejected

FORMAT = "zongzhi-bundle/1"
FORMAT_MAJOR = 1
SIGN_DOMAIN = b"zongzhi-bundle-v1"
KINDS = ("bundle", "ack", "recovery")  # recovery: a station's own records, sent back down
MAX_PLAIN = 4 << 30

_CODE = re.compile(r"\d{12}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_FP = re.compile(r"\d{4}(-\d{4}){4}")
_TABLE = re.compile(r"[a-z][a-z0-9_]{0,62}")


@dataclass(frozen=True)
class Range:
    origin: str
    basis: int
    upto: int
    count: int


@dataclass(frozen=True)
class Party:
    code: str
    name: str
    key_fp: str
    level: str = ""
    epoch: int = 0


@dataclass(frozen=True)
class PayloadInfo:
    sha256: str
    size: int
    chunks: int
    plain_size: int
    ephemeral_public: str
    nonce_prefix: str


@dataclass(frozen=True)
class Manifest:
    kind: str
    bundle_id: str
    seq: int
    schema: str
    app_version: str
    created_at: str
    sender: Party
    recipient: Party
    ranges: tuple[Range, ...]
    counts: dict[str, int]
    record_count: int
    have: dict[str, int]
    ack: dict[str, Any] | None
    payload: PayloadInfo
    raw: dict[str, Any] = field(repr=False, compare=False)
    partial: bool = False

    def aad(self) -> bytes:
        """Associated data bound into every encrypted chunk."""
        return aad(self.bundle_id, self.kind, self.sender.code, self.recipient.code, self.seq)

    def range_of(self, origin: str) -> Range | None:
        for r in self.ranges:
            if r.origin == origin:
                return r
        return None


def aad(bundle_id: str, kind: str, sender: str, recipient: str, seq: int) -> bytes:
    """Associated data bound into every encrypted chunk (and the payload's header line)."""
    return canonical_json(
        {"bundle_id": bundle_id, "kind": kind, "recipient": recipient, "sender": sender, "seq": seq}
    )


def build(
    *,
    kind: str,
    bundle_id: str,
    seq: int,
    schema: str,
    app_version: str,
    created_at: str,
    sender: Party,
    recipient: Party,
    ranges: list[Range],
    counts: dict[str, int],
    have: dict[str, int],
    ack: dict[str, Any] | None,
    payload: PayloadInfo | None,
    partial: bool = False,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": FORMAT,
        "kind": kind,
        "bundle_id": bundle_id,
        "seq": seq,
        "schema": schema,
        "app_version": app_version,
        "created_at": created_at,
        "sender": {
            "code": sender.code,
            "name": sender.name,
            "level": sender.level,
            "epoch": sender.epoch,
            "key_fp": sender.key_fp,
        },
        "recipient": {"code": recipient.code, "name": recipient.name, "key_fp": recipient.key_fp},
        "ranges": [
            {"origin": r.origin, "basis": r.basis, "upto": r.upto, "count": r.count} for r in ranges
        ],
        "counts": dict(sorted(counts.items())),
        "record_count": sum(counts.values()),
        "have": [{"origin": o, "rev": v} for o, v in sorted(have.items())],
        "ack": ack,
    }
    if partial:
        doc["partial"] = True
    if payload is not None:
        doc["payload"] = {
            "sha256": payload.sha256,
            "size": payload.size,
            "chunks": payload.chunks,
            "plain_size": payload.plain_size,
            "compression": "zlib",
            "encryption": "X25519-HKDF-SHA256/AES-256-GCM-STREAM",
            "ephemeral_public": payload.ephemeral_public,
            "nonce_prefix": payload.nonce_prefix,
        }
    return doc


_TAMPERED = "同步包清单格式不正确或已被篡改，已拒绝"


def _bad(detail: str = "") -> BundleRejected:
    return BundleRejected("manifest", _TAMPERED + (f"（{detail}）" if detail else ""))


def _int(d: dict[str, Any], key: str, lo: int = 0, hi: int = (1 << 63) - 1) -> int:
    v = d.get(key)
    if type(v) is not int or not lo <= v <= hi:
        raise _bad(key)
    return v


def _str(
    d: dict[str, Any], key: str, pattern: re.Pattern[str] | None = None, limit: int = 200
) -> str:
    v = d.get(key)
    if type(v) is not str or len(v) > limit or (pattern is not None and not pattern.fullmatch(v)):
        raise _bad(key)
    return v


def _obj(d: dict[str, Any], key: str) -> dict[str, Any]:
    v = d.get(key)
    if not isinstance(v, dict):
        raise _bad(key)
    return v


def check_format(doc: Any) -> None:
    """Refuse files of another kind, or from a newer program, before reading anything else."""
    if not isinstance(doc, dict) or not isinstance(doc.get("format"), str):
        raise BundleRejected("not_bundle", "这不是综治工作站的同步包文件")
    fmt = doc["format"]
    m = re.fullmatch(r"zongzhi-bundle/(\d+)", fmt)
    if not m:
        raise BundleRejected("not_bundle", "这不是综治工作站的同步包文件")
    if int(m.group(1)) > FORMAT_MAJOR:
        raise BundleRejected(
            "newer_format",
            f"同步包由更新版本的程序生成（格式 {fmt}），请先升级本站的综治工作站程序再导入",
        )
    if int(m.group(1)) < FORMAT_MAJOR:
        raise BundleRejected("old_format", f"同步包格式 {fmt} 已不再支持，请对方升级程序后重新导出")


def parse(manifest_bytes: bytes) -> Manifest:
    try:
        doc = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BundleRejected("not_bundle", "这不是综治工作站的同步包文件（清单无法读取）") from exc
    check_format(doc)
    if canonical_json(doc) != manifest_bytes:
        raise _bad("非规范格式")
    kind = _str(doc, "kind")
    if kind not in KINDS:
        raise _bad("kind")
    sender = _obj(doc, "sender")
    recipient = _obj(doc, "recipient")
    ranges: list[Range] = []
    raw_ranges = doc.get("ranges")
    if not isinstance(raw_ranges, list) or len(raw_ranges) > 100_000:
        raise _bad("ranges")
    seen: set[str] = set()
    for r in raw_ranges:
        if not isinstance(r, dict):
            raise _bad("ranges")
        rng = Range(
            _str(r, "origin", _CODE),
            _int(r, "basis"),
            _int(r, "upto"),
            _int(r, "count", 0, 1 << 40),
        )
        if rng.origin in seen or rng.basis > rng.upto:
            raise _bad("ranges")
        seen.add(rng.origin)
        ranges.append(rng)
    counts_raw = _obj(doc, "counts")
    counts: dict[str, int] = {}
    for table, n in counts_raw.items():
        if type(table) is not str or not _TABLE.fullmatch(table) or type(n) is not int or n < 0:
            raise _bad("counts")
        counts[table] = n
    record_count = _int(doc, "record_count")
    if record_count != sum(counts.values()) or record_count != sum(r.count for r in ranges):
        raise _bad("record_count")
    have: dict[str, int] = {}
    raw_have = doc.get("have")
    if not isinstance(raw_have, list) or len(raw_have) > 100_000:
        raise _bad("have")
    for h in raw_have:
        if not isinstance(h, dict):
            raise _bad("have")
        have[_str(h, "origin", _CODE)] = _int(h, "rev")
    ack = doc.get("ack")
    if ack is not None:
        if not isinstance(ack, dict):
            raise _bad("ack")
        _str(ack, "bundle_id", _UUID)
    if kind == "ack" and ack is None:
        raise _bad("ack")
    partial = doc.get("partial", False)
    if type(partial) is not bool or (partial and kind != "bundle"):
        raise _bad("partial")
    p = _obj(doc, "payload")
    if (
        p.get("compression") != "zlib"
        or p.get("encryption") != "X25519-HKDF-SHA256/AES-256-GCM-STREAM"
    ):
        raise _bad("payload")
    payload = PayloadInfo(
        sha256=_str(p, "sha256", _HEX64),
        size=_int(p, "size", 1),
        chunks=_int(p, "chunks", 1, 1 << 20),
        plain_size=_int(p, "plain_size", 0, MAX_PLAIN),
        ephemeral_public=_str(p, "ephemeral_public", limit=64),
        nonce_prefix=_str(p, "nonce_prefix", limit=24),
    )
    return Manifest(
        kind=kind,
        bundle_id=_str(doc, "bundle_id", _UUID),
        seq=_int(doc, "seq", 1),
        schema=_str(doc, "schema", limit=64),
        app_version=_str(doc, "app_version", limit=40),
        created_at=_str(doc, "created_at", limit=40),
        sender=Party(
            code=_str(sender, "code", _CODE),
            name=_str(sender, "name", limit=100),
            key_fp=_str(sender, "key_fp", _FP),
            level=_str(sender, "level", limit=10),
            epoch=_int(sender, "epoch"),
        ),
        recipient=Party(
            code=_str(recipient, "code", _CODE),
            name=_str(recipient, "name", limit=100),
            key_fp=_str(recipient, "key_fp", _FP),
        ),
        ranges=tuple(ranges),
        counts=counts,
        record_count=record_count,
        have=have,
        ack=ack,
        payload=payload,
        raw=doc,
        partial=partial,
    )
