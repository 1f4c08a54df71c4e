"""The fast search paths (revision 0003: instance vocabularies for one- and two-character
terms, ``rowid + 0`` filtering, covering indexes) return exactly what a plain substring test of
every record returns, for every kind of query."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from app.db import open_database
from app.services.context import open_ctx
from app.services.ledger_query import LedgerFilter, dispute_page, visit_page
from app.services.search import SEARCH_FIELDS, terms_of
from benchmarks.dataset import Dataset

QUERIES = [
    "张",  # one character, a common surname
    "纠",  # one character in every dispute title
    "王建",  # two characters
    "土地",
    "宅基地",  # a trigram
    "村务公开",
    "张 宅基地",  # short and long together
    "林地 边界",  # two short terms
    "一组 物业",
    "调字第",
    "2026-x",  # case-code fragment, folded to lower case
    "不存在的词语",
    "瞿",  # one character that is nowhere
]


def _expected(con: sqlite3.Connection, kind: str, text: str) -> set[str]:
    """Records whose own fields contain every term, or (terms of three or more characters)
    one of whose live people does: the rules of app.services.search, tested row by row."""
    link, key = ("visit_person", "visit_id") if kind == "visit" else ("dispute_party", "dispute_id")
    fields = SEARCH_FIELDS[kind]
    people: dict[str, list[str]] = {}
    for case_id, *values in con.execute(
        f"SELECT l.{key}, {', '.join('p.' + f for f in SEARCH_FIELDS['person'])} FROM {link} l "
        "JOIN person p ON p.id = l.person_id WHERE l.deleted_at IS NULL AND p.deleted_at IS NULL"
    ):
        people.setdefault(case_id, []).append("\n".join(str(v or "").lower() for v in values))
    found = set()
    for rid, *values in con.execute(
        f"SELECT id, {', '.join(fields)} FROM {kind} WHERE deleted_at IS NULL"
    ):
        own = [str(v or "").lower() for v in values]
        if all(
            any(t in v for v in own)
            or (len(t) >= 3 and any(t in person for person in people.get(rid, [])))
            for t in terms_of(text)
        ):
            found.add(rid)
    return found


@pytest.fixture(scope="module")
def ledger(tiny: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("search") / "village.sqlite3"
    shutil.copyfile(tiny.village, path)
    return path


@pytest.mark.parametrize("text", QUERIES)
def test_search_finds_exactly_the_records_containing_the_terms(ledger: Path, text: str) -> None:
    db = open_database(ledger, check_integrity=False)
    ctx = open_ctx(db, "admin")
    con = sqlite3.connect(ledger)
    try:
        assert ctx.can("restricted.view")  # so every visit is listed
        for kind, page in (("visit", visit_page), ("dispute", dispute_page)):
            got = {r.id for r in page(ctx, LedgerFilter(text=text), limit=5000).rows}
            assert got == _expected(con, kind, text), (kind, text)
    finally:
        con.close()
        ctx.close()
        db.close()


def test_common_and_rare_queries_return_something(ledger: Path) -> None:
    con = sqlite3.connect(ledger)
    try:
        sizes = {q: len(_expected(con, "dispute", q)) for q in ("张", "宅基地", "瞿", "纠")}
    finally:
        con.close()
    assert sizes["张"] > 0 and sizes["宅基地"] > 0 and sizes["瞿"] == 0
    assert sizes["纠"] > 300  # very common: answered by testing the rows, still exact


def test_the_row_by_row_plans_agree_too(ledger: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a tiny threshold every common term takes the plan a 100k ledger uses for it
    (testing the rows while walking the list's order) instead of the index lookup."""
    from app.services import search

    monkeypatch.setattr(search, "DIRECT_LIMIT", 5)
    db = open_database(ledger, check_integrity=False)
    ctx = open_ctx(db, "admin")
    con = sqlite3.connect(ledger)
    try:
        for text in QUERIES:
            for kind, page in (("visit", visit_page), ("dispute", dispute_page)):
                got = {r.id for r in page(ctx, LedgerFilter(text=text), limit=5000).rows}
                assert got == _expected(con, kind, text), (kind, text)
    finally:
        con.close()
        ctx.close()
        db.close()
