"""Look and feel: a calm light theme, CJK fonts, and the status colours every page shares."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QColor, QFont, QFontDatabase
from PySide6.QtWidgets import (
    QApplication,
)

from app.config import resources_dir

log = logging.getLogger(__name__)

# Preferred UI families: Windows, domestic Linux (UOS/Kylin ship these), then the bundled font.
UI_FAMILIES = [
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "AR PL UMing CN",
]
# the bundled CJK-extension faces (resources/fonts/ext): the last fallbacks, so a name with
# 𠮷 (U+20BB7) or 㐀 (U+3400) shows as it prints, whatever the system fonts lack
EXT_FAMILIES = ["HanaMinA", "HanaMinB", "BabelStone Han"]

ACCENT = "#1f5fa8"
NAV_BG = "#1d3557"
NAV_FG = "#dbe4f0"
PAGE_BG = "#f4f6f9"
CARD_BG = "#ffffff"
BORDER = "#d5dbe3"
TEXT = "#1f2933"
MUTED = "#5f6b7a"

OVERDUE = QColor("#c0392b")
DUE_SOON = QColor("#b9770e")
ON_TIME = QColor("#1e8449")
CLOSED = QColor("#7b8794")
FOREIGN_BG = QColor("#f3f0fa")
OVERDUE_BG = QColor("#fdecea")
DUE_SOON_BG = QColor("#fff5e0")

STATUS_COLOURS = {
    # visit
    "registered": QColor("#1f5fa8"),
    "reviewed": QColor("#1f5fa8"),
    "accepted": QColor("#117a65"),
    "in_progress": QColor("#117a65"),
    "not_accepted": QColor("#7b8794"),
    "informed": QColor("#7b8794"),
    "concluded": QColor("#1e8449"),
    "followed_up": QColor("#1e8449"),
    "archived": QColor("#7b8794"),
    # dispute
    "triaged": QColor("#1f5fa8"),
    "mediating": QColor("#117a65"),
    "succeeded": QColor("#1e8449"),
    "failed": QColor("#a04000"),
    "terminated": QColor("#7b8794"),
    "transferred": QColor("#6c3483"),
}


def deadline_colour(days_left: int | None, soon: int = 3) -> QColor | None:
    if days_left is None:
        return None
    if days_left < 0:
        return OVERDUE
    if days_left <= soon:
        return DUE_SOON
    return ON_TIME


ICONS = (resources_dir() / "icons").as_posix()

STYLE = f"""
QWidget {{ color: {TEXT}; }}
QMainWindow, QDialog, QWizard {{ background: {PAGE_BG}; }}
QListWidget#nav {{
    background: {NAV_BG}; color: {NAV_FG}; border: none; outline: 0;
    padding-top: 8px; font-size: 11pt;
}}
QListWidget#nav::item {{ padding: 11px 18px; border-left: 4px solid transparent; }}
QListWidget#nav::item:selected {{
    background: #28466e; color: white; border-left: 4px solid #7fb3ff;
}}
QListWidget#nav::item:hover:!selected {{ background: #243f63; }}
QLabel#navTitle {{
    background: {NAV_BG}; color: white; font-size: 12pt; font-weight: bold;
    padding: 16px 14px 6px 18px;
}}
QLabel#navStation {{ background: {NAV_BG}; color: #a9b8cc; padding: 0 14px 12px 18px; }}
QLabel#pageTitle {{ font-size: 15pt; font-weight: bold; color: {TEXT}; }}
QLabel#pageHint, QLabel#muted {{ color: {MUTED}; }}
QFrame#card {{
    background: {CARD_BG}; border: 1px solid {BORDER}; border-radius: 6px;
}}
QLabel#cardValue {{ font-size: 22pt; font-weight: bold; color: {ACCENT}; }}
QLabel#cardValue[tone="alert"] {{ color: #c0392b; }}
QLabel#cardValue[tone="warn"] {{ color: #b9770e; }}
QLabel#cardTitle {{ color: {MUTED}; }}
QLabel#fieldError {{ color: #c0392b; }}
QLabel#banner {{
    background: #fff5e0; border: 1px solid #f0c36d; border-radius: 4px; padding: 6px 10px;
}}
QLabel#bannerInfo {{
    background: #eaf2fb; border: 1px solid #b6cfee; border-radius: 4px; padding: 6px 10px;
}}
QLabel#errorSummary {{
    background: #fdecea; border: 1px solid #e6a39a; border-radius: 4px; padding: 6px 10px;
    color: #922b21;
}}
QLineEdit, QComboBox, QDateEdit, QDateTimeEdit, QSpinBox {{
    background: white; border: 1px solid {BORDER}; border-radius: 4px; padding: 4px 6px;
    min-height: 20px;
}}
QPlainTextEdit, QTextEdit {{
    background: white; border: 1px solid {BORDER}; border-radius: 4px; padding: 2px 4px;
}}
QComboBox::drop-down, QDateEdit::drop-down, QDateTimeEdit::drop-down {{
    border: none; width: 22px;
}}
QComboBox::down-arrow, QDateEdit::down-arrow, QDateTimeEdit::down-arrow {{
    image: url({ICONS}/arrow-down.svg); width: 10px; height: 6px;
}}
QComboBox::down-arrow:disabled, QDateEdit::down-arrow:disabled {{ image: none; }}
QSpinBox::up-button, QSpinBox::down-button {{ border: none; width: 16px; }}
QSpinBox::up-arrow {{ image: url({ICONS}/arrow-up.svg); width: 9px; height: 5px; }}
QSpinBox::down-arrow {{ image: url({ICONS}/arrow-down.svg); width: 9px; height: 5px; }}
QLineEdit:focus, QComboBox:focus, QDateEdit:focus, QDateTimeEdit:focus, QSpinBox:focus,
QPlainTextEdit:focus, QTextEdit:focus {{ border: 1px solid {ACCENT}; }}
QLineEdit[invalid="true"], QComboBox[invalid="true"], QPlainTextEdit[invalid="true"],
QDateEdit[invalid="true"], QDateTimeEdit[invalid="true"], QSpinBox[invalid="true"] {{
    border: 1px solid #c0392b; background: #fff7f6;
}}
QLineEdit:read-only, QPlainTextEdit[readOnly="true"] {{ background: #f0f2f5; }}
QPushButton {{
    background: white; border: 1px solid {BORDER}; border-radius: 4px; padding: 5px 14px;
    min-height: 20px;
}}
QPushButton:hover {{ border-color: {ACCENT}; }}
QPushButton:disabled {{ color: #a0a8b3; background: #f3f4f6; }}
QPushButton#primary {{ background: {ACCENT}; color: white; border-color: {ACCENT}; }}
QPushButton#primary:hover {{ background: #174b86; }}
QPushButton#primary:disabled {{ background: #9db5d3; border-color: #9db5d3; }}
QPushButton#danger {{ color: #a93226; }}
QTableView {{
    background: white; alternate-background-color: #f8f9fb; border: 1px solid {BORDER};
    gridline-color: #e6e9ee; selection-background-color: #d6e6fa; selection-color: {TEXT};
}}
QHeaderView::section {{
    background: #eef1f5; border: none; border-right: 1px solid #dde2e8;
    border-bottom: 1px solid {BORDER}; padding: 5px 6px; font-weight: bold;
}}
QTabWidget::pane {{ border: 1px solid {BORDER}; background: white; border-radius: 4px; }}
QTabBar::tab {{
    background: #e9edf2; border: 1px solid {BORDER}; padding: 6px 16px; margin-right: 2px;
    border-top-left-radius: 4px; border-top-right-radius: 4px;
}}
QTabBar::tab:selected {{ background: white; border-bottom-color: white; }}
QGroupBox {{
    border: 1px solid {BORDER}; border-radius: 6px; margin-top: 14px; background: white;
    padding: 10px 8px 8px 8px;
}}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; color: {ACCENT};
    font-weight: bold; }}
QStatusBar {{ background: #e9edf2; color: {MUTED}; }}
QStatusBar QLabel {{ padding: 0 8px; }}
QToolTip {{ background: #fffbe6; color: {TEXT}; border: 1px solid #e0c97a; }}
"""


def bundled_font_paths() -> list[Path]:
    folder = resources_dir() / "fonts"
    main = sorted([*folder.glob("*.ttf"), *folder.glob("*.ttc"), *folder.glob("*.otf")])
    return main + sorted((folder / "ext").glob("*.ttf"))


def load_fonts() -> list[str]:
    """Register the bundled CJK font(s); return the families now available from them."""
    families: list[str] = []
    for path in bundled_font_paths():
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.warning("could not load bundled font %s", path.name)
            continue
        families += QFontDatabase.applicationFontFamilies(font_id)
    return families


def apply_theme(app: QApplication) -> None:
    """Fonts, style and style sheet; once per application (re-polishing every live widget
    again would be wasted work)."""
    if app.property("zongzhi_theme"):
        return
    app.setProperty("zongzhi_theme", True)
    load_fonts()
    available = set(QFontDatabase.families())
    families = [f for f in UI_FAMILIES if f in available] or UI_FAMILIES
    families += [f for f in EXT_FAMILIES if f in available]
    font = QFont()
    font.setFamilies(families)
    font.setPointSize(10)
    app.setFont(font)
    app.setStyle("Fusion")
    app.setStyleSheet(STYLE)
