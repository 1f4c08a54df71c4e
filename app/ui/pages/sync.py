"""同步: this station's card and fingerprint, pairing, 导出同步包 / 导入同步包 / 回执, the import
history with printable summaries, and — for a township — the paired villages.

Everything slow runs in a worker (:mod:`app.ui.workers`) with a progress dialog; the widgets only
call :mod:`app.sync` and show what it returns.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QStandardPaths, QStorageInfo, Qt, QThread, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.machine import is_removable_volume
from app.rules.dates import CHINA_TZ
from app.rules.errors import AppError
from app.services.context import Ctx
from app.sync import cards as sync_cards
from app.sync.bundle import ExportResult, export_bundle, issue_ack
from app.sync.errors import PairingError
from app.sync.importer import ImportResult, import_files
from app.sync.keys import ensure_station_keys, key_info, load_station_keys, renew_station_keys
from app.sync.keystore import MIN_PASSPHRASE, needs_passphrase
from app.sync.passphrase import set_passphrase_provider
from app.sync.status import HistoryRow, SyncStatus, history, log_summary, sync_status

from ..env import UiEnv
from ..sync_status import station_sync_label
from ..widgets import page_header
from ..workers import Op, announce, bus

CHANGED = ("visit", "dispute", "register", "supervision", "sync")


def _t(text: str) -> str:
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.translate("SyncPage", text)


def _when(moment: datetime | None) -> str:
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if moment else "—"


def removable_volumes() -> list[QStorageInfo]:
    """Mounted, writable USB sticks and memory cards (Windows: GetDriveTypeW says removable;
    Linux: the disk is removable or on a USB bus, see app/machine.py)."""
    out: list[QStorageInfo] = []
    system = QStorageInfo.root().rootPath()
    home = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.HomeLocation)
    for vol in QStorageInfo.mountedVolumes():
        root = vol.rootPath()
        if not vol.isValid() or not vol.isReady() or vol.isReadOnly() or root == system:
            continue
        if sys.platform.startswith("win"):
            if root.upper().startswith(("C:", "A:", "B:")):
                continue
        elif not root.startswith(("/media/", "/run/media/", "/mnt/", "/Volumes/")):
            continue
        if home and home.startswith(root) and root != "/":
            continue
        device = bytes(vol.device().data()).decode(errors="replace")
        fstype = bytes(vol.fileSystemType().data()).decode(errors="replace")
        if not is_removable_volume(root, device, fstype):  # a D: data partition, a share …
            continue
        out.append(vol)
    return out


def default_folder() -> str:
    vols = removable_volumes()
    if vols:
        return vols[0].rootPath()
    return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)


class _ProgressRelay(QObject):
    """Carries progress from the worker thread to a determinate dialog on the GUI thread."""

    moved = Signal(int, int, str)
    ended = Signal()

    def __init__(self, parent: QWidget, title: str) -> None:
        super().__init__(parent)
        self.dialog = QProgressDialog(title, "", 0, 0, parent)
        self.dialog.setWindowTitle(_t("请稍候"))
        self.dialog.setCancelButton(None)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(300)
        self.dialog.setMinimumWidth(420)
        self.moved.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self.ended.connect(self.close, Qt.ConnectionType.QueuedConnection)
        self._closed = False

    def __call__(self, done: int, total: int, label: str) -> None:  # worker thread
        self.moved.emit(done, total, label)

    @Slot(int, int, str)
    def _show(self, done: int, total: int, label: str) -> None:
        self.dialog.setMaximum(max(total, 0))
        self.dialog.setValue(min(done, total) if total else 0)
        self.dialog.setLabelText(label)

    @Slot()
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.dialog.reset()
        self.dialog.close()
        self.dialog.deleteLater()
        self.deleteLater()


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setAlternatingRowColors(True)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _fill(table: QTableWidget, rows: list[list[str]], tones: list[str] | None = None) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if tones and tones[r] == "alert":
                item.setForeground(QBrush(QColor("#c0392b")))
            elif tones and tones[r] == "muted":
                item.setForeground(QBrush(QColor("#5f6b7a")))
            table.setItem(r, c, item)


def ask_passphrase(prompt: str, creating: bool) -> str | None:
    """The file keystore's passphrase dialog (GUI thread only; elsewhere: no answer)."""
    app = QApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        return None
    parent = QApplication.activeWindow()
    first, ok = QInputDialog.getText(parent, _t("密钥库口令"), prompt, QLineEdit.EchoMode.Password)
    if not ok or not first:
        return None
    if creating:
        if len(first) < MIN_PASSPHRASE:
            QMessageBox.warning(
                parent, _t("口令太短"), _t("密钥库口令至少需要{0}位").format(MIN_PASSPHRASE)
            )
            return None
        again, ok = QInputDialog.getText(
            parent, _t("密钥库口令"), _t("请再输入一次"), QLineEdit.EchoMode.Password
        )
        if not ok or again != first:
            QMessageBox.warning(parent, _t("口令不一致"), _t("两次输入的口令不一致，请重试"))
            return None
    return first


