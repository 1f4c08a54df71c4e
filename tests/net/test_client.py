"""The client's pieces: the hub address as typed, back-off with jitter, the signed poll (and
what the hub answers to forged or misdirected ones)."""

from __future__ import annotations

import random

import httpx
import pytest

from app.rules.errors import ValidationError
from app.rules.network import Backoff, normalize_hub_url
from app.sync.canonical import canonical_json
from app.sync.client import HubRefused, check_hub
from app.sync.keys import load_station_keys
from app.sync.netproto import POLL_PATH, SIGNATURE_HEADER, build_poll

from .conftest import Node, RunningHub


@pytest.mark.parametrize(
    ("typed", "url"),
    [
        ("10.0.0.5", "http://10.0.0.5:8750"),
        ("http://10.0.0.5:8750/", "http://10.0.0.5:8750"),
        ("HTTP://Hub.Example.cn/zz/", "http://hub.example.cn:8750/zz"),
        ("https://hub.example.cn", "https://hub.example.cn"),
        ("127.0.0.1：8750", "http://127.0.0.1:8750"),  # full-width colon from a Chinese IME
        ("[::1]:9000", "http://[::1]:9000"),
        ("  ", ""),
    ],
)
def test_hub_address_as_typed(typed: str, url: str) -> None:
    assert normalize_hub_url(typed) == url


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("ftp://10.0.0.5", "只支持 http://"),
        ("http://10.0.0.5:99999", "端口"),
        ("http://a b", "空格"),
        ("http://user:pw@10.0.0.5", "用户名或口令"),
        ("http://10.0.0.5/?x=1", "“?”"),
        ("http://-bad-.cn", "服务器名"),
    ],
)
def test_bad_hub_addresses_name_the_field_and_the_fix(typed: str, words: str) -> None:
    with pytest.raises(ValidationError) as err:
        normalize_hub_url(typed)
    assert err.value.fields() == ["hub_url"] and words in str(err.value)
    assert "http://10.0.0.5:8750" in str(err.value)  # the example of what to type


def test_backoff_grows_with_jitter_up_to_the_cap_and_resets() -> None:
    b = Backoff(base=5, cap=60, rng=random.Random(7))
    waits = [b.failed() for _ in range(8)]
    for n, w in enumerate(waits, 1):
        top = min(60, 5 * 2 ** (n - 1))
        assert top / 2 <= w <= top
    assert max(waits) <= 60 and waits[-1] >= 30
    b.succeeded()
    assert b.failures == 0 and b.failed() <= 5


def test_check_hub_rejects_what_is_not_a_hub(hub: RunningHub, village: Node) -> None:
    info = check_hub(hub.url, expect_code="110105001000")
    assert info.code == "110105001000" and info.max_body > 0
    with pytest.raises(HubRefused, match="不是本站的上级"):
        check_hub(hub.url, expect_code="110105002000")
    with pytest.raises(HubRefused, match="不是综治工作站的同步服务"):
        check_hub(hub.url + "/api/v1/bundles")  # answers 404/405, not a hub


def test_forged_and_misdirected_polls_are_refused(
    hub: RunningHub, village: Node, township: Node
) -> None:
    keys = load_station_keys(village.db)

    def send(body: bytes, signature: str) -> httpx.Response:
        return httpx.post(
            hub.url + POLL_PATH,
            content=body,
            headers={SIGNATURE_HEADER: signature},
            trust_env=False,
        )

    body, sig = build_poll(keys, village.code, township.code, {})
    assert send(body, sig).status_code == 204  # genuine, nothing waiting
    tampered = body.replace(b'"have":[]', b'"have":[{"origin":"110105001000","rev":0}]')
    assert send(tampered, sig).status_code == 403
    assert send(body, "AAAA").status_code == 403
    other, other_sig = build_poll(keys, village.code, "110105002000", {})
    resp = send(other, other_sig)
    assert resp.status_code == 421 and "本站是" in resp.json()["error"]
    stranger, s_sig = build_poll(keys, "110105001009", township.code, {})
    assert send(stranger, s_sig).status_code == 403
    assert send(b"{}", sig).status_code == 400
    assert send(canonical_json({"format": "zongzhi-poll/1"}), sig).status_code == 400
    assert send(b"x" * 70_000, sig).status_code == 413
