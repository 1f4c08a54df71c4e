"""The GUI shows rare name characters (CJK extensions) as the forms print them: the bundled
extension faces are registered and are in the application font's fallback list."""

from __future__ import annotations

from PySide6.QtGui import QFont, QImage, QPainter, QRawFont
from PySide6.QtWidgets import QApplication, QLabel

from .conftest import SCREENS

RARE = "\u3400\U00020bb7\U0002a6a5\U0002a700\U0002b820\U0002ceb0\U00030000"


def _image(ch: str, font: QFont) -> QImage:
    img = QImage(60, 40, QImage.Format.Format_RGB32)
    img.fill(0xFFFFFF)
    painter = QPainter(img)
    painter.setFont(font)
    painter.drawText(5, 30, ch)
    painter.end()
    return img


def test_rare_name_characters_have_a_face_in_the_ui_font(qapp: QApplication) -> None:
    font = qapp.font()
    families = font.families()
    assert {"HanaMinA", "HanaMinB", "BabelStone Han"} <= set(families)
    for ch in RARE:
        code = ord(ch)
        assert any(QRawFont.fromFont(QFont(f)).supportsCharacter(code) for f in families), (
            f"U+{code:04X} has no face in {families}"
        )
    # drawn, not a box: each differs from the drawing of a private-use character
    box = _image("\ue000", font)
    for ch in RARE:
        assert _image(ch, font) != box, f"U+{ord(ch):04X} renders like a missing glyph"
    label = QLabel(f"申请人：刘{RARE}　吉\U00020bb7祥")
    label.setFont(font)
    label.adjustSize()
    SCREENS.mkdir(parents=True, exist_ok=True)
    label.grab().save(str(SCREENS / "ext-names.png"))