def install_passphrase_prompt() -> None:
    """Let the keystore ask for its passphrase with a dialog (used when there is no keychain)."""
    set_passphrase_provider(ask_passphrase)


# --- the summary of one import ---------------------------------------------------------------


class SummaryView(QWidget):
    """What one import did: sender, result, per-table counts, rejected records with reasons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.head = QLabel()
        self.head.setWordWrap(True)
        self.head.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.tables = _table(
            [_t("类别"), _t("收到"), _t("新增"), _t("更新"), _t("未变"), _t("拒收"), _t("其中作废")]
        )
        self.rejected = _table([_t("所属记录"), _t("类别"), _t("编号"), _t("原因")])
        self.rejected_title = QLabel(_t("拒收记录及原因"))
        lay.addWidget(self.head)
        lay.addWidget(self.message)
        lay.addWidget(self.tables, 2)
        lay.addWidget(self.rejected_title)
        lay.addWidget(self.rejected, 1)

    def show_summary(self, summary: dict[str, Any], status: str, message: str) -> None:
        sender = summary.get("sender") or {}
        kind = _t("回执") if summary.get("kind") == "ack" else _t("同步包")
        status_label = {
            "imported": _t("已导入"),
            "duplicate": _t("已导入过（本次未改动）"),
            "rejected": _t("已拒绝"),
            "dry_run": _t("预检（未写入）"),
        }.get(status, status)
        lines = [
            f"<b>{kind}</b>　{_t('发送单位')}：{sender.get('name', '—')}（{sender.get('code', '')}）　"
            f"{_t('结果')}：<b>{status_label}</b>"
        ]
        if summary.get("imported_at"):
            lines.append(
                f"{_t('导入时间')}：{_when(_parse(summary['imported_at']))}　"
                f"{_t('生成时间')}：{_when(_parse(str(summary.get('created_at', ''))))}　"
                f"{_t('操作员')}：{summary.get('operator', '')}"
            )
        self.head.setText("<br>".join(lines))
        notes = [message] + [str(n) for n in summary.get("notices") or []]
        peer = summary.get("peer_summary") or {}
        if peer:
            pt = peer.get("totals") or {}
            notes.append(
                _t("上级回执：新增 {0} 条，更新 {1} 条，未变 {2} 条，拒收 {3} 条").format(
                    pt.get("new", 0),
                    pt.get("updated", 0),
                    pt.get("unchanged", 0),
                    pt.get("rejected", 0),
                )
            )
        self.message.setText("\n".join(n for n in notes if n))
        self.message.setObjectName("errorSummary" if status == "rejected" else "bannerInfo")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        rows = [
            [
                str(t.get("label", "")),
                *(
                    str(t.get(k, 0))
                    for k in ("received", "new", "updated", "unchanged", "rejected", "deleted")
                ),
            ]
            for t in (summary.get("tables") or {}).values()
        ]
        totals = summary.get("totals") or {}
        if rows:
            rows.append(
                [
                    _t("合计"),
                    *(
                        str(totals.get(k, 0))
                        for k in ("received", "new", "updated", "unchanged", "rejected", "deleted")
                    ),
                ]
            )
        _fill(self.tables, rows)
        rejected = list(summary.get("rejected") or []) + [
            {**r, "label": f"{_t('上级拒收')}·{r.get('label', '')}"}
            for r in peer.get("rejected") or []
        ]
        _fill(
            self.rejected,
            [
                [
                    str(r.get("record", "") or ""),
                    str(r.get("label", "")),
                    str(r.get("ref", "")),
                    str(r.get("reason", "")),
                ]
                for r in rejected
            ],
            ["alert"] * len(rejected),
        )
        self.rejected.setVisible(bool(rejected))
        self.rejected_title.setVisible(bool(rejected))
        self.rejected_title.setText(
            _t("⚠ 有 {0} 条记录被拒收，未进入台账（原因如下，可打印或导出清单）").format(
                len(rejected)
            )
        )
        if rejected and status != "rejected":  # a partial import must not look like success
            self.message.setObjectName("errorSummary")
            self.message.style().unpolish(self.message)
            self.message.style().polish(self.message)


def _parse(text: str) -> datetime | None:
    from app.models.base import parse_utc

    try:
        return parse_utc(text) if text else None
    except ValueError:
        return None


def print_summary(parent: QWidget, env: UiEnv, summary: dict[str, Any]) -> None:
    """Render the 导入情况表 in a worker and open the print preview."""
    from app.print.sync_summary import import_summary_pdf

    from ..print_preview import PrintPreviewDialog, safe_file_name

    def render(ctx: Ctx) -> bytes:
        return import_summary_pdf(summary, station_name=ctx.station.name)

    def show(pdf: bytes) -> None:
        sender = (summary.get("sender") or {}).get("name", "")
        title = _t("同步包导入情况表")
        dlg = PrintPreviewDialog(pdf, title, parent, file_name=safe_file_name(f"{title}_{sender}"))
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.open()

    Op(parent, env, render).progress(_t("正在生成导入情况表…")).success(show).run()


def export_refused(parent: QWidget, summary: dict[str, Any]) -> Path | None:
    """Save the refused-records list (case code, table, reason) as CSV where the clerk chooses."""
    from app.sync.refusals import write_refused_csv

    sender = (summary.get("sender") or {}).get("name", "")
    start = str(Path(default_folder()) / f"拒收清单_{sender}.csv")
    name, _ = QFileDialog.getSaveFileName(parent, _t("导出拒收清单"), start, _t("CSV 表格 (*.csv)"))
    if not name:
        return None
    path = Path(name)
    try:
        n = write_refused_csv(summary, path)
    except OSError as exc:
        QMessageBox.warning(
            parent, _t("导出失败"), _t("无法写入 {0}（{1}），请换一个位置").format(path, exc)
        )
        return None
    QMessageBox.information(
        parent, _t("已导出"), _t("拒收清单已导出：{0}（{1} 条）").format(path, n)
    )
    return path


def _has_refused(summary: dict[str, Any]) -> bool:
    peer = summary.get("peer_summary") or {}
    return bool(summary.get("rejected") or peer.get("rejected"))


class ImportResultsDialog(QDialog):
    """The files just imported (left) and the summary of the one selected (right)."""

    def __init__(
        self, env: UiEnv, results: list[ImportResult], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.env = env
        self.results = results
        self.setWindowTitle(_t("导入结果"))
        self.resize(980, 620)
        lay = QVBoxLayout(self)
        split = QSplitter()
        self.files = QListWidget()
        for r in results:
            mark = {"imported": "✓", "duplicate": "＝", "dry_run": "…", "rejected": "✗"}[r.status]
            item = QListWidgetItem(f"{mark} {r.path.name}")
            if r.status == "rejected":
                item.setForeground(QBrush(QColor("#c0392b")))
            tip = f"{r.path}\n{r.message}"
            if r.ack_path:
                tip += "\n" + _t("回执已写入：{0}").format(r.ack_path)
            item.setToolTip(tip)
            self.files.addItem(item)
        self.files.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.files.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view = SummaryView()
        split.addWidget(self.files)
        split.addWidget(self.view)
        split.setSizes([330, 650])
        lay.addWidget(split, 1)
        self.ack_note = QLabel()
        self.ack_note.setObjectName("bannerInfo")
        self.ack_note.setWordWrap(True)
        acks = [str(r.ack_path) for r in results if r.ack_path]
        self.ack_note.setText(_t("回执已写入（请把回执交给对方导入）：\n") + "\n".join(acks))
        self.ack_note.setVisible(bool(acks))
        lay.addWidget(self.ack_note)
        buttons = QDialogButtonBox()
        self.print_button = buttons.addButton(
            _t("打印情况表…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.print_button.clicked.connect(self._print)
        self.refused_button = buttons.addButton(
            _t("导出拒收清单…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.refused_button.clicked.connect(self._export_refused)
        buttons.addButton(QDialogButtonBox.StandardButton.Close).setText(_t("关闭"))
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.files.currentRowChanged.connect(self._select)
        self.files.setCurrentRow(0)

    def _select(self, row: int) -> None:
        if 0 <= row < len(self.results):
            r = self.results[row]
            self.view.show_summary(r.summary, r.status, r.message)
            self.print_button.setEnabled(
                r.status != "rejected" and bool(r.summary.get("tables") is not None)
            )
            self.refused_button.setEnabled(r.status == "imported" and _has_refused(r.summary))

    def _export_refused(self) -> None:
        row = self.files.currentRow()
        if 0 <= row < len(self.results):
            export_refused(self, self.results[row].summary)

    def _print(self) -> None:
        row = self.files.currentRow()
        if 0 <= row < len(self.results):
            r = self.results[row]
            print_summary(self, self.env, {**r.summary, "status": r.status, "message": r.message})


class LogSummaryDialog(QDialog):
    def __init__(self, env: UiEnv, log_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env = env
        self.summary = log_summary(env.db, log_id)
        self.setWindowTitle(_t("同步记录详情"))
        self.resize(900, 560)
        lay = QVBoxLayout(self)
        view = SummaryView()
        view.show_summary(
            self.summary, str(self.summary.get("status", "")), str(self.summary.get("message", ""))
        )
        lay.addWidget(view, 1)
        buttons = QDialogButtonBox()
        pb = buttons.addButton(_t("打印情况表…"), QDialogButtonBox.ButtonRole.ActionRole)
        pb.setEnabled(
            self.summary.get("direction") == "import" and self.summary.get("status") == "imported"
        )
        pb.clicked.connect(lambda: print_summary(self, self.env, self.summary))
        rb = buttons.addButton(_t("导出拒收清单…"), QDialogButtonBox.ButtonRole.ActionRole)
        rb.setEnabled(_has_refused(self.summary))
        rb.clicked.connect(lambda: export_refused(self, self.summary))
        buttons.addButton(QDialogButtonBox.StandardButton.Close).setText(_t("关闭"))
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)


# --- the page ----------------------------------------------------------------------------------


@dataclass
class _Loaded:
    status: SyncStatus
    history: list[HistoryRow]
    level: str


class SyncPage(QWidget):
    PAGE_KEY = "sync"
    PAGE_TITLE = "同步"

    def __init__(self, env: UiEnv, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env = env
        self.loaded: _Loaded | None = None
        install_passphrase_prompt()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 14, 18, 14)
        outer.setSpacing(10)
        self.refresh_button = QPushButton(_t("刷新"))
        self.refresh_button.clicked.connect(self.refresh)
        with env.ctx() as ctx:
            self.level = ctx.station.level
        exchange = {
            "village": _t("用U盘在本站与上级之间交换同步包：导出同步包交给上级，导入上级的回执；"),
            "township": _t(
                "用U盘与各村（社区）和县级交换同步包：导入各村的同步包并把回执交回，"
                "导出同步包交给县级；"
            ),
        }.get(self.level, _t("用U盘与下级工作站交换同步包：导入同步包并把回执交回；"))
        outer.addWidget(
            page_header(
                _t("同步"),
                exchange + _t("同步包经过签名和加密，只有配对的工作站能读取。"),
                [self.refresh_button],
            )
        )
        self.warning = QLabel()
        self.warning.setObjectName("banner")
        self.warning.setWordWrap(True)
        self.warning.hide()
        outer.addWidget(self.warning)
        self.error = QLabel()
        self.error.setObjectName("errorSummary")
        self.error.setWordWrap(True)
        self.error.hide()
        outer.addWidget(self.error)

        top = QHBoxLayout()
        top.setSpacing(12)
        # this station's card
        card = QGroupBox(_t("本站工作站卡片"))
        cl = QGridLayout(card)
        self.station_label = QLabel("—")
        self.fingerprint = QLabel("—")
        fp_font = QFont(self.fingerprint.font())
        fp_font.setPointSize(fp_font.pointSize() + 5)
        fp_font.setBold(True)
        self.fingerprint.setFont(fp_font)
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.keystore_label = QLabel()
        self.keystore_label.setObjectName("muted")
        self.keystore_label.setWordWrap(True)
        cl.addWidget(QLabel(_t("本站")), 0, 0)
        cl.addWidget(self.station_label, 0, 1)
        cl.addWidget(QLabel(_t("指纹")), 1, 0)
        cl.addWidget(self.fingerprint, 1, 1)
        cl.addWidget(self.keystore_label, 2, 0, 1, 2)
        row = QHBoxLayout()
        self.card_export_button = QPushButton(_t("导出本站卡片…"))
        self.card_import_button = QPushButton(_t("导入对方卡片（配对）…"))
        self.keys_button = QPushButton(_t("创建同步密钥"))
        for b in (self.card_export_button, self.card_import_button, self.keys_button):
            row.addWidget(b)
        row.addStretch(1)
        cl.addLayout(row, 3, 0, 1, 2)
        cl.setColumnStretch(1, 1)
        self.card_export_button.clicked.connect(self.export_card)
        self.card_import_button.clicked.connect(self.import_card)
        self.keys_button.clicked.connect(self.create_or_renew_keys)
        top.addWidget(card, 3)

        # bundles
        box = QGroupBox(_t("同步包"))
        bl = QVBoxLayout(box)
        self.pending = QLabel("—")
        pf = QFont(self.pending.font())
        pf.setPointSize(pf.pointSize() + 3)
        pf.setBold(True)
        self.pending.setFont(pf)
        self.last = QLabel("—")
        self.last.setObjectName("muted")
        self.last.setWordWrap(True)
        bl.addWidget(self.pending)
        bl.addWidget(self.last)
        g = QGridLayout()
        self.export_button = QPushButton(_t("导出同步包…"))
        self.import_button = QPushButton(_t("导入同步包…"))
        self.ack_import_button = QPushButton(_t("导入回执…"))
        self.ack_issue_button = QPushButton(_t("重新生成回执…"))
        self.export_button.setToolTip(
            _t("把自上次回执以来的全部变更写到U盘，交给{0}导入").format(
                _t("县级综治中心") if self.level == "township" else _t("上级")
            )
        )
        self.import_button.setToolTip(
            _t("导入下级（或上级下发）的同步包，可一次选择多个；导入后自动生成回执")
        )
        self.ack_import_button.setToolTip(_t("导入上级导入本站同步包后生成的回执，确认已送达"))
        g.addWidget(self.export_button, 0, 0)
        g.addWidget(self.import_button, 0, 1)
        g.addWidget(self.ack_import_button, 1, 0)
        g.addWidget(self.ack_issue_button, 1, 1)
        bl.addLayout(g)
        self.export_button.clicked.connect(self.export_bundle)
        self.import_button.clicked.connect(lambda: self.import_bundles(None))
        self.ack_import_button.clicked.connect(lambda: self.import_bundles("ack"))
        self.ack_issue_button.clicked.connect(self.issue_ack)
        top.addWidget(box, 2)
        outer.addLayout(top)

        peers_box = QGroupBox(_t("已配对的工作站"))
        pl = QVBoxLayout(peers_box)
        self.peers = _table(
            [
                _t("关系"),
                _t("名称"),
                _t("区划代码"),
                _t("指纹"),
                _t("待对方确认"),
                _t("已收案件"),
                _t("最近导入"),
                _t("最近导出"),
            ]
        )
        self.peers.doubleClicked.connect(self.view_station)
        pr = QHBoxLayout()
        self.view_station_button = QPushButton(_t("查看该站台账"))
        self.view_station_button.setToolTip(_t("在矛盾纠纷台账中只看所选工作站的记录（只读）"))
        self.view_station_button.clicked.connect(self.view_station)
        self.unpair_button = QPushButton(_t("解除配对…"))
        self.unpair_button.clicked.connect(self.unpair)
        pr.addStretch(1)
        pr.addWidget(self.view_station_button)
        pr.addWidget(self.unpair_button)
        pl.addWidget(self.peers)
        pl.addLayout(pr)
        outer.addWidget(peers_box, 2)

        hist_box = QGroupBox(_t("同步记录"))
        hl = QVBoxLayout(hist_box)
        self.history = _table(
            [_t("时间"), _t("方向"), _t("类型"), _t("对方"), _t("结果"), _t("记录数"), _t("说明")]
        )
        self.history.doubleClicked.connect(self.show_log)
        hr = QHBoxLayout()
        self.detail_button = QPushButton(_t("查看详情"))
        self.detail_button.clicked.connect(self.show_log)
        self.print_button = QPushButton(_t("打印情况表…"))
        self.print_button.clicked.connect(self.print_log)
        hr.addStretch(1)
        hr.addWidget(self.detail_button)
        hr.addWidget(self.print_button)
        hl.addWidget(self.history)
        hl.addLayout(hr)
        outer.addWidget(hist_box, 3)

    # --- loading --------------------------------------------------------------------------
    def refresh(self) -> None:
        def load(ctx: Ctx) -> _Loaded:
            return _Loaded(sync_status(ctx.db), history(ctx.db, limit=200), ctx.station.level)

        Op(self, self.env, load).success(self._show).run()

    def _show(self, data: _Loaded) -> None:
        self.loaded = data
        st = data.status
        with self.env.ctx() as ctx:
            self.station_label.setText(f"{ctx.station.name}（{ctx.station.code}）")
        if st.keys is None:
            self.fingerprint.setText(_t("（尚未创建同步密钥）"))
            self.keystore_label.setText(_t("同步密钥用于签名和加密同步包，请先创建。"))
            self.keys_button.setText(_t("创建同步密钥"))
        else:
            self.fingerprint.setText(st.keys.fingerprint)
            where = _t("系统密钥库") if st.keys.store == "keyring" else _t("口令保护的密钥文件")
            self.keystore_label.setText(
                _t("私钥保存在：{0}。配对时请把指纹读给对方核对。").format(where)
            )
            self.keys_button.setText(_t("重新生成密钥…"))
        self.warning.setText(st.keystore_warning)
        self.warning.setVisible(bool(st.keystore_warning))
        if st.last_error is not None:
            self.error.setText(
                _t("最近一次导入被拒绝（{0}，{1}）：{2}").format(
                    _when(st.last_error.at), st.last_error.file_name or "—", st.last_error.message
                )
            )
        self.error.setVisible(st.last_error is not None)
        below = sum(1 for p in st.peers if p.relation == "child")
        self.pending.setText(
            station_sync_label(st.station_level, st.has_parent, below, st.pending_label)
        )
        self.last.setText(
            _t("上次导出：{0}　上次导入：{1}").format(
                _when(st.last_export.at if st.last_export else None),
                _when(st.last_import.at if st.last_import else None),
            )
        )
        has_keys = st.keys is not None
        for b in (
            self.card_export_button,
            self.card_import_button,
            self.import_button,
            self.ack_import_button,
        ):
            b.setEnabled(has_keys)
        self.export_button.setEnabled(has_keys and bool(st.peers))
        children = [p for p in st.peers if p.relation == "child"]
        self.ack_issue_button.setVisible(bool(children))
        self.ack_import_button.setVisible(
            any(p.relation == "parent" for p in st.peers) or not children
        )
        self.view_station_button.setVisible(bool(children))
        _fill(
            self.peers,
            [
                [
                    p.relation_label,
                    p.name,
                    p.code,
                    p.fingerprint,
                    str(p.pending),
                    str(p.held) if p.relation == "child" else "—",
                    _when(p.last_import_at),
                    _when(p.last_export_at),
                ]
                for p in st.peers
            ],
        )
        tones = ["alert" if h.status == "rejected" else "" for h in data.history]
        _fill(
            self.history,
            [
                [
                    _when(h.at),
                    h.direction_label,
                    h.kind_label,
                    f"{h.peer_name}" if h.peer_code else "—",
                    h.status_label,
                    str(h.record_count),
                    h.message or self._totals_text(h.totals),
                ]
                for h in data.history
            ],
            tones,
        )

    @staticmethod
    def _totals_text(t: dict[str, int]) -> str:
        if not t:
            return ""
        return _t("新增 {0}，更新 {1}，未变 {2}，拒收 {3}").format(
            t.get("new", 0), t.get("updated", 0), t.get("unchanged", 0), t.get("rejected", 0)
        )

    def _changed(self) -> None:
        announce(*CHANGED)
        bus().sync_status_changed.emit()
        self.refresh()

    # --- keystore passphrase (file keystore only) -------------------------------------------
    def _unlock(self) -> bool:
        """Open the keystore on the GUI thread (asking for the passphrase if needed), so the
        worker threads find it unlocked."""
        info = key_info(self.env.db)
        if info is None or not needs_passphrase(info.store, self.env.db.path):
            return True
        try:
            load_station_keys(self.env.db)
        except AppError as exc:
            QMessageBox.warning(self, _t("无法打开密钥库"), str(exc))
            return False
        return True

    def _run(
        self,
        title: str,
        fn: Callable[[Ctx, Callable[[int, int, str], None]], Any],
        done: Callable[[Any], None],
    ) -> None:
        if not self._unlock():
            return
        relay = _ProgressRelay(self, title)

        def finished(result: Any) -> None:
            relay.close()
            done(result)

        def failed(exc: AppError) -> None:
            relay.close()
            QMessageBox.warning(self, _t("无法完成"), str(exc))
            self.refresh()

        def job(ctx: Ctx) -> Any:
            try:
                return fn(ctx, relay)
            finally:
                relay.ended.emit()  # also when it crashes: never leave the dialog up

        Op(self, self.env, job).success(finished).failure(failed).run()

    # --- keys and cards ------------------------------------------------------------------------
    def create_or_renew_keys(self) -> None:
        if key_info(self.env.db) is None:
            try:
                info = ensure_station_keys(self.env.db)
            except AppError as exc:
                QMessageBox.warning(self, _t("无法创建同步密钥"), str(exc))
                return
            QMessageBox.information(
                self, _t("同步密钥"), _t("已创建同步密钥，本站指纹：\n{0}").format(info.fingerprint)
            )
            self.refresh()
            return
        with self.env.ctx() as ctx:
            if not ctx.can("sync.pair"):
                QMessageBox.warning(self, _t("无权操作"), _t("只有管理员可以重新生成同步密钥"))
                return
        answer = QMessageBox.question(
            self,
            _t("重新生成密钥"),
            _t(
                "重新生成密钥后，上级和下级都必须重新导入本站的新卡片并核对新指纹，"
                "否则将拒收本站的同步包。\n\n仅在更换电脑、重新安装或密钥可能泄露时使用。确定继续吗？"
            ),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            info = renew_station_keys(self.env.db)
        except AppError as exc:
            QMessageBox.warning(self, _t("无法重新生成密钥"), str(exc))
            return
        QMessageBox.information(
            self,
            _t("同步密钥"),
            _t("新指纹：\n{0}\n请导出新卡片交上级和下级重新配对。").format(info.fingerprint),
        )
        self._changed()

    def export_card(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, _t("选择保存卡片的文件夹（可选U盘）"), default_folder()
        )
        if not folder:
            return
        if not self._unlock():
            return
        try:
            with self.env.ctx() as ctx:
                path, fp = sync_cards.export_card(ctx, Path(folder))
        except (AppError, OSError) as exc:
            QMessageBox.warning(self, _t("无法导出卡片"), str(exc))
            return
        QMessageBox.information(
            self,
            _t("已导出工作站卡片"),
            _t(
                "卡片已保存到：\n{0}\n\n请把卡片交给对方导入，并电话告知对方本站指纹：\n\n{1}"
            ).format(path, fp),
        )

    def import_card(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self,
            _t("选择对方的工作站卡片"),
            default_folder(),
            _t("工作站卡片 (*.zzc);;所有文件 (*)"),
        )
        if not name:
            return
        try:
            card = sync_cards.read_card(Path(name))
            with self.env.ctx() as ctx:
                relation = sync_cards.relation_to(ctx, card)
        except AppError as exc:
            QMessageBox.warning(self, _t("无法配对"), str(exc))
            return
        rel = _t("上级") if relation == "parent" else _t("下级")
        box = QMessageBox(self)
        box.setWindowTitle(_t("核对指纹"))
        box.setIcon(QMessageBox.Icon.Question)
        box.setText(
            _t(
                "{0}：{1}（{2}，{3}）\n\n请与对方电话核对指纹，逐组读出：\n\n{4}\n\n与对方读出的完全一致吗？"
            ).format(rel, card.name, card.code, card.level_label, card.fingerprint)
        )
        yes = box.addButton(_t("一致，配对"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(_t("不一致，取消"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is not yes:
            return
        try:
            with self.env.ctx() as ctx:
                result = sync_cards.import_card(ctx, card, expect_fingerprint=card.fingerprint)
        except PairingError as exc:
            if "密钥不同" not in str(exc):
                QMessageBox.warning(self, _t("无法配对"), str(exc))
                return
            again = QMessageBox.question(
                self,
                _t("更换密钥"),
                str(exc) + "\n\n" + _t("已电话核对新指纹，确认更换吗？"),
            )
            if again != QMessageBox.StandardButton.Yes:
                return
            try:
                with self.env.ctx() as ctx:
                    result = sync_cards.import_card(
                        ctx, card, expect_fingerprint=card.fingerprint, replace=True
                    )
            except AppError as exc2:
                QMessageBox.warning(self, _t("无法配对"), str(exc2))
                return
        except AppError as exc:
            QMessageBox.warning(self, _t("无法配对"), str(exc))
            return
        QMessageBox.information(self, _t("配对"), result.message)
        self._changed()

    def unpair(self) -> None:
        row = self.peers.currentRow()
        if self.loaded is None or not 0 <= row < len(self.loaded.status.peers):
            QMessageBox.information(self, _t("解除配对"), _t("请先在列表中选择一个工作站"))
            return
        peer = self.loaded.status.peers[row]
        answer = QMessageBox.question(
            self,
            _t("解除配对"),
            _t(
                "解除与 {0}（{1}）的配对后，将不再接受其同步包（已导入的记录仍保留）。确定吗？"
            ).format(peer.name, peer.code),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            with self.env.ctx() as ctx:
                sync_cards.unpair(ctx, peer.code)
        except AppError as exc:
            QMessageBox.warning(self, _t("无法解除配对"), str(exc))
            return
        self._changed()

    def view_station(self) -> None:
        """Show the selected village's disputes in the ledger page (read-only there)."""
        row = self.peers.currentRow()
        if self.loaded is None or not 0 <= row < len(self.loaded.status.peers):
            return
        peer = self.loaded.status.peers[row]
        if peer.relation != "child":
            return
        win: Any = self.window()
        page = win.go("disputes") if hasattr(win, "go") else None
        setter = getattr(page, "set_origin_filter", None)
        if callable(setter):
            setter(peer.code)
            return
        combo = getattr(page, "origin", None)
        if page is not None and combo is not None and hasattr(combo, "set_code"):
            load = getattr(page, "_load_choices", None)
            if callable(load):
                load()
            combo.set_code(peer.code)
            apply = getattr(page, "apply_filters", None)
            if callable(apply):
                apply()

    # --- bundles -------------------------------------------------------------------------------
    def _choose_peer(self, relation: str, title: str) -> str | None:
        peers = [
            p for p in (self.loaded.status.peers if self.loaded else []) if p.relation == relation
        ]
        if not peers:
            return None
        if len(peers) == 1:
            return peers[0].code
        labels = [f"{p.name}（{p.code}）" for p in peers]
        choice, ok = QInputDialog.getItem(self, title, _t("发给哪个工作站："), labels, 0, False)
        if not ok:
            return None
        return peers[labels.index(choice)].code

    def export_bundle(self) -> None:
        if self.loaded is None:
            return
        to: str | None = None
        has_parent = any(p.relation == "parent" for p in self.loaded.status.peers)
        if not has_parent:
            to = self._choose_peer("child", _t("导出下发同步包"))
            if to is None:
                return
        folder = QFileDialog.getExistingDirectory(
            self, _t("选择U盘或保存同步包的文件夹"), default_folder()
        )
        if not folder:
            return

        def work(ctx: Ctx, progress: Callable[[int, int, str], None]) -> ExportResult:
            return export_bundle(ctx, Path(folder), to=to, progress=progress)

        def done(res: ExportResult) -> None:
            notes = "\n".join(res.notices)
            QMessageBox.information(
                self,
                _t("已导出同步包"),
                _t(
                    "已写入：{0}\n发往：{1}（{2}）\n共 {3} 条记录，{4} KB\n\n请把同步包交给对方导入，并带回对方的回执。"
                ).format(
                    res.path,
                    res.recipient_name,
                    res.recipient_code,
                    res.record_count,
                    res.size // 1024 + 1,
                )
                + (f"\n\n{notes}" if notes else ""),
            )
            self._changed()

        self._run(_t("正在导出同步包…"), work, done)

    def import_bundles(self, kind: str | None) -> None:
        filt = (
            _t("回执 (*.zza);;所有文件 (*)")
            if kind == "ack"
            else _t("同步包 (*.zzb *.zza);;所有文件 (*)")
        )
        names, _ = QFileDialog.getOpenFileNames(
            self,
            _t("选择回执") if kind == "ack" else _t("选择同步包（可多选）"),
            default_folder(),
            filt,
        )
        if not names:
            return
        paths = [Path(n) for n in names]

        def work(ctx: Ctx, progress: Callable[[int, int, str], None]) -> list[ImportResult]:
            results = import_files(ctx, paths, expect_kind=kind, progress=progress)
            for r in results:
                if r.kind == "bundle" and r.verified and (r.ok or r.reason in ("gap", "stale")):
                    try:
                        r.ack_path = issue_ack(ctx, r.sender_code, r.path.parent).path
                    except (AppError, OSError):
                        r.ack_path = None
            return results

        def done(results: list[ImportResult]) -> None:
            self._changed()
            ImportResultsDialog(self.env, results, self).exec()

        self._run(_t("正在导入…"), work, done)

    def issue_ack(self) -> None:
        to = self._choose_peer("child", _t("重新生成回执"))
        if to is None:
            return
        folder = QFileDialog.getExistingDirectory(
            self, _t("选择U盘或保存回执的文件夹"), default_folder()
        )
        if not folder:
            return

        def work(ctx: Ctx, progress: Callable[[int, int, str], None]) -> ExportResult:
            return issue_ack(ctx, to, Path(folder), progress=progress)

        def done(res: ExportResult) -> None:
            QMessageBox.information(
                self,
                _t("已生成回执"),
                _t("已写入：{0}\n其中下发记录 {1} 条。请交给 {2} 导入。").format(
                    res.path, res.record_count, res.recipient_name
                ),
            )
            self._changed()

        self._run(_t("正在生成回执…"), work, done)

    # --- history -----------------------------------------------------------------------------
    def _selected_log(self) -> HistoryRow | None:
        row = self.history.currentRow()
        if self.loaded is None or not 0 <= row < len(self.loaded.history):
            return None
        return self.loaded.history[row]

    def show_log(self) -> None:
        h = self._selected_log()
        if h is not None:
            LogSummaryDialog(self.env, h.id, self).exec()

    def print_log(self) -> None:
        h = self._selected_log()
        if h is None:
            QMessageBox.information(self, _t("打印情况表"), _t("请先在同步记录中选择一次导入"))
            return
        if h.direction != "import" or h.status != "imported":
            QMessageBox.information(self, _t("打印情况表"), _t("只有成功导入的记录有导入情况表"))
            return
        print_summary(self, self.env, log_summary(self.env.db, h.id))
