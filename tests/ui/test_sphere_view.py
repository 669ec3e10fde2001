"""The OpenGL sphere view under Xvfb: picking matches what is drawn, and mouse editing works."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from ambisketch.engine.spatial import preset
from ambisketch.engine.spatial.angles import great_circle_angle, wrap_azimuth
from ambisketch.ui.path import PathDocument

pytestmark = pytest.mark.gl
LEFT, RIGHT = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton
NONE = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def sphere(qtbot):
    from ambisketch.ui.path import SphereView

    w = SphereView(PathDocument(preset("orbit", 8.0)))
    w.resize(480, 420)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _px(sphere, az: float, el: float) -> QPoint:
    pos, facing = sphere.pixel_of(az, el)
    assert facing, f"({az}, {el}) is not on the side facing the camera"
    return pos.toPoint()


def test_a_ray_through_a_projected_direction_hits_it(sphere) -> None:
    hits = 0
    for az in range(-180, 180, 20):
        for el in (-40, -10, 0, 25, 55):
            pos, facing = sphere.pixel_of(az, el)
            if not facing:
                continue
            picked = sphere.direction_at(pos, clamp=False)
            assert picked is not None
            assert great_circle_angle(picked[0], picked[1], az, el) < 1.0
            hits += 1
    assert hits > 20


def test_projection_matches_the_rendered_frame(sphere, qtbot) -> None:
    # Keyframe 3 (180°, behind) faces the default camera; selected, it is drawn orange.
    sphere.document.select(2)
    sphere.document.set_playhead(0.0)
    qtbot.wait(50)
    img = sphere.grabFramebuffer().convertToFormat(sphere.grabFramebuffer().Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    rgb = arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3).astype(int)
    orange = (rgb[..., 0] > 200) & (rgb[..., 1] > 100) & (rgb[..., 1] < 180) & (rgb[..., 2] < 90)
    assert orange.sum() > 20
    ys, xs = np.nonzero(orange)
    pos, facing = sphere.pixel_of(180.0, 0.0)
    expected = sphere.camera().to_device([pos.x(), pos.y()])
    assert facing
    assert np.hypot(xs.mean() - expected[0], ys.mean() - expected[1]) < 3.0


def test_click_adds_a_keyframe_there_at_the_playhead(sphere) -> None:
    doc = sphere.document
    doc.set_playhead(3.0)
    before = doc.trajectory()
    QTest.mouseClick(sphere, LEFT, NONE, _px(sphere, 150.0, 20.0))
    k = doc.keyframes()[2]
    assert len(doc.keyframes()) == 6 and k.time == 3.0
    assert great_circle_angle(k.azimuth, k.elevation, 150.0, 20.0) < 1.0
    doc.undo_stack.undo()
    assert doc.trajectory() == before


def test_dragging_a_handle_moves_it(sphere) -> None:
    doc = sphere.document
    before = doc.trajectory()
    QTest.mousePress(sphere, LEFT, NONE, _px(sphere, 180.0, 0.0))
    for az, el in ((175, 10), (165, 20), (160, 30)):
        QTest.mouseMove(sphere, _px(sphere, az, el))
    QTest.mouseRelease(sphere, LEFT, NONE, _px(sphere, 160.0, 30.0))
    k = doc.keyframes()[2]
    assert great_circle_angle(k.azimuth, k.elevation, 160.0, 30.0) < 1.0
    assert doc.undo_stack.count() == 1 and doc.selected() == 2
    doc.undo_stack.undo()
    assert doc.trajectory() == before


def test_ctrl_drag_draws(sphere) -> None:
    doc = sphere.document
    sphere.pointer.clock = itertools.count(0.0, 0.05).__next__
    # Round the back (through ±180°, on the side facing the camera) from left to right.
    points = [(float(wrap_azimuth(az)), 15.0) for az in np.linspace(140, 220, 25)]
    QTest.mousePress(sphere, LEFT, Qt.KeyboardModifier.ControlModifier, _px(sphere, *points[0]))
    for p in points[1:]:
        QTest.mouseMove(sphere, _px(sphere, *p))
    QTest.mouseRelease(sphere, LEFT, Qt.KeyboardModifier.ControlModifier, _px(sphere, *points[-1]))
    assert doc.undo_stack.undoText() == "Draw path" and doc.undo_stack.count() == 1
    first, last = doc.keyframes()[0], doc.keyframes()[-1]
    assert great_circle_angle(first.azimuth, first.elevation, *points[0]) < 1.5
    assert great_circle_angle(last.azimuth, last.elevation, *points[-1]) < 1.5
    turned = doc.trajectory().unwrapped_keyframe_azimuths()
    assert turned[-1] - turned[0] == pytest.approx(80.0, abs=2.0)  # through the back


def test_shift_drag_turns_the_head(sphere, qtbot) -> None:
    start = _px(sphere, 180.0, 0.0)
    with qtbot.waitSignal(sphere.head_rotation_requested) as turned:
        QTest.mousePress(sphere, LEFT, Qt.KeyboardModifier.ShiftModifier, start)
        QTest.mouseMove(sphere, start + QPoint(40, -20))
        QTest.mouseRelease(sphere, LEFT, Qt.KeyboardModifier.ShiftModifier, start + QPoint(40, -20))
    yaw, pitch = turned.args
    assert yaw == pytest.approx(-20.0) and pitch == pytest.approx(10.0)  # right and up
    assert sphere.head_rotation() == (yaw, pitch)
    assert sphere.document.undo_stack.count() == 0


def test_right_drag_orbits_without_editing(sphere) -> None:
    before = dict(sphere.opts)
    start = QPoint(200, 200)
    QTest.mousePress(sphere, RIGHT, NONE, start)
    QTest.mouseMove(sphere, start + QPoint(30, 0))
    QTest.mouseMove(sphere, start + QPoint(60, 10))
    QTest.mouseRelease(sphere, RIGHT, NONE, start + QPoint(60, 10))
    assert sphere.opts["azimuth"] != before["azimuth"]
    assert sphere.document.undo_stack.count() == 0


def test_measured_track_is_a_second_curve(sphere) -> None:
    t = np.linspace(0, 8, 50)
    az = np.linspace(-90, 90, 50)
    az[10] = np.nan  # a gated frame leaves a gap
    sphere.document.set_measured(t, az, np.zeros(50))
    pos = sphere.scene3d.measured.pos
    assert pos.shape == (2 * (49 - 2), 3)  # 49 joins less the two that touch the gap
    assert np.all(np.isfinite(pos))
