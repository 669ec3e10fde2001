"""The keyframes as a table: type exact times and angles, pick each segment's direction.

Every accepted edit goes through the document (so it is undoable); a value the path cannot
take is refused and the reason shown (the document's ``edit_refused``). Selecting a row
selects the keyframe in every view, and the other way round.
"""

from __future__ import annotations

import math

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from ...engine.spatial.trajectory import DIRECTIONS
from .document import PathDocument
from .menus import DIRECTION_TIPS

COLUMNS = ("time", "azimuth", "elevation", "direction")
HEADERS = ("Time (s)", "Azimuth (°)", "Elevation (°)", "Direction")
HEADER_TIPS = (
    "When the sound is at this keyframe, in seconds from the start of the clip",
    "Horizontal angle: 0 = front, +90 = left, −90 = right, 180 = behind",
    "Vertical angle: 0 = ear height, +90 = straight up, −90 = straight down",
    "Which way the sound turns on its way here from the previous keyframe",
)
_Index = QModelIndex | QPersistentModelIndex


class KeyframeModel(QAbstractTableModel):
    """Table model over a :class:`PathDocument`'s keyframes."""

    def __init__(self, document: PathDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self._rows = len(document.keyframes())
        document.changed.connect(self._refresh)

    def _refresh(self) -> None:
        rows = len(self.document.keyframes())
        if rows == self._rows:  # a move (e.g. every step of a drag): repaint, keep editors
            self.dataChanged.emit(self.index(0, 0), self.index(rows - 1, len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.document.keyframes())

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,  # noqa: N802
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> object:
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return HEADER_TIPS[section]
        elif role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if COLUMNS[index.column()] == "direction" and index.row() == 0:
            return base  # the first keyframe ends no segment
        return base | Qt.ItemFlag.ItemIsEditable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        k = self.document.keyframes()[index.row()]
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "direction":
                return "—" if index.row() == 0 else k.direction
            return f"{getattr(k, column):.3f}" if column == "time" else f"{getattr(k, column):.1f}"
        if role == Qt.ItemDataRole.EditRole:
            return k.direction if column == "direction" else f"{getattr(k, column):g}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column != "direction":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "direction":
                return (
                    "The first keyframe starts the path"
                    if index.row() == 0
                    else DIRECTION_TIPS[k.direction]
                )
            return HEADER_TIPS[index.column()]
        return None

    def setData(
        self,
        index: _Index,
        value: object,  # noqa: N802
        role: int = Qt.ItemDataRole.EditRole,
    ) -> bool:
        """Apply a typed value through the document; refused values return False."""
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        row, column = index.row(), COLUMNS[index.column()]
        if column == "direction":
            return self.document.set_direction(row, str(value))
        number = _parse_number(value)
        if number is None:
            return self.document.refuse(f"{column} must be a number, got {str(value)!r}")
        return self.document.move_keyframe(row, **{column: number})


def _parse_number(value: object) -> float | None:
    """A float from typed text (a decimal comma and a typographic minus are accepted)."""
    text = str(value).strip().replace(",", ".").replace("−", "-").rstrip("°s ")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


class DirectionDelegate(QStyledItemDelegate):
    """A combo box for the direction column."""

    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,  # noqa: N802
        index: _Index,
    ) -> QWidget:
        if COLUMNS[index.column()] != "direction":
            return super().createEditor(parent, option, index)
        combo = QComboBox(parent)
        for i, d in enumerate(DIRECTIONS):
            combo.addItem(d)
            combo.setItemData(i, DIRECTION_TIPS[d], Qt.ItemDataRole.ToolTipRole)
        combo.activated.connect(lambda _=0, c=combo: self.commitData.emit(c))
        return combo

    def setEditorData(self, editor: QWidget, index: _Index) -> None:  # noqa: N802
        if isinstance(editor, QComboBox):
            editor.setCurrentText(str(index.data(Qt.ItemDataRole.EditRole)))
        else:
            super().setEditorData(editor, index)

    def setModelData(
        self,
        editor: QWidget,
        model: QAbstractTableModel,  # noqa: N802
        index: _Index,
    ) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)
        else:
            super().setModelData(editor, model, index)


class KeyframeTable(QTableView):
    """Exact values of the keyframes; Delete removes the selected one."""

    def __init__(self, document: PathDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.setModel(KeyframeModel(document, self))
        self.setItemDelegate(DirectionDelegate(self))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.setAlternatingRowColors(True)
        self.setToolTip(
            "Keyframes: double click or type to edit a value exactly; "
            "Delete removes the selected keyframe"
        )
        self._syncing = False
        self.selectionModel().currentRowChanged.connect(self._row_changed)
        document.selection_changed.connect(self._show_selection)
        self.model().modelReset.connect(lambda: self._show_selection(document.selected()))

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._syncing:
            self.document.select(current.row() if current.isValid() else -1)

    def _show_selection(self, index: int) -> None:
        self._syncing = True
        try:
            sm = self.selectionModel()
            if index >= 0 and sm.currentIndex().row() == index:
                return  # already there: keep the current cell (and an open editor)
            if index < 0:
                sm.clearSelection()
                sm.setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate)
            else:
                sm.setCurrentIndex(
                    self.model().index(index, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
        finally:
            self._syncing = False

    def keyPressEvent(self, ev: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if (
            ev.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
            and self.state() != QAbstractItemView.State.EditingState
            and self.document.selected() >= 0
        ):
            self.document.delete_keyframe(self.document.selected())
            return
        super().keyPressEvent(ev)
