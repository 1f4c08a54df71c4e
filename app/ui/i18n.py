"""Translatable UI text.

Every string the GUI shows goes through :func:`tr` (``QCoreApplication.translate`` in the
``zongzhi`` context), so a translation catalogue can be added without touching the widgets:

    pyside6-lupdate -tr-function-alias tr+=tr app/ui -ts resources/translations/zongzhi_xx.ts

The source language is Chinese (zh_CN), which is what users see without a catalogue.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

CONTEXT = "zongzhi"
CHINESE = QLocale(QLocale.Language.Chinese, QLocale.Country.China)


def tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def qt_translation_dirs() -> list[Path]:
    """Where Qt's own catalogues are: Qt's install, then a frozen build's bundled copy."""
    dirs = [Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))]
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        dirs += [Path(frozen) / "PySide6" / "Qt" / "translations", Path(frozen) / "translations"]
    return dirs


# Qt texts whose source changed after qtbase_zh_CN was last updated (a mnemonic was added), so
# the shipped catalogue misses them: the non-native file dialog's "Look in" and "Files of type".
# They are set on each file dialog as it opens (widgets.ScreenFit); a QTranslator subclass
# overriding translate() would do it globally but corrupts None's reference count in
# PySide6 6.12 on Python 3.11 (a crash some time later).
QT_GAPS = {
    "LookIn": "查找范围(&L)：",
    "FileType": "文件类型(&T)：",
}


def install_qt_translations(app: QCoreApplication) -> bool:
    """Qt's own texts in Chinese: standard buttons (确定/取消/是/否), the right-click menu of
    text fields (撤销/剪切/复制/粘贴), file dialogs. PySide6 ships ``qtbase_zh_CN.qm``. The
    default locale becomes zh_CN (calendar month and day names, number formats)."""
    QLocale.setDefault(CHINESE)
    if app.property("zongzhiQtTranslations"):
        return True
    for folder in qt_translation_dirs():
        translator = QTranslator(app)
        if translator.load(CHINESE, "qtbase", "_", str(folder)):
            app.installTranslator(translator)
            app.setProperty("zongzhiQtTranslations", True)
            return True
    return False
