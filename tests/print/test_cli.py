"""``zongzhi print``: the form list, a form to a file, ledgers for a period, clear Chinese
errors with a non-zero exit code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.cli import main

from .conftest import assert_in_order, mediated_dispute, pdf_text


def run(db: Path, *args: str) -> int:
    return main(["--db", str(db), "--operator", "admin", *args])


def test_list_shows_every_form_in_chinese(
    demo_db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(demo_db_path, "print", "--list") == 0
    out = capsys.readouterr().out
    assert_in_order(
        out,
        "可打印的文书",
        "agreement",
        "人民调解协议书",
        "visit-ledger",
        "来信来访登记台账",
        "month-report",
        "月通报",
    )
    assert run(demo_db_path, "print", "--list", "--json") == 0
    assert '"key": "supervision_notice"' in capsys.readouterr().out


def test_print_agreement_by_case_code(
    ctx, village_db, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = mediated_dispute(ctx)
    out = tmp_path / "协议书.pdf"
    assert (
        run(Path(village_db.path), "print", "agreement", "--id", d.case_code, "--out", str(out))
        == 0
    )
    assert "已生成" in capsys.readouterr().out
    assert_in_order(pdf_text(out.read_bytes()), "人民调解协议书", d.mediation_no, "本协议一式三份")


def test_print_ledgers_and_month_report(
    demo_db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "visits.pdf"
    assert (
        run(
            demo_db_path,
            "print",
            "visit-ledger",
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-16",
            "--out",
            str(out),
        )
        == 0
    )
    assert "来信来访登记台账" in pdf_text(out.read_bytes())
    out = tmp_path / "disputes.pdf"
    assert (
        run(demo_db_path, "print", "dispute_ledger", "--month", "2026-02", "--out", str(out)) == 0
    )
    assert "2026年2月" in pdf_text(out.read_bytes())
    narrative = tmp_path / "正文.txt"
    narrative.write_text("一、基本情况\n本月总体平稳。", encoding="utf-8")
    out = tmp_path / "bulletin.pdf"
    assert (
        run(
            demo_db_path,
            "print",
            "month-report",
            "--month",
            "2026-02",
            "--narrative-file",
            str(narrative),
            "--issue-no",
            "2",
            "--out",
            str(out),
        )
        == 0
    )
    assert_in_order(pdf_text(out.read_bytes()), "（第2期）", "本月总体平稳")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["print", "agreement", "--id", "110105001001-2026-J-99999", "--out", "x.pdf"],
            "找不到案件",
        ),
        (["print", "agreement", "--id", "不存在", "--out", "x.pdf"], "找不到编码或编号"),
        (["print", "agreement", "--out", "x.pdf"], "--id"),
        (["print", "agreement", "--id", "110105001001-2026-J-00001"], "--out"),
        (["print", "nonsense", "--id", "1", "--out", "x.pdf"], "没有名为“nonsense”的文书"),
        (["print"], "请写明要打印的文书"),
        (["print", "visit-ledger", "--from", "2026-01-01", "--out", "x.pdf"], "需要同时填写"),
        (
            [
                "print",
                "visit-ledger",
                "--from",
                "2026-03-01",
                "--to",
                "2026-01-01",
                "--out",
                "x.pdf",
            ],
            "早于起始日期",
        ),
        (["print", "month-report", "--out", "x.pdf"], "--month"),
    ],
)
def test_bad_requests_fail_with_a_chinese_message(
    demo_db_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    db = tmp_path / "ledger.sqlite3"
    shutil.copyfile(demo_db_path, db)
    monkeypatch.chdir(tmp_path)
    assert run(db, *args) == 1
    err = capsys.readouterr().err
    assert err.startswith("错误：") and message in err
    assert not (tmp_path / "x.pdf").exists()
