"""The township (or county) hub: ``zongzhi serve`` (DESIGN §5, protocol in :mod:`.netproto`).

A Starlette application served by uvicorn. Paired child stations POST their bundles — the very
files they would carry on a USB stick — and the hub imports each with the same importer, acting
as the built-in system operator, and answers with the signed acknowledgement, the same file a
USB import would produce. Nothing about the ledger is decided here: the importer verifies,
applies all-or-nothing and keeps the bundle log; the hub adds the transport around it:

- the request body is streamed to a work file and refused (413) as soon as it passes the size
  limit, before it is read fully; a client that disconnects mid-upload leaves nothing behind;
- strangers are answered before anything is written: a file that is not a bundle (400), an
  unpaired sender or a bad signature (403), a bundle for another station (421);
- a repeated upload (the network dropped after the import, before the answer arrived) is a
  no-op answered with the very same acknowledgement bytes (``hub_ack``);
- imports are serialised per sender (its bundles apply in order) and, on SQLite, per hub (one
  writer); on PostgreSQL different senders import concurrently;
- the log has method, path, status, sender code and counts — never names, ID numbers or phones.

A hub that has a parent of its own forwards what it holds (its records and its villages', with
their original ids and origins) to the parent's hub with the same client the villages use
(:class:`.client.AutoPusher`), right after each import that brought something new.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import shutil
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import SQLAlchemyError

from app import __version__
from app.db import Database, head_revision
from app.locking import LedgerBusy, hold_import
from app.models import HubAck, LocalState, SyncPeer, new_id, utcnow
from app.services.context import Clock, Ctx, open_ctx

from .bundle import issue_ack
from .canonical import b64e
from .codec import table_specs
from .errors import BundleRejected, SyncError
from .importer import ImportResult, import_bundle, vet_bundle
from .keys import key_info
from .netproto import (
    ACK_TYPE,
    BUNDLE_TYPE,
    BUNDLES_PATH,
    HEALTH_PATHS,
    MAX_POLL,
    POLL_PATH,
    RECOVERY_PATH,
    RESULT_HEADER,
    SENDER_HEADER,
    SIGNATURE_HEADER,
    error_body,
    parse_poll,
    poll_signature_ok,
    recovery_signature_ok,
    status_for,
)
from .routing import addressed_to, outgoing, tables_for

log = logging.getLogger("app.sync.hub")

DEFAULT_PORT = 8750
DEFAULT_MAX_BODY = 512 << 20
JSON = "application/json; charset=utf-8"


HUB_IMPORT_WAIT = 60.0  # seconds an upload waits for another process's import


@dataclass
class HubOptions:
    max_body: int = DEFAULT_MAX_BODY  # bytes per uploaded bundle
    concurrency: int = 0  # imports at the same time; 0: 1 on SQLite, 4 on PostgreSQL
    keep_acks: int = 10  # acknowledgements kept per station for repeated uploads
    poll_interval: float = 10.0  # seconds between two answers to one station's polls
    upstream: str = ""  # the parent's hub ("" : do not forward)
    forward_interval: float = 300.0  # forward at least this often while there is something
    clock: Clock = field(default=utcnow)
    operator: str | None = None  # who imports (the service identity svc.serve; None: system)

    def imports_at_once(self, db: Database) -> int:
        if self.concurrency > 0:
            return self.concurrency if not db.is_sqlite else 1
        return 1 if db.is_sqlite else 4


@dataclass
class Reply:
    status: int
    body: bytes = b""
    media_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)
    sender: str = ""  # for the log line
    note: str = ""  # counts or the refusal reason, for the log line


def _json_reply(status: int, message: str, reason: str, **extra: Any) -> Reply:
    return Reply(status, error_body(message, reason, **extra), note=reason)


def _counts(res: ImportResult) -> str:
    t = res.summary.get("totals", {}) if res.summary else {}
    return (
        f"new={t.get('new', 0)} updated={t.get('updated', 0)} "
        f"unchanged={t.get('unchanged', 0)} rejected={t.get('rejected', 0)}"
    )


class Hub:
    """What the HTTP layer calls; blocking (runs in worker threads), no HTTP in here."""

    def __init__(self, db: Database, options: HubOptions | None = None) -> None:
        self.db = db
        self.options = options or HubOptions()
        with self._ctx() as ctx:
            st = ctx.station
            self.code, self.name, self.level = st.code, st.name, st.level
        info = key_info(db)
        if info is None:
            raise SyncError(
                "本站还没有同步密钥，不能提供同步服务：请先执行 zongzhi card export（会自动创建密钥）"
                "并与下级交换工作站卡片"
            )
        self.key_fp = info.fingerprint
        self.work_dir = db.path.with_name(db.path.name + ".hub")
        for sub in ("incoming", "acks"):
            shutil.rmtree(self.work_dir / sub, ignore_errors=True)  # leftovers of a crash
            (self.work_dir / sub).mkdir(parents=True, exist_ok=True)
        self._single_writer = threading.Lock() if db.is_sqlite else None
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._last_poll_answer: dict[str, float] = {}
        self.on_new_records: Callable[[], None] | None = None  # the forwarder's wake-up

    # --- plumbing -----------------------------------------------------------------------
    @contextlib.contextmanager
    def _ctx(self) -> Iterator[Ctx]:
        ctx = open_ctx(self.db, self.options.operator, clock=self.options.clock)
        try:
            yield ctx
        finally:
            ctx.close()

    @contextlib.contextmanager
    def writing(self, sender: str = "") -> Iterator[None]:
        """One sender's bundles apply in order; on SQLite one writer for the whole hub."""
        with self._locks_guard:
            lock = self._locks.setdefault(sender, threading.Lock())
        with lock:
            if self._single_writer is None:
                yield
            else:  # … and one importer across processes (the desktop app, a script)
                with self._single_writer, hold_import(self.db.path, wait=HUB_IMPORT_WAIT):
                    yield

    def incoming_path(self) -> Path:
        return self.work_dir / "incoming" / f"{new_id()}.zzb"

    def info(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "service": "zongzhi-hub",
            "station": {"code": self.code, "name": self.name, "level": self.level},
            "key_fp": self.key_fp,
            "app_version": __version__,
            "schema": head_revision(),
            "database": self.db.dialect,
            "max_body": self.options.max_body,
        }

    # --- acknowledgements ---------------------------------------------------------------
    def _issue(self, ctx: Ctx, sender: str, *, cache_for: tuple[str, int] | None) -> bytes:
        """A fresh acknowledgement for ``sender`` (written, read back, removed from disk)."""
        res = issue_ack(ctx, sender, self.work_dir / "acks")
        try:
            data = res.path.read_bytes()
        finally:
            res.path.unlink(missing_ok=True)
        if cache_for is not None:
            bundle_id, seq = cache_for
            with ctx.write() as s:
                s.merge(
                    HubAck(
                        bundle_id=bundle_id,
                        peer_code=sender,
                        seq=seq,
                        ack_id=res.bundle_id,
                        ack=data,
                        created_at=ctx.now(),
                    )
                )
                s.flush()
                keep = list(
                    s.scalars(
                        select(HubAck.seq)
                        .where(HubAck.peer_code == sender)
                        .order_by(HubAck.seq.desc())
                        .limit(self.options.keep_acks)
                    )
                )
                if len(keep) == self.options.keep_acks:
                    s.execute(
                        delete(HubAck).where(HubAck.peer_code == sender, HubAck.seq < keep[-1])
                    )
        return data

    def _cached(self, ctx: Ctx, sender: str, bundle_id: str | None) -> bytes | None:
        """The acknowledgement answered for ``bundle_id`` (None: the newest for ``sender``)."""
        q = select(HubAck.ack).where(HubAck.peer_code == sender)
        q = (
            q.where(HubAck.bundle_id == bundle_id)
            if bundle_id
            else q.order_by(HubAck.seq.desc()).limit(1)
        )
        data = ctx.session.scalars(q).first()
        ctx.session.rollback()
        return bytes(data) if data is not None else None

    def _ack_reply(self, data: bytes, result: str, sender: str, note: str) -> Reply:
        return Reply(
            200, data, ACK_TYPE, {RESULT_HEADER: result}, sender=sender, note=f"{result} {note}"
        )

    # --- POST /api/v1/bundles -----------------------------------------------------------
    def receive(self, path: Path) -> Reply:
        """Import one uploaded bundle and answer with the acknowledgement (never raises for a
        bad file; database trouble is a 503 with nothing written)."""
        try:
            return self._receive(path)
        except SQLAlchemyError as exc:
            log.warning("database unavailable while receiving a bundle: %s", type(exc).__name__)
            return _json_reply(
                503, "同步服务的数据库暂时不可用，本次上传未导入，请稍后重试", "database"
            )
        except LedgerBusy as exc:  # another process kept importing past HUB_IMPORT_WAIT
            log.warning("ledger busy with another import while receiving a bundle")
            return _json_reply(503, f"{exc}（同步服务稍后会再次接收）", "busy")

    def database_ok(self) -> bool:
        try:
            with self.db.engine.connect() as conn:
                conn.execute(select(1))
            return True
        except SQLAlchemyError:
            return False

    def _receive(self, path: Path) -> Reply:
        with self._ctx() as ctx:
            try:
                m = vet_bundle(ctx, path)
            except BundleRejected as exc:
                return _json_reply(status_for(exc.reason), str(exc), exc.reason)
            sender = m.sender.code
            if m.kind != "bundle":
                return Reply(
                    400,
                    error_body("这是回执，不是同步包：回执不需要上传到同步服务", "kind"),
                    sender=sender,
                    note="kind",
                )
            with self.writing(sender):
                res = import_bundle(ctx, path)
                if res.status == "duplicate":
                    data = self._cached(ctx, sender, m.bundle_id) or self._cached(ctx, sender, None)
                    if data is None:  # answered before the cache existed, or pruned
                        data = self._issue(ctx, sender, cache_for=None)
                    return self._ack_reply(data, "duplicate", sender, "")
                if res.status == "imported":
                    data = self._issue(ctx, sender, cache_for=(m.bundle_id, m.seq))
                    totals = res.summary.get("totals", {})
                    if (totals.get("new") or totals.get("updated")) and self.on_new_records:
                        self.on_new_records()
                    return self._ack_reply(data, "imported", sender, _counts(res))
                if res.reason == "stale":
                    # everything in it arrived with a newer bundle: answer with the newest ack
                    data = self._cached(ctx, sender, None) or self._issue(
                        ctx, sender, cache_for=None
                    )
                    return self._ack_reply(data, "stale", sender, "")
                if res.reason == "gap":
                    data = self._issue(ctx, sender, cache_for=None)
                    return Reply(
                        409,
                        error_body(res.message, "gap", ack=b64e(data)),
                        sender=sender,
                        note="gap",
                    )
                reply = _json_reply(status_for(res.reason), res.message, res.reason)
                reply.sender = sender
                return reply

    # --- POST /api/v1/poll ----------------------------------------------------------------
    def poll(self, body: bytes, signature: str) -> Reply:
        """A paired child asks for records addressed to it (督办 …) that it does not hold."""
        try:
            return self._poll(body, signature)
        except SQLAlchemyError as exc:
            log.warning("database unavailable while answering a poll: %s", type(exc).__name__)
            return _json_reply(503, "同步服务的数据库暂时不可用，请稍后重试", "database")

    def _poll(self, body: bytes, signature: str) -> Reply:
        if len(body) > MAX_POLL:
            return _json_reply(413, "同步查询请求过大", "too_large")
        try:
            req = parse_poll(body)
        except BundleRejected as exc:
            return _json_reply(400, str(exc), exc.reason)
        with self._ctx() as ctx:
            peer = ctx.session.get(SyncPeer, req.station)
            if peer is None or not peer.active or peer.relation != "child":
                reply = _json_reply(
                    403, f"工作站 {req.station} 尚未与本站配对：请先交换工作站卡片", "unpaired"
                )
                reply.sender = f"{req.station}?"  # claimed, not proven
                return reply
            if req.key_fp != peer.fingerprint or not poll_signature_ok(
                peer.sign_public, body, signature
            ):
                return _json_reply(
                    403, "签名验证失败：查询请求不是已配对的工作站发出的", "signature"
                )
            if req.hub != self.code:
                return _json_reply(
                    421, f"这是发给工作站 {req.hub} 的查询，本站是 {self.code}", "recipient"
                )
            waiting = downstream_waiting(ctx.session, self.code, peer, req.have)
            ctx.session.rollback()
            if not waiting:
                return Reply(204, sender=req.station, note="nothing")
            now = time.monotonic()
            last = self._last_poll_answer.get(req.station)
            if last is not None and now - last < self.options.poll_interval:
                return Reply(
                    429,
                    error_body("查询过于频繁，请稍后再试", "too_many"),
                    headers={"Retry-After": str(int(self.options.poll_interval) + 1)},
                    sender=req.station,
                    note="too_many",
                )
            with self.writing(req.station):
                try:
                    data = self._issue(ctx, req.station, cache_for=None)
                except SyncError:
                    return Reply(204, sender=req.station, note="never imported")
            self._last_poll_answer[req.station] = now
            return self._ack_reply(data, "downstream", req.station, f"waiting={waiting}")

    # --- POST /api/v1/recovery ------------------------------------------------------------
    def recovery(self, body: bytes, signature: str) -> Reply:
        """A re-paired child (new installation) asks for everything of its own origin."""
        try:
            return self._recovery(body, signature)
        except SQLAlchemyError as exc:
            log.warning("database unavailable while writing a recovery: %s", type(exc).__name__)
            return _json_reply(503, "同步服务的数据库暂时不可用，请稍后重试", "database")

    def _recovery(self, body: bytes, signature: str) -> Reply:
        from .recovery import export_recovery

        if len(body) > MAX_POLL:
            return _json_reply(413, "恢复请求过大", "too_large")
        try:
            req = parse_poll(body)
        except BundleRejected as exc:
            return _json_reply(400, str(exc), exc.reason)
        with self._ctx() as ctx:
            peer = ctx.session.get(SyncPeer, req.station)
            if peer is None or not peer.active or peer.relation != "child":
                reply = _json_reply(
                    403,
                    f"工作站 {req.station} 尚未与本站配对：请先把新安装后的工作站卡片交本站导入"
                    "（更换密钥），电话核对指纹",
                    "unpaired",
                )
                reply.sender = f"{req.station}?"
                return reply
            if req.key_fp != peer.fingerprint:
                return _json_reply(
                    403,
                    "本站登记的是该工作站以前的密钥：请先把新安装后的工作站卡片交上级导入"
                    "（更换密钥，card import --replace），电话核对指纹后再恢复",
                    "key_changed",
                )
            if not recovery_signature_ok(peer.sign_public, body, signature):
                return _json_reply(
                    403, "签名验证失败：恢复请求不是已配对的工作站发出的", "signature"
                )
            if req.hub != self.code:
                return _json_reply(
                    421, f"这是发给工作站 {req.hub} 的请求，本站是 {self.code}", "recipient"
                )
            ctx.session.rollback()
            path = self.incoming_path()
            try:
                with self.writing(req.station):
                    export_recovery(ctx, req.station, path)
                data = path.read_bytes()
            finally:
                path.unlink(missing_ok=True)
            return Reply(200, data, BUNDLE_TYPE, sender=req.station, note="recovery")


