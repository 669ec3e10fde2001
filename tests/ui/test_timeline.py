"""The timeline: seek by clicking, drag keyframes in time and value, overlays and playhead."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from ambisketch.engine.spatial import preset
from ambisketch.ui.path import PathDocument, Timeline
from ambisketch.ui.path.timeline import TrackPlot


@pytest.fixture
def timeline(qtbot) -> Timeline:
    w = Timeline(PathDocument(preset("orbit", 8.0)))
    w.resize(800, 360)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _px(plot: TrackPlot, t: float, value: float) -> QPoint:
    return plot.pixel_of(t, value).toPoint()


def _drag(plot: TrackPlot, points: list[QPoint], modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    vp = plot.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, modifiers, points[0])
    for p in points[1:]:
        QTest.mouseMove(vp, p)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, modifiers, points[-1])


def test_clicking_empty_space_requests_a_seek(timeline: Timeline, qtbot) -> None:
    plot = timeline.elevation_plot
    with qtbot.waitSignal(timeline.seek_requested) as seek:
        QTest.mouseClick(
            plot.viewport(),
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
            _px(plot, 5.0, 45.0),
        )
    assert seek.args[0] == pytest.approx(5.0, abs=0.05)
    assert timeline.document.undo_stack.count() == 0


def test_dragging_a_keyframe_changes_time_and_value_in_one_step(timeline: Timeline) -> None:
    doc, plot = timeline.document, timeline.azimuth_plot
    before = doc.trajectory()
    _drag(plot, [_px(plot, 2.0, 90.0), _px(plot, 2.3, 80.0), _px(plot, 2.5, 60.0)])
    k = doc.keyframes()[1]
    assert k.time == pytest.approx(2.5, abs=0.05) and k.azimuth == pytest.approx(60.0, abs=2.0)
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert doc.trajectory() == before


def test_shift_drag_changes_only_the_larger_move(timeline: Timeline) -> None:
    doc, plot = timeline.document, timeline.elevation_plot
    _drag(
        plot,
        [_px(plot, 4.0, 0.0), _px(plot, 4.4, 5.0), _px(plot, 5.0, 8.0)],
        Qt.KeyboardModifier.ShiftModifier,
    )
    k = doc.keyframes()[2]
    assert k.time == pytest.approx(5.0, abs=0.05) and k.elevation == 0.0


def test_a_drag_cannot_pass_a_neighbour(timeline: Timeline) -> None:
    doc, plot = timeline.document, timeline.elevation_plot
    _drag(plot, [_px(plot, 2.0, 0.0), _px(plot, 3.0, 0.0), _px(plot, 6.5, 0.0)])
    times = [k.time for k in doc.keyframes()]
    assert times[1] == pytest.approx(4.0 - 0.001) and times == sorted(times)


def test_measured_track_and_playhead_are_drawn_in_both_plots(timeline: Timeline) -> None:
    doc = timeline.document
    t = np.linspace(0, 8, 41)
    doc.set_measured(t, np.linspace(0, 80, 41), np.linspace(-10, 10, 41))
    x, y = timeline.azimuth_plot.measured_curve.getData()
    np.testing.assert_allclose(x, t)
    np.testing.assert_allclose(y, np.linspace(0, 80, 41))
    x, y = timeline.elevation_plot.measured_curve.getData()
    np.testing.assert_allclose(y, np.linspace(-10, 10, 41))
    doc.set_playhead(6.25)
    assert timeline.azimuth_plot.playhead_line.value() == 6.25
    assert timeline.elevation_plot.playhead_line.value() == 6.25


def test_azimuth_curve_is_cut_where_it_wraps(timeline: Timeline) -> None:
    x, y = timeline.azimuth_plot.path_curve.getData()
    gaps = np.flatnonzero(np.isnan(y))
    assert len(gaps) == 1  # the orbit passes the back once
    assert x[gaps[0] - 1] == pytest.approx(x[gaps[0] + 1])  # cut at one instant
    assert {y[gaps[0] - 1], y[gaps[0] + 1]} == {180.0, -180.0}


def test_a_new_duration_rescales_the_time_axis(timeline: Timeline) -> None:
    timeline.document.set_duration(20.0)
    low, high = timeline.azimuth_plot.getPlotItem().getViewBox().viewRange()[0]
    assert (low, high) == pytest.approx((0.0, 20.0))
