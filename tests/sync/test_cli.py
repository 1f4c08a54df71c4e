"""`zongzhi card …`, `zongzhi bundle …`, `zongzhi supervise …` end to end (in-process CLI)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from app.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def stations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, str, Path]:
    v, t = str(tmp_path / "v.sqlite3"), str(tmp_path / "t.sqlite3")
    usb = tmp_path / "usb"
    usb.mkdir()
    assert (
        run(
            capsys,
            "--db",
            v,
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
        )[0]
        == 0
    )
    assert (
        run(
            capsys,
            "--db",
            t,
            "init",
            "--station-code",
            "110105001000",
            "--station-name",
            "东风镇综治中心",
            "--level",
            "township",
            "--parent-code",
            "110105000000",
            "--admin-password",
            "admin123",
        )[0]
        == 0
    )
    return v, t, usb


def test_pair_export_import_ack_supervise(
    stations: tuple[str, str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    v, t, usb = stations
    code, out, _ = run(capsys, "--db", v, "card", "export", "--out", str(usb), "--json")
    vcard = json.loads(out)
    code, out, _ = run(capsys, "--db", t, "card", "export", "--out", str(usb), "--json")
    tcard = json.loads(out)
    # no fingerprint confirmed, no terminal: refused with one Chinese line
    code, out, err = run(capsys, "--db", t, "card", "import", vcard["file"])
    assert code == 1 and err.startswith("错误：") and err.count("\n") == 1 and "指纹" in err
    code, out, _ = run(
        capsys, "--db", t, "card", "import", vcard["file"], "--fingerprint", vcard["fingerprint"]
    )
    assert code == 0 and "已配对：下级 柳树村综治中心" in out
    assert run(capsys, "--db", v, "card", "import", tcard["file"], "--yes")[0] == 0
    code, out, _ = run(capsys, "--db", v, "card", "list", "--json")
    assert json.loads(out)[0]["relation"] == "上级"

    assert run(capsys, "--db", v, "demo", "--visits", "5", "--disputes", "5")[0] == 0
    code, out, _ = run(capsys, "--db", v, "bundle", "export", "--out", str(usb), "--json")
    exported = json.loads(out)
    assert code == 0 and exported["record_count"] > 0 and Path(exported["file"]).suffix == ".zzb"

    code, out, _ = run(capsys, "--db", t, "bundle", "import", exported["file"], "--json")
    results = json.loads(out)
    assert code == 0 and results[0]["status"] == "imported"
    ack = results[0]["ack_file"]
    assert ack and Path(ack).parent == usb and ack.endswith(".zza")
    # again: a no-op, still exit 0
    code, out, _ = run(capsys, "--db", t, "bundle", "import", exported["file"], "--no-ack")
    assert code == 0 and "导入过" in out

    code, out, _ = run(capsys, "--db", v, "bundle", "ack", ack)
    assert code == 0 and "回执" in out
    code, out, _ = run(capsys, "--db", v, "bundle", "status", "--json")
    assert json.loads(out)["pending_up"] == 0

    code, out, _ = run(capsys, "--db", t, "bundle", "log", "--json")
    log_id = next(
        x["id"] for x in json.loads(out) if x["direction"] == "导入" and x["status"] == "已导入"
    )
    pdf = tmp_path / "s.pdf"
    assert run(capsys, "--db", t, "bundle", "show", log_id, "--pdf", str(pdf))[0] == 0
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "导入情况表" in text

    code, out, _ = run(capsys, "--db", t, "case", "show", "110105001001-2026-J-00001", "--json")
    assert json.loads(out)["origin"] == "110105001001"
    code, out, err = run(
        capsys,
        "--db",
        t,
        "--operator",
        "admin",
        "supervise",
        "add",
        "--case",
        "110105001001-2026-J-00001",
        "--content",
        "请限期化解",
        "--unit",
        "柳树村委会",
        "--person",
        "王主任",
        "--due",
        "2026-12-31",
        "--json",
    )
    assert code == 0, err
    no = json.loads(out)["supervision_no"]
    code, out, _ = run(
        capsys,
        "--db",
        t,
        "bundle",
        "ack",
        "--issue",
        "--to",
        "110105001001",
        "--out",
        str(usb),
        "--json",
    )
    down = json.loads(out)
    assert down["counts"] == {"supervision": 1}
    assert run(capsys, "--db", v, "bundle", "ack", down["file"])[0] == 0
    code, out, _ = run(capsys, "--db", v, "supervise", "feedback", no, "--content", "已约双方调解")
    assert code == 0
    code, out, _ = run(capsys, "--db", v, "bundle", "export", "--out", str(usb), "--json")
    assert json.loads(out)["counts"] == {"supervision_feedback": 1}


def test_rejected_file_exits_non_zero_with_one_line(
    stations: tuple[str, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, t, usb = stations
    junk = usb / "junk.zzb"
    junk.write_bytes(b"PK\x03\x04 not really")
    code, _, err = run(capsys, "--db", t, "bundle", "import", str(junk))
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：junk.zzb：") and "损坏" in lines[0]


def test_export_without_a_parent_is_a_clear_refusal(
    stations: tuple[str, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    v, _, usb = stations
    code, _, err = run(capsys, "--db", v, "bundle", "export", "--out", str(usb))
    assert code == 1 and "还没有与上级配对" in err and err.count("\n") == 1
