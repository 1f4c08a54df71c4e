"""Direct edits behind the program's back are found by `check` (issue 19).

Tampering as an attacker with the file would: with the ``sqlite3`` shell (here its Python twin),
never through the program. Each case names the first broken record in Chinese.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from app.db import Database, open_database
from app.models.audit import GENESIS, canonical
from app.services import demo
from app.services.check import run_checks
from app.services.context import open_ctx


@pytest.fixture
def ledger(village_db: Database) -> Path:
    ctx = open_ctx(village_db, "admin")
    try:
        demo.generate(ctx, visits=8, disputes=8, seed=11)
    finally:
        ctx.close()
    village_db.close()
    assert village_db.path is not None
    return village_db.path


def _check(path: Path) -> dict[str, Any]:
    db = open_database(path, create=False)
    try:
        return {c["name"]: c for c in run_checks(db)["checks"]}
    finally:
        db.close()


def _sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        for s in statements:
            conn.execute(s)
        conn.commit()
    finally:
        conn.close()


def test_an_untouched_ledger_passes(ledger: Path) -> None:
    checks = _check(ledger)
    assert checks["audit_rows"]["ok"], checks["audit_rows"]
    assert "条记录与操作日志一致" in str(checks["audit_rows"]["detail"])


def test_a_visit_text_edited_in_the_database(ledger: Path) -> None:
    conn = sqlite3.connect(ledger)
    code = conn.execute("SELECT case_code FROM visit ORDER BY case_code LIMIT 1").fetchone()[0]
    conn.close()
    _sql(ledger, f"UPDATE visit SET request = request || '（已撤回）' WHERE case_code = '{code}'")
    rows = _check(ledger)["audit_rows"]
    assert not rows["ok"]
    assert code in str(rows["detail"]) and "request" in str(rows["detail"])
    assert "直接改动" in str(rows["detail"])
    assert _check(ledger)["audit_chain"]["ok"]  # the chain alone never saw it


def test_a_dispute_party_deleted_physically(ledger: Path) -> None:
    conn = sqlite3.connect(ledger)
    party = conn.execute("SELECT id FROM dispute_party ORDER BY id LIMIT 1").fetchone()[0]
    conn.close()
    _sql(ledger, f"DELETE FROM dispute_party WHERE id = '{party}'")
    rows = _check(ledger)["audit_rows"]
    assert not rows["ok"]
    assert "纠纷当事人" in str(rows["detail"]) and party in str(rows["detail"])
    assert "已从数据库中删除" in str(rows["detail"])


def test_the_last_five_audit_entries_deleted(ledger: Path) -> None:
    _sql(ledger, "DELETE FROM audit_entry WHERE seq > (SELECT max(seq) - 5 FROM audit_entry)")
    checks = _check(ledger)
    assert checks["audit_chain"]["ok"]  # a shorter chain is still a chain ...
    assert not checks["audit_rows"]["ok"]  # ... but the records it no longer covers stand out


def test_an_audit_entry_edited_and_the_chain_recomputed(ledger: Path) -> None:
    """The attacker rewrites what the log says a visit's request was, and recomputes every hash
    after it so that the chain verifies: the record no longer matches its log."""
    conn = sqlite3.connect(ledger)
    seq, changes = conn.execute(
        "SELECT seq, changes FROM audit_entry WHERE table_name = 'visit' AND action = 'insert' "
        "ORDER BY seq LIMIT 1"
    ).fetchone()
    data = json.loads(changes)
    data["after"]["request"] = "（无诉求）"
    conn.execute(
        "UPDATE audit_entry SET changes = ? WHERE seq = ?",
        (json.dumps(data, ensure_ascii=False, sort_keys=True), seq),
    )
    prev = GENESIS
    rows = conn.execute(
        "SELECT seq, at, operator_id, action, table_name, record_id, changes FROM audit_entry "
        "ORDER BY seq"
    ).fetchall()
    for s, at, op, action, table, rid, ch in rows:
        digest = hashlib.sha256(
            (prev + "\n" + canonical(str(at), op, action, table, rid, ch)).encode()
        ).hexdigest()
        conn.execute(
            "UPDATE audit_entry SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, s)
        )
        prev = digest
    conn.commit()
    conn.close()
    checks = _check(ledger)
    assert checks["audit_chain"]["ok"]
    assert not checks["audit_rows"]["ok"]
    assert "request" in str(checks["audit_rows"]["detail"])


def test_a_ledger_written_before_entries_named_their_rows(ledger: Path) -> None:
    """Older ledgers: insert entries with an empty id, or a register field's key as its id,
    give no baseline; those records are not held (never reported), the others still are."""
    _sql(
        ledger,
        "UPDATE audit_entry SET record_id = '', "
        "changes = json_set(changes, '$.after.id', json('null')) "
        "WHERE action = 'insert' AND table_name IN ('visit', 'person')",
        "UPDATE audit_entry SET record_id = json_extract(changes, '$.after.key') "
        "WHERE action = 'insert' AND table_name = 'register_field'",
    )
    rows = _check(ledger)["audit_rows"]
    assert rows["ok"], rows["detail"]
    conn = sqlite3.connect(ledger)
    code = conn.execute("SELECT case_code FROM dispute ORDER BY case_code LIMIT 1").fetchone()[0]
    conn.close()
    _sql(ledger, f"UPDATE dispute SET summary = 'x' WHERE case_code = '{code}'")
    rows = _check(ledger)["audit_rows"]
    assert not rows["ok"] and code in str(rows["detail"])
