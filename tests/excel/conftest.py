"""Fixtures for the Excel import/export tests: the shared messy sample, its truth, and a
builder for generated workbook variations (written with openpyxl, as WPS/Excel would save)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from app.db import Database
from app.services.context import Ctx, open_ctx
from app.services.excel_import import ImportReport
from tests.conftest import VILLAGE, FakeClock, make_station_db

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "legacy_ledger_sample.xlsx"
TRUTH = FIXTURES / "legacy_ledger_sample.truth.json"
DISPUTE_SHEET = "矛盾纠纷排查调处台账"
VISIT_SHEET = "来访登记"


@pytest.fixture(scope="session")
def truth() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(TRUTH.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def imported(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Database, dict[str, ImportReport]]]:
    """One village ledger with the sample imported once (both sheets), shared by a module."""
    from app.services.excel_import import run_import

    db = make_station_db(
        tmp_path_factory.mktemp("imported") / "v.sqlite3", VILLAGE, tmp_path_factory
    )
    ctx = open_ctx(db, "admin", clock=FakeClock())
    reports = {
        "disputes": run_import(ctx, SAMPLE, "disputes"),
        "visits": run_import(ctx, SAMPLE, "visits"),
    }
    ctx.close()
    yield db, reports
    db.close()


@pytest.fixture
def imported_ctx(imported: tuple[Database, dict[str, ImportReport]]) -> Iterator[Ctx]:
    c = open_ctx(imported[0], "admin", clock=FakeClock())
    yield c
    c.close()


def as_truth(report: ImportReport) -> dict[str, Any]:
    """The report in the shape of legacy_ledger_sample.truth.json."""
    d = report.to_dict()
    keys: tuple[str, ...]
    if report.ledger == "disputes":
        keys = ("row", "received_on", "parties", "id_number", "phone", "category", "result")
    else:
        keys = ("row", "received_on", "name", "headcount", "group", "id_number")
    return {
        "header_row": d["header_row"],
        "kept": [{k: v[k] for k in keys} for v in d["valid"]],
        "rejected": [{"row": r["row"], "reason": r["reason"]} for r in d["invalid"]],
    }


def write_book(
    path: Path,
    sheets: dict[str, Sequence[Sequence[Any]]],
    *,
    merges: dict[str, Sequence[str]] | None = None,
    formats: dict[str, dict[str, str]] | None = None,
    epoch_1904: bool = False,
) -> Path:
    """A workbook as a station would have it: rows as given (None = empty cell), merged
    ranges, number formats per cell (e.g. dates)."""
    wb = openpyxl.Workbook()
    if epoch_1904:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904

        wb.epoch = CALENDAR_MAC_1904
    first = True
    for name, rows in sheets.items():
        if first:
            ws = wb.active
            assert ws is not None
            ws.title = name
            first = False
        else:
            ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(row=r, column=c, value=value)
        for rng in (merges or {}).get(name, ()):
            ws.merge_cells(rng)
        for coord, fmt in (formats or {}).get(name, {}).items():
            ws[coord].number_format = fmt
    wb.save(path)
    return path
