"""The paper's augmentation rules over 10 000 draws, the multi-segment option, and rendering."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from ambisketch.engine.spatial import azimuth_difference, parametric_from_trajectory
from ambisketch.engine.spatial.parametric import SPEED_CLASSES
from ambisketch.engine.spatial.trajectory import segment_delta
from ambisketch.training.data import AugmentConfig, DatasetError, draw_pair, draw_path, render

N = 10_000


def _circ(a: float, b: float) -> float:
    return abs(float(azimuth_difference(a, b)))


@pytest.fixture(scope="module")
def pairs():
    rng = np.random.default_rng(2024)
    cfg = AugmentConfig()
    return cfg, [draw_pair(rng, cfg) for _ in range(N)]


def test_every_clip_gets_one_static_and_one_moving_sample(pairs) -> None:
    _, drawn = pairs
    for static, moving in drawn:
        s = static.parametric
        assert static.kind == "static" and s.speed == "static" and static.trajectory.is_static
        assert (s.start_azimuth, s.start_elevation) == (s.end_azimuth, s.end_elevation)
        assert s.movement_start == s.movement_end == 0.0
        assert (
            moving.kind in ("azimuth", "elevation", "both") and moving.parametric.speed != "static"
        )


def test_separations_and_ranges(pairs) -> None:
    cfg, drawn = pairs
    kinds = Counter()
    for static, moving in drawn:
        p = moving.parametric
        kinds[moving.kind] += 1
        for el in (p.start_elevation, p.end_elevation, static.parametric.start_elevation):
            assert -35.0 <= el <= 35.0
        az_moved = _circ(p.start_azimuth, p.end_azimuth)
        el_moved = abs(p.end_elevation - p.start_elevation)
        if moving.kind in ("azimuth", "both"):
            assert az_moved >= 45.0
        else:
            assert az_moved == 0.0
        if moving.kind in ("elevation", "both"):
            assert el_moved >= 30.0
        else:
            assert el_moved == 0.0
    for kind in ("azimuth", "elevation", "both"):  # chosen uniformly: 1/3 each ± 5 sigma
        assert abs(kinds[kind] / N - 1 / 3) < 5 * np.sqrt(2 / 9 / N)


def test_speed_windows(pairs) -> None:
    _, drawn = pairs
    speeds = Counter()
    for _, moving in drawn:
        p = moving.parametric
        lo, hi = SPEED_CLASSES[p.speed]
        speeds[p.speed] += 1
        assert lo - 1e-9 <= p.movement_end - p.movement_start <= hi + 1e-9
        assert 0.0 <= p.movement_start < p.movement_end <= p.duration == 10.0
    for s in SPEED_CLASSES:
        assert abs(speeds[s] / N - 1 / 3) < 5 * np.sqrt(2 / 9 / N)
    # start times spread over the clip: fast movements start anywhere in [0, 9]
    starts = [m.parametric.movement_start for _, m in drawn if m.parametric.speed == "fast"]
    assert min(starts) < 0.5 and max(starts) > 8.0


def test_clockwise_balance_and_direction_of_travel(pairs) -> None:
    _, drawn = pairs
    cw = [m.parametric.clockwise for _, m in drawn]
    assert abs(np.mean(cw) - 0.5) < 5 * np.sqrt(0.25 / N)
    for _, moving in drawn:
        p, traj = moving.parametric, moving.trajectory
        if moving.kind == "elevation":
            continue
        end = traj.keyframes[-1] if traj.keyframes[-1].time <= p.movement_end else None
        move_kf = next(k for k in traj.keyframes if abs(k.time - p.movement_end) < 1e-9)
        travelled = segment_delta(p.start_azimuth, p.end_azimuth, move_kf.direction)
        assert (travelled < 0) == p.clockwise and abs(travelled) >= 45.0 - 1e-9
        assert end is None or end.time <= p.duration


def test_motion_is_linear_inside_the_window_and_holds_outside(pairs) -> None:
    _, drawn = pairs
    for _, moving in drawn[:500]:
        p, traj = moving.parametric, moving.trajectory
        t0, t1 = p.movement_start, p.movement_end
        az, el, _ = traj.sample([t0 / 2, t0, (t0 + t1) / 2, t1, (t1 + p.duration) / 2], unwrap=True)
        assert _circ(az[0], p.start_azimuth) < 1e-6 and _circ(az[4], p.end_azimuth) < 1e-6
        assert el[0] == pytest.approx(p.start_elevation) and el[4] == pytest.approx(p.end_elevation)
        assert az[2] == pytest.approx((az[1] + az[3]) / 2) and el[2] == pytest.approx(
            (el[1] + el[3]) / 2
        )
        assert parametric_from_trajectory(traj).speed == p.speed


def test_multi_segment_paths_obey_the_rules() -> None:
    rng = np.random.default_rng(5)
    cfg = AugmentConfig(multi_segment_prob=1.0)
    counts = Counter()
    for _ in range(2000):
        d = draw_path(rng, cfg)
        p, kfs = d.parametric, d.trajectory.keyframes
        moving = [
            (a, b)
            for a, b in zip(kfs, kfs[1:])
            if abs(segment_delta(a.azimuth, b.azimuth, b.direction)) > 0
            or a.elevation != b.elevation
        ]
        counts[len(moving)] += 1
        assert 2 <= len(moving) <= 4
        for a, b in moving:
            az_ok = _circ(a.azimuth, b.azimuth) >= 45.0
            el_ok = abs(b.elevation - a.elevation) >= 30.0
            assert az_ok or el_ok
            assert _circ(a.azimuth, b.azimuth) in (0.0,) or az_ok  # no small azimuth nudges
            assert b.time - a.time > 0.1
        lo, hi = SPEED_CLASSES[p.speed]
        assert lo - 1e-9 <= p.movement_end - p.movement_start <= hi + 1e-9
        assert d.kind == "path"
    assert set(counts) == {2, 3, 4}


def test_limited_azimuth_range_stays_inside() -> None:
    rng = np.random.default_rng(1)
    cfg = AugmentConfig(azimuth_range=(-90.0, 90.0), elevation_range=(-10.0, 40.0))
    for _ in range(2000):
        _, m = draw_pair(rng, cfg)
        az, el, _ = m.trajectory.sample(np.linspace(0, 10, 41), unwrap=True)
        assert az.min() >= -90 - 1e-9 and az.max() <= 90 + 1e-9
        assert el.min() >= -10 - 1e-9 and el.max() <= 40 + 1e-9


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"elevation_range": (-10.0, 10.0)}, "too narrow"),
        ({"azimuth_range": (0.0, 30.0)}, "too narrow"),
        ({"motion_kinds": ("sideways",)}, "motion kinds"),
        ({"duration": 0.5}, "no speed class fits"),
    ],
)
def test_bad_configs(kwargs, words) -> None:
    with pytest.raises(DatasetError, match=words):
        AugmentConfig(**kwargs)


def test_short_clips_use_the_classes_that_fit() -> None:
    cfg = AugmentConfig(duration=4.0)
    rng = np.random.default_rng(0)
    speeds = {draw_pair(rng, cfg)[1].parametric.speed for _ in range(300)}
    assert speeds == {"fast", "moderate"}


def test_render_is_ambix_along_the_path() -> None:
    rng = np.random.default_rng(3)
    cfg = AugmentConfig()
    static, moving = draw_pair(rng, cfg)
    mono = np.ones(16000 * 10, np.float32)
    foa = render(mono, static, 16000)
    p = static.parametric
    az, el = np.radians(p.start_azimuth), np.radians(p.start_elevation)
    assert foa.shape == (4, 160000) and foa.dtype == np.float32
    np.testing.assert_allclose(
        foa[:, 0], [1, np.sin(az) * np.cos(el), np.sin(el), np.cos(az) * np.cos(el)], atol=1e-6
    )
    foa = render(mono, moving, 16000)
    q = moving.parametric
    az1, el1 = np.radians(q.end_azimuth), np.radians(q.end_elevation)
    np.testing.assert_allclose(
        foa[1:, -1], [np.sin(az1) * np.cos(el1), np.sin(el1), np.cos(az1) * np.cos(el1)], atol=1e-5
    )
