"""Pairing by signed station cards and a fingerprint read over the phone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.models import Station
from app.rules.errors import PermissionDenied
from app.services.operators import OperatorInput, create_operator
from app.sync.cards import export_card, import_card, parse_card, read_card, unpair
from app.sync.errors import PairingError
from app.sync.keys import renew_station_keys

from .conftest import Node, ledger_digest, pair, peer
from .helpers import add_dispute


def test_cards_pair_parent_and_child(village: Node, township: Node) -> None:
    card_v, fp_v = export_card(village.ctx, village.out)
    card_t, fp_t = export_card(township.ctx, township.out)
    assert card_v.suffix == ".zzc" and len(fp_v.replace("-", "")) == 20 and fp_v != fp_t
    r1 = import_card(township.ctx, read_card(card_v), expect_fingerprint=fp_v.replace("-", " "))
    r2 = import_card(village.ctx, read_card(card_t), expect_fingerprint=fp_t)
    assert (r1.relation, r1.status, r2.relation) == ("child", "paired", "parent")
    assert "指纹" in r1.message and "柳树村综治中心" in r1.message
    row = peer(township, village.code)
    assert row.fingerprint == fp_v and row.active and row.card
    station = township.ctx.session.get(Station, village.code)
    assert station is not None and station.name == "柳树村综治中心"
    again = import_card(township.ctx, read_card(card_v), expect_fingerprint=fp_v)
    assert again.status == "unchanged"


def test_fingerprint_mismatch_is_refused(village: Node, township: Node) -> None:
    card, _ = export_card(village.ctx, village.out)
    before = ledger_digest(township.db)
    with pytest.raises(PairingError, match="指纹不一致"):
        import_card(township.ctx, read_card(card), expect_fingerprint="1234-5678-9012-3456-7890")
    assert ledger_digest(township.db) == before


def test_tampered_card_is_refused(village: Node, township: Node) -> None:
    card, _ = export_card(village.ctx, village.out)
    doc = json.loads(card.read_text(encoding="utf-8"))
    doc["card"]["name"] = "冒名村"
    with pytest.raises(PairingError, match="签名无效"):
        parse_card(json.dumps(doc).encode())
    with pytest.raises(PairingError, match="不是有效的工作站卡片"):
        parse_card(b"not json at all")


def test_only_parent_or_child_can_pair(village: Node, village2: Node) -> None:
    card, fp = export_card(village2.ctx, village2.out)
    with pytest.raises(PairingError, match="既不是本站的上级也不是本站的下级"):
        import_card(village.ctx, read_card(card), expect_fingerprint=fp)
    own, fp_own = export_card(village.ctx, village.out)
    with pytest.raises(PairingError, match="本站自己的卡片"):
        import_card(village.ctx, read_card(own), expect_fingerprint=fp_own)


def test_changed_keys_need_explicit_replacement(village: Node, township: Node) -> None:
    pair(village, township)
    add_dispute(village.ctx, 1)
    assert township.import_(village.export().path).status == "imported"
    assert village.import_(township.ack_for(village).path).status == "imported"
    renew_station_keys(village.db)  # the village moved to a new PC
    card, fp = export_card(village.ctx, village.out)
    with pytest.raises(PairingError, match="密钥不同"):
        import_card(township.ctx, read_card(card), expect_fingerprint=fp)
    res = import_card(township.ctx, read_card(card), expect_fingerprint=fp, replace=True)
    assert res.status == "replaced"
    row = peer(township, village.code)
    assert row.fingerprint == fp and row.in_seq == 0
    res2 = township.import_(village.export().path)
    assert res2.status == "imported", res2.message


def test_only_admins_pair_and_unpair_stops_imports(paired: tuple[Node, Node]) -> None:
    village, township = paired
    create_operator(
        township.ctx, OperatorInput("clerk1", "录入员甲", "township_officer", "clerk1234")
    )
    officer = township.fresh_ctx("clerk1")
    card, fp = export_card(village.ctx, village.out)
    with pytest.raises(PermissionDenied):
        import_card(officer, read_card(card), expect_fingerprint=fp)
    officer.close()
    unpair(township.ctx, village.code)
    res = township.import_(village.export().path)
    assert res.status == "rejected" and res.reason == "unpaired"


def test_card_file_contains_no_private_key(village: Node) -> None:
    from app.sync.canonical import b64e
    from app.sync.keys import load_station_keys

    card, _ = export_card(village.ctx, village.out)
    text = Path(card).read_text(encoding="utf-8")
    seed, enc = load_station_keys(village.db).pair.raw()
    assert b64e(seed) not in text and b64e(enc) not in text
