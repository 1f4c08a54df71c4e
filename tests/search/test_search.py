"""Search (FTS5 trigram + short-query fallback + pinyin initials) and the ledger list queries:
triggers keep the index current for ORM and Core writes; filters, visibility, keyset paging."""

from __future__ import annotations

import importlib.util
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text, update

from app.models import Person, Visit
from app.services import search
from app.services.context import Ctx, open_ctx
from app.services.disputes import DisputeAction, advance_dispute, register_dispute
from app.services.ledger_query import (
    LedgerFilter,
    dispute_count,
    dispute_page,
    filter_choices,
    visit_count,
    visit_page,
)
from app.services.operators import OperatorInput, create_operator
from app.services.persons import PersonInput
from app.services.visits import VisitAction, advance_visit, register_visit, update_visit, void_visit
from tests.search.helpers import dispute_input, visit_input

ROOT = Path(__file__).resolve().parents[2]


def _codes(page) -> list[str]:
    return [r.case_code for r in page.rows]


def _visit(ctx: Ctx, name: str, request: str, **over):
    data = visit_input(request=request, subject="", **over)
    data.petitioners = [PersonInput(name=name, phone="13912345678", address="柳树村一组")]
    return register_visit(ctx, data).record


def test_revision_indexes_the_same_fields_as_the_service() -> None:
    path = ROOT / "app/migrations/versions/0002_fulltext_search.py"
    spec = importlib.util.spec_from_file_location("rev0002", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.FIELDS == search.SEARCH_FIELDS


def test_chinese_substring_long_and_short(ctx: Ctx) -> None:
    a = _visit(ctx, "张三", "要求公开村集体土地承包收支明细")
    b = _visit(ctx, "李四", "反映养殖场污水排放问题")
    for q, want in (
        ("土地承包", {a.case_code}),  # trigram
        ("土地", {a.case_code}),  # two characters: vocabulary prefix
        ("污", {b.case_code}),  # one character
        ("张三", {a.case_code}),  # name in party names
        ("李", {b.case_code}),
        ("公开 土地", {a.case_code}),  # all terms must match
        ("集体 污水", set()),
        ("不存在", set()),
    ):
        assert set(_codes(visit_page(ctx, LedgerFilter(text=q)))) == want, q


def test_field_end_and_case_code_are_found(ctx: Ctx) -> None:
    v = _visit(ctx, "王五", "要求修路")  # "路" is the last character of the field
    assert _codes(visit_page(ctx, LedgerFilter(text="路"))) == [v.case_code]
    assert _codes(visit_page(ctx, LedgerFilter(text=v.case_code[-7:]))) == [v.case_code]
    assert _codes(visit_page(ctx, LedgerFilter(text=v.case_code.lower()))) == [v.case_code]


def test_pinyin_initials_and_phone_find_people(ctx: Ctx) -> None:
    a = _visit(ctx, "张三", "要求公开村务")
    _visit(ctx, "李四", "要求公开村务")
    assert _codes(visit_page(ctx, LedgerFilter(text="zs"))) == [a.case_code]
    assert _codes(visit_page(ctx, LedgerFilter(text="ZS"))) == [a.case_code]
    assert _codes(visit_page(ctx, LedgerFilter(text="zhangsan"))) == [a.case_code]
    d = register_dispute(ctx, dispute_input()).record  # parties 张三 and 李四
    assert _codes(dispute_page(ctx, LedgerFilter(text="zs"))) == [d.case_code]
    assert _codes(dispute_page(ctx, LedgerFilter(text="ls 排水沟"))) == [d.case_code]
    # two different 张三 (different phones, one with an ID number)
    assert [h.name for h in search.find_persons(ctx.session, "zs")] == ["张三", "张三"]
    by_phone = search.find_persons(ctx.session, "13800138000")
    assert [(h.name, h.id_number) for h in by_phone] == [("张三", "11010519491231002X")]
    assert {h.name for h in search.find_persons(ctx.session, "李")} == {"李四"}


def test_index_follows_updates_void_and_core_writes(ctx: Ctx) -> None:
    v = _visit(ctx, "赵六", "要求维修水渠")
    assert _codes(visit_page(ctx, LedgerFilter(text="水渠"))) == [v.case_code]
    data = visit_input(request="要求硬化村道", subject="")
    data.petitioners = [
        PersonInput(person_id=v.persons[0].person_id, name="赵六", phone="13912345678")
    ]
    update_visit(ctx, v.id, data)
    assert _codes(visit_page(ctx, LedgerFilter(text="水渠"))) == []
    assert _codes(visit_page(ctx, LedgerFilter(text="硬化村道"))) == [v.case_code]
    # a Core UPDATE (as the sync importer writes) is indexed by the trigger too
    with ctx.write() as s:
        s.execute(update(Visit).where(Visit.id == v.id).values(subject="宅基地边界"))
    assert _codes(visit_page(ctx, LedgerFilter(text="宅基地"))) == [v.case_code]
    # a Core INSERT of a foreign person, and INSERT OR REPLACE, keep one index row each
    with ctx.write() as s:
        s.execute(
            insert(Person).values(
                id="p-foreign-1",
                origin="110105001002",
                rev=7,
                name="钱七",
                pinyin_full="qianqi",
                pinyin_initials="qq",
            )
        )
        s.execute(
            text(
                "INSERT OR REPLACE INTO person (id, origin, rev, created_at, updated_at, name, "
                "gender, ethnicity, phone, address, occupation, employer, pinyin_full, "
                "pinyin_initials, note) SELECT id, origin, 8, created_at, updated_at, '钱八', "
                "gender, ethnicity, phone, address, occupation, employer, 'qianba', 'qb', note "
                "FROM person WHERE id = 'p-foreign-1'"
            )
        )
    assert [h.name for h in search.find_persons(ctx.session, "qb")] == ["钱八"]
    assert search.find_persons(ctx.session, "钱七") == []
    n = ctx.session.execute(
        text("SELECT count(*) FROM fts_person_key WHERE id = 'p-foreign-1'")
    ).scalar_one()
    assert n == 1
    void_visit(ctx, v.id, "重复登记")
    assert _codes(visit_page(ctx, LedgerFilter(text="宅基地"))) == []


def test_rebuild_index_restores_search(ctx: Ctx) -> None:
    v = _visit(ctx, "孙九", "要求解决饮水困难")
    with ctx.write() as s:
        s.execute(text("DELETE FROM fts_visit"))
    assert _codes(visit_page(ctx, LedgerFilter(text="饮水困难"))) == []
    with ctx.write() as s:
        search.rebuild_index(s)
    assert _codes(visit_page(ctx, LedgerFilter(text="饮水困难"))) == [v.case_code]


def test_restricted_visits_only_for_roles_that_may_see_them(ctx: Ctx, clock) -> None:
    normal = _visit(ctx, "周一", "要求公开村务")
    secret = _visit(
        ctx, "吴二", "检举村干部侵占补偿款", petition_type="accusation", accused_unit="柳树村村委会"
    )
    create_operator(ctx, OperatorInput("clerk1", "录入员甲", "clerk", "clerk123"))
    clerk = open_ctx(ctx.db, "clerk1", clock=clock)
    try:
        assert set(_codes(visit_page(ctx, LedgerFilter()))) == {normal.case_code, secret.case_code}
        assert _codes(visit_page(clerk, LedgerFilter())) == [normal.case_code]
        assert _codes(visit_page(clerk, LedgerFilter(text="侵占"))) == []
        assert visit_count(clerk, LedgerFilter()) == 1
        # lists mask ID numbers for every role
        row = visit_page(ctx, LedgerFilter(text="周一")).rows[0]
        assert row.id_number == ""
    finally:
        clerk.close()


def test_filters_status_category_dates_deadlines(ctx: Ctx, clock) -> None:
    old = register_visit(ctx, visit_input(received_at="2026-02-01 10:00")).record
    new = register_visit(ctx, visit_input(received_at="2026-03-16 09:00")).record
    advance_visit(ctx, new.id, "review", VisitAction(note="同意"))
    assert _codes(visit_page(ctx, LedgerFilter(statuses=("reviewed",)))) == [new.case_code]
    assert _codes(visit_page(ctx, LedgerFilter(date_from=date(2026, 3, 1)))) == [new.case_code]
    assert _codes(visit_page(ctx, LedgerFilter(date_to=date(2026, 2, 28)))) == [old.case_code]
    # accept due is 15 days after receipt: 2026-02-16 for the old one (overdue on 03-16)
    assert _codes(visit_page(ctx, LedgerFilter(deadline="overdue"))) == [old.case_code]
    clock.advance(days=12)  # 03-28: the new one is due 03-31, within 3 days
    assert _codes(visit_page(ctx, LedgerFilter(deadline="due_soon"))) == [new.case_code]
    assert visit_count(ctx, LedgerFilter(deadline="open")) == 2
    assert visit_count(ctx, LedgerFilter(category="village_affairs")) == 2
    assert visit_count(ctx, LedgerFilter(category="environment")) == 0
    with pytest.raises(Exception, match="截止日期"):
        visit_page(ctx, LedgerFilter(date_from=date(2026, 3, 2), date_to=date(2026, 3, 1)))


def test_dispute_rows_and_counts(ctx: Ctx) -> None:
    d = register_dispute(ctx, dispute_input()).record
    advance_dispute(ctx, d.id, "assign", DisputeAction(mediator="admin"))
    page = dispute_page(ctx, LedgerFilter())
    row = page.rows[0]
    assert row.case_code == d.case_code and row.status_label == "已分流"
    assert row.id_number.startswith("110105") and "*" in row.id_number
    assert row.amount_yuan == 3000
    assert dispute_count(ctx, LedgerFilter(statuses=("triaged",))) == 1
    ch = filter_choices(ctx, "dispute")
    assert any(c.label == "邻里" for c in ch.categories)
    assert ch.origins == []  # only this station's records: no station filter offered


@pytest.mark.parametrize(
    ("sort", "descending"),
    [
        ("received_on", True),
        ("received_on", False),
        ("due_on", False),
        ("due_on", True),
        ("case_code", False),
        ("status", True),
        ("party_names", False),
    ],
)
def test_keyset_pages_cover_every_row_once_in_order(ctx: Ctx, sort: str, descending: bool) -> None:
    """Keyset pages (tiny pages, ties and NULLs in the sort column) equal one full sort."""
    from benchmarks.ledger_fill import fill

    fill(ctx.db, visits=230, disputes=0, today=date(2026, 3, 16), seed=3)
    full = visit_page(ctx, LedgerFilter(), sort=sort, descending=descending, limit=10_000)
    seen: list[str] = []
    cursor = None
    while True:
        page = visit_page(
            ctx, LedgerFilter(), sort=sort, descending=descending, after=cursor, limit=37
        )
        seen += [r.id for r in page.rows]
        cursor = page.next
        if cursor is None:
            break
    assert seen == [r.id for r in full.rows]
    assert len(seen) == visit_count(ctx, LedgerFilter()) == 230


def test_township_sees_villages_and_filters_by_origin(township_db, clock) -> None:
    from benchmarks.ledger_fill import fill

    fill(township_db, visits=5, disputes=3, origin="110105001001", today=date(2026, 3, 16))
    fill(township_db, visits=4, disputes=2, origin="110105001002", today=date(2026, 3, 16), seed=9)
    c = open_ctx(township_db, "admin", clock=clock)
    try:
        assert visit_count(c, LedgerFilter()) == 9
        assert visit_count(c, LedgerFilter(origin="110105001002")) == 4
        rows = visit_page(c, LedgerFilter(origin="110105001001")).rows
        assert len(rows) == 5 and all(r.is_foreign for r in rows)
        assert {o.code for o in filter_choices(c, "dispute").origins} == {
            "110105001001",
            "110105001002",
        }
    finally:
        c.close()


def test_short_terms_use_index_or_row_scan_with_the_same_answer(ctx: Ctx) -> None:
    """Above DIRECT_LIMIT hits the plan switches to a row test; results must not change."""
    from benchmarks.ledger_fill import fill

    fill(ctx.db, visits=300, disputes=0, today=date(2026, 3, 16), seed=5)
    want = set(_codes(visit_page(ctx, LedgerFilter(text="村务"), limit=10_000)))
    old = search.DIRECT_LIMIT
    try:
        search.DIRECT_LIMIT = 1
        got = set(_codes(visit_page(ctx, LedgerFilter(text="村务"), limit=10_000)))
    finally:
        search.DIRECT_LIMIT = old
    assert got == want and want


def test_dates_in_list_rows(ctx: Ctx) -> None:
    v = register_visit(ctx, visit_input()).record
    row = visit_page(ctx, LedgerFilter()).rows[0]
    assert row.received_on == date(2026, 3, 16)
    assert row.due_on == date(2026, 3, 16) + timedelta(days=15)
    assert row.days_left == 15 and row.status_label == "已登记"
    assert ctx.session.scalar(select(Visit.case_code).where(Visit.id == v.id)) == row.case_code


def test_upgrading_an_older_ledger_indexes_its_records(tmp_path: Path) -> None:
    """Revision 0002 fills the index from records written before it existed."""
    import shutil

    from app.db import open_database

    fixture = ROOT / "tests/fixtures/schema/v0001.sqlite3"
    path = tmp_path / "old.sqlite3"
    shutil.copyfile(fixture, path)
    db = open_database(path)
    try:
        c = open_ctx(db, "admin")
        try:
            total = visit_count(c, LedgerFilter())
            assert total > 0
            first = visit_page(c, LedgerFilter(), limit=1).rows[0]
            found = visit_page(c, LedgerFilter(text=first.case_code), limit=5).rows
            assert [r.id for r in found] == [first.id]
            name = first.party_names.split("、")[0]
            assert first.id in {r.id for r in visit_page(c, LedgerFilter(text=name)).rows}
        finally:
            c.close()
    finally:
        db.close()
