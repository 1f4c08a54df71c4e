"""Developer helper (pre-release only): rewrite revision 0001 from the current models.

Until the first release ships, the initial schema is regenerated whenever models change, so the
project starts life with one clean revision. Hand-written revisions (FTS5 tables, triggers) come
after it and are kept. After the first release, use scripts/new_migration.py instead.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic.autogenerate import produce_migrations, render_python_code
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from app.migrations.env_support import include_object
from app.models import Base

TARGET = (
    Path(__file__).resolve().parent.parent / "app/migrations/versions/0001_initial_ledger_schema.py"
)

HEADER = '''"""initial ledger schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
'''


def main() -> None:
    shipped = TARGET.parent.parent.parent.parent / "tests" / "fixtures" / "schema" / "v0001.sqlite3"
    if shipped.exists() and "--force" not in sys.argv:
        raise SystemExit(
            "0001 has shipped (tests/fixtures/schema/v0001.sqlite3 exists): add a new revision "
            "with scripts/new_migration.py instead of rewriting it"
        )
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'empty.sqlite3'}")
        with engine.connect() as conn:
            mc = MigrationContext.configure(
                conn,
                opts={
                    "target_metadata": Base.metadata,
                    "render_as_batch": True,
                    "include_object": include_object,
                },
            )
            script = produce_migrations(mc, Base.metadata)
            up = render_python_code(script.upgrade_ops, render_as_batch=True, migration_context=mc)
            down = render_python_code(
                script.downgrade_ops, render_as_batch=True, migration_context=mc
            )
    text = HEADER + up + "\n\n\ndef downgrade() -> None:\n" + down + "\n"
    text = text.replace("app.models.base.UTCDateTime(length=27)", "sa.String(length=27)")
    TARGET.write_text(text, encoding="utf-8")
    print(f"rewrote {TARGET.name}; run: ruff format {TARGET}")


if __name__ == "__main__":
    main()
