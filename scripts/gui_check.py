"""The program on a real X display, as a clerk's PC runs it: a virtual screen of 1366×768 (Xvfb)
with Qt's xcb platform plugin (what a Debian desktop uses), the login typed with xdotool, then
every page in turn (Ctrl+1 … Ctrl+7) — a screenshot of each (imagemagick's ``import -window
root``) saved to test-artifacts/xvfb/, and the main window's geometry checked against the screen.

    .venv/bin/python scripts/gui_check.py [--display :96] [--size 1366x768]

Without --display a free display number is chosen by Xvfb (-displayfd). Exit status 0 when
every page showed, inside the screen, with something drawn; about 30 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
OUT = ROOT / "test-artifacts" / "xvfb"
PAGES = ["工作台", "来信来访", "矛盾纠纷", "台账", "统计", "同步", "设置"]


def run(*cmd: str, env: dict[str, str] | None = None, timeout: float = 60) -> str:
    done = subprocess.run(
        list(cmd), env=env, capture_output=True, text=True, timeout=timeout, check=True
    )
    return done.stdout


def wait_window(name: str, env: dict[str, str], timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", name],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        if found:
            return found[0]
        time.sleep(0.3)
    shot = OUT / "failure.png"
    subprocess.run(["import", "-window", "root", str(shot)], env=env, check=False)
    raise SystemExit(f"窗口“{name}”在 {timeout:.0f} 秒内没有出现（屏幕截图：{shot}）")


def geometry(window: str, env: dict[str, str]) -> tuple[int, int, int, int]:
    values = dict(
        line.split("=", 1)
        for line in run("xdotool", "getwindowgeometry", "--shell", window, env=env).split()
    )
    return int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])


def drawn(path: Path) -> bool:
    """Something is on screen: many distinct colours (a black or blank screen has one)."""
    with Image.open(path) as im:
        colours = im.convert("RGB").resize((341, 192)).getcolors(maxcolors=1 << 16)
    return colours is None or len(colours) > 20


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--display", default="")
    parser.add_argument("--size", default="1366x768")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    for tool in ("Xvfb", "xdotool", "import"):
        if shutil.which(tool) is None:
            print(f"缺少 {tool}：请先运行 scripts/setup.sh")
            return 2
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="zongzhi-gui-"))
    xvfb: subprocess.Popen[bytes] | None = None
    app: subprocess.Popen[bytes] | None = None
    problems: list[str] = []
    try:
        screen = ["-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"]
        if args.display:
            display = args.display
            xvfb = subprocess.Popen(["Xvfb", display, *screen])
        else:
            read_fd, write_fd = os.pipe()
            xvfb = subprocess.Popen(
                ["Xvfb", "-displayfd", str(write_fd), *screen], pass_fds=(write_fd,)
            )
            os.close(write_fd)
            with os.fdopen(read_fd) as pipe:
                display = ":" + pipe.readline().strip()
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
        env["XDG_CONFIG_HOME"] = str(tmp / "config")  # a first start on this PC
        env.setdefault("ZONGZHI_KEYSTORE_PASSPHRASE", "gui-check-passphrase")
        db = tmp / "gui.sqlite3"
        zongzhi = str(BIN / "zongzhi")
        run(zongzhi, "--db", str(db), "init", "--station-code", "110105001001",
            "--station-name", "柳树村综治中心", "--level", "village",
            "--parent-code", "110105001000", "--admin-user", "admin", "--admin-name", "王秀兰",
            "--admin-password", "admin123", env=env)  # fmt: skip
        # demo creates operators: the administrator just created runs it (README 登录)
        demo_env = dict(env, ZONGZHI_OPERATOR="admin", ZONGZHI_PASSWORD="admin123")
        run(zongzhi, "--db", str(db), "demo", "--visits", "20", "--disputes", "20", env=demo_env)
        app = subprocess.Popen([zongzhi, "--db", str(db)], env=env)
        login = wait_window("登录", env)
        run("xdotool", "windowfocus", "--sync", login, env=env)
        run("xdotool", "type", "--delay", "20", "admin", env=env)
        run("xdotool", "key", "Return", env=env)
        run("xdotool", "type", "--delay", "20", "admin123", env=env)
        run("xdotool", "key", "Return", env=env)
        main_window = wait_window("柳树村", env)
        run("xdotool", "windowfocus", "--sync", main_window, env=env)
        time.sleep(1.0)
        for i, page in enumerate(PAGES, start=1):
            run("xdotool", "key", f"ctrl+{i}", env=env)
            time.sleep(0.8)
            shot = OUT / f"{i:02d}-{page}.png"
            run("import", "-window", "root", str(shot), env=env)
            x, y, w, h = geometry(main_window, env)
            where = f"{page}：主窗口 {w}×{h}，位置 ({x}, {y})"
            if x < 0 or y < 0 or x + w > width or y + h > height:
                problems.append(f"{where} 超出屏幕 {width}×{height}")
            if w < width * 0.9:
                problems.append(f"{where} 首次启动没有铺满屏幕")
            if not drawn(shot):
                problems.append(f"{page}：截图是空白的（{shot}）")
            print(f"{where}；截图 {shot.relative_to(ROOT)}")
        run("xdotool", "windowfocus", "--sync", main_window, env=env)
        run("xdotool", "key", "ctrl+q", env=env)  # 文件 › 退出
        try:
            app.wait(timeout=15)
        except subprocess.TimeoutExpired:
            run("import", "-window", "root", str(OUT / "failure.png"), env=env)
            problems.append("Ctrl+Q 后程序没有退出（屏幕截图 failure.png）")
    finally:
        for proc in (app, xvfb):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    for p in problems:
        print("问题：" + p)
    print(f"界面检查用时 {time.monotonic() - started:.1f} 秒")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
