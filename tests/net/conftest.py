"""Network sync fixtures: a real file-backed keyring whose file subprocesses can find too, paired
stations on SQLite files or on a real PostgreSQL (started for the session), and real uvicorn
hubs on 127.0.0.1."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring
from sqlalchemy import insert, select, text

from app.db import open_database_url
from app.models import Person, new_id
from app.models.base import format_utc
from app.services.context import open_ctx
from app.services.stations import StationInput, init_station
from app.sync.hub import HubOptions, HubServer
from app.sync.keys import ensure_station_keys
from app.sync.keystore import forget_passphrases, reset_keychain_choice, use_keychain
from app.sync.passphrase import set_passphrase_provider

from ..conftest import COUNTY, TOWNSHIP, VILLAGE, FakeClock
from ..sync.conftest import Node, make_node, pair
from .pg import ENV_URL, Cluster, find_bin_dir, start_cluster

__all__ = ["Node", "pair"]


@pytest.fixture(autouse=True)
def keychain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PlaintextKeyring]:
    """A real keyring backend in this test's temp dir, at the path a subprocess started with
    :func:`child_env` finds it (``$XDG_DATA_HOME/python_keyring``)."""
    previous = keyring.get_keyring()
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "xdg" / "python_keyring" / "keyring_pass.cfg")
    use_keychain(backend)
    set_passphrase_provider(None)
    yield backend
    keyring.set_keyring(previous)
    reset_keychain_choice()
    set_passphrase_provider(None)
    forget_passphrases()


def child_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a ``zongzhi`` subprocess sharing this test's keyring and data dir."""
    env = dict(os.environ)
    env.update(
        XDG_DATA_HOME=str(tmp_path / "xdg"),
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


# --- PostgreSQL ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    if find_bin_dir() is None and not os.environ.get(ENV_URL):
        pytest.skip(
            "PostgreSQL 程序（initdb、pg_ctl）不在本机：/usr/lib/postgresql/*/bin 下没有找到，"
            "scripts/setup.sh 会安装 postgresql 软件包"
        )
    cluster = start_cluster()
    yield cluster
    cluster.stop()


_PG_TEMPLATES: dict[str, str] = {}


def make_pg_node(name: str, station: StationInput, cluster: Cluster, tmp_path: Path) -> Node:
    """A station whose ledger is a fresh PostgreSQL database (copied from a per-station
    template database that was initialised once per session)."""
    template = _PG_TEMPLATES.get(station.code)
    if template is None:
        template = f"tmpl_{os.getpid()}_{station.code}"  # xdist workers may share a server
        cluster.drop_database(template)
        url = cluster.create_database(template)
        db = open_database_url(url, state_path=tmp_path / f"template-{station.code}")
        init_station(db, station)
        db.close()
        _PG_TEMPLATES[station.code] = template
    dbname = f"t_{uuid.uuid4().hex[:16]}"
    url = cluster.create_database(dbname, template=template)
    db = open_database_url(url, state_path=tmp_path / f"{name}.pg")
    ensure_station_keys(db)
    clock = FakeClock()
    out = tmp_path / f"usb-{name}"
    out.mkdir()
    node = Node(name, db, open_ctx(db, "admin", clock=clock), station.code, out, clock)
    node.extra["pg"] = (cluster, dbname)
    return node


def close_node(node: Node) -> None:
    node.close()
    pg = node.extra.get("pg")
    if pg is not None:
        cluster, dbname = pg
        cluster.drop_database(dbname)


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def make_station(
    backend: str,
    name: str,
    station: StationInput,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    factory: pytest.TempPathFactory,
) -> Node:
    if backend == "postgresql":
        return make_pg_node(name, station, request.getfixturevalue("pg_cluster"), tmp_path)
    return make_node(name, station, tmp_path, factory)


@pytest.fixture
def village(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    node = make_node("village", VILLAGE, tmp_path, tmp_path_factory)
    yield node
    node.close()


@pytest.fixture
def township(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Node]:
    """The township, on the backend under test (its hub's database)."""
    node = make_station(backend, "township", TOWNSHIP, request, tmp_path, tmp_path_factory)
    yield node
    close_node(node)


@pytest.fixture
def county(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Node]:
    node = make_station(backend, "county", COUNTY, request, tmp_path, tmp_path_factory)
    yield node
    close_node(node)


# --- hubs ----------------------------------------------------------------------------------


@dataclass
class RunningHub:
    node: Node
    server: HubServer
    options: HubOptions

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    def stop(self) -> None:
        self.server.stop()

    def restart(self) -> None:
        port = self.server.port
        self.server.stop()
        self.server = HubServer(self.node.db, self.options, port=port).start()


def start_hub(node: Node, **options: Any) -> RunningHub:
    opts = HubOptions(clock=node.clock, **options)
    return RunningHub(node, HubServer(node.db, opts, port=0).start(), opts)


@pytest.fixture
def hub(village: Node, township: Node) -> Iterator[RunningHub]:
    """The township's hub on 127.0.0.1, paired with the village."""
    pair(village, township)
    running = start_hub(township)
    yield running
    running.stop()


# --- bulk records (load tests) -------------------------------------------------------------


def bulk_people(node: Node, n: int, *, tag: str = "") -> list[str]:
    """``n`` person records owned by the node's station, written in one transaction the way
    the ledger stores them (ids, origin, consecutive revs from the station counter) — fast
    enough for load tests that need thousands of records."""
    now = format_utc(node.clock())
    with node.db.engine.begin() as conn:
        counter = int(
            conn.execute(
                text(
                    "UPDATE local_state SET rev_counter = rev_counter + :n WHERE id = 1 "
                    "RETURNING rev_counter"
                ),
                {"n": n},
            ).scalar_one()
        )
        ids = [new_id() for _ in range(n)]
        rows = [
            {
                "id": rid,
                "origin": node.code,
                "rev": counter - n + i + 1,
                "created_at": now,
                "updated_at": now,
                "name": f"测试{tag}{i:04d}",
                "phone": f"139{i:08d}",
                "address": f"{node.code[-3:]}组{i}号",
            }
            for i, rid in enumerate(ids)
        ]
        conn.execute(insert(Person), rows)
    return ids


def count_rows(node: Node, origin: str, table: Any = Person) -> int:
    with node.db.engine.connect() as conn:
        t = table.__table__
        return len(conn.execute(select(t.c.id).where(t.c.origin == origin)).all())
