"""Small building blocks shared by pages and forms."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.rules.errors import FieldProblem, ValidationError

from .i18n import tr


def to_qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def from_qdate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class DateEdit(QDateEdit):
    """A required date: yyyy-MM-dd with a calendar popup."""

    def __init__(self, value: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
        self.setMinimumWidth(130)
        if value is not None:
            self.set_value(value)

    def value(self) -> date:
        return from_qdate(self.date())

    def set_value(self, value: date) -> None:
        self.setDate(to_qdate(value))


class DateTimeEdit(QDateTimeEdit):
    """A moment in Beijing time: yyyy-MM-dd HH:mm (naive; the service reads it as local)."""

    def __init__(self, value: datetime | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
        self.setMinimumWidth(160)
        if value is not None:
            self.set_value(value)

    def value(self) -> datetime:
        d, t = self.date(), self.time()
        return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())

    def set_value(self, value: datetime) -> None:
        self.setDateTime(QDateTime(to_qdate(value.date()), QTime(value.hour, value.minute)))


class OptionalDate(QLineEdit):
    """A date that may stay empty; typed freely (2026-03-05, 2026年3月5日 …), checked by the
    service so the error names the field."""

    def __init__(self, value: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(tr("如 2026-03-05，可不填"))
        self.setMaximumWidth(180)
        if value is not None:
            self.setText(value.isoformat())

    def raw(self) -> str:
        return self.text().strip()


class CodeCombo(QComboBox):
    """A choice from a code table; ``code()`` is the stored code, the label is shown."""

    def __init__(
        self,
        items: Iterable[tuple[str, str]] = (),
        *,
        empty: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._empty = empty
        self.set_items(items)

    def set_items(self, items: Iterable[tuple[str, str]]) -> None:
        current = self.code()
        self.blockSignals(True)
        self.clear()
        if self._empty is not None:
            self.addItem(self._empty, "")
        for code, label in items:
            self.addItem(label, code)
        self.blockSignals(False)
        if current:
            self.set_code(current)

    def code(self) -> str:
        data = self.currentData()
        return str(data) if data is not None else ""

    def set_code(self, code: str) -> None:
        index = self.findData(code)
        if index < 0 and code:
            # a retired or foreign code: keep it visible rather than silently changing it
            self.addItem(code, code)
            index = self.count() - 1
        self.setCurrentIndex(max(index, 0))


class Card(QFrame):
    """A dashboard figure: a big number and what it counts."""

    def __init__(
        self, title: str, value: str = "—", hint: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 12, 16, 12)
        lay.setSpacing(2)
        self.title = QLabel(title)
        self.title.setObjectName("cardTitle")
        self.value = QLabel(value)
        self.value.setObjectName("cardValue")
        self.hint = QLabel(hint)
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        lay.addWidget(self.title)
        lay.addWidget(self.value)
        lay.addWidget(self.hint)
        self.setMinimumWidth(150)

    def set(self, value: str, hint: str | None = None, tone: str = "") -> None:
        self.value.setText(value)
        self.value.setProperty("tone", tone)
        self.value.style().unpolish(self.value)
        self.value.style().polish(self.value)
        if hint is not None:
            self.hint.setText(hint)


def page_header(title: str, hint: str = "", extra: Sequence[QWidget] = ()) -> QWidget:
    w = QWidget()
    lay = QHBoxLayout(w)
    lay.setContentsMargins(0, 0, 0, 4)
    col = QVBoxLayout()
    t = QLabel(title)
    t.setObjectName("pageTitle")
    col.addWidget(t)
    if hint:
        h = QLabel(hint)
        h.setObjectName("pageHint")
        h.setWordWrap(True)
        col.addWidget(h)
    lay.addLayout(col, 1)
    for e in extra:
        lay.addWidget(e, 0, Qt.AlignmentFlag.AlignBottom)
    return w


def set_invalid(widget: QWidget, invalid: bool, tip: str = "") -> None:
    widget.setProperty("invalid", "true" if invalid else "false")
    widget.setToolTip(tip if invalid else "")
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class FieldErrors:
    """Shows a :class:`ValidationError` beside the fields it names.

    Register each input under its service field name (``request``,
    ``petitioners[0].id_number`` …) with an optional error label; problems for fields that are
    not on screen go to the summary label."""

    def __init__(self, summary: QLabel) -> None:
        self._summary = summary
        self._summary.setObjectName("errorSummary")
        self._summary.setWordWrap(True)
        self._summary.hide()
        self._fields: dict[str, tuple[QWidget, QLabel | None]] = {}
        self._marked: list[QWidget] = []
        self._labels: list[QLabel] = []

    def register(self, field: str, widget: QWidget, label: QLabel | None = None) -> None:
        self._fields[field] = (widget, label)
        if label is not None:
            label.setObjectName("fieldError")
            label.setWordWrap(True)
            label.hide()

    def unregister_prefix(self, prefix: str) -> None:
        for key in [k for k in self._fields if k.startswith(prefix)]:
            del self._fields[key]

    def clear(self) -> None:
        for w in self._marked:
            with contextlib.suppress(RuntimeError):  # a removed party row's widget is gone
                set_invalid(w, False)
        for lab in self._labels:
            with contextlib.suppress(RuntimeError):
                lab.hide()
        self._marked.clear()
        self._labels.clear()
        self._summary.hide()

    def _lookup(self, field: str) -> tuple[QWidget, QLabel | None] | None:
        key = field
        while key:
            if key in self._fields:
                return self._fields[key]
            if "." not in key:
                break
            key = key.rsplit(".", 1)[0]
        return None

    def show(self, err: ValidationError) -> QWidget | None:
        """Mark every named field; return the first one (to focus it)."""
        self.clear()
        first: QWidget | None = None
        loose: list[FieldProblem] = []
        per_label: dict[int, list[str]] = {}
        for p in err.problems:
            hit = self._lookup(p.field)
            if hit is None:
                loose.append(p)
                continue
            widget, label = hit
            set_invalid(widget, True, p.text())
            self._marked.append(widget)
            if first is None:
                first = widget
            if label is not None:
                per_label.setdefault(id(label), []).append(p.text())
                label.setText(tr("；").join(per_label[id(label)]))
                label.show()
                self._labels.append(label)
            else:
                loose.append(p)
        texts = [p.text() for p in err.problems]
        self._summary.setText("请修改以下内容后再保存：\n" + "\n".join(f"• {t}" for t in texts))
        self._summary.show()
        return first


def error_label() -> QLabel:
    lab = QLabel()
    lab.setObjectName("fieldError")
    lab.setWordWrap(True)
    lab.hide()
    return lab


def watch_changes(widget: QWidget, callback: object) -> None:
    """Call ``callback()`` whenever the user edits ``widget`` (for the unsaved-changes guard)."""
    cb = callback
    if isinstance(widget, QLineEdit):
        widget.textEdited.connect(cb)
    elif isinstance(widget, QPlainTextEdit):
        widget.textChanged.connect(cb)
    elif isinstance(widget, QComboBox):
        widget.activated.connect(cb)
        if widget.isEditable():
            widget.editTextChanged.connect(cb)
    elif isinstance(widget, QCheckBox):
        widget.toggled.connect(cb)
    elif isinstance(widget, (QDateEdit, QDateTimeEdit)):
        widget.dateTimeChanged.connect(cb)
    elif isinstance(widget, QSpinBox):
        widget.valueChanged.connect(cb)
