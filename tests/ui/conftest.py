"""GUI test set-up: offscreen Qt with a CJK font and the app theme, an env on the village
ledger, and message boxes that record instead of blocking."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QFontDatabase, QInputMethodEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import select

from app.db import Database
from app.models import Operator
from app.ui import workers
from app.ui.env import UiEnv
from app.ui.i18n import install_qt_translations
from app.ui.theme import apply_theme
from app.ui.widgets import install_screen_fit

SYSTEM_CJK_FONTS = [
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
]
SCREENS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"


@pytest.fixture(scope="session", autouse=True)
def _cjk_theme(qapp: QApplication) -> None:
    """Install a CJK font for offscreen rendering (bundled font first, system fonts too)."""
    for path in SYSTEM_CJK_FONTS:
        if path.exists():
            QFontDatabase.addApplicationFont(str(path))
    apply_theme(qapp)
    install_qt_translations(qapp)  # as app.ui.app.run does: Qt's own texts in Chinese
    install_screen_fit(qapp)  # and every dialog fitted to the screen
    families = set(QFontDatabase.families())
    assert families & {"WenQuanYi Micro Hei", "AR PL UMing CN", "Noto Sans CJK SC"}, (
        "no CJK font available: Chinese would render as boxes"
    )


class Boxes:
    """Records QMessageBox use; ``answer`` picks the button text for the next exec()."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []
        self.answer: str = ""

    def texts(self) -> str:
        return "\n".join(t for _, t in self.shown)


@pytest.fixture(autouse=True)
def boxes(monkeypatch: pytest.MonkeyPatch) -> Boxes:
    rec = Boxes()

    def static(kind: str) -> Any:
        def show(parent: Any, title: str, text: str = "", *args: Any, **kw: Any) -> Any:
            rec.shown.append((kind, f"{title}：{text}"))
            return QMessageBox.StandardButton.Ok

        return staticmethod(show)

    for kind in ("warning", "information", "critical", "question", "about"):
        monkeypatch.setattr(QMessageBox, kind, static(kind))

    def exec_(self: QMessageBox) -> int:
        rec.shown.append(("box", f"{self.windowTitle()}：{self.text()} {self.informativeText()}"))
        for b in self.buttons():
            if rec.answer and b.text() == rec.answer:
                b.click()
                break
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return rec


def type_text(qtbot: Any, widget: Any, text: str) -> None:
    """Type like a clerk: ASCII as key presses, Chinese as an input-method commit (what a
    pinyin IME sends), so the widgets emit their user-edit signals."""
    widget.setFocus()
    for chunk in re.findall(r"[\x20-\x7e]+|[^\x20-\x7e]+", text):
        if chunk.isascii():
            qtbot.keyClicks(widget, chunk)
        else:
            event = QInputMethodEvent()
            event.setCommitString(chunk)
            QApplication.sendEvent(widget, event)


def show_active(qtbot: Any, widget: Any) -> None:
    """Show a window and make it the active one (window shortcuts need that)."""
    widget.show()
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow, timeout=3000)


def operator_id(db: Database, username: str = "admin") -> str:
    with db.session() as s:
        return s.scalars(select(Operator.id).where(Operator.username == username)).one()


@pytest.fixture
def env(village_db: Database, clock: Any) -> UiEnv:
    return UiEnv(village_db, operator_id(village_db), clock=clock)


def settle(qtbot: Any, rounds: int = 3) -> None:
    """Let background operations finish and deliver their results."""
    for _ in range(rounds):
        workers.wait_for_all()
        qtbot.wait(5)
    qtbot.waitUntil(lambda: not workers.busy(), timeout=10_000)


@pytest.fixture
def screens() -> Iterator[Path]:
    SCREENS.mkdir(parents=True, exist_ok=True)
    yield SCREENS
