"""Pushing to the parent's hub over the network (DESIGN §5): ``zongzhi sync``, the GUI's
background pusher and a township hub forwarding to its county all call :func:`sync_once`.

One round:

1. ``GET /health``: the hub answers, and it is this station's parent (else a clear message).
2. Urgent items first: 综治维稳工作信息 marked 紧急 that the parent has not acknowledged travel in
   a small partial bundle (:mod:`.priority`) before everything else.
3. The cumulative bundle (everything the parent has not acknowledged; the same file a USB stick
   would carry) is uploaded and the hub's answer — the signed acknowledgement — imported, which
   is what advances this station's watermark. A bundle whose upload failed is kept in the outbox
   and sent again as it is while nothing changed, so a retry after a dropped connection is a
   repeat the hub recognises (it answers with the same acknowledgement and writes nothing).
4. A signed poll asks for records addressed to this station (督办 …) it does not hold yet.

Errors are :class:`NetError`: ``retry`` tells the caller whether trying again soon may help
(network down, hub restarting) or a person must act (not paired, wrong address). The last
success and the last error are kept beside the ledger for the status bar (:func:`net_status`).
Nothing here imports Qt.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select

from app import __version__
from app.db import Database
from app.models import LocalState, SyncHwm, SyncPeer, SyncRelayAck, utcnow
from app.models.base import format_utc, parse_utc
from app.rules.errors import AppError
from app.rules.network import Backoff, normalize_hub_url
from app.services.context import Clock, Ctx, open_ctx
from app.services.settings import settings_of

from .bundle import ExportResult, write_bundle
from .canonical import b64d
from .errors import SyncError
from .importer import ImportResult, import_bundle
from .keys import load_station_keys
from .netproto import (
    BUNDLE_TYPE,
    BUNDLES_PATH,
    HEALTH_PATHS,
    POLL_PATH,
    RECOVERY_PATH,
    RESULT_HEADER,
    SENDER_HEADER,
    SIGNATURE_HEADER,
    build_poll,
)
from .priority import export_urgent
from .routing import have_for
from .status import pending_count

log = logging.getLogger("app.sync.client")

CONNECT_TIMEOUT = 5.0
TRANSFER_TIMEOUT = 300.0  # a large first bundle is imported before the hub answers
UPLOAD_CHUNK = 256 * 1024
Guard = Callable[[], contextlib.AbstractContextManager[None]]


class NetError(SyncError):
    """Network sync did not complete. ``retry``: trying again later may succeed by itself;
    ``reason`` is the hub's machine code for a refusal ("" otherwise)."""

    retry = True

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


class HubUnreachable(NetError):
    """No answer, a dropped connection, or the hub is restarting (5xx)."""


class HubRefused(NetError):
    """The hub answered no: a person has to fix something (pairing, address, size)."""

    retry = False


@dataclass(frozen=True)
class HubInfo:
    url: str
    code: str
    name: str
    level: str
    key_fp: str
    app_version: str
    schema: str
    database: str
    max_body: int

    @property
    def label(self) -> str:
        return f"{self.name}（{self.code}）"


@dataclass
class PushResult:
    kind: str  # urgent | bundle
    bundle_id: str
    records: int
    result: str  # imported | duplicate | stale | gap
    ack: str = ""  # how the acknowledgement import went


@dataclass
class SyncReport:
    url: str
    hub_code: str = ""
    hub_name: str = ""
    pushes: list[PushResult] = field(default_factory=list)
    downstream: int = 0  # records received from the hub (督办 …)
    pending: int = 0  # changes still waiting for the parent's acknowledgement
    notices: list[str] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)  # records the parent refused

    @property
    def sent(self) -> int:
        return sum(p.records for p in self.pushes if p.kind == "bundle")

    @property
    def urgent(self) -> int:
        return sum(p.records for p in self.pushes if p.kind == "urgent")

    @property
    def message(self) -> str:
        hub = f"{self.hub_name}（{self.hub_code}）" if self.hub_code else self.url
        parts: list[str] = []
        if self.pushes:
            text = f"已上传 {self.sent} 条变更"
            if self.urgent:
                text += f"（紧急信息 {self.urgent} 条已优先送达）"
            parts.append(text + "，上级已确认")
        else:
            parts.append("没有需要上传的变更")
        if self.downstream:
            parts.append(f"收到上级下发记录 {self.downstream} 条")
        if self.pending:
            parts.append(f"仍有 {self.pending} 条变更待确认")
        if self.refused:
            parts.append(f"上级拒收 {len(self.refused)} 条记录（见拒收清单）")
        return f"与{hub}同步完成：" + "，".join(parts)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["message"] = self.message
        d["sent"] = self.sent
        d["urgent"] = self.urgent
        return d


