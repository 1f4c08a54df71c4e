"""Screenshots of every page and the main dialogs on a demo ledger, saved to
test-artifacts/screens/ for people to look at (Chinese must render, nothing clipped)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QImage
from sqlalchemy import select

from app.models import Dispute, Visit
from app.services.demo import generate
from app.ui.env import UiEnv
from app.ui.first_run import FirstRunWizard
from app.ui.forms.action_dialog import ActionDialog
from app.ui.forms.dispute_form import DisputeDialog
from app.ui.forms.visit_form import VisitDialog
from app.ui.login import LoginDialog
from app.ui.main_window import MainWindow

from .conftest import settle


def _save(widget: Any, path: Path) -> None:
    widget.grab().save(str(path))
    image = QImage(str(path))
    assert image.width() > 300 and image.height() > 200, path
    # not a blank image: some pixels differ from the top-left one
    corner = image.pixel(0, 0)
    assert any(
        image.pixel(x, y) != corner
        for x in range(0, image.width(), 37)
        for y in range(0, image.height(), 29)
    ), path


def test_screenshots_of_every_page_and_dialog(
    qtbot: Any, env: UiEnv, ctx: Any, screens: Path, tmp_path: Path
) -> None:
    generate(ctx, visits=30, disputes=40, days=120)
    win = MainWindow(env)
    qtbot.addWidget(win)
    win.resize(1400, 860)
    win.show()
    for i, slot in enumerate(win.slots):
        win.nav.setCurrentRow(i)
        settle(qtbot)
        _save(win, screens / f"{i + 1:02d}-{slot.key}.png")
    with env.db.session() as s:
        visit_id = s.scalars(select(Visit.id).where(Visit.status == "in_progress")).first()
        dispute_id = s.scalars(
            select(Dispute.id).where(Dispute.status.in_(("succeeded", "mediating")))
        ).first()
    assert visit_id and dispute_id
    new_visit = VisitDialog(env, parent=win)
    qtbot.addWidget(new_visit)
    new_visit.show()
    _save(new_visit, screens / "20-visit-new.png")
    new_visit.save()  # empty: the errors show beside the fields
    _save(new_visit, screens / "21-visit-new-errors.png")
    new_visit.set_clean()
    visit = VisitDialog(env, visit_id, parent=win)
    qtbot.addWidget(visit)
    visit.show()
    _save(visit, screens / "22-visit-detail.png")
    visit.tabs.setCurrentIndex(1)
    _save(visit, screens / "23-visit-history.png")
    dispute = DisputeDialog(env, dispute_id, parent=win)
    qtbot.addWidget(dispute)
    dispute.show()
    _save(dispute, screens / "30-dispute-detail.png")
    dispute.tabs.setCurrentIndex(1)
    _save(dispute, screens / "31-dispute-sessions.png")
    new_dispute = DisputeDialog(env, parent=win)
    qtbot.addWidget(new_dispute)
    new_dispute.show()
    _save(new_dispute, screens / "32-dispute-new.png")
    action = ActionDialog(env, "dispute", dispute_id, "succeed", case_title="示例", parent=win)
    qtbot.addWidget(action)
    action.show()
    _save(action, screens / "33-action-succeed.png")
    login = LoginDialog(env.db)
    qtbot.addWidget(login)
    login.show()
    login.password.setText("x")
    login.try_login()
    _save(login, screens / "40-login-failed.png")
    win.lock()
    _save(win, screens / "41-idle-lock.png")
    win.unlock()
    from app.db import open_database

    fresh = open_database(tmp_path / "fresh.sqlite3")
    wizard = FirstRunWizard(fresh)
    qtbot.addWidget(wizard)
    wizard.show()
    _save(wizard, screens / "42-first-run.png")
    fresh.close()
    for w in (new_visit, visit, dispute, new_dispute, action):
        w.set_clean()
