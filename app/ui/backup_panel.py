"""设置 › 备份与恢复: take a backup now, see the backups, set a second location (a USB stick),
restore from a backup (the program closes the ledger, restores, and asks for login again)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.rules.dates import CHINA_TZ
from app.rules.errors import AppError
from app.services import backup as backups

from .env import UiEnv
from .i18n import tr
from .workers import Op

_pending_restore: list[Path] = []


def take_pending_restore() -> Path | None:
    """The backup the user chose to restore (the app restores it after closing the ledger)."""
    return _pending_restore.pop() if _pending_restore else None


class BackupPanel(QWidget):
    def __init__(self, env: UiEnv, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env = env
        with env.ctx() as ctx:
            self.can_restore = ctx.can("backup.restore")
        lay = QVBoxLayout(self)
        box = QGroupBox(tr("备份"))
        bl = QVBoxLayout(box)
        note = QLabel(
            tr(
                "每天首次打开程序时自动备份；导入同步包或历史台账前也会自动备份。"
                "备份保存在台账旁的 backups 文件夹，自动保留最近30份每日备份。"
            )
        )
        note.setWordWrap(True)
        note.setObjectName("muted")
        bl.addWidget(note)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([tr("备份时间"), tr("类型"), tr("文件")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 170)
        self.table.setColumnWidth(1, 110)
        bl.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.backup_button = QPushButton(tr("立即备份"))
        self.backup_button.setObjectName("primary")
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button = QPushButton(tr("从所选备份恢复…"))
        self.restore_button.clicked.connect(self.restore_selected)
        self.restore_file_button = QPushButton(tr("从其他备份文件恢复…"))
        self.restore_file_button.clicked.connect(self.restore_from_file)
        for b in (self.restore_button, self.restore_file_button):
            b.setEnabled(self.can_restore)
            if not self.can_restore:
                b.setToolTip(tr("只有管理员可以从备份恢复"))
        row.addWidget(self.backup_button)
        row.addStretch(1)
        row.addWidget(self.restore_button)
        row.addWidget(self.restore_file_button)
        bl.addLayout(row)
        lay.addWidget(box, 1)
        second = QGroupBox(tr("第二备份位置（如U盘，可选）"))
        sl = QHBoxLayout(second)
        self.second = QLineEdit()
        self.second.setReadOnly(True)
        self.second.setPlaceholderText(tr("未设置"))
        choose = QPushButton(tr("选择文件夹…"))
        choose.clicked.connect(self.choose_second)
        clear = QPushButton(tr("不使用"))
        clear.clicked.connect(lambda: self._set_second(""))
        sl.addWidget(self.second, 1)
        sl.addWidget(choose)
        sl.addWidget(clear)
        lay.addWidget(second)
        self.status = QLabel()
        self.status.setObjectName("muted")
        lay.addWidget(self.status)

    def refresh(self) -> None:
        items = backups.list_backups(self.env.db.path)
        self.items = items
        self.table.setRowCount(len(items))
        for i, b in enumerate(items):
            when = b.taken_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")
            for j, text in enumerate((when, b.reason_label, str(b.path))):
                cell = QTableWidgetItem(text)
                if j == 2:
                    cell.setToolTip(text)
                self.table.setItem(i, j, cell)
        folder = backups.second_location(self.env.db)
        self.second.setText(str(folder) if folder else "")
        self.status.setText(tr("共 {0} 份备份").format(len(items)))

    def backup_now(self) -> None:
        db = self.env.db

        def done(path: Path) -> None:
            self.refresh()
            self.status.setText(tr("已备份到：{0}").format(path))

        def failed(err: AppError) -> None:
            QMessageBox.warning(self, tr("备份失败"), str(err))

        Op(self, None, lambda: backups.backup_now(db), needs_ctx=False).progress(
            tr("正在备份……")
        ).success(done).failure(failed).run()

    def choose_second(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("选择第二备份位置"))
        if folder:
            self._set_second(folder)

    def _set_second(self, folder: str) -> None:
        try:
            backups.set_second_location(self.env.db, folder)
        except AppError as err:
            QMessageBox.warning(self, tr("无法设置"), str(err))
            return
        self.refresh()

    def restore_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            QMessageBox.information(self, tr("从备份恢复"), tr("请先在列表中选中一份备份"))
            return
        self.request_restore(self.items[rows[0].row()].path)

    def restore_from_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, tr("选择备份文件"), "", tr("台账备份 (*.sqlite3);;所有文件 (*)")
        )
        if path:
            self.request_restore(Path(path))

    def confirm_restore(self, path: Path) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(tr("从备份恢复"))
        box.setText(tr("用备份“{0}”覆盖当前台账？").format(path.name))
        box.setInformativeText(
            tr(
                "当前台账会先自动备份。恢复后备份之后录入的内容将不在台账中；"
                "同步纪元会更新，下次同步会重新上报本站全部记录。程序将关闭台账并要求重新登录。"
            )
        )
        ok = box.addButton(tr("恢复"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(tr("取消"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return box.clickedButton() is ok

    def request_restore(self, path: Path) -> bool:
        """Confirm, then close the main window; the app restores and asks for login again."""
        if not self.can_restore or not self.confirm_restore(path):
            return False
        _pending_restore.clear()
        _pending_restore.append(path)
        window = self.window()
        if window is not self:
            window.close()
        app = QApplication.instance()
        if app is not None:
            app.quit()
        return True