# --- back-off --------------------------------------------------------------------------------


# --- HTTP ------------------------------------------------------------------------------------


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _message_of(resp: httpx.Response) -> tuple[str, str, dict[str, Any]]:
    try:
        doc = resp.json()
    except ValueError:
        return "", "", {}
    if not isinstance(doc, dict):
        return "", "", {}
    return str(doc.get("error") or ""), str(doc.get("reason") or ""), doc


@dataclass
class HubReply:
    status: int
    result: str
    ack: bytes | None
    message: str = ""
    reason: str = ""


class HubClient:
    """The hub's three endpoints, with Chinese errors."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = TRANSFER_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self._http = httpx.Client(
            base_url=url,
            timeout=httpx.Timeout(timeout, connect=CONNECT_TIMEOUT),
            transport=transport,
            trust_env=not _loopback(url),
            follow_redirects=False,
            headers={"User-Agent": f"zongzhi/{__version__}"},
        )

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except httpx.TimeoutException as exc:
            raise HubUnreachable(
                f"连接同步服务 {self.url} 超时：网络不通或服务繁忙，稍后会自动重试"
            ) from exc
        except httpx.ConnectError as exc:
            raise HubUnreachable(
                f"无法连接同步服务 {self.url}：请检查网络，或确认乡镇的同步服务已开启"
            ) from exc
        except httpx.TransportError as exc:
            raise HubUnreachable(
                f"与同步服务 {self.url} 的连接中断（{type(exc).__name__}），稍后会自动重试"
            ) from exc

    def _fail(self, resp: httpx.Response, what: str) -> NetError:
        message, reason, _ = _message_of(resp)
        if resp.status_code >= 500:
            return HubUnreachable(
                message or f"同步服务暂时不可用（{resp.status_code}），{what}未完成，稍后会自动重试"
            )
        if resp.status_code == 429:
            return HubUnreachable(message or "同步服务繁忙，稍后会自动重试")
        if resp.status_code == 404 and not message:
            return HubRefused(
                f"{self.url} 不是综治工作站的同步服务（404），请核对设置中的同步服务地址"
            )
        return HubRefused(message or f"同步服务拒绝了{what}（{resp.status_code}）", reason)

    def health(self) -> HubInfo:
        with self._errors():
            resp = self._http.get(HEALTH_PATHS[1], timeout=CONNECT_TIMEOUT * 2)
        if resp.status_code in (404, 405):
            raise HubRefused(
                f"{self.url} 不是综治工作站的同步服务（{resp.status_code}），"
                "请核对设置中的同步服务地址"
            )
        if resp.status_code != 200:
            raise self._fail(resp, "连接测试")
        try:
            doc = resp.json()
            st = doc["station"]
            if doc.get("service") != "zongzhi-hub":
                raise KeyError("service")
            return HubInfo(
                url=self.url,
                code=str(st["code"]),
                name=str(st["name"]),
                level=str(st.get("level", "")),
                key_fp=str(doc.get("key_fp", "")),
                app_version=str(doc.get("app_version", "")),
                schema=str(doc.get("schema", "")),
                database=str(doc.get("database", "")),
                max_body=int(doc.get("max_body", 0)),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise HubRefused(
                f"{self.url} 不是综治工作站的同步服务，请核对设置中的同步服务地址"
            ) from exc

    def push(self, path: Path, sender: str) -> HubReply:
        size = path.stat().st_size

        def body() -> Iterator[bytes]:
            with open(path, "rb") as fh:
                while piece := fh.read(UPLOAD_CHUNK):
                    yield piece

        with self._errors():
            resp = self._http.post(
                BUNDLES_PATH,
                content=body(),
                headers={
                    "Content-Type": BUNDLE_TYPE,
                    "Content-Length": str(size),
                    SENDER_HEADER: sender,
                },
            )
        result = resp.headers.get(RESULT_HEADER, "")
        if resp.status_code == 200:
            return HubReply(200, result or "imported", resp.content)
        message, reason, doc = _message_of(resp)
        if resp.status_code == 409 and reason == "gap" and isinstance(doc.get("ack"), str):
            try:
                ack = b64d(doc["ack"])
            except ValueError:
                ack = None
            return HubReply(409, "gap", ack, message, reason)
        raise self._fail(resp, "上传同步包")

    def recovery(self, body: bytes, signature: str) -> bytes:
        with self._errors():
            resp = self._http.post(
                RECOVERY_PATH,
                content=body,
                headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
                timeout=600.0,
            )
        if resp.status_code == 200:
            return resp.content
        raise self._fail(resp, "从上级恢复本站台账")

    def poll(self, body: bytes, signature: str) -> bytes | None:
        with self._errors():
            resp = self._http.post(
                POLL_PATH,
                content=body,
                headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
                timeout=60.0,
            )
        if resp.status_code in (204, 429):
            return None
        if resp.status_code == 200:
            return resp.content
        raise self._fail(resp, "查询下发记录")


def recover_from_hub(ctx: Ctx, url: str, *, transport: httpx.BaseTransport | None = None) -> Any:
    """从上级恢复本站台账 over the network: ask the parent's hub (already re-paired with this
    installation's card) for the recovery bundle and restore from it (:mod:`.recovery`)."""
    import tempfile

    from .netproto import build_recovery_request
    from .recovery import recover_station

    ctx.require("sync.pair")
    parent = ctx.session.scalars(
        select(SyncPeer).where(SyncPeer.relation == "parent", SyncPeer.active.is_(True))
    ).first()
    ctx.session.rollback()
    if parent is None:
        raise SyncError("本站还没有与上级配对：请先导入上级的工作站卡片，并把本站新卡片交上级导入")
    url = normalize_hub_url(url)
    info = check_hub(url, expect_code=parent.station_code, transport=transport)
    body, signature = build_recovery_request(load_station_keys(ctx.db), ctx.station.code, info.code)
    with HubClient(url, transport=transport) as client:
        data = client.recovery(body, signature)
    with tempfile.TemporaryDirectory(prefix="zongzhi-recover-") as tmp:
        path = Path(tmp) / f"恢复包_{info.code}_至_{ctx.station.code}.zzb"
        path.write_bytes(data)
        return recover_station(ctx, path)


