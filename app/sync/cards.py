"""Pairing by station cards (DESIGN §5).

A card (``.zzc``) is a small signed JSON file: the station's code, name, level, parent and its
two public keys, self-signed with its Ed25519 key. Trust does not come from the file — anyone can
make one — but from the *fingerprint*: both sides read the 20-digit number aloud over the phone
and confirm it matches before the card is accepted. Only paired stations can exchange bundles:
a township accepts bundles only from villages whose card it imported, and a village accepts
acknowledgements only from its township.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app import __version__
from app.models import Station, SyncPeer, SyncRelayAck
from app.models.base import format_utc
from app.rules.filenames import safe_file_name
from app.rules.hierarchy import level_of, parent_of
from app.rules.stations import LEVEL_LABELS
from app.services.context import Ctx

from .canonical import b64d, b64e, canonical_json
from .crypto import check_public_key, fingerprint, sign, verify
from .errors import PairingError
from .keys import ensure_station_keys, load_station_keys

CARD_FORMAT = "zongzhi-card/1"
CARD_DOMAIN = b"zongzhi-card-v1"
MAX_CARD = 64 * 1024


@dataclass(frozen=True)
class Card:
    code: str
    name: str
    level: str
    parent_code: str
    key_id: str
    sign_public: str
    enc_public: str
    created_at: str
    fingerprint: str
    raw: str  # the file's JSON text, kept with the peer for audit

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level)


@dataclass(frozen=True)
class PairResult:
    card: Card
    relation: str  # parent | child
    status: str  # paired | unchanged | replaced

    @property
    def message(self) -> str:
        rel = "上级" if self.relation == "parent" else "下级"
        verb = {
            "paired": "已配对",
            "unchanged": "已配对（卡片未变化）",
            "replaced": "已更换密钥并重新配对",
        }
        return (
            f"{verb[self.status]}：{rel} {self.card.name}（{self.card.code}），"
            f"指纹 {self.card.fingerprint}"
        )


def export_card(ctx: Ctx, out: Path) -> tuple[Path, str]:
    """Write this station's signed card; return the path and the fingerprint to read out."""
    ctx.require("sync.run")
    ensure_station_keys(ctx.db)
    keys = load_station_keys(ctx.db)
    st = ctx.station
    body = {
        "code": st.code,
        "name": st.name,
        "level": st.level,
        "parent_code": st.parent_code or "",
        "key_id": keys.info.key_id,
        "sign_public": keys.info.sign_public,
        "enc_public": keys.info.enc_public,
        "created_at": format_utc(ctx.now()),
        "app_version": __version__,
    }
    signature = sign(keys.pair.sign, CARD_DOMAIN, canonical_json(body))
    doc = {"format": CARD_FORMAT, "card": body, "signature": b64e(signature)}
    if out.is_dir():
        out = out / safe_file_name(f"工作站卡片_{st.code}_{st.name}", ".zzc")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.part")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(out)
    return out, keys.info.fingerprint


def parse_card(data: bytes) -> Card:
    """Check a card's format, fields and self-signature (not yet whether to trust it)."""
    bad = PairingError("这不是有效的工作站卡片文件（格式不正确或已被改动），请让对方重新导出")
    if len(data) > MAX_CARD:
        raise bad
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise bad from None
    if not isinstance(doc, dict) or doc.get("format") != CARD_FORMAT:
        if isinstance(doc, dict) and str(doc.get("format", "")).startswith("zongzhi-card/"):
            raise PairingError("工作站卡片由更新版本的程序生成，请先升级本站程序")
        raise bad
    body = doc.get("card")
    if not isinstance(body, dict):
        raise bad
    fields: dict[str, str] = {}
    for key in (
        "code",
        "name",
        "level",
        "parent_code",
        "key_id",
        "sign_public",
        "enc_public",
        "created_at",
    ):
        value = body.get(key)
        if not isinstance(value, str) or len(value) > 200:
            raise bad
        fields[key] = value
    try:
        check_public_key(fields["sign_public"])
        check_public_key(fields["enc_public"])
        signature = b64d(str(doc.get("signature", "")))
    except ValueError:
        raise bad from None
    if not verify(fields["sign_public"], CARD_DOMAIN, canonical_json(body), signature):
        raise PairingError("工作站卡片签名无效（文件被改动过），请让对方重新导出卡片")
    code = fields["code"]
    if level_of(code) is None or level_of(code) != fields["level"] or not fields["name"].strip():
        raise PairingError(f"工作站卡片中的区划代码“{code[:20]}”或层级不正确")
    return Card(
        code=code,
        name=fields["name"].strip(),
        level=fields["level"],
        parent_code=fields["parent_code"],
        key_id=fields["key_id"],
        sign_public=fields["sign_public"],
        enc_public=fields["enc_public"],
        created_at=fields["created_at"],
        fingerprint=fingerprint(code, fields["sign_public"], fields["enc_public"]),
        raw=data.decode("utf-8"),
    )


