"""Migrations: head matches the models; newer databases are refused; a backup precedes migration;
every past schema version opens and upgrades with its data intact."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from app.db import DatabaseError, head_revision, known_revisions, open_database
from app.migrations.env_support import include_object
from app.models import Base

FIXTURES = Path(__file__).parent / "fixtures" / "schema"


def test_upgrade_head_on_empty_db_matches_models(tmp_path: Path) -> None:
    db = open_database(tmp_path / "new.sqlite3")
    with db.engine.connect() as conn:
        mc = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        diff = compare_metadata(mc, Base.metadata)
    db.close()
    assert diff == [], f"models and migrations differ: {diff}"


def test_sqlite_pragmas(village_db) -> None:
    with village_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_newer_database_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    open_database(path).close()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="更新版本"):
        open_database(path)
    assert path.read_bytes() == before


def test_corrupt_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.sqlite3"
    open_database(path).close()
    data = bytearray(path.read_bytes())
    data[100:4000] = b"\xff" * 3900
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseError):
        open_database(path)


def test_not_a_ledger_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE foo (x)")
    con.commit()
    con.close()
    with pytest.raises(DatabaseError, match="不是综治工作站的数据库"):
        open_database(path)


def _fixture_dbs() -> list[Path]:
    return sorted(FIXTURES.glob("v*.sqlite3"))


def test_there_is_a_fixture_for_every_past_revision() -> None:
    """Each released schema revision except head keeps a fixture database (pre-release: none)."""
    have = {p.stem.removeprefix("v") for p in _fixture_dbs()}
    past = known_revisions() - {head_revision()}
    assert past <= have, f"add fixture databases for {sorted(past - have)}"


@pytest.mark.parametrize("fixture", _fixture_dbs(), ids=lambda p: p.name)
def test_every_past_schema_version_opens_and_upgrades(tmp_path: Path, fixture: Path) -> None:
    path = tmp_path / fixture.name
    shutil.copyfile(fixture, path)
    con = sqlite3.connect(path)
    counts = {
        t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
        for t in ("visit", "dispute", "person", "case_event")
    }
    con.close()
    db = open_database(path)
    with db.engine.connect() as conn:
        for table, n in counts.items():
            assert conn.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar() == n
        mc = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        assert compare_metadata(mc, Base.metadata) == [], "an upgraded ledger differs from head"
    db.close()
    if fixture.stem.removeprefix("v") != head_revision():
        backups = list((tmp_path / "backups").glob("*before-migration*"))
        assert backups, "a backup must be written before migrating"
