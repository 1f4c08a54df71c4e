"""Every window on a village PC's screen (issue 16): at 1366×768 and 1280×720 — and with a
40-px taskbar taken off — each dialog and the print preview lies whole inside the available
screen area with its buttons visible, the main window opens maximised, and 状态/期限 show in
both ledgers without scrolling sideways. Each size runs in a child process on Qt's offscreen
platform with a screen configuration file (one screen per process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QByteArray, Qt

from app.services.demo import generate
from app.ui.env import UiEnv
from app.ui.main_window import MainWindow
from app.ui.widgets import GEOMETRY_KEY, ui_settings

from .conftest import operator_id

ROOT = Path(__file__).resolve().parents[2]
TITLE_BAR = 30  # what a window manager adds above the offscreen frame


def probe(tmp_path: Path, db_path: Path, op: str, width: int, height: int) -> dict[str, Any]:
    config = tmp_path / f"screen-{width}x{height}.json"
    config.write_text(
        json.dumps(
            {
                "windowFrameMargins": True,
                "screens": [
                    {
                        "name": "s",
                        "x": 0,
                        "y": 0,
                        "width": width,
                        "height": height,
                        "logicalDpi": 96,
                        "logicalBaseDpi": 96,
                        "dpr": 1,
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")  # a first start: no saved geometry
    out = subprocess.run(
        [sys.executable, "-m", "tests.ui.geometry_probe", str(db_path), op],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    line = [x for x in out.stdout.splitlines() if x.startswith("{")][-1]
    return dict(json.loads(line))


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1280, 720), (1366, 728)])
def test_every_window_fits_the_screen(
    tmp_path: Path, env: UiEnv, ctx: Any, width: int, height: int
) -> None:
    generate(ctx, visits=20, disputes=20, days=60)
    report = probe(tmp_path, Path(env.db.path), operator_id(env.db), width, height)
    problems = []
    for w in report["windows"]:
        x, y, fw, fh = w["frame"]
        ax, ay, aw, ah = w["avail"]
        if w["name"] == "主窗口":
            if not w["maximized"]:
                problems.append("主窗口 did not open maximised")
            continue
        if not (ax <= x and ay <= y and x + fw <= ax + aw and y + fh + TITLE_BAR <= ay + ah):
            problems.append(f"{w['name']}: frame {w['frame']} + title bar outside {w['avail']}")
        if w["buttons_cut"]:
            problems.append(f"{w['name']}: buttons cut off: {w['buttons_cut']}")
    for key, ends in report["ledgers"].items():
        for title in ("状态", "期限"):
            if not 0 < ends[title] <= ends["viewport"]:
                problems.append(f"{key}: {title} ends at {ends[title]} of {ends['viewport']} px")
    assert problems == [], "\n".join(problems)


def test_main_window_maximised_first_then_as_left(qtbot: Any, env: UiEnv) -> None:
    assert ui_settings().value(GEOMETRY_KEY) is None
    win = MainWindow(env)
    qtbot.addWidget(win)
    assert win.windowState() & Qt.WindowState.WindowMaximized
    win.show()
    win.showNormal()
    win.setGeometry(0, 20, 1024, 700)  # the offscreen test screen is 800 px wide
    win.close()
    saved = ui_settings().value(GEOMETRY_KEY)
    assert isinstance(saved, QByteArray) and not saved.isEmpty()
    again = MainWindow(env)
    qtbot.addWidget(again)
    again.show()
    assert not again.isMaximized()
    assert (again.width(), again.height()) == (1024, 700)
