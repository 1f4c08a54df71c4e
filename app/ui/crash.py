"""Unexpected errors: a calm Chinese dialog, a crash report without personal data, no data loss.

Every write to the ledger is one transaction (``Ctx.write``): an error in the middle of a save
rolls the whole save back, so the ledger stays consistent whatever happens here. The dialog
lets the clerk keep working (open forms keep their contents) or quit.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from datetime import datetime
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QThread
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.logs import scrub

from .i18n import tr

log = logging.getLogger(__name__)

_log_dir: Path | None = None
_showing = False
last_report: Path | None = None


def crash_text(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    """The report: where it happened (files, lines, functions) and the error type.

    The error message is kept only after scrubbing ID and phone numbers; local variables are
    never written, so names and case contents do not reach the file."""
    lines = [f"综治工作站 崩溃报告 {datetime.now().isoformat(timespec='seconds')}", ""]
    for frame in traceback.extract_tb(tb):
        lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
    message = scrub(str(exc))[:300]
    lines.append(f"{exc_type.__module__}.{exc_type.__qualname__}: {message}")
    return "\n".join(lines) + "\n"


def write_report(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> Path | None:
    global last_report
    if _log_dir is None:
        return None
    try:
        _log_dir.mkdir(parents=True, exist_ok=True)
        path = _log_dir / f"crash-{datetime.now():%Y%m%d-%H%M%S-%f}.txt"
        path.write_text(crash_text(exc_type, exc, tb), encoding="utf-8")
        last_report = path
        return path
    except OSError:
        return None


def report_exception(
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
    *,
    parent: QWidget | None = None,
) -> None:
    """Log, write the report and (on the GUI thread) show the dialog."""
    global _showing
    log.error("unexpected error: %s", exc_type.__qualname__)
    path = write_report(exc_type, exc, tb)
    app = QApplication.instance()
    if app is None or QThread.currentThread() is not app.thread() or _showing:
        return
    _showing = True
    try:
        box = QMessageBox(parent or QApplication.activeWindow())
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(tr("程序遇到意外错误"))
        box.setText(tr("刚才的操作没有完成，程序遇到了一个意外错误。"))
        where = tr("\n错误报告已保存到：\n{0}").format(path) if path else ""
        box.setInformativeText(
            tr(
                "已保存的台账数据是安全的：每次保存都是完整的一步，未完成的保存已自动撤销，"
                "不会留下半条记录。打开着的表单内容仍然保留，可以核对后重新保存。"
            )
            + where
            + tr("\n\n如果问题反复出现，请把错误报告发给技术支持（报告中不含人员信息）。")
        )
        keep = box.addButton(tr("继续使用"), QMessageBox.ButtonRole.AcceptRole)
        copy = box.addButton(tr("复制错误报告"), QMessageBox.ButtonRole.ActionRole)
        quit_button = box.addButton(tr("退出程序"), QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(keep)
        box.exec()
        clicked = box.clickedButton()
        if clicked is copy:
            QGuiApplication.clipboard().setText(crash_text(exc_type, exc, tb))
        elif clicked is quit_button:
            QApplication.exit(3)
    finally:
        _showing = False


def _hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    report_exception(exc_type, exc, tb)


def _thread_hook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        report_exception(args.exc_type, args.exc_value, args.exc_traceback)


def install(log_dir: Path) -> None:
    """Route every uncaught exception (GUI and worker threads) to the crash handler."""
    global _log_dir
    _log_dir = log_dir
    sys.excepthook = _hook
    threading.excepthook = _thread_hook
