"""Every command is somebody's (issue 19): each command of the parser tried as each identity.

The command lines are built from the parser itself, so a command added later is tried too, and
:data:`EXPECTED` must say who may run it or :func:`test_every_command_has_a_rule` fails.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.cli import build_parser, main
from app.cli_auth import authorize
from app.db import Database, backup_file, open_database
from app.services.context import open_ctx
from app.services.operators import OperatorInput, create_operator

# who may run each top-level command: bootstrap (no login, a fresh ledger only), service
# (automation: a named service identity unless an operator logs in), admin (administrators
# only), login (any operator who logged in; the services check the role, as for the GUI)
EXPECTED = {
    "init": "bootstrap",
    "demo": "admin",
    "stats": "login",
    "check": "service",
    "operator": "admin",
    "case": "login",
    "visit": "login",
    "dispute": "login",
    "backup": "service",
    "restore": "admin",
    "recover": "admin",
    "register": "login",
    "excel": "login",
    "print": "login",
    "card": "admin",
    "bundle": "login",
    "supervise": "login",
    "report": "login",
    "screening": "login",
    "serve": "service",
    "sync": "service",
}

PASSWORDS = {"admin": "admin123", "clerk1": "clerk123", "mediator1": "media123"}


def _leaves(p: argparse.ArgumentParser, path: list[str]) -> Iterator[list[str]]:
    """A command line that parses, for every leaf command (values are placeholders)."""
    subs = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        argv = list(path)
        for a in p._actions:
            if isinstance(a, argparse._HelpAction):
                continue
            if a.option_strings and not a.required:
                continue
            value = str(next(iter(a.choices))) if a.choices else "1" if a.type is int else "x"
            if a.option_strings:
                argv += [a.option_strings[-1], value]
            else:
                argv.append(value)
        yield argv
        return
    for a in subs:
        for name, sp in a.choices.items():
            yield from _leaves(sp, [*path, name])


LEAVES = list(_leaves(build_parser(), []))


def _ids(argv: list[str]) -> str:
    return " ".join(x for x in argv if not x.startswith("-") and x not in ("x", "1"))[:40]


def _state(path: Path) -> list[Any]:
    """Everything in the ledger except the lockout counter a wrong password moves (and its audit
    entries): what a refused command must leave as it was."""
    conn = sqlite3.connect(path)
    try:
        out: list[Any] = []
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                "ORDER BY name"
            )
        ]
        for t in tables:
            if t == "operator":
                q = "SELECT id, username, role, password_hash, active FROM operator ORDER BY id"
            elif t == "audit_entry":
                q = "SELECT * FROM audit_entry WHERE table_name != 'operator' ORDER BY seq"
            else:
                q = f'SELECT * FROM "{t}" ORDER BY rowid'
            try:
                out.append((t, conn.execute(q).fetchall()))
            except sqlite3.OperationalError:  # FTS shadow tables without rowid order
                out.append((t, conn.execute(f'SELECT * FROM "{t}"').fetchall()))
        return out
    finally:
        conn.close()


def _all_rows(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


_TEMPLATE: list[Path] = []


@pytest.fixture
def ledger(village_db: Database, tmp_path: Path) -> Path:
    """The village ledger with a clerk and a mediator besides its admin (built once, copied)."""
    assert village_db.path is not None
    if not _TEMPLATE:
        ctx = open_ctx(village_db, "admin")
        try:
            for user, name, role in (
                ("clerk1", "赵琳", "clerk"),
                ("mediator1", "李晓梅", "mediator"),
            ):
                create_operator(ctx, OperatorInput(user, name, role, PASSWORDS[user]))
        finally:
            ctx.close()
        village_db.close()
        keep = Path(tempfile.mkdtemp(prefix="cli-login-")) / "template.sqlite3"
        backup_file(village_db.path, keep)
        _TEMPLATE.append(keep)
    village_db.close()
    for suffix in ("-wal", "-shm"):
        Path(str(village_db.path) + suffix).unlink(missing_ok=True)
    shutil.copyfile(_TEMPLATE[0], village_db.path)
    return village_db.path


def _login(monkeypatch: pytest.MonkeyPatch, user: str | None, password: str | None) -> None:
    for name, value in (("ZONGZHI_OPERATOR", user), ("ZONGZHI_PASSWORD", password)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def test_every_command_has_a_rule() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == set(EXPECTED), "新命令须在 EXPECTED 中写明谁可以执行"
    assert len(LEAVES) >= 50


@pytest.mark.parametrize("user", ["system", "svc.sync", "svc.backup"])
def test_built_in_and_service_identities_cannot_log_in(
    user: str, ledger: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _login(monkeypatch, None, None)
    assert main(["--db", str(ledger), "backup", "--out", str(ledger.with_suffix(".b"))]) == 0
    _login(monkeypatch, user, "")  # their password hash is empty: no password matches it
    monkeypatch.setenv("ZONGZHI_PASSWORD", "x")
    before = _state(ledger)
    for argv in (["register", "list", "roster"], ["backup"], ["restore", "x", "--yes"]):
        assert main(["--db", str(ledger), *argv]) == 1
        assert "用户名或密码不正确" in capsys.readouterr().err
    assert _state(ledger) == before


def test_no_password_option_for_login() -> None:
    """The login password never goes on the command line (process list, shell history)."""
    options = {o for a in build_parser()._actions for o in a.option_strings}
    assert not {o for o in options if "password" in o}


IDENTITIES = {
    "nobody": (None, None),
    "unknown user": ("nosuchuser", "whatever1"),
    "wrong password": ("admin", "wrong-password"),
}


@pytest.mark.parametrize("who", list(IDENTITIES))
@pytest.mark.parametrize("argv", LEAVES, ids=_ids)
def test_no_login_no_command(
    argv: list[str],
    who: str,
    ledger: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rule = EXPECTED[argv[0]]
    if rule == "bootstrap" or (rule == "service" and who == "nobody"):
        pytest.skip("runs without a login by design (tested below)")
    _login(monkeypatch, *IDENTITIES[who])
    before = _state(ledger)
    assert main(["--db", str(ledger), *argv]) == 1
    err = capsys.readouterr().err
    assert "请先登录" in err or "用户名或密码不正确" in err or "锁定" in err, err
    assert _state(ledger) == before


ADMIN_LEAVES = [a for a in LEAVES if EXPECTED[a[0]] == "admin"]


@pytest.mark.parametrize("user", ["clerk1", "mediator1"])
@pytest.mark.parametrize("argv", ADMIN_LEAVES, ids=_ids)
def test_admin_commands_refuse_other_roles(
    argv: list[str],
    user: str,
    ledger: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _login(monkeypatch, user, PASSWORDS[user])
    before = _all_rows(ledger)
    assert main(["--db", str(ledger), *argv]) == 1
    assert "无权" in capsys.readouterr().err
    assert _all_rows(ledger) == before  # not even a login time


@pytest.mark.parametrize("user", ["clerk1", "mediator1", "admin"])
@pytest.mark.parametrize("argv", LEAVES, ids=_ids)
def test_each_role_runs_as_itself(
    argv: list[str], user: str, ledger: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the login every command acts as the operator who logged in (never as "system")."""
    rule = EXPECTED[argv[0]]
    if rule == "bootstrap":
        pytest.skip("init creates the first administrator")
    _login(monkeypatch, user, PASSWORDS[user])
    args = build_parser().parse_args(["--db", str(ledger), *argv])
    db_opener = lambda: open_database(ledger, create=False)  # noqa: E731
    if rule == "admin" and user != "admin":
        with pytest.raises(Exception, match="无权"):
            authorize(args, db_opener)
        return
    authorize(args, db_opener)
    assert args.operator == user and args.operator_id


