"""Card and document file names made from station names are valid on Windows and Linux.

Rules: Microsoft, "Naming Files, Paths, and Namespaces"
(https://learn.microsoft.com/en-us/windows/win32/fileio/naming-a-file).
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.db import open_database
from app.rules.filenames import safe_file_name, safe_stem
from app.services.stations import init_station
from tests.conftest import VILLAGE

ROOT = Path(__file__).resolve().parents[2]
WINDOWS_FORBIDDEN = set('<>:"/\\|?*') | {chr(c) for c in range(32)}


@pytest.mark.parametrize(
    ("text", "stem"),
    [
        ("柳树村综治中心", "柳树村综治中心"),
        ("柳树村/杨庄村联合综治中心", "柳树村_杨庄村联合综治中心"),
        ('东风镇:"综治"中心?', "东风镇_综治_中心"),
        ("东风镇综治中心. . ", "东风镇综治中心"),
        ("  .隐藏", "隐藏"),
        ("CON", "_CON"),
        ("nul.台账", "_nul.台账"),
        ("com1", "_com1"),
        ("LPT¹", "_LPT¹"),
        ("CONSOLE", "CONSOLE"),
        ("a\tb\nc  d", "a_b_c d"),
        ("***", "文件"),
        ("", "文件"),
        ("村" * 200, "村" * 80),
        ("东风镇：综治中心", "东风镇：综治中心"),  # full-width colon is an ordinary character
    ],
)
def test_safe_stem(text: str, stem: str) -> None:
    assert safe_stem(text) == stem
    assert not WINDOWS_FORBIDDEN & set(stem)
    assert not stem.endswith((".", " "))


def test_extension_kept() -> None:
    assert (
        safe_file_name("工作站卡片_110105001001_CON", ".zzc") == "工作站卡片_110105001001_CON.zzc"
    )
    assert safe_file_name("AUX", ".pdf") == "_AUX.pdf"


def test_the_card_of_a_station_with_an_awkward_name(tmp_path: Path) -> None:
    ledger = tmp_path / "l.sqlite3"
    db = open_database(ledger)
    init_station(db, dataclasses.replace(VILLAGE, name="柳树村/杨庄村:联合综治中心."))
    db.close()
    out = tmp_path / "U盘"
    out.mkdir()
    r = subprocess.run(
        [sys.executable, "-m", "app", "--db", str(ledger), "card", "export", "--out", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    files = list(out.iterdir())
    assert [f.name for f in files] == ["工作站卡片_110105001001_柳树村_杨庄村_联合综治中心.zzc"]
    card = json.loads(files[0].read_text(encoding="utf-8"))
    assert card["card"]["name"] == "柳树村/杨庄村:联合综治中心."  # the card itself keeps the name
