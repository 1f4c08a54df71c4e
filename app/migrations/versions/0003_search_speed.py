"""search speed: instance vocabularies for short queries; covering indexes for pinyin search

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

Hand-written (benchmarks/README.md has the measurements behind it, 100k + 100k records):

* ``fts_visit_vocab_inst`` and ``fts_dispute_vocab_inst`` — fts5vocab tables of type
  ``instance`` over the trigram indexes of revision 0002. A one- or two-character query has no
  trigram of its own; the records containing it are exactly those whose index holds a trigram
  starting with it, and this table lists them by scanning that range of the index once
  (~0.5 ms for a common surname, instead of ~20 ms for a MATCH that ORs hundreds of trigrams).
* The person/link indexes used by the pinyin-initial search in their covering form (the models
  declare them so, and revision 0001 creates them so on a new ledger); an existing ledger gets
  them rebuilt here. The search then reads no person or link row, which halves its time.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# index name: (table, covering columns, the columns before this revision)
COVERING: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "ix_person_pinyin_initials": (
        "person",
        ("pinyin_initials", "deleted_at", "id"),
        ("pinyin_initials",),
    ),
    "ix_visit_person_person_id": (
        "visit_person",
        ("person_id", "deleted_at", "visit_id"),
        ("person_id",),
    ),
    "ix_dispute_party_person_id": (
        "dispute_party",
        ("person_id", "deleted_at", "dispute_id"),
        ("person_id",),
    ),
}
INSTANCE_TABLES = ("visit", "dispute")


def _sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")


def upgrade() -> None:
    for name, (table, columns, _before) in COVERING.items():
        op.execute(f"DROP INDEX IF EXISTS {name}")
        op.execute(f"CREATE INDEX {name} ON {table} ({', '.join(columns)})")
    if not _sqlite():
        return  # a PostgreSQL hub has no full-text tables (see revision 0002)
    for table in INSTANCE_TABLES:
        op.execute(
            f"CREATE VIRTUAL TABLE fts_{table}_vocab_inst USING fts5vocab(fts_{table}, instance)"
        )


def downgrade() -> None:
    if _sqlite():
        for table in INSTANCE_TABLES:
            op.execute(f"DROP TABLE IF EXISTS fts_{table}_vocab_inst")
    for name, (table, _columns, before) in COVERING.items():
        op.execute(f"DROP INDEX IF EXISTS {name}")
        op.execute(f"CREATE INDEX {name} ON {table} ({', '.join(before)})")
