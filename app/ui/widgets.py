"""Small building blocks shared by pages and forms."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from itertools import pairwise
from time import monotonic
from typing import Any, cast

from PySide6.QtCore import QDate, QEvent, QLocale, QObject, QPoint, QSettings, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QIcon,
    QInputMethodEvent,
    QKeyEvent,
    QPainter,
    QPixmap,
)
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.rules.dates import (
    TYPED_DATE_HINT,
    TYPED_DATETIME_HINT,
    format_typed_date,
    format_typed_datetime,
    parse_typed_date,
    parse_typed_datetime,
)
from app.rules.errors import FieldProblem, ValidationError
from app.rules.pinyin import type_ahead

from .i18n import QT_GAPS, tr


def to_qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def from_qdate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class _CalendarPopup(QFrame):
    """The calendar of a :class:`DateField`: opens below the field (above it when the screen
    ends), always whole on the screen; Enter or a click picks the day, Esc closes."""

    picked = Signal(QDate)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.Box)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(1, 1, 1, 1)
        self.calendar = QCalendarWidget(self)
        self.calendar.setLocale(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
        self.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        self.calendar.setGridVisible(True)
        self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        lay.addWidget(self.calendar)
        self.calendar.activated.connect(self._pick)
        self.calendar.clicked.connect(self._pick)

    def needed_size(self) -> QSize:
        """Room for the navigation bar, the weekday row and six weeks at the current font
        (the calendar's own size hint leaves the last week cut off with the app's theme)."""
        fm = self.calendar.fontMetrics()
        nav = self.calendar.findChild(QWidget, "qt_calendar_navigationbar")
        nav_h = nav.sizeHint().height() if nav is not None else fm.height() + 12
        cell_h = fm.height() + 10
        cell_w = fm.horizontalAdvance("周三") + 18
        size = QSize(7 * cell_w + 4, nav_h + 7 * cell_h + 6)
        return size.expandedTo(self.calendar.sizeHint() + QSize(2, 2))

    def _pick(self, day: QDate) -> None:
        self.picked.emit(day)
        self.close()

    def open_below(self, anchor: QWidget, day: QDate) -> None:
        self.calendar.setSelectedDate(day)
        size = self.needed_size()
        self.setFixedSize(size)  # the whole month, its sixth week included
        below = anchor.mapToGlobal(QPoint(0, anchor.height()))
        screen = anchor.screen() or QGuiApplication.primaryScreen()
        area = screen.availableGeometry()
        x = min(max(below.x(), area.left()), area.right() - size.width() + 1)
        y = below.y()
        if y + size.height() > area.bottom() + 1:  # no room below: open above the field
            y = anchor.mapToGlobal(QPoint(0, 0)).y() - size.height()
        y = min(max(y, area.top()), area.bottom() - size.height() + 1)
        self.move(x, y)
        self.show()
        self.move(x, y)  # some window systems place a popup on show: put it back
        self.calendar.setFocus()


class DateField(QLineEdit):
    """One date (or date and time) field, one Tab stop: the clerk types 20260305, 2026-3-5,
    2026.3.5, 3.5 (this year), 今天/昨天 and optionally a time (14:30); F4 or Alt+↓ opens a
    calendar. What was typed is parsed by :func:`app.rules.dates.parse_typed_date`: an
    impossible day (20260230) is refused with a message naming the field, never changed into
    another day. A valid entry is rewritten in full (2026-03-05) so the clerk sees the year.

    ``value()`` returns the date (datetime) or raises :class:`ValidationError` for the field
    name given; optional fields return None when empty (``value_or_none``)."""

    dateChanged = Signal(object)  # noqa: N815 — the name QDateEdit used; a date, datetime or None

    def __init__(
        self,
        value: date | datetime | None = None,
        parent: QWidget | None = None,
        *,
        field: str = "date",
        label: str = "",
        with_time: bool = False,
        optional: bool = False,
        today: Callable[[], date] | None = None,
    ) -> None:
        super().__init__(parent)
        self.field = field
        self.label = label or (tr("时间") if with_time else tr("日期"))
        self.with_time = with_time
        self.optional = optional
        self._today = today or date.today
        hint = TYPED_DATETIME_HINT if with_time else TYPED_DATE_HINT
        self.setPlaceholderText(
            tr("如 {0}").format(hint.split("、")[0]) + (tr("，可不填") if optional else "")
        )
        self.setToolTip(tr("可输入 {0}；F4 或 Alt+↓ 打开日历").format(hint))
        self.setMinimumWidth(150 if with_time else 120)
        self.setMaximumWidth(200 if with_time else 170)
        self._popup: _CalendarPopup | None = None
        self._last: date | datetime | None = None
        action = self.addAction(_calendar_icon(), QLineEdit.ActionPosition.TrailingPosition)
        action.setToolTip(tr("打开日历（F4）"))
        action.triggered.connect(self.open_calendar)
        self.editingFinished.connect(self._finished)
        if value is not None:
            self.set_value(value)

    # --- values ------------------------------------------------------------------------
    def set_field(self, field: str, label: str) -> None:
        self.field, self.label = field, label

    def _parse(self, text: str) -> date | datetime:
        today = self._today()
        if self.with_time:
            return parse_typed_datetime(text, self.field, self.label, today=today)
        return parse_typed_date(text, self.field, self.label, today=today)

    def value(self) -> Any:
        """The date (or datetime) typed; raise ValidationError naming the field."""
        text = self.text().strip()
        if not text and self.optional:
            return None
        return self._parse(text)

    def value_or_none(self) -> date | datetime | None:
        return cast("date | datetime | None", self.value())

    def raw(self) -> str:
        """The text for a service that parses it: the full form when it is a valid date."""
        text = self.text().strip()
        try:
            parsed = self._parse(text) if text else None
        except ValidationError:
            return text
        return "" if parsed is None else self._format(parsed)

    def _format(self, value: date | datetime) -> str:
        if self.with_time and isinstance(value, datetime):
            return format_typed_datetime(value)
        return format_typed_date(value if not isinstance(value, datetime) else value.date())

    def set_value(self, value: date | datetime | None) -> None:
        if value is None:
            self.setText("")
        else:
            if not self.with_time and isinstance(value, datetime):
                value = value.date()
            elif self.with_time and not isinstance(value, datetime):
                value = datetime(value.year, value.month, value.day)
            self.setText(self._format(value))
        changed = value != self._last
        self._last = value
        set_invalid(self, False)
        if changed:  # as QDateEdit did: a value set by the program is announced too
            self.dateChanged.emit(value)

    def last_valid(self) -> Any:
        """The last valid value entered (what a filter keeps while a day is mistyped)."""
        try:
            return self.value()
        except ValidationError:
            return self._last

    def problem(self) -> str:
        """The message for what is typed now ('' when it is fine)."""
        try:
            self.value()
        except ValidationError as err:
            return str(err)
        return ""

    def _finished(self) -> None:
        text = self.text().strip()
        if not text:
            set_invalid(self, False)
            if self._last is not None:
                self._last = None
                self.dateChanged.emit(None)
            return
        try:
            parsed = self._parse(text)
        except ValidationError as err:
            set_invalid(self, True, str(err))  # kept as typed: the clerk corrects it
            return
        set_invalid(self, False)
        shown = self._format(parsed)
        if shown != self.text():
            self.setText(shown)
        if parsed != self._last:
            self._last = parsed
            self.dateChanged.emit(parsed)

    # --- calendar ----------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        alt_down = key == Qt.Key.Key_Down and event.modifiers() & Qt.KeyboardModifier.AltModifier
        if key == Qt.Key.Key_F4 or alt_down:
            self.open_calendar()
            event.accept()
            return
        super().keyPressEvent(event)

    def calendar_popup(self) -> _CalendarPopup | None:
        return self._popup

    def open_calendar(self) -> None:
        if self.isReadOnly() or not self.isEnabled():
            return
        if self._popup is None:
            self._popup = _CalendarPopup(self)
            self._popup.picked.connect(self._picked)
        try:
            current = self.value()
        except ValidationError:
            current = None
        day = current if current is not None else self._today()
        self._popup.open_below(self, QDate(day.year, day.month, day.day))

    def _picked(self, day: QDate) -> None:
        picked = from_qdate(day)
        if self.with_time:
            try:
                old = self.value()
            except ValidationError:
                old = None
            clock = old.time() if isinstance(old, datetime) else time(0, 0)
            self.setText(format_typed_datetime(datetime.combine(picked, clock)))
        else:
            self.setText(format_typed_date(picked))
        self.textEdited.emit(self.text())
        self.setFocus()
        self._finished()


def _calendar_icon() -> QIcon:
    pix = QPixmap(16, 16)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setPen(QColor("#5b6b7f"))
    p.drawRect(1, 2, 13, 12)
    p.fillRect(1, 2, 14, 4, QColor("#5b6b7f"))
    for x in (4, 8, 12):
        for y in (8, 11):
            p.drawPoint(x, y)
    p.end()
    return QIcon(pix)


class DateEdit(DateField):
    """A required date (one Tab stop, typed or from the calendar)."""


class DateTimeEdit(DateField):
    """A moment in Beijing time: 2026-03-05 14:30 (naive; the service reads it as local)."""

    def __init__(
        self, value: datetime | None = None, parent: QWidget | None = None, **kw: Any
    ) -> None:
        super().__init__(value, parent, with_time=True, **kw)


class OptionalDate(DateField):
    """A date that may stay empty."""

    def __init__(self, value: date | None = None, parent: QWidget | None = None, **kw: Any) -> None:
        super().__init__(value, parent, optional=True, **kw)


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
        self._typed = ""
        self._typed_at = 0.0
        self.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, True)
        self.set_items(items)

    # --- type-ahead: pinyin initials (cw → 村务管理), full pinyin, or characters ---------
    TYPE_AHEAD_PAUSE = 1.2  # seconds: a longer pause starts a new search

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if (
            text
            and text.isprintable()
            and not text.isspace()
            and mods in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier)
            and not self.isEditable()
        ):
            self.type_ahead(text)
            event.accept()
            return
        if event.key() == Qt.Key.Key_Backspace:
            self._typed = ""
        super().keyPressEvent(event)

    def inputMethodEvent(self, event: QInputMethodEvent) -> None:
        """Characters from a Chinese input method (村务) choose the entry too."""
        if event.commitString() and not self.isEditable():
            self.type_ahead(event.commitString())
            event.accept()
            return
        super().inputMethodEvent(event)

    def type_ahead(self, text: str) -> bool:
        if monotonic() - self._typed_at > self.TYPE_AHEAD_PAUSE:
            self._typed = ""
        labels = [self.itemText(i) if self.itemData(i) else "" for i in range(self.count())]
        query = self._typed + text
        index = type_ahead(query, labels)
        self._typed_at = monotonic()  # after the search: its first use loads pypinyin
        if index is None:
            return False  # nothing matches what was typed: the choice stays
        self._typed = query
        if index != self.currentIndex():
            self.setCurrentIndex(index)
            self.activated.emit(index)
        return True

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


QUICK = "quickEntry"


def mark_quick(*widgets: QWidget) -> None:
    """Put widgets on the Enter path of a form: the fields the paper form asks every time."""
    for w in widgets:
        w.setProperty(QUICK, True)


def is_quick(widget: QWidget) -> bool:
    return bool(widget.property(QUICK))


def chain_tab_order(widgets: Sequence[QWidget]) -> None:
    """Tab visits ``widgets`` in this order (the rest of the window keeps its order after)."""
    for a, b in pairwise(widgets):
        QWidget.setTabOrder(a, b)


# --- every window on the screen (1366×768 and 1280×720 village PCs) ---------------------------

GEOMETRY_KEY = "main_window/geometry"


def ui_settings() -> QSettings:
    """This PC's desk settings (window geometry): per user, not in the ledger."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "zongzhi", "desk")


