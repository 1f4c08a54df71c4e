"""First-run wizard › 从乡镇恢复本站台账 (issue 17): a reinstalled village exchanges cards with
its township and restores its ledger from the township's recovery bundle, offscreen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.db import open_database
from app.sync.cards import export_card, import_card, read_card
from app.sync.recovery import export_recovery
from app.ui.first_run import FirstRunWizard
from tests.ui.conftest import _cjk_theme as _ui_theme  # noqa: F401  (autouse fixture)
from tests.ui.conftest import boxes as _ui_boxes  # noqa: F401  (fixture, used by name)
from tests.ui.conftest import settle

from ..conftest import VILLAGE
from .conftest import Node, pair
from .helpers import add_dispute, add_visit


def test_first_run_wizard_recovers_the_station(
    qtbot: Any,
    village: Node,
    township: Node,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    request.getfixturevalue("_ui_boxes")
    pair(village, township)
    add_dispute(village.ctx, 1)
    add_visit(village.ctx, 1)
    assert township.import_(village.export().path).status == "imported"
    held = township.rows(VILLAGE.code)

    db = open_database(tmp_path / "reinstalled.sqlite3")
    try:
        wiz = FirstRunWizard(db)
        qtbot.addWidget(wiz)
        wiz.show()
        wiz.name.setText(VILLAGE.name)
        wiz.code.setText(VILLAGE.code)
        wiz.parent_code.setText(VILLAGE.parent_code or "")
        wiz.next()
        wiz.admin_name.setText("王秀兰")  # the administrator's real name (asked since issue 16)
        wiz.password.setText("secret1")
        wiz.password2.setText("secret1")
        wiz.next()  # creates the station (a commit page: no way back)
        page = wiz.recovery_page
        assert wiz.currentPage() is page and "恢复本站台账" in page.title()
        settle(qtbot)
        stick = tmp_path / "stick"
        stick.mkdir()
        # 1. cards both ways (fingerprints compared by phone: answered 是)
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(stick))
        card = page.export_card()
        assert card is not None and "指纹" in page.pair_status.text()
        import_card(township.ctx, read_card(card), replace=True)
        tcard, _ = export_card(township.ctx, stick)
        monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(tcard), ""))
        monkeypatch.setattr(
            QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)
        )
        assert page.import_card() and "已与" in page.pair_status.text()
        # 2. the township writes the recovery bundle; the page restores from it
        rec = export_recovery(township.ctx, VILLAGE.code, stick)
        monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (rec["file"], ""))
        assert page.recover_from_file()
        assert page.recovered and "已从" in page.result.text()
        assert not page.from_file.isEnabled()
        from app.sync.codec import encode_row, table_specs

        with db.engine.connect() as conn:
            restored = {
                name: {
                    str(r.id): encode_row(spec, r)
                    for r in conn.execute(
                        spec.table.select().where(spec.table.c.origin == VILLAGE.code)
                    )
                }
                for name, spec in table_specs().items()
            }
        assert restored == held
        settle(qtbot)
        shots = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
        shots.mkdir(parents=True, exist_ok=True)
        wiz.grab().save(str(shots / "first_run_recovery.png"))
    finally:
        db.close()
