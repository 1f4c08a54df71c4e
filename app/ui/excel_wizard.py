"""The Excel import wizard and the export dialog (issues 9, 14).

Import: choose file + ledger → sheets (every sheet with its data rows, those like the ledger
ticked, month sheets in month order) and the detected header row (preview) → header groups
(申请人/被申请人 … as recognised; skipped when there are none) → editable column mapping
(remembered per header layout) → dry run = preview with value review (:class:`ValueReview`:
spellings of coded columns, remembered per station) and a per-sheet summary; the report can be
saved as Excel → import with progress on a worker thread (cancellable: nothing is written
unless it completes) → report. The window fits the screen's available area (1366×768). Every decision is made by the services in
:mod:`app.services.excel_import`; the widgets only show and collect choices.

Other windows open these with :func:`open_excel_import_wizard` and :func:`export_ledger_dialog`.
"""

from __future__ import annotations

import ctypes
import sys
import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.rules.errors import AppError
from app.rules.legacy import column_letter
from app.services import excel_export as ex
from app.services import excel_import as ei
from app.services import excel_values as ev

from .env import UiEnv
from .widgets import DateEdit
from .workers import Op

_V = TypeVar("_V")
HEADER_BG = QColor("#d9e1f2")
PROBLEM_BG = QColor("#fdecea")
MUTED_FG = QColor("#7b8794")
CONTEXT = "ExcelWizard"


def _pinned(value: _V) -> _V:
    """Add one lasting reference to what a page's override of a Qt virtual (isComplete,
    validatePage, nextId) hands back to Qt. PySide6 6.12 releases that value once too often on
    each call from C++; on Python 3.11, where True, False and small ints are not immortal, a
    long session (or test run) drives their count below zero and the interpreter aborts at
    exit (“bool_dealloc”). The reference is never released, so it cannot come back at exit;
    calls from Python merely keep an immortal-in-practice object alive."""
    if sys.version_info < (3, 12):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(value))
    return value