TITLE_BAR = 40  # allowance for a title bar and borders the window manager has not reported yet


def fit_window(window: QWidget) -> None:
    """Shrink and move a top-level window so all of it, title bar included, lies inside the
    screen's available area (taskbar excluded); forms scroll inside, buttons stay visible."""
    if not window.isWindow() or window.isMaximized() or window.isFullScreen():
        return
    if window.windowFlags() & Qt.WindowType.Popup == Qt.WindowType.Popup:
        return
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    avail = screen.availableGeometry()
    frame, inner = window.frameGeometry(), window.geometry()
    extra_w = max(frame.width() - inner.width(), 0)
    extra_h = max(frame.height() - inner.height(), TITLE_BAR)
    width = min(inner.width(), avail.width() - extra_w)
    height = min(inner.height(), avail.height() - extra_h)
    if (width, height) != (inner.width(), inner.height()):
        window.resize(max(width, window.minimumWidth()), max(height, window.minimumHeight()))
    frame_w = window.width() + extra_w
    frame_h = window.height() + extra_h
    x = min(max(frame.x(), avail.left()), avail.right() + 1 - frame_w)
    y = min(max(frame.y(), avail.top()), avail.bottom() + 1 - frame_h)
    if (x, y) != (frame.x(), frame.y()):
        window.move(max(x, avail.left()), max(y, avail.top()))


class ScreenFit(QObject):
    """Application-wide: every dialog is fitted to the screen when it is shown (and Qt's own
    file dialog gets the two labels its Chinese catalogue misses)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(watched, QDialog) and watched.isWindow():
            if isinstance(watched, QFileDialog):
                for label, text in QT_GAPS.items():
                    watched.setLabelText(getattr(QFileDialog.DialogLabel, label), text)
            fit_window(watched)
        return False


def install_screen_fit(app: QObject) -> None:
    if app.property("zongzhiScreenFit"):
        return
    fitter = ScreenFit(app)
    app.installEventFilter(fitter)
    app.setProperty("zongzhiScreenFit", True)
