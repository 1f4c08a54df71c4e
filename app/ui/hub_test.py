"""测试连接: the button under 设置 → 同步服务地址. Asks the address (off the GUI thread) whether
it is a 综治工作站 hub and whether it is this station's parent, and says so in one line."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from app.rules.errors import AppError
from app.sync.client import HubInfo, check_hub
from app.sync.status import sync_status

from .env import UiEnv
from .i18n import tr
from .workers import Op


class HubTestRow(QWidget):
    def __init__(self, env: UiEnv, field: QLineEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env = env
        self.field = field
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.button = QPushButton(tr("测试连接"))
        self.button.clicked.connect(self.test)
        self.result = QLabel()
        self.result.setWordWrap(True)
        lay.addWidget(self.button)
        lay.addWidget(self.result, 1)
        field.textEdited.connect(lambda _t: self.result.clear())

    def test(self) -> None:
        url = self.field.text().strip()
        if not url:
            self._show(False, tr("请先填写同步服务地址（乡镇提供，如 http://10.0.0.5:8750）"))
            return
        db = self.env.db

        def probe() -> tuple[HubInfo, bool]:
            parent = next((p for p in sync_status(db).peers if p.relation == "parent"), None)
            info = check_hub(url, expect_code=parent.code if parent else None)
            return info, parent is not None

        self.button.setEnabled(False)
        self.result.setText(tr("正在连接…"))
        self.result.setStyleSheet("")
        Op(self, None, probe, needs_ctx=False).success(self._ok).failure(self._failed).run()

    def _ok(self, found: tuple[HubInfo, bool]) -> None:
        info, paired = found
        text = tr("连接成功：{0} 是{1}（{2}）的同步服务").format(info.url, info.name, info.code)
        if not paired:
            text += tr("；本站尚未与上级配对，请到“同步”页导入上级的工作站卡片")
        self._show(True, text)

    def _failed(self, err: AppError) -> None:
        self._show(False, str(err))

    def _show(self, ok: bool, text: str) -> None:
        self.button.setEnabled(True)
        self.result.setText(text)
        self.result.setStyleSheet("color: #1b5e20;" if ok else "color: #b3261e;")
