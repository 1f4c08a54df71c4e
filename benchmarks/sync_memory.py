"""Peak memory and rate of importing one big bundle (issue 17: streaming import).

    .venv/bin/python -m benchmarks.sync_memory [--records 100000]

A village ledger is filled with ~N records (persons, visits, disputes and their links, as in
:mod:`benchmarks.sync_bundle`), exported as one bundle, and imported into a paired township in a
**separate process**, so that the peak resident set (``VmHWM``) belongs to the import alone: the
child loads everything first (program, keys, ledger) and reports its idle peak, then imports and
reports the new peak. Target: peak − idle ≤ 300 MB whatever the bundle size within the limits.

Rate baseline, measured in the same run: raw ``sqlite3.executemany`` of the same rows into an
identical township ledger (same tables, indexes, full-text triggers), one transaction.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, sys, time
from pathlib import Path

def hwm_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0

from app.db import open_database
from app.services.context import open_ctx
from app.sync import importer
from app.sync.keys import decryption_keys

db = open_database(Path(sys.argv[1]))
ctx = open_ctx(db, "admin")
decryption_keys(db)  # keys loaded: the idle process is ready to import
ctx.session.rollback()
idle = hwm_mb()
start = time.perf_counter()
res = importer.import_bundle(ctx, Path(sys.argv[2]))
elapsed = time.perf_counter() - start
print(json.dumps({"status": res.status, "message": res.message, "idle_mb": idle,
                  "peak_mb": hwm_mb(), "import_s": elapsed,
                  "received": res.summary.get("totals", {}).get("received", 0)}))
"""


def run(records: int) -> dict[str, float]:
    from .sync_bundle import TOWNSHIP, VILLAGE, _raw_insert, _stamp_revs

    os.environ.setdefault("ZONGZHI_KEYSTORE_PASSPHRASE", "benchmark-passphrase")
    from sqlalchemy import text

    from app.db import open_database
    from app.services.context import open_ctx
    from app.services.stations import init_station
    from app.sync.bundle import export_bundle
    from app.sync.cards import export_card, import_card, read_card
    from app.sync.keys import ensure_station_keys

    from .ledger_fill import fill

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
        pairs = max(records // 8, 1)
        fill(v, visits=pairs, disputes=pairs)
        vc.close()
        v.engine.dispose()
        _stamp_revs(vpath)
        vc = open_ctx(v, "admin")
        res = export_bundle(vc, root)
        from app.sync import manifest as mf
        from app.sync.container import open_bundle

        opened = open_bundle(res.path)
        plain_mb = mf.parse(opened.manifest_bytes).payload.plain_size / (1 << 20)
        opened.close()
        tc.session.commit()
        with t.engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        baseline = root / "baseline.sqlite3"
        shutil.copyfile(tpath, baseline)
        raw_rows, raw_s = _raw_insert(vpath, baseline, VILLAGE.code)
        vc.close()
        tc.close()
        v.close()
        t.close()
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(tpath), str(res.path)],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ.copy(),
        )
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        assert out["status"] == "imported", out["message"]
        n = res.record_count
        assert raw_rows == n and out["received"] == n, (raw_rows, n, out["received"])
        return {
            "records": n,
            "bundle_kb": res.size / 1024,
            "plain_mb": plain_mb,
            "idle_mb": out["idle_mb"],
            "peak_mb": out["peak_mb"],
            "above_idle_mb": out["peak_mb"] - out["idle_mb"],
            "import_s": out["import_s"],
            "raw_insert_s": raw_s,
            "rate": n / out["import_s"],
            "raw_rate": n / raw_s,
        }


def main() -> None:
    ap = argparse.ArgumentParser(description="peak memory and rate of a big bundle import")
    ap.add_argument("--records", type=int, default=100_000)
    args = ap.parse_args()
    r = run(args.records)
    print(
        f"records {r['records']:.0f}, bundle {r['bundle_kb']:.0f} KB "
        f"({r['plain_mb']:.0f} MB of JSON lines)\n"
        f"import peak RSS {r['peak_mb']:.0f} MB, idle {r['idle_mb']:.0f} MB, "
        f"above idle {r['above_idle_mb']:.0f} MB (target ≤ 300 MB)\n"
        f"import {r['import_s']:.1f} s = {r['rate']:.0f} records/s; raw executemany "
        f"{r['raw_insert_s']:.1f} s = {r['raw_rate']:.0f} records/s "
        f"({r['rate'] / r['raw_rate'] * 100:.0f} % of raw)"
    )


if __name__ == "__main__":
    main()
