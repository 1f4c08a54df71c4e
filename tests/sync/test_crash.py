"""A crash in the middle of applying a bundle leaves nothing half-applied; a retry succeeds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from app.db import integrity_check, open_database
from app.models import BundleLog
from app.services.context import open_ctx
from app.services.demo import generate
from app.sync import importer

from .conftest import Node, ledger_digest


def test_exception_inside_the_transaction_rolls_everything_back(
    paired: tuple[Node, Node], monkeypatch: pytest.MonkeyPatch
) -> None:
    village, township = paired
    generate(village.ctx, visits=5, disputes=5, seed=2)
    path = village.export().path
    before = ledger_digest(township.db)
    real = importer._apply_table
    calls = {"n": 0}

    def flaky(applier: importer._Applier, spec: object, rows: list[object]) -> None:
        real(applier, spec, rows)  # type: ignore[arg-type]
        calls["n"] += 1
        if calls["n"] == 6:  # several tables already written inside the transaction
            raise RuntimeError("power cut")

    monkeypatch.setattr(importer, "_apply_table", flaky)
    with pytest.raises(RuntimeError, match="power cut"):
        township.import_(path)
    assert ledger_digest(township.db) == before
    monkeypatch.setattr(importer, "_apply_table", real)
    township.ctx.session.rollback()
    res = township.import_(path)
    assert res.status == "imported", res.message
    assert township.rows(village.code) == village.rows(village.code)


def test_database_error_becomes_a_clean_refusal(
    paired: tuple[Node, Node], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    village, township = paired
    generate(village.ctx, visits=2, disputes=2, seed=4)
    path = village.export().path
    before = ledger_digest(township.db)
    real = importer._apply_table

    def disk_full(applier: importer._Applier, spec: object, rows: list[object]) -> None:
        real(applier, spec, rows)  # type: ignore[arg-type]
        if rows:
            raise OperationalError("INSERT", {}, Exception("database or disk is full"))

    monkeypatch.setattr(importer, "_apply_table", disk_full)
    res = township.import_(path)
    assert res.status == "rejected" and res.reason == "apply_failed" and "已全部撤销" in res.message
    assert ledger_digest(township.db) == before


KILLER = r"""
import os, sys
from pathlib import Path
import keyring
from keyrings.alt.file import PlaintextKeyring
from app.db import open_database
from app.services.context import open_ctx
from app.sync import importer
from app.sync.keystore import use_keychain

backend = PlaintextKeyring()
backend.file_path = sys.argv[3]
use_keychain(backend)
real = importer._apply_table
n = {"calls": 0}

def dying(applier, spec, rows):
    real(applier, spec, rows)
    if rows:
        n["calls"] += 1
    if n["calls"] == 4:
        print("dying", flush=True)
        os._exit(9)  # no rollback, no cleanup: like a power cut

importer._apply_table = dying
db = open_database(sys.argv[1])
ctx = open_ctx(db, "admin")
importer.import_bundle(ctx, Path(sys.argv[2]))
print("survived", flush=True)
"""


def test_process_killed_mid_apply_leaves_nothing(
    paired: tuple[Node, Node], keychain: object, tmp_path: Path
) -> None:
    village, township = paired
    generate(village.ctx, visits=6, disputes=6, seed=9)
    path = village.export().path
    township.ctx.session.commit()
    before = ledger_digest(township.db)
    township.close()
    script = tmp_path / "killer.py"
    script.write_text(KILLER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.run(
        [sys.executable, str(script), str(township.db.path), str(path), keychain.file_path],  # type: ignore[attr-defined]
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert "dying" in proc.stdout and "survived" not in proc.stdout, proc.stderr[-2000:]
    assert proc.returncode == 9
    assert integrity_check(township.db.path) == []
    db = open_database(township.db.path)
    try:
        assert ledger_digest(db) == before
        ctx = open_ctx(db, "admin", clock=township.clock)
        assert (
            ctx.session.scalars(select(BundleLog).where(BundleLog.direction == "import")).all()
            == []
        )
        res = importer.import_bundle(ctx, path)
        assert res.status == "imported", res.message
        ctx.close()
    finally:
        db.close()
    township.db = open_database(township.db.path)
    township.ctx = open_ctx(township.db, "admin", clock=township.clock)
    assert township.rows(village.code) == village.rows(village.code)
