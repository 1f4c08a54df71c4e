"""Per-process log files: two real processes log beside one ledger, each into its own file,
and a new day opens a new file instead of renaming a file another process may hold."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

from app.logs import DailyProcessFileHandler, remove_old_logs

ROOT = Path(__file__).resolve().parents[2]

WRITER = textwrap.dedent(
    """
    import logging, sys
    from pathlib import Path
    from app.logs import setup_logging
    path = setup_logging(Path(sys.argv[1]))
    log = logging.getLogger("app.test")
    for i in range(200):
        log.info("writer %s line %d 身份证 110105194912310025", sys.argv[2], i)
    print(path)
    """
)


def test_two_processes_write_their_own_files(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path), name],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for name in ("甲", "乙")
    ]
    paths = []
    for p in procs:
        out, _ = p.communicate(timeout=60)
        assert p.returncode == 0
        paths.append(Path(out.strip()))
    assert len(set(paths)) == 2
    today = date.today().strftime("%Y%m%d")
    for path, name, proc in zip(paths, ("甲", "乙"), procs, strict=True):
        assert path.name == f"zongzhi-{today}-{proc.pid}.log"
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 200
        assert all(f"writer {name} line" in line for line in lines)
        assert all("[身份证号已隐去]" in line and "1101051949" not in line for line in lines)
    assert sorted(tmp_path.iterdir()) == sorted(paths)


def test_a_new_day_opens_a_new_file_and_renames_nothing(tmp_path: Path) -> None:
    day = [date(2026, 3, 16)]
    handler = DailyProcessFileHandler(tmp_path, today=lambda: day[0])
    log = logging.getLogger("test.platform.daily")
    log.propagate = False
    log.addHandler(handler)
    try:
        log.warning("第一天")
        first = tmp_path / f"zongzhi-20260316-{os.getpid()}.log"
        held = first.open(encoding="utf-8")  # another reader holding the file (Windows: no rename)
        day[0] = date(2026, 3, 17)
        log.warning("第二天")
        held.close()
    finally:
        log.removeHandler(handler)
        handler.close()
    second = tmp_path / f"zongzhi-20260317-{os.getpid()}.log"
    assert first.read_text(encoding="utf-8").strip().endswith("第一天")
    assert second.read_text(encoding="utf-8").strip().endswith("第二天")
    assert sorted(tmp_path.iterdir()) == [first, second]


def test_old_logs_are_removed(tmp_path: Path) -> None:
    old, new, legacy = (
        tmp_path / n for n in ("zongzhi-20250101-1.log", "zongzhi-x.log", "zongzhi.log.2025-01-01")
    )
    for p in (old, new, legacy):
        p.write_text("x", encoding="utf-8")
    month_ago = time.time() - 31 * 86400
    for p in (old, legacy):
        os.utime(p, (month_ago, month_ago))
    assert remove_old_logs(tmp_path) == 2
    assert list(tmp_path.iterdir()) == [new]
