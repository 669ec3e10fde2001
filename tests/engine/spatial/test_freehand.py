"""Freehand strokes: few keyframes, re-sampled within the tolerance, turns and timing kept."""

from __future__ import annotations

import numpy as np
import pytest

from ambisketch.engine.errors import TrajectoryError
from ambisketch.engine.spatial.angles import great_circle_angle, wrap_azimuth
from ambisketch.engine.spatial.freehand import (
    MAX_SEGMENT_TURN,
    clean_stroke,
    simplify_indices,
    simplify_stroke,
    stroke_to_trajectory,
)


def _orbit_stroke(
    turns: float = 1.0, n: int = 400, wobble: float = 0.0, sign: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A hand-drawn orbit: unevenly timed samples, azimuth wrapped as a picker returns it."""
    rng = np.random.default_rng(3)
    t = np.cumsum(rng.uniform(0.005, 0.02, n))
    u = np.linspace(0.0, 1.0, n)
    az = wrap_azimuth(sign * 360.0 * turns * u)
    el = 10.0 * np.sin(2 * np.pi * u) + wobble * rng.standard_normal(n)
    return t, np.asarray(az), el


def _max_error(t: np.ndarray, az: np.ndarray, el: np.ndarray, traj, duration: float) -> float:
    scaled = (t - t[0]) * duration / (t[-1] - t[0])
    a, e, _ = traj.sample(scaled)
    return float(np.max(great_circle_angle(a, e, az, el)))


@pytest.mark.parametrize("tolerance", [1.0, 2.0, 5.0])
def test_orbit_stroke_becomes_few_keyframes_within_tolerance(tolerance: float) -> None:
    t, az, el = _orbit_stroke(wobble=0.2)
    traj = stroke_to_trajectory(t, az, el, duration=8.0, tolerance=tolerance)
    assert 3 <= len(traj.keyframes) <= 30  # from 400 samples
    assert _max_error(t, az, el, traj, 8.0) <= tolerance + 1e-9
    assert traj.keyframes[0].time == 0.0 and traj.keyframes[-1].time == 8.0


def test_looser_tolerance_keeps_fewer_keyframes() -> None:
    t, az, el = _orbit_stroke(wobble=0.3)
    counts = [len(simplify_stroke(t, az, el, tol)) for tol in (0.5, 2.0, 8.0)]
    assert counts[0] > counts[1] > counts[2]


@pytest.mark.parametrize("sign, direction", [(1.0, "ccw"), (-1.0, "cw")])
def test_full_turn_keeps_its_direction(sign: float, direction: str) -> None:
    # A clean, constant-speed level turn is linear in azimuth: only the turn limit splits it.
    t = np.linspace(0.0, 4.0, 200)
    az = np.asarray(wrap_azimuth(sign * np.linspace(0.0, 360.0, 200)))
    traj = stroke_to_trajectory(t, az, np.zeros(200), duration=4.0)
    assert 3 <= len(traj.keyframes) <= 4
    assert all(abs(b.time - a.time) > 0 for a, b in zip(traj.keyframes, traj.keyframes[1:]))
    turned = traj.unwrapped_keyframe_azimuths()
    assert turned[-1] - turned[0] == pytest.approx(sign * 360.0, abs=1e-6)
    assert np.all(np.abs(np.diff(turned)) <= MAX_SEGMENT_TURN)
    assert any(k.direction == direction for k in traj.keyframes[1:])
    assert _max_error(t, az, np.zeros(200), traj, 4.0) < 1e-6


def test_crossing_the_back_is_one_short_segment() -> None:
    # 150° → 210° (= -150°) through the back: 60° counter-clockwise, 'shortest' says it.
    t = np.linspace(0.0, 1.0, 50)
    az = np.asarray(wrap_azimuth(np.linspace(150.0, 210.0, 50)))
    kfs = simplify_stroke(t, az, np.zeros(50))
    assert [(k.azimuth, k.direction) for k in kfs] == [
        (150.0, "shortest"),
        (pytest.approx(-150.0), "shortest"),
    ]


def test_drawing_speed_is_kept() -> None:
    # Slow for the first 3 s (0 → 30°), fast in the last second (30 → 90°).
    t = np.concatenate([np.linspace(0, 3, 60, endpoint=False), np.linspace(3, 4, 20)])
    az = np.where(t < 3, 10.0 * t, 30.0 + 60.0 * (t - 3))
    kfs = simplify_stroke(t, az, np.zeros_like(t), tolerance=0.5)
    assert [round(k.time, 6) for k in kfs] == [0.0, pytest.approx(3.0, abs=0.06), 4.0]


def test_repeated_times_keep_the_last_position() -> None:
    t, az, el = clean_stroke([0, 1, 1, 2], [0, 10, 20, 30], [0, 0, 0, 0])
    np.testing.assert_array_equal(t, [0, 1, 2])
    np.testing.assert_array_equal(az, [0, 20, 30])


def test_single_point_stroke_is_static() -> None:
    traj = stroke_to_trajectory([0.3], [45.0], [10.0], duration=5.0)
    assert traj.is_static and traj.keyframes[0].azimuth == 45.0 and traj.duration == 5.0


def test_indices_point_into_the_stroke() -> None:
    t, az, el = _orbit_stroke()
    idx = simplify_indices(t, az, el)
    assert idx[0] == 0 and idx[-1] == t.size - 1 and np.all(np.diff(idx) > 0)


@pytest.mark.parametrize(
    "args, words",
    [
        (([], [], []), "empty"),
        (([0, 1], [0], [0, 0]), "2 times, 1 azimuths"),
        (([0, 1], [0, np.nan], [0, 0]), "finite"),
        (([1, 0], [0, 1], [0, 0]), "must not decrease"),
        (([0, 1], [0, 1], [0, 95]), "elevation 95"),
    ],
)
def test_bad_strokes_are_refused(args: tuple, words: str) -> None:
    with pytest.raises(TrajectoryError, match=words):
        simplify_stroke(*args)


def test_bad_tolerance_and_duration_are_refused() -> None:
    with pytest.raises(TrajectoryError, match="tolerance"):
        simplify_stroke([0, 1], [0, 1], [0, 0], tolerance=0.0)
    with pytest.raises(TrajectoryError, match="duration"):
        stroke_to_trajectory([0, 1], [0, 1], [0, 0], duration=-1.0)
