"""The real-ledger corpus of issue 14: each workbook imported through the real service, with no
column or value options, into a fresh SQLite ledger; every row compared with its truth file.

The figures (rows, imported, refused, wrong …) are written to ``test-artifacts/excel-corpus.md``
and printed by ``test_corpus_figures_are_reported``, which always passes. The goals of the issue
— 0 wrong values, ≥ 95 % of importable rows imported, every refusal naming its column — are
asserted per workbook.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.rules.idcard import check_char
from tests.excel.corpus import build_corpus
from tests.excel.corpus.report import Figures, run_corpus, truth_files, write_artifact

BOOKS = [p.name.removesuffix(".truth.json") for p in truth_files()]
TODAY = date(2026, 3, 16)


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Figures]]:
    figs = run_corpus(tmp_path_factory.mktemp("corpus"))
    yield {f.workbook.removesuffix(".xlsx"): f for f in figs}


def test_corpus_figures_are_reported(
    figures: dict[str, Figures], capsys: pytest.CaptureFixture[str]
) -> None:
    text = write_artifact(figures.values())
    with capsys.disabled():
        print("\n" + text.split("\n## ")[0])
    assert set(figures) == set(BOOKS)
    assert len(BOOKS) >= 8
    for f in figures.values():
        assert 30 <= f.data <= 100, f.workbook
        assert f.imported <= f.importable


@pytest.mark.parametrize("book", BOOKS)
def test_no_wrong_value(figures: dict[str, Figures], book: str) -> None:
    f = figures[book]
    assert f.wrong == 0, "\n".join(f.wrong_examples[:10])


@pytest.mark.parametrize("book", BOOKS)
def test_importable_rows_are_imported(figures: dict[str, Figures], book: str) -> None:
    f = figures[book]
    assert f.rate >= 0.95, f"{f.imported}/{f.importable}\n" + "\n".join(f.missing_examples[:10])


@pytest.mark.parametrize("book", BOOKS)
def test_refusals_name_the_column(figures: dict[str, Figures], book: str) -> None:
    f = figures[book]
    assert f.named == f.to_refuse and f.unnamed == 0, "\n".join(f.refusal_examples)


# --- the yardstick itself ------------------------------------------------------------------


def test_builder_reproduces_the_committed_files(tmp_path: Path) -> None:
    build_corpus.build_all(tmp_path)
    built = sorted(p.name for p in tmp_path.iterdir())
    committed = sorted(
        p.name for p in build_corpus.HERE.iterdir() if p.suffix in (".xlsx", ".json")
    )
    assert built == committed
    for name in built:
        assert (tmp_path / name).read_bytes() == (build_corpus.HERE / name).read_bytes(), name


def _truths() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in truth_files()]


def _valid_id(n: str) -> bool:
    return bool(re.fullmatch(r"\d{17}[\dX]", n)) and check_char(n[:17]) == n[17]


def test_truth_values_are_themselves_valid() -> None:
    """Every expected value is one the product can hold: checksum-valid 18-character ID
    numbers, 11-digit mobiles, names without spaces, dates not after today and outcomes not
    before registration; every source row of every sheet is accounted for exactly once."""
    for t in _truths():
        assert t["sources"] and all(s["url"].startswith("http") for s in t["sources"])
        seen: set[tuple[str, int]] = set()
        for r in t["rows"]:
            place = (r["sheet"], r["row"])
            assert place not in seen, (t["workbook"], place)
            seen.add(place)
            assert r["expect"] in ("skip", "record", "update", "refuse", "part_of")
            if r["expect"] == "refuse":
                assert r["reason"] and r["column"]
            rec = r.get("record") or {}
            people = [*rec.get("parties", []), *rec.get("petitioners", [])]
            if "name" in rec:
                people.append(rec)
            for p in people:
                assert " " not in p["name"] and p["name"]
                if p.get("id_number"):
                    assert _valid_id(p["id_number"]), (t["workbook"], place)
                if p.get("phone"):
                    assert re.fullmatch(r"1[3-9]\d{9}", p["phone"]), (t["workbook"], place)
            days = {
                k: date.fromisoformat(v)
                for k, v in rec.items()
                if k in ("registered_on", "received_on", "outcome_on", "replied_on", "date") and v
            }
            assert all(d <= TODAY for d in days.values()), (t["workbook"], place)
            start = days.get("registered_on") or days.get("received_on")
            end = days.get("outcome_on") or days.get("replied_on")
            if start and end:
                assert end >= start, (t["workbook"], place)
        by_place = {(r["sheet"], r["row"]): r for r in t["rows"]}
        for r in t["rows"]:
            if r["expect"] in ("update", "part_of"):
                origin = by_place[(r["of"]["sheet"], r["of"]["row"])]
                assert origin["expect"] in ("record", "refuse"), (t["workbook"], r)


def test_workbooks_hold_what_the_truth_describes() -> None:
    """Read back with openpyxl: every truth row exists in its sheet, every data row of the
    sheets has a truth row, and the mess the issue lists is really in the files."""
    import openpyxl

    found: dict[str, int] = {}
    for t in _truths():
        wb = openpyxl.load_workbook(build_corpus.HERE / t["workbook"])
        rows = {(r["sheet"], r["row"]) for r in t["rows"]}
        for ws in wb.worksheets:
            for cells in ws.iter_rows():
                values = [c.value for c in cells if c.value not in (None, "")]
                if values:
                    assert (ws.title, cells[0].row) in rows, (t["workbook"], ws.title, cells[0].row)
                for v in values:
                    text = str(v)
                    for word in (
                        "化解中",
                        "未完全化解",
                        "未解决",
                        "稳控中",
                        "双方达成口头协议",
                        "已转镇城建办",
                        "①当事人申请",
                        "匿名",
                        "部分化解",
                        "尚未化解",
                    ):
                        if word in text:
                            found[word] = found.get(word, 0) + 1
                    if isinstance(v, float) and v > 1e16:
                        found["id_as_number"] = found.get("id_as_number", 0) + 1
                    if re.fullmatch(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", text):
                        found["spaced_name"] = found.get("spaced_name", 0) + 1
                    if "与" in text and len(text) <= 8:
                        found["two_parties_in_one_cell"] = (
                            found.get("two_parties_in_one_cell", 0) + 1
                        )
                    if re.search(r"[０-９]", text):
                        found["fullwidth"] = found.get("fullwidth", 0) + 1
                    if re.fullmatch(r"\d{4}\.\d{1,2}\.\d{1,2}", text):
                        found["dot_date"] = found.get("dot_date", 0) + 1
            if len(ws.merged_cells.ranges) > 3:
                found["merged"] = found.get("merged", 0) + 1
        if len(wb.worksheets) > 1:
            found["multi_sheet"] = found.get("multi_sheet", 0) + 1
    for mess in (
        "化解中",
        "未完全化解",
        "未解决",
        "稳控中",
        "双方达成口头协议",
        "已转镇城建办",
        "①当事人申请",
        "匿名",
        "id_as_number",
        "spaced_name",
        "two_parties_in_one_cell",
        "fullwidth",
        "dot_date",
        "merged",
        "multi_sheet",
    ):
        assert found.get(mess), mess
