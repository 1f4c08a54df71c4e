"""First-run wizard, last (optional) page: 从乡镇恢复本站台账.

For a station whose PC died and was reinstalled with the same code: exchange cards with the
township again (this station's new card goes to the township, which imports it with 更换密钥;
the township's card is imported here after comparing fingerprints by phone), then restore this
station's ledger from the township — a recovery bundle on a USB stick, or over the network from
the township's sync service. Everything happens in the services (:mod:`app.sync.recovery`); this
page only collects files and shows results. A clerk who does not need it clicks 完成.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from app.db import Database
from app.rules.errors import AppError
from app.services.context import Ctx, open_ctx

from .i18n import tr

log = logging.getLogger(__name__)


class RecoveryPage(QWizardPage):
    """Optional: restore this (reinstalled) station's ledger from its township."""

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.username = ""
        self.recovered = False
        self.setTitle(tr("第三步（可选）：从乡镇恢复本站台账"))
        self.setSubTitle(
            tr(
                "本站以前用过本程序、电脑损坏后重新安装的，可从乡镇取回本站的全部台账。"
                "新建的工作站不需要此步，直接点“完成”。"
            )
        )
        lay = QVBoxLayout(self)
        pairing = QGroupBox(tr("1. 与乡镇重新交换工作站卡片"))
        pl = QVBoxLayout(pairing)
        hint = QLabel(
            tr(
                "把本站新的卡片交乡镇导入（乡镇选择“更换密钥”），再导入乡镇的卡片；"
                "两边都须电话核对指纹。"
            )
        )
        hint.setWordWrap(True)
        hint.setObjectName("muted")
        pl.addWidget(hint)
        row = QHBoxLayout()
        self.card_out = QPushButton(tr("导出本站卡片…"))
        self.card_in = QPushButton(tr("导入乡镇卡片…"))
        row.addWidget(self.card_out)
        row.addWidget(self.card_in)
        row.addStretch(1)
        pl.addLayout(row)
        self.pair_status = QLabel()
        self.pair_status.setWordWrap(True)
        pl.addWidget(self.pair_status)
        lay.addWidget(pairing)

        restore = QGroupBox(tr("2. 恢复本站台账"))
        rl = QVBoxLayout(restore)
        row2 = QHBoxLayout()
        self.from_file = QPushButton(tr("从U盘恢复包恢复…"))
        row2.addWidget(self.from_file)
        row2.addStretch(1)
        rl.addLayout(row2)
        row3 = QHBoxLayout()
        self.hub_url = QLineEdit()
        self.hub_url.setPlaceholderText(tr("乡镇同步服务地址，如 http://10.0.0.5:8750"))
        self.from_hub = QPushButton(tr("联网恢复"))
        row3.addWidget(self.hub_url, 1)
        row3.addWidget(self.from_hub)
        rl.addLayout(row3)
        lay.addWidget(restore)
        self.result = QLabel()
        self.result.setWordWrap(True)
        lay.addWidget(self.result)
        lay.addStretch(1)
        self.card_out.clicked.connect(self.export_card)
        self.card_in.clicked.connect(self.import_card)
        self.from_file.clicked.connect(self.recover_from_file)
        self.from_hub.clicked.connect(self.recover_from_hub)

    def _ctx(self) -> Ctx:
        return open_ctx(self.db, self.username or None)

    def _fail(self, title: str, err: Exception) -> None:
        QMessageBox.warning(self, tr(title), str(err))

    # --- cards -----------------------------------------------------------------------------
    def export_card(self) -> Path | None:
        from app.sync.cards import export_card

        folder = QFileDialog.getExistingDirectory(self, tr("选择保存卡片的文件夹（如U盘）"))
        if not folder:
            return None
        ctx = self._ctx()
        try:
            path, fp = export_card(ctx, Path(folder))
        except (AppError, OSError) as err:
            self._fail("导出卡片失败", err)
            return None
        finally:
            ctx.close()
        self.pair_status.setText(
            tr("本站卡片已导出：{0}\n请把卡片交乡镇导入，并电话告知指纹：{1}").format(path, fp)
        )
        return path

    def import_card(self) -> bool:
        from app.sync.cards import import_card, read_card

        name, _ = QFileDialog.getOpenFileName(
            self, tr("选择乡镇的工作站卡片"), "", tr("工作站卡片 (*.zzc)")
        )
        if not name:
            return False
        ctx = self._ctx()
        try:
            card = read_card(Path(name))
            answer = QMessageBox.question(
                self,
                tr("核对指纹"),
                tr(
                    "卡片：{0}（{1}）\n指纹：{2}\n\n请与乡镇电话核对指纹，一致才能导入。指纹一致吗？"
                ).format(card.name, card.code, card.fingerprint),
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
            import_card(ctx, card, expect_fingerprint=card.fingerprint, replace=True)
        except (AppError, OSError) as err:
            self._fail("导入卡片失败", err)
            return False
        finally:
            ctx.close()
        self.pair_status.setText(tr("已与 {0}（{1}）配对").format(card.name, card.code))
        return True

    # --- restore ---------------------------------------------------------------------------
    def _show(self, message: str, lost: bool) -> None:
        self.recovered = True
        self.result.setText(message)
        self.result.setObjectName("errorSummary" if lost else "bannerInfo")
        self.result.style().unpolish(self.result)
        self.result.style().polish(self.result)
        self.from_file.setEnabled(False)
        self.from_hub.setEnabled(False)

    def recover_from_file(self) -> bool:
        from app.sync.recovery import recover_station

        name, _ = QFileDialog.getOpenFileName(
            self, tr("选择乡镇生成的恢复包"), "", tr("恢复包 (*.zzb)")
        )
        if not name:
            return False
        ctx = self._ctx()
        try:
            res = recover_station(ctx, Path(name))
        except AppError as err:
            self._fail("无法恢复", err)
            return False
        finally:
            ctx.close()
        self._show(res.message, bool(res.lost))
        return True

    def recover_from_hub(self) -> bool:
        from app.sync.client import recover_from_hub

        url = self.hub_url.text().strip()
        if not url:
            QMessageBox.warning(self, tr("无法恢复"), tr("请先填写乡镇同步服务地址"))
            return False
        ctx = self._ctx()
        try:
            res = recover_from_hub(ctx, url)
        except AppError as err:
            self._fail("无法恢复", err)
            return False
        finally:
            ctx.close()
        self._show(res.message, bool(res.lost))
        return True
