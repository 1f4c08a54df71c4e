"""``zongzhi register …``: list, add (typed values, files), edit, void, print a real PDF, local
types and fields, bulletin and decisions — with Chinese errors and nothing written on refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.cli import main
from tests.ledger_helpers import ledger_snapshot

from .conftest import png_bytes


@pytest.fixture
def run(village_db, capsys):
    db = str(village_db.path)

    def _run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", db, *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return _run


def _json(text: str):
    return json.loads(text)


WORK = [
    "--field",
    "日期=2026-03-10",
    "--field",
    "记录人=王芳",
    "--field",
    "工作类别=走访群众",
    "--field",
    "工作内容=走访三组困难户5户",
]


def test_types_and_fields(run) -> None:
    code, out, _ = run("register", "types", "--json")
    assert code == 0
    keys = [t["key"] for t in _json(out)]
    assert keys[:3] == ["work_log", "responsibility", "publicity"] and len(keys) == 10
    code, out, _ = run("register", "fields", "治安中心户长及联防队伍花名册")
    assert code == 0 and "角色\t选项（代码表）\t必填" in out


def test_add_list_edit_void(run, village_db) -> None:
    code, out, err = run("register", "add", "work_log", *WORK, "--json")
    assert code == 0, err
    rid = _json(out)["id"]
    code, out, _ = run("register", "list", "work_log", "--period", "2026-03", "--json")
    rows = _json(out)
    assert [r["id"] for r in rows] == [rid]
    assert rows[0]["fields"]["工作类别"] == "走访群众"
    code, out, _ = run("register", "list", "work_log", "--period", "2026-04", "--json")
    assert _json(out) == []
    code, out, _ = run("register", "edit", rid, "--field", "工作内容=走访三组、四组困难户8户")
    assert code == 0 and "走访三组、四组困难户8户" in out and "走访群众" in out
    code, out, _ = run("register", "show", rid, "--json")
    assert _json(out)["fields"]["工作内容"] == "走访三组、四组困难户8户"
    code, _, err = run("register", "void", rid, "--reason", "重复登记")
    assert code == 0
    code, out, _ = run("register", "list", "work_log", "--json")
    assert _json(out) == []
    code, out, _ = run("register", "list", "work_log", "--voided", "--json")
    assert _json(out)[0]["voided"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--field", "日期=2026-02-30"], "「日期」“2026-02-30”不是存在的日期"),
        (["--field", "工作类别=吃饭"], "「工作类别」“吃饭”不是可选项"),
        (["--field", "天气=晴"], "「天气」不是本台账的栏目"),
        (["--field", "日期"], "--field 栏目名=值"),
    ],
)
def test_bad_values_are_refused_and_nothing_written(run, village_db, args, message) -> None:
    before = ledger_snapshot(village_db)
    code, out, err = run("register", "add", "work_log", *WORK, *args)
    assert code == 1 and out == ""
    assert err.startswith("错误：") and message in err and err.count("\n") == 1
    assert ledger_snapshot(village_db) == before


def test_attachment_from_a_file(run, tmp_path: Path) -> None:
    photo = tmp_path / "宣传栏.png"
    photo.write_bytes(png_bytes())
    code, out, err = run(
        "register",
        "add",
        "publicity",
        "--field",
        "张贴日期=2026-03-01",
        "--field",
        "宣传主题=防范电信诈骗",
        "--field",
        "主要内容=典型案例",
        "--field",
        f"照片={photo}",
        "--json",
    )
    assert code == 0, err
    code, out, _ = run("register", "show", _json(out)["id"], "--json")
    assert _json(out)["attachments"][0]["name"] == "宣传栏.png"
    code, _, err = run("register", "add", "publicity", "--field", f"照片={tmp_path / 'none.png'}")
    assert code == 1 and "无法读取文件“none.png”" in err


def test_print_a_real_pdf(run, tmp_path: Path) -> None:
    run("register", "add", "work_log", *WORK)
    pdf = tmp_path / "work_log.pdf"
    code, out, err = run("register", "print", "work_log", "--out", str(pdf), "--period", "2026-03")
    assert code == 0, err
    assert "1 条" in out
    text = "".join(p.extract_text() for p in PdfReader(str(pdf)).pages)
    assert "柳树村综治中心工作记录簿" in text
    assert "2026年3月" in text and "走访三组困难户5户" in text
    # an empty period still prints (a register with no entries is a record too)
    code, _, _ = run("register", "print", "work_log", "--out", str(pdf), "--period", "2025-01")
    assert code == 0 and "本期无记录" in "".join(
        p.extract_text() for p in PdfReader(str(pdf)).pages
    )
    code, _, err = run("register", "print", "work_log", "--out", str(pdf), "--period", "三月")
    assert code == 1 and "「期间」" in err


def test_local_type_and_field_from_the_command_line(run) -> None:
    code, out, err = run("register", "type", "add", "--name", "值班记录", "--period", "daily")
    assert code == 0, err
    assert "zhi_ban_ji_lu" in out
    code, _, err = run(
        "register",
        "field",
        "add",
        "值班记录",
        "--label",
        "值班日期",
        "--type",
        "date",
        "--required",
    )
    assert code == 0, err
    code, _, err = run(
        "register",
        "field",
        "add",
        "值班记录",
        "--label",
        "天气",
        "--type",
        "choice",
        "--choices",
        "晴,阴,雨",
    )
    assert code == 0, err
    code, _, err = run(
        "register", "field", "add", "值班记录", "--label", "人数", "--type", "number", "--min", "x"
    )
    assert code == 1 and "--min" in err
    code, _, err = run(
        "register", "add", "值班记录", "--field", "值班日期=2026-03-15", "--field", "天气=雪"
    )
    assert code == 1 and "「天气」“雪”不是可选项，可选：晴、阴、雨" in err
    code, out, err = run(
        "register", "add", "值班记录", "--field", "值班日期=2026-03-15", "--field", "天气=晴"
    )
    assert code == 0, err
    code, out, _ = run("register", "list", "zhi_ban_ji_lu", "--json")
    assert _json(out)[0]["fields"] == {"值班日期": "2026-03-15", "天气": "晴"}
    code, out, _ = run("register", "type", "disable", "值班记录")
    assert code == 0
    code, out, _ = run("register", "types", "--json")
    assert "值班记录" not in [t["name"] for t in _json(out)]


def test_bulletin_and_decisions(run) -> None:
    code, out, err = run("register", "bulletin", "--month", "2026-02", "--json")
    assert code == 0, err
    data = _json(out)
    assert data["stats"]["zero_report"] is True and "零报告" in err
    code, out, err = run(
        "register",
        "add",
        "meeting_minutes",
        "--field",
        "会议日期=2026-03-05",
        "--field",
        "会议类型=分析会",
        "--field",
        "主持人=刘志强",
        "--field",
        "记录人=王芳",
        "--field",
        "参会人员=刘志强、王芳",
        "--field",
        "会议议题=一季度形势分析",
        "--field",
        '议定事项=[{"事项": "化解三组纠纷", "责任人": "赵建国", "完成期限": "2026-03-20"}]',
    )
    assert code == 0, err
    code, out, _ = run("register", "decisions", "--within", "3650", "--json")
    assert [(d["content"], d["owner"]) for d in _json(out)] == [("化解三组纠纷", "赵建国")]
    code, _, err = run("register", "add", "meeting_minutes", "--field", "议定事项=[{bad")
    assert code == 1 and "「议定事项」不是有效的明细格式" in err
