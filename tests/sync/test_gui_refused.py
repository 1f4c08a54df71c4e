"""The import results dialog makes refused records impossible to miss: a warning title with
the count, the record (case code) of each refused row, and the list exported as CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog

from app.sync import manifest as mf
from app.ui.env import UiEnv
from app.ui.pages.sync import ImportResultsDialog
from tests.ui.conftest import _cjk_theme as _ui_theme  # noqa: F401  (autouse fixture)
from tests.ui.conftest import boxes as _ui_boxes  # noqa: F401  (fixture, used by name)
from tests.ui.conftest import operator_id, settle

from .conftest import Node, peer
from .helpers import add_dispute, forge, mediate


def test_refused_records_shown_and_exported(
    qtbot: Any,
    paired: tuple[Node, Node],
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    request.getfixturevalue("_ui_boxes")
    village, township = paired
    d = add_dispute(village.ctx, 1)
    mediate(village.ctx, d.id)
    add_dispute(village.ctx, 2)
    rows = village.rows(village.code)
    next(iter(rows["mediation_session"].values()))["bogus_field"] = 1
    from app.sync.codec import table_specs

    records = [{"t": t, "r": r} for t in table_specs() for r in rows[t].values()]
    seq = 10**13
    path = forge(
        village.ctx,
        peer(village, township.code),
        village.out / "f.zzb",
        records,
        ranges=[mf.Range(village.code, 0, seq, len(records))],
        seq=seq,
    )
    res = township.import_(path)
    assert res.status == "imported" and res.refused_count > 0
    env = UiEnv(township.db, operator_id(township.db), clock=township.clock)
    dlg = ImportResultsDialog(env, [res])
    qtbot.addWidget(dlg)
    dlg.show()
    settle(qtbot)
    view = dlg.view
    assert view.rejected_title.isVisible() and "被拒收" in view.rejected_title.text()
    assert str(res.refused_count) in view.rejected_title.text()
    assert view.message.objectName() == "errorSummary"
    assert view.rejected.rowCount() == res.refused_count
    items = [view.rejected.item(i, 0) for i in range(view.rejected.rowCount())]
    records_shown = {item.text() for item in items if item is not None}
    assert records_shown == {f"矛盾纠纷 {d.case_code}"}
    out = tmp_path / "拒收清单.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    assert dlg.refused_button.isEnabled()
    dlg.refused_button.click()
    text = out.read_bytes().decode("utf-8-sig")
    assert d.case_code in text and "bogus_field" in text
