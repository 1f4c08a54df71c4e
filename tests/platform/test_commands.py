"""An unknown command is a Chinese error listing the commands, never the desktop window."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.__main__ import _wants_gui
from app.cli import COMMANDS, build_parser

ROOT = Path(__file__).resolve().parents[2]


def _parser_commands() -> list[str]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return list(sub.choices)


def test_the_command_list_is_the_parsers() -> None:
    """COMMANDS (named in the refusal) is exactly the parser's commands, in its order."""
    assert list(COMMANDS) == _parser_commands()


@pytest.mark.parametrize(
    ("argv", "gui"),
    [
        ([], True),
        (["--db", "台账.sqlite3"], True),
        (["--db=台账.sqlite3", "--operator", "admin"], True),
        (["--database-url", "sqlite:///x.sqlite3"], True),
        (["-platform", "offscreen", "--db", "stats"], True),  # "stats" is the ledger's name
        (["--style=fusion", "-reverse"], True),
        (["-psn_0_12345"], True),
        (["--db", "x", "stats"], False),
        (["--db", "x", "stat"], False),  # a typo: the CLI refuses it
        (["台账.sqlite3"], False),  # a bare path is not a command either
        (["--db", "x", "--bogus"], False),
        (["-h"], False),
        (["--version"], False),
        *[(["--db", "x", c], False) for c in COMMANDS],
    ],
)
def test_who_answers(argv: list[str], gui: bool) -> None:
    assert _wants_gui(argv) is gui


@pytest.mark.parametrize(
    ("word", "hint"), [("stat", "您要的可能是 stats"), ("导出", None), ("bundles", "bundle")]
)
def test_an_unknown_command_from_a_real_process(
    tmp_path: Path, word: str, hint: str | None
) -> None:
    db = tmp_path / "x.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("DISPLAY", None)
    env.pop("QT_QPA_PLATFORM", None)  # a window could not even start: it would abort or hang
    r = subprocess.run(
        [sys.executable, "-m", "app", "--db", str(db), word],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert r.returncode == 2
    assert r.stdout == ""
    line = r.stderr
    assert line.startswith(f"错误：没有“{word}”这个命令") and line.count("\n") == 1
    assert "可用的命令：" + "、".join(COMMANDS) + "（" in line  # every command, in order
    if hint:
        assert hint in line
    else:
        assert "可能是" not in line
    assert list(tmp_path.iterdir()) == []  # no ledger, no lock file, no log
