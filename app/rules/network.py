"""The township hub's address as a clerk types it (设置 → 同步服务地址)."""

from __future__ import annotations

import ipaddress
import random
import re
from urllib.parse import urlsplit, urlunsplit

from .errors import ValidationError

DEFAULT_HUB_PORT = 8750
_HOST = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)

_FIELD = ("hub_url", "同步服务地址")


def _bad(problem: str) -> ValidationError:
    return ValidationError.single(
        *_FIELD, problem, f"请填写乡镇提供的地址，如 http://10.0.0.5:{DEFAULT_HUB_PORT}"
    )


def normalize_hub_url(text: str) -> str:
    """``10.0.0.5`` → ``http://10.0.0.5:8750``; "" stays "" (no network sync).

    Accepts http and https, a host name or IP address, an optional port and path prefix (a hub
    behind a reverse proxy). Full-width characters typed by accident are folded first.
    """
    raw = (text or "").strip().translate({0x3002: ".", 0xFF1A: ":", 0xFF0F: "/", 0x3000: " "})
    raw = raw.strip()
    if not raw:
        return ""
    if " " in raw:
        raise _bad("不能含有空格")
    if "://" not in raw:
        raw = "http://" + raw
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise _bad("格式不正确（端口应为1至65535的数字）") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise _bad("只支持 http:// 或 https:// 开头的地址")
    host = parts.hostname or ""
    if not host:
        raise _bad("缺少服务器地址")
    try:
        ip = ipaddress.ip_address(host)
        shown_host = f"[{ip}]" if ip.version == 6 else str(ip)
    except ValueError:
        if not _HOST.match(host):
            raise _bad(f"服务器名“{host[:40]}”不正确") from None
        shown_host = host.lower()
    if parts.username or parts.password:
        raise _bad("不能包含用户名或口令")
    if parts.query or parts.fragment:
        raise _bad("不能包含“?”或“#”之后的内容")
    scheme = parts.scheme.lower()
    if port is None and scheme == "http":
        port = DEFAULT_HUB_PORT  # the hub's default port (zongzhi serve)
    netloc = shown_host if port is None else f"{shown_host}:{port}"
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), "", ""))


class Backoff:
    """Exponential back-off with full jitter: after the n-th failure in a row wait a random
    time in [base·2ⁿ⁻¹ / 2, base·2ⁿ⁻¹], at most ``cap``; a success resets it."""

    def __init__(self, base: float = 5.0, cap: float = 900.0, rng: random.Random | None = None):
        self.base = base
        self.cap = cap
        self.failures = 0
        self._rng = rng or random.Random()

    def failed(self) -> float:
        self.failures += 1
        top = min(self.cap, self.base * (2 ** min(self.failures - 1, 30)))
        return self._rng.uniform(top / 2, top)

    def succeeded(self) -> None:
        self.failures = 0
