"""A table model over keyset-paged ledger queries (Qt's "fetch more" pattern).

The model holds only the rows already shown. When the view scrolls near the end, Qt asks
``canFetchMore``/``fetchMore`` and the next page (200 rows) is read from where the last one
ended, so a 100k-record ledger opens and scrolls as fast as a small one. Sorting and filtering
happen in SQL: a header click reloads from the first page in the new order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from app.rules.errors import AppError
from app.services.ledger_query import Cursor, LedgerFilter, Page

from . import theme
from .i18n import tr

R = TypeVar("R")

Index = QModelIndex | QPersistentModelIndex
Fetch = Callable[[LedgerFilter, str, bool, Cursor | None], Page[Any]]

ROW_ID_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class Column(Generic[R]):
    title: str
    text: Callable[[R], str]
    sort: str | None = None  # the service's sort key; None: not sortable
    width: int = 100
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft
    colour: Callable[[R], QColor | None] | None = None
    tooltip: Callable[[R], str] | None = None


def days_text(days_left: int | None) -> str:
    if days_left is None:
        return ""
    if days_left < 0:
        return tr("超期{0}天").format(-days_left)
    if days_left == 0:
        return tr("今日到期")
    return tr("剩{0}天").format(days_left)


class LedgerModel(QAbstractTableModel):
    """Rows of one ledger list; ``fetch`` reads a page (filter, sort key, descending, cursor)."""

    failed = Signal(str)  # a Chinese message (e.g. an impossible date range)
    reloaded = Signal()

    def __init__(
        self,
        fetch: Fetch,
        columns: list[Column[Any]],
        *,
        default_sort: str,
        due_soon_days: int = 3,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self.columns = columns
        self._rows: list[Any] = []
        self._next: Cursor | None = None
        self._filter = LedgerFilter()
        self.sort_key = default_sort
        self.descending = True
        self.due_soon_days = due_soon_days
        self._loaded = False
        self._resetting = False
        self._fetching = False

    # --- Qt model API -----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        col = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.text(row)
        if role == Qt.ItemDataRole.ForegroundRole and col.colour is not None:
            colour = col.colour(row)
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.BackgroundRole and getattr(row, "is_foreign", False):
            return QBrush(theme.FOREIGN_BG)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(col.align | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col.tooltip is not None:
                return col.tooltip(row)
            if getattr(row, "is_foreign", False):
                return tr("外站记录（{0}），本站只读").format(row.origin)
            return None
        if role == ROW_ID_ROLE:
            return row.id
        if role == ROW_ROLE:
            return row
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        col = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return tr("点击按此列排序") if col.sort else tr("此列不能排序")
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._next is not None and not self._busy()

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._next is None or self._busy():
            return
        self._fetching = True  # a view or listener may ask again while rows go in
        try:
            page = self._read(self._next)
            if page is None:
                self._next = None
                return
            if page.rows:
                start = len(self._rows)
                self.beginInsertRows(QModelIndex(), start, start + len(page.rows) - 1)
                self._rows.extend(page.rows)
                self._next = page.next
                self.endInsertRows()
            else:
                self._next = None
        finally:
            self._fetching = False

    def _busy(self) -> bool:
        return self._resetting or self._fetching

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        key = self.columns[column].sort
        if key is None:
            return
        self.sort_key = key
        self.descending = order == Qt.SortOrder.DescendingOrder
        if self._loaded:  # before the first refresh(), only remember the order
            self.reload()

    # --- ours -------------------------------------------------------------------------
    def sort_column(self) -> int:
        for i, c in enumerate(self.columns):
            if c.sort == self.sort_key:
                return i
        return -1

    @property
    def filter(self) -> LedgerFilter:
        return self._filter

    def set_filter(self, flt: LedgerFilter) -> None:
        self._filter = flt
        self.reload()

    def _read(self, cursor: Cursor | None) -> Page[Any] | None:
        try:
            return self._fetch(self._filter, self.sort_key, self.descending, cursor)
        except AppError as exc:
            self.failed.emit(str(exc))
            return None

    def reload(self) -> None:
        page = self._read(None)
        self._next = None  # nothing may be fetched from the old listing while resetting
        self._resetting = True
        self.beginResetModel()
        self._rows = list(page.rows) if page else []
        self._next = page.next if page else None
        self._resetting = False
        self.endResetModel()
        self._loaded = True
        self.reloaded.emit()

    def row(self, i: int) -> Any:
        return self._rows[i]

    def row_id(self, i: int) -> str:
        return str(self._rows[i].id)

    def loaded_rows(self) -> int:
        return len(self._rows)

    def has_more(self) -> bool:
        return self._next is not None

    def find_row(self, record_id: str) -> int:
        for i, r in enumerate(self._rows):
            if r.id == record_id:
                return i
        return -1


def status_colour(row: Any) -> QColor | None:
    return theme.STATUS_COLOURS.get(getattr(row, "status", ""))


def deadline_colour_for(soon: Callable[[], int]) -> Callable[[Any], QColor | None]:
    """Red when overdue, amber within the station's due-soon window, green otherwise."""

    def colour(row: Any) -> QColor | None:
        return theme.deadline_colour(getattr(row, "days_left", None), soon())

    return colour
