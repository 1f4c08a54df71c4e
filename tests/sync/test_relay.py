"""Looking ahead to three levels (issue 7): a township forwards its villages' records to the county
with their original origin and rev; per-origin ranges and acknowledgements keep it exact, and
nothing echoes back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.models import SyncRelayAck
from app.sync import manifest as mf

from ..conftest import COUNTY
from .conftest import Node, make_node, pair, peer
from .helpers import add_dispute, add_visit, forge


@pytest.fixture
def county(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    node = make_node("county", COUNTY, tmp_path, tmp_path_factory)
    yield node
    node.close()


def test_village_records_reach_the_county_through_the_township(
    paired: tuple[Node, Node], county: Node
) -> None:
    village, township = paired
    pair(township, county)
    add_dispute(village.ctx, 1)
    add_dispute(township.ctx, 2)  # the township's own case
    assert township.import_(village.export().path).status == "imported"
    up = township.export()
    origins = {r.origin for r in up.ranges}
    assert origins == {township.code, village.code}
    res = county.import_(up.path)
    assert res.status == "imported", res.message
    assert county.rows(village.code) == village.rows(village.code)
    assert county.rows(township.code) == township.rows(township.code)
    # the county's acknowledgement covers the relayed origin too
    assert township.import_(county.ack_for(township).path).status == "imported"
    township.ctx.session.expire_all()
    relay = township.ctx.session.get(SyncRelayAck, (county.code, village.code))
    assert relay is not None and relay.acked_rev > 0
    assert township.export().record_count == 0  # nothing re-sent, nothing echoed
    # a later village change travels on alone
    add_visit(village.ctx, 3)
    assert township.import_(village.export().path).status == "imported"
    again = township.export()
    assert {r.origin for r in again.ranges if r.count} == {village.code}
    assert county.import_(again.path).status == "imported"
    assert county.rows(village.code) == village.rows(village.code)


def test_county_refuses_records_of_a_village_outside_the_township(
    paired: tuple[Node, Node], county: Node
) -> None:
    _, township = paired
    pair(township, county)
    foreign = "110105002001"  # a village of another township
    row = {
        "t": "person",
        "r": {"id": "01a2fa00-0000-7000-8000-0000000000d1", "origin": foreign, "rev": 3},
    }
    path = forge(
        township.ctx,
        peer(township, county.code),
        township.out / "x.zzb",
        [row],
        ranges=[mf.Range(foreign, 0, 10, 1)],
    )
    res = county.import_(path)
    assert res.status == "rejected" and res.reason == "origin"
