"""What keeps the GUI's start-up short (DESIGN §9): nothing heavy is imported before it is
needed, and the full integrity check runs beside the login instead of before it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.db import Database, integrity_check
from app.ui.integrity import IntegrityWatch

ROOT = Path(__file__).resolve().parents[2]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sorted(sys.modules)))"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return set(out.split())


def test_opening_an_up_to_date_ledger_does_not_load_alembic(village_db: Database) -> None:
    village_db.close()
    loaded = _modules_after(
        f"from app.db import open_database\nopen_database({str(village_db.path)!r}).close()"
    )
    assert "sqlalchemy" in loaded
    assert not any(m == "alembic" or m.startswith("alembic.") for m in loaded)


def test_pinyin_dictionary_loads_on_first_use_only() -> None:
    assert "pypinyin" not in _modules_after("import app.rules.pinyin, app.services.persons")
    loaded = _modules_after("from app.rules.pinyin import name_keys\nprint(name_keys('单田芳'))")
    assert "pypinyin" in loaded


def test_a_sound_ledger_passes_the_background_check(qtbot: QtBot, village_db: Database) -> None:
    watch = IntegrityWatch(village_db.path)
    with qtbot.waitSignal(watch.checked, timeout=20_000) as signal:
        pass
    assert signal.args == [[]]
    assert watch.done and not watch.failed and watch.message == ""


def test_a_damaged_ledger_is_reported_and_the_windows_close(
    qtbot: QtBot, tmp_path: Path, village_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    village_db.close()
    damaged = tmp_path / "damaged.sqlite3"
    data = bytearray(village_db.path.read_bytes())
    page = 4096
    for n in range(3, len(data) // page - 1, 2):  # scribble over every other b-tree page
        data[n * page + 8 : n * page + 64] = b"\xff" * 56
    damaged.write_bytes(bytes(data))
    assert integrity_check(damaged)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text, *a, **k: shown.append(text))
    watch = IntegrityWatch(damaged)
    with qtbot.waitSignal(watch.checked, timeout=20_000):
        pass
    assert watch.failed
    assert shown == [watch.message]
    assert watch.message.startswith("数据库文件 damaged.sqlite3 完整性检查未通过（")
    assert watch.message.endswith("请勿继续录入，从备份恢复（zongzhi restore）")


def test_the_login_dialog_shows_before_the_sync_machinery_loads(village_db: Database) -> None:
    """keyring, cryptography and the sync page load when first needed, not before the login
    (the keystore's passphrase dialog is installed as a stand-in that loads them on call)."""
    village_db.close()
    code = f"""
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication
app = QApplication([])
from app.ui import login
seen = []
def exec_(self):
    seen.append(sorted(m for m in sys.modules
                       if m.split(".")[0] in ("cryptography", "keyring", "keyrings")
                       or m in ("app.sync.keystore", "app.sync.cards", "app.ui.pages.sync")))
    return 0
login.LoginDialog.exec = exec_
from app.ui.app import run
assert run(["--db", {str(village_db.path)!r}]) == 0
print("LOADED", *(seen[0] if seen else ["no-login-dialog"]))
from app.sync.passphrase import passphrase_provider
provider = passphrase_provider()
assert provider is not None and provider.__module__ == "app.ui.app"
"""
    loaded = _modules_after(code)
    assert "LOADED" in loaded and "no-login-dialog" not in loaded
    heavy = {"cryptography", "keyring", "app.sync.keystore", "app.sync.cards", "app.ui.pages.sync"}
    assert not (heavy & loaded), heavy & loaded
