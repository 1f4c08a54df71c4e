"""Pushing to a real township hub on 127.0.0.1 (uvicorn + Starlette), on SQLite and on
PostgreSQL: push, repeated push, refusals with proper status codes, logs without personal data."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import delete, func, select

from app.models import BundleLog, HubAck, Person, SyncHwm
from app.sync.client import HubRefused, net_status, sync_once
from app.sync.netproto import BUNDLE_TYPE, BUNDLES_PATH, RESULT_HEADER
from app.sync.status import sync_status

from ..conftest import TOWNSHIP, VILLAGE2
from ..sync.conftest import make_node, peer
from ..sync.helpers import add_dispute, add_visit, forge, mediate, read_members, write_members
from .conftest import Node, RunningHub, pair, start_hub


def post(url: str, data: bytes, **headers: str) -> httpx.Response:
    return httpx.post(
        url + BUNDLES_PATH,
        content=data,
        headers={"Content-Type": BUNDLE_TYPE, **headers},
        timeout=30,
        trust_env=False,
    )


def raw_post(port: int, length: int | None, body: bytes) -> tuple[int, str]:
    """A hand-made request (a lying Content-Length, or chunked) on a plain socket."""
    head = f"POST {BUNDLES_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {BUNDLE_TYPE}\r\n"
    if length is None:
        payload = (
            b"".join(
                f"{len(body[i : i + 1024]):x}\r\n".encode() + body[i : i + 1024] + b"\r\n"
                for i in range(0, len(body), 1024)
            )
            + b"0\r\n\r\n"
        )
        head += "Transfer-Encoding: chunked\r\n"
    else:
        payload = body
        head += f"Content-Length: {length}\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode() + b"\r\n")
        with contextlib.suppress(OSError):
            sock.sendall(payload)
        data = b""
        with contextlib.suppress(OSError):
            while chunk := sock.recv(65536):
                data += chunk
                if b"\r\n\r\n" in data and data.endswith(b"}"):
                    break
    status = int(data.split(b" ", 2)[1])
    return status, data.partition(b"\r\n\r\n")[2].decode()


def logs(township: Node) -> int:
    township.ctx.session.expire_all()
    n = township.ctx.session.scalar(select(func.count()).select_from(BundleLog))
    township.ctx.session.rollback()
    return int(n or 0)


def test_push_imports_and_the_ack_comes_back(
    village: Node, township: Node, hub: RunningHub
) -> None:
    d = add_dispute(village.ctx, 1)
    mediate(village.ctx, d.id)
    add_visit(village.ctx, 2)
    assert sync_status(village.db).pending_up > 0
    report = sync_once(village.db, hub.url, clock=village.clock)
    assert [p.result for p in report.pushes] == ["imported"]
    assert report.pushes[0].ack == "imported"
    assert report.hub_code == township.code and report.pending == 0
    assert "上级已确认" in report.message
    assert township.rows(village.code) == village.rows(village.code)
    assert peer(village, township.code).acked_rev > 0  # only the ack moved the watermark
    assert sync_status(village.db).pending_up == 0
    status = net_status(village.db)
    assert status.last_success_at is not None and not status.failing
    # nothing new: no upload at all
    again = sync_once(village.db, hub.url, clock=village.clock)
    assert again.pushes == [] and "没有需要上传的变更" in again.message
    # a later change travels alone, cumulative since the acknowledgement
    add_visit(village.ctx, 3)
    third = sync_once(village.db, hub.url, clock=village.clock)
    assert third.pushes[0].records < report.pushes[0].records
    assert township.rows(village.code) == village.rows(village.code)


def test_the_configured_hub_address_is_used(village: Node, township: Node, hub: RunningHub) -> None:
    from app.services import settings as station_settings

    with pytest.raises(HubRefused, match="尚未设置同步服务地址"):
        sync_once(village.db, clock=village.clock)
    st = station_settings.settings_of(village.ctx)
    st.hub_url = hub.url.removeprefix("http://")  # typed without the scheme
    station_settings.save(village.ctx, st)
    add_visit(village.ctx, 1)
    assert sync_once(village.db, clock=village.clock).pushes[0].result == "imported"
    assert township.rows(village.code) == village.rows(village.code)


def test_duplicate_push_is_a_no_op_answered_with_the_same_ack(
    village: Node, township: Node, hub: RunningHub
) -> None:
    add_dispute(village.ctx, 1)
    data = village.export().path.read_bytes()
    first = post(hub.url, data)
    assert first.status_code == 200 and first.headers[RESULT_HEADER] == "imported"
    before_rows, before_logs = township.rows(village.code), logs(township)
    for _ in range(2):
        again = post(hub.url, data)
        assert again.status_code == 200 and again.headers[RESULT_HEADER] == "duplicate"
        assert again.content == first.content  # byte for byte the same acknowledgement
    assert township.rows(village.code) == before_rows
    assert logs(township) == before_logs  # nothing written, not even a log entry
    # the acknowledgement imports at the village like the USB one
    ack = village.out / "ack.zza"
    ack.write_bytes(first.content)
    assert village.import_(ack, expect_kind="ack").status == "imported"
    assert sync_status(village.db).pending_up == 0


def test_an_older_bundle_after_a_newer_one_is_a_no_op(
    village: Node, township: Node, hub: RunningHub
) -> None:
    add_dispute(village.ctx, 1)
    old = village.export().path.read_bytes()
    add_visit(village.ctx, 2)
    new = village.export().path.read_bytes()
    assert post(hub.url, new).headers[RESULT_HEADER] == "imported"
    before = township.rows(village.code)
    late = post(hub.url, old)
    assert late.status_code == 200 and late.headers[RESULT_HEADER] == "stale"
    assert township.rows(village.code) == before


def test_a_gap_is_refused_with_an_ack_that_restarts_delivery(
    village: Node, township: Node, hub: RunningHub
) -> None:
    add_dispute(village.ctx, 1)
    assert sync_once(village.db, hub.url, clock=village.clock).pushes
    # the township's ledger loses the village's records (restored from an old backup)
    with township.db.engine.begin() as conn:
        conn.execute(delete(SyncHwm).where(SyncHwm.origin == village.code))
    add_visit(village.ctx, 2)
    report = sync_once(village.db, hub.url, clock=village.clock)
    assert [p.result for p in report.pushes] == ["gap", "imported"]
    assert report.pending == 0
    assert township.rows(village.code) == village.rows(village.code)


def test_strangers_and_bad_files_get_proper_status_codes(
    village: Node,
    township: Node,
    hub: RunningHub,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    add_dispute(village.ctx, 1)
    good = village.export().path
    before_rows, before_logs = township.rows(village.code), logs(township)

    def refused(resp: httpx.Response, status: int, reason: str, words: str) -> None:
        assert resp.status_code == status, resp.text
        assert resp.headers["content-type"].startswith("application/json")
        body = resp.json()
        assert body["reason"] == reason and words in body["error"]

    # not a bundle at all
    refused(post(hub.url, b"hello, hub"), 400, "corrupt", "损坏")
    # a flipped byte in the signature
    members = read_members(good)
    sig = bytearray(members["signature.sig"])
    sig[0] ^= 1
    forged = write_members(
        tmp_path / "forged.zzb",
        [(n, bytes(sig) if n == "signature.sig" else d) for n, d in members.items()],
    )
    refused(post(hub.url, forged.read_bytes()), 403, "signature", "签名验证失败")
    # an unpaired station (paired with a look-alike township elsewhere, not with this hub)
    stranger = make_node("stranger", VILLAGE2, tmp_path, tmp_path_factory)
    other = make_node("other", TOWNSHIP, tmp_path, tmp_path_factory)
    try:
        pair(stranger, other)
        add_visit(stranger.ctx, 1)
        refused(
            post(hub.url, stranger.export().path.read_bytes()), 403, "unpaired", "尚未与本站配对"
        )
    finally:
        stranger.close()
        other.close()
    # a paired village's bundle addressed to another station
    up = peer(village, township.code)
    elsewhere = SimpleNamespace(
        station_code="110105002000",
        name="西山镇综治中心",
        enc_public=up.enc_public,
        fingerprint=up.fingerprint,
    )
    misdirected = forge(village.ctx, elsewhere, tmp_path / "m.zzb", [])
    refused(post(hub.url, misdirected.read_bytes()), 421, "recipient", "不是发给本站的")
    # an acknowledgement is not something a child uploads
    ack = forge(village.ctx, peer(village, township.code), tmp_path / "a.zza", [], kind="ack")
    refused(post(hub.url, ack.read_bytes()), 400, "kind", "回执")
    # nothing of the above reached the ledger or the bundle log
    assert township.rows(village.code) == before_rows
    assert logs(township) == before_logs
    # the genuine bundle still imports
    assert post(hub.url, good.read_bytes()).status_code == 200


def test_size_limit_answers_413_before_reading_the_body(
    village: Node, township: Node, hub: RunningHub
) -> None:
    hub.stop()
    small = start_hub(township, max_body=4096)
    try:
        add_dispute(village.ctx, 1)
        for i in range(30):
            add_visit(village.ctx, i)
        path = village.export().path
        assert path.stat().st_size > 4096
        # announced too large: answered before a byte of the body is read
        status, body = raw_post(small.port, 999_999_999, b"")
        assert status == 413 and "大小上限" in json.loads(body)["error"]
        # not announced (chunked), too large once streamed: refused as soon as it passes
        status, body = raw_post(small.port, None, path.read_bytes())
        assert status == 413
        assert logs(township) == 0
        with pytest.raises(HubRefused, match="超过同步服务的上限"):
            sync_once(village.db, small.url, clock=village.clock)  # refused before uploading
        assert net_status(village.db).failing
    finally:
        small.stop()


def test_http_basics(hub: RunningHub, township: Node) -> None:
    health = httpx.get(hub.url + "/health", trust_env=False)
    assert health.status_code == 200
    info = health.json()
    assert info["station"]["code"] == township.code and info["status"] == "ok"
    assert info["database"] == township.db.dialect
    missing = httpx.get(hub.url + "/nothing", trust_env=False)
    assert missing.status_code == 404 and "没有这个地址" in missing.json()["error"]
    wrong = httpx.get(hub.url + BUNDLES_PATH, trust_env=False)
    assert wrong.status_code == 405
    empty = post(hub.url, b"")
    assert empty.status_code == 400 and empty.json()["reason"] == "empty"


def test_hub_log_has_codes_and_counts_but_no_personal_data(
    village: Node, township: Node, hub: RunningHub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.sync")
    add_dispute(village.ctx, 7)  # parties 张7 / 李7, phones 138…/139…
    add_visit(village.ctx, 7)
    sync_once(village.db, hub.url, clock=village.clock)
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "app.sync.hub")
    assert f"POST {BUNDLES_PATH} 200 sender={village.code}" in text
    assert "new=" in text
    for secret in ("张7", "李7", "王7", "13800138000", "13900139000", "13700137000"):
        assert secret not in text
    with township.db.session() as s:
        names = list(s.scalars(select(Person.name).where(Person.origin == village.code)))
    assert names and not any(n in text for n in names)


def test_ack_cache_keeps_the_newest_few(village: Node, township: Node, hub: RunningHub) -> None:
    hub.options.keep_acks = 3
    for i in range(5):
        add_visit(village.ctx, i)
        sync_once(village.db, hub.url, clock=village.clock)
    with township.db.session() as s:
        kept = list(s.scalars(select(HubAck.seq).where(HubAck.peer_code == village.code)))
    assert len(kept) == 3


def test_village_json_errors_are_chinese(hub: RunningHub) -> None:
    resp = post(hub.url, b"PK\x03\x04" + b"\x00" * 40)
    body = json.loads(resp.text)
    assert resp.status_code == 400 and any("\u4e00" <= c <= "\u9fff" for c in body["error"])


def _flip_payload(data: bytes, tmp: Path) -> bytes:
    src = tmp / "src.zzb"
    src.write_bytes(data)
    members = read_members(src)
    payload = bytearray(members["payload.bin"])
    payload[len(payload) // 2] ^= 0x01
    out = write_members(
        tmp / "flipped.zzb",
        [
            ("payload.bin", bytes(payload)),
            ("manifest.json", members["manifest.json"]),
            ("signature.sig", members["signature.sig"]),
        ],
    )
    return out.read_bytes()


def test_stale_or_repeated_bundle_with_a_damaged_payload_is_refused_not_acknowledged(
    village: Node, township: Node, hub: RunningHub, tmp_path: Path
) -> None:
    """Issue 17: the hub verifies signature, manifest and payload hash before answering
    anything (it used to answer 200 "stale" to an old bundle without reading its payload)."""
    add_dispute(village.ctx, 1)
    old = village.export().path.read_bytes()
    add_visit(village.ctx, 2)
    new = village.export().path.read_bytes()
    assert post(hub.url, new).headers[RESULT_HEADER] == "imported"
    before_rows = township.rows(village.code)
    for data in (old, new):  # a stale one, and one already imported
        bad = post(hub.url, _flip_payload(data, tmp_path))
        assert bad.status_code == 400 and bad.json()["reason"] == "tampered"
        assert "校验失败" in bad.json()["error"] and RESULT_HEADER not in bad.headers
    assert township.rows(village.code) == before_rows
    assert post(hub.url, old).headers[RESULT_HEADER] == "stale"


def test_wrong_content_type_is_refused_with_415(
    village: Node, township: Node, hub: RunningHub
) -> None:
    add_dispute(village.ctx, 1)
    data = village.export().path.read_bytes()
    before = logs(township)
    for ctype in ("text/plain", "application/octet-stream", ""):
        reply = post(hub.url, data, **{"Content-Type": ctype})
        assert reply.status_code == 415 and reply.json()["reason"] == "content_type"
        assert "内容类型" in reply.json()["error"]
    assert logs(township) == before
    ok = post(hub.url, data, **{"Content-Type": BUNDLE_TYPE + "; charset=binary"})
    assert ok.status_code == 200 and ok.headers[RESULT_HEADER] == "imported"