def check_hub(
    url: str,
    *,
    expect_code: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> HubInfo:
    """测试连接: does the address answer as a hub (and is it the expected station)?"""
    url = normalize_hub_url(url)
    if not url:
        raise HubRefused("请先填写同步服务地址")
    with HubClient(url, transport=transport) as client:
        info = client.health()
    if expect_code and info.code != expect_code:
        raise HubRefused(
            f"{url} 是{info.label}的同步服务，不是本站的上级（{expect_code}）：请核对同步服务地址"
        )
    return info


# --- the outbox: a bundle waiting for its acknowledgement, and the network status ------------


def outbox_dir(db: Database) -> Path:
    return db.path.with_name(db.path.name + ".outbox")


@dataclass
class NetStatus:
    hub_url: str = ""
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str = ""
    last_error_at: datetime | None = None
    last_message: str = ""

    @property
    def failing(self) -> bool:
        return bool(self.last_error) and (
            self.last_success_at is None
            or (self.last_error_at is not None and self.last_error_at > self.last_success_at)
        )


_STATUS_LOCK = threading.Lock()


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_utc(value)
    except ValueError:
        return None


def net_status(db: Database) -> NetStatus:
    """The last network sync attempt, success and error (for the status bar and ``sync``)."""
    doc = _read_json(outbox_dir(db) / "status.json")
    return NetStatus(
        hub_url=str(doc.get("hub_url", "")),
        last_attempt_at=_moment(doc.get("last_attempt_at")),
        last_success_at=_moment(doc.get("last_success_at")),
        last_error=str(doc.get("last_error", "")),
        last_error_at=_moment(doc.get("last_error_at")),
        last_message=str(doc.get("last_message", "")),
    )


def _record_status(db: Database, **changes: Any) -> None:
    path = outbox_dir(db) / "status.json"
    with _STATUS_LOCK:
        doc = _read_json(path)
        for k, v in changes.items():
            doc[k] = format_utc(v) if isinstance(v, datetime) else v
        with contextlib.suppress(OSError):
            _write_json(path, doc)


class _Outbox:
    """The cumulative bundle last written for the parent and not yet acknowledged."""

    def __init__(self, db: Database, peer_code: str) -> None:
        self.dir = outbox_dir(db) / peer_code
        self.dir.mkdir(parents=True, exist_ok=True)
        self.state_path = self.dir / "state.json"
        self.state = _read_json(self.state_path)
        self._sweep()

    def _sweep(self) -> None:
        """Files an interrupted round left behind (not the bundle waiting for its answer)."""
        keep = self.state.get("file")
        cutoff = time.time() - 3600
        for f in self.dir.iterdir():
            if f.name in ("state.json", keep) or not f.is_file():
                continue
            with contextlib.suppress(OSError):
                if f.stat().st_mtime < cutoff:
                    f.unlink()

    def save(self) -> None:
        _write_json(self.state_path, self.state)

    @staticmethod
    def fingerprint(session: Any, peer: SyncPeer) -> str:
        """What the bundle for ``peer`` depends on: when it is unchanged, a bundle written
        earlier is still exactly the bundle to send."""
        state = session.get(LocalState, 1)
        hwm = sorted((h.origin, int(h.rev)) for h in session.scalars(select(SyncHwm)))
        relayed = sorted(
            (a.origin, int(a.acked_rev))
            for a in session.scalars(
                select(SyncRelayAck).where(SyncRelayAck.peer_code == peer.station_code)
            )
        )
        return json.dumps(
            [
                int(state.rev_counter),
                int(state.epoch),
                int(peer.acked_rev),
                peer.fingerprint,
                hwm,
                relayed,
            ]
        )

    def pending_file(self, fingerprint: str) -> tuple[Path, str, int] | None:
        name = self.state.get("file")
        if not isinstance(name, str) or self.state.get("fingerprint") != fingerprint:
            return None
        path = self.dir / name
        if not path.is_file():
            return None
        return path, str(self.state.get("bundle_id", "")), int(self.state.get("records", 0))

    def keep(self, res: ExportResult, fingerprint: str) -> None:
        self.discard()
        self.state.update(
            file=res.path.name,
            bundle_id=res.bundle_id,
            records=res.record_count,
            fingerprint=fingerprint,
        )
        self.save()

    def discard(self) -> None:
        name = self.state.pop("file", None)
        if isinstance(name, str):
            (self.dir / name).unlink(missing_ok=True)
        for key in ("bundle_id", "records", "fingerprint"):
            self.state.pop(key, None)
        self.save()

    def urgent_sent(self) -> dict[str, int]:
        raw = self.state.get("urgent_sent", {})
        return {str(k): int(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


# --- one round -------------------------------------------------------------------------------


def _parent(ctx: Ctx) -> SyncPeer:
    peer = ctx.session.scalars(
        select(SyncPeer).where(SyncPeer.relation == "parent", SyncPeer.active.is_(True))
    ).first()
    if peer is None:
        raise HubRefused(
            "本站还没有与上级配对，不能联网同步：请先与乡镇交换工作站卡片（同步页 → 导入上级卡片）"
        )
    return peer


class _Round:
    def __init__(
        self, ctx: Ctx, client: HubClient, peer: SyncPeer, guard: Guard, report: SyncReport
    ) -> None:
        self.ctx = ctx
        self.client = client
        self.peer_code = peer.station_code
        self.me = ctx.station.code
        self.guard = guard
        self.report = report
        self.outbox = _Outbox(ctx.db, peer.station_code)
        self.max_body = 0  # the hub's limit (from /health)

    def peer(self) -> SyncPeer:
        self.ctx.session.expire_all()
        peer = self.ctx.session.get(SyncPeer, self.peer_code)
        if peer is None or not peer.active:
            raise HubRefused("与上级的配对已解除，不能联网同步")
        return peer

    def import_ack(self, data: bytes) -> ImportResult:
        path = self.outbox.dir / f".ack-{os.getpid()}-{threading.get_ident()}.zza"
        path.write_bytes(data)
        try:
            with self.guard():
                res = import_bundle(self.ctx, path, expect_kind="ack")
        finally:
            path.unlink(missing_ok=True)
        if res.status == "imported":
            totals = res.summary.get("totals", {})
            received = int(totals.get("new", 0)) + int(totals.get("updated", 0))
            self.report.downstream += received
            self.report.notices += [str(n) for n in res.summary.get("notices", [])]
            self.report.refused += [r for r in res.refused_rows() if r["by"] == "peer"]
            if received:  # tell the parent (in the next bundle's "have") what arrived
                self.outbox.state["owe_have"] = True
                self.outbox.save()
        elif not (res.ok or res.reason in ("stale", "duplicate")):
            raise HubRefused(f"上级的回执无法导入：{res.message}")
        return res

    def send(self, path: Path, kind: str, bundle_id: str, records: int) -> str:
        """Upload one file; import the acknowledgement; return the hub's verdict."""
        if self.report.hub_code and path.stat().st_size > self.max_body > 0:
            raise HubRefused(
                f"同步包（{path.stat().st_size // (1 << 20) + 1} MB）超过同步服务的上限"
                f"（{self.max_body // (1 << 20)} MB）：请用U盘同步，或请乡镇管理员调大上限"
            )
        reply = self.client.push(path, self.me)
        push = PushResult(kind, bundle_id, records, reply.result)
        if reply.ack is not None:
            push.ack = self.import_ack(reply.ack).status
        self.report.pushes.append(push)
        log.info(
            "pushed %s to %s: %s, %d records",
            "urgent items" if kind == "urgent" else "bundle",
            self.peer_code,
            reply.result,
            records,
        )
        return reply.result

    def urgent(self) -> None:
        with self.guard():
            got = export_urgent(self.ctx, self.outbox.dir, skip=self.outbox.urgent_sent())
        if got is None:
            return
        res, revs = got
        try:
            result = self.send(res.path, "urgent", res.bundle_id, res.record_count)
        finally:
            res.path.unlink(missing_ok=True)
        if result in ("imported", "duplicate"):
            sent = self.outbox.urgent_sent()
            sent.update(revs)
            self.outbox.state["urgent_sent"] = sent
            self.outbox.save()

    def cumulative(self) -> None:
        for _attempt in range(3):
            peer = self.peer()
            fp = _Outbox.fingerprint(self.ctx.session, peer)
            waiting = self.outbox.pending_file(fp)
            if waiting is None:
                pending = pending_count(self.ctx.session, self.me, peer)
                self.ctx.session.rollback()
                if not pending and not self.outbox.state.get("owe_have"):
                    return  # nothing to send, and the parent knows what arrived from it
                with self.guard():
                    res = write_bundle(self.ctx, self.outbox.dir, to=self.peer_code)
                self.report.notices += res.notices
                self.ctx.session.expire_all()
                self.outbox.keep(res, _Outbox.fingerprint(self.ctx.session, self.peer()))
                self.ctx.session.rollback()
                waiting = (res.path, res.bundle_id, res.record_count)
            path, bundle_id, records = waiting
            result = self.send(path, "bundle", bundle_id, records)
            if result in ("imported", "duplicate"):
                self.outbox.state.pop("owe_have", None)
                self.outbox.discard()
                # what the parent acknowledged no longer needs sending ahead
                acked = int(self.peer().acked_rev)
                self.ctx.session.rollback()
                self.outbox.state["urgent_sent"] = {
                    k: v for k, v in self.outbox.urgent_sent().items() if v > acked
                }
                self.outbox.save()
                return
            # stale or gap: the acknowledgement just imported says where the parent stands
            self.outbox.discard()
        raise HubUnreachable("上级多次未能确认本站的同步包，稍后会自动重试")

    def downstream(self) -> None:
        keys = load_station_keys(self.ctx.db)
        have = have_for(self.ctx.session, self.peer_code)
        self.ctx.session.rollback()
        body, signature = build_poll(keys, self.me, self.peer_code, have)
        data = self.client.poll(body, signature)
        if data is not None:
            self.import_ack(data)


def sync_once(
    db: Database,
    url: str | None = None,
    *,
    operator: str | None = None,
    clock: Clock = utcnow,
    transport: httpx.BaseTransport | None = None,
    guard: Guard | None = None,
    poll: bool = True,
) -> SyncReport:
    """One round with the parent's hub (``url``, default: the station setting 同步服务地址).

    Raises :class:`NetError` (or another :class:`AppError`) when the round did not complete;
    what was acknowledged before the failure stays acknowledged."""
    guard = guard or contextlib.nullcontext
    ctx = open_ctx(db, operator, clock=clock)
    started = clock()
    report = SyncReport(url=url or "")
    try:
        configured = settings_of(ctx).hub_url
        url = normalize_hub_url(url if url is not None else configured)
        report.url = url
        if not url:
            raise HubRefused("尚未设置同步服务地址：请在“设置 → 同步服务地址”填写乡镇提供的地址")
        _record_status(db, hub_url=url, last_attempt_at=started)
        peer = _parent(ctx)
        with HubClient(url, transport=transport) as client:
            info = client.health()
            if info.code != peer.station_code:
                raise HubRefused(
                    f"{url} 是{info.label}的同步服务，不是本站的上级"
                    f"（{peer.name}，{peer.station_code}）：请核对同步服务地址"
                )
            report.hub_code, report.hub_name = info.code, info.name
            rnd = _Round(ctx, client, peer, guard, report)
            rnd.max_body = info.max_body
            rnd.urgent()
            rnd.cumulative()
            if poll:
                rnd.downstream()
            report.pending = pending_count(ctx.session, ctx.station.code, rnd.peer())
            ctx.session.rollback()
    except AppError as exc:
        _record_status(db, last_error=str(exc), last_error_at=clock())
        raise
    finally:
        ctx.close()
    _record_status(db, last_success_at=clock(), last_message=report.message, last_error="")
    return report


# --- a background loop without Qt (a township hub forwarding to its county) ------------------


class AutoPusher:
    """Runs :func:`sync_once` on a thread: after :meth:`wake` (soon), every ``interval``
    seconds otherwise, and after a failure with back-off and jitter."""

    def __init__(
        self,
        db: Database,
        url: str,
        *,
        interval: float = 300.0,
        guard: Guard | None = None,
        clock: Clock = utcnow,
        backoff: Backoff | None = None,
        delay: float = 1.0,
    ) -> None:
        self.db = db
        self.url = url
        self.interval = interval
        self.guard = guard
        self.clock = clock
        self.backoff = backoff or Backoff()
        self.delay = delay
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_report: SyncReport | None = None
        self.last_error = ""
        self.rounds = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="zongzhi-forward", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        wait = self.delay
        while not self._stop.is_set():
            self._wake.wait(wait)
            if self._stop.is_set():
                return
            if self._wake.is_set():
                self._wake.clear()
                if self._stop.wait(self.delay):  # let a burst of imports settle
                    return
                self._wake.clear()
            try:
                self.last_report = sync_once(self.db, self.url, clock=self.clock, guard=self.guard)
                self.last_error = ""
                self.backoff.succeeded()
                wait = self.interval
                log.info("forwarded to %s: %d records", self.url, self.last_report.sent)
            except AppError as exc:
                self.last_error = str(exc)
                wait = self.backoff.failed() if getattr(exc, "retry", True) else self.interval
                log.info("forwarding failed (%s); next try in %.0f s", type(exc).__name__, wait)
            except Exception as exc:  # the frames only: a message may quote a record
                log.error(
                    "forwarding crashed: %s\n%s",
                    type(exc).__name__,
                    "".join(traceback.format_tb(exc.__traceback__)),
                )
                wait = self.backoff.failed()
            finally:
                self.rounds += 1
