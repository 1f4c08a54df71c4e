"""GUI entry point (the desktop app is built in app/ui; see issue 3)."""

from __future__ import annotations

from collections.abc import Sequence


def run(argv: Sequence[str]) -> int:
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication(list(argv) or ["zongzhi"])
    QMessageBox.information(None, "综治工作站", "桌面界面正在构建中，请先使用命令行 zongzhi -h")
    return int(app.exec())
