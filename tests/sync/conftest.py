"""Sync fixtures: a real file-backed keyring (keyrings.alt) in a temp dir, paired stations on
real SQLite files, and helpers to move bundles between them."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring
from sqlalchemy import select

from app.db import Database
from app.models import LocalState, SyncPeer, synced_tables
from app.services.context import Ctx, open_ctx
from app.services.stations import StationInput
from app.sync.bundle import ExportResult, export_bundle, issue_ack
from app.sync.cards import export_card, import_card, read_card
from app.sync.codec import encode_row, table_specs
from app.sync.importer import ImportResult, import_bundle
from app.sync.keys import ensure_station_keys
from app.sync.keystore import forget_passphrases, reset_keychain_choice, use_keychain
from app.sync.passphrase import set_passphrase_provider

from ..conftest import TOWNSHIP, VILLAGE, VILLAGE2, FakeClock, make_station_db


@pytest.fixture(autouse=True)
def keychain(tmp_path: Path) -> Iterator[PlaintextKeyring]:
    """A real keyring backend whose file lives in this test's temp dir."""
    previous = keyring.get_keyring()
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring" / "keyring_pass.cfg")
    use_keychain(backend)
    set_passphrase_provider(None)
    yield backend
    keyring.set_keyring(previous)
    reset_keychain_choice()
    set_passphrase_provider(None)
    forget_passphrases()


@dataclass
class Node:
    """One station: its ledger, a context acting as its admin, and a USB-stick folder."""

    name: str
    db: Database
    ctx: Ctx
    code: str
    out: Path
    clock: FakeClock
    extra: dict[str, Any] = field(default_factory=dict)

    def fresh_ctx(self, user: str = "admin") -> Ctx:
        return open_ctx(self.db, user, clock=self.clock)

    def export(self, **kw: Any) -> ExportResult:
        return export_bundle(self.ctx, self.out, **kw)

    def ack_for(self, other: Node) -> ExportResult:
        return issue_ack(self.ctx, other.code, self.out)

    def import_(self, path: Path, **kw: Any) -> ImportResult:
        return import_bundle(self.ctx, path, **kw)

    def rows(self, origin: str) -> dict[str, dict[str, dict[str, Any]]]:
        """Every synced row of ``origin`` here, encoded as it travels: {table: {id: row}}."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        with self.db.engine.connect() as conn:
            for name, spec in table_specs().items():
                t = spec.table
                out[name] = {
                    str(r.id): encode_row(spec, r)
                    for r in conn.execute(select(t).where(t.c.origin == origin))
                }
        return out

    def close(self) -> None:
        self.ctx.close()
        self.db.close()


def peer(node: Node, code: str) -> SyncPeer:
    """The sync_peer row ``node`` keeps for station ``code`` (fresh from the database)."""
    node.ctx.session.expire_all()
    row = node.ctx.session.get(SyncPeer, code)
    assert row is not None, f"{node.name} is not paired with {code}"
    return row


def local_state(node: Node) -> LocalState:
    node.ctx.session.expire_all()
    row = node.ctx.session.get(LocalState, 1)
    assert row is not None
    return row


def ledger_digest(db: Database) -> dict[str, str]:
    """Row count and hash per synced table plus the sync watermarks: what "the ledger" means
    for "untouched" (bundle_log and the audit chain may record a refusal)."""
    con = sqlite3.connect(f"file:{db.path}?mode=ro", uri=True)
    try:
        out: dict[str, str] = {}
        for t in [*synced_tables(), "sync_hwm", "sync_peer", "sync_relay_ack", "local_state"]:
            rows = sorted(repr(r) for r in con.execute(f'SELECT * FROM "{t}"'))
            out[t] = f"{len(rows)}:{hashlib.sha256(chr(10).join(rows).encode()).hexdigest()[:16]}"
        return out
    finally:
        con.close()


def make_node(
    name: str, station: StationInput, tmp_path: Path, factory: pytest.TempPathFactory
) -> Node:
    db = make_station_db(tmp_path / f"{name}.sqlite3", station, factory)
    ensure_station_keys(db)
    clock = FakeClock()
    out = tmp_path / f"usb-{name}"
    out.mkdir()
    return Node(name, db, open_ctx(db, "admin", clock=clock), station.code, out, clock)


def pair(a: Node, b: Node) -> None:
    """Exchange cards both ways (as if the fingerprints were compared by phone)."""
    card_a, fp_a = export_card(a.ctx, a.out)
    card_b, fp_b = export_card(b.ctx, b.out)
    import_card(b.ctx, read_card(card_a), expect_fingerprint=fp_a)
    import_card(a.ctx, read_card(card_b), expect_fingerprint=fp_b)


@pytest.fixture
def village(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    node = make_node("village", VILLAGE, tmp_path, tmp_path_factory)
    yield node
    node.close()


@pytest.fixture
def township(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    node = make_node("township", TOWNSHIP, tmp_path, tmp_path_factory)
    yield node
    node.close()


@pytest.fixture
def village2(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    node = make_node("village2", VILLAGE2, tmp_path, tmp_path_factory)
    yield node
    node.close()


@pytest.fixture
def paired(village: Node, township: Node) -> tuple[Node, Node]:
    pair(village, township)
    return village, township
