"""full-text search: FTS5 trigram tables and the triggers that keep them current

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

Hand-written (the models cannot express virtual tables or triggers). For each of ``visit``,
``dispute`` and ``person`` there is

* ``fts_<t>_key`` — a stable integer key per record id (``INTEGER PRIMARY KEY`` keeps its value
  across ``VACUUM``, unlike the implicit rowid of a table with a text primary key), and
* ``fts_<t>`` — an FTS5 table with the trigram tokenizer whose rowid is that key and whose one
  column ``body`` holds the searchable text of the record, each field followed by a line break,
* ``fts_<t>_vocab`` — its fts5vocab view (the trigrams), used for 1–2 character queries.

Triggers on insert and update (also of rows written by Core statements, e.g. the sync importer,
and by ``INSERT OR REPLACE``) rewrite the record's row; a physical delete removes it.
Tombstoned records stay indexed: queries filter ``deleted_at`` themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Searchable text per table. Everything a clerk may type to find a record.
FIELDS: dict[str, tuple[str, ...]] = {
    "visit": (
        "case_code",
        "party_names",
        "subject",
        "request",
        "facts",
        "place",
        "involved_unit",
        "accused_unit",
        "handler_unit",
        "reply_content",
    ),
    "dispute": (
        "case_code",
        "mediation_no",
        "title",
        "party_names",
        "summary",
        "requests",
        "place",
        "mediator_name",
        "transferred_to",
    ),
    "person": (
        "name",
        "pinyin_full",
        "pinyin_initials",
        "id_number",
        "phone",
        "address",
        "employer",
    ),
}


def _body(alias: str, table: str) -> str:
    parts = [f"coalesce({alias}.{col}, '')" for col in FIELDS[table]]
    # every character is followed by at least two more, so a 1–2 character query can be
    # answered from the trigrams that start with it (see app.services.search)
    return " || char(10) || ".join(parts) + " || char(10) || char(10)"


def _key(table: str, alias: str) -> str:
    return f"(SELECT k FROM fts_{table}_key WHERE id = {alias}.id)"


def _sqlite() -> bool:
    """FTS5 is SQLite's; a PostgreSQL hub has no full-text tables (app.services.search falls
    back to plain substring tests there)."""
    return bool(op.get_bind().dialect.name == "sqlite")


def upgrade() -> None:
    if not _sqlite():
        return
    for table, fields in FIELDS.items():
        op.execute(f"CREATE TABLE fts_{table}_key (k INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE)")
        op.execute(
            f"CREATE VIRTUAL TABLE fts_{table} USING fts5(body, tokenize='trigram case_sensitive 0')"
        )
        op.execute(f"CREATE VIRTUAL TABLE fts_{table}_vocab USING fts5vocab(fts_{table}, row)")
        refresh = (
            f"INSERT OR IGNORE INTO fts_{table}_key (id) VALUES (new.id); "
            f"DELETE FROM fts_{table} WHERE rowid = {_key(table, 'new')}; "
            f"INSERT INTO fts_{table} (rowid, body) VALUES ({_key(table, 'new')}, "
            f"{_body('new', table)});"
        )
        op.execute(f"CREATE TRIGGER fts_{table}_ai AFTER INSERT ON {table} BEGIN {refresh} END")
        columns = ", ".join(fields)
        op.execute(
            f"CREATE TRIGGER fts_{table}_au AFTER UPDATE OF {columns} ON {table} "
            f"BEGIN {refresh} END"
        )
        op.execute(
            f"CREATE TRIGGER fts_{table}_ad AFTER DELETE ON {table} BEGIN "
            f"DELETE FROM fts_{table} WHERE rowid = {_key(table, 'old')}; "
            f"DELETE FROM fts_{table}_key WHERE id = old.id; END"
        )
        # index what is already there (an upgraded ledger)
        op.execute(f"INSERT INTO fts_{table}_key (id) SELECT id FROM {table} ORDER BY rowid")
        op.execute(
            f"INSERT INTO fts_{table} (rowid, body) SELECT k.k, {_body('t', table)} "
            f"FROM {table} t JOIN fts_{table}_key k ON k.id = t.id"
        )


def downgrade() -> None:
    if not _sqlite():
        return
    for table in FIELDS:
        for suffix in ("ai", "au", "ad"):
            op.execute(f"DROP TRIGGER IF EXISTS fts_{table}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS fts_{table}_vocab")
        op.execute(f"DROP TABLE IF EXISTS fts_{table}")
        op.execute(f"DROP TABLE IF EXISTS fts_{table}_key")
