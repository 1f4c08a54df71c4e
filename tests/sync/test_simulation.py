"""The scaled sync simulation (benchmarks/sync_simulation.py) at a small scale: villages × days
with bundles dropped, duplicated and reordered, acknowledgements lost, and one village PC
replaced mid-way and recovered from the township; the county ends with every record exactly
once at its latest revision (the full-size run is a benchmark: 50 × 30)."""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.sync_simulation import simulate


def test_small_simulation_with_a_replaced_village(tmp_path: Path) -> None:
    started = time.perf_counter()
    r = simulate(villages=3, days=4, seed=5, root=tmp_path)
    assert r.replaced and r.bundles > 0 and r.records_at_county > 0
    assert r.dropped + r.duplicated + r.acks_lost > 0  # the faults did happen
    assert time.perf_counter() - started < 60
