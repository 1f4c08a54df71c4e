"""SIGKILL during a large bundle import and a large Excel import: the ledger passes
integrity_check, nothing is half-written, and the retried import completes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import text

from app.db import open_database
from app.services.check import run_checks
from benchmarks.ledger_fill import fill
from benchmarks.sync_bundle import _stamp_revs
from tests.sync.conftest import Node, pair

ROOT = Path(__file__).resolve().parents[2]

IMPORT_BUNDLE = r"""
import sys
from keyrings.alt.file import PlaintextKeyring
from app.db import open_database
from app.services.context import open_ctx
from app.sync.importer import import_files
from app.sync.keystore import use_keychain

backend = PlaintextKeyring()
backend.file_path = sys.argv[3]
use_keychain(backend)
db = open_database(sys.argv[1])
ctx = open_ctx(db, "admin")

def progress(done, total, label):
    print(done, total, "apply" if "正在导入" in label else "read", flush=True)

import_files(ctx, [__import__("pathlib").Path(sys.argv[2])], progress=progress)
print("done", flush=True)
"""


def _kill_when(
    proc: subprocess.Popen[str], ready: Callable[[str], bool], timeout: float = 120
) -> None:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if ready(line):
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return
    proc.kill()
    raise AssertionError("the import finished before it could be interrupted")


def _counts(path: Path, origin: str) -> dict[str, int]:
    db = open_database(path)
    try:
        with db.engine.connect() as conn:
            return {
                t: int(
                    conn.execute(
                        text(f'SELECT count(*) FROM "{t}" WHERE origin = :o'), {"o": origin}
                    ).scalar_one()
                )
                for t in ("person", "visit", "visit_person", "dispute", "dispute_party")
            }
    finally:
        db.close()


def test_sigkill_during_bundle_import(
    village: Node, township: Node, keychain, tmp_path: Path
) -> None:
    pair(village, township)
    village.ctx.close()
    fill(village.db, visits=600, disputes=600)
    village.db.engine.dispose()
    _stamp_revs(village.db.path)
    village.ctx = village.fresh_ctx()
    bundle = village.export().path
    expected = _counts(village.db.path, village.code)
    township.ctx.close()
    township.db.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            IMPORT_BUNDLE,
            str(township.db.path),
            str(bundle),
            keychain.file_path,
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    # kill inside the apply transaction, part-way through the records
    _kill_when(proc, lambda line: line.rstrip().endswith("apply") and int(line.split()[0]) > 0)
    db = open_database(township.db.path)  # integrity_check on open
    assert run_checks(db)["ok"]
    db.close()
    assert _counts(township.db.path, village.code) == dict.fromkeys(expected, 0)  # all or nothing
    retry = subprocess.run(
        [
            sys.executable,
            "-c",
            IMPORT_BUNDLE,
            str(township.db.path),
            str(bundle),
            keychain.file_path,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert retry.returncode == 0 and "done" in retry.stdout, retry.stderr
    assert _counts(township.db.path, village.code) == expected


def _big_sheet(path: Path, rows: int) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["柳树村矛盾纠纷排查调处台账"])
    ws.append(["序号", "受理日期", "当事人", "联系电话", "纠纷类别", "纠纷简要情况", "调处结果"])
    given = "建国华明丽芳军伟秀英桂兰玉梅志强海燕德福春生红霞淑珍"
    for i in range(rows):
        a = "张" + given[i % 24] + given[(i // 24) % 24]
        b = "李" + given[(i // 3) % 24] + given[(i // 7) % 24]
        ws.append(
            [
                i + 1,
                f"2025.{i % 12 + 1}.{i % 27 + 1}",
                f"{a}、{b}",
                f"138{i:08d}",
                "邻里",
                f"第{i}号排水沟纠纷",
                "调解成功" if i % 3 else "调处中",
            ]
        )
    wb.save(path)


def test_sigkill_during_excel_import(village: Node, tmp_path: Path) -> None:
    sheet = tmp_path / "big.xlsx"
    _big_sheet(sheet, 300)
    village.ctx.close()
    village.db.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [
        sys.executable,
        "-m",
        "app",
        "--db",
        str(village.db.path),
        "--operator",
        "admin",
        "excel",
        "import",
        str(sheet),
        "--ledger",
        "disputes",
        "--json",
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    time.sleep(0.5)
    deadline = time.monotonic() + 60
    wal = Path(str(village.db.path) + "-wal")
    while time.monotonic() < deadline and (not wal.exists() or wal.stat().st_size < 400_000):
        time.sleep(0.05)  # rows are being written
    assert proc.poll() is None, "the import finished before it could be interrupted"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    db = open_database(village.db.path)
    report = run_checks(db)
    assert report["ok"], report
    with db.engine.connect() as conn:
        disputes = conn.execute(text("SELECT count(*) FROM dispute")).scalar_one()
        whole = conn.execute(
            text(
                "SELECT count(*) FROM dispute d WHERE (SELECT count(*) FROM dispute_party p WHERE p.dispute_id = d.id) = 2"
            )
        ).scalar_one()
    db.close()
    assert disputes == whole  # whatever got in is whole: every dispute with both parties
    retry = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert retry.returncode == 0, retry.stderr
    db = open_database(village.db.path)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM dispute")).scalar_one() == 300
    assert run_checks(db)["ok"]
    db.close()
