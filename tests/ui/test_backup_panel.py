"""设置 › 备份与恢复: back up now, second location, restore request (offscreen)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

from app.services.backup import list_backups
from app.ui import backup_panel
from app.ui.backup_panel import BackupPanel, take_pending_restore
from app.ui.env import UiEnv
from app.ui.workers import wait_for_all

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"


def test_backup_now_and_restore_request(qtbot, village_db, ctx, monkeypatch, tmp_path) -> None:
    env = UiEnv(village_db, ctx.operator.id, ctx.clock)
    panel = BackupPanel(env)
    qtbot.addWidget(panel)
    panel.resize(900, 600)
    panel.show()
    panel.refresh()
    assert panel.table.rowCount() == 0 and panel.can_restore
    panel.backup_now()
    for _ in range(20):
        wait_for_all(5000)
        qtbot.wait(20)
    assert panel.table.rowCount() == 1
    assert [b.reason for b in list_backups(village_db.path)] == ["manual"]
    usb = tmp_path / "usb"
    usb.mkdir()
    panel._set_second(str(usb))
    assert panel.second.text() == str(usb)
    SHOTS.mkdir(parents=True, exist_ok=True)
    panel.grab().save(str(SHOTS / "60-settings-backup.png"))
    # restoring asks first; cancelling leaves nothing pending
    monkeypatch.setattr(BackupPanel, "confirm_restore", lambda self, path: False)
    panel.table.selectRow(0)
    panel.restore_selected()
    assert take_pending_restore() is None
    quits: list[bool] = []
    monkeypatch.setattr(QApplication, "quit", lambda *_a: quits.append(True))
    monkeypatch.setattr(BackupPanel, "confirm_restore", lambda self, path: True)
    chosen = list_backups(village_db.path)[0].path
    assert panel.request_restore(chosen)
    assert quits and take_pending_restore() == chosen
    assert backup_panel._pending_restore == []


def test_app_restores_after_closing_the_ledger(qtbot, village_db, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox
    from sqlalchemy import select

    from app.models import LocalState
    from app.services.backup import backup_now
    from app.ui.app import _restore

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: shown.append(text))
    source = backup_now(village_db)
    reopened = _restore(village_db, village_db.path, source)
    try:
        with reopened.session() as s:
            assert s.scalars(select(LocalState.epoch)).one() == 2
        assert "同步纪元已更新为 2" in shown[0]
    finally:
        reopened.close()
