"""The login dialog shows before the database layer loads (issue 16): on a ledger this PC has
opened before, the dialog names the station from the PC's settings and SQLAlchemy, the mapped
tables and the ledger are loaded behind it, after its first paint."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.db import Database

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import sys
from PySide6.QtWidgets import QApplication, QDialog
from app.ui import login as L

def login_exec(self):
    QApplication.processEvents()
    print("AT_LOGIN", "sqlalchemy" in sys.modules, self.db is None, flush=True)
    print("STATION", self.findChildren(L.QLabel)[1].text(), flush=True)
    self.username.setText("admin")
    self.password.setText("admin123")
    ok = self.try_login()
    print("LOGGED_IN", ok, "sqlalchemy" in sys.modules, flush=True)
    return 0  # quit here: the main window is another test's business

L.LoginDialog.exec = login_exec
from app.ui.app import run
sys.exit(run(["--db", sys.argv[1]]))
"""


def _run(db: Path, config: Path) -> dict[str, list[str]]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(config))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(db)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return {w[0]: w[1:] for w in (line.split() for line in out.stdout.splitlines()) if w}


def test_login_dialog_before_the_database_layer(village_db: Database, tmp_path: Path) -> None:
    village_db.close()
    config = tmp_path / "config"
    first = _run(village_db.path, config)  # a ledger this PC has not opened: opened first
    assert first["AT_LOGIN"] == ["True", "False"]
    assert first["LOGGED_IN"] == ["True", "True"]
    second = _run(village_db.path, config)  # now known: the dialog comes first
    assert second["AT_LOGIN"] == ["False", "True"], second
    assert second["STATION"] == ["柳树村综治中心（110105001001）"]
    assert second["LOGGED_IN"] == ["True", "True"]
