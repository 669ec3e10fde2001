"""The flat map: mouse editing with real Qt events, wrap-around drawing, the measured overlay."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from ambisketch.engine.spatial import Keyframe, Trajectory, preset
from ambisketch.engine.spatial.angles import great_circle_angle
from ambisketch.ui.path import FlatMap, PathDocument


@pytest.fixture
def view(qtbot) -> FlatMap:
    doc = PathDocument(preset("orbit", 8.0))
    w = FlatMap(doc)
    w.resize(720, 400)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _px(view: FlatMap, az: float, el: float) -> QPoint:
    return view.pixel_of(az, el).toPoint()


def test_left_is_left_and_up_is_up(view: FlatMap) -> None:
    left, front, right, up = (view.pixel_of(a, e) for a, e in ((90, 0), (0, 0), (-90, 0), (0, 60)))
    assert left.x() < front.x() < right.x()
    assert up.y() < front.y()
    az, el = view.direction_at(QPointF(left), clamp=False)
    assert great_circle_angle(az, el, 90, 0) < 1.0


def test_click_adds_at_the_playhead_and_undo_redo(view: FlatMap) -> None:
    doc = view.document
    doc.set_playhead(3.0)
    before = doc.trajectory()
    QTest.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        _px(view, 45, 30),
    )
    after = doc.trajectory()
    k = after.keyframes[2]
    assert len(after.keyframes) == 6 and k.time == 3.0
    assert great_circle_angle(k.azimuth, k.elevation, 45, 30) < 1.0
    doc.undo_stack.undo()
    assert doc.trajectory() == before
    doc.undo_stack.redo()
    assert doc.trajectory() == after


def test_dragging_a_handle_moves_it_in_one_undo_step(view: FlatMap) -> None:
    doc = view.document
    before = doc.trajectory()
    vp = view.viewport()
    QTest.mousePress(
        vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _px(view, 90, 0)
    )
    for az, el in ((80, 5), (70, 10), (60, 20)):
        QTest.mouseMove(vp, _px(view, az, el))
    QTest.mouseRelease(
        vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _px(view, 60, 20)
    )
    k = doc.keyframes()[1]
    assert great_circle_angle(k.azimuth, k.elevation, 60, 20) < 1.0 and k.time == 2.0
    assert doc.selected() == 1 and doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert doc.trajectory() == before


def test_clicking_a_handle_selects_without_moving_it(view: FlatMap) -> None:
    doc = view.document
    before = doc.trajectory()
    QTest.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        _px(view, -90, 0) + QPoint(2, 1),
    )
    assert doc.selected() == 3 and doc.trajectory() == before and doc.undo_stack.count() == 0


def test_ctrl_drag_draws_a_freehand_path_in_one_step(view: FlatMap) -> None:
    doc = view.document
    view.pointer.clock = itertools.count(0.0, 0.05).__next__  # 20 samples per second
    vp = view.viewport()
    az = np.linspace(120, -120, 40)
    el = 30 * np.sin(np.linspace(0, np.pi, 40))
    QTest.mousePress(
        vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, _px(view, az[0], el[0])
    )
    for a, e in zip(az[1:], el[1:]):
        QTest.mouseMove(vp, _px(view, a, e))
    QTest.mouseRelease(
        vp,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ControlModifier,
        _px(view, az[-1], el[-1]),
    )
    drawn = doc.trajectory()
    assert doc.undo_stack.count() == 1 and doc.undo_stack.undoText() == "Draw path"
    assert 3 <= len(drawn.keyframes) <= 15 and drawn.duration == 8.0
    first, last = drawn.keyframes[0], drawn.keyframes[-1]
    assert great_circle_angle(first.azimuth, first.elevation, 120, 0) < 1.5
    assert great_circle_angle(last.azimuth, last.elevation, -120, 0) < 1.5
    mid_az, mid_el, _ = drawn.sample([4.0])
    assert great_circle_angle(mid_az[0], mid_el[0], 0, 30) < 4.0
    assert view.stroke_curve.getData()[0] is None or len(view.stroke_curve.getData()[0]) == 0


def test_a_click_in_draw_mode_is_refused(view: FlatMap, qtbot) -> None:
    view.pointer.draw_mode = True
    with qtbot.waitSignal(view.document.edit_refused) as refused:
        QTest.mouseClick(
            view.viewport(),
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
            _px(view, 10, 10),
        )
    assert "a click is not a stroke" in refused.args[0]
    assert view.document.undo_stack.count() == 0


def test_a_path_across_the_back_is_cut_at_the_edges(view: FlatMap) -> None:
    view.document.set_trajectory(Trajectory(4.0, (Keyframe(0, 150), Keyframe(4, -150))))
    x, y = view.path_curve.getData()
    gaps = np.flatnonzero(np.isnan(x))
    assert len(gaps) == 1
    assert x[gaps[0] - 1] == 180.0 and x[gaps[0] + 1] == -180.0
    finite = np.isfinite(x)
    assert np.all(np.abs(np.diff(x[: gaps[0]])) < 5) and np.all(
        np.abs(np.diff(x[gaps[0] + 1 :])) < 5
    )
    assert finite.sum() > 100


def test_measured_overlay_is_drawn_and_cleared(view: FlatMap) -> None:
    doc = view.document
    t = np.linspace(0, 8, 81)
    doc.set_measured(t, np.linspace(-60, 60, 81), np.full(81, 10.0), "take 3")
    x, y = view.measured_curve.getData()
    np.testing.assert_allclose(x, np.linspace(-60, 60, 81))
    np.testing.assert_allclose(y, 10.0)
    assert view.legend.isVisible()
    assert [label.text for _, label in view.legend.items] == ["drawn path", "measured: take 3"]
    doc.clear_measured()
    assert not view.legend.isVisible()
    x, _ = view.measured_curve.getData()
    assert x is None or len(x) == 0


def test_selection_and_playhead_are_drawn(view: FlatMap) -> None:
    doc = view.document
    doc.select(2)
    x, y = view.selected_handle.getData()
    assert list(x) == [180.0] and list(y) == [0.0]
    doc.select(-1)
    assert len(view.selected_handle.getData()[0]) == 0
    doc.set_playhead(2.0)
    x, y = view.playhead_marker.getData()
    assert (x[0], y[0]) == pytest.approx((90.0, 0.0))
