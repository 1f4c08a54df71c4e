"""Bundle export and import speed against in-run baselines (DESIGN §9).

    .venv/bin/python -m benchmarks.sync_bundle [--records 10000]

- export: a bundle of ~N changed records (persons, visits, disputes and their links), target ≤ 1 s;
- import: the same bundle into a paired township, through the full importer (verify, decrypt,
  decode and check every value, ownership, foreign keys, unique numbers, apply in one
  transaction); baseline: raw ``sqlite3.executemany`` inserting the same rows into an identical
  ledger (same tables, indexes and full-text triggers), one transaction. Target: import rate
  ≥ 30 % of the raw rate.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from app.db import open_database
from app.models import synced_tables
from app.services.context import open_ctx
from app.services.stations import StationInput, init_station
from app.sync.bundle import export_bundle
from app.sync.cards import export_card, import_card, read_card
from app.sync.importer import import_bundle
from app.sync.keys import ensure_station_keys

from .ledger_fill import fill

VILLAGE = StationInput(
    "110105001001", "柳树村综治中心", "village", "110105001000", "柳树", admin_password="admin123"
)
TOWNSHIP = StationInput(
    "110105001000", "东风镇综治中心", "township", "110105000000", "东风", admin_password="admin123"
)


def _stamp_revs(path: Path) -> int:
    """Give the bulk-filled rows revs from the station counter (as the ORM hook would have)."""
    con = sqlite3.connect(path)
    try:
        counter = int(con.execute("SELECT rev_counter FROM local_state").fetchone()[0])
        total = 0
        for table in synced_tables():
            rows = con.execute(f'SELECT id FROM "{table}" WHERE rev = 0').fetchall()
            con.executemany(
                f'UPDATE "{table}" SET rev = ? WHERE id = ?',
                [(counter + i + 1, r[0]) for i, r in enumerate(rows)],
            )
            counter += len(rows)
            total += len(rows)
        con.execute("UPDATE local_state SET rev_counter = ?", (counter,))
        con.commit()
        return total
    finally:
        con.close()


def _raw_insert(village: Path, target: Path, origin: str) -> tuple[int, float]:
    src = sqlite3.connect(village)
    data: list[tuple[str, list[str], list[tuple[object, ...]]]] = []
    for table in synced_tables():
        cur = src.execute(f'SELECT * FROM "{table}" WHERE origin = ?', (origin,))
        cols = [d[0] for d in cur.description]
        data.append((table, cols, cur.fetchall()))
    src.close()
    con = sqlite3.connect(target, isolation_level=None)
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("PRAGMA synchronous = FULL")
    rows = 0
    start = time.perf_counter()
    con.execute("BEGIN")
    for table, cols, values in data:
        if not values:
            continue
        marks = ", ".join("?" for _ in cols)
        names = ", ".join(f'"{c}"' for c in cols)
        con.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', values)
        rows += len(values)
    con.execute("COMMIT")
    elapsed = time.perf_counter() - start
    con.close()
    return rows, elapsed


def run(records: int) -> dict[str, float]:
    os.environ.setdefault("ZONGZHI_KEYSTORE_PASSPHRASE", "benchmark-passphrase")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        vpath, tpath = root / "village.sqlite3", root / "township.sqlite3"
        v, t = open_database(vpath), open_database(tpath)
        init_station(v, VILLAGE)
        init_station(t, TOWNSHIP)
        ensure_station_keys(v)
        ensure_station_keys(t)
        vc, tc = open_ctx(v, "admin"), open_ctx(t, "admin")
        for a, b in ((vc, tc), (tc, vc)):
            card, fp = export_card(a, root)
            import_card(b, read_card(card), expect_fingerprint=fp)
        # persons + visits + links + disputes + two parties each ≈ 8 rows per visit/dispute pair
        pairs = max(records // 8, 1)
        fill(v, visits=pairs, disputes=pairs)
        vc.close()
        v.engine.dispose()
        _stamp_revs(vpath)
        vc = open_ctx(v, "admin")
        start = time.perf_counter()
        res = export_bundle(vc, root)
        export_s = time.perf_counter() - start
        # an identical township ledger for the raw baseline
        tc.session.commit()
        with t.engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        baseline = root / "baseline.sqlite3"
        shutil.copyfile(tpath, baseline)
        raw_rows, raw_s = _raw_insert(vpath, baseline, VILLAGE.code)
        start = time.perf_counter()
        imported = import_bundle(tc, res.path)
        import_s = time.perf_counter() - start
        assert imported.status == "imported", imported.message
        n = res.record_count
        assert raw_rows == n, (raw_rows, n)
        vc.close()
        tc.close()
        v.close()
        t.close()
        return {
            "records": n,
            "bundle_kb": res.size / 1024,
            "export_s": export_s,
            "import_s": import_s,
            "raw_insert_s": raw_s,
            "import_vs_raw": raw_s / import_s,
        }


def main() -> None:
    ap = argparse.ArgumentParser(description="bundle export/import speed")
    ap.add_argument("--records", type=int, default=10_000)
    args = ap.parse_args()
    r = run(args.records)
    print(
        f"records {r['records']:.0f}, bundle {r['bundle_kb']:.0f} KB\n"
        f"export  {r['export_s'] * 1000:.0f} ms (target ≤ 1000 ms)\n"
        f"import  {r['import_s'] * 1000:.0f} ms; raw executemany {r['raw_insert_s'] * 1000:.0f} ms; "
        f"import rate = {r['import_vs_raw'] * 100:.0f} % of raw (target ≥ 30 %)"
    )


if __name__ == "__main__":
    main()
