"""A scaled sync simulation: villages × days of USB-stick sync through a township to a county,
with bundles dropped, duplicated and reordered, acknowledgements lost, and a village PC
replaced mid-way (reinstalled, re-paired, recovered from the township). It ends with one clean
round and checks that the township and the county hold every record of every station exactly
once, at its latest revision, and that the replaced village's lost changes were reported.

    .venv/bin/python -m benchmarks.sync_simulation [--villages 50 --days 30 --seed 17]

Everything is real: SQLite ledgers on disk, real keys, signed and encrypted bundles, the real
importer. ``tests/sync/test_simulation.py`` runs it at a small scale.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.db import Database, open_database
from app.models import Dispute
from app.services.context import Ctx, open_ctx
from app.services.disputes import DisputeAction, advance_dispute
from app.services.stations import StationInput, init_station
from app.sync.bundle import export_bundle, issue_ack
from app.sync.cards import export_card, import_card, read_card
from app.sync.codec import encode_row, table_specs
from app.sync.errors import SyncError
from app.sync.importer import import_bundle
from app.sync.keys import ensure_station_keys
from app.sync.recovery import export_recovery, recover_station

COUNTY = StationInput(
    "110105000000", "朝阳区综治中心", "county", None, "朝阳", admin_password="admin123"
)
TOWNSHIP = StationInput(
    "110105001000", "东风镇综治中心", "township", "110105000000", "东风", admin_password="admin123"
)


@dataclass
class Station:
    code: str
    db: Database
    ctx: Ctx
    out: Path

    def close(self) -> None:
        self.ctx.close()
        self.db.close()


@dataclass
class Report:
    villages: int
    days: int
    bundles: int = 0
    imported: int = 0
    dropped: int = 0
    duplicated: int = 0
    reordered: int = 0
    acks_lost: int = 0
    refused_files: int = 0
    refused_records: int = 0
    replaced: str = ""
    lost_ranges: list[dict[str, int]] = field(default_factory=list)
    records_at_county: int = 0
    seconds: float = 0.0


def _station(root: Path, st: StationInput) -> Station:
    where = root / f"{st.code}-{random.getrandbits(32):08x}"
    where.mkdir(parents=True)
    db = open_database(where / "ledger.sqlite3")
    init_station(db, st)
    ensure_station_keys(db)
    return Station(st.code, db, open_ctx(db, "admin"), where)


def _pair(child: Station, parent: Station, *, replace: bool = False) -> None:
    card, fp = export_card(child.ctx, child.out)
    import_card(parent.ctx, read_card(card), expect_fingerprint=fp, replace=replace)
    card, fp = export_card(parent.ctx, parent.out)
    import_card(child.ctx, read_card(card), expect_fingerprint=fp, replace=replace)


def _village(n: int) -> StationInput:
    return StationInput(
        f"110105001{n:03d}",
        f"第{n}村综治中心",
        "village",
        TOWNSHIP.code,
        f"{n}村",
        admin_password="admin123",
    )


def rows_of(db: Database, origin: str) -> dict[str, dict[str, dict[str, Any]]]:
    out: dict[str, dict[str, dict[str, Any]]] = {}
    with db.engine.connect() as conn:
        for name, spec in table_specs().items():
            t = spec.table
            out[name] = {
                str(r.id): encode_row(spec, r)
                for r in conn.execute(select(t).where(t.c.origin == origin))
            }
    return out


def _work(ctx: Ctx, rng: random.Random, n: int) -> None:
    from tests.sync.helpers import add_dispute, add_visit  # the same inputs as the tests

    for _ in range(rng.randint(0, 2)):
        if rng.random() < 0.5:
            add_dispute(ctx, n)
        else:
            add_visit(ctx, n)
    if rng.random() < 0.3:
        open_ones = list(
            ctx.session.scalars(select(Dispute).where(Dispute.status == "registered").limit(5))
        )
        if open_ones:
            advance_dispute(
                ctx, rng.choice(open_ones).id, "assign", DisputeAction(mediator="李晓梅")
            )
    ctx.session.rollback()


def simulate(villages: int, days: int, seed: int, root: Path) -> Report:
    rng = random.Random(seed)
    report = Report(villages, days)
    started = time.perf_counter()
    county = _station(root, COUNTY)
    town = _station(root, TOWNSHIP)
    _pair(town, county)
    vs = [_station(root, _village(i + 1)) for i in range(villages)]
    for v in vs:
        _pair(v, town)
    up: list[Path] = []  # village bundles on their way to the township
    down: dict[str, list[Path]] = {v.code: [] for v in vs}  # acknowledgements on their way down
    to_county: list[Path] = []
    replace_day = days // 2
    victim = rng.randrange(villages)
    try:
        for day in range(days):
            for i, v in enumerate(vs):
                _work(v.ctx, rng, day * 100 + i)
                if rng.random() < 0.7:
                    path = export_bundle(v.ctx, v.out).path
                    report.bundles += 1
                    if rng.random() < 0.35:
                        report.dropped += 1
                    else:
                        up.append(path)
                        if rng.random() < 0.25:
                            up.append(path)
                            report.duplicated += 1
            if len(up) > 1 and rng.random() < 0.4:
                rng.shuffle(up)
                report.reordered += 1
            senders: set[str] = set()
            for path in up:
                res = import_bundle(town.ctx, path)
                if res.status == "imported":
                    report.imported += 1
                    report.refused_records += res.refused_count
                elif res.status == "rejected":
                    report.refused_files += 1
                if res.verified and res.sender_code:
                    senders.add(res.sender_code)
            up.clear()
            for code in sorted(senders):
                ack = issue_ack(town.ctx, code, town.out).path
                if rng.random() < 0.4:
                    report.acks_lost += 1
                else:
                    down[code].append(ack)
            for v in vs:
                for ack in down[v.code]:
                    import_bundle(v.ctx, ack, expect_kind="ack")
                down[v.code].clear()
            if rng.random() < 0.6:
                path = export_bundle(town.ctx, town.out).path
                if rng.random() >= 0.3:
                    to_county.append(path)
                    if rng.random() < 0.25:
                        to_county.append(path)
            for path in to_county:
                res = import_bundle(county.ctx, path)
                if res.status == "imported":
                    report.refused_records += res.refused_count
            to_county.clear()
            if rng.random() < 0.5:
                up_ack: Path | None
                try:
                    up_ack = issue_ack(county.ctx, town.code, county.out).path
                except SyncError:  # nothing imported from the township yet: nothing to ack
                    up_ack = None
                if up_ack is not None:
                    import_bundle(town.ctx, up_ack, expect_kind="ack")
            if day == replace_day:
                # the PC of one village dies: everything not acknowledged is gone with it
                old = vs[victim]
                old.close()
                new = _station(root, _village(victim + 1))
                _pair(new, town, replace=True)
                rec = export_recovery(town.ctx, new.code, town.out)
                result = recover_station(new.ctx, Path(rec["file"]))
                report.replaced = new.code
                report.lost_ranges = result.lost
                vs[victim] = new
                down[new.code] = []
        # one clean round: every village, the township, the county
        for v in vs:
            res = import_bundle(town.ctx, export_bundle(v.ctx, v.out).path)
            assert res.status == "imported", res.message
            assert res.refused_count == 0, res.summary.get("rejected")
            import_bundle(v.ctx, issue_ack(town.ctx, v.code, town.out).path, expect_kind="ack")
        res = import_bundle(county.ctx, export_bundle(town.ctx, town.out).path)
        assert res.status == "imported" and res.refused_count == 0, res.message
        for v in vs:
            mine = rows_of(v.db, v.code)
            assert rows_of(town.db, v.code) == mine, f"township differs for {v.code}"
            assert rows_of(county.db, v.code) == mine, f"county differs for {v.code}"
        assert rows_of(county.db, town.code) == rows_of(town.db, town.code)
        con = sqlite3.connect(f"file:{county.db.path}?mode=ro", uri=True)
        try:
            dup = con.execute(
                "SELECT count(*) FROM (SELECT case_code FROM visit UNION ALL"
                " SELECT case_code FROM dispute) GROUP BY case_code HAVING count(*) > 1"
            ).fetchall()
            assert not dup, "a case code is held twice at the county"
            report.records_at_county = sum(
                int(con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in table_specs()
            )
        finally:
            con.close()
    finally:
        for s in [*vs, town, county]:
            s.close()
    report.seconds = time.perf_counter() - started
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description="scaled sync simulation with a replaced village PC")
    ap.add_argument("--villages", type=int, default=50)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=17)
    args = ap.parse_args()
    os.environ.setdefault("ZONGZHI_KEYSTORE_PASSPHRASE", "benchmark-passphrase")
    with tempfile.TemporaryDirectory() as tmp:
        r = simulate(args.villages, args.days, args.seed, Path(tmp))
    print(
        f"{r.villages} villages × {r.days} days in {r.seconds:.0f} s: {r.bundles} bundles "
        f"({r.dropped} dropped, {r.duplicated} duplicated, {r.reordered} reorderings), "
        f"{r.acks_lost} acknowledgements lost, {r.refused_files} files refused, "
        f"{r.refused_records} records refused; village {r.replaced} replaced on day "
        f"{r.days // 2 + 1}, lost ranges reported: {r.lost_ranges}; county holds "
        f"{r.records_at_county} records, each exactly once at its latest revision"
    )


if __name__ == "__main__":
    main()
