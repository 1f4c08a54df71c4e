"""Messages for the ordinary mistakes of issue 17: a reinstalled station's refusal reads as a
changed key (not as a missing range), and a station card given as a bundle is named as such
(not as a torn USB copy). Nothing is written either way."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.sync.cards import export_card, import_card, read_card

from ..conftest import TOWNSHIP
from .conftest import Node, ledger_digest, make_node
from .helpers import add_dispute, add_visit


def test_a_station_card_given_as_a_bundle(paired: tuple[Node, Node]) -> None:
    village, township = paired
    card, _ = export_card(village.ctx, village.out)
    before = ledger_digest(township.db)
    res = township.import_(card)
    assert res.status == "rejected" and res.reason == "card"
    assert "工作站卡片" in res.message and "card import" in res.message
    assert "损坏" not in res.message and village.code in res.message
    assert ledger_digest(township.db) == before


def test_a_reinstalled_township_reports_a_changed_key_not_a_gap(
    paired: tuple[Node, Node], tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    village, township = paired
    add_dispute(village.ctx, 1)
    assert township.import_(village.export().path).status == "imported"
    assert village.import_(township.ack_for(village).path, expect_kind="ack").status == "imported"
    add_visit(village.ctx, 2)  # the township's PC dies; it is reinstalled with the same code
    (tmp_path / "new").mkdir()
    fresh = make_node("township-new", TOWNSHIP, tmp_path / "new", tmp_path_factory)
    try:
        card, fp = export_card(village.ctx, village.out)
        import_card(fresh.ctx, read_card(card), expect_fingerprint=fp)
        bundle = village.export().path  # still encrypted for the township's old key
        before = ledger_digest(fresh.db)
        res = fresh.import_(bundle)
        assert res.status == "rejected" and res.reason == "recipient_key", res.message
        assert "以前的密钥" in res.message and "--replace" in res.message
        assert "缺少" not in res.message
        assert ledger_digest(fresh.db) == before
    finally:
        fresh.close()
