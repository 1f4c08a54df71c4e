"""CLI contract (DESIGN §7): init, demo, stats, check, case, visit, dispute; Chinese errors."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main

INIT = [
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


def run(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(db), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo_db(tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]) -> Path:
    """One demo ledger shared by the read-only CLI tests of this module (copied per test)."""
    cache = tmp_path_factory.getbasetemp() / "cli-demo.sqlite3"
    if not cache.exists():
        assert main(["--db", str(cache), *INIT]) == 0
        assert main(["--db", str(cache), "demo", "--visits", "40", "--disputes", "50"]) == 0
        con = sqlite3.connect(cache)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
    capsys.readouterr()
    target = tmp_path_factory.mktemp("cli") / "demo.sqlite3"
    target.write_bytes(cache.read_bytes())
    return target


def test_init_then_stats_on_empty_station_is_a_zero_report(capsys, tmp_path) -> None:
    db = tmp_path / "l.sqlite3"
    code, out, _ = run(capsys, db, *INIT)
    assert code == 0 and "已初始化工作站：柳树村综治中心" in out
    code, out, _ = run(capsys, db, "stats", "--json")
    data = json.loads(out)
    assert data["zero_report"] is True and data["visits"]["total"] == 0
    assert data["disputes"]["success_rate"] is None
    code, out, _ = run(capsys, db, "stats")
    assert "零报告" in out


def test_init_records_the_administrators_real_name(capsys, tmp_path) -> None:
    """The name that 首接人/经办人 default to is the administrator's own, never 管理员."""
    db = tmp_path / "l.sqlite3"
    code, _out, err = run(capsys, db, *INIT, "--admin-name", "王秀兰")
    assert code == 0, err
    code, out, _ = run(capsys, db, "operator", "list", "--json")
    assert code == 0
    names = {o["username"]: o["name"] for o in json.loads(out)}
    assert names["admin"] == "王秀兰"


def test_init_with_bad_code_leaves_no_file(capsys, tmp_path) -> None:
    db = tmp_path / "l.sqlite3"
    args = list(INIT)
    args[2] = "123"
    code, _out, err = run(capsys, db, *args)
    assert code == 1
    assert err.startswith("错误：") and "「区划代码」" in err and err.count("\n") == 1
    assert not db.exists()


def test_usage_errors_are_chinese(capsys, tmp_path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--db", str(tmp_path / "x"), "init", "--station-code", "1"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "缺少必填参数" in err and err.count("\n") == 1
    with pytest.raises(SystemExit):
        main(["init", "--level", "city"])
    assert "取值“city”无效" in capsys.readouterr().err


def test_missing_database_is_a_clear_error(capsys, tmp_path) -> None:
    code, _, err = run(capsys, tmp_path / "none.sqlite3", "stats")
    assert code == 1 and "找不到数据库文件" in err


def test_demo_stats_and_check(capsys, demo_db) -> None:
    code, out, _ = run(capsys, demo_db, "stats", "--json")
    data = json.loads(out)
    assert data["visits"]["total"] == 40 and data["disputes"]["total"] == 50
    d = data["disputes"]
    assert d["mediated"] == d["succeeded"] + d["failed"] > 0
    assert d["success_rate"] == round(d["succeeded"] / d["mediated"], 4)
    assert d["overdue"] > 0 or data["visits"]["overdue"] > 0  # the demo leaves some overdue
    assert sum(d["by_status"].values()) == 50
    code, out, _ = run(capsys, demo_db, "check", "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"], report


def test_check_catches_a_broken_ledger(capsys, demo_db) -> None:
    con = sqlite3.connect(demo_db)
    con.execute("UPDATE local_state SET rev_counter = 1")
    con.commit()
    con.close()
    code, out, err = run(capsys, demo_db, "check", "--json")
    report = json.loads(out)
    assert code == 1 and not report["ok"]
    assert "变更计数器" in err


def test_visit_and_dispute_from_the_cli(capsys, tmp_path) -> None:
    db = tmp_path / "l.sqlite3"
    run(capsys, db, *INIT)
    code, out, err = run(
        capsys,
        db,
        "visit",
        "add",
        "--petitioner",
        "张三,11010519491231002X,13800138000",
        "--category",
        "村务管理",
        "--request",
        "要求公开村集体收支",
        "--json",
    )
    assert code == 0, err
    visit = json.loads(out)
    assert visit["case_code"].endswith("-X-00001")
    assert visit["people"][0]["id_number"] == "11010519491231002X"  # admin may see it
    code, out, err = run(
        capsys,
        db,
        "dispute",
        "add",
        "--party",
        "张三,,13800138000",
        "--party",
        "李四,,13900139000",
        "--category",
        "邻里",
        "--summary",
        "排水沟堵塞",
    )
    assert code == 0, err
    assert "调字第1号" in out
    code, out, err = run(
        capsys, db, "case", "advance", visit["case_code"], "review", "--note", "同意"
    )
    assert code == 0 and "已审核" in out
    code, out, err = run(capsys, db, "case", "advance", visit["case_code"], "archive")
    assert code == 1 and "不能执行「归档」" in err
    code, out, err = run(capsys, db, "case", "show", visit["case_code"], "--json")
    shown = json.loads(out)
    assert [t["event"] for t in shown["timeline"]] == ["登记", "审核"]
    assert {a["action"] for a in shown["allowed_actions"]} == {"accept", "reject", "inform"}


def test_bad_id_number_from_the_cli_writes_nothing(capsys, tmp_path) -> None:
    db = tmp_path / "l.sqlite3"
    run(capsys, db, *INIT)
    code, _, err = run(
        capsys,
        db,
        "visit",
        "add",
        "--petitioner",
        "张三,110105194912310021,13800138000",
        "--category",
        "村务管理",
        "--request",
        "x",
    )
    assert code == 1 and "「信访人1的身份证号」校验位不正确" in err
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM visit").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM person").fetchone()[0] == 0
    con.close()


def test_masked_for_clerk(capsys, tmp_path, monkeypatch) -> None:
    db = tmp_path / "l.sqlite3"
    run(capsys, db, *INIT)
    run(
        capsys,
        db,
        "operator",
        "add",
        "clerk1",
        "--name",
        "赵琳",
        "--role",
        "clerk",
        "--password",
        "pass123",
    )
    monkeypatch.setenv("ZONGZHI_PASSWORD", "pass123")  # clerk1 logs in
    code, out, err = run(
        capsys,
        db,
        "--operator",
        "clerk1",
        "visit",
        "add",
        "--petitioner",
        "张三,11010519491231002X,13800138000",
        "--category",
        "村务管理",
        "--request",
        "x",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["people"][0]["id_number"] == "110105********002X"


def test_console_script_runs(tmp_path) -> None:
    """The installed entry point (`python -m app` = `zongzhi`) dispatches to the CLI."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    db = tmp_path / "l.sqlite3"
    r = subprocess.run(
        [sys.executable, "-m", "app", "--db", str(db), *INIT],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    r = subprocess.run(
        [sys.executable, "-m", "app", "--db", str(db), "check"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert r.returncode == 0 and "数据库文件完整性" in r.stdout
    r = subprocess.run(
        [sys.executable, "-m", "app", "--version"], capture_output=True, text=True, check=False
    )
    assert "综治工作站" in r.stdout
