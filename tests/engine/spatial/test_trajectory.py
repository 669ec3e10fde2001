"""Paths: validation, JSON round trip, sampling across ±180°, cw/ccw, presets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ambisketch.engine.errors import TrajectoryError
from ambisketch.engine.spatial import Keyframe, Trajectory, preset, preset_names
from ambisketch.engine.spatial.angles import wrap_azimuth


def _path(*kfs: dict, duration: float = 4.0) -> Trajectory:
    return Trajectory.from_dict({"duration": duration, "keyframes": list(kfs)})


def test_wrap_azimuth_range() -> None:
    a = wrap_azimuth(np.array([-540.0, -180.0, -179.0, 0.0, 180.0, 181.0, 359.0, 720.0]))
    np.testing.assert_allclose(a, [180.0, 180.0, -179.0, 0.0, 180.0, -179.0, -1.0, 0.0])
    assert np.all((a > -180) & (a <= 180))


def test_shortest_crosses_back_without_glitch() -> None:
    traj = _path({"time": 0, "azimuth": 170}, {"time": 4, "azimuth": -170})
    az, _, _ = traj.sample(np.linspace(0, 4, 401))
    np.testing.assert_allclose(az[[0, 100, 200, 300, 400]], [170, 175, 180, -175, -170], atol=1e-9)
    unwrapped, _, _ = traj.sample(np.linspace(0, 4, 401), unwrap=True)
    assert np.max(np.abs(np.diff(unwrapped))) < 0.051  # 20° over 400 steps, no jump


@pytest.mark.parametrize("direction, mid", [("ccw", -95.0), ("cw", 85.0), ("shortest", 85.0)])
def test_direction_chooses_the_arc(direction: str, mid: float) -> None:
    # From 170 to 0: 190° counter-clockwise (through the back-right, -95 mid-way) or 170°
    # clockwise (through the left, 85 mid-way); the shortest arc is the clockwise one.
    traj = _path({"time": 0, "azimuth": 170}, {"time": 4, "azimuth": 0, "direction": direction})
    az, _, _ = traj.sample(np.array([2.0]))
    assert az[0] == pytest.approx(mid)


def test_ccw_increases_azimuth_and_cw_decreases() -> None:
    ccw = _path({"time": 0, "azimuth": 0}, {"time": 4, "azimuth": 90, "direction": "ccw"})
    cw = _path({"time": 0, "azimuth": 0}, {"time": 4, "azimuth": 90, "direction": "cw"})
    t = np.linspace(0, 4, 9)
    assert np.all(np.diff(ccw.sample(t, unwrap=True)[0]) > 0)
    assert np.all(np.diff(cw.sample(t, unwrap=True)[0]) < 0)
    assert cw.sample(np.array([2.0]))[0][0] == pytest.approx(-135.0)


def test_holds_before_first_and_after_last_keyframe() -> None:
    traj = _path({"time": 1, "azimuth": 10, "elevation": 5}, {"time": 2, "azimuth": 20})
    az, el, dist = traj.sample(np.array([0.0, 3.5]))
    np.testing.assert_allclose(az, [10, 20])
    np.testing.assert_allclose(el, [5, 0])
    np.testing.assert_allclose(dist, [1, 1])


def test_json_round_trip_keeps_everything(tmp_path: Path) -> None:
    traj = _path(
        {"time": 0, "azimuth": 90, "elevation": 10, "distance": 3},
        {"time": 2, "azimuth": -90, "direction": "cw", "distance": 1.5},
        {"time": 4, "azimuth": 180, "elevation": -20, "direction": "ccw"},
    )
    f = tmp_path / "p.json"
    f.write_text(traj.to_json())
    again = Trajectory.load(f)
    assert again == traj
    assert again.keyframes[1].direction == "cw" and again.keyframes[0].distance == 3.0


def test_minus_180_is_normalised_to_180() -> None:
    assert Keyframe(0, -180.0).azimuth == 180.0


@pytest.mark.parametrize(
    "data, words",
    [
        ({"duration": 4, "keyframes": [{"time": 0, "azimuth": 190}]}, "azimuth 190 is outside"),
        (
            {"duration": 4, "keyframes": [{"time": 0, "azimuth": 0, "elevation": 91}]},
            "elevation 91",
        ),
        (
            {"duration": 4, "keyframes": [{"time": 0, "azimuth": 0}, {"time": 0, "azimuth": 5}]},
            "times must increase",
        ),
        ({"duration": 4, "keyframes": [{"time": 5, "azimuth": 0}]}, "after the end"),
        ({"duration": 4, "keyframes": [{"time": -1, "azimuth": 0}]}, ">= 0"),
        ({"duration": 0, "keyframes": [{"time": 0, "azimuth": 0}]}, "duration must be > 0"),
        ({"duration": 4, "keyframes": []}, "at least one keyframe"),
        (
            {"duration": 4, "keyframes": [{"time": 0, "azimuth": 0, "speed": 3}]},
            "unknown key 'speed'",
        ),
        (
            {"duration": 4, "keyframes": [{"time": 0, "azimuth": 0}], "loop": True},
            "unknown key 'loop'",
        ),
        (
            {"duration": 4, "keyframes": [{"time": 0, "azimuth": 0, "direction": "left"}]},
            "direction 'left' is not one of",
        ),
        ({"duration": 4, "keyframes": [{"time": 0, "azimuth": "front"}]}, "must be a number"),
        ({"duration": 4, "keyframes": [{"time": 0, "azimuth": True}]}, "must be a number"),
        ({"duration": 4, "keyframes": [{"time": 0}]}, "missing 'azimuth'"),
        ({"keyframes": [{"time": 0, "azimuth": 0}]}, "missing 'duration'"),
        (
            {"duration": 4, "keyframes": [{"time": 0, "azimuth": 0, "distance": 0}]},
            "distance must be > 0",
        ),
        ([1, 2], "must be a JSON object"),
    ],
)
def test_invalid_paths_name_the_problem(data: object, words: str) -> None:
    with pytest.raises(TrajectoryError, match=words.replace("(", r"\(").replace(")", r"\)")):
        Trajectory.from_dict(data)


def test_broken_json_and_missing_file_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"duration": 4, "keyframes": [')
    with pytest.raises(TrajectoryError, match=r"bad\.json: not valid JSON"):
        Trajectory.load(bad)
    with pytest.raises(TrajectoryError, match=r"nope\.json: no such file"):
        Trajectory.load(tmp_path / "nope.json")


@pytest.mark.parametrize("name", preset_names())
def test_presets_are_valid_editable_and_scale(name: str) -> None:
    traj = preset(name, 6.0)
    assert traj.duration == 6.0 and traj.name == name
    assert 1 <= len(traj.keyframes) <= 9
    again = Trajectory.from_dict(json.loads(traj.to_json()))
    assert again == traj
    az, el, _ = traj.sample_at_rate(100)
    assert np.all((az > -180) & (az <= 180)) and np.all(np.abs(el) <= 90)


def test_orbit_turns_once_counter_clockwise() -> None:
    traj = preset("orbit", 8.0)
    az, _, _ = traj.sample_at_rate(50, unwrap=True)
    assert az[-1] - az[0] == pytest.approx(360 * (1 - 1 / 400), abs=1.0)
    assert np.all(np.diff(az) > 0)


def test_unknown_preset_lists_the_known_ones() -> None:
    with pytest.raises(TrajectoryError, match="known: static, orbit"):
        preset("spiral-of-doom")


def test_with_duration_stretches_keyframes() -> None:
    traj = preset("half-orbit", 10.0).with_duration(5.0)
    assert [k.time for k in traj.keyframes] == [0.0, 2.5, 5.0]
