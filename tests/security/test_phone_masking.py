"""Phones masked like ID numbers (issue 19): a clerk's lists, JSON, Excel exports and register
printouts show 138****5678; the station admin and mediators see the full number.

The ledger is filled by the demo generator (rosters with 11-digit mobiles, petitioners and parties
with phones); the proof is that none of the phones stored in the file appears in what a clerk
gets, while the admin's copy has them (so the check can see a phone when there is one).
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.cli import main
from app.db import Database
from app.rules.registers import FieldSpec, display_value
from app.services import demo
from app.services.context import open_ctx

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture
def ledger(village_db: Database) -> Path:
    ctx = open_ctx(village_db, "admin")
    try:
        demo.generate(
            ctx, visits=12, disputes=12, seed=7
        )  # operators zhaol (clerk), lixm (mediator)
    finally:
        ctx.close()
    village_db.close()
    assert village_db.path is not None
    return village_db.path


def _stored_phones(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        phones = {r[0] for r in conn.execute("SELECT phone FROM person WHERE phone != ''")}
        for (data,) in conn.execute("SELECT data FROM register_record"):
            phones |= set(MOBILE.findall(str(data)))
    finally:
        conn.close()
    return {p for p in phones if len(p) >= 7}


def _as(monkeypatch: pytest.MonkeyPatch, user: str) -> None:
    monkeypatch.setenv("ZONGZHI_OPERATOR", user)
    monkeypatch.setenv("ZONGZHI_PASSWORD", "admin123" if user == "admin" else "demo123")


def _leaks(text: str, phones: set[str]) -> list[str]:
    return sorted(p for p in phones if p in text)


@pytest.mark.parametrize(("user", "masked"), [("zhaol", True), ("lixm", False), ("admin", False)])
def test_roster_json(
    user: str,
    masked: bool,
    ledger: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    phones = _stored_phones(ledger)
    _as(monkeypatch, user)
    assert main(["--db", str(ledger), "register", "list", "roster", "--json"]) == 0
    out = capsys.readouterr().out
    shown = [r["fields"]["联系电话"] for r in json.loads(out)]
    assert len([s for s in shown if s]) >= 5
    if masked:
        assert _leaks(out, phones) == []
        assert all(re.fullmatch(r"\d{3}\*{4}\d{4}", s) for s in shown if s), shown
    else:
        assert len(_leaks(out, phones)) >= 5


def _xlsx_text(path: Path) -> str:
    wb = load_workbook(path, read_only=True)
    try:
        return "\n".join(
            str(v)
            for ws in wb.worksheets
            for row in ws.iter_rows(values_only=True)
            for v in row
            if v
        )
    finally:
        wb.close()


@pytest.mark.parametrize("ledger_key", ["disputes", "visits", "roster"])
def test_excel_export(
    ledger_key: str,
    ledger: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    phones = _stored_phones(ledger)
    texts = {}
    for user in ("zhaol", "admin"):
        _as(monkeypatch, user)
        out = tmp_path / f"{user}.xlsx"
        assert (
            main(
                ["--db", str(ledger), "excel", "export", "--ledger", ledger_key, "--out", str(out)]
            )
            == 0
        )
        texts[user] = _xlsx_text(out)
    capsys.readouterr()
    assert _leaks(texts["zhaol"], phones) == []
    assert "****" in texts["zhaol"]
    assert len(_leaks(texts["admin"], phones)) >= 3


def test_register_printout(
    ledger: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    phones = _stored_phones(ledger)
    texts = {}
    for user in ("zhaol", "admin"):
        _as(monkeypatch, user)
        pdf = tmp_path / f"{user}.pdf"
        assert (
            main(
                [
                    "--db",
                    str(ledger),
                    "register",
                    "print",
                    "roster",
                    "--out",
                    str(pdf),
                    "--from",
                    "2000-01-01",
                    "--to",
                    "2099-12-31",
                ]
            )
            == 0
        )
        texts[user] = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
    capsys.readouterr()
    assert _leaks(texts["zhaol"], phones) == []
    assert "****" in texts["zhaol"]
    assert len(_leaks(texts["admin"], phones)) >= 3


def test_display_value_masks_phones_in_tables_too() -> None:
    phone = FieldSpec("phone", "联系电话", "phone")
    assert display_value(phone, "13812345678", show_phone=False) == "138****5678"
    assert display_value(phone, "13812345678") == "13812345678"
    table = FieldSpec(
        "members",
        "成员",
        "table",
        options={
            "columns": [
                {"key": "name", "label": "姓名", "type": "text"},
                {"key": "phone", "label": "电话", "type": "phone"},
            ]
        },
    )
    rows = [{"name": "张三", "phone": "13812345678"}]
    text = display_value(table, rows, multiline=True, show_phone=False)
    assert "138****5678" in text and "13812345678" not in text
