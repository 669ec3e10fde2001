"""Intensity-vector DOA on real signals, and the papers' error metrics."""

from __future__ import annotations

import numpy as np
import pytest

from ambisketch.engine.spatial import Trajectory, preset
from ambisketch.engine.spatial.ambisonics import encode
from ambisketch.engine.spatial.angles import great_circle_angle
from ambisketch.engine.spatial.doa import direction_errors, intensity_doa

RATE = 16000


def _noise(seconds: float, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(int(seconds * RATE)) * 0.1).astype(
        np.float32
    )


def _diffuse(seconds: float, level: float, seed: int = 1) -> np.ndarray:
    """An isotropic noise field: many uncorrelated plane waves from all around."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    out = np.zeros((4, n), np.float32)
    for _ in range(64):
        az, el = rng.uniform(-180, 180), np.degrees(np.arcsin(rng.uniform(-1, 1)))
        out += encode(rng.standard_normal(n).astype(np.float32), Trajectory.static(az, el), RATE)
    return out * (level / np.sqrt(64))


@pytest.mark.parametrize("az, el", [(0, 0), (90, 0), (-135, 20), (180, -40), (45, 70)])
def test_static_source_within_one_degree(az: float, el: float) -> None:
    traj = Trajectory.static(az, el, 2.0)
    foa = encode(_noise(2.0), traj, RATE) + _diffuse(2.0, 0.01)
    err = direction_errors(intensity_doa(foa, RATE), traj)
    assert err.spatial_angle_median < 1.0
    assert err.frames > 150


@pytest.mark.parametrize("name", ["orbit", "fly-over", "rising-spiral", "figure-eight"])
def test_moving_source_median_error_below_two_degrees(name: str) -> None:
    traj = preset(name, 6.0)
    foa = encode(_noise(6.0), traj, RATE) + _diffuse(6.0, 0.01)
    err = direction_errors(intensity_doa(foa, RATE), traj)
    assert err.spatial_angle_median < 2.0
    # Azimuth has no meaning overhead; the spatial angle is the honest figure there.
    if name != "fly-over":
        assert err.azimuth_median < 2.0
    assert err.elevation_median < 2.0


def test_wrong_path_gives_large_errors() -> None:
    foa = encode(_noise(2.0), Trajectory.static(90, 0, 2.0), RATE)
    err = direction_errors(intensity_doa(foa, RATE), Trajectory.static(-90, 0, 2.0))
    assert err.azimuth_l1 == pytest.approx(180, abs=0.5)
    assert err.spatial_angle == pytest.approx(180, abs=0.5)


def test_energy_gate_drops_silence() -> None:
    x = _noise(2.0)
    x[RATE // 2 : RATE + RATE // 2] = 0.0  # one second of silence in the middle
    track = intensity_doa(encode(x, Trajectory.static(30, 0, 2.0), RATE), RATE)
    quiet = (track.times > 0.6) & (track.times < 1.4)
    assert not track.valid[quiet].any()
    assert track.valid[track.times < 0.45].all()


def test_all_silent_gives_no_frames() -> None:
    track = intensity_doa(np.zeros((4, RATE), np.float32), RATE)
    assert not track.valid.any()
    assert direction_errors(track, Trajectory.static(0)).frames == 0


def test_short_signal_still_gives_a_frame() -> None:
    track = intensity_doa(encode(_noise(0.01), Trajectory.static(60, 0), RATE), RATE)
    assert track.azimuth.size == 1 and track.azimuth[0] == pytest.approx(60, abs=0.5)


def test_great_circle_angle_known_values() -> None:
    assert great_circle_angle(0, 0, 90, 0) == pytest.approx(90)
    assert great_circle_angle(0, 90, 123, 90) == pytest.approx(0, abs=1e-6)
    assert great_circle_angle(170, 0, -170, 0) == pytest.approx(20)
    assert great_circle_angle(0, 45, 180, 45) == pytest.approx(90)


def test_circular_azimuth_error_wraps() -> None:
    foa = encode(_noise(1.0), Trajectory.static(175, 0, 1.0), RATE)
    err = direction_errors(intensity_doa(foa, RATE), Trajectory.static(-175, 0, 1.0))
    assert err.azimuth_l1 == pytest.approx(10, abs=0.5)


def test_rejects_wrong_shape() -> None:
    with pytest.raises(ValueError, match=r"\(4, samples\)"):
        intensity_doa(np.zeros((2, 100)), RATE)