@pytest.mark.parametrize("command", ["serve", "sync", "check", "backup"])
def test_automation_runs_as_its_service(
    command: str, ledger: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _login(monkeypatch, None, None)
    args = build_parser().parse_args(["--db", str(ledger), command])
    authorize(args, lambda: open_database(ledger, create=False))
    assert args.operator == f"svc.{command}"


def test_check_and_backup_name_their_service_in_the_audit_log(
    ledger: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _login(monkeypatch, None, None)
    assert main(["--db", str(ledger), "check"]) == 0
    assert main(["--db", str(ledger), "backup"]) == 0
    conn = sqlite3.connect(ledger)
    rows = conn.execute(
        "SELECT a.action, o.username, o.display_name FROM audit_entry a "
        "JOIN operator o ON o.id = a.operator_id WHERE a.action IN ('check', 'backup') ORDER BY seq"
    ).fetchall()
    conn.close()
    assert rows == [
        ("check", "svc.check", "完整性检查（自动）"),
        ("backup", "svc.backup", "自动备份（自动）"),
    ]


def test_restore_only_by_an_administrator(
    ledger: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--operator clerk1 restore BACKUP --yes` and `--operator nosuchuser` used to replace it."""
    _login(monkeypatch, "admin", "admin123")
    backup = tmp_path / "b.sqlite3"
    assert main(["--db", str(ledger), "backup", "--out", str(backup)]) == 0
    assert (
        main(
            [
                "--db",
                str(ledger),
                "visit",
                "add",
                "--category",
                "村务管理",
                "--request",
                "修路",
                "--petitioner",
                "张三,,13800138000",
            ]
        )
        == 0
    )
    capsys.readouterr()
    for user, password in (("clerk1", "clerk123"), ("mediator1", "media123"), ("nosuchuser", "x1")):
        _login(monkeypatch, user, password)
        before = _state(ledger)
        assert main(["--db", str(ledger), "--operator", user, "restore", str(backup), "--yes"]) == 1
        assert _state(ledger) == before
    _login(monkeypatch, "admin", "admin123")
    assert main(["--db", str(ledger), "restore", str(backup), "--yes"]) == 0
    conn = sqlite3.connect(ledger)
    assert conn.execute("SELECT count(*) FROM visit").fetchone()[0] == 0
    who = conn.execute(
        "SELECT o.username FROM audit_entry a JOIN operator o ON o.id = a.operator_id "
        "WHERE a.action = 'restore'"
    ).fetchall()
    conn.close()
    assert who == [("admin",)]


def test_restore_of_a_lost_ledger_checks_the_backups_administrator(
    ledger: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    backup = tmp_path / "b.sqlite3"
    assert main(["--db", str(ledger), "backup", "--out", str(backup)]) == 0
    lost = tmp_path / "new-pc" / "ledger.sqlite3"
    _login(monkeypatch, "clerk1", "clerk123")
    assert main(["--db", str(lost), "restore", str(backup), "--yes"]) == 1
    assert "无权" in capsys.readouterr().err and not lost.exists()
    _login(monkeypatch, "admin", "admin123")
    lost.parent.mkdir(exist_ok=True)
    assert main(["--db", str(lost), "restore", str(backup), "--yes"]) == 0
    assert lost.exists()


def test_init_twice_is_refused_without_a_change(
    ledger: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`init` is the bootstrap: it needs no login because it only ever makes a new station."""
    _login(monkeypatch, None, None)
    monkeypatch.setenv("ZONGZHI_ADMIN_PASSWORD", "other123")
    before = _all_rows(ledger)
    code = main(
        [
            "--db",
            str(ledger),
            "init",
            "--station-code",
            "110105001001",
            "--station-name",
            "柳树村",
            "--level",
            "village",
            "--parent-code",
            "110105001000",
        ]
    )
    assert code == 1
    assert _all_rows(ledger) == before


def test_demo_is_run_by_the_administrator_init_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "fresh.sqlite3"
    _login(monkeypatch, None, None)
    monkeypatch.setenv("ZONGZHI_ADMIN_PASSWORD", "admin123")
    init = ["init", "--station-code", "110105001001", "--station-name", "柳树村综治中心"]
    assert (
        main(["--db", str(db), *init, "--level", "village", "--parent-code", "110105001000"]) == 0
    )
    assert main(["--db", str(db), "demo", "--visits", "2", "--disputes", "2"]) == 1
    assert "请先登录" in capsys.readouterr().err
    _login(monkeypatch, "admin", "admin123")
    assert main(["--db", str(db), "demo", "--visits", "2", "--disputes", "2"]) == 0
    conn = sqlite3.connect(db)
    actors = conn.execute(
        "SELECT DISTINCT o.username FROM audit_entry a JOIN operator o ON o.id = a.operator_id "
        "WHERE a.table_name = 'visit'"
    ).fetchall()
    conn.close()
    assert actors == [("admin",)]


def test_a_copy_of_the_ledger_is_not_a_login(tmp_path: Path, ledger: Path) -> None:
    """Sanity for the proofs above: _state sees a real change."""
    copy = tmp_path / "copy.sqlite3"
    shutil.copyfile(ledger, copy)
    conn = sqlite3.connect(copy)
    conn.execute("UPDATE station SET name = name || '改'")
    conn.commit()
    conn.close()
    assert _state(copy) != _state(ledger)
