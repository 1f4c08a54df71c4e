"""`zongzhi excel import|export|ledgers`: JSON output, reports, Chinese one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from app.cli import main
from app.db import Database
from tests.ledger_helpers import ledger_snapshot

from .conftest import DISPUTE_SHEET, SAMPLE, VISIT_SHEET, write_book


def run(capsys: pytest.CaptureFixture[str], db: Database, *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(db.path), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_dry_run_json_matches_the_truth_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], village_db: Database, truth: dict[str, Any], tmp_path: Path
) -> None:
    before = ledger_snapshot(village_db)
    report = tmp_path / "校验报告.xlsx"
    code, out, err = run(
        capsys,
        village_db,
        "excel",
        "import",
        str(SAMPLE),
        "--ledger",
        "disputes",
        "--dry-run",
        "--json",
        "--report",
        str(report),
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["dry_run"] and data["header_row"] == truth[DISPUTE_SHEET]["header_row"]
    assert [{"row": r["row"], "reason": r["reason"]} for r in data["invalid"]] == truth[
        DISPUTE_SHEET
    ]["rejected"]
    assert [v["row"] for v in data["valid"]] == [k["row"] for k in truth[DISPUTE_SHEET]["kept"]]
    assert data["report"] == str(report) and report.exists()
    assert ledger_snapshot(village_db) == before


def test_import_text_output_then_idempotent(
    capsys: pytest.CaptureFixture[str], village_db: Database
) -> None:
    code, out, err = run(
        capsys,
        village_db,
        "excel",
        "import",
        str(SAMPLE),
        "--ledger",
        "visits",
        "--sheet",
        VISIT_SHEET,
    )
    assert code == 0, err
    assert "导入完成" in out and "已导入 30 行" in out
    assert "A“日期”→登记日期" in out
    code, out, _ = run(
        capsys, village_db, "excel", "import", str(SAMPLE), "--ledger", "来信来访", "--json"
    )
    data = json.loads(out)
    assert data["counts"]["imported"] == 0 and data["counts"]["duplicate"] == 30


def test_problem_rows_are_listed_in_text_mode(
    capsys: pytest.CaptureFixture[str], village_db: Database
) -> None:
    code, out, err = run(capsys, village_db, "excel", "import", str(SAMPLE), "--ledger", "disputes")
    assert code == 0
    assert "第15行 D列“身份证号码”：身份证号码被存为数字，末位精度丢失" in out
    assert "有 11 行有问题未导入" in err


def test_map_option(
    capsys: pytest.CaptureFixture[str], village_db: Database, tmp_path: Path
) -> None:
    path = write_book(
        tmp_path / "m.xlsx",
        {"S": [["日子", "当事人", "纠纷类型", "说说"], ["2025.3.5", "甲、乙", "邻里", "情况"]]},
    )
    code, _, err = run(capsys, village_db, "excel", "import", str(path), "--ledger", "disputes")
    assert code == 1 and "没有找到“受理日期”列" in err and err[-1] == "\n" and err.count("\n") == 1
    code, out, err = run(
        capsys,
        village_db,
        "excel",
        "import",
        str(path),
        "--ledger",
        "disputes",
        "--map",
        "日子=受理日期",
        "--map",
        "D=summary",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["counts"]["imported"] == 1
    assert {"column": "D", "header": "说说", "field": "summary", "label": "纠纷简要情况"} in data[
        "mapping"
    ]
    code, _, err = run(
        capsys, village_db, "excel", "import", str(path), "--ledger", "disputes", "--map", "日子"
    )
    assert code == 1 and "表头=字段" in err
    code, _, err = run(
        capsys,
        village_db,
        "excel",
        "import",
        str(path),
        "--ledger",
        "disputes",
        "--map",
        "日子=生日",
    )
    assert code == 1 and "不是矛盾纠纷排查调处台账的字段" in err


def test_export_and_ledgers(
    capsys: pytest.CaptureFixture[str], village_db: Database, tmp_path: Path
) -> None:
    run(capsys, village_db, "excel", "import", str(SAMPLE), "--ledger", "disputes")
    out_file = tmp_path / "导出.xlsx"
    code, out, err = run(
        capsys,
        village_db,
        "excel",
        "export",
        "--ledger",
        "disputes",
        "--out",
        str(out_file),
        "--from",
        "2025-07-01",
        "--to",
        "2025-07-31",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["count"] == 7 and not data["id_numbers_masked"]
    ws = openpyxl.load_workbook(out_file).active
    assert ws is not None and ws.max_row == 2 + 7 + 1
    code, out, _ = run(capsys, village_db, "excel", "ledgers", "--json")
    keys = {r["key"]: r for r in json.loads(out)}
    assert keys["disputes"]["import"] and keys["roster"]["import"]
    assert not keys["monthly_bulletin"]["import"]


def test_cli_refusals_are_one_chinese_line(
    capsys: pytest.CaptureFixture[str], village_db: Database, tmp_path: Path
) -> None:
    bad = tmp_path / "坏文件.xlsx"
    bad.write_text("not a workbook")
    before = ledger_snapshot(village_db)
    for args in (
        ("excel", "import", str(bad), "--ledger", "disputes"),
        ("excel", "import", str(tmp_path / "无.xlsx"), "--ledger", "disputes"),
        ("excel", "import", str(SAMPLE), "--ledger", "nothing"),
        ("excel", "export", "--ledger", "disputes", "--out", str(tmp_path / "x.txt")),
        (
            "excel",
            "export",
            "--ledger",
            "disputes",
            "--out",
            str(tmp_path / "x.xlsx"),
            "--from",
            "2025-02-30",
        ),
    ):
        code, _, err = run(capsys, village_db, *args)
        assert code == 1, args
        assert err.startswith("错误：") and err.count("\n") == 1, err
        assert "Traceback" not in err
    with pytest.raises(SystemExit) as e:
        main(["--db", str(village_db.path), "excel", "import"])
    assert e.value.code == 2 and "缺少必填参数" in capsys.readouterr().err
    assert ledger_snapshot(village_db) == before


def test_value_option_maps_a_spelling(
    capsys: pytest.CaptureFixture[str], village_db: Database, tmp_path: Path
) -> None:
    path = write_book(
        tmp_path / "v.xlsx",
        {"S": [["受理日期", "当事人", "纠纷类型"], ["2025.3.5", "甲、乙", "山林权属"]]},
    )
    code, out, _ = run(
        capsys, village_db, "excel", "import", str(path), "--ledger", "disputes", "--json"
    )
    assert json.loads(out)["counts"]["invalid"] == 1
    code, out, err = run(
        capsys,
        village_db,
        "excel",
        "import",
        str(path),
        "--ledger",
        "disputes",
        "--value",
        "纠纷类型:山林权属=林地",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["counts"]["imported"] == 1
    code, _, err = run(
        capsys,
        village_db,
        "excel",
        "import",
        str(path),
        "--ledger",
        "disputes",
        "--value",
        "当事人:甲=乙",
    )
    assert code == 1 and "不能指定取值对应" in err and "“纠纷类型”" in err
    code, _, err = run(
        capsys,
        village_db,
        "excel",
        "import",
        str(path),
        "--ledger",
        "disputes",
        "--value",
        "山林权属",
    )
    assert code == 1 and "列名:原表写法=代码或名称" in err
