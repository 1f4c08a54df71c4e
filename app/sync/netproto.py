"""The network transport of sync (DESIGN §5): same bundles, same acknowledgements, over HTTP.

Endpoints of a hub (``zongzhi serve``)::

    GET  /health, /api/v1/health   → 200 JSON: the hub's station (code, name, level, key
                                      fingerprint), program and schema version, database kind
    POST /api/v1/bundles           body: a bundle (.zzb) exactly as written for a USB stick
                                   → 200 body: the signed acknowledgement (.zza), the same bytes a
                                      USB import would produce; header X-Zongzhi-Result says
                                      imported | duplicate | stale. A repeated upload (same
                                      bundle id) writes nothing and gets the same bytes again.
                                   → 409 JSON with the acknowledgement (base64, "ack") when the
                                      bundle starts after a gap: importing the acknowledgement
                                      tells the sender where to start again.
                                   → 4xx JSON {"error": Chinese sentence, "reason": code} for a
                                      stranger (unpaired 403), a bad signature (403), a bundle
                                      for another station (421), a malformed file (400), a file
                                      over the limit (413), a newer program (422); 503 when the
                                      database failed (nothing was written: import is all or
                                      nothing — send again later).
    POST /api/v1/poll              body: a poll request signed by a paired child (below)
                                   → 200 an acknowledgement carrying records addressed to the
                                      child (督办 …) when there are any it does not hold yet;
                                      204 when there are none.

A poll request is canonical JSON ``{"format": "zongzhi-poll/1", "station", "hub", "key_fp",
"have": [{"origin", "rev"}], "nonce"}``, signed with the child's Ed25519 key (domain
``zongzhi-poll-v1``) in the header ``X-Zongzhi-Signature`` (base64).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any

from .canonical import b64d, b64e, canonical_json
from .crypto import sign, verify
from .errors import BundleRejected
from .keys import StationKeys

API = "/api/v1"
BUNDLES_PATH = f"{API}/bundles"
POLL_PATH = f"{API}/poll"
HEALTH_PATHS = ("/health", f"{API}/health")
BUNDLE_TYPE = "application/vnd.zongzhi.bundle"
ACK_TYPE = "application/vnd.zongzhi.ack"
RESULT_HEADER = "X-Zongzhi-Result"
SIGNATURE_HEADER = "X-Zongzhi-Signature"
SENDER_HEADER = "X-Zongzhi-Sender"  # informational (logs); the signed manifest decides
POLL_FORMAT = "zongzhi-poll/1"
POLL_DOMAIN = b"zongzhi-poll-v1"
RECOVERY_PATH = f"{API}/recovery"
RECOVERY_DOMAIN = b"zongzhi-recovery-v1"  # a poll body signed for this purpose only
MAX_POLL = 64 * 1024

_CODE = re.compile(r"\d{12}")

# importer refusal reason → HTTP status
STATUS_BY_REASON: dict[str, int] = {
    "unpaired": 403,
    "key_changed": 403,
    "signature": 403,
    "origin": 403,
    "route": 403,
    "not_owner": 403,
    "recipient": 421,
    "recipient_key": 421,
    "newer_schema": 422,
    "newer_format": 422,
    "old_format": 422,
    "gap": 409,
    "integrity": 409,
    "oversize": 413,
    "too_large": 413,
    "apply_failed": 503,
}


def status_for(reason: str) -> int:
    """Anything not listed is a malformed or damaged file: 400."""
    return STATUS_BY_REASON.get(reason, 400)


def error_body(message: str, reason: str, **extra: Any) -> bytes:
    return json.dumps({"error": message, "reason": reason, **extra}, ensure_ascii=False).encode()


@dataclass(frozen=True)
class PollRequest:
    station: str
    hub: str
    key_fp: str
    have: dict[str, int]


def build_poll(
    keys: StationKeys, station: str, hub: str, have: dict[str, int]
) -> tuple[bytes, str]:
    """The body and signature header of a poll request."""
    body = canonical_json(
        {
            "format": POLL_FORMAT,
            "station": station,
            "hub": hub,
            "key_fp": keys.info.fingerprint,
            "have": [{"origin": o, "rev": r} for o, r in sorted(have.items())],
            "nonce": b64e(os.urandom(12)),
        }
    )
    return body, b64e(sign(keys.pair.sign, POLL_DOMAIN, body))


def build_recovery_request(keys: StationKeys, station: str, hub: str) -> tuple[bytes, str]:
    """A re-paired station asks its parent's hub for its recovery bundle (same body as a poll,
    signed under its own domain so that a poll cannot be replayed as a recovery request)."""
    body = canonical_json(
        {
            "format": POLL_FORMAT,
            "station": station,
            "hub": hub,
            "key_fp": keys.info.fingerprint,
            "have": [],
            "nonce": b64e(os.urandom(12)),
        }
    )
    return body, b64e(sign(keys.pair.sign, RECOVERY_DOMAIN, body))


def recovery_signature_ok(sign_public: str, body: bytes, signature_b64: str) -> bool:
    try:
        signature = b64d(signature_b64.strip())
    except ValueError:
        return False
    return len(signature) == 64 and verify(sign_public, RECOVERY_DOMAIN, body, signature)


def parse_poll(body: bytes) -> PollRequest:
    """Parse (not yet verify) a poll request; raises :class:`BundleRejected`."""
    bad = BundleRejected("malformed", "同步查询请求格式不正确")
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise bad from exc
    if not isinstance(doc, dict) or doc.get("format") != POLL_FORMAT:
        raise bad
    if canonical_json(doc) != body:
        raise bad
    station, hub, key_fp = doc.get("station"), doc.get("hub"), doc.get("key_fp")
    raw_have = doc.get("have")
    if not (
        isinstance(station, str)
        and _CODE.fullmatch(station)
        and isinstance(hub, str)
        and _CODE.fullmatch(hub)
        and isinstance(key_fp, str)
        and len(key_fp) <= 40
        and isinstance(raw_have, list)
        and len(raw_have) <= 10_000
    ):
        raise bad
    have: dict[str, int] = {}
    for h in raw_have:
        if not isinstance(h, dict):
            raise bad
        origin, rev = h.get("origin"), h.get("rev")
        if not isinstance(origin, str) or not _CODE.fullmatch(origin) or type(rev) is not int:
            raise bad
        if not 0 <= rev < (1 << 63):
            raise bad
        have[origin] = rev
    return PollRequest(station, hub, key_fp, have)


def poll_signature_ok(sign_public: str, body: bytes, signature_b64: str) -> bool:
    try:
        signature = b64d(signature_b64.strip())
    except ValueError:
        return False
    return len(signature) == 64 and verify(sign_public, POLL_DOMAIN, body, signature)
