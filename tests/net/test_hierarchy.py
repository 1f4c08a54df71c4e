"""Three levels over the network: village → township hub → county hub. The township is a station
with a parent; its hub forwards what it holds (its own records and its villages', with their
original ids and origins) to the county right after each import. The county ends with every
record exactly once; nothing echoes back down."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import func, select

from app.models import SyncRelayAck, synced_tables
from app.services.supervision import SupervisionInput, create_supervision
from app.sync.client import sync_once
from app.sync.status import sync_status

from ..sync.helpers import add_dispute, add_visit, mediate
from .conftest import Node, bulk_people, count_rows, pair, start_hub


def wait_for(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def total_rows(node: Node, origin: str) -> int:
    with node.db.engine.connect() as conn:
        from app.models import Base

        return sum(
            int(
                conn.execute(
                    select(func.count())
                    .select_from(Base.metadata.tables[t])
                    .where(Base.metadata.tables[t].c.origin == origin)
                ).scalar_one()
            )
            for t in synced_tables()
        )


def test_village_to_township_to_county(village: Node, township: Node, county: Node) -> None:
    pair(village, township)
    pair(township, county)
    county_hub = start_hub(county)
    township_hub = start_hub(township, upstream=county_hub.url, forward_interval=3600)
    forwarder = township_hub.server.forwarder
    try:
        d = add_dispute(village.ctx, 1)
        mediate(village.ctx, d.id)
        add_visit(village.ctx, 2)
        bulk_people(village, 150)
        add_dispute(township.ctx, 3)  # the township's own case
        report = sync_once(village.db, township_hub.url, clock=village.clock)
        assert report.pushes[0].result == "imported"

        def arrived() -> bool:
            return county.rows(village.code) == village.rows(village.code)

        wait_for(arrived)
        wait_for(lambda: county.rows(township.code) == township.rows(township.code))
        # exactly once: same counts per origin at every level, ids and origins kept
        for origin in (village.code, township.code):
            assert total_rows(county, origin) == total_rows(
                village if origin == village.code else township, origin
            )
        assert count_rows(county, village.code) == count_rows(village, village.code)
        # the county acknowledged both origins to the township; nothing is pending upward
        wait_for(lambda: forwarder.rounds >= 1 and not forwarder.last_error)
        with township.db.session() as s:
            relay = s.get(SyncRelayAck, (county.code, village.code))
            assert relay is not None and relay.acked_rev > 0
        wait_for(lambda: sync_status(township.db).pending_up == 0)
        # a second round of changes at both levels travels on; nothing is sent twice
        rounds = forwarder.rounds
        add_visit(village.ctx, 4)
        add_visit(township.ctx, 5)
        sync_once(village.db, township_hub.url, clock=village.clock)
        wait_for(lambda: forwarder.rounds > rounds)
        wait_for(arrived)
        wait_for(lambda: county.rows(township.code) == township.rows(township.code))
        assert total_rows(county, village.code) == total_rows(village, village.code)
        # no echo: the village has only its own records and what is addressed to it
        assert total_rows(village, county.code) == 0
    finally:
        township_hub.stop()
        county_hub.stop()


def test_supervision_comes_down_by_poll(village: Node, township: Node) -> None:
    pair(village, township)
    hub = start_hub(township)
    try:
        d = add_dispute(village.ctx, 1)
        sync_once(village.db, hub.url, clock=village.clock)
        sup = create_supervision(
            township.ctx,
            SupervisionInput(
                case=d.case_code,
                kind="督办",
                content="请于月底前化解",
                lead_name="李镇长",
                responsible_unit="柳树村委会",
                responsible_person="王主任",
                measures="组织双方再次调解",
                due_on="2026-03-31",
            ),
        )
        # nothing to push at the village, but the poll brings the township's 督办 down
        report = sync_once(village.db, hub.url, clock=village.clock)
        assert report.downstream >= 1 and "收到上级下发记录" in report.message
        assert village.rows(township.code)["supervision"].keys() == {sup.id}
        # the next round tells the township it arrived; after that the poll finds nothing
        again = sync_once(village.db, hub.url, clock=village.clock)
        assert again.downstream == 0
        assert [p.records for p in again.pushes] == [0]  # the empty bundle carrying "have"
        third = sync_once(village.db, hub.url, clock=village.clock)
        assert third.pushes == [] and third.downstream == 0
    finally:
        hub.stop()
