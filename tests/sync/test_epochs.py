"""Epochs: a ledger restored from a backup, copied, or re-installed never re-uses change numbers a
peer has seen, and one full re-send makes the township's copy match the village again."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import text

from app.db import backup_file, open_database
from app.models.events import EPOCH_SHIFT, bump_epoch
from app.services.context import open_ctx
from app.sync.keys import key_info
from app.sync.keystore import KeyringStore

from .conftest import Node, local_state
from .helpers import add_dispute, add_visit, mediate


def _mirrors(township: Node, village: Node, lost: dict[str, set[str]]) -> None:
    """Every record the village holds is at the township exactly as the village has it now;
    the township additionally keeps only what the village lost with the restore."""
    there, here = township.rows(village.code), village.rows(village.code)
    for table, rows in here.items():
        for rid, row in rows.items():
            assert there[table].get(rid) == row, (table, rid)
        assert set(there[table]) - set(rows) == lost.get(table, set()), table


def _ids(node: Node) -> dict[str, set[str]]:
    return {t: set(r) for t, r in node.rows(node.code).items()}


def _reopen(node: Node, replacement: Path | None = None) -> None:
    node.ctx.session.commit()
    node.close()
    if replacement is not None:
        for suffix in ("-wal", "-shm"):
            Path(str(node.db.path) + suffix).unlink(missing_ok=True)
        shutil.copyfile(replacement, node.db.path)
    node.db = open_database(node.db.path)
    node.ctx = open_ctx(node.db, "admin", clock=node.clock)


def test_bump_epoch_moves_the_counter_past_every_earlier_rev(village: Node) -> None:
    d = add_dispute(village.ctx, 1)
    with village.db.transaction() as s:
        epoch = bump_epoch(s)
    assert epoch == 2
    state = local_state(village)
    village.ctx.session.refresh(state)
    assert state.epoch == 2 and state.rev_counter == 2 << EPOCH_SHIFT
    village.ctx.session.expire_all()
    mediate(village.ctx, d.id)
    village.ctx.session.refresh(d)
    assert d.rev > 2 << EPOCH_SHIFT
    with village.db.transaction() as s:
        assert bump_epoch(s, min_epoch=7) == 7


def test_restore_from_backup_is_detected_and_resent_in_full(
    paired: tuple[Node, Node], tmp_path: Path
) -> None:
    """Restored without a new epoch (e.g. the file copied back by hand): the keystore mark shows
    the counter went back; a new epoch starts and the next bundle carries everything again."""
    village, township = paired
    d = add_dispute(village.ctx, 1)
    assert township.import_(village.export().path).status == "imported"
    assert village.import_(township.ack_for(village).path).status == "imported"
    village.ctx.session.commit()
    backup = tmp_path / "village-backup.sqlite3"
    backup_file(village.db.path, backup)
    at_backup = _ids(village)
    mediate(village.ctx, d.id)  # lost with the restore, but the township got it
    add_visit(village.ctx, 1)
    assert township.import_(village.export().path).status == "imported"
    lost = {t: ids - at_backup[t] for t, ids in _ids(village).items()}
    _reopen(village, backup)  # restored by copying the file back
    add_dispute(village.ctx, 2)  # new work after the restore would re-use change numbers
    res = village.export()
    assert res.notices and "新的同步纪元" in res.notices[0]
    state = local_state(village)
    assert state.epoch >= 2
    imported = township.import_(res.path)
    assert imported.status == "imported", imported.message
    assert imported.summary["totals"]["rejected"] == 0
    _mirrors(township, village, lost)


def test_restore_through_the_backup_service(paired: tuple[Node, Node]) -> None:
    from app.services.backup import backup_now, restore

    village, township = paired
    d = add_dispute(village.ctx, 1)
    assert township.import_(village.export().path).status == "imported"
    village.ctx.session.commit()
    taken = backup_now(village.db, reason="manual")
    at_backup = _ids(village)
    mediate(village.ctx, d.id)
    assert township.import_(village.export().path).status == "imported"
    lost = {t: ids - at_backup[t] for t, ids in _ids(village).items()}
    village.ctx.session.commit()
    village.close()
    restore(village.db.path, taken)
    _reopen(village)
    add_visit(village.ctx, 3)
    res = village.export()
    assert res.notices  # everything is sent again
    assert township.import_(res.path).status == "imported"
    _mirrors(township, village, lost)


def test_ack_reporting_more_than_the_counter_starts_a_new_epoch(paired: tuple[Node, Node]) -> None:
    """A re-installed village (fresh ledger, same keys restored from the keychain, no mark)
    learns from the township's acknowledgement that its counter went back."""
    village, township = paired
    for i in range(3):
        add_dispute(village.ctx, i)
    assert township.import_(village.export().path).status == "imported"
    ack = township.ack_for(village).path
    # forget the mark kept outside the ledger and wind the ledger back
    with village.db.transaction() as s:
        s.execute(text("UPDATE local_state SET rev_counter = 5"))
    info = key_info(village.db)
    assert info is not None
    KeyringStore().delete(f"{village.code}/{info.key_id}/mark")
    res = village.import_(ack, expect_kind="ack")
    assert res.status == "imported"
    assert any("新的同步纪元" in n for n in res.summary["notices"])
    village.ctx.session.expire_all()
    state = local_state(village)
    assert state.epoch >= 2 and state.rev_counter > 2 << EPOCH_SHIFT
    again = village.export()
    assert again.counts.get("dispute") == 3  # re-stamped: sent again in full
    assert township.import_(again.path).status == "imported"
    assert township.rows(village.code) == village.rows(village.code)
