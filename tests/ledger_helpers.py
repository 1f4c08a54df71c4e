"""Test helpers shared across areas: snapshot a ledger to prove that nothing was written."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from app.db import Database


def ledger_snapshot(db: Database | Path) -> dict[str, str]:
    """Per table: row count and a hash of every row (order-independent)."""
    path = db.path if isinstance(db, Database) else db
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE 'fts_%' ORDER BY name"
            )
        ]
        snap: dict[str, str] = {}
        for t in tables:
            rows = sorted(repr(r) for r in con.execute(f'SELECT * FROM "{t}"'))
            snap[t] = f"{len(rows)}:{hashlib.sha256(chr(10).join(rows).encode()).hexdigest()[:16]}"
        return snap
    finally:
        con.close()
