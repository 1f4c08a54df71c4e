"""Bounded load: 20 villages × 200 records pushing to one hub at the same time (threads, real
HTTP on 127.0.0.1), on SQLite (imports one at a time) and PostgreSQL (several at once, each
village's bundles in order). Nothing lost, nothing doubled."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import BundleLog, SyncHwm
from app.services.audit import verify_chain
from app.services.stations import StationInput
from app.sync.client import SyncReport, sync_once
from app.sync.status import sync_status

from ..sync.conftest import make_node
from .conftest import Node, bulk_people, count_rows, pair, start_hub

VILLAGES = 20
RECORDS = 200
NUMERALS = "一二三四五六七八九十"


def village_input(i: int) -> StationInput:
    label = NUMERALS[i % 10] + ("" if i < 10 else "分")
    return StationInput(
        code=f"110105001{100 + i:03d}",
        name=f"{label}村综治中心",
        level="village",
        parent_code="110105001000",
        short_name=f"{label}村",
        admin_password="admin123",
    )


@pytest.mark.slow
def test_twenty_villages_push_at_once(
    township: Node, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    villages: list[Node] = []
    try:
        for i in range(VILLAGES):
            v = make_node(f"v{i}", village_input(i), tmp_path, tmp_path_factory)
            villages.append(v)
            pair(v, township)
            bulk_people(v, RECORDS, tag=str(i))
        hub = start_hub(township)
        try:
            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=VILLAGES) as pool:
                reports: list[SyncReport] = list(
                    pool.map(lambda v: sync_once(v.db, hub.url, clock=v.clock), villages)
                )
            elapsed = time.monotonic() - started
            # a second wave while the hub is warm: a few more records each, again all at once
            for v in villages:
                bulk_people(v, 5, tag="b")
            with ThreadPoolExecutor(max_workers=VILLAGES) as pool:
                list(pool.map(lambda v: sync_once(v.db, hub.url, clock=v.clock), villages))
        finally:
            hub.stop()
        print(
            f"\n{VILLAGES}×{RECORDS} records pushed at once in {elapsed:.1f} s ({township.db.dialect})"
        )
        assert all(r.pushes and r.pushes[0].result == "imported" for r in reports)
        for v in villages:
            assert count_rows(township, v.code) == RECORDS + 5
            assert township.rows(v.code) == v.rows(v.code)
            assert sync_status(v.db).pending_up == 0
        with township.db.session() as s:
            per_village = dict(
                s.execute(
                    select(BundleLog.peer_code, func.count())
                    .where(BundleLog.direction == "import", BundleLog.status == "imported")
                    .group_by(BundleLog.peer_code)
                ).all()
            )
            hwm = {h.origin: h.peer_code for h in s.scalars(select(SyncHwm))}
        assert per_village == {v.code: 2 for v in villages}
        # concurrent imports kept the hub's audit chain whole
        assert verify_chain(township.db.engine).ok
        assert all(hwm[v.code] == v.code for v in villages)
    finally:
        for v in villages:
            v.close()
