"""Recovering a reinstalled village from its township's hub (issue 17), on SQLite and on
PostgreSQL hubs: ``zongzhi recover --hub``; a new installation the township has not re-paired
yet is refused with a changed-key message and nothing is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.sync.cards import export_card, import_card, read_card
from app.sync.client import sync_once

from ..conftest import VILLAGE
from ..sync.conftest import ledger_digest, make_node
from ..sync.helpers import add_dispute, add_visit, mediate
from .conftest import Node, RunningHub


def test_recover_a_reinstalled_village_over_the_hub(
    village: Node,
    township: Node,
    hub: RunningHub,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    d = add_dispute(village.ctx, 1)
    mediate(village.ctx, d.id)
    add_visit(village.ctx, 1)
    assert sync_once(village.db, hub.url, clock=village.clock).pushes
    held = township.rows(village.code)
    (tmp_path / "new").mkdir()
    new = make_node("village-new", VILLAGE, tmp_path / "new", tmp_path_factory)
    try:
        card, fp = export_card(township.ctx, township.out)
        import_card(new.ctx, read_card(card), expect_fingerprint=fp)
        db = str(new.db.path)
        # the township still knows the old installation's key: refused, nothing written
        before = ledger_digest(new.db)
        code = main(["--db", db, "recover", "--hub", hub.url])
        _, err = capsys.readouterr()
        assert code == 1 and "以前的密钥" in err and "--replace" in err
        assert ledger_digest(new.db) == before
        # re-paired: the whole ledger comes back
        card, fp = export_card(new.ctx, new.out)
        import_card(township.ctx, read_card(card), expect_fingerprint=fp, replace=True)
        code = main(["--db", db, "recover", "--hub", hub.url, "--json"])
        out, err = capsys.readouterr()
        assert code == 0, err
        data = json.loads(out)
        assert data["records"] == sum(len(v) for v in held.values()) and not data["lost"]
        assert new.rows(VILLAGE.code) == held
        # and it goes on in its new epoch: nothing refused, the township converges
        add_visit(new.ctx, 2)
        report = sync_once(new.db, hub.url, clock=new.clock)
        assert report.pushes and not report.refused
        assert township.rows(VILLAGE.code) == new.rows(VILLAGE.code)
    finally:
        new.close()
