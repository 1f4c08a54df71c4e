"""Translatable UI text.

Every string the GUI shows goes through :func:`tr` (``QCoreApplication.translate`` in the
``zongzhi`` context), so a translation catalogue can be added without touching the widgets:

    pyside6-lupdate -tr-function-alias tr+=tr app/ui -ts resources/translations/zongzhi_xx.ts

The source language is Chinese (zh_CN), which is what users see without a catalogue.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

CONTEXT = "zongzhi"


def tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)