def downstream_waiting(session: Any, me: str, peer: SyncPeer, have: dict[str, int]) -> int:
    """Records ``peer`` (a child) may receive from here that it says it does not hold."""
    specs = table_specs()
    state = session.get(LocalState, 1)
    counter = int(state.rev_counter) if state is not None else 0
    total = 0
    for rng in outgoing(session, me, peer, full=False):
        basis = max(rng.basis, have.get(rng.origin, 0))
        upto = counter if rng.origin == me else rng.upto
        if upto <= basis:
            continue
        for spec in tables_for(peer, specs):
            t = spec.table
            total += int(
                session.execute(
                    select(func.count())
                    .select_from(t)
                    .where(
                        t.c.origin == rng.origin,
                        t.c.rev > basis,
                        t.c.rev <= upto,
                        addressed_to(spec, peer.station_code),
                    )
                ).scalar_one()
            )
    return total


# --- HTTP ------------------------------------------------------------------------------------


def create_app(hub: Hub) -> Any:
    """The Starlette application around ``hub``."""
    import anyio
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.requests import ClientDisconnect, Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    limiter = anyio.CapacityLimiter(hub.options.imports_at_once(hub.db))
    max_body = hub.options.max_body

    def respond(request: Request, reply: Reply, started: float, size: int = 0) -> Response:
        log.info(
            "%s %s %d sender=%s bytes=%d ms=%d %s",
            request.method,
            request.url.path,
            reply.status,
            reply.sender or "-",
            size,
            int((time.monotonic() - started) * 1000),
            reply.note,
        )
        return Response(
            reply.body if reply.status != 204 else b"",
            status_code=reply.status,
            media_type=reply.media_type if reply.status != 204 else None,
            headers=reply.headers,
        )

    def too_large() -> Reply:
        return _json_reply(
            413,
            f"同步包超过同步服务的大小上限（{max_body // (1 << 20)} MB）：请改用U盘同步，"
            "或请乡镇管理员调大上限（zongzhi serve --max-body-mb）",
            "too_large",
        )

    def declared_length(request: Request) -> int | None:
        raw = request.headers.get("content-length")
        if raw is None:
            return None
        return int(raw) if raw.isdigit() else -1

    async def health(request: Request) -> Response:
        info = hub.info()
        if not await anyio.to_thread.run_sync(hub.database_ok):
            info["status"] = "database_unavailable"
            info["error"] = "同步服务的数据库暂时不可用"
            return JSONResponse(info, status_code=503, headers={"Cache-Control": "no-store"})
        return JSONResponse(info, headers={"Cache-Control": "no-store"})

    async def bundles(request: Request) -> Response:
        started = time.monotonic()
        sender = request.headers.get(SENDER_HEADER, "")[:12]
        length = declared_length(request)
        if length is not None and length < 0:
            return respond(request, _json_reply(400, "请求长度不正确", "malformed"), started)
        if length is not None and length > max_body:
            reply = too_large()
            reply.sender = sender
            return respond(request, reply, started, length)
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != BUNDLE_TYPE:
            reply = _json_reply(
                415,
                f"上传的内容类型不对（{ctype[:40] or '未注明'}），同步服务只接收综治工作站同步包："
                "请用本程序的“立即同步”或 zongzhi sync 上传",
                "content_type",
            )
            reply.sender = f"{sender}?" if sender.isdigit() else ""
            return respond(request, reply, started, length or 0)
        path = hub.incoming_path()
        size = 0
        try:
            try:
                with open(path, "wb") as fh:
                    async for chunk in request.stream():
                        size += len(chunk)
                        if size > max_body:
                            reply = too_large()
                            reply.sender = sender
                            return respond(request, reply, started, size)
                        fh.write(chunk)
            except ClientDisconnect:
                log.info(
                    "%s %s client disconnected mid-upload sender=%s bytes=%d; nothing imported",
                    request.method,
                    request.url.path,
                    sender or "-",
                    size,
                )
                return Response(status_code=400)
            if size == 0:
                return respond(request, _json_reply(400, "请求中没有同步包内容", "empty"), started)
            reply = await anyio.to_thread.run_sync(hub.receive, path, limiter=limiter)
            if not reply.sender and sender.isdigit():
                reply.sender = f"{sender}?"  # refused before its signature was checked: claimed
            return respond(request, reply, started, size)
        finally:
            path.unlink(missing_ok=True)

    async def poll(request: Request) -> Response:
        started = time.monotonic()
        length = declared_length(request)
        if length is not None and not 0 <= length <= MAX_POLL:
            return respond(request, _json_reply(413, "同步查询请求过大", "too_large"), started)
        body = b""
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_POLL:
                    return respond(
                        request, _json_reply(413, "同步查询请求过大", "too_large"), started
                    )
        except ClientDisconnect:
            return Response(status_code=400)
        signature = request.headers.get(SIGNATURE_HEADER, "")
        reply = await anyio.to_thread.run_sync(hub.poll, body, signature, limiter=limiter)
        return respond(request, reply, started, len(body))

    async def recovery(request: Request) -> Response:
        started = time.monotonic()
        length = declared_length(request)
        if length is not None and not 0 <= length <= MAX_POLL:
            return respond(request, _json_reply(413, "恢复请求过大", "too_large"), started)
        body = b""
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_POLL:
                    return respond(request, _json_reply(413, "恢复请求过大", "too_large"), started)
        except ClientDisconnect:
            return Response(status_code=400)
        signature = request.headers.get(SIGNATURE_HEADER, "")
        reply = await anyio.to_thread.run_sync(hub.recovery, body, signature, limiter=limiter)
        return respond(request, reply, started, len(body))

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        message = "不支持该请求方法" if status == 405 else "没有这个地址（综治工作站同步服务）"
        return Response(error_body(message, str(status)), status_code=status, media_type=JSON)

    async def server_error(request: Request, exc: Exception) -> Response:
        # the frames only: an exception's message may quote a record (SQL parameters)
        log.error(
            "%s %s 500 %s\n%s",
            request.method,
            request.url.path,
            type(exc).__name__,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        return Response(
            error_body("同步服务内部错误，本次上传未导入，请稍后重试", "internal"),
            status_code=500,
            media_type=JSON,
        )

    routes = [Route(p, health, methods=["GET", "HEAD"]) for p in HEALTH_PATHS]
    routes += [
        Route(BUNDLES_PATH, bundles, methods=["POST"]),
        Route(POLL_PATH, poll, methods=["POST"]),
        Route(RECOVERY_PATH, recovery, methods=["POST"]),
    ]
    return Starlette(
        routes=routes,
        exception_handlers={404: not_found, 405: not_found, 500: server_error},
    )


# --- running it ------------------------------------------------------------------------------


def _uvicorn_config(app: Any, sock: socket.socket | None, host: str, port: int, **tls: Any) -> Any:
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http="h11",
        ws="none",
        loop="asyncio",
        log_config=None,
        access_log=False,  # the hub logs each request itself, without client details it needn't
        lifespan="off",
        timeout_keep_alive=15,
        timeout_graceful_shutdown=30,
        server_header=False,
        **tls,
    )


