"""Audit hash chain, backups (online API, rotation, second location), restore with a new epoch,
and log files without personal data."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli import main
from app.db import open_database
from app.models import AuditEntry, LocalState
from app.models.audit import canonical, chain_hash
from app.models.events import EPOCH_SHIFT
from app.rules.errors import ValidationError
from app.services import backup as backup_service
from app.services.audit import verify_chain
from app.services.check import run_checks
from app.services.context import open_ctx
from app.services.visits import VisitAction, advance_visit, register_visit

from .conftest import visit_input


def test_every_change_is_audited_with_before_and_after(ctx) -> None:
    v = register_visit(ctx, visit_input()).record
    advance_visit(ctx, v.id, "review", VisitAction(note="同意"))
    entries = ctx.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    tables = [(e.action, e.table_name) for e in entries]
    assert ("insert", "visit") in tables and ("insert", "person") in tables
    review = [e for e in entries if e.table_name == "visit" and e.action == "update"][-1]
    changes = json.loads(review.changes)
    assert changes["before"]["status"] == "registered" and changes["after"]["status"] == "reviewed"
    assert review.operator_id == ctx.operator.id
    assert verify_chain(ctx.db.engine).ok


def test_password_hashes_never_reach_the_audit_log(ctx) -> None:
    from app.services.operators import OperatorInput, create_operator

    create_operator(ctx, OperatorInput("clerk1", "赵琳", "clerk", "pass123"))
    for e in ctx.session.scalars(select(AuditEntry).where(AuditEntry.table_name == "operator")):
        assert "scrypt$" not in e.changes


@pytest.mark.parametrize("tamper", ["edit", "delete", "forge"])
def test_tampering_is_caught_at_the_first_broken_link(ctx, village_db, tamper) -> None:
    for _ in range(3):
        register_visit(ctx, visit_input())
    ctx.close()
    con = sqlite3.connect(village_db.path)
    target = con.execute("SELECT seq FROM audit_entry ORDER BY seq LIMIT 1 OFFSET 5").fetchone()[0]
    if tamper == "edit":
        con.execute(
            "UPDATE audit_entry SET changes = replace(changes, '张三', '李四') WHERE seq = ?",
            (target,),
        )
        con.execute("UPDATE audit_entry SET changes = changes || ' ' WHERE seq = ?", (target,))
    elif tamper == "delete":
        con.execute("DELETE FROM audit_entry WHERE seq = ?", (target,))
    else:  # edit an entry AND recompute its own hash: the next entry still points at the old one
        at, op, action, table, rid, changes, prev = con.execute(
            "SELECT at, operator_id, action, table_name, record_id, changes, prev_hash "
            "FROM audit_entry WHERE seq = ?",
            (target,),
        ).fetchone()
        changes += " "
        forged = chain_hash(prev, canonical(at, op, action, table, rid, changes))
        con.execute(
            "UPDATE audit_entry SET changes = ?, hash = ? WHERE seq = ?", (changes, forged, target)
        )
    con.commit()
    con.close()
    report = run_checks(village_db)
    assert not report["ok"]
    chain = next(c for c in report["checks"] if c["name"] == "audit_chain")
    expected = target + 1 if tamper in ("delete", "forge") else target
    assert report["first_broken_audit_seq"] == expected
    assert f"第 {expected} 条起断链" in chain["detail"]


def test_backup_restore_bumps_epoch(ctx, village_db, tmp_path) -> None:
    register_visit(ctx, visit_input())
    ctx.close()
    first = backup_service.backup_now(village_db)
    assert first.parent.name == "backups" and not Path(str(first) + "-wal").exists()
    with village_db.session() as s:
        st = s.get(LocalState, 1)
        assert st is not None
        counter_before = st.rev_counter
    # later work that the backup does not have
    c2 = open_ctx(village_db, "admin")
    register_visit(c2, visit_input())
    c2.close()
    village_db.close()
    epoch = backup_service.restore(village_db.path, first)
    assert epoch == 2
    db = open_database(village_db.path)
    with db.session() as s:
        state = s.get(LocalState, 1)
        assert state is not None
        assert state.epoch == 2 and state.rev_counter == max(counter_before, 2 << EPOCH_SHIFT)
        assert s.scalar(select(AuditEntry.action).order_by(AuditEntry.seq.desc())) == "restore"
    c3 = open_ctx(db, "admin")
    v = register_visit(c3, visit_input()).record
    assert v.rev > 2 << EPOCH_SHIFT  # every new change sorts after anything synced before
    c3.close()
    reasons = {b.reason for b in backup_service.list_backups(db.path)}
    assert reasons == {"manual", "pre-restore"}
    assert run_checks(db)["ok"]
    db.close()


def test_restore_refuses_a_broken_or_foreign_backup(village_db, township_db, tmp_path) -> None:
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    with pytest.raises(Exception, match=r"不是有效|已损坏"):
        backup_service.restore(village_db.path, broken)
    foreign = backup_service.backup_now(township_db, out=tmp_path / "foreign.sqlite3")
    village_db.close()
    before = village_db.path.read_bytes()
    with pytest.raises(backup_service.BackupError, match="属于工作站 110105001000"):
        backup_service.restore(village_db.path, foreign)
    assert village_db.path.read_bytes() == before


def test_rotation_and_daily(village_db) -> None:
    start = datetime(2026, 1, 1, 1, tzinfo=UTC)
    for day in range(35):
        assert backup_service.daily_backup_if_due(village_db, now=start + timedelta(days=day))
    assert (
        backup_service.daily_backup_if_due(village_db, now=start + timedelta(days=34, hours=3))
        is None
    )
    daily = [b for b in backup_service.list_backups(village_db.path) if b.reason == "daily"]
    assert len(daily) == backup_service.KEEP_DAILY
    assert daily[0].taken_at == start + timedelta(days=34)


def test_second_location(village_db, tmp_path) -> None:
    usb = tmp_path / "usb"
    with pytest.raises(ValidationError, match="第二备份位置"):
        backup_service.set_second_location(village_db, str(usb))
    usb.mkdir()
    backup_service.set_second_location(village_db, str(usb))
    path = backup_service.backup_now(village_db)
    assert (usb / path.name).exists()


def test_cli_backup_and_restore(village_db, capsys) -> None:
    village_db.close()
    db = str(village_db.path)
    assert main(["--db", db, "backup", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert main(["--db", db, "restore", out["file"]]) == 1
    assert "--yes" in capsys.readouterr().err
    assert main(["--db", db, "restore", out["file"], "--yes"]) == 0
    assert "同步纪元已更新为 2" in capsys.readouterr().out


PII = re.compile(r"\d{17}[\dXx]|1[3-9]\d{9}")


def test_logs_hold_no_personal_data(tmp_path, capsys) -> None:
    db = tmp_path / "l.sqlite3"
    assert (
        main(
            [
                "--db",
                str(db),
                "init",
                "--station-code",
                "110105001001",
                "--station-name",
                "柳树村综治中心",
                "--level",
                "village",
                "--parent-code",
                "110105001000",
                "--admin-password",
                "admin123",
            ]
        )
        == 0
    )
    assert main(["--db", str(db), "demo", "--visits", "15", "--disputes", "15"]) == 0
    assert (
        main(
            [
                "--db",
                str(db),
                "visit",
                "add",
                "--petitioner",
                "张三,110105194912310021,13800138000",
                "--category",
                "村务管理",
                "--request",
                "x",
            ]
        )
        == 1
    )
    con = sqlite3.connect(db)
    names = [r[0] for r in con.execute("SELECT name FROM person")]
    con.close()
    logs = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "logs").glob("*.log*"))
    assert "command demo finished" in logs
    assert not PII.search(logs)
    assert not [n for n in names if n in logs]


def test_scrub_filter_masks_what_slips_through() -> None:
    from app.logs import scrub

    text = scrub("身份证 11010519491231002X 电话 13800138000 座机 0571-88886666")
    assert "11010519491231002X" not in text and "13800138000" not in text and "88886666" not in text
