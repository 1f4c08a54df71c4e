"""Dialogs of the registers page (台账): the record form generated from a register type's
fields, the printout dialog, and the station admin's "管理台账类型" dialog.

Every value goes to :mod:`app.services.registers` as typed (text, dicts for people and date
ranges, files); the service validates it and its Chinese message appears beside the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from app.rules import registers as rr
from app.rules.errors import AppError, ValidationError
from app.rules.registers import NewFile
from app.services import registers as reg

from ..env import UiEnv
from ..widgets import CodeCombo, FieldErrors, error_label, page_header
from ..workers import announce
from .base import FormDialog, run_guarded

if TYPE_CHECKING:
    from ..print_preview import PrintPreviewDialog

PERSON_ID_ROLE = Qt.ItemDataRole.UserRole + 1
NAME_ROLE = Qt.ItemDataRole.UserRole + 2
TABLE_ERROR_ROWS = 100


def _tr(text: str) -> str:
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.translate("Registers", text)


# --- typed editors --------------------------------------------------------------------------


class DatePick(QWidget):
    """A date typed freely (2026-03-05, 2026年3月5日 …) or picked from a calendar; may be empty."""

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder or _tr("如 2026-03-05"))
        self.edit.setMaximumWidth(150)
        self.button = QToolButton()
        self.button.setText("▾")
        self.button.setToolTip(_tr("从日历选择"))
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.button)
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(True)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        self.button.setMenu(menu)
        self.calendar.clicked.connect(self._picked)
        lay.addWidget(self.edit)
        lay.addWidget(self.button)
        lay.addStretch(1)
        self.setFocusProxy(self.edit)

    def _picked(self, qd: Any) -> None:
        self.edit.setText(f"{qd.year():04d}-{qd.month():02d}-{qd.day():02d}")
        self.edit.textEdited.emit(self.edit.text())
        menu = self.button.menu()
        if menu is not None:
            menu.close()

    def value(self) -> str:
        return self.edit.text().strip()

    def set_value(self, value: Any) -> None:
        self.edit.setText("" if value in (None, "") else str(value))


class DateTimePick(QWidget):
    """Date and time in Beijing time (2026-03-16 09:30), with a 现在 button."""

    def __init__(self, now: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(_tr("如 2026-03-16 09:30"))
        self.edit.setMaximumWidth(170)
        now_button = QPushButton(_tr("现在"))
        now_button.setAutoDefault(False)
        self._now = now
        now_button.clicked.connect(self.set_now)
        lay.addWidget(self.edit)
        lay.addWidget(now_button)
        lay.addStretch(1)
        self.setFocusProxy(self.edit)

    def set_now(self) -> None:
        self.edit.setText(self._now())
        self.edit.textEdited.emit(self.edit.text())

    def value(self) -> str:
        return self.edit.text().strip()

    def set_value(self, value: Any) -> None:
        if value in (None, ""):
            self.edit.setText("")
            return
        self.edit.setText(rr.display_value(rr.FieldSpec("x", "x", "datetime"), value))


class RangePick(QWidget):
    def __init__(self, open_end: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.start = DatePick(_tr("开始日期"))
        self.end = DatePick(_tr("至今可不填") if open_end else _tr("结束日期"))
        lay.addWidget(self.start)
        lay.addWidget(QLabel(_tr("至")))
        lay.addWidget(self.end)
        lay.addStretch(1)
        self.setFocusProxy(self.start)

    def value(self) -> dict[str, str] | None:
        start, end = self.start.value(), self.end.value()
        if not start and not end:
            return None
        return {"start": start, "end": end}

    def set_value(self, value: Any) -> None:
        value = value or {}
        self.start.set_value(value.get("start"))
        self.end.set_value(value.get("end"))


class NumberEdit(QWidget):
    def __init__(self, unit: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setMaximumWidth(140)
        lay.addWidget(self.edit)
        if unit:
            lay.addWidget(QLabel(unit))
        lay.addStretch(1)
        self.setFocusProxy(self.edit)

    def value(self) -> str:
        return self.edit.text().strip()

    def set_value(self, value: Any) -> None:
        self.edit.setText("" if value is None else str(value))


class PersonEdit(QLineEdit):
    """A person's name with autocomplete over known people; several names with 、 when
    ``multiple``. A picked person keeps its id (so the register links to the person file)."""

    def __init__(self, env: UiEnv, multiple: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env = env
        self.multiple = multiple
        self.setPlaceholderText(
            _tr("输入姓名或拼音首字母，多人用“、”分隔") if multiple else _tr("输入姓名或拼音首字母")
        )
        self._ids: dict[str, str] = {}
        self._model = QStandardItemModel(self)
        self.completer_ = QCompleter(self._model, self)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setWidget(self)
        self.completer_.activated[QModelIndex].connect(self._picked)  # type: ignore[index]
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.search_now)
        self.textEdited.connect(lambda _t: self._timer.start())

    def _segment(self) -> str:
        text = self.text()
        if not self.multiple:
            return text.strip()
        return re.split(r"[、,，;；]", text)[-1].strip()

    def search_now(self) -> int:
        term = self._segment()
        self._model.clear()
        if not term:
            return 0
        with self.env.ctx() as ctx:
            hits = reg.person_suggestions(ctx, term)
        for h in hits:
            item = QStandardItem(f"{h.name}　{h.hint}")
            item.setData(h.id, PERSON_ID_ROLE)
            item.setData(h.name, NAME_ROLE)
            self._model.appendRow(item)
        if hits and self.hasFocus():
            self.completer_.complete()
        return len(hits)

    def suggestions(self) -> QStandardItemModel:
        return self._model

    def _picked(self, index: QModelIndex) -> None:
        self.pick(str(index.data(NAME_ROLE)), str(index.data(PERSON_ID_ROLE)))

    def pick(self, name: str, person_id: str) -> None:
        self._ids[name] = person_id
        if self.multiple:
            parts = re.split(r"([、,，;；])", self.text())
            parts[-1] = name
            self.setText("".join(parts))
        else:
            self.setText(name)
        self.textEdited.emit(self.text())
        self._timer.stop()

    def value(self) -> Any:
        names = (
            [n.strip() for n in re.split(r"[、,，;；]", self.text())]
            if self.multiple
            else [self.text().strip()]
        )
        people = [{"name": n, "person_id": self._ids.get(n)} for n in names if n]
        if self.multiple:
            return people
        return people[0] if people else None

    def set_value(self, value: Any) -> None:
        items = value if isinstance(value, list) else ([value] if value else [])
        names = []
        for p in items:
            if isinstance(p, dict):
                names.append(str(p.get("name", "")))
                if p.get("person_id"):
                    self._ids[str(p["name"])] = str(p["person_id"])
            else:
                names.append(str(p))
        self.setText("、".join(n for n in names if n))


class AttachmentEdit(QWidget):
    """Files on the record: kept ones (stored refs) and newly added ones (read on adding)."""

    changed = Signal()

    def __init__(self, env: UiEnv, spec: rr.FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.env = env
        self.spec = spec
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setMaximumHeight(78)
        self.list.itemDoubleClicked.connect(lambda _i: self.open_selected())
        buttons = QVBoxLayout()
        self.add_button = QPushButton(_tr("添加文件…"))
        self.remove_button = QPushButton(_tr("移除"))
        self.open_button = QPushButton(_tr("打开"))
        for b in (self.add_button, self.remove_button, self.open_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.add_button.clicked.connect(self.choose_files)
        self.remove_button.clicked.connect(self.remove_selected)
        self.open_button.clicked.connect(self.open_selected)
        lay.addWidget(self.list, 1)
        lay.addLayout(buttons)
        hint = _tr("每个文件不超过5MB；大照片会自动压缩")
        if spec.opt("accept") == "image":
            hint = _tr("照片（jpg、png）；") + hint
        self.setToolTip(hint)

    def _add_item(self, label: str, data: Any) -> None:
        item = QListWidgetItem(label)
        item.setData(Qt.ItemDataRole.UserRole, data)
        self.list.addItem(item)

    def add_file(self, f: NewFile) -> None:
        self._add_item(f"{f.name}（新添加，{max(1, f.size // 1024)}KB）", f)

    def choose_files(self) -> None:
        accept = self.spec.opt("accept")
        if accept == "image":
            pattern = _tr("图片") + " (*.jpg *.jpeg *.png *.bmp *.gif *.webp)"
        elif accept:
            pattern = _tr("文件") + " (" + " ".join(f"*{e}" for e in accept) + ")"
        else:
            pattern = _tr("所有文件") + " (*)"
        paths, _ = QFileDialog.getOpenFileNames(self, _tr("选择附件"), "", pattern)
        for p in paths:
            try:
                self.add_file(reg.file_from_path(p))
            except AppError as err:
                QMessageBox.warning(self, _tr("无法添加"), str(err))
        self.changed.emit()

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
        self.changed.emit()

    def open_selected(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        data = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(data, NewFile):
            content, name = data.content, data.name
        else:
            with self.env.ctx() as ctx:
                f = reg.read_attachment(ctx, str(data["id"]))
            content, name = f.content, f.name
        target, _ = QFileDialog.getSaveFileName(self, _tr("保存附件"), name)
        if target:
            Path(target).write_bytes(content)
            QDesktopServices.openUrl(QUrl.fromLocalFile(target))

    def value(self) -> list[Any]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def set_value(self, value: Any) -> None:
        self.list.clear()
        for a in value or []:
            size = int(a.get("size", 0))
            self._add_item(f"{a.get('name')}（{max(1, size // 1024)}KB）", dict(a))


class TableEdit(QWidget):
    """A detail table (议定事项, 应急联系人, 演练记录): one row per item, cells typed as text."""

    def __init__(
        self,
        spec: rr.FieldSpec,
        choice_label: Callable[[str, str], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.spec = spec
        self.columns = spec.columns()
        self._label = choice_label
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, len(self.columns))
        self.table.setHorizontalHeaderLabels(
            [c.label + (" *" if c.required else "") for c in self.columns]
        )
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for i, c in enumerate(self.columns):
            width = {"text": 170, "long_text": 200, "date": 96, "boolean": 56, "person": 110}
            width |= {"phone": 120, "number": 60}
            self.table.setColumnWidth(i, width.get(c.type, 110))
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(120)
        self.table.setMaximumHeight(200)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(_tr("添加一行"))
        self.remove_button = QPushButton(_tr("删除选中行"))
        for b in (self.add_button, self.remove_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        buttons.addStretch(1)
        hints = [
            f"{c.label}：{'如 2026-03-20' if c.type == 'date' else '多人用、分隔' if c.opt('multiple') else ''}"
            for c in self.columns
            if c.type == "date" or c.opt("multiple")
        ]
        if hints:
            tip = QLabel("；".join(hints))
            tip.setObjectName("muted")
            buttons.addWidget(tip)
        self.add_button.clicked.connect(self._add_empty_row)
        self.remove_button.clicked.connect(self.remove_selected)
        lay.addWidget(self.table)
        lay.addLayout(buttons)

    def _add_empty_row(self) -> None:
        self.add_row()

    def add_row(self, values: dict[str, Any] | None = None) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        values = values or {}
        for i, c in enumerate(self.columns):
            v = values.get(c.key)
            if c.type == "boolean":
                item = QTableWidgetItem()
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if v else Qt.CheckState.Unchecked)
            else:
                item = QTableWidgetItem(rr.display_value(c, v, choice_label=self._label))
                if c.type == "person" and v is not None:
                    item.setData(Qt.ItemDataRole.UserRole, v)
            self.table.setItem(r, i, item)

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for r in rows:
            self.table.removeRow(r)

    def value(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for r in range(self.table.rowCount()):
            row: dict[str, Any] = {}
            for i, c in enumerate(self.columns):
                item = self.table.item(r, i)
                if item is None:
                    continue
                if c.type == "boolean":
                    row[c.key] = item.checkState() == Qt.CheckState.Checked
                    continue
                text = item.text().strip()
                stored = item.data(Qt.ItemDataRole.UserRole)
                if (
                    c.type == "person"
                    and stored is not None
                    and (rr.display_value(c, stored) == text)
                ):
                    row[c.key] = stored  # unchanged: keep the link to the person file
                else:
                    row[c.key] = text
            if any(v not in ("", None, False) for v in row.values()):
                out.append(row)
        return out

    def set_value(self, value: Any) -> None:
        self.table.setRowCount(0)
        for row in value or []:
            self.add_row(row)


# --- the record form --------------------------------------------------------------------------


def make_editor(
    env: UiEnv,
    f: reg.FieldInfo,
    options: Sequence[tuple[str, str]],
    now: Callable[[], str],
    choice_label: Callable[[str, str], str],
) -> QWidget:
    spec = f.spec
    t = f.type
    w: QWidget
    if t == "long_text":
        edit = QPlainTextEdit()
        edit.setTabChangesFocus(True)
        limit = int(spec.opt("max_length", rr.DEFAULT_MAX_LONG_TEXT))
        height = 200 if limit > rr.DEFAULT_MAX_LONG_TEXT else 84
        # a widget style sheet: the application theme's min-height would override setMinimumHeight
        edit.setStyleSheet(
            f"QPlainTextEdit {{ min-height: {height}px; max-height: {height * 2}px; }}"
        )
        w = edit
    elif t == "date":
        w = DatePick()
    elif t == "datetime":
        w = DateTimePick(now)
    elif t == "date_range":
        w = RangePick(bool(spec.opt("open_end")))
    elif t == "month":
        month = QLineEdit()
        month.setPlaceholderText(_tr("如 2026-03"))
        month.setMaximumWidth(140)
        w = month
    elif t == "number":
        w = NumberEdit(str(spec.opt("unit", "")))
    elif t == "person":
        w = PersonEdit(env, bool(spec.opt("multiple")))
    elif t == "choice":
        w = CodeCombo(options, empty="" if not f.required else None)
        if f.required:
            w.setCurrentIndex(-1)
    elif t == "boolean":
        w = QCheckBox()
    elif t == "attachment":
        w = AttachmentEdit(env, spec)
    elif t == "table":
        w = TableEdit(spec, choice_label)
    else:
        line = QLineEdit()
        if t == "phone":
            line.setPlaceholderText(_tr("手机号或带区号的固定电话"))
            line.setMaximumWidth(220)
        elif t == "id_number":
            line.setPlaceholderText(_tr("18位身份证号"))
            line.setMaximumWidth(240)
        w = line
    if f.help:
        w.setToolTip(f.help)
    return w


def _markable(w: QWidget) -> QWidget:
    """The inner input a validation error should outline in red."""
    if isinstance(w, (DatePick, DateTimePick, NumberEdit)):
        return w.edit
    if isinstance(w, RangePick):
        return w.start.edit
    if isinstance(w, TableEdit):
        return w.table
    if isinstance(w, AttachmentEdit):
        return w.list
    return w


def editor_value(w: QWidget) -> Any:
    if isinstance(w, QPlainTextEdit):
        return w.toPlainText()
    if isinstance(w, CodeCombo):
        return w.code()
    if isinstance(w, QCheckBox):
        return w.isChecked()
    if isinstance(w, QLineEdit) and not isinstance(w, PersonEdit):
        return w.text()
    return w.value()  # type: ignore[attr-defined]


def set_editor_value(w: QWidget, value: Any, f: reg.FieldInfo) -> None:
    if isinstance(w, QPlainTextEdit):
        w.setPlainText("" if value is None else str(value))
    elif isinstance(w, CodeCombo):
        if value not in (None, ""):
            w.set_code(str(value))
    elif isinstance(w, QCheckBox):
        w.setChecked(bool(value))
    elif isinstance(w, QLineEdit) and not isinstance(w, PersonEdit):
        if f.type == "month" and value:
            w.setText(str(value))
        else:
            w.setText("" if value is None else str(value))
    else:
        w.set_value(value)  # type: ignore[attr-defined]


def _changed_signal(w: QWidget, cb: Callable[..., None]) -> None:
    if isinstance(w, QPlainTextEdit):
        w.textChanged.connect(cb)
    elif isinstance(w, QComboBox):
        w.activated.connect(cb)
    elif isinstance(w, QCheckBox):
        w.toggled.connect(cb)
    elif isinstance(w, QLineEdit):
        w.textEdited.connect(cb)
    elif isinstance(w, (DatePick, NumberEdit, DateTimePick)):
        w.edit.textEdited.connect(cb)
    elif isinstance(w, RangePick):
        w.start.edit.textEdited.connect(cb)
        w.end.edit.textEdited.connect(cb)
    elif isinstance(w, AttachmentEdit):
        w.changed.connect(cb)
    elif isinstance(w, TableEdit):
        w.table.itemChanged.connect(cb)


class RecordDialog(FormDialog):
    """新增 / 修改 one register record; the form is generated from the register's fields."""

    def __init__(
        self,
        env: UiEnv,
        info: reg.RegisterTypeInfo,
        row: reg.RecordRow | None = None,
        parent: QWidget | None = None,
    ) -> None:
        title = (_tr("修改") if row is not None else _tr("新增")) + f"：{info.name}"
        super().__init__(env, title, parent)
        self.info = info
        self.row = row
        self.editors: dict[str, QWidget] = {}
        self.setMinimumWidth(720)
        with env.ctx() as ctx:
            options = {
                f.key: reg.choice_options(ctx, f.spec)
                for f in info.editable_fields
                if f.type == "choice"
            }
            labels = {
                (str(c.opt("code_table")), code): label
                for f in info.editable_fields
                if f.type == "table"
                for c in f.spec.columns()
                if c.type == "choice" and c.opt("code_table")
                for code, label in reg.choice_options(ctx, c)
            }
            defaults = reg.new_record_defaults(ctx, info.id) if row is None else {}

        def choice_label(table: str, code: str) -> str:
            return labels.get((table, code), code)

        def now() -> str:
            with env.ctx() as c:
                return rr.display_value(
                    rr.FieldSpec("x", "x", "datetime"), rr.format_local_datetime(c.now())
                )

        if info.description:
            hint = QLabel(info.description)
            hint.setObjectName("pageHint")
            hint.setWordWrap(True)
            self.body.addWidget(hint)
        computed = [
            f
            for f in info.active_fields
            if f.computed and row is not None and row.display.get(f.key)
        ]
        if computed:
            box = QFrame()
            box.setObjectName("card")
            grid = QFormLayout(box)
            grid.setContentsMargins(12, 8, 12, 8)
            for f in computed:
                assert row is not None
                shown = QLabel(row.display.get(f.key, ""))
                shown.setWordWrap(True)
                shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                grid.addRow(QLabel(f.label + "："), shown)
            self.body.addWidget(box)
        if info.source == "monthly_stats" and row is not None and row.record_id:
            refresh = QPushButton(_tr("按最新台账数据更新统计数字"))
            refresh.setAutoDefault(False)
            refresh.clicked.connect(self.refresh_stats)
            self.left_buttons.addWidget(refresh)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget()
        grid2 = QGridLayout(inner)
        grid2.setColumnStretch(1, 1)
        grid2.setVerticalSpacing(2)
        r = 0
        self._loading = True
        for f in info.editable_fields:
            label = QLabel(f.label + (" *" if f.required else ""))
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            label.setContentsMargins(0, 6, 0, 0)
            editor = make_editor(env, f, options.get(f.key, []), now, choice_label)
            self.editors[f.key] = editor
            err = error_label()
            grid2.addWidget(label, r, 0)
            grid2.addWidget(editor, r, 1)
            r += 1
            if f.help:
                help_label = QLabel(f.help)
                help_label.setObjectName("muted")
                help_label.setWordWrap(True)
                grid2.addWidget(help_label, r, 1)
                r += 1
            grid2.addWidget(err, r, 1)
            r += 1
            marked = _markable(editor)
            self.errors.register(f.key, marked, err)
            if f.type == "table":
                for i in range(TABLE_ERROR_ROWS):
                    self.errors.register(f"{f.key}[{i}]", marked, err)
            value = row.values.get(f.key) if row is not None else defaults.get(f.key)
            set_editor_value(editor, value, f)
            _changed_signal(editor, self.mark_dirty)
        grid2.setRowStretch(r, 1)
        scroll.setWidget(inner)
        self.body.addWidget(scroll, 1)
        self._loading = False
        inner.adjustSize()
        scroll.setMinimumHeight(min(inner.sizeHint().height() + 4, 520))
        self.resize(800, min(820, self.sizeHint().height() + 20))
        readonly = row is not None and not row.editable
        if readonly:
            self.save_button.hide()
            note = QLabel(
                _tr("该记录已作废，只能查看")
                if row is not None and row.voided
                else _tr("该记录由其他工作站登记，只能查看")
            )
            note.setObjectName("banner")
            self.outer.insertWidget(0, note)
            for w in self.editors.values():
                w.setEnabled(False)

    def values(self) -> dict[str, Any]:
        return {k: editor_value(w) for k, w in self.editors.items()}

    def do_save(self) -> tuple[str, list[str]]:
        with self.env.ctx() as ctx:
            saved = reg.save_record(
                ctx,
                self.info.id,
                self.values(),
                record_id=self.row.id if self.row is not None else None,
                ref_id=self.row.ref_id
                if self.row is not None and self.info.source == "visit_transfers"
                else None,
            )
        announce("register")
        return saved.record.id, saved.warnings

    def refresh_stats(self) -> None:
        assert self.row is not None
        month = str(self.row.values.get("month", ""))

        def go() -> None:
            with self.env.ctx() as ctx:
                saved = reg.generate_bulletin(ctx, month, refresh=True)
            announce("register")
            self.row = saved.record
            QMessageBox.information(self, _tr("已更新"), "\n".join(saved.warnings) or _tr("已更新"))

        run_guarded(self, go)


