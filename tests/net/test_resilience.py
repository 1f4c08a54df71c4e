"""What the network does to a push: the cable pulled mid-upload, the answer lost after the hub
imported, the hub killed and restarted (a real ``zongzhi serve`` process). Nothing is lost and
nothing is doubled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from app.models import BundleLog
from app.sync.client import HubUnreachable, net_status, outbox_dir, sync_once
from app.sync.netproto import BUNDLES_PATH
from app.sync.status import sync_status

from ..sync.helpers import add_dispute, add_visit
from .conftest import Node, RunningHub, child_env, pair
from .pg import _free_port


class Interrupted(httpx.BaseTransport):
    """A real HTTP transport that interrupts the first bundle upload: ``cut`` after half of the
    body (the hub never gets it all), or ``lose`` the answer (the hub imported, the village
    never hears), or ``pause`` half-way until :attr:`resume` is set."""

    def __init__(self, mode: str) -> None:
        self.inner = httpx.HTTPTransport()
        self.mode = mode
        self.done = False
        self.paused = threading.Event()
        self.resume = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != BUNDLES_PATH or self.done:
            return self.inner.handle_request(request)
        self.done = True
        if self.mode == "lose":
            response = self.inner.handle_request(request)
            response.read()
            raise httpx.ReadError("connection reset before the answer arrived")
        original = request.stream
        size = int(request.headers["Content-Length"])
        transport = self

        class Half(httpx.SyncByteStream):
            def __iter__(self) -> Iterator[bytes]:
                sent = 0
                for chunk in original:  # type: ignore[union-attr]
                    if sent + len(chunk) >= size // 2:
                        yield chunk[: size // 2 - sent]
                        if transport.mode == "pause":
                            transport.paused.set()
                            transport.resume.wait(30)
                        raise httpx.WriteError("the cable was pulled")
                    sent += len(chunk)
                    yield chunk

        request.stream = Half()
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def imports_logged(township: Node, village: Node) -> int:
    with township.db.session() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(BundleLog)
                .where(
                    BundleLog.peer_code == village.code,
                    BundleLog.direction == "import",
                    BundleLog.status == "imported",
                )
            )
            or 0
        )


def _records(village: Node, n: int) -> None:
    for i in range(n):
        add_dispute(village.ctx, i)


def test_cable_pulled_mid_upload(village: Node, township: Node, hub: RunningHub) -> None:
    _records(village, 8)
    cut = Interrupted("cut")
    with pytest.raises(HubUnreachable, match=r"连接中断|超时"):
        sync_once(village.db, hub.url, clock=village.clock, transport=cut)
    assert township.rows(village.code) == {k: {} for k in township.rows(village.code)}
    assert net_status(village.db).failing
    box = outbox_dir(village.db) / township.code
    assert len(list(box.glob("*.zzb"))) == 1  # kept for the retry
    kept = json.loads((box / "state.json").read_text(encoding="utf-8"))["bundle_id"]
    # the hub dropped the partial upload (its work file is gone once it noticed)
    deadline = time.monotonic() + 10
    while any((hub.server.hub.work_dir / "incoming").iterdir()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    report = sync_once(village.db, hub.url, clock=village.clock)
    assert [p.result for p in report.pushes] == ["imported"]
    assert report.pushes[0].bundle_id == kept  # the same file again, not a new export
    assert township.rows(village.code) == village.rows(village.code)
    assert imports_logged(township, village) == 1
    assert sync_status(village.db).pending_up == 0
    assert not net_status(village.db).failing


def test_answer_lost_after_the_import(village: Node, township: Node, hub: RunningHub) -> None:
    _records(village, 3)
    lose = Interrupted("lose")
    with pytest.raises(HubUnreachable):
        sync_once(village.db, hub.url, clock=village.clock, transport=lose)
    assert township.rows(village.code) == village.rows(village.code)  # the hub has it
    assert sync_status(village.db).pending_up > 0  # the village does not know yet
    report = sync_once(village.db, hub.url, clock=village.clock)
    # the very same file again: the hub recognises it, answers with the same ack
    assert [p.result for p in report.pushes] == ["duplicate"]
    assert report.pushes[0].ack == "imported"
    assert sync_status(village.db).pending_up == 0
    assert imports_logged(township, village) == 1
    assert township.rows(village.code) == village.rows(village.code)


def test_new_changes_replace_a_waiting_bundle(
    village: Node, township: Node, hub: RunningHub
) -> None:
    _records(village, 2)
    with pytest.raises(HubUnreachable):
        sync_once(village.db, hub.url, clock=village.clock, transport=Interrupted("cut"))
    add_visit(village.ctx, 9)  # the waiting file no longer has everything: a new one is made
    report = sync_once(village.db, hub.url, clock=village.clock)
    assert [p.result for p in report.pushes] == ["imported"]
    assert township.rows(village.code) == village.rows(village.code)
    assert len(list((outbox_dir(village.db) / township.code).glob("*.zzb"))) == 0


# --- a real ``zongzhi serve`` process, killed and restarted ---------------------------------


def serve(township: Node, port: int, tmp_path: Path) -> subprocess.Popen[bytes]:
    url = township.db.url
    where = ["--database-url", url] if url else ["--db", str(township.db.path)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", *where, "serve", "--port", str(port), "--no-forward"],
        env=child_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", trust_env=False).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            raise AssertionError(f"zongzhi serve exited: {out}")
        assert time.monotonic() < deadline, "zongzhi serve did not start"
        time.sleep(0.1)


def kill(proc: subprocess.Popen[bytes]) -> str:
    os.killpg(proc.pid, signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    return out.decode(errors="replace")


def test_hub_killed_mid_upload_and_restarted(village: Node, township: Node, tmp_path: Path) -> None:
    pair(village, township)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = serve(township, port, tmp_path)
    try:
        _records(village, 2)
        assert sync_once(village.db, url, clock=village.clock).pushes[0].result == "imported"
        # the hub dies while a bundle is half uploaded
        _records(village, 25)
        pause = Interrupted("pause")
        failure: list[BaseException] = []

        def push() -> None:
            try:
                sync_once(village.db, url, clock=village.clock, transport=pause)
            except BaseException as exc:
                failure.append(exc)

        worker = threading.Thread(target=push)
        worker.start()
        assert pause.paused.wait(30)
        log = kill(proc)
        pause.resume.set()
        worker.join(60)
        assert failure and isinstance(failure[0], HubUnreachable)
        assert failure[0].retry
        # while it is down the village keeps working and keeps failing softly
        add_visit(village.ctx, 1)
        with pytest.raises(HubUnreachable, match="无法连接同步服务"):
            sync_once(village.db, url, clock=village.clock)
        # back up: everything arrives exactly once
        proc = serve(township, port, tmp_path)
        report = sync_once(village.db, url, clock=village.clock)
        assert [p.result for p in report.pushes] == ["imported"]
        assert township.rows(village.code) == village.rows(village.code)
        assert imports_logged(township, village) == 2
        assert sync_status(village.db).pending_up == 0
    finally:
        log = kill(proc)
    assert "POST /api/v1/bundles 200" in log
    for name in ("张0", "李0", "13800138000"):
        assert name not in log
