"""Draw the application icon (packaging/zongzhi.png, packaging/zongzhi.ico) with Qt.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icon.py

A navy rounded square with the character 综 in the bundled WenQuanYi font and a thin red band:
simple, readable at 16 px, and made here rather than taken from anywhere. The outputs are
committed; run this again only to change the design. The .ico holds PNG images (Windows Vista
and later read them), written by hand so no imaging library is needed.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIZES = (256, 128, 64, 48, 32, 16)


def draw(size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QFontDatabase, QImage, QPainter, QPainterPath

    font_id = QFontDatabase.addApplicationFont(
        str(ROOT / "resources" / "fonts" / "wqy-microhei.ttc")
    )
    family = QFontDatabase.applicationFontFamilies(font_id)[0]
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    margin = size * 0.04
    rect = QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
    path = QPainterPath()
    path.addRoundedRect(rect, size * 0.18, size * 0.18)
    p.fillPath(path, QColor("#1d3557"))
    band = QRectF(rect.left(), rect.bottom() - size * 0.16, rect.width(), size * 0.07)
    p.setClipPath(path)
    p.fillRect(band, QColor("#c0392b"))
    p.setClipping(False)
    font = QFont(family)
    font.setPixelSize(int(size * 0.62))
    font.setBold(True)
    p.setFont(font)
    p.setPen(QColor("#ffffff"))
    text_rect = QRectF(rect.left(), rect.top() - size * 0.04, rect.width(), rect.height() * 0.92)
    p.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, "综")
    p.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, b"PNG")
    return bytes(data.data())


def ico(images: list[tuple[int, bytes]]) -> bytes:
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries, blobs = b"", b""
    for size, png in images:
        dim = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


def main() -> int:
    from PySide6.QtWidgets import QApplication

    QApplication.instance() or QApplication(sys.argv[:1])
    images = [(s, draw(s)) for s in SIZES]
    (HERE / "zongzhi.png").write_bytes(images[0][1])
    (HERE / "zongzhi.ico").write_bytes(ico(images))
    print(f"wrote {HERE / 'zongzhi.png'} and {HERE / 'zongzhi.ico'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
