"""The 同步 page offscreen: card and fingerprint, pairing by card, 导出同步包 to a folder,
导入同步包 with the results dialog and an ack written, history, printable summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QFileDialog

from app.models import SyncPeer
from app.ui.env import UiEnv
from app.ui.pages import sync as page_mod
from app.ui.pages.sync import ImportResultsDialog, LogSummaryDialog, SyncPage
from tests.ui.conftest import _cjk_theme as _ui_theme  # noqa: F401  (autouse fixture)
from tests.ui.conftest import boxes as _ui_boxes  # noqa: F401  (fixture, used by name)
from tests.ui.conftest import operator_id, settle

from .conftest import Node, peer
from .helpers import add_dispute


def cell(table: Any, row: int, col: int) -> str:
    item = table.item(row, col)
    assert item is not None
    return str(item.text())


@pytest.fixture
def rec(request: pytest.FixtureRequest) -> Any:
    """The GUI suite's message-box recorder (tests/ui/conftest.py)."""
    return request.getfixturevalue("_ui_boxes")


@pytest.fixture
def shots() -> Path:
    out = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
    out.mkdir(parents=True, exist_ok=True)
    return out


def _page(qtbot: Any, node: Node) -> SyncPage:
    env = UiEnv(node.db, operator_id(node.db), clock=node.clock)
    page = SyncPage(env)
    qtbot.addWidget(page)
    page.resize(1200, 860)
    page.show()
    page.refresh()
    settle(qtbot)
    return page


def test_sync_page_end_to_end(
    qtbot: Any, paired: tuple[Node, Node], monkeypatch: pytest.MonkeyPatch, rec: Any, shots: Path
) -> None:
    village, township = paired
    add_dispute(village.ctx, 1)
    add_dispute(village.ctx, 2)
    vpage = _page(qtbot, village)
    assert vpage.fingerprint.text() == peer(township, village.code).fingerprint
    assert "条变更待上级确认" in vpage.pending.text()
    vpage.grab().save(str(shots / "sync_village_before.png"))

    usb = village.out
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(usb)))
    vpage.export_button.click()
    settle(qtbot)
    bundles = list(usb.glob("*.zzb"))
    assert len(bundles) == 1 and "已导出同步包" in rec.texts()
    assert "待上级确认" in vpage.pending.text()  # exported, not yet acknowledged

    tpage = _page(qtbot, township)
    shown: list[ImportResultsDialog] = []

    def fake_exec(dlg: ImportResultsDialog) -> int:
        dlg.resize(1000, 620)
        dlg.show()
        shown.append(dlg)
        return 0

    monkeypatch.setattr(ImportResultsDialog, "exec", fake_exec)
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: ([str(bundles[0])], ""))
    )
    tpage.import_button.click()
    settle(qtbot)
    assert shown, rec.texts()
    dlg = shown[0]
    assert dlg.results[0].status == "imported" and dlg.results[0].ack_path is not None
    assert dlg.view.tables.rowCount() >= 3
    qtbot.wait(20)
    dlg.grab().save(str(shots / "sync_import_results.png"))
    settle(qtbot)
    assert tpage.history.rowCount() >= 2  # the import and the ack written for it
    assert cell(tpage.peers, 0, 1) == "柳树村综治中心" and cell(tpage.peers, 0, 5) == "2"
    tpage.grab().save(str(shots / "sync_township.png"))

    # the printable summary of that import
    tpage.history.selectRow(
        next(r for r in range(tpage.history.rowCount()) if cell(tpage.history, r, 1) == "导入")
    )
    log_dlg = LogSummaryDialog(tpage.env, tpage._selected_log().id, tpage)  # type: ignore[union-attr]
    qtbot.addWidget(log_dlg)
    assert log_dlg.summary["totals"]["new"] > 0
    tpage.print_log()
    settle(qtbot)
    previews = [
        w
        for w in QApplication.topLevelWidgets()
        if w.objectName() == "PrintPreviewDialog" and w.isVisible()
    ]
    assert previews
    qtbot.wait(50)
    previews[-1].grab().save(str(shots / "sync_summary_preview.png"))
    for p in previews:
        p.close()

    # the village imports the ack: nothing pending any more
    ack = dlg.results[0].ack_path
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: ([str(ack)], ""))
    )
    vpage.ack_import_button.click()
    settle(qtbot)
    assert shown[-1].results[0].status == "imported"
    settle(qtbot)
    assert vpage.pending.text() == "已全部同步"
    vpage.grab().save(str(shots / "sync_village_after.png"))


def test_pairing_from_the_page(
    qtbot: Any, village: Node, township: Node, monkeypatch: pytest.MonkeyPatch, rec: Any
) -> None:
    from app.sync.cards import export_card

    card, fp = export_card(village.ctx, village.out)
    tpage = _page(qtbot, township)
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(card), ""))
    )
    rec.answer = "不一致，取消"
    tpage.import_card()
    assert township.ctx.session.get(SyncPeer, village.code) is None
    assert fp in rec.texts()
    rec.answer = "一致，配对"
    tpage.import_card()
    settle(qtbot)
    township.ctx.session.rollback()  # end the read snapshot taken above
    assert township.ctx.session.get(SyncPeer, village.code) is not None
    assert "已配对" in rec.texts()
    assert tpage.peers.rowCount() == 1


def test_removable_volume_listing_is_safe() -> None:
    vols = page_mod.removable_volumes()
    assert all(v.rootPath() != "/" for v in vols)
    assert page_mod.default_folder()
