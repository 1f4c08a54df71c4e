"""imported history: visits and disputes imported from legacy ledgers before go-live

Revision ID: 0004_xl_values
Revises: 0003
Create Date: 2026-12-07

Hand-written (issue 14). ``visit.imported_history`` and ``dispute.imported_history`` mark
records imported from a legacy Excel ledger with a date before the station's go-live date
(启用日期): their past deadlines raise no 超期 and they are counted as 历史遗留 while open.
Existing rows are not history (server default false).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_xl_values"
down_revision: str | None = "0004_pr_notices"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("visit", "dispute")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(
            table,
            sa.Column("imported_history", sa.Boolean(), nullable=False, server_default=sa.false()),
        )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("imported_history")
