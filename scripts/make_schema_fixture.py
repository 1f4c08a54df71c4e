"""Developer helper: write tests/fixtures/schema/v<REV>.sqlite3, a small ledger with sample
records at schema revision REV (before a new revision is added on top of it).

    .venv/bin/python scripts/make_schema_fixture.py 0001

The migration tests open every fixture, upgrade it to head and check the records survive.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, event

from app.db import Database, _begin, _set_sqlite_pragmas, alembic_config
from app.rules.dates import CHINA_TZ
from app.services.context import open_ctx
from app.services.demo import generate
from app.services.stations import StationInput, init_station

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "schema"


def main() -> None:
    rev = sys.argv[1] if len(sys.argv) > 1 else "0001"
    path = OUT / f"v{rev}.sqlite3"
    path.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _set_sqlite_pragmas)
    event.listen(engine, "begin", _begin)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, rev)
    db = Database(path, engine)
    init_station(
        db,
        StationInput(
            code="110105001001",
            name="柳树村综治中心",
            level="village",
            parent_code="110105001000",
            short_name="柳树",
            admin_password="admin123",
        ),
    )
    moment = datetime(2026, 3, 16, 9, 30, tzinfo=CHINA_TZ).astimezone(UTC)
    ctx = open_ctx(db, "admin", clock=lambda: moment)
    try:
        generate(ctx, visits=12, disputes=12, days=60)
    finally:
        ctx.close()
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
