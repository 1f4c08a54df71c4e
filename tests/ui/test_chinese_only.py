"""Chinese everywhere (issue 16): every window, dialog and menu is walked and any visible
Latin-alphabet word fails the test — Qt's own texts included (standard buttons, the
right-click menu of text fields, the non-native file dialog), which come from PySide6's
qtbase_zh_CN catalogue installed at start-up. Allowed: key names printed on the keycaps (Ctrl,
Alt, Tab …), file types and product names the clerk sees on the stick (PDF, Excel), units."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QMessageBox,
    QTabBar,
    QWidget,
)
from sqlalchemy import select

from app.models import Dispute, Visit
from app.services.demo import generate
from app.ui.env import UiEnv
from app.ui.forms.action_dialog import ActionDialog
from app.ui.forms.dispute_form import DisputeDialog
from app.ui.forms.report_forms import ScreeningDialog
from app.ui.forms.session_form import SessionDialog
from app.ui.forms.visit_form import VisitDialog
from app.ui.login import LoginDialog
from app.ui.main_window import MainWindow

from .conftest import settle

WORD = re.compile(r"[A-Za-z]{2,}")
ALLOWED = {
    # keys as printed on the keyboard
    "Ctrl", "Alt", "Shift", "Tab", "Esc", "Enter", "Del", "Home", "End", "PgUp", "PgDown",
    "PageUp", "PageDown", "Space", "Backspace", "Ins", "Left", "Right", "Up", "Down",
    # file types, products and units a clerk meets on the PC and the stick
    "PDF", "Excel", "xlsx", "xls", "csv", "zzb", "zza", "USB", "ID", "IP", "KB", "MB", "GB",
    "Windows", "WPS", "http", "https", "localhost", "pdf",
    # what to type, shown as an example (pinyin initials: 如 zs → 张三)
    "zs", "cw", "hy",
    # data, not wording: the login name the test ledger's administrator chose
    "admin",
}  # fmt: skip


def _clean(text: str) -> str:
    text = re.sub(r"<[^>]+>", " ", text)  # rich-text tags are not shown
    return html.unescape(text).replace("&", "")


def visible_texts(root: QWidget) -> list[tuple[str, str]]:
    """(where, text) of everything a person can read in ``root`` as it is shown now."""
    out: list[tuple[str, str]] = []

    def add(w: QWidget, text: str) -> None:
        if text:
            out.append((f"{type(root).__name__}/{type(w).__name__}", _clean(text)))

    add(root, root.windowTitle())
    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisible():
            continue
        if isinstance(w, QLabel):
            add(w, w.text())
        elif isinstance(w, QAbstractButton):
            add(w, w.text())
            menu = getattr(w, "menu", lambda: None)()
            if isinstance(menu, QMenu):
                out += menu_texts(menu)
        elif isinstance(w, QGroupBox):
            add(w, w.title())
        elif isinstance(w, QLineEdit):
            add(w, w.placeholderText())
        elif isinstance(w, QComboBox):
            if w.objectName() == "lookInCombo":  # a folder path: data
                continue
            for i in range(w.count()):
                add(w, w.itemText(i))
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                add(w, w.tabText(i))
        elif isinstance(w, QHeaderView) and w.model() is not None:
            for i in range(w.count()):
                add(w, str(w.model().headerData(i, w.orientation()) or ""))
        elif isinstance(w, QListWidget) and not isinstance(w.parent(), QFileDialog):
            for i in range(w.count()):
                add(w, w.item(i).text())
        if isinstance(w, QGroupBox) and w.isCheckable():
            add(w, w.title())
    return out


def menu_texts(menu: QMenu) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for a in menu.actions():
        if a.isSeparator() or not a.isVisible():
            continue
        out.append(("QMenu", _clean(a.text())))
        out.append(("QMenu", a.shortcut().toString()))
        sub = a.menu()
        if isinstance(sub, QMenu):
            out += menu_texts(sub)
    return out


def latin(texts: list[tuple[str, str]]) -> list[str]:
    bad = []
    for where, text in texts:
        words = [w for w in WORD.findall(text) if w not in ALLOWED]
        if words:
            bad.append(f"{where}: {text!r} ({', '.join(words)})")
    return bad


def test_qt_standard_texts_are_chinese(qtbot: Any, tmp_path: Path) -> None:
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "尚未保存",
        "要保存吗？",
        QMessageBox.StandardButton.Yes
        | QMessageBox.StandardButton.No
        | QMessageBox.StandardButton.Ok
        | QMessageBox.StandardButton.Cancel
        | QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Close,
    )
    qtbot.addWidget(box)
    box.show()
    texts = visible_texts(box)
    assert {"是", "否", "取消"} <= {t for _, t in texts} or latin(texts) == []
    assert latin(texts) == [], latin(texts)

    edit = QLineEdit("王秀英")
    qtbot.addWidget(edit)
    menu = edit.createStandardContextMenu()
    texts = menu_texts(menu)
    assert any("复制" in t for _, t in texts), texts
    assert latin(texts) == [], latin(texts)

    dialog = QFileDialog(None, "另存为PDF", str(tmp_path), "PDF 文件 (*.pdf)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    qtbot.addWidget(dialog)
    dialog.show()
    texts = [(w, t) for w, t in visible_texts(dialog) if not w.endswith("QHeaderView")]
    assert latin(texts) == [], latin(texts)
    # the file list's column titles (名称/大小/类型/修改日期)
    views = [v for v in dialog.findChildren(QAbstractItemView) if v.isVisible()]
    headers = [h for v in views for h in v.findChildren(QHeaderView) if h.isVisible()]
    assert latin([t for h in headers for t in visible_texts(h)]) == []

    ask = QInputDialog()
    qtbot.addWidget(ask)
    ask.setLabelText("作废原因：")
    ask.show()
    assert latin(visible_texts(ask)) == [], latin(visible_texts(ask))


def test_every_window_is_chinese(qtbot: Any, env: UiEnv, ctx: Any) -> None:
    generate(ctx, visits=20, disputes=20, days=60)
    win = MainWindow(env)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    bad: list[str] = []
    for a in win.menuBar().actions():
        sub = a.menu()
        if isinstance(sub, QMenu):
            bad += latin(menu_texts(sub))
    for i in range(len(win.slots)):
        win.nav.setCurrentRow(i)
        settle(qtbot)
        bad += latin(visible_texts(win))
    with env.db.session() as s:
        visit_id = s.scalars(select(Visit.id)).first()
        dispute_id = s.scalars(select(Dispute.id).where(Dispute.status == "mediating")).first()
        any_dispute = s.scalars(select(Dispute.id)).first()
    dialogs: list[QWidget] = [
        VisitDialog(env, parent=win),
        VisitDialog(env, visit_id, parent=win),
        DisputeDialog(env, parent=win),
        DisputeDialog(env, any_dispute, parent=win),
        SessionDialog(env, dispute_id or str(any_dispute), parent=win),
        ScreeningDialog(env, win),
        LoginDialog(env.db),
    ]
    if dispute_id:
        dialogs.append(ActionDialog(env, "dispute", dispute_id, "succeed", parent=win))
    for dlg in dialogs:
        qtbot.addWidget(dlg)
        dlg.show()
        bad += latin(visible_texts(dlg))
        for tab in dlg.findChildren(QTabBar):
            for i in range(tab.count()):
                tab.setCurrentIndex(i)
                bad += latin(visible_texts(dlg))
        edit = next((e for e in dlg.findChildren(QLineEdit) if e.isVisible()), None)
        if edit is not None:  # the right-click menu of a text field
            bad += latin(menu_texts(edit.createStandardContextMenu()))
        if hasattr(dlg, "set_clean"):
            dlg.set_clean()
        dlg.close()
    assert bad == [], "\n".join(dict.fromkeys(bad))
