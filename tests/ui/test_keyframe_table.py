"""The keyframe table: typed values edit the document (undoable); bad values are refused."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QLineEdit

from ambisketch.engine.spatial import preset
from ambisketch.ui.path import KeyframeTable, PathDocument
from ambisketch.ui.path.keyframe_table import COLUMNS

EDIT = Qt.ItemDataRole.EditRole


@pytest.fixture
def table(qtbot) -> KeyframeTable:
    doc = PathDocument(preset("orbit", 8.0))
    doc.refusals = []
    doc.edit_refused.connect(doc.refusals.append)
    w = KeyframeTable(doc)
    w.resize(600, 300)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _index(table: KeyframeTable, row: int, column: str) -> QModelIndex:
    return table.model().index(row, COLUMNS.index(column))


def test_rows_show_the_keyframes(table: KeyframeTable) -> None:
    model = table.model()
    assert model.rowCount() == 5 and model.columnCount() == 4
    assert model.data(_index(table, 1, "time")) == "2.000"
    assert model.data(_index(table, 1, "azimuth")) == "90.0"
    assert model.data(_index(table, 1, "direction")) == "ccw"
    assert model.data(_index(table, 0, "direction")) == "—"
    assert not model.flags(_index(table, 0, "direction")) & Qt.ItemFlag.ItemIsEditable
    assert "left" in model.headerData(1, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)


def test_typed_values_edit_the_document_and_undo(table: KeyframeTable) -> None:
    doc, model = table.document, table.model()
    before = doc.trajectory()
    assert model.setData(_index(table, 1, "azimuth"), "75,5", EDIT)  # a decimal comma is fine
    assert model.setData(_index(table, 1, "elevation"), "−20", EDIT)  # so is a real minus
    assert model.setData(_index(table, 1, "time"), "2.5 s", EDIT)
    assert model.setData(_index(table, 2, "direction"), "cw", EDIT)
    k = doc.keyframes()[1]
    assert (k.time, k.azimuth, k.elevation) == (2.5, 75.5, -20.0)
    assert doc.keyframes()[2].direction == "cw"
    assert model.data(_index(table, 1, "azimuth")) == "75.5"
    for _ in range(4):
        doc.undo_stack.undo()
    assert doc.trajectory() == before


@pytest.mark.parametrize(
    "column, value, words",
    [
        ("azimuth", "left", "azimuth must be a number, got 'left'"),
        ("azimuth", "200", "azimuth 200 is outside [-180, 180]"),
        ("elevation", "nan", "elevation must be a number"),
        ("time", "5", "keyframe 2 must stay after 0 s and before 4 s"),
    ],
)
def test_bad_values_are_refused_with_the_reason(
    table: KeyframeTable, column: str, value: str, words: str
) -> None:
    doc = table.document
    before = doc.trajectory()
    assert not table.model().setData(_index(table, 1, column), value, EDIT)
    assert doc.trajectory() == before and doc.undo_stack.count() == 0
    assert doc.refusals and words in doc.refusals[-1]


def test_typing_in_the_cell_editor(table: KeyframeTable, qtbot) -> None:
    index = _index(table, 3, "elevation")
    table.setCurrentIndex(index)
    assert table.edit(index, table.EditTrigger.AllEditTriggers, None)
    editor = table.indexWidget(index)
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    QTest.keyClicks(editor, "12.5")
    QTest.keyClick(editor, Qt.Key.Key_Return)  # Qt commits from the event loop (queued)
    qtbot.waitUntil(lambda: table.document.keyframes()[3].elevation == 12.5, timeout=2000)


def test_direction_combo(table: KeyframeTable) -> None:
    index = _index(table, 4, "direction")
    table.setCurrentIndex(index)
    assert table.edit(index, table.EditTrigger.AllEditTriggers, None)
    combo = table.findChild(QComboBox)
    assert combo is not None and combo.currentText() == "ccw"
    combo.setCurrentText("shortest")
    combo.activated.emit(combo.currentIndex())
    assert table.document.keyframes()[4].direction == "shortest"


def test_selection_follows_both_ways_and_delete_removes(table: KeyframeTable) -> None:
    doc = table.document
    doc.select(2)
    assert table.currentIndex().row() == 2
    table.selectRow(3)
    assert doc.selected() == 3
    table.setFocus()
    QTest.keyClick(table, Qt.Key.Key_Delete)
    assert len(doc.keyframes()) == 4 and doc.selected() == -1