# --- printing ----------------------------------------------------------------------------------


PERIOD_CHOICES = [
    ("current", "本期"),
    ("previous", "上期"),
    ("year", "本年"),
    ("all", "全部"),
    ("custom", "自定义"),
]


def period_range(
    info: reg.RegisterTypeInfo, choice: str, today: date
) -> tuple[date | None, date | None]:
    if choice == "all":
        return None, None
    if choice == "year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    period = info.period if info.period != "none" else "monthly"
    start, end = rr.period_bounds(period, rr.period_key(period, today))
    if choice == "previous":
        start, end = rr.period_bounds(period, rr.period_key(period, start - timedelta(days=1)))
    return start, end


def render_pdf(out: reg.Printout) -> bytes:
    """The printing helpers' landscape table (app.print), fed with the register's layout."""
    from app.print.table import TableColumn, render_table

    return render_table(
        out.title,
        out.subtitle,
        [
            TableColumn(c.label, c.width, "center" if c.key == "_seq" else "left")
            for c in out.columns
        ],
        out.rows,
        landscape=out.landscape,
    )


class PrintDialog(QDialog):
    """打印: choose the period, write the PDF, open it for printing."""

    def __init__(
        self, env: UiEnv, info: reg.RegisterTypeInfo, today: date, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.env = env
        self.info = info
        self.today = today
        self.setWindowTitle(_tr("打印") + f"：{info.name}")
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.period = CodeCombo(PERIOD_CHOICES)
        if info.period == "none":
            self.period.set_code("all")
        self.start = DatePick(_tr("开始日期"))
        self.end = DatePick(_tr("结束日期"))
        form.addRow(_tr("打印范围"), self.period)
        dates = QHBoxLayout()
        dates.addWidget(self.start)
        dates.addWidget(QLabel(_tr("至")))
        dates.addWidget(self.end)
        form.addRow(_tr("起止日期"), dates)
        lay.addLayout(form)
        self.summary = QLabel()
        self.summary.setObjectName("bannerInfo")
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.error = error_label()
        lay.addWidget(self.error)
        buttons = QDialogButtonBox()
        self.pdf_button = buttons.addButton(
            _tr("预览并打印…"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.pdf_button.setObjectName("primary")
        buttons.addButton(_tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        self.pdf_button.clicked.connect(self.preview)
        lay.addWidget(buttons)
        self.period.currentIndexChanged.connect(self._period_changed)
        self.start.edit.textEdited.connect(lambda _t: self.period.set_code("custom"))
        self.end.edit.textEdited.connect(lambda _t: self.period.set_code("custom"))
        self._period_changed()
        self.resize(460, 220)

    def _period_changed(self) -> None:
        code = self.period.code()
        if code != "custom":
            start, end = period_range(self.info, code, self.today)
            self.start.set_value(start.isoformat() if start else "")
            self.end.set_value(end.isoformat() if end else "")
        self.update_summary()

    def range(self) -> tuple[date | None, date | None]:
        from app.rules.dates import parse_date

        start = (
            parse_date(self.start.value(), "from", _tr("开始日期")) if self.start.value() else None
        )
        end = parse_date(self.end.value(), "to", _tr("结束日期")) if self.end.value() else None
        if start and end and end < start:
            raise ValidationError.single("to", _tr("结束日期"), _tr("早于开始日期"), _tr("请核对"))
        return start, end

    def printout(self) -> reg.Printout:
        start, end = self.range()
        with self.env.ctx() as ctx:
            return reg.printout(ctx, self.info.id, start, end)

    def update_summary(self) -> None:
        self.error.hide()
        try:
            out = self.printout()
        except AppError as err:
            self.error.setText(str(err))
            self.error.show()
            self.summary.setText("")
            return
        self.summary.setText(f"{out.title}\n{out.subtitle}")

    def export_to(self, path: Path) -> reg.Printout:
        out = self.printout()
        path.write_bytes(render_pdf(out))
        return out

    def preview_dialog(self) -> PrintPreviewDialog:
        """The print preview (打印…, 另存为PDF…) of the register for the chosen period."""
        from ..print_preview import PrintPreviewDialog

        out = self.printout()
        return PrintPreviewDialog(
            render_pdf(out), out.title, self, file_name=f"{out.file_stem}.pdf"
        )

    def preview(self) -> None:
        try:
            dlg = self.preview_dialog()
        except AppError as err:
            QMessageBox.warning(self, _tr("无法打印"), str(err))
            return
        dlg.exec()


class MonthDialog(QDialog):
    """生成月通报: which month."""

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_tr("生成月通报"))
        lay = QFormLayout(self)
        last = today.replace(day=1) - timedelta(days=1)
        self.month = QComboBox()
        self.month.setEditable(True)
        months = []
        d = today.replace(day=1)
        for _ in range(13):
            months.append(f"{d.year:04d}-{d.month:02d}")
            d = (d - timedelta(days=1)).replace(day=1)
        self.month.addItems(months)
        self.month.setCurrentText(f"{last.year:04d}-{last.month:02d}")
        lay.addRow(_tr("通报月份"), self.month)
        note = QLabel(
            _tr("按该月来信来访、矛盾纠纷统计数据生成，通报正文可修改；当月无事项时形成零报告。")
        )
        note.setWordWrap(True)
        note.setObjectName("muted")
        lay.addRow(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_tr("生成"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_tr("取消"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addRow(buttons)

    def value(self) -> str:
        return self.month.currentText().strip()


# --- 管理台账类型 (station admin) ----------------------------------------------------------------


class TypeDialog(QDialog):
    def __init__(
        self, env: UiEnv, info: reg.RegisterTypeInfo | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.env = env
        self.info = info
        self.result_info: reg.RegisterTypeInfo | None = None
        self.setWindowTitle(_tr("新增台账") if info is None else _tr("台账设置"))
        lay = QVBoxLayout(self)
        self.summary = QLabel()
        self.errors = FieldErrors(self.summary)
        lay.addWidget(self.summary)
        form = QFormLayout()
        self.name = QLineEdit(info.name if info else "")
        self.name.setPlaceholderText(_tr("如“值班记录”“重点人员走访台账”"))
        self.period = CodeCombo(list(rr.PERIODS.items()))
        self.period.set_code(info.period if info else "monthly")
        if info is not None and info.source:
            self.period.setEnabled(False)
        self.orientation = CodeCombo([("landscape", "横向"), ("portrait", "纵向")])
        self.orientation.set_code("landscape" if info is None or info.landscape else "portrait")
        self.description = QPlainTextEdit(info.description if info else "")
        self.description.setMaximumHeight(80)
        self.name_error, self.period_error = error_label(), error_label()
        form.addRow(_tr("台账名称 *"), self.name)
        form.addRow("", self.name_error)
        form.addRow(_tr("登记周期"), self.period)
        form.addRow("", self.period_error)
        form.addRow(_tr("打印方向"), self.orientation)
        form.addRow(_tr("说明"), self.description)
        lay.addLayout(form)
        self.errors.register("name", self.name, self.name_error)
        self.errors.register("period", self.period, self.period_error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(_tr("保存"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_tr("取消"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(440, 300)

    def save(self) -> bool:
        data = reg.TypeInput(
            name=self.name.text(),
            period=self.period.code(),
            description=self.description.toPlainText(),
            orientation=self.orientation.code(),
        )
        self.errors.clear()
        try:
            with self.env.ctx() as ctx:
                if self.info is None:
                    self.result_info = reg.add_type(ctx, data)
                else:
                    self.result_info = reg.update_type(ctx, self.info.id, data)
        except ValidationError as err:
            self.errors.show(err)
            return False
        except AppError as err:
            QMessageBox.warning(self, _tr("无法保存"), str(err))
            return False
        announce("register")
        self.accept()
        return True


class FieldDialog(QDialog):
    """Add or change a local field: name, type and the options its type needs."""

    def __init__(
        self,
        env: UiEnv,
        info: reg.RegisterTypeInfo,
        field_info: reg.FieldInfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.env = env
        self.info = info
        self.field_info = field_info
        preset = field_info is not None and not field_info.is_local
        self.setWindowTitle(_tr("添加栏目") if field_info is None else _tr("修改栏目"))
        lay = QVBoxLayout(self)
        self.summary = QLabel()
        self.errors = FieldErrors(self.summary)
        lay.addWidget(self.summary)
        if preset:
            note = QLabel(_tr("预设栏目由系统定义，只能设置是否在列表中显示"))
            note.setObjectName("bannerInfo")
            lay.addWidget(note)
        form = QFormLayout()
        self.label = QLineEdit(field_info.label if field_info else "")
        self.label.setPlaceholderText(_tr("栏目名称，不超过20个字"))
        self.type = CodeCombo([(t, rr.FIELD_TYPES[t]) for t in rr.LOCAL_FIELD_TYPES])
        if field_info is not None:
            self.type.set_code(field_info.type)
        self.required = QCheckBox(_tr("必填"))
        self.required.setChecked(bool(field_info and field_info.required))
        self.show_in_list = QCheckBox(_tr("在列表中显示"))
        self.show_in_list.setChecked(field_info.show_in_list if field_info else True)
        self.in_print = QCheckBox(_tr("打印时包含"))
        self.in_print.setChecked(True)
        self.help = QLineEdit(field_info.help if field_info else "")
        self.help.setPlaceholderText(_tr("填写说明（可不填）"))
        opts = field_info.options if field_info else {}
        # type-specific options
        self.code_table = QComboBox()
        self.code_table.addItem(_tr("（自定义选项）"), "")
        with env.ctx() as ctx:
            for name, title in reg.code_tables(ctx):
                self.code_table.addItem(title, name)
        if opts.get("code_table"):
            self.code_table.setCurrentIndex(max(0, self.code_table.findData(opts["code_table"])))
        self.choices = QPlainTextEdit("\n".join(str(c) for c in opts.get("choices", ())))
        self.choices.setPlaceholderText(_tr("每行一个选项"))
        self.choices.setMaximumHeight(90)
        self.min = QLineEdit("" if opts.get("min") is None else str(opts.get("min")))
        self.max = QLineEdit("" if opts.get("max") is None else str(opts.get("max")))
        self.decimals = QSpinBox()
        self.decimals.setRange(0, 4)
        self.decimals.setValue(int(opts.get("decimals", 0)))
        self.unit = QLineEdit(str(opts.get("unit", "")))
        self.future = QCheckBox(_tr("允许填写今天以后的日期"))
        self.future.setChecked(bool(opts.get("future")))
        self.open_end = QCheckBox(_tr("可以只填开始日期（至今）"))
        self.open_end.setChecked(bool(opts.get("open_end")))
        self.multiple = QCheckBox(_tr("可填写多人"))
        self.multiple.setChecked(bool(opts.get("multiple")))
        self.label_error, self.type_error, self.choices_error = (
            error_label(),
            error_label(),
            error_label(),
        )
        form.addRow(_tr("栏目名称 *"), self.label)
        form.addRow("", self.label_error)
        form.addRow(_tr("类型"), self.type)
        form.addRow("", self.type_error)
        flags = QHBoxLayout()
        for w in (self.required, self.show_in_list, self.in_print):
            flags.addWidget(w)
        flags.addStretch(1)
        form.addRow("", flags)
        form.addRow(_tr("填写说明"), self.help)
        self.choice_rows = [(_tr("代码表"), self.code_table), (_tr("可选项"), self.choices)]
        self.number_rows = [
            (_tr("最小值"), self.min),
            (_tr("最大值"), self.max),
            (_tr("小数位数"), self.decimals),
            (_tr("单位"), self.unit),
        ]
        for label_text, widget in [*self.choice_rows, *self.number_rows]:
            form.addRow(label_text, widget)
            if widget is self.choices:
                form.addRow("", self.choices_error)
        form.addRow("", self.future)
        form.addRow("", self.open_end)
        form.addRow("", self.multiple)
        self.form = form
        lay.addLayout(form)
        self.errors.register("label", self.label, self.label_error)
        self.errors.register("type", self.type, self.type_error)
        self.errors.register("choices", self.choices, self.choices_error)
        self.errors.register("code_table", self.code_table, self.choices_error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(_tr("保存"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_tr("取消"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.type.currentIndexChanged.connect(self._type_changed)
        self.code_table.currentIndexChanged.connect(self._type_changed)
        if preset:
            for widget in (
                self.label,
                self.type,
                self.required,
                self.help,
                self.in_print,
                self.code_table,
                self.choices,
                self.min,
                self.max,
                self.decimals,
                self.unit,
                self.future,
                self.open_end,
                self.multiple,
            ):
                widget.setEnabled(False)
        if field_info is not None:
            self.in_print.hide()
        self._type_changed()
        self.resize(460, 360)

    def _show_row(self, w: QWidget, visible: bool) -> None:
        self.form.setRowVisible(w, visible)

    def _type_changed(self) -> None:
        t = self.type.code()
        self._show_row(self.code_table, t == "choice")
        self._show_row(self.choices, t == "choice" and not self.code_table.currentData())
        for _label, w in self.number_rows:
            self._show_row(w, t == "number")
        self._show_row(self.future, t in ("date", "datetime", "date_range", "month"))
        self._show_row(self.open_end, t == "date_range")
        self._show_row(self.multiple, t == "person")

    def field_input(self) -> reg.FieldInput:
        def num(text: str, key: str, label: str) -> float | int | None:
            text = text.strip()
            if not text:
                return None
            try:
                value = float(text)
            except ValueError:
                raise ValidationError.single(
                    key, label, f"“{text}”不是数字", _tr("请填写数字")
                ) from None
            return int(value) if value.is_integer() else value

        return reg.FieldInput(
            label=self.label.text(),
            type=self.type.code(),
            required=self.required.isChecked(),
            help=self.help.text(),
            show_in_list=self.show_in_list.isChecked(),
            in_print=self.in_print.isChecked(),
            code_table=str(self.code_table.currentData() or ""),
            choices=[c for c in self.choices.toPlainText().splitlines() if c.strip()],
            min=num(self.min.text(), "min", _tr("最小值")),
            max=num(self.max.text(), "max", _tr("最大值")),
            decimals=self.decimals.value(),
            unit=self.unit.text(),
            future=self.future.isChecked(),
            open_end=self.open_end.isChecked(),
            multiple=self.multiple.isChecked(),
        )

    def save(self) -> bool:
        self.errors.clear()
        try:
            data = self.field_input()
            with self.env.ctx() as ctx:
                if self.field_info is None:
                    reg.add_field(ctx, self.info.id, data)
                else:
                    reg.update_field(ctx, self.field_info.id, data)
        except ValidationError as err:
            self.errors.show(err)
            return False
        except AppError as err:
            QMessageBox.warning(self, _tr("无法保存"), str(err))
            return False
        announce("register")
        self.accept()
        return True


class ManageTypesDialog(QDialog):
    """管理台账类型: this station's registers (the ten presets and local ones) and their fields."""

    def __init__(
        self, env: UiEnv, parent: QWidget | None = None, select_id: str | None = None
    ) -> None:
        super().__init__(parent)
        self.env = env
        self.setWindowTitle(_tr("管理台账类型"))
        self.infos: list[reg.RegisterTypeInfo] = []
        lay = QVBoxLayout(self)
        lay.addWidget(
            page_header(
                _tr("管理台账类型"),
                _tr(
                    "“十个一”预设台账随系统提供；各地台账不同的，可在此新增本站台账或给台账添加栏目，无需改程序。"
                ),
            )
        )
        split = QSplitter()
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        self.types = QListWidget()
        self.types.currentRowChanged.connect(self._type_selected)
        ll.addWidget(self.types, 1)
        tb = QHBoxLayout()
        self.add_type_button = QPushButton(_tr("新增台账…"))
        self.edit_type_button = QPushButton(_tr("设置…"))
        self.toggle_type_button = QPushButton(_tr("停用"))
        for b in (self.add_type_button, self.edit_type_button, self.toggle_type_button):
            b.setAutoDefault(False)
            tb.addWidget(b)
        ll.addLayout(tb)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.type_hint = QLabel()
        self.type_hint.setObjectName("pageHint")
        self.type_hint.setWordWrap(True)
        rl.addWidget(self.type_hint)
        self.fields = QTableWidget(0, 5)
        self.fields.setHorizontalHeaderLabels(
            [_tr("栏目"), _tr("类型"), _tr("必填"), _tr("列表显示"), _tr("来源/状态")]
        )
        self.fields.verticalHeader().hide()
        self.fields.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.fields.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.fields.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.fields.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.fields.doubleClicked.connect(lambda _i: self.edit_field())
        rl.addWidget(self.fields, 1)
        fb = QHBoxLayout()
        self.add_field_button = QPushButton(_tr("添加栏目…"))
        self.edit_field_button = QPushButton(_tr("修改栏目…"))
        self.up_button = QPushButton(_tr("上移"))
        self.down_button = QPushButton(_tr("下移"))
        self.toggle_field_button = QPushButton(_tr("停用栏目"))
        for b in (
            self.add_field_button,
            self.edit_field_button,
            self.up_button,
            self.down_button,
            self.toggle_field_button,
        ):
            b.setAutoDefault(False)
            fb.addWidget(b)
        fb.addStretch(1)
        rl.addLayout(fb)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([260, 560])
        lay.addWidget(split, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText(_tr("关闭"))
        close.rejected.connect(self.reject)
        lay.addWidget(close)
        self.add_type_button.clicked.connect(self.add_type)
        self.edit_type_button.clicked.connect(self.edit_type)
        self.toggle_type_button.clicked.connect(self.toggle_type)
        self.add_field_button.clicked.connect(self.add_field)
        self.edit_field_button.clicked.connect(self.edit_field)
        self.up_button.clicked.connect(lambda: self.move_field(-1))
        self.down_button.clicked.connect(lambda: self.move_field(1))
        self.toggle_field_button.clicked.connect(self.toggle_field)
        self.fields.itemSelectionChanged.connect(self._update_buttons)
        self.resize(920, 560)
        self.reload(select_id)

    def reload(self, select_id: str | None = None) -> None:
        selected = self.current()
        current = select_id or (selected.id if selected is not None else None)
        with self.env.ctx() as ctx:
            self.infos = [i for i in reg.list_types(ctx, include_inactive=True) if i.is_own]
        self.types.blockSignals(True)
        self.types.clear()
        for info in self.infos:
            text = info.name
            if not info.is_preset:
                text += _tr("（本站）")
            if not info.active:
                text += _tr("〔已停用〕")
            self.types.addItem(text)
        self.types.blockSignals(False)
        index = next((i for i, x in enumerate(self.infos) if x.id == current), 0)
        self.types.setCurrentRow(index)
        self._type_selected(index)

    def current(self) -> reg.RegisterTypeInfo | None:
        row = self.types.currentRow()
        return self.infos[row] if 0 <= row < len(self.infos) else None

    def current_field(self) -> reg.FieldInfo | None:
        info = self.current()
        rows = self.fields.selectionModel().selectedRows() if self.fields.selectionModel() else []
        if info is None or not rows:
            return None
        return info.fields[rows[0].row()]

    def _type_selected(self, _row: int) -> None:
        info = self.current()
        self.fields.setRowCount(0)
        if info is None:
            return
        self.type_hint.setText(
            f"{info.name}　{info.period_label}　{info.source_label}"
            + (f"\n{info.description}" if info.description else "")
        )
        for f in info.fields:
            r = self.fields.rowCount()
            self.fields.insertRow(r)
            origin = (
                _tr("本站添加") if f.is_local else (_tr("自动生成") if f.computed else _tr("预设"))
            )
            if not f.active:
                origin += _tr("，已停用")
            for c, text in enumerate(
                [
                    f.label,
                    f.type_label,
                    "是" if f.required else "",
                    "是" if f.show_in_list else "",
                    origin,
                ]
            ):
                self.fields.setItem(r, c, QTableWidgetItem(text))
        self.toggle_type_button.setText(_tr("停用") if info.active else _tr("启用"))
        self._update_buttons()

    def _update_buttons(self) -> None:
        info = self.current()
        f = self.current_field()
        self.add_field_button.setEnabled(info is not None and info.can_add_fields)
        self.edit_field_button.setEnabled(f is not None and not f.computed)
        self.up_button.setEnabled(f is not None)
        self.down_button.setEnabled(f is not None)
        self.toggle_field_button.setEnabled(f is not None and f.is_local)
        if f is not None:
            self.toggle_field_button.setText(_tr("停用栏目") if f.active else _tr("启用栏目"))

    def add_type(self) -> None:
        dlg = TypeDialog(self.env, None, self)
        if dlg.exec() and dlg.result_info is not None:
            self.reload(dlg.result_info.id)

    def edit_type(self) -> None:
        info = self.current()
        if info is None:
            return
        dlg = TypeDialog(self.env, info, self)
        if dlg.exec():
            self.reload(info.id)

    def toggle_type(self) -> None:
        info = self.current()
        if info is None:
            return

        def go() -> None:
            with self.env.ctx() as ctx:
                reg.set_type_active(ctx, info.id, not info.active)
            announce("register")

        if run_guarded(self, go):
            self.reload(info.id)

    def add_field(self) -> None:
        info = self.current()
        if info is None:
            return
        dlg = FieldDialog(self.env, info, None, self)
        if dlg.exec():
            self.reload(info.id)

    def edit_field(self) -> None:
        info, f = self.current(), self.current_field()
        if info is None or f is None or f.computed:
            return
        dlg = FieldDialog(self.env, info, f, self)
        if dlg.exec():
            self.reload(info.id)

    def move_field(self, step: int) -> None:
        info, f = self.current(), self.current_field()
        if info is None or f is None:
            return

        def go() -> None:
            with self.env.ctx() as ctx:
                reg.move_field(ctx, f.id, step)
            announce("register")

        if run_guarded(self, go):
            row = next(i for i, x in enumerate(info.fields) if x.id == f.id)
            self.reload(info.id)
            new_row = max(0, min(self.fields.rowCount() - 1, row + step))
            self.fields.selectRow(new_row)

    def toggle_field(self) -> None:
        info, f = self.current(), self.current_field()
        if info is None or f is None:
            return

        def go() -> None:
            with self.env.ctx() as ctx:
                reg.set_field_active(ctx, f.id, not f.active)
            announce("register")

        if run_guarded(self, go):
            self.reload(info.id)


__all__ = [
    "AttachmentEdit",
    "DatePick",
    "FieldDialog",
    "ManageTypesDialog",
    "MonthDialog",
    "PersonEdit",
    "PrintDialog",
    "RecordDialog",
    "TableEdit",
    "TypeDialog",
]
