"""The whole path editor: toolbar, presets, undo actions, open/save, seek, caption, GL."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from ambisketch.engine.spatial import describe, preset, preset_names
from ambisketch.ui.path import PathDocument, PathEditor


@pytest.fixture
def editor(qtbot) -> PathEditor:
    w = PathEditor(PathDocument(preset("orbit", 8.0)), gl=False)
    w.resize(1000, 700)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda parent, title, text, *a: shown.append((title, text))
    )
    return shown


def test_without_gl_the_flat_map_stands_alone(editor: PathEditor) -> None:
    assert editor.sphere is None and not editor.gl_enabled()
    assert editor.views.count() == 1 and editor.views.widget(0) is editor.flat_map
    editor.set_head_rotation(30.0, 5.0)  # nothing to draw it on: no error


def test_presets_menu_replaces_the_path_and_the_caption_follows(editor: PathEditor) -> None:
    actions = {a.text(): a for a in editor.presets_menu.actions()}
    assert list(actions) == preset_names()
    assert all(a.toolTip() for a in actions.values())
    actions["fly-over"].trigger()
    assert editor.document.trajectory() == preset("fly-over", 8.0)
    assert describe(preset("fly-over", 8.0)) in editor.caption.text()


def test_undo_and_redo_actions(editor: PathEditor) -> None:
    assert editor.undo_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    assert (
        editor.redo_action.shortcuts()[0]
        == QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)[0]
    )
    doc = editor.document
    start = doc.trajectory()
    assert not editor.undo_action.isEnabled()
    doc.add_keyframe(3.0, 10.0, 0.0)
    assert editor.undo_action.isEnabled() and editor.undo_action.text() == "Undo"
    assert "add keyframe" in editor.undo_action.toolTip()
    editor.undo_action.trigger()
    assert doc.trajectory() == start
    editor.redo_action.trigger()
    assert len(doc.keyframes()) == 6


def test_duration_box_stretches_the_path(editor: PathEditor) -> None:
    editor.duration_box.setValue(12.0)
    assert editor.document.duration() == 12.0
    assert [k.time for k in editor.document.keyframes()] == [0.0, 3.0, 6.0, 9.0, 12.0]
    editor.undo_action.trigger()
    assert editor.duration_box.value() == 8.0


def test_open_and_save_round_trip(editor: PathEditor, tmp_path: Path, warnings) -> None:
    f = tmp_path / "p.json"
    editor.document.add_keyframe(3.0, 10.0, 20.0)
    saved = editor.document.trajectory()
    assert editor.save_file(f) and "Saved p.json" in editor.status.text()
    editor.document.apply_preset("static")
    assert editor.open_file(f)
    assert editor.document.trajectory() == saved and warnings == []


def test_a_broken_file_shows_one_line_and_changes_nothing(
    editor: PathEditor, tmp_path: Path, warnings
) -> None:
    f = tmp_path / "broken.json"
    f.write_text('{"duration": 8, "keyframes": [{"time": 1, "azimuth": 400}]}')
    before = editor.document.trajectory()
    assert not editor.open_file(f)
    assert editor.document.trajectory() == before and editor.document.undo_stack.count() == 0
    ((title, text),) = warnings
    assert title == "Cannot open path" and str(f) in text and "azimuth 400" in text
    assert "\n" not in text


def test_a_timeline_click_seeks_and_moves_the_playhead(editor: PathEditor, qtbot) -> None:
    plot = editor.timeline.elevation_plot
    with qtbot.waitSignal(editor.seek_requested) as seek:
        QTest.mouseClick(
            plot.viewport(),
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
            plot.pixel_of(6.0, 30.0).toPoint(),
        )
    assert seek.args[0] == pytest.approx(6.0, abs=0.05)
    assert editor.document.playhead() == pytest.approx(seek.args[0])
    assert f"{seek.args[0]:.2f} s" in editor.status.text()


def test_refusals_show_in_the_status_line(editor: PathEditor) -> None:
    editor.document.delete_keyframe(0)
    editor.document.delete_keyframe(0)
    editor.document.set_direction(0, "cw")
    assert "first keyframe starts the path" in editor.status.text()


def test_draw_toggle_and_table_section(editor: PathEditor) -> None:
    editor.draw_action.trigger()
    assert editor.flat_map.pointer.draw_mode and "Draw mode" in editor.status.text()
    editor.set_draw_mode(False)
    assert not editor.draw_action.isChecked() and not editor.flat_map.pointer.draw_mode
    assert editor.table.isHidden()
    editor.table_button.click()
    assert editor.table.isVisible() and editor.table.model().rowCount() == 5


def test_delete_action_removes_the_selected_keyframe(editor: PathEditor) -> None:
    editor.document.select(2)
    editor.delete_action.trigger()
    assert len(editor.document.keyframes()) == 4


def test_measured_overlay_reaches_every_view(editor: PathEditor) -> None:
    t = np.linspace(0, 8, 20)
    editor.document.set_measured(t, np.zeros(20), np.full(20, 5.0), "take")
    assert len(editor.flat_map.measured_curve.getData()[0]) == 20
    assert len(editor.timeline.elevation_plot.measured_curve.getData()[0]) == 20


@pytest.mark.gl
def test_screenshot_with_the_sphere(qtbot, tmp_path: Path) -> None:
    """Under Xvfb: the full editor with the sphere, saved to /tmp/path_editor.png to look at."""
    doc = PathDocument(preset("orbit", 10.0))
    editor = PathEditor(doc, gl=True)
    editor.resize(1200, 800)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    assert editor.gl_enabled() and editor.views.widget(0) is editor.sphere
    t = np.linspace(0, 10, 200)
    doc.set_measured(
        t, np.asarray((36.0 * t + 5 * np.sin(3 * t) + 180) % 360 - 180), 6 * np.sin(2 * t), "take 1"
    )
    doc.set_playhead(3.3)
    doc.select(1)
    editor.set_head_rotation(25.0, 0.0)
    assert editor.sphere.head_rotation() == (25.0, 0.0)
    qtbot.wait(100)
    image = editor.grab()
    painter = QPainter(image)  # QWidget.grab() leaves GL widgets empty: paint their frame in
    painter.drawImage(
        editor.sphere.mapTo(editor, editor.sphere.rect().topLeft()), editor.sphere.grabFramebuffer()
    )
    painter.end()
    assert image.save(str(tmp_path / "path_editor.png"))
    image.save("/tmp/path_editor.png")
    frame = editor.sphere.grabFramebuffer()
    colours = {
        frame.pixel(x, y) for x in range(0, frame.width(), 7) for y in range(0, frame.height(), 7)
    }
    assert len(colours) > 20  # drawn, not blank


def test_context_menus_edit_the_document(editor: PathEditor) -> None:
    from ambisketch.ui.path.menus import keyframe_menu, path_menu

    doc = editor.document
    menu = keyframe_menu(doc, 2, editor)
    directions = next(a.menu() for a in menu.actions() if a.menu() is not None)
    clockwise = next(a for a in directions.actions() if a.text().startswith("Clockwise"))
    assert not clockwise.isChecked()
    clockwise.trigger()
    assert doc.keyframes()[2].direction == "cw"
    next(a for a in menu.actions() if a.text() == "Delete keyframe").trigger()
    assert len(doc.keyframes()) == 4
    doc.set_measured([0, 1], [0, 0], [0, 0])
    menu = path_menu(doc, editor)
    next(a for a in menu.actions() if a.text() == "Hide measured direction").trigger()
    assert doc.measured() is None
    assert doc.undo_stack.count() == 2
