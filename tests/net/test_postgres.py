"""The hub on PostgreSQL: created by ``zongzhi --database-url … init``, the same models and
migrations (without SQLite's full-text tables), the importer's dialect-neutral upserts, list
search falling back to substring tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from app.db import DatabaseError, declared_head, open_database_url
from app.services.ledger_query import LedgerFilter, dispute_page, visit_page
from app.services.search import find_persons, has_index
from app.services.stats import compute

from ..sync.helpers import add_dispute, add_visit, mediate, void
from .conftest import Node, child_env, pair
from .pg import Cluster

pytestmark = pytest.mark.postgres


def zongzhi(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=child_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_init_a_postgresql_hub_from_the_command_line(pg_cluster: Cluster, tmp_path: Path) -> None:
    url = pg_cluster.create_database("cli_init")
    res = zongzhi(
        tmp_path,
        "--database-url",
        url,
        "init",
        "--station-code",
        "110105001000",
        "--station-name",
        "东风镇综治中心",
        "--level",
        "township",
        "--parent-code",
        "110105000000",
        "--admin-password",
        "admin123",
    )
    assert res.returncode == 0, res.stderr
    assert "已初始化工作站：东风镇综治中心" in res.stdout and "已创建同步密钥" in res.stdout
    assert "postgresql+psycopg://" in res.stdout and "@127.0.0.1" in res.stdout
    engine = create_engine(url)
    try:
        names = set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
    assert {"visit", "dispute", "person", "bundle_log", "hub_ack", "sync_peer"} <= names
    assert not any(n.startswith("fts_") for n in names)  # no SQLite full-text tables
    assert head == declared_head()
    # the same commands work on it
    card = zongzhi(tmp_path, "--database-url", url, "card", "export", "--out", str(tmp_path))
    assert card.returncode == 0, card.stderr
    again = zongzhi(
        tmp_path, "--database-url", url, "init", "--station-code", "110105001000",
        "--station-name", "东风镇综治中心", "--level", "township", "--parent-code",
        "110105000000", "--admin-password", "admin123",
    )  # fmt: skip
    assert again.returncode == 1 and "已初始化过" in again.stderr
    backup = zongzhi(tmp_path, "--database-url", url, "backup")
    assert backup.returncode == 1 and "pg_dump" in backup.stderr


def test_a_database_that_is_not_ours_is_refused(pg_cluster: Cluster, tmp_path: Path) -> None:
    url = pg_cluster.create_database("someone_elses")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE payroll (id int)"))
    engine.dispose()
    with pytest.raises(DatabaseError, match="不是综治工作站的数据库"):
        open_database_url(url, state_path=tmp_path / "x")
    with pytest.raises(DatabaseError, match="无法连接数据库"):
        open_database_url(
            url.replace(url.split("@")[1].split("/")[0], "127.0.0.1:1"),
            state_path=tmp_path / "y",
        )
    with pytest.raises(DatabaseError, match="数据库地址格式不正确"):
        open_database_url("mysql://x/y")


@pytest.fixture
def backend() -> str:  # these tests are about PostgreSQL only
    return "postgresql"


def test_usb_bundles_and_services_on_a_postgresql_township(village: Node, township: Node) -> None:
    assert township.db.dialect == "postgresql" and not has_index(township.ctx.session)
    pair(village, township)
    d = add_dispute(village.ctx, 1)
    mediate(village.ctx, d.id)
    gone = add_dispute(village.ctx, 2)
    void(village.ctx, gone.id)
    add_visit(village.ctx, 3)
    res = township.import_(village.export().path)
    assert res.status == "imported" and res.summary["totals"]["rejected"] == 0
    assert township.rows(village.code) == village.rows(village.code)
    # a re-import is a no-op; an update travels (rev higher: UPDATE … WHERE rev <)
    assert township.import_(village.export(full=True).path).summary["totals"]["updated"] == 0
    add_visit(village.ctx, 4)
    assert township.import_(village.export().path).status == "imported"
    assert township.rows(village.code) == village.rows(village.code)
    # the township's own work on PostgreSQL: registering, numbering, its own list search
    own = add_dispute(township.ctx, 5)
    assert own.case_code.startswith("110105001000-")
    page = dispute_page(township.ctx, LedgerFilter(text="排水沟"))
    assert {r.id for r in page.rows} >= {d.id, own.id}
    by_name = dispute_page(township.ctx, LedgerFilter(text="张1"))
    assert [r.id for r in by_name.rows] == [d.id]
    assert visit_page(township.ctx, LedgerFilter(text="村务公开4")).rows[0].case_code
    assert visit_page(township.ctx, LedgerFilter(text="100%_不存在")).rows == []
    assert [p.name for p in find_persons(township.ctx.session, "张5")] == ["张5"]
    stats = compute(township.ctx, None, origin=village.code)
    assert stats["disputes"]["total"] >= 1


def test_database_gone_answers_503_and_the_village_retries_later(
    village: Node, township: Node, pg_cluster: Cluster
) -> None:
    import httpx

    from app.sync.client import HubUnreachable, sync_once

    from .conftest import start_hub

    pair(village, township)
    hub = start_hub(township)
    try:
        add_dispute(village.ctx, 1)
        assert sync_once(village.db, hub.url, clock=village.clock).pushes
        township.ctx.close()
        _, dbname = township.extra["pg"]
        pg_cluster.drop_database(dbname)  # the database server lost it (or went away)
        health = httpx.get(hub.url + "/health", trust_env=False)
        assert health.status_code == 503 and health.json()["status"] == "database_unavailable"
        add_visit(village.ctx, 2)
        with pytest.raises(HubUnreachable) as err:
            sync_once(village.db, hub.url, clock=village.clock)
        assert err.value.retry and "数据库暂时不可用" in str(err.value)
    finally:
        hub.stop()