def _t(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def _item(text: Any, *, editable: bool = False) -> QTableWidgetItem:
    it = QTableWidgetItem("" if text is None else str(text))
    if not editable:
        it.setFlags(it.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return it


def _table(headers: Sequence[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(list(headers))
    t.verticalHeader().setVisible(False)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setAlternatingRowColors(True)
    t.setWordWrap(False)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _fill(table: QTableWidget, rows: Sequence[Sequence[Any]]) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, v in enumerate(values):
            table.setItem(r, c, _item(v))
    table.resizeColumnsToContents()
    for c in range(table.columnCount()):
        table.setColumnWidth(c, min(table.columnWidth(c), 360))


def _error_label() -> QLabel:
    lab = QLabel()
    lab.setObjectName("errorSummary")
    lab.setWordWrap(True)
    lab.setStyleSheet("color: #c0392b;")
    lab.hide()
    return lab


def _show_error(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


class ImportState:
    """What the pages share: the chosen file, its sheets, the inspection and the reports."""

    def __init__(self, env: UiEnv, ledger: str | None) -> None:
        self.env = env
        self.ledger = ledger or "disputes"
        self.path: Path | None = None
        self.book: ei.SourceBook | None = None
        self.inspection: ei.SheetInspection | None = None
        self.mapping: dict[int, str] = {}
        self.fields: list[tuple[str, str, bool]] = []  # (key, label, required)
        self.dry_run: ei.ImportReport | None = None  # the previewed sheet's report
        self.result: ei.ImportReport | None = None
        # the clerk's confirmed source values (field → {value: code}): used by the dry run and
        # the import; remembered for the station only by the real import
        self.confirmed: dict[str, dict[str, str]] = {}
        self.dry_book: ei.WorkbookReport | None = None  # every chosen sheet
        self.result_book: ei.WorkbookReport | None = None
        self.choices: list[ei.SheetChoice] = []  # the workbook's sheets, in import order
        self.sheets: list[str] = []  # the sheets chosen for import
        self.header_row: int | None = None  # set when the clerk names the header row

    def scan_sheets(self) -> None:
        """List the workbook's sheets (month sheets by month) and choose those like the ledger."""
        assert self.book is not None
        with self.env.ctx() as ctx:
            self.choices = ei.sheet_choices(ctx, self.book, self.ledger)
        fits = [c.name for c in self.choices if not c.why]
        shown = self.inspection.sheet if self.inspection is not None else ""
        self.sheets = fits or ([shown] if shown else [])
        if fits and shown not in fits:
            self.inspect(sheet=fits[0])  # preview the first sheet that will be imported

    def job(self, *, dry_run: bool, progress: Any = None) -> Any:
        """The import (or dry run) of the chosen sheets, as a function for a worker thread:
        one sheet with the columns confirmed here, or the whole set in one run."""
        path, ledger, ins, book = self.path, self.ledger, self.inspection, self.book
        mapping, sheets, header_row = dict(self.mapping), list(self.sheets), self.header_row
        confirmed = {f: dict(m) for f, m in self.confirmed.items()}
        assert path is not None and ins is not None

        def run(ctx: Any) -> ei.WorkbookReport:
            if len(sheets) > 1:
                return ei.run_workbook_import(
                    ctx,
                    path,
                    ledger,
                    sheets=sheets,
                    dry_run=dry_run,
                    progress=progress,
                    book=book,
                    confirmed=confirmed,
                )
            rep = ei.run_import(
                ctx,
                path,
                ledger,
                sheet=sheets[0] if sheets else ins.sheet,
                header_row=header_row,
                mapping=mapping,
                dry_run=dry_run,
                progress=progress,
                book=book,
                confirmed=confirmed,
            )
            return ei.WorkbookReport(
                rep.file, rep.ledger, rep.ledger_title, dry_run, [ei.SheetSummary(rep.sheet, rep)]
            )

        return run

    def main_report(self, book: ei.WorkbookReport) -> ei.ImportReport | None:
        """The report of the previewed sheet (else the first imported one)."""
        shown = self.inspection.sheet if self.inspection is not None else ""
        reports = book.reports
        return next((r for r in reports if r.sheet == shown), reports[0] if reports else None)

    def inspect(
        self, *, sheet: str | None = None, header_row: int | None = None
    ) -> ei.SheetInspection:
        assert self.book is not None
        self.header_row = header_row  # None: as detected (two-row headers, groups)
        with self.env.ctx() as ctx:
            ins = ei.inspect_source(ctx, self.book, self.ledger, sheet=sheet, header_row=header_row)
            imp = ei.importer_for(ctx, self.ledger)
            self.fields = [(f.key, f.label, f.required) for f in imp.fields]
            plain = {f.key for f in imp.fields}
            # the party groups' columns (申请人·姓名 …) can be chosen like any field
            self.fields += [(k, lab, False) for k, lab in ins.labels.items() if k not in plain]
        self.inspection = ins
        self.mapping = ins.mapping()
        return ins


# --- page 1: file and ledger ---------------------------------------------------------------


class FilePage(QWizardPage):
    def __init__(self, state: ImportState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setTitle(self.tr("选择文件和台账"))
        self.setSubTitle(
            self.tr(
                "选择要导入的 Excel 工作簿（.xlsx，WPS 表格另存的也可以）或 CSV 文件，"
                "以及要导入到哪本台账。下一步会自动识别表头和各列。"
            )
        )
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(self.tr("点击“浏览…”选择文件"))
        self.path_edit.textChanged.connect(self.completeChanged)
        browse = QPushButton(self.tr("浏览…"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        self.ledger_combo = QComboBox()
        with state.env.ctx() as ctx:
            for key, title in ei.ledger_choices(ctx):
                self.ledger_combo.addItem(title, key)
        idx = self.ledger_combo.findData(state.ledger)
        self.ledger_combo.setCurrentIndex(max(idx, 0))
        form = QFormLayout()
        form.addRow(self.tr("文件"), row)
        form.addRow(self.tr("导入到"), self.ledger_combo)
        hint = QLabel(
            self.tr(
                "说明：合计行、空行会自动跳过；身份证号被存成数字（末几位变成0）、校验位错误、"
                "日期不存在的行不会导入，而是列入校验报告，修改原表后可再次导入——"
                "已导入的行不会重复。"
            )
        )
        hint.setWordWrap(True)
        hint.setObjectName("muted")
        self.error = _error_label()
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(hint)
        lay.addWidget(self.error)
        lay.addStretch(1)

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("选择台账文件"),
            str(Path(self.path_edit.text()).parent) if self.path_edit.text() else "",
            self.tr("Excel 工作簿 (*.xlsx *.xlsm);;CSV 文件 (*.csv);;所有文件 (*)"),
        )
        if name:
            self.path_edit.setText(name)

    def set_path(self, path: str | Path) -> None:
        self.path_edit.setText(str(path))

    def isComplete(self) -> bool:
        return _pinned(bool(self.path_edit.text().strip()))

    def validatePage(self) -> bool:
        _show_error(self.error, "")
        self.state.ledger = str(self.ledger_combo.currentData())
        path = Path(self.path_edit.text().strip())
        try:
            self.state.book = ei.read_source(path)
            self.state.path = path
            self.state.inspect()
            self.state.scan_sheets()
        except AppError as exc:
            _show_error(self.error, str(exc))
            return _pinned(False)
        return _pinned(True)


# --- page 2: sheet and header row ----------------------------------------------------------


class SheetPage(QWizardPage):
    def __init__(self, state: ImportState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._loading = False
        self.setTitle(self.tr("工作表和表头"))
        self.setSubTitle(
            self.tr(
                "已自动选择最匹配的工作表并找到表头行（蓝色）。如识别有误，请改选工作表或表头所在行。"
            )
        )
        # every sheet, month sheets in month order: checked ones are imported in one run
        self.sheets_table = _table(
            [self.tr("导入"), self.tr("工作表"), self.tr("数据行"), self.tr("说明")]
        )
        self.sheets_table.setMaximumHeight(132)
        self.sheets_table.itemChanged.connect(self._checked)
        self.sheets_info = QLabel()
        self.sheets_info.setObjectName("muted")
        self.sheet_combo = QComboBox()
        self.sheet_combo.currentIndexChanged.connect(self._sheet_changed)
        self.header_spin = QSpinBox()
        self.header_spin.setMinimum(1)
        self.header_spin.valueChanged.connect(self._header_changed)
        self.info = QLabel()
        self.info.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("预览工作表")))
        top.addWidget(self.sheet_combo, 1)
        top.addSpacing(16)
        top.addWidget(QLabel(self.tr("表头在第")))
        top.addWidget(self.header_spin)
        top.addWidget(QLabel(self.tr("行")))
        self.preview = QTableWidget()
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setWordWrap(False)
        self.error = _error_label()
        lay = QVBoxLayout(self)
        lay.addWidget(self.sheets_table)
        lay.addWidget(self.sheets_info)
        lay.addLayout(top)
        lay.addWidget(self.info)
        lay.addWidget(self.preview, 1)
        lay.addWidget(self.error)

    def initializePage(self) -> None:
        ins = self.state.inspection
        assert ins is not None and self.state.book is not None
        self._loading = True
        self.sheet_combo.clear()
        for name in ins.sheets:
            self.sheet_combo.addItem(name, name)
        self.sheet_combo.setCurrentIndex(max(self.sheet_combo.findData(ins.sheet), 0))
        self.sheets_table.setRowCount(len(self.state.choices))
        for r, choice in enumerate(self.state.choices):
            box = _item("")
            box.setFlags(box.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            box.setData(Qt.ItemDataRole.UserRole, choice.name)
            checked = choice.name in self.state.sheets
            box.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.sheets_table.setItem(r, 0, box)
            self.sheets_table.setItem(r, 1, _item(choice.name))
            self.sheets_table.setItem(r, 2, _item(choice.rows))
            self.sheets_table.setItem(r, 3, _item(choice.why or self.tr("像本台账，将一并导入")))
        self.sheets_table.resizeColumnsToContents()
        self._loading = False
        self._show_chosen()
        self._show()

    def check_sheet(self, name: str, on: bool) -> None:
        """Tick or untick a sheet for import (as the clerk would in the list)."""
        for r in range(self.sheets_table.rowCount()):
            it = self.sheets_table.item(r, 0)
            if it is not None and it.data(Qt.ItemDataRole.UserRole) == name:
                it.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _checked(self) -> None:
        if self._loading:
            return
        chosen = []
        for r in range(self.sheets_table.rowCount()):
            it = self.sheets_table.item(r, 0)
            if it is not None and it.checkState() == Qt.CheckState.Checked:
                chosen.append(str(it.data(Qt.ItemDataRole.UserRole)))
        self.state.sheets = chosen
        self._show_chosen()
        self.completeChanged.emit()

    def _show_chosen(self) -> None:
        n = len(self.state.sheets)
        if n > 1:
            text = self.tr(
                "将按顺序导入勾选的 {n} 个工作表（月份表按月份先后）；后面月份记载了新结果的案件会更新原记录。"
            ).replace("{n}", str(n))
        elif n == 1:
            text = self.tr("将导入工作表“{s}”。").replace("{s}", self.state.sheets[0])
        else:
            text = self.tr("请至少勾选一个工作表。")
        self.sheets_info.setText(text)

    def _sheet_changed(self) -> None:
        if self._loading:
            return
        self._reinspect(sheet=str(self.sheet_combo.currentData()))

    def _header_changed(self, value: int) -> None:
        if self._loading:
            return
        ins = self.state.inspection
        if ins is not None and value != ins.header_row:
            self._reinspect(sheet=ins.sheet, header_row=value)

    def _reinspect(self, *, sheet: str, header_row: int | None = None) -> None:
        try:
            self.state.inspect(sheet=sheet, header_row=header_row)
            _show_error(self.error, "")
        except AppError as exc:
            _show_error(self.error, str(exc))
        self._show()

    def _show(self) -> None:
        ins = self.state.inspection
        book = self.state.book
        assert ins is not None and book is not None
        rows = book.sheet(ins.sheet).rows
        self._loading = True
        self.header_spin.setMaximum(max(len(rows), 1))
        self.header_spin.setValue(max(ins.header_row, 1))
        self._loading = False
        if ins.header_row:
            mapped = len(ins.mapping())
            self.info.setText(
                self.tr(
                    "表头在第 {row} 行，识别出 {n} 列；数据从第 {start} 行开始，共 {total} 行。"
                )
                .replace("{row}", str(ins.header_row))
                .replace("{n}", str(mapped))
                .replace("{start}", str(ins.data_start))
                .replace("{total}", str(max(len(rows) - ins.data_start + 1, 0)))
            )
        else:
            self.info.setText(self.tr("没有自动找到表头，请在上方指定表头所在的行。"))
        show = min(len(rows), max(ins.header_row, 1) + 14)
        width = max((len(r) for r in rows[:show]), default=0)
        self.preview.clear()
        self.preview.setRowCount(show)
        self.preview.setColumnCount(width)
        self.preview.setHorizontalHeaderLabels([column_letter(i) for i in range(width)])
        self.preview.setVerticalHeaderLabels([str(i + 1) for i in range(show)])
        for r in range(show):
            for c in range(width):
                v = rows[r][c] if c < len(rows[r]) else None
                it = _item(ei.cell_text(v).replace("\n", " "))
                if r + 1 == ins.header_row:
                    it.setBackground(QBrush(HEADER_BG))
                    f = it.font()
                    f.setBold(True)
                    it.setFont(f)
                elif r + 1 < ins.header_row:
                    it.setForeground(QBrush(MUTED_FG))
                self.preview.setItem(r, c, it)
        self.preview.resizeColumnsToContents()
        for c in range(width):
            self.preview.setColumnWidth(c, min(self.preview.columnWidth(c), 220))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        ins = self.state.inspection
        return _pinned(ins is not None and ins.header_row > 0 and bool(self.state.sheets))

    def nextId(self) -> int:
        nxt = super().nextId()
        ins = self.state.inspection
        wiz = self.wizard()
        if ins is not None and not ins.groups and isinstance(wiz, ExcelImportWizard):
            return _pinned(wiz.pageIds()[wiz.pageIds().index(nxt) + 1])  # no groups: skip step
        return _pinned(nxt)


# --- page 3: header groups (申请人 / 被申请人 … as recognised) ---------------------------------


class GroupsPage(QWizardPage):
    COLS = ("分组", "作为", "姓名", "身份证号码", "联系电话", "住址", "其他列")

    def __init__(self, state: ImportState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setTitle(self.tr("表头分组"))
        self.setSubTitle(
            self.tr(
                "表头中合并的分组（如申请人、被申请人）已识别为不同的当事人，各自的姓名、身份证号码、"
                "联系电话、住址分别导入。请核对每一组的角色和列。"
            )
        )
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.table = _table([self.tr(c) for c in self.COLS])
        lay = QVBoxLayout(self)
        lay.addWidget(self.heading)
        lay.addWidget(self.table, 1)

    def initializePage(self) -> None:
        ins = self.state.inspection
        assert ins is not None
        lines = []
        if ins.title:
            lines.append(self.tr("表名：") + ins.title)
        if ins.meta:
            lines.append("；".join(f"{k}：{v}" for k, v in ins.meta.items()))
        rows = f"{ins.header_top}–{ins.header_row}" if ins.header_top < ins.header_row else ""
        lines.append(
            self.tr("表头在第 {rows} 行，共识别出 {n} 个当事人分组。")
            .replace("{rows}", rows or str(ins.header_row))
            .replace("{n}", str(len(ins.groups)))
        )
        self.heading.setText("\n".join(lines))
        role_labels = {
            "applicant": self.tr("申请人"),
            "respondent": self.tr("被申请人"),
            "party": self.tr("当事人"),
            "petitioner": self.tr("信访人"),
        }
        headers = {c.index: c.header for c in ins.columns}
        table = []
        for g in ins.groups:

            def col(child: str, g: Any = g) -> str:
                i = g.columns.get(child)
                return f"{column_letter(i)}列" if i is not None else self.tr("（无）")

            others = "、".join(
                f"{column_letter(i)}“{headers.get(i, '')}”"
                for child, i in sorted(g.columns.items(), key=lambda kv: kv[1])
                if child not in ("name", "id_number", "phone", "address")
            )
            table.append(
                [
                    g.title,
                    role_labels.get(g.role, g.role),
                    col("name"),
                    col("id_number"),
                    col("phone"),
                    col("address"),
                    others or self.tr("（无）"),
                ]
            )
        _fill(self.table, table)


# --- page 4: column mapping ----------------------------------------------------------------


class MappingPage(QWizardPage):
    COLS = ("列", "表头", "示例", "导入为")

    def __init__(self, state: ImportState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setTitle(self.tr("列对应"))
        self.setSubTitle(
            self.tr(
                "核对每一列导入到哪个字段；不需要的列选“不导入”。确认后，本站下次导入同样表头的文件会自动沿用。"
            )
        )
        self.remembered = QLabel()
        self.remembered.setWordWrap(True)
        self.table = _table([self.tr(c) for c in self.COLS])
        self.table.setWordWrap(True)
        self.missing = _error_label()
        lay = QVBoxLayout(self)
        lay.addWidget(self.remembered)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.missing)
        self._combos: list[tuple[int, QComboBox]] = []

    def initializePage(self) -> None:
        ins = self.state.inspection
        book = self.state.book
        assert ins is not None and book is not None
        self.remembered.setText(
            self.tr("已按本站上次确认的对应关系填好。")
            if ins.remembered
            else self.tr("已按表头文字自动识别，请核对。")
        )
        rows = book.sheet(ins.sheet).rows
        samples = rows[ins.data_start - 1 : ins.data_start + 4]
        cols = [
            c
            for c in ins.columns
            if c.header or any(c.index < len(r) and r[c.index] not in (None, "") for r in samples)
        ]
        self.table.setRowCount(len(cols))
        self._combos = []
        for r, col in enumerate(cols):
            self.table.setItem(r, 0, _item(col.letter))
            self.table.setItem(r, 1, _item(col.header))
            example = "；".join(
                ei.cell_text(s[col.index]).replace("\n", " ")
                for s in samples
                if col.index < len(s) and s[col.index] not in (None, "")
            )[:60]
            self.table.setItem(r, 2, _item(example))
            combo = QComboBox()
            combo.addItem(self.tr("（不导入）"), "")
            for key, label, required in self.state.fields:
                combo.addItem(label + (self.tr("（必填）") if required else ""), key)
            combo.setCurrentIndex(max(combo.findData(self.state.mapping.get(col.index, "")), 0))
            combo.currentIndexChanged.connect(self._changed)
            self.table.setCellWidget(r, 3, combo)
            self._combos.append((col.index, combo))
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(2, min(self.table.columnWidth(2), 320))
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self._changed()

    def current_mapping(self) -> dict[int, str]:
        return {i: str(c.currentData()) for i, c in self._combos if c.currentData()}

    def _problems(self) -> str:
        mapping = self.current_mapping()
        labels = {k: lab for k, lab, _ in self.state.fields}
        dup = sorted({k for k in mapping.values() if list(mapping.values()).count(k) > 1})
        if dup:
            return self.tr("“{f}”对应了不止一列，请把多余的列设为“不导入”。").replace(
                "{f}", "”“".join(labels[k] for k in dup)
            )
        groups = self.state.inspection.groups if self.state.inspection is not None else []
        with self.state.env.ctx() as ctx:
            missing = ei.missing_for(ctx, self.state.ledger, set(mapping.values()), groups)
        if missing:
            return self.tr("还缺少必需的列：{m}。请在右侧选择哪一列是它。").replace(
                "{m}", "、".join(missing)
            )
        return ""

    def _changed(self) -> None:
        _show_error(self.missing, self._problems())
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return _pinned(not self._problems())

    def validatePage(self) -> bool:
        ins = self.state.inspection
        assert ins is not None
        self.state.mapping = self.current_mapping()
        try:
            with self.state.env.ctx() as ctx:
                ei.remember_mapping(
                    ctx, self.state.ledger, [c.header for c in ins.columns], self.state.mapping
                )
        except AppError as exc:
            _show_error(self.missing, str(exc))
            return _pinned(False)
        return _pinned(True)


# --- page 4: dry run -----------------------------------------------------------------------


def _report_tables(
    report: ei.ImportReport,
) -> tuple[list[list[Any]], list[list[Any]], list[list[Any]]]:
    problems = [
        [p.row, p.column, p.header, p.reason, p.fix, p.value]
        for r in report.invalid
        for p in r.problems
    ]
    valid = []
    for r in report.valid:
        d = r.display
        names = "、".join(d.get("names") or d.get("parties") or [])
        if not names and isinstance(d.get("values"), dict):
            names = "；".join(f"{k}：{v}" for k, v in list(d["values"].items())[:3])
        valid.append(
            [
                r.row,
                ei.STATUS_LABELS[r.status],
                r.case_code,
                d.get("received_on", ""),
                names,
                d.get("id_number") or "",
                d.get("category", ""),
                d.get("result", ""),
            ]
        )
    other = [
        [r.row, ei.STATUS_LABELS[r.status], r.reason, r.case_code]
        for r in report.rows
        if r.status in ("update", "updated", "duplicate", "skipped")
    ]
    return problems, valid, other


class ReportView(QWidget):
    """Counts plus three tabs: problem rows, importable rows, existing/skipped rows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setObjectName("pageHint")
        self.tabs = QTabWidget()
        self.problems = _table(
            [_t("行号"), _t("列"), _t("列名"), _t("问题"), _t("修改建议"), _t("原值")]
        )
        self.valid = _table(
            [
                _t("行号"),
                _t("状态"),
                _t("案件编码"),
                _t("日期"),
                _t("姓名"),
                _t("身份证号码"),
                _t("分类"),
                _t("结果"),
            ]
        )
        self.other = _table([_t("行号"), _t("状态"), _t("说明"), _t("案件编码")])
        self.tabs.addTab(self.problems, _t("有问题的行"))
        self.tabs.addTab(self.valid, _t("可导入的行"))
        self.tabs.addTab(self.other, _t("已存在与跳过"))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.summary)
        lay.addWidget(self.tabs, 1)

    def show_report(self, report: ei.ImportReport) -> None:
        c = report.counts()
        verb = _t("可导入") if report.dry_run else _t("已导入")
        self.summary.setText(
            _t(
                "{verb} {v} 行，有问题 {i} 行（不导入），已存在 {d} 行（不重复导入），跳过 {s} 行（空行、合计行等）。"
            )
            .replace("{verb}", verb)
            .replace("{v}", str(c["valid"]))
            .replace("{i}", str(c["invalid"]))
            .replace("{d}", str(c["duplicate"]))
            .replace("{s}", str(c["skipped"]))
            + (
                (_t("可更新") if report.dry_run else _t("已更新"))
                + _t(" {u} 行（后面的记载有新的结果）。").replace("{u}", str(c["updated"]))
                if c["updated"]
                else ""
            )
        )
        problems, valid, other = _report_tables(report)
        _fill(self.problems, problems)
        for r in range(self.problems.rowCount()):
            it = self.problems.item(r, 3)
            if it is not None:
                it.setBackground(QBrush(PROBLEM_BG))
        _fill(self.valid, valid)
        _fill(self.other, other)
        self.tabs.setTabText(0, _t("有问题的行（{n}）").replace("{n}", str(c["invalid"])))
        self.tabs.setTabText(1, (verb + _t("的行（{n}）")).replace("{n}", str(c["valid"])))
        others = c["duplicate"] + c["skipped"] + c["updated"]
        label = _t("更新、已存在与跳过（{n}）") if c["updated"] else _t("已存在与跳过（{n}）")
        self.tabs.setTabText(2, label.replace("{n}", str(others)))
        if problems and report.dry_run:
            self.tabs.setCurrentIndex(0)
        elif valid or not other:
            self.tabs.setCurrentIndex(1)
        else:
            self.tabs.setCurrentIndex(2)


class BookView(QWidget):
    """A whole run: one line per sheet (rows, imported, updated, refused, skipped; sheets left
    out with why), and the chosen sheet's rows in a :class:`ReportView`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sheets = QLabel()
        self.sheets.setWordWrap(True)
        self.sheet_combo = QComboBox()
        self.sheet_combo.currentIndexChanged.connect(self._pick)
        self.view = ReportView()
        self._book: ei.WorkbookReport | None = None
        pick = QHBoxLayout()
        pick.addWidget(QLabel(_t("查看工作表")))
        pick.addWidget(self.sheet_combo, 1)
        self.picker = QWidget()
        self.picker.setLayout(pick)
        pick.setContentsMargins(0, 0, 0, 0)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.sheets)
        lay.addWidget(self.picker)
        lay.addWidget(self.view, 1)

    def show_book(self, book: ei.WorkbookReport, shown: ei.ImportReport | None) -> None:
        self._book = book
        several = len(book.sheets) > 1
        self.sheets.setText("\n".join(book.summary_lines()) if several else "")
        self.sheets.setVisible(several)
        self.picker.setVisible(len(book.reports) > 1)
        self.sheet_combo.blockSignals(True)
        self.sheet_combo.clear()
        for rep in book.reports:
            self.sheet_combo.addItem(rep.sheet, rep.sheet)
        if shown is not None:
            self.sheet_combo.setCurrentIndex(max(self.sheet_combo.findData(shown.sheet), 0))
        self.sheet_combo.blockSignals(False)
        if shown is not None:
            self.view.show_report(shown)

    def _pick(self) -> None:
        if self._book is None:
            return
        name = self.sheet_combo.currentData()
        for rep in self._book.reports:
            if rep.sheet == name:
                self.view.show_report(rep)


def _save_report(
    parent: QWidget, report: ei.ImportReport | None, book: ei.WorkbookReport | None = None
) -> None:
    if report is None:
        return
    default = Path(report.file).stem + _t("_导入校验报告.xlsx")
    name, _ = QFileDialog.getSaveFileName(
        parent, _t("保存校验报告"), default, _t("Excel 工作簿 (*.xlsx)")
    )
    if not name:
        return
    if not name.lower().endswith(".xlsx"):
        name += ".xlsx"
    try:
        path = ex.write_import_report(book.reports if book is not None else report, name)
    except AppError as exc:
        QMessageBox.warning(parent, _t("无法保存"), str(exc))
        return
    QMessageBox.information(parent, _t("已保存"), _t("校验报告已保存到：") + str(path))


class DryRunPage(QWizardPage):
    def __init__(self, state: ImportState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._done = False
        self.setTitle(self.tr("试导入"))
        self.setSubTitle(
            self.tr(
                "按上一步的对应关系完整校验了一遍，台账还没有任何改动。有问题的行不会导入，可导出校验报告交给录入人员修改。"
            )
        )
        self.book_view = BookView()
        self.view = self.book_view.view
        self.export_btn = QPushButton(self.tr("导出校验报告…"))
        self.export_btn.clicked.connect(
            lambda: _save_report(self, self.state.dry_run, self.state.dry_book)
        )
        self.export_btn.setEnabled(False)
        self.busy = QLabel(self.tr("正在试导入，请稍候…"))
        self.error = _error_label()
        # every distinct value of every coded column: the clerk confirms or changes each
        self.values_box = QGroupBox(self.tr("核对取值"))
        self.values_table = _table(
            [
                self.tr("列名"),
                self.tr("原表写法"),
                self.tr("行数"),
                self.tr("判断"),
                self.tr("导入为"),
            ]
        )
        self.values_table.setMaximumHeight(170)
        self.values_apply = QPushButton(self.tr("按所选对应重新试导入"))
        self.values_apply.clicked.connect(self._apply_values)
        hint = QLabel(
            self.tr(
                "“待确认”“无法对应”的取值所在行不会导入：请选择导入为什么后重新试导入。"
                "正式导入后本站会记住这些选择（试导入不记）。"
            )
        )
        hint.setObjectName("muted")
        box = QVBoxLayout(self.values_box)
        box.addWidget(hint)
        box.addWidget(self.values_table)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.values_apply)
        box.addLayout(row)
        self.values_box.hide()
        self._value_combos: list[tuple[ev.ValueReview, QComboBox]] = []
        bottom = QHBoxLayout()
        bottom.addWidget(self.busy)
        bottom.addStretch(1)
        bottom.addWidget(self.export_btn)
        lay = QVBoxLayout(self)
        lay.addWidget(self.book_view, 1)
        lay.addWidget(self.values_box)
        lay.addWidget(self.error)
        lay.addLayout(bottom)

    def initializePage(self) -> None:
        self._done = False
        self.busy.show()
        self.export_btn.setEnabled(False)
        _show_error(self.error, "")
        st = self.state
        assert st.path is not None and st.inspection is not None
        Op(self, st.env, st.job(dry_run=True)).success(self._shown).failure(self._failed).run()

    def _shown(self, book: ei.WorkbookReport) -> None:
        self.state.dry_book = book
        report = self.state.main_report(book)
        self.state.dry_run = report
        self._done = True
        self.busy.hide()
        self.export_btn.setEnabled(report is not None)
        self.book_view.show_book(book, report)
        self._show_values(book.merged().values if book.reports else [])
        if not self._importable():
            if any(r.invalid for r in book.reports):
                text = self.tr("没有可导入的行。请按校验报告修改原表后重新导入。")
            else:
                text = self.tr("表中的记录都已在台账中（此前导入过或已登记），无需再次导入。")
            _show_error(self.error, text)
        self.completeChanged.emit()

    def _importable(self) -> bool:
        book = self.state.dry_book
        return book is not None and any(r.valid or r.of("update") for r in book.reports)

    def _failed(self, exc: AppError) -> None:
        self._done = True
        self.busy.hide()
        _show_error(self.error, str(exc))
        self.completeChanged.emit()

    def _show_values(self, values: Sequence[ev.ValueReview]) -> None:
        self._value_combos = []
        self.values_table.setRowCount(len(values))
        for r, v in enumerate(values):
            self.values_table.setItem(r, 0, _item(v.header or v.label))
            self.values_table.setItem(r, 1, _item(v.text))
            self.values_table.setItem(r, 2, _item(v.count))
            state = _item(ev.STATE_LABELS[v.state] + (f"：{v.why}" if v.why else ""))
            if v.needs_confirmation:
                state.setForeground(Qt.GlobalColor.red)
            self.values_table.setItem(r, 3, state)
            combo = QComboBox()
            combo.addItem(self.tr("（请选择；不选则这些行不导入）"), "")
            for code, label in v.options:
                combo.addItem(label, code)
            if v.code:
                combo.setCurrentIndex(max(combo.findData(v.code), 0))
            if v.text == "（空白）":
                combo.setEnabled(False)
            self.values_table.setCellWidget(r, 4, combo)
            self._value_combos.append((v, combo))
        self.values_table.resizeColumnsToContents()
        self.values_table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.values_box.setVisible(bool(values))

    def choose_value(self, text: str, code: str) -> None:
        """Pick the code for a source value (as the clerk would in the table)."""
        for v, combo in self._value_combos:
            if v.text == text:
                combo.setCurrentIndex(max(combo.findData(code), 0))

    def _apply_values(self) -> None:
        chosen = 0
        for v, combo in self._value_combos:
            code = str(combo.currentData() or "")
            if not code or not combo.isEnabled():
                continue
            if v.needs_confirmation or code != v.code:
                self.state.confirmed.setdefault(v.field, {})[v.text] = code
                chosen += 1
        if not chosen:
            _show_error(self.error, self.tr("请先为“待确认”或“无法对应”的取值选择导入为什么"))
            return
        self.state.dry_run = None
        self.state.dry_book = None
        self.completeChanged.emit()
        self.initializePage()

    def isComplete(self) -> bool:
        return _pinned(self._done and self.state.dry_run is not None and self._importable())


# --- page 5: import with progress ----------------------------------------------------------


class _ProgressRelay(QObject):
    """Carries progress from the worker thread to the GUI thread (queued signal)."""

    moved = Signal(int, int)


class ImportPage(QWizardPage):
    def __init__(self, state: ImportState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._done = False
        self._cancel = threading.Event()
        self.setTitle(self.tr("正在导入"))
        self.setSubTitle(
            self.tr("逐行登记并按原台账的日期办理到原来的结果。中途取消不会留下任何半截数据。")
        )
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.status = QLabel(self.tr("准备中…"))
        self.cancel_btn = QPushButton(self.tr("取消导入"))
        self.cancel_btn.clicked.connect(self._request_cancel)
        self.error = _error_label()
        self.relay = _ProgressRelay()
        self.relay.moved.connect(self._moved, Qt.ConnectionType.QueuedConnection)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.cancel_btn)
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        lay.addWidget(self.bar)
        lay.addLayout(row)
        lay.addWidget(self.error)
        lay.addStretch(2)

    def initializePage(self) -> None:
        self._done = False
        self._cancel.clear()
        self.cancel_btn.setEnabled(True)
        _show_error(self.error, "")
        st = self.state
        assert st.path is not None and st.inspection is not None
        relay, cancel = self.relay, self._cancel

        def progress(done: int, total: int) -> bool:
            relay.moved.emit(done, total)
            return not cancel.is_set()

        job = st.job(dry_run=False, progress=progress)
        Op(self, st.env, job, mutation=["dispute", "visit", "register"]).success(
            self._finished
        ).failure(self._failed).run()

    @Slot(int, int)
    def _moved(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        self.status.setText(
            self.tr("已处理 {done} / {total} 行")
            .replace("{done}", str(done))
            .replace("{total}", str(total))
        )

    def _request_cancel(self) -> None:
        self._cancel.set()
        self.cancel_btn.setEnabled(False)
        self.status.setText(self.tr("正在取消…"))

    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def request_cancel(self) -> None:
        self._request_cancel()

    def running(self) -> bool:
        return not self._done

    def _finished(self, book: ei.WorkbookReport) -> None:
        self.state.result_book = book
        self.state.result = self.state.main_report(book)
        self._done = True
        self.cancel_btn.setEnabled(False)
        self.completeChanged.emit()
        wiz = self.wizard()
        if wiz is not None and wiz.currentPage() is self:
            wiz.next()

    def _failed(self, exc: AppError) -> None:
        self._done = True
        self.cancel_btn.setEnabled(False)
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.status.setText(self.tr("导入未完成"))
        _show_error(self.error, str(exc))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return _pinned(self._done and self.state.result is not None)


# --- page 6: summary -----------------------------------------------------------------------


class SummaryPage(QWizardPage):
    def __init__(self, state: ImportState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setTitle(self.tr("导入完成"))
        self.setSubTitle(
            self.tr("每条导入的记录都已登记、编号，并在办理记录中注明来自哪个文件的第几行。")
        )
        self.book_view = BookView()
        self.view = self.book_view.view
        save = QPushButton(self.tr("导出导入报告…"))
        save.clicked.connect(lambda: _save_report(self, self.state.result, self.state.result_book))
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(save)
        lay = QVBoxLayout(self)
        lay.addWidget(self.book_view, 1)
        lay.addLayout(bottom)
        self.setFinalPage(True)

    def initializePage(self) -> None:
        if self.state.result_book is not None:
            self.book_view.show_book(self.state.result_book, self.state.result)


def fitting_size(width: int, height: int) -> tuple[int, int]:
    """The wanted size, shrunk to the screen's available area (a 1366×768 laptop with a
    taskbar leaves about 1366×728; the window frame takes some more)."""
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return width, height
    avail = screen.availableGeometry()
    return min(width, avail.width() - 24), min(height, avail.height() - 48)


class ExcelImportWizard(QWizard):
    """导入历史台账."""

    def __init__(
        self,
        env: UiEnv,
        ledger: str | None = None,
        parent: QWidget | None = None,
        *,
        path: str | Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("导入历史台账（Excel）"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("下一步"))
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("上一步"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("取消"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("完成"))
        self.resize(*fitting_size(980, 680))
        self.state = ImportState(env, ledger)
        self.file_page = FilePage(self.state)
        self.sheet_page = SheetPage(self.state)
        self.groups_page = GroupsPage(self.state)
        self.mapping_page = MappingPage(self.state)
        self.dry_run_page = DryRunPage(self.state)
        self.import_page = ImportPage(self.state)
        self.summary_page = SummaryPage(self.state)
        for page in (
            self.file_page,
            self.sheet_page,
            self.groups_page,
            self.mapping_page,
            self.dry_run_page,
            self.import_page,
            self.summary_page,
        ):
            self.addPage(page)
        self.dry_run_page.setCommitPage(True)  # no way back once the import has started
        self.dry_run_page.setButtonText(QWizard.WizardButton.CommitButton, self.tr("开始导入"))
        if path is not None:
            self.file_page.set_path(path)

    def reject(self) -> None:
        if self.currentPage() is self.import_page and self.import_page.running():
            self.import_page.request_cancel()
            return  # the worker rolls back and reports; the wizard stays until it has
        super().reject()


def open_excel_import_wizard(
    parent: QWidget | None, env: UiEnv, ledger: str | None = None
) -> ei.ImportReport | None:
    """Run the import wizard modally; the finished import's report, or None."""
    wiz = ExcelImportWizard(env, ledger, parent)
    wiz.exec()
    return wiz.state.result


# --- export dialog -------------------------------------------------------------------------


class ExportDialog(QDialog):
    """导出台账: which ledger, optional date range, where to save."""

    def __init__(
        self, env: UiEnv, ledger: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.env = env
        self.result_value: ex.ExportResult | None = None
        self.setWindowTitle(self.tr("导出台账到 Excel"))
        self.setMinimumWidth(520)
        self.ledger_combo = QComboBox()
        with env.ctx() as ctx:
            for key, title in ei.ledger_choices(ctx, purpose="export"):
                self.ledger_combo.addItem(title, key)
            can_see = ctx.can("id_number.view")
            year = ctx.today().year
            today = ctx.today()
        self.ledger_combo.setCurrentIndex(max(self.ledger_combo.findData(ledger or "disputes"), 0))
        self.ranged = QCheckBox(self.tr("只导出以下期间"))
        self.date_from = DateEdit(date(year, 1, 1))
        self.date_to = DateEdit(today)
        self.ranged.toggled.connect(self.date_from.setEnabled)
        self.ranged.toggled.connect(self.date_to.setEnabled)
        self.date_from.setEnabled(False)
        self.date_to.setEnabled(False)
        period = QHBoxLayout()
        period.addWidget(self.date_from)
        period.addWidget(QLabel(self.tr("至")))
        period.addWidget(self.date_to)
        period.addStretch(1)
        self.path_edit = QLineEdit()
        browse = QPushButton(self.tr("浏览…"))
        browse.clicked.connect(self._browse)
        out = QHBoxLayout()
        out.addWidget(self.path_edit, 1)
        out.addWidget(browse)
        note = QLabel(
            self.tr("当前角色可以看到完整身份证号，导出文件中身份证号不遮蔽，请妥善保管。")
            if can_see
            else self.tr("按当前角色的权限，导出文件中的身份证号将遮蔽（如 110105********002X）。")
        )
        note.setWordWrap(True)
        note.setObjectName("muted")
        self.error = _error_label()
        grid = QGridLayout()
        grid.addWidget(QLabel(self.tr("台账")), 0, 0)
        grid.addWidget(self.ledger_combo, 0, 1)
        grid.addWidget(self.ranged, 1, 0, 1, 2)
        grid.addLayout(period, 2, 1)
        grid.addWidget(QLabel(self.tr("保存为")), 3, 0)
        grid.addLayout(out, 3, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("导出"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self._export)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        lay = QVBoxLayout(self)
        lay.addLayout(grid)
        lay.addWidget(note)
        lay.addWidget(self.error)
        lay.addWidget(buttons)

    def _browse(self) -> None:
        default = self.ledger_combo.currentText() + ".xlsx"
        name, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("导出到"),
            self.path_edit.text() or default,
            self.tr("Excel 工作簿 (*.xlsx)"),
        )
        if name:
            if not name.lower().endswith(".xlsx"):
                name += ".xlsx"
            self.path_edit.setText(name)

    def _export(self) -> None:
        _show_error(self.error, "")
        path = self.path_edit.text().strip()
        if not path:
            _show_error(self.error, self.tr("请选择保存位置（点击“浏览…”）"))
            return
        ledger = str(self.ledger_combo.currentData())
        lo = self.date_from.value() if self.ranged.isChecked() else None
        hi = self.date_to.value() if self.ranged.isChecked() else None
        self.buttons.setEnabled(False)

        def job(ctx: Any) -> ex.ExportResult:
            return ex.export_ledger(ctx, ledger, path, date_from=lo, date_to=hi)

        Op(self, self.env, job).progress(self.tr("正在导出…")).success(self._done).failure(
            self._failed
        ).run()

    def _done(self, result: ex.ExportResult) -> None:
        self.buttons.setEnabled(True)
        self.result_value = result
        QMessageBox.information(
            self,
            self.tr("导出完成"),
            self.tr("已导出 {n} 条记录到：\n{path}")
            .replace("{n}", str(result.count))
            .replace("{path}", str(result.path)),
        )
        self.accept()

    def _failed(self, exc: AppError) -> None:
        self.buttons.setEnabled(True)
        _show_error(self.error, str(exc))


def export_ledger_dialog(
    parent: QWidget | None, env: UiEnv, ledger: str | None = None
) -> ex.ExportResult | None:
    """Ask what to export and where, export on a worker thread; the result, or None."""
    dlg = ExportDialog(env, ledger, parent)
    dlg.exec()
    return dlg.result_value