def read_card(path: Path) -> Card:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PairingError(f"无法读取工作站卡片 {path}（{exc.strerror or exc}）") from exc
    return parse_card(data)


def relation_to(ctx: Ctx, card: Card) -> str:
    me = ctx.station
    if card.code == me.code:
        raise PairingError("这是本站自己的卡片，请导入对方工作站的卡片")
    my_parent = me.parent_code or parent_of(me.code)
    if card.code == my_parent:
        return "parent"
    if parent_of(card.code) == me.code:
        return "child"
    rel = f"本站上级为 {my_parent}" if my_parent else "本站没有上级"
    raise PairingError(
        f"{card.name}（{card.code}）既不是本站的上级也不是本站的下级（{rel}），不能配对"
    )


def _normalise_fp(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def import_card(
    ctx: Ctx, card: Card, *, expect_fingerprint: str | None = None, replace: bool = False
) -> PairResult:
    """Pair with the station on ``card`` (after the fingerprints were compared by phone)."""
    ctx.require("sync.pair")
    if expect_fingerprint is not None and _normalise_fp(expect_fingerprint) != _normalise_fp(
        card.fingerprint
    ):
        raise PairingError(
            f"指纹不一致：卡片为 {card.fingerprint}，与核对的号码不同。"
            "请勿配对，并与对方电话确认卡片来源"
        )
    relation = relation_to(ctx, card)
    with ctx.write() as s:
        peer = s.get(SyncPeer, card.code)
        status = "paired"
        if peer is not None and peer.active:
            if peer.fingerprint == card.fingerprint:
                status = "unchanged"
            elif not replace:
                raise PairingError(
                    f"{card.name} 已配对，但这张卡片的密钥不同（原指纹 {peer.fingerprint}，"
                    f"新指纹 {card.fingerprint}）。如对方更换了电脑或重新安装，"
                    "请电话核对新指纹后选择“更换密钥”（命令行加 --replace）"
                )
            else:
                status = "replaced"
        fresh = peer is None
        if peer is None:
            peer = SyncPeer(station_code=card.code, acked_rev=0, in_seq=0, active=True)
        if status != "unchanged":
            if status == "replaced" or not peer.active:
                # the peer may be a fresh installation: start both directions over (bundles are
                # cumulative and idempotent, so re-sending is harmless)
                peer.acked_rev = 0
                peer.in_seq = 0
                for ack in s.scalars(
                    select(SyncRelayAck).where(SyncRelayAck.peer_code == card.code)
                ):
                    ack.acked_rev = 0
            peer.name = card.name
            peer.level = card.level
            peer.relation = relation
            peer.parent_code = card.parent_code
            peer.sign_public = card.sign_public
            peer.enc_public = card.enc_public
            peer.fingerprint = card.fingerprint
            peer.key_id = card.key_id
            peer.card = card.raw
            peer.active = True
            peer.paired_at = ctx.now()
        if fresh:
            s.add(peer)
        station = s.get(Station, card.code)
        if station is None:
            s.add(
                Station(
                    code=card.code,
                    name=card.name,
                    short_name="",
                    level=card.level,
                    parent_code=card.parent_code or None,
                )
            )
        elif station.name != card.name:
            station.name = card.name
    return PairResult(card, relation, status)


def unpair(ctx: Ctx, code: str) -> SyncPeer:
    """Stop accepting bundles from a station (its records stay; re-pair with its card)."""
    ctx.require("sync.pair")
    with ctx.write() as s:
        peer = s.get(SyncPeer, code.strip())
        if peer is None or not peer.active:
            raise PairingError(f"没有与工作站 {code} 配对")
        peer.active = False
    return peer


def peers(ctx: Ctx, *, include_inactive: bool = False) -> list[SyncPeer]:
    q = select(SyncPeer).order_by(SyncPeer.relation.desc(), SyncPeer.station_code)
    if not include_inactive:
        q = q.where(SyncPeer.active.is_(True))
    return list(ctx.session.scalars(q))


def card_dict(card: Card) -> dict[str, Any]:
    return {
        "code": card.code,
        "name": card.name,
        "level": card.level,
        "level_label": card.level_label,
        "parent_code": card.parent_code,
        "fingerprint": card.fingerprint,
        "created_at": card.created_at,
    }
