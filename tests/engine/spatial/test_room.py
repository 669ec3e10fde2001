"""Shoebox rooms: RT60, image-source delays and directions, the direct path, distance, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ambisketch.engine.errors import RoomError
from ambisketch.engine.spatial import Keyframe, Trajectory
from ambisketch.engine.spatial.angles import from_cartesian
from ambisketch.engine.spatial.room import SPEED_OF_SOUND, Room, distance_word, size_word
from ambisketch.engine.spatial.room_metrics import drr_from_ir, measure_decay, rt60_from_ir
from ambisketch.engine.spatial.room_render import (
    image_sources,
    render_in_room,
    room_impulse_response,
)

RATE = 16000


def _direction(foa: np.ndarray, lo: int, hi: int) -> tuple[float, float]:
    w, y, z, x = foa[:, lo:hi].astype(np.float64).sum(axis=1)
    az, el = from_cartesian(x * np.sign(w), y * np.sign(w), z * np.sign(w))
    return float(az), float(el)


@pytest.mark.parametrize("name", ["small", "medium", "large"])
def test_simulated_rt60_is_within_10_percent_of_the_target(name: str) -> None:
    room = Room.preset(name)
    ir = room_impulse_response(room, RATE, 30.0, 0.0, 2.0)
    measured = rt60_from_ir(ir[0], RATE)
    assert measured is not None
    assert abs(measured - room.rt60) <= 0.1 * room.rt60, (name, room.rt60, measured)


def test_rt60_target_sets_the_absorption_and_eyring_is_shorter() -> None:
    room = Room.from_rt60(5.0, 7.0, 3.0, 0.5)
    assert room.rt60 == pytest.approx(0.5, rel=1e-9)
    assert 0.0 < room.mean_absorption < 1.0 and room.rt60_eyring() < room.rt60


def test_first_reflection_arrives_at_the_image_source_delay_from_its_direction() -> None:
    # Listener 1 m above the floor, source 2 m in front at the same height: the floor image
    # (z = -1) is the nearest one, at √(2² + 2²) m, arriving from 45° below the front.
    room = Room(10.0, 12.0, 6.0, absorption=0.3, listener=(5.0, 5.0, 1.0))
    ir = room_impulse_response(room, RATE, 0.0, 0.0, 2.0, late=False, max_order=1)
    w = ir[0].astype(np.float64)
    direct = 2.0 / SPEED_OF_SOUND * RATE
    floor = math.hypot(2.0, 2.0) / SPEED_OF_SOUND * RATE
    after = np.nonzero(np.abs(w[int(direct) + 3 :]) > 1e-6)[0]
    first = int(direct) + 3 + int(after[0])
    assert abs(first - floor) < 1.0, (first, floor)
    # Linear interpolation splits the arrival over two taps; their weighted mean is the delay.
    taps = np.arange(first, first + 2)
    assert np.dot(taps, w[taps]) / w[taps].sum() == pytest.approx(floor, abs=0.01)
    az, el = _direction(ir, first, first + 2)
    assert abs(az) < 0.5 and el == pytest.approx(-45.0, abs=0.5)
    # Gain: β / r with β = √(1 − α) = √0.7.
    assert w[taps].sum() == pytest.approx(math.sqrt(0.7) / math.hypot(2.0, 2.0), rel=1e-6)


def test_direct_sound_follows_a_moving_path_within_2_degrees_in_a_room() -> None:
    room = Room.preset("medium")
    duration, spacing = 2.0, 0.25
    traj = Trajectory(
        duration, (Keyframe(0.0, 60.0, 10.0), Keyframe(duration, -120.0, -10.0, direction="ccw"))
    )
    clicks = np.zeros(int(duration * RATE))
    starts = (np.arange(0.0, duration - 0.01, spacing) * RATE).astype(int)
    clicks[starts] = 1.0
    out = render_in_room(clicks, traj, RATE, room, distance=1.5, ring_out=False)
    delay = 1.5 / SPEED_OF_SOUND * RATE
    errors = []
    for n in starts:
        lo = int(math.floor(n + delay))
        az, el = _direction(out.foa, lo, lo + 2)
        ref_az, ref_el, _ = traj.sample(np.array([n / RATE]))
        d_az = abs((az - ref_az[0] + 180.0) % 360.0 - 180.0)
        errors.append(max(d_az, abs(el - ref_el[0])))
    assert max(errors) < 2.0, errors


def test_doubling_the_distance_lowers_the_direct_sound_by_6_db() -> None:
    room = Room.preset("large")
    levels = []
    for r in (2.0, 4.0, 8.0):
        ir = room_impulse_response(room, RATE, 20.0, 0.0, r, late=False, max_order=0)
        levels.append(20.0 * math.log10(float(ir[0].sum())))
    assert np.diff(levels) == pytest.approx([-6.02, -6.02], abs=0.05)


def test_direct_to_reverberant_ratio_falls_with_distance() -> None:
    room = Room.preset("medium")
    near, far = (
        drr_from_ir(room_impulse_response(room, RATE, 0.0, 0.0, r)[0], RATE) for r in (1.0, 3.0)
    )
    assert near > far + 6.0


def test_a_take_in_a_room_measures_its_rt60() -> None:
    room = Room.preset("small")
    burst = np.random.default_rng(3).standard_normal(RATE // 2)
    out = render_in_room(burst, Trajectory.static(-40.0, 0.0, 0.5), RATE, room, distance=2.0)
    m = measure_decay(out.foa[0], RATE)
    assert m.rt60 is not None and m.rt60 == pytest.approx(room.rt60, rel=0.15)
    assert m.drr_db is not None and m.offset_time == pytest.approx(0.5, abs=0.05)


def test_sources_stay_inside_the_walls_along_the_path_direction() -> None:
    room = Room.preset("small")
    out = render_in_room(
        np.ones(160),
        Trajectory.static(0.0, 0.0, 0.01),
        RATE,
        room,
        distance=50.0,
        late=False,
        max_order=0,
        ring_out=False,
    )
    assert out.clamped and out.mean_distance == pytest.approx(room.max_distance(0.0), abs=1e-6)


def test_render_is_deterministic_and_float32() -> None:
    room = Room.preset("small")
    x = np.random.default_rng(0).standard_normal(800)
    a = render_in_room(x, Trajectory.static(10.0), RATE, room).foa
    b = render_in_room(x, Trajectory.static(10.0), RATE, room).foa
    assert a.dtype == np.float32 and a.shape[0] == 4 and a.shape[1] > 800
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: Room(0.0, 5.0, 3.0), ("width", "> 0")),
        (lambda: Room(4.0, 5.0, -3.0), ("height", "> 0")),
        (lambda: Room(4.0, 5.0, 3.0, absorption=-0.2), ("absorption", "(0, 1]")),
        (lambda: Room(4.0, 5.0, 3.0, absorption=(0.3, 0.3, 0.3, 0.3, 0.3, 1.5)), ("ceiling",)),
        (lambda: Room(4.0, 5.0, 3.0, listener=(9.0, 1.0, 1.0)), ("listener", "outside")),
        (lambda: Room.parse("0x3x3"), ("width", "> 0")),
        (lambda: Room.parse("cathedral"), ("unknown room", "small")),
        (lambda: Room.parse("4x5"), ("WxDxH",)),
        (lambda: Room.from_rt60(4.0, 5.0, 3.0, 0.01), ("too short",)),
        (lambda: Room.from_rt60(4.0, 5.0, 3.0, -1.0), ("RT60", "> 0")),
    ],
)
def test_bad_rooms_get_a_clear_one_line_error(make, words) -> None:
    with pytest.raises(RoomError) as info:
        make()
    msg = str(info.value)
    assert "\n" not in msg and all(w in msg for w in words), msg


def test_caption_words() -> None:
    assert size_word(Room.preset("small")) == "in a small room"
    assert size_word(Room.preset("hall")) == "in a large hall"
    assert distance_word(0.5) == "close" and distance_word(12.0) == "far away"


@pytest.mark.parametrize("doppler, ratio", [(True, 1.0 + 5.0 / SPEED_OF_SOUND), (False, 1.0)])
def test_doppler_is_optional_for_an_approaching_source(doppler: bool, ratio: float) -> None:
    room = Room(20.0, 20.0, 6.0, absorption=0.5, listener=(2.0, 10.0, 3.0))
    traj = Trajectory(
        1.0, (Keyframe(0.0, 0.0, 0.0, distance=6.0), Keyframe(1.0, 0.0, 0.0, distance=1.0))
    )
    t = np.arange(RATE) / RATE
    out = render_in_room(
        np.sin(2 * np.pi * 500.0 * t),
        traj,
        RATE,
        room,
        doppler=doppler,
        late=False,
        max_order=0,
        air=False,
        ring_out=False,
    ).foa[0]
    mid = out[4000:12000].astype(np.float64)
    crossings = np.nonzero(np.diff(np.signbit(mid)))[0]
    freq = (crossings.size - 1) / 2 / ((crossings[-1] - crossings[0]) / RATE)
    assert freq == pytest.approx(500.0 * ratio, rel=1e-3)


def test_a_take_without_a_free_decay_has_no_rt60() -> None:
    dry = np.random.default_rng(0).standard_normal(RATE)
    m = measure_decay(dry, RATE)
    assert m.rt60 is None and m.drr_db is None


def test_image_sources_match_pyroomacoustics_golden_values() -> None:
    # Golden values from pyroomacoustics 0.10.1 ShoeBox([8, 6, 3.2], materials=0.2,
    # max_order=3), source (5, 3.7, 1.9), microphone (3.2, 2.7, 1.6): image distances and
    # the sum of the wall-loss products (computed once offline; not a dependency).
    src, lis = np.array([5.0, 3.7, 1.9]), np.array([3.2, 2.7, 1.6])
    room = Room(6.0, 8.0, 3.2, absorption=0.2, listener=tuple(lis))
    size = np.array(room.size_xyz)
    images = image_sources(room, 3)
    dist = np.sort(
        [np.linalg.norm((1 - 2 * p) * src + 2 * q * size - lis) for p, q, _, _ in images]
    )
    assert len(images) == 63
    np.testing.assert_allclose(
        dist[:8],
        [2.080865, 3.556684, 4.060788, 5.889822, 6.438167, 6.558201, 6.655073, 6.844706],
        atol=2e-6,
    )
    assert dist.sum() == pytest.approx(717.89671, abs=1e-4)
    assert sum(g for _, _, g, _ in images) == pytest.approx(47.95717, abs=1e-4)
