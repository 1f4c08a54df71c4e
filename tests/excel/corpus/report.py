"""Import every corpus workbook through the real service and compare each row with its truth.

``python -m tests.excel.corpus.report`` prints the figures table (and writes it to
``test-artifacts/excel-corpus.md``); ``tests/excel/test_corpus.py`` asserts on the same figures.

Each workbook goes into a fresh real SQLite ledger of the village station 柳树村 (the tests'
clock: 2026-03-16), with ``run_workbook_import(ctx, path, ledger)`` — no sheet, no header row, no column
mapping, no value mapping. Records are then read back from the database (not from the import
report) and compared with the truth field by field. A record is found for a truth row by its
natural key (date + names of the people, see ``_natural_keys``), else by the engine's own
bookkeeping (``excel_import_row``: file, sheet, row).

What the figures mean (per workbook):

- ``data``: source rows that are not title/blank/合计/footer rows (truth ``skip``);
- ``importable``: rows whose case must end up in the ledger (truth ``record``/``update``);
  the party rows of a one-row-per-party layout (``part_of``) belong to their first row;
- ``imported``: importable rows whose record was found; ``rate`` = imported / importable;
- ``rows``: every source row of the workbook (title, header and footer rows included);
- ``refused``: rows the engine's report lists as refused; ``named`` how many of the rows the
  truth says to refuse were refused with a Chinese reason naming the expected column;
  ``unnamed`` refused rows whose reasons name no column at all;
- ``wrong``: rows with at least one stored value that differs from the truth, rows imported
  that the truth says to refuse or skip, and records that match no truth row (``extra``);
  ``values`` counts the wrong values themselves;
- ``id_in_notes``: records whose free-text notes (case log, outcome note, register data other
  than the ID field) carry a full ID number of the workbook.

Only the adapter ``report_rows`` knows the shape of the import report; if the engine's report
changes, adapt it there.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

CORPUS = Path(__file__).parent
ARTIFACT = Path(__file__).resolve().parents[3] / "test-artifacts" / "excel-corpus.md"
TODAY = date(2026, 3, 16)
# fields that describe a case's state: compared only on the last row of a case's chain
STATE_KEYS = {
    "status_in",
    "outcome",
    "outcome_on",
    "replied_on",
    "overdue",
    "agreement_type",
    "transferred_to",
}
REFUSED = {"invalid", "refused", "rejected", "error"}
CJK = re.compile(r"[\u4e00-\u9fff]")
ID_RE = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


def _full_id(text: str) -> bool:
    """A complete, checksum-valid 18-character ID number (a masked one has * in it)."""
    from app.rules.idcard import check_char

    n = text.upper()
    return len(n) == 18 and check_char(n[:17]) == n[17]


def truth_files() -> list[Path]:
    return sorted(CORPUS.glob("*.truth.json"))


@dataclass
class Figures:
    workbook: str
    ledger: str
    rows: int = 0
    data: int = 0
    importable: int = 0
    imported: int = 0
    refused: int = 0
    to_refuse: int = 0
    named: int = 0
    unnamed: int = 0
    skipped: int = 0
    wrong: int = 0
    values: int = 0
    extra: int = 0
    id_in_notes: int = 0
    error: str = ""
    wrong_examples: list[str] = field(default_factory=list)
    missing_examples: list[str] = field(default_factory=list)
    refusal_examples: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.imported / self.importable if self.importable else 1.0


# --- the ledger ------------------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        from app.rules.dates import CHINA_TZ

        self.at = datetime(2026, 3, 16, 9, 30, tzinfo=CHINA_TZ).astimezone(UTC)

    def __call__(self) -> datetime:
        return self.at


_TEMPLATE: dict[str, Path] = {}


def _fresh_db(folder: Path, name: str) -> Any:
    from app.db import open_database
    from app.services.stations import StationInput, init_station

    if "t" not in _TEMPLATE:
        tpl = Path(tempfile.mkdtemp(prefix="corpus-template-")) / "template.sqlite3"
        db = open_database(tpl)
        init_station(
            db,
            StationInput(
                code="110105001001",
                name="柳树村综治中心",
                level="village",
                parent_code="110105001000",
                short_name="柳树",
                admin_username="admin",
                admin_password="admin123",
            ),
        )
        db.engine.dispose()
        _TEMPLATE["t"] = tpl
    path = folder / f"{name}.sqlite3"
    shutil.copyfile(_TEMPLATE["t"], path)
    return open_database(path)


@contextmanager
def _ctx(db: Any) -> Iterator[Any]:
    from app.services.context import open_ctx

    c = open_ctx(db, "admin", clock=_Clock())
    try:
        yield c
    finally:
        c.close()


# --- the import report (the only place that knows its shape) --------------------------------


@dataclass
class ReportRow:
    sheet: str
    row: int
    status: str
    problems: list[tuple[str, str, str]]  # (column letter, header, reason)


def report_rows(result: Any) -> list[ReportRow]:
    """The rows of whatever ``run_import`` returned: one report, a list of per-sheet reports,
    or an object holding them in ``sheets``/``reports``."""
    reports: list[Any]
    if isinstance(result, list | tuple):
        reports = list(result)
    elif hasattr(result, "rows") and hasattr(result, "sheet"):
        reports = [result]
    elif hasattr(result, "reports"):  # a whole workbook: its sheets' reports
        reports = list(result.reports)
    else:
        reports = list(getattr(result, "sheets", None) or [])
    out: list[ReportRow] = []
    for rep in reports:
        default_sheet = str(getattr(rep, "sheet", ""))
        for r in getattr(rep, "rows", []):
            problems = [
                (
                    str(getattr(p, "column", "")),
                    str(getattr(p, "header", "")),
                    str(getattr(p, "reason", "")),
                )
                for p in getattr(r, "problems", [])
            ]
            reason = str(getattr(r, "reason", ""))
            if not problems and reason:
                problems = [("", "", reason)]
            out.append(
                ReportRow(
                    str(getattr(r, "sheet", "") or default_sheet),
                    int(r.row),
                    str(r.status),
                    problems,
                )
            )
    return out


# --- reading records back --------------------------------------------------------------------


def _name(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


@dataclass
class Found:
    kind: str  # dispute | visit | register
    id: str
    key: tuple[Any, ...]
    values: dict[str, Any]
    notes: str


def _disputes(ctx: Any) -> list[Found]:
    from app.models import CaseEvent, Dispute

    out = []
    for d in ctx.session.scalars(select(Dispute).where(Dispute.deleted_at.is_(None))):
        parties = [
            {
                "name": p.person.name,
                "role": p.role,
                "id_number": p.person.id_number or None,
                "phone": p.person.phone or None,
                "address": p.person.address or None,
            }
            for p in sorted(d.parties, key=lambda x: x.seq)
            if p.deleted_at is None
        ]
        events = ctx.session.scalars(select(CaseEvent.note).where(CaseEvent.case_id == d.id)).all()
        notes = "\n".join([*events, d.outcome_note, d.follow_up_note, d.facts, d.summary])
        values = {
            "registered_on": d.registered_on.isoformat(),
            "category": d.category,
            "source": d.source,
            "summary": d.summary,
            "mediator_name": d.mediator_name,
            "status": d.status,
            "outcome": d.outcome,
            "outcome_on": d.outcome_on.isoformat() if d.outcome_on else None,
            "agreement_type": d.agreement_type,
            "transferred_to": d.transferred_to,
            "due_on": d.due_on,
            "parties": parties,
        }
        key = (d.registered_on.isoformat(), frozenset(_name(p["name"]) for p in parties))
        out.append(Found("dispute", d.id, key, values, notes))
    return out


def _visits(ctx: Any) -> list[Found]:
    from app.models import CaseEvent, Visit

    out = []
    for v in ctx.session.scalars(select(Visit).where(Visit.deleted_at.is_(None))):
        people = [
            {
                "name": p.person.name,
                "id_number": p.person.id_number or None,
                "phone": p.person.phone or None,
                "address": p.person.address or None,
            }
            for p in sorted(v.persons, key=lambda x: x.seq)
            if p.deleted_at is None
        ]
        events = ctx.session.scalars(select(CaseEvent.note).where(CaseEvent.case_id == v.id)).all()
        notes = "\n".join(
            [*events, v.decision_note, v.reply_content, v.follow_up_note, v.review_opinion, v.facts]
        )
        values = {
            "received_on": v.received_on.isoformat(),
            "channel": v.channel,
            "category": v.category,
            "request": v.request,
            "first_responder": v.first_responder,
            "headcount": v.headcount,
            "is_anonymous": v.is_anonymous,
            "status": v.status,
            "replied_on": v.replied_on.isoformat() if v.replied_on else None,
            "due_on": v.due_on,
            "petitioners": people,
        }
        key = (v.received_on.isoformat(), frozenset(_name(p["name"]) for p in people))
        out.append(Found("visit", v.id, key, values, notes))
    return out


def _person_name(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("name", ""))
    if isinstance(value, list):
        return "、".join(_person_name(v) for v in value)
    return "" if value is None else str(value)


def _registers(ctx: Any, ledger: str) -> list[Found]:
    from app.models import RegisterRecord, RegisterType

    type_ids = ctx.session.scalars(select(RegisterType.id).where(RegisterType.key == ledger)).all()
    out = []
    for rec in ctx.session.scalars(
        select(RegisterRecord).where(
            RegisterRecord.type_id.in_(type_ids), RegisterRecord.deleted_at.is_(None)
        )
    ):
        data = json.loads(rec.data or "{}")
        if ledger == "roster":
            service = data.get("service") or {}
            values = {
                "name": _person_name(data.get("name")),
                "role": data.get("role"),
                "grid": data.get("grid"),
                "phone": data.get("phone") or None,
                "id_number": data.get("id_number") or None,
                "service_start": service.get("start") if isinstance(service, dict) else None,
            }
            key: tuple[Any, ...] = ("", frozenset([_name(values["name"])]))
        else:
            values = {
                "date": data.get("date"),
                "author": _person_name(data.get("author")),
                "category": data.get("category"),
                "content": str(data.get("content") or ""),
            }
            key = (str(values["date"]), frozenset([_name(values["author"])]))
        notes = json.dumps({k: v for k, v in data.items() if k != "id_number"}, ensure_ascii=False)
        out.append(Found("register", rec.id, key, values, notes))
    return out


def _records(ctx: Any, ledger: str) -> list[Found]:
    if ledger == "disputes":
        return _disputes(ctx)
    if ledger == "visits":
        return _visits(ctx)
    return _registers(ctx, ledger)


# --- comparing --------------------------------------------------------------------------------


def _same_text(a: Any, b: Any) -> bool:
    return re.sub(r"\s+", "", str(a or "")) == re.sub(r"\s+", "", str(b or ""))


def _compare_people(stored: list[dict[str, Any]], want: list[dict[str, Any]]) -> list[str]:
    diffs: list[str] = []
    by_name = {_name(p["name"]): p for p in stored}
    names_stored = sorted(by_name)
    names_want = sorted(_name(p["name"]) for p in want)
    if names_stored != names_want or any(_name(p["name"]) != p["name"] for p in stored):
        diffs.append(f"names: {[p['name'] for p in stored]} ≠ {[p['name'] for p in want]}")
    for w in want:
        got = by_name.get(_name(w["name"]))
        if got is None:
            continue
        for k, v in w.items():
            if k == "name":
                continue
            if (got.get(k) or None) != (v or None):
                diffs.append(f"{w['name']}.{k}: {got.get(k)!r} ≠ {v!r}")
    return diffs


def compare(found: Found, want: dict[str, Any], overdue_ids: set[str]) -> list[str]:
    """The differences between a stored record and its truth (empty: all fields right)."""
    v = found.values
    diffs: list[str] = []
    for k, w in want.items():
        if k == "status_in":
            if v.get("status") not in w:
                diffs.append(f"status: {v.get('status')!r} ∉ {w}")
        elif k == "overdue":
            if (found.id in overdue_ids) != w:
                diffs.append(f"overdue: {found.id in overdue_ids} ≠ {w} (due {v.get('due_on')})")
        elif k in ("parties", "petitioners"):
            diffs += [f"{k} {d}" for d in _compare_people(v.get(k) or [], w)]
        elif k == "category_in":
            if v.get("category") not in w:
                diffs.append(f"category: {v.get('category')!r} ∉ {w}")
        elif k == "content_contains":
            for part in w:
                if not _same_text(part, "") and re.sub(r"\s+", "", part) not in re.sub(
                    r"\s+", "", str(v.get("content", ""))
                ):
                    diffs.append(f"content lacks {part!r}")
        elif k in ("summary", "request", "content"):
            if not _same_text(v.get(k), w):
                diffs.append(f"{k}: {v.get(k)!r} ≠ {w!r}")
        elif k in ("author", "name"):
            if v.get(k) != w:
                diffs.append(f"{k}: {v.get(k)!r} ≠ {w!r}")
        elif (v.get(k) or None) != (w or None):  # "" / None / False all mean "nothing"
            diffs.append(f"{k}: {v.get(k)!r} ≠ {w!r}")
    return diffs


def _key_of(truth_row: dict[str, Any]) -> tuple[str, frozenset[str]] | None:
    key = truth_row.get("key")
    if not key:
        return None
    return (str(key.get("date", "")), frozenset(_name(n) for n in key.get("names", [])))


def evaluate(truth: dict[str, Any], ctx: Any, result: Any, error: str = "") -> Figures:
    """Compare the ledger after importing one workbook with its truth."""
    from app.models import ExcelImportRow
    from app.services.reporting import overdue_items

    fig = Figures(truth["workbook"], truth["ledger"], error=error)
    rows: list[dict[str, Any]] = truth["rows"]
    records = _records(ctx, truth["ledger"])
    by_id = {f.id: f for f in records}
    by_key: dict[tuple[Any, ...], list[Found]] = {}
    for f in records:
        by_key.setdefault(f.key, []).append(f)
    bookkeeping = {
        (r.sheet, r.row_number): r.record_id
        for r in ctx.session.scalars(
            select(ExcelImportRow).where(ExcelImportRow.source_file == truth["workbook"])
        )
    }
    overdue_ids = {i.case_id for i in overdue_items(ctx)}
    reported = {(r.sheet, r.row): r for r in report_rows(result)} if result is not None else {}
    fig.rows = len(rows)
    fig.refused = sum(1 for r in reported.values() if r.status in REFUSED)
    for each in reported.values():
        if each.status in REFUSED and not any(
            CJK.search(reason) and (header or column) for column, header, reason in each.problems
        ):
            fig.unnamed += 1
            if len(fig.refusal_examples) < 6:
                fig.refusal_examples.append(
                    f"{each.sheet}!{each.row}: no column named: "
                    + "；".join(x for _, _, x in each.problems)
                )
    fig.skipped = sum(1 for r in reported.values() if r.status == "skipped")

    # the chains: a record row and the later rows that update it; only the last is compared
    # on its state fields
    last_of: dict[tuple[str, int], tuple[str, int]] = {}
    for r in rows:
        if r["expect"] == "update":
            last_of[(r["of"]["sheet"], r["of"]["row"])] = (r["sheet"], r["row"])  # rows in order
    finals = set(last_of.values())
    superseded: set[tuple[str, int]] = set(last_of)
    for r in rows:
        if r["expect"] == "update" and (r["sheet"], r["row"]) not in finals:
            superseded.add((r["sheet"], r["row"]))

    matched: set[str] = set()

    def locate(r: dict[str, Any]) -> Found | str | None:
        key = _key_of(r)
        if key is not None and key in by_key:
            hits = by_key[key]
            if len(hits) > 1 and r.get("key", {}).get("request"):
                hits = [h for h in hits if _same_text(h.values.get("request"), r["key"]["request"])]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                return f"{len(hits)} records for the same case"
        places = [(r["sheet"], r["row"])]
        if r.get("of"):
            places.append((r["of"]["sheet"], r["of"]["row"]))
        for place in places:
            rid = bookkeeping.get(place)
            if rid is not None and rid in by_id:
                return by_id[rid]
        return None

    for r in rows:
        where = f"{r['sheet']}!{r['row']}"
        place = (r["sheet"], r["row"])
        expect = r["expect"]
        if expect == "skip":
            rid = bookkeeping.get(place)
            if rid is not None:
                fig.wrong += 1
                fig.wrong_examples.append(f"{where}: {r.get('why')} imported as a record")
            continue
        fig.data += 1
        if expect == "part_of":
            rid = bookkeeping.get(place)
            anchor = bookkeeping.get((r["of"]["sheet"], r["of"]["row"]))
            if rid is not None and rid != anchor:
                fig.wrong += 1
                fig.wrong_examples.append(f"{where}: a party row imported as its own record")
                matched.add(rid)
            continue
        if expect == "refuse":
            fig.to_refuse += 1
            hit = locate(r)
            if isinstance(hit, Found):
                matched.add(hit.id)
                fig.wrong += 1
                fig.wrong_examples.append(
                    f"{where}: imported although it must be refused ({r['reason']})"
                )
                continue
            rep = reported.get(place)
            if rep is not None and rep.status in REFUSED:
                col = r["column"]
                good = any(
                    CJK.search(reason) and (col in header or col in reason)
                    for _, header, reason in rep.problems
                )
                if good:
                    fig.named += 1
                elif len(fig.refusal_examples) < 6:
                    fig.refusal_examples.append(
                        f"{where} ({r['reason']}, column {col}): "
                        + "；".join(f"[{h}] {x}" for _, h, x in rep.problems)
                    )
            continue
        # record / update
        fig.importable += 1
        hit = locate(r)
        if not isinstance(hit, Found):
            rep = reported.get(place)
            why = (
                hit
                if isinstance(hit, str)
                else (
                    f"{rep.status}: " + "；".join(f"[{h}] {x}" for _, h, x in rep.problems)
                    if rep is not None
                    else "not in the report"
                )
            )
            fig.missing_examples.append(f"{where}: {why}")
            continue
        fig.imported += 1
        matched.add(hit.id)
        want = dict(r["record"])
        if place in superseded:
            want = {k: val for k, val in want.items() if k not in STATE_KEYS}
        diffs = compare(hit, want, overdue_ids)
        if diffs:
            fig.wrong += 1
            fig.values += len(diffs)
            fig.wrong_examples.append(f"{where}: " + "; ".join(diffs))
    extra = [f for f in records if f.id not in matched]
    fig.extra = len(extra)
    fig.wrong += len(extra)
    for f in extra[:3]:
        fig.wrong_examples.append(f"extra record {f.key[0]} {sorted(f.key[1])}")
    fig.id_in_notes = sum(1 for f in records if any(_full_id(m) for m in ID_RE.findall(f.notes)))
    return fig


def run_workbook(truth_path: Path, folder: Path) -> Figures:
    """Import one workbook into a fresh ledger (no options) and evaluate it: the whole workbook,
    as ``zongzhi excel import FILE LEDGER`` does without ``--sheet``."""
    from app.rules.errors import AppError
    from app.services.excel_import import run_workbook_import

    truth: dict[str, Any] = json.loads(truth_path.read_text(encoding="utf-8"))
    db = _fresh_db(folder, truth_path.name.split("_")[0])
    try:
        with _ctx(db) as ctx:
            result: Any = None
            error = ""
            try:
                result = run_workbook_import(ctx, CORPUS / truth["workbook"], truth["ledger"])
            except AppError as exc:  # the whole workbook refused
                error = str(exc)
            return evaluate(truth, ctx, result, error)
    finally:
        db.close()


def run_corpus(folder: Path) -> list[Figures]:
    return [run_workbook(p, folder) for p in truth_files()]


def table(figures: Iterable[Figures]) -> str:
    figs = list(figures)
    lines = [
        "| workbook | ledger | rows | data rows | importable | imported | rate | refused | "
        "bad rows refused naming column | refusals naming no column | skipped | wrong rows | "
        "wrong values | extra records | ID in notes |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for f in figs:
        lines.append(
            f"| {f.workbook.removesuffix('.xlsx')} | {f.ledger} | {f.rows} | {f.data} | "
            f"{f.importable} | {f.imported} | {f.rate:.0%} | {f.refused} | "
            f"{f.named}/{f.to_refuse} | {f.unnamed} | {f.skipped} | {f.wrong} | {f.values} | "
            f"{f.extra} | {f.id_in_notes} |"
        )
    tot = Figures("total", "")
    for f in figs:
        for k in (
            "rows",
            "data",
            "importable",
            "imported",
            "refused",
            "to_refuse",
            "named",
            "unnamed",
            "skipped",
            "wrong",
            "values",
            "extra",
            "id_in_notes",
        ):
            setattr(tot, k, getattr(tot, k) + getattr(f, k))
    lines.append(
        f"| **total** | | {tot.rows} | {tot.data} | {tot.importable} | {tot.imported} | "
        f"{tot.rate:.0%} | {tot.refused} | {tot.named}/{tot.to_refuse} | {tot.unnamed} | "
        f"{tot.skipped} | {tot.wrong} | {tot.values} | {tot.extra} | {tot.id_in_notes} |"
    )
    out = ["# Excel import: the real-ledger corpus (issue 14)", "", *lines, ""]
    for f in figs:
        out.append(f"## {f.workbook}")
        if f.error:
            out.append(f"- whole workbook refused: {f.error}")
        for title, items in (
            ("wrong", f.wrong_examples),
            ("not imported", f.missing_examples),
            ("refusals not naming the (expected) column", f.refusal_examples),
        ):
            if items:
                out.append(f"- {title} ({len(items)}):")
                out += [f"  - {x}" for x in items[:8]]
        out.append("")
    return "\n".join(out)


def write_artifact(figures: Iterable[Figures]) -> str:
    text = table(figures)
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(text, encoding="utf-8")
    return text


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="corpus-") as tmp:
        text = write_artifact(run_corpus(Path(tmp)))
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
