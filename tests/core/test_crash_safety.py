"""SIGKILL in the middle of saving: the ledger stays sound, nothing is half-written, the retried
operation completes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from app.db import open_database
from app.services.check import run_checks
from app.services.context import open_ctx
from app.services.visits import register_visit

from .conftest import visit_input

WRITER = r"""
import sys
from app.db import open_database
from app.services.context import open_ctx
from app.services.persons import PersonInput
from app.services.visits import VisitInput, register_visit

db = open_database(sys.argv[1])
ctx = open_ctx(db, "admin")
i = 0
while True:
    register_visit(ctx, VisitInput(
        channel="来访", category="村务管理", request=f"诉求{i}" * 50,
        petitioners=[PersonInput(name=f"测试{i}", phone="13800138000")],
    ))
    i += 1
    print(i, flush=True)
"""


def test_kill_during_saves_leaves_a_sound_ledger(village_db, tmp_path: Path) -> None:
    village_db.close()
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(village_db.path)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    saved = 0
    while saved < 25 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line:
            saved = int(line)
    time.sleep(0.05)  # land inside a save
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert saved >= 25

    db = open_database(village_db.path)  # integrity_check runs on open
    report = run_checks(db)
    assert report["ok"], report
    with db.engine.connect() as conn:
        visits = conn.execute(text("SELECT count(*) FROM visit")).scalar_one()
        linked = conn.execute(
            text("SELECT count(DISTINCT visit_id) FROM visit_person")
        ).scalar_one()
        events = conn.execute(
            text("SELECT count(*) FROM case_event WHERE event = 'registered'")
        ).scalar_one()
    assert visits >= saved and visits == linked == events  # whole visits only
    ctx = open_ctx(db, "admin")
    v = register_visit(ctx, visit_input()).record  # and work goes on
    assert v.case_code.endswith(f"{visits + 1:05d}")
    ctx.close()
    db.close()
