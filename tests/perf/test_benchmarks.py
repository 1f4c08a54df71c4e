"""The benchmark runner itself, on a tiny data set, so that it keeps working as the services it
measures change (the real run, at 100k records, is ``python -m benchmarks.run``)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import run
from benchmarks.dataset import Dataset, ensure_dataset


def test_data_set_is_generated_once_and_reused(tiny: Dataset) -> None:
    assert tiny.village.is_file() and tiny.township.is_file()
    meta = json.loads((tiny.folder / "dataset.json").read_text(encoding="utf-8"))
    assert meta["visits"] == 400 and meta["agreement_case"] == tiny.agreement_case
    again = ensure_dataset(tiny.folder, visits=400, disputes=400, log=lambda _m: None)
    assert again == tiny  # nothing regenerated


def test_every_service_target_is_measured_against_its_baseline(
    tiny: Dataset, tmp_path: Path
) -> None:
    out = tmp_path / "results.json"
    args = ["--data", str(tiny.folder), "--visits", "400", "--disputes", "400", "--runs", "1"]
    code = run.main([*args, "--only", "lists,sync,print", "--json", str(out)])
    results = {r["key"]: r for r in json.loads(out.read_text(encoding="utf-8"))["results"]}
    assert set(results) == {
        "list_first",
        "list_next",
        "search_cn",
        "search_py",
        "import",
        "export",
        "agreement",
    }
    for r in results.values():
        assert r["value"] > 0 and r["baseline"] > 0 and r["ratio"] > 0, r
    assert code == (0 if all(r["passed"] for r in results.values()) else 1)
    assert "changed records" in results["export"]["label"]


def test_gui_probe_reports_start_up_and_memory(tiny: Dataset, tmp_path: Path) -> None:
    from benchmarks.dataset import PASSWORD, ledger_copy

    with run.display("offscreen") as env:
        bare = run.probe(env, "bare")
        with ledger_copy(tiny.village, tmp_path) as ledger:
            app = run.probe(
                env,
                "app",
                "--db",
                str(ledger),
                "--password",
                PASSWORD,
                "--memory",
                "--case",
                tiny.agreement_case,
            )
    assert bare["READY"] > 0 and bare["rss_mb"] > 10
    assert app["LOGIN"] < app["TYPED"] < app["READY"] <= app["DATA"]
    assert bare["rss_mb"] < app["rss_mb_ledger"] <= app["rss_mb"]


def test_table_lists_every_result_with_its_verdict() -> None:
    rows = [
        run.Result("startup", "cold start", 900, "ms", "≤ 2× bare", False, 100, "bare", 9.0),
        run.Result("memory_print", "  … then", 300, "MB", "info", True, 200, "before", 1.5),
    ]
    text = run.table(rows)
    lines = text.splitlines()
    assert lines[0].split()[:2] == ["target", "measured"]
    assert lines[2].rstrip().endswith("MISS") and "9.00×" in lines[2]
    assert lines[3].rstrip().endswith("—")
