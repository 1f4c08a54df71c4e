"""Files brought in from outside (bundles from a stick, legacy Excel) are preceded by a backup."""

from __future__ import annotations

from pathlib import Path

from app.services.backup import list_backups
from app.services.excel_import import run_import
from app.sync.importer import import_files

from .conftest import Node

FIXTURE = Path(__file__).resolve().parents[1] / "excel" / "fixtures" / "legacy_ledger_sample.xlsx"


def test_bundle_import_takes_a_backup_first(paired: tuple[Node, Node]) -> None:
    village, township = paired
    path = village.export().path
    assert [r.status for r in import_files(township.ctx, [path], dry_run=True)] == ["dry_run"]
    assert list_backups(township.db.path) == []  # a dry run writes nothing, backs up nothing
    import_files(township.ctx, [path])
    assert [b.reason for b in list_backups(township.db.path)] == ["pre-import"]


def test_excel_import_takes_a_backup_first(village: Node) -> None:
    run_import(village.ctx, FIXTURE, "disputes", dry_run=True)
    assert list_backups(village.db.path) == []
    run_import(village.ctx, FIXTURE, "disputes")
    assert [b.reason for b in list_backups(village.db.path)] == ["pre-import"]
