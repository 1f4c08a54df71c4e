"""The hub on a SQLite ledger shares the import slot with the other programs on that ledger
(app/locking.py): an upload waits for another process's import, and past the wait it is a 503
(the village retries by itself) with nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.sync import hub as hub_module
from app.sync.client import HubRefused, NetError, sync_once

from ..sync.helpers import add_visit
from .conftest import Node, RunningHub

ROOT = Path(__file__).resolve().parents[2]
IMPORTER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from app.locking import hold_import
    hold = hold_import(Path(sys.argv[1]))
    print("ready", flush=True)
    sys.stdin.readline()
    """
)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_upload_waits_for_another_process_import(
    village: Node, township: Node, hub: RunningHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_module, "HUB_IMPORT_WAIT", 1.0)
    add_visit(village.ctx, 1)
    other = subprocess.Popen(
        [sys.executable, "-c", IMPORTER, str(township.db.path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    try:
        assert other.stdout is not None and other.stdin is not None
        assert other.stdout.readline().strip() == "ready"
        before = township.rows(village.code)
        with pytest.raises(NetError) as err:
            sync_once(village.db, hub.url, clock=village.clock)
        assert not isinstance(err.value, HubRefused) and err.value.retry  # tried again later
        assert "另一个综治工作站程序正在向台账" in str(err.value)
        assert township.rows(village.code) == before  # nothing written
        other.stdin.write("\n")
        other.stdin.flush()
        other.wait(timeout=20)
    finally:
        if other.poll() is None:
            other.kill()
    report = sync_once(village.db, hub.url, clock=village.clock)
    assert [p.result for p in report.pushes] == ["imported"]
    assert township.rows(village.code) == village.rows(village.code)
