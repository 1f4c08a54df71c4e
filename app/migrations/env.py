"""Alembic environment shipped inside the package; run programmatically by app.db."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from app.migrations.env_support import include_object
from app.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("app.migrations runs only through app.db (no offline mode)")
_run(connection)
