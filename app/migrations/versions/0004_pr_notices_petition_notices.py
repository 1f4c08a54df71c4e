"""petition notices: the competent body of a rejection and the legal basis of a handling opinion

Revision ID: 0004_pr_notices
Revises: 0003
Create Date: 2026-12-07

Two facts the 信访工作条例 (2022) notices state and no column held before:

* ``visit.competent_body`` — 不予受理/告知: the body the petitioner is told to turn to
  (第二十三条第一款: 告知信访人向有权处理的机关、单位提出);
* ``visit.legal_basis`` — 办结: the laws, rules and policies the handling opinion rests on
  (第三十三条: 信访处理意见书 states the request, facts and reasons, the opinion and its basis).

Existing rows get empty text: the notices refuse to print a blank fact rather than guess one.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_pr_notices"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ADD COLUMN: a batch copy would drop the visit table's full-text triggers (0002)
    op.add_column(
        "visit",
        sa.Column("competent_body", sa.String(length=100), nullable=False, server_default=""),
    )
    op.add_column("visit", sa.Column("legal_basis", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("visit") as batch:
        batch.drop_column("legal_basis")
        batch.drop_column("competent_body")
