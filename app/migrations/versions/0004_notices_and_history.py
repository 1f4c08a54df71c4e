"""petition-notice facts on visits; imported history on visits and disputes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

One revision for the release (a shipped revision keeps a schema fixture; see tests/test_migrations.py).

Two facts the 信访工作条例 (2022) notices state and no column held before (issue 15):

* ``visit.competent_body`` — 不予受理/告知: the body the petitioner is told to turn to
  (第二十三条第一款: 告知信访人向有权处理的机关、单位提出);
* ``visit.legal_basis`` — 办结: the laws, rules and policies the handling opinion rests on
  (the 信访处理意见书 states the request, facts and reasons, the opinion and its basis).

Existing rows get empty text: the notices refuse to print a blank fact rather than guess one.

Imported history (issue 14): ``visit.imported_history`` and ``dispute.imported_history`` mark
records imported from a legacy Excel ledger with a date before the station's go-live date
(启用日期): their past deadlines raise no 超期 and they are counted as 历史遗留 while open.
Existing rows are not history (server default false).

Plain ADD COLUMN throughout: a batch copy would drop the full-text triggers of 0002.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HISTORY_TABLES = ("visit", "dispute")


def upgrade() -> None:
    op.add_column(
        "visit",
        sa.Column("competent_body", sa.String(length=100), nullable=False, server_default=""),
    )
    op.add_column("visit", sa.Column("legal_basis", sa.Text(), nullable=False, server_default=""))
    for table in HISTORY_TABLES:
        op.add_column(
            table,
            sa.Column("imported_history", sa.Boolean(), nullable=False, server_default=sa.false()),
        )


def downgrade() -> None:
    for table in HISTORY_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("imported_history")
    with op.batch_alter_table("visit") as batch:
        batch.drop_column("legal_basis")
        batch.drop_column("competent_body")
