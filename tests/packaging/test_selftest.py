"""``zongzhi --self-test``: every step passes on a sound installation, and a broken one is
reported step by step in Chinese with a non-zero exit code."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest

from app import selftest
from app.__main__ import main as app_main

ROOT = Path(__file__).resolve().parents[2]


def test_self_test_from_the_command_line_passes() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZONGZHI_")}
    env["PYTHONIOENCODING"] = "utf-8"
    proc = subprocess.run(
        [sys.executable, "-m", "app", "--self-test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("综治工作站 ") and "自检（源代码" in lines[0]
    steps = [ln for ln in lines if ln.startswith(("✓", "✗"))]
    assert [s.split("：")[0][2:] for s in steps] == [title for title, *_ in selftest.STEPS]
    assert all(s.startswith("✓") for s in steps)
    assert lines[-1].startswith("自检通过：8 项全部正常")
    assert "按编码、全文（排水沟）和拼音首字母（zxl）均可读回" in proc.stdout
    assert "嵌入字体 WenQuanYi Micro Hei" in proc.stdout


def test_a_broken_installation_fails_with_the_reasons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "resources"
    empty.mkdir()
    monkeypatch.setattr(selftest, "resources_dir", lambda: empty)
    monkeypatch.setattr(selftest, "gui_qt_modules", lambda: ["QtWidgets", "QtNoSuchModule"])
    before = keyring.get_keyring()
    assert app_main(["--self-test"]) == 1
    out = capsys.readouterr().out
    assert f"✗ 程序文件：代码表不完整（{empty / 'codes'} 中只有 0 个）" in out
    assert "✗ 界面组件：缺少界面组件：QtNoSuchModule（程序打包不完整，请重新安装）" in out
    assert "✓ 同步包" in out  # independent steps still ran
    assert "自检未通过：程序文件、界面组件 异常。请把以上内容发给技术支持" in out
    assert keyring.get_keyring() is before  # the keychain choice is left as it was


def test_steps_after_a_failed_database_are_not_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_st: object) -> str:
        raise OSError("磁盘已满")

    steps = [
        (t, broken if fn is selftest._step_database else fn, needs)
        for t, fn, needs in selftest.STEPS
    ]
    monkeypatch.setattr(selftest, "STEPS", steps)
    out = io.StringIO()
    report = selftest.run_self_test(out)
    assert not report.ok
    text = out.getvalue()
    assert "✗ 数据库：OSError：磁盘已满" in text
    for title in ("读写记录", "打印文书", "同步包"):
        assert f"✗ {title}：因前一步失败未执行" in text
    assert "✓ 界面组件" in text and "✓ 密钥库" in text


def test_the_self_test_never_uses_the_real_data_folder(tmp_path: Path) -> None:
    data = Path(os.environ["ZONGZHI_DATA_DIR"])
    before = sorted(data.rglob("*"))
    report = selftest.run_self_test(io.StringIO())
    assert report.ok, [s for s in report.steps if not s.ok]
    assert sorted(data.rglob("*")) == before


def test_qt_modules_are_read_from_the_sources() -> None:
    found = selftest.scan_qt_modules(ROOT / "app" / "ui")
    assert {"QtCore", "QtGui", "QtWidgets"} <= set(found)
    assert selftest.gui_qt_modules() == found
    assert selftest.scan_qt_modules(ROOT / "app" / "services") == []