class HubServer:
    """A hub served by uvicorn on a background thread (tests, the hub of the GUI) or in the
    foreground (:meth:`run`, ``zongzhi serve``)."""

    def __init__(
        self,
        db: Database,
        options: HubOptions | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        certfile: str | None = None,
        keyfile: str | None = None,
    ) -> None:
        import uvicorn

        self.hub = Hub(db, options)
        self.host = host
        self.app = create_app(self.hub)
        self.sock = _bind(host, port)
        self.port = int(self.sock.getsockname()[1])
        tls: dict[str, Any] = {}
        if certfile:
            tls = {"ssl_certfile": certfile, "ssl_keyfile": keyfile}
        self.scheme = "https" if certfile else "http"
        self.server = uvicorn.Server(_uvicorn_config(self.app, self.sock, host, self.port, **tls))
        self._thread: threading.Thread | None = None
        self.forwarder: Any = None
        upstream = self.hub.options.upstream
        if upstream:
            from .client import AutoPusher

            guard: Callable[[], contextlib.AbstractContextManager[None]] = self.hub.writing
            self.forwarder = AutoPusher(
                db,
                upstream,
                interval=self.hub.options.forward_interval,
                guard=guard,
                clock=self.hub.options.clock,
            )
            self.hub.on_new_records = self.forwarder.wake

    @property
    def url(self) -> str:
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"{self.scheme}://{host}:{self.port}"

    def run(self) -> None:
        """Serve in the foreground until interrupted (Ctrl+C / SIGTERM)."""
        if self.forwarder is not None:
            self.forwarder.start()
        try:
            self.server.run(sockets=[self.sock])
        finally:
            if self.forwarder is not None:
                self.forwarder.stop()
            self.sock.close()

    def start(self, timeout: float = 10.0) -> HubServer:
        """Serve on a background thread; return once it accepts connections."""
        self._thread = threading.Thread(target=self.run, name=f"hub-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise SyncError("同步服务启动失败")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


def listen_options(platform: str) -> list[tuple[int, int, int]]:
    """The socket options of the hub's listening socket on ``platform`` (``sys.platform``).

    Windows: ``SO_EXCLUSIVEADDRUSE`` and never ``SO_REUSEADDR`` — there ``SO_REUSEADDR`` lets a
    second program bind the very same port and take over part of the connections. POSIX:
    ``SO_REUSEADDR`` only lets a restarted hub bind while old connections linger in TIME_WAIT;
    two listeners on one port are still refused."""
    if platform == "win32":
        # socket.SO_EXCLUSIVEADDRUSE exists only in Windows builds of Python: ~SO_REUSEADDR
        return [(socket.SOL_SOCKET, getattr(socket, "SO_EXCLUSIVEADDRUSE", -5), 1)]
    return [(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)]


_IN_USE = {errno.EADDRINUSE, 10048}  # WSAEADDRINUSE
_DENIED = {errno.EACCES, 10013}  # WSAEACCES: held exclusively, or a reserved port


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    for level, option, value in listen_options(sys.platform):
        sock.setsockopt(level, option, value)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        code = getattr(exc, "winerror", None) or exc.errno
        if code in _IN_USE or code in _DENIED:
            why = "已被另一个程序占用（可能是已在运行的同步服务）"
            if code in _DENIED:
                why = "已被另一个程序独占或不允许使用"
            raise SyncError(
                f"无法在 {host}:{port} 上提供同步服务：端口 {port} {why}，"
                "请先停止那个程序，或换一个端口（--port）"
            ) from exc
        raise SyncError(
            f"无法在 {host}:{port} 上提供同步服务（{exc.strerror or exc}）：请检查监听地址"
            "（--host）和端口（--port）"
        ) from exc
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock
