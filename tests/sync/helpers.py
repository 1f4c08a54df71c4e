"""Test helpers: village activity through the real services, and bundle forgery/tampering."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from pathlib import Path
from typing import Any

from app.services.context import Ctx
from app.services.disputes import (
    DisputeAction,
    DisputeInput,
    PartyInput,
    SessionInput,
    advance_dispute,
    record_session,
    register_dispute,
    void_dispute,
)
from app.services.persons import PersonInput
from app.services.visits import VisitInput, register_visit
from app.sync import manifest as mf
from app.sync.canonical import canonical_json
from app.sync.container import BundleWriter
from app.sync.crypto import CHUNK_PLAIN, Sealer, frame, sign
from app.sync.keys import load_station_keys


def add_dispute(ctx: Ctx, n: int = 0, **over: Any) -> Any:
    data = DisputeInput(
        source="当事人申请",
        category="邻里纠纷",
        summary=f"排水沟堵塞第{n}次，雨季院坝积水。",
        registered_on="2026-03-16",
        amount="3000",
        parties=[
            PartyInput(PersonInput(name=f"张{n}", phone="13800138000"), "申请人"),
            PartyInput(PersonInput(name=f"李{n}", phone="13900139000"), "被申请人"),
        ],
    )
    for k, v in over.items():
        setattr(data, k, v)
    return register_dispute(ctx, data).record


def add_visit(ctx: Ctx, n: int = 0) -> Any:
    return register_visit(
        ctx,
        VisitInput(
            channel="来访",
            received_at="2026-03-16 09:00",
            category="村务管理",
            subject=f"反映村务公开{n}",
            request="要求公开村集体收支明细",
            petitioners=[PersonInput(name=f"王{n}", phone="13700137000", address="三组")],
        ),
    ).record


def mediate(ctx: Ctx, dispute_id: str) -> Any:
    advance_dispute(ctx, dispute_id, "assign", DisputeAction(mediator="李晓梅"))
    advance_dispute(ctx, dispute_id, "start", DisputeAction(note="开始调解"))
    return record_session(
        ctx,
        dispute_id,
        SessionInput(
            kind="mediation", held_at="2026-03-16 10:00", content="双方陈述，初步达成意向"
        ),
    )


def void(ctx: Ctx, dispute_id: str) -> Any:
    return void_dispute(ctx, dispute_id, "重复登记")


def forge(
    sender_ctx: Ctx,
    recipient: Any,  # SyncPeer row at the sender for the recipient
    out: Path,
    records: list[dict[str, Any]],
    *,
    ranges: list[mf.Range] | None = None,
    seq: int = 10**9,
    kind: str = "bundle",
    overrides: dict[str, Any] | None = None,
    header: dict[str, Any] | None = None,
) -> Path:
    """A bundle signed with the sender's real keys but with chosen content (what a faulty or
    malicious program could produce)."""
    keys = load_station_keys(sender_ctx.db)
    me = sender_ctx.station
    bundle_id = "01a2fa00-0000-7000-8000-000000000001"
    if ranges is None:
        by_origin: dict[str, int] = {}
        for r in records:
            by_origin[r["r"]["origin"]] = by_origin.get(r["r"]["origin"], 0) + 1
        ranges = [mf.Range(o, 0, seq, n) for o, n in by_origin.items()] or [
            mf.Range(me.code, 0, seq, 0)
        ]
    writer = BundleWriter(out)
    sealer = Sealer(
        recipient.enc_public, mf.aad(bundle_id, kind, me.code, recipient.station_code, seq)
    )
    lines = [
        {
            "header": header
            or {
                "bundle_id": bundle_id,
                "kind": kind,
                "sender": me.code,
                "recipient": recipient.station_code,
                "seq": seq,
            }
        }
    ]
    lines += records
    plain = b"".join(json.dumps(x, ensure_ascii=False).encode() + b"\n" for x in lines)
    comp = zlib.compress(plain)
    sha = hashlib.sha256()
    chunks = [comp[i : i + CHUNK_PLAIN] for i in range(0, len(comp), CHUNK_PLAIN)] or [b""]
    for i, c in enumerate(chunks):
        framed = frame(sealer.seal(c, final=i == len(chunks) - 1))
        sha.update(framed)
        writer.write_payload(framed)
    counts: dict[str, int] = {}
    for r in records:
        counts[r["t"]] = counts.get(r["t"], 0) + 1
    doc = mf.build(
        kind=kind,
        bundle_id=bundle_id,
        seq=seq,
        schema=__import__("app.db", fromlist=["head_revision"]).head_revision(),
        app_version="0.1.0",
        created_at="2026-03-16T01:30:00.000000Z",
        sender=mf.Party(me.code, me.name, keys.info.fingerprint, me.level, 1),
        recipient=mf.Party(recipient.station_code, recipient.name, recipient.fingerprint),
        ranges=ranges,
        counts=counts,
        have={},
        ack={"bundle_id": bundle_id, "seq": 1, "status": "imported", "totals": {}}
        if kind == "ack"
        else None,
        payload=mf.PayloadInfo(
            sha.hexdigest(),
            writer.payload_size,
            len(chunks),
            len(plain),
            sealer.params.ephemeral_public,
            sealer.params.nonce_prefix,
        ),
    )
    doc.update(overrides or {})
    manifest = canonical_json(doc)
    writer.finish(manifest, sign(keys.pair.sign, mf.SIGN_DOMAIN, manifest))
    return writer.commit()


def read_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def write_members(path: Path, members: list[tuple[str, bytes]], *, deflate: bool = False) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(
        buf, "w", compression=zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    ) as zf:
        for name, data in members:
            zf.writestr(name, data)
    path.write_bytes(buf.getvalue())
    return path
