"""Table 1 words, spatial captions and the papers' parametric fields."""

from __future__ import annotations

import numpy as np
import pytest

from ambisketch.engine.spatial import (
    Keyframe,
    ParametricMotion,
    Trajectory,
    describe,
    parametric_from_trajectory,
    preset,
    speed_class,
    trajectory_from_parametric,
)
from ambisketch.engine.spatial.captions import azimuth_word, elevation_word, position_phrase


@pytest.mark.parametrize(
    "az, word",
    [
        (0, "front"),
        (22.4, "front"),
        (-22.4, "front"),
        (30, "front-left"),
        (67, "front-left"),
        (90, "left"),
        (112, "left"),
        (135, "back-left"),
        (157, "back-left"),
        (160, "back"),
        (180, "back"),
        (-170, "back"),
        (-135, "back-right"),
        (-90, "right"),
        (-45, "front-right"),
    ],
)
def test_azimuth_words_follow_table_1(az: float, word: str) -> None:
    assert azimuth_word(az) == word


def test_every_azimuth_has_a_word_and_bins_are_45_degrees() -> None:
    words = [azimuth_word(a) for a in np.arange(-179.5, 180.25, 0.5)]
    counts = {w: words.count(w) for w in set(words)}
    assert len(counts) == 8 and set(counts.values()) == {90}


def test_elevation_words() -> None:
    assert [elevation_word(e) for e in (-60, -30, -29, 0, 29, 30, 80)] == [
        "down",
        "down",
        "",
        "",
        "",
        "up",
        "up",
    ]
    assert position_phrase(-135, 40) == "back-right and up"
    assert position_phrase(10, 80) == "overhead"


def test_caption_of_a_clockwise_sweep() -> None:
    p = ParametricMotion(45, 0, -135, 0, True, 1.0, 9.0, "slow", 10.0)
    assert (
        describe(trajectory_from_parametric(p))
        == "moves slowly from front-left to back-right, clockwise"
    )


def test_caption_of_a_static_source_above() -> None:
    assert describe(Trajectory.static(-135, 45)) == "static at the back-right and up"


def test_caption_speed_and_counter_clockwise() -> None:
    p = ParametricMotion(-90, 0, 90, 0, False, 2.0, 4.0, "fast", 10.0)
    assert (
        describe(trajectory_from_parametric(p))
        == "moves quickly from right to left, counter-clockwise"
    )


def test_elevation_only_motion_has_no_turn_word() -> None:
    p = ParametricMotion(0, -40, 0, 40, False, 0.0, 5.0, "moderate", 10.0)
    assert (
        describe(trajectory_from_parametric(p))
        == "moves at a moderate speed from front and down to front and up"
    )


@pytest.mark.parametrize(
    "seconds, cls",
    [
        (0, "static"),
        (1, "fast"),
        (3, "fast"),
        (3.5, "moderate"),
        (6.5, "moderate"),
        (7, "slow"),
        (10, "slow"),
    ],
)
def test_speed_classes(seconds: float, cls: str) -> None:
    assert speed_class(seconds) == cls


@pytest.mark.parametrize("clockwise", [True, False])
def test_parametric_round_trip(clockwise: bool) -> None:
    p = ParametricMotion(30, 10, -100, -20, clockwise, 1.5, 6.0, "moderate", 10.0)
    traj = trajectory_from_parametric(p)
    assert parametric_from_trajectory(traj) == p
    az, el, _ = traj.sample(np.array([0.0, 1.5, 6.0, 10.0]))
    np.testing.assert_allclose(az, [30, 30, -100, -100])
    np.testing.assert_allclose(el, [10, 10, -20, -20])
    mid = traj.sample(np.array([3.75]), unwrap=True)[0][0]
    # halfway along the chosen arc: cw = 130° down from 30, ccw = 230° up from 30
    assert mid == pytest.approx(30 - 65 if clockwise else 30 + 115)


def test_parametric_of_a_static_path() -> None:
    p = parametric_from_trajectory(Trajectory.static(60, 10, 8.0))
    assert p.is_static and p.speed == "static" and p.end_azimuth == 60


def test_multi_keyframe_caption_names_the_places_passed() -> None:
    assert (
        describe(preset("orbit"))
        == "moves slowly from front via left, back, right to front, counter-clockwise"
    )
    assert describe(preset("fly-over")) == "moves slowly from front via overhead to back"


def test_parametric_window_of_a_path_with_holds() -> None:
    traj = Trajectory(
        10.0,
        (
            Keyframe(0, 0),
            Keyframe(2, 0),
            Keyframe(4, 90, direction="ccw"),
            Keyframe(5, 90),
            Keyframe(6, 180, direction="ccw"),
        ),
    )
    p = parametric_from_trajectory(traj)
    assert (p.movement_start, p.movement_end, p.speed, p.clockwise) == (2, 6, "moderate", False)


@pytest.mark.parametrize(
    ("words", "seconds", "caption"),
    [
        (
            "bouncing left and right",
            20.0,
            "moves at a moderate speed back and forth between the left and the right",
        ),
        (
            "ping-pong quickly between the front and the back",
            10.0,
            "moves quickly back and forth between the front and the back",
        ),
    ],
)
def test_a_swing_is_described_as_one_and_parses_back_to_the_same_path(
    words: str, seconds: float, caption: str
) -> None:
    from ambisketch.engine.spatial.spatial_words import parse_spatial_words

    swing = parse_spatial_words(words, seconds)
    assert swing is not None and len(swing.keyframes) >= 6
    assert describe(swing) == caption  # not "from left via right, right, right to left"
    again = parse_spatial_words(caption, seconds)
    assert again is not None

    def points(t: Trajectory) -> np.ndarray:
        return np.array([(k.time, k.azimuth, k.elevation) for k in t.keyframes])

    assert np.allclose(points(again), points(swing))


def test_a_few_legs_name_their_places() -> None:
    """Up to MAX_VIA places between the ends are named, as training captions do."""
    from ambisketch.engine.spatial.spatial_words import parse_spatial_words

    swing = parse_spatial_words("bouncing left and right", 10.0)  # 4 legs of 2.5 s
    assert swing is not None
    assert describe(swing) == "moves slowly from left via right, left, right to left"
