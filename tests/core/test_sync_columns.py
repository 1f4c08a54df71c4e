"""DESIGN §3: every synced table has the sync columns; rev comes from one station-wide counter on
every insert/update/tombstone; no physical deletes; foreign rows cannot be edited here."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import insert, inspect, select, text

from app.models import Base, LocalState, Person, SyncMixin, Visit, synced_tables
from app.models.events import PhysicalDeleteError
from app.models.ids import uuid7
from app.rules.errors import ConflictError
from app.services.visits import VisitAction, advance_visit, register_visit

from .conftest import visit_input

SYNC_COLUMNS = {
    "id",
    "origin",
    "rev",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "deleted_at",
}


def test_every_synced_table_has_the_columns() -> None:
    tables = synced_tables()
    assert {
        "person",
        "visit",
        "visit_person",
        "dispute",
        "dispute_party",
        "mediation_session",
        "case_event",
    } <= set(tables)
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if issubclass(cls, SyncMixin):
            assert set(mapper.columns.keys()) >= SYNC_COLUMNS, cls.__name__


def test_uuid7_is_time_ordered_and_versioned() -> None:
    ids = [uuid7() for _ in range(2000)]
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def _counter(ctx) -> int:
    return int(ctx.session.get(LocalState, 1).rev_counter)


def test_rev_is_one_station_wide_counter(ctx) -> None:
    v = register_visit(ctx, visit_input()).record
    revs = [
        r
        for table in synced_tables()
        for (r,) in ctx.session.execute(text(f'SELECT rev FROM "{table}"'))
    ]
    # unique across all tables and drawn from the one counter (a row re-stamped within the same
    # unit of work leaves an unused value behind: revs need not be gapless, only increasing)
    assert len(set(revs)) == len(revs)
    assert max(revs) == _counter(ctx)
    before = v.rev
    advance_visit(ctx, v.id, "review", VisitAction(note="同意"))
    assert v.rev > before
    assert v.rev <= _counter(ctx)
    assert v.updated_by == ctx.operator.id and v.updated_at == ctx.clock()


def test_unchanged_rows_keep_their_rev(ctx) -> None:
    v = register_visit(ctx, visit_input()).record
    person = v.persons[0].person
    rev = person.rev
    advance_visit(ctx, v.id, "review", VisitAction(note="同意"))
    assert person.rev == rev


def test_physical_delete_is_refused(ctx) -> None:
    v = register_visit(ctx, visit_input()).record
    with pytest.raises(PhysicalDeleteError, match="不能物理删除"), ctx.write() as s:
        s.delete(v)
    ctx.session.expire_all()
    assert ctx.session.get(Visit, v.id) is not None


def test_foreign_rows_are_read_only(ctx) -> None:
    """A row owned by another station (e.g. imported from a village) cannot be edited here."""
    foreign_id = str(uuid7())
    now = ctx.now()
    ctx.session.execute(
        insert(Person).values(
            id=foreign_id,
            origin="110105001002",
            rev=7,
            created_at=now,
            updated_at=now,
            name="外村人",
            gender="",
            ethnicity="",
            phone="",
            address="",
            occupation="",
            employer="",
            pinyin_full="",
            pinyin_initials="",
            note="",
        )
    )
    ctx.session.commit()
    p = ctx.session.get(Person, foreign_id)
    with pytest.raises(ConflictError, match="只能由登记单位修改"), ctx.write():
        p.phone = "13800138000"
    ctx.session.expire_all()
    assert ctx.session.get(Person, foreign_id).phone == ""
    assert ctx.session.get(Person, foreign_id).rev == 7


def test_failed_unit_of_work_rolls_back_counter_and_rows(ctx) -> None:
    register_visit(ctx, visit_input())
    counter = _counter(ctx)
    with pytest.raises(RuntimeError), ctx.write() as s:
        s.add(Person(name="半截记录"))
        s.flush()
        raise RuntimeError("power cut")
    assert _counter(ctx) == counter
    assert ctx.session.scalars(select(Person).where(Person.name == "半截记录")).first() is None


def test_indexes_for_the_change_feed(village_db) -> None:
    insp = inspect(village_db.engine)
    for table in synced_tables():
        names = {ix["name"] for ix in insp.get_indexes(table)}
        assert f"ix_{table}_origin_rev" in names
