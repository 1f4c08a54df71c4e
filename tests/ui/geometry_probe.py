"""Child process of tests/ui/test_screen_fit.py: opens every window on a screen of the size
given (Qt's offscreen platform with a screen configuration file) and prints, as JSON, where
each window's frame lies, whether its buttons are inside it, and where the 状态/期限 columns
of the two ledgers end. Run: python -m tests.ui.geometry_probe LEDGER.sqlite3 OPERATOR_ID."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QDialog,
    QTableView,
    QWidget,
)
from sqlalchemy import select

from app.db import open_database
from app.models import Dispute, Visit
from app.ui.env import UiEnv
from app.ui.i18n import install_qt_translations
from app.ui.theme import apply_theme
from app.ui.widgets import install_screen_fit
from tests.conftest import FakeClock


def rect(r: Any) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]


def in_scroll_area(widget: QWidget, window: QWidget) -> bool:
    p = widget.parentWidget()
    while p is not None and p is not window:
        if isinstance(p, QAbstractScrollArea):
            return True
        p = p.parentWidget()
    return False


def window_report(name: str, w: QWidget) -> dict[str, Any]:
    QApplication.processEvents()
    inside = w.rect()
    cut = [
        b.text()
        for b in w.findChildren(QAbstractButton)
        if b.isVisible()
        and b.text()
        and not in_scroll_area(b, w)  # reached by scrolling inside the window
        and not inside.contains(b.rect().translated(b.mapTo(w, b.rect().topLeft())))
    ]
    return {
        "name": name,
        "frame": rect(w.frameGeometry()),
        "avail": rect(w.screen().availableGeometry()),
        "maximized": w.isMaximized(),
        "buttons_cut": cut,
    }


def column_ends(page: QWidget) -> dict[str, Any]:
    table = page.findChild(QTableView)
    assert table is not None
    header = table.horizontalHeader()
    model = table.model()
    out: dict[str, Any] = {"viewport": table.viewport().width()}
    for i in range(header.count()):
        title = str(model.headerData(i, header.orientation()))
        if title in ("状态", "期限"):
            out[title] = header.sectionViewportPosition(i) + header.sectionSize(i)
    return out


def main(db_path: str, operator_id: str) -> None:
    app = QApplication.instance() or QApplication([])
    for font in (
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "/usr/share/fonts/truetype/arphic/uming.ttc",
    ):
        if Path(font).exists():
            QFontDatabase.addApplicationFont(font)
    install_qt_translations(app)
    install_screen_fit(app)
    apply_theme(app)  # type: ignore[arg-type]
    from app.print import render
    from app.ui.forms.action_dialog import ActionDialog
    from app.ui.forms.dispute_form import DisputeDialog
    from app.ui.forms.report_forms import ScreeningDialog
    from app.ui.forms.session_form import SessionDialog
    from app.ui.forms.visit_form import VisitDialog
    from app.ui.login import LoginDialog
    from app.ui.main_window import MainWindow
    from app.ui.print_preview import PrintPreviewDialog

    db = open_database(Path(db_path), check_integrity=False)
    env = UiEnv(db, operator_id, clock=FakeClock())
    reports: list[dict[str, Any]] = []
    win = MainWindow(env)
    win.show()
    reports.append(window_report("主窗口", win))
    ledgers = {}
    for key in ("visits", "disputes"):
        page = win.go(key)
        QApplication.processEvents()
        assert page is not None
        ledgers[key] = column_ends(page)
    with env.db.session() as s:
        visit_id = s.scalars(select(Visit.id)).first()
        dispute_id = s.scalars(select(Dispute.id).where(Dispute.status == "mediating")).first()
    with env.ctx() as ctx:
        pdf = render("visit_register", ctx, str(visit_id))
    dialogs: list[tuple[str, QDialog]] = [
        ("登记来信来访", VisitDialog(env, parent=win)),
        ("来信来访详情", VisitDialog(env, visit_id, parent=win)),
        ("登记矛盾纠纷", DisputeDialog(env, parent=win)),
        ("矛盾纠纷详情", DisputeDialog(env, dispute_id, parent=win)),
        ("调解记录", SessionDialog(env, str(dispute_id), parent=win)),
        ("调解成功", ActionDialog(env, "dispute", str(dispute_id), "succeed", parent=win)),
        ("排查", ScreeningDialog(env, win)),
        ("打印预览", PrintPreviewDialog(pdf, "来访登记表", win)),
        ("登录", LoginDialog(env.db)),
    ]
    for name, dlg in dialogs:
        dlg.show()
        reports.append(window_report(name, dlg))
        if hasattr(dlg, "set_clean"):
            dlg.set_clean()
        dlg.hide()
    print(json.dumps({"windows": reports, "ledgers": ledgers}, ensure_ascii=False))
    sys.stdout.flush()
    import os

    os._exit(0)  # no teardown: the parent only reads the report


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
