"""FOA encoding against independent references, conversions and rotation."""

from __future__ import annotations

import numpy as np
import pytest

from ambisketch.engine.spatial import Trajectory, preset
from ambisketch.engine.spatial.ambisonics import (
    air_absorption,
    ambix_to_fuma,
    distance_gain,
    encode,
    encode_static,
    foa_rotation_matrix,
    fuma_to_ambix,
    rotate,
    sh_gains,
)

RNG = np.random.default_rng(7)
AZ = RNG.uniform(-180, 180, 150)
EL = np.degrees(np.arcsin(RNG.uniform(-1, 1, 150)))  # uniform on the sphere


def test_sh_gains_match_spaudiopy_real_sh_for_150_directions() -> None:
    spa = pytest.importorskip("spaudiopy")
    # spaudiopy: orthonormal N3D real SH in ACN order, colatitude; SN3D = N3D / sqrt(2n+1),
    # and orthonormal = N3D / sqrt(4π).
    ref = spa.sph.sh_matrix(1, np.radians(AZ), np.radians(90 - EL), "real")
    ref = ref * np.sqrt(4 * np.pi) / np.sqrt([1, 3, 3, 3])
    np.testing.assert_allclose(sh_gains(AZ, EL).T, ref, atol=1e-6)


def test_sh_gains_match_cartesian_formula() -> None:
    # An independent formula: W = 1 and (Y, Z, X) = the unit vector (y, z, x).
    az, el = np.radians(AZ), np.radians(EL)
    x, y, z = np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)
    np.testing.assert_allclose(sh_gains(AZ, EL), np.stack([np.ones_like(x), y, z, x]), atol=1e-12)


@pytest.mark.parametrize(
    "az, el, channel, sign",
    [
        (90, 0, 1, +1),
        (-90, 0, 1, -1),
        (0, 0, 3, +1),
        (180, 0, 3, -1),
        (0, 90, 2, +1),
        (0, -90, 2, -1),
    ],
)
def test_signs_left_is_positive_y(az: float, el: float, channel: int, sign: int) -> None:
    g = sh_gains(az, el)
    assert g[channel] == pytest.approx(sign)
    assert np.sum(np.abs(g[1:])) == pytest.approx(1.0)


def test_static_encode_is_gain_times_signal() -> None:
    x = RNG.standard_normal(1000).astype(np.float32)
    foa = encode_static(x, 45, 30)
    assert foa.shape == (4, 1000) and foa.dtype == np.float32
    np.testing.assert_allclose(foa, sh_gains(45, 30)[:, None] * x, rtol=1e-6)
    np.testing.assert_allclose(encode(x, Trajectory.static(45, 30), 48000), foa, rtol=1e-6)


def test_moving_encode_has_no_zipper_steps() -> None:
    # A DC signal moving round the listener: gains change smoothly sample to sample.
    rate = 8000
    foa = encode(np.ones(rate * 2, np.float32), preset("orbit", 2.0), rate)
    step = np.abs(np.diff(foa, axis=1)).max()
    # 360° in 2 s -> 180°/s -> at most π/180·180/8000 ≈ 4e-4 per sample (plus float32 rounding).
    assert step < 5e-4


def test_moving_encode_crosses_back_smoothly() -> None:
    rate = 1000
    traj = Trajectory.from_dict(
        {"duration": 1, "keyframes": [{"time": 0, "azimuth": 150}, {"time": 1, "azimuth": -150}]}
    )
    foa = encode(np.ones(rate, np.float32), traj, rate)
    assert np.abs(np.diff(foa[1])).max() < 2e-3  # Y passes 0 at the back, no jump
    assert foa[3].max() < -0.86  # X stays behind the listener


def test_ambix_fuma_round_trip_and_values() -> None:
    foa = encode_static(RNG.standard_normal(64).astype(np.float32), 60, 20)
    fuma = ambix_to_fuma(foa)
    np.testing.assert_allclose(fuma[0], foa[0] / np.sqrt(2), rtol=1e-6)
    np.testing.assert_allclose(fuma[1:], foa[[3, 1, 2]])
    np.testing.assert_allclose(fuma_to_ambix(fuma), foa, rtol=1e-6, atol=1e-7)


def test_rotation_signs() -> None:
    front = sh_gains(0, 0)
    np.testing.assert_allclose(foa_rotation_matrix(yaw=90) @ front, sh_gains(90, 0), atol=1e-12)
    np.testing.assert_allclose(foa_rotation_matrix(pitch=30) @ front, sh_gains(0, 30), atol=1e-12)
    np.testing.assert_allclose(
        foa_rotation_matrix(roll=30) @ sh_gains(90, 0), sh_gains(90, 30), atol=1e-12
    )


def test_rotation_matches_reencoding_and_inverts() -> None:
    x = RNG.standard_normal(256).astype(np.float32)
    m = foa_rotation_matrix(37, -12, 20)
    assert np.allclose(m @ m.T, np.eye(4)) and np.linalg.det(m) == pytest.approx(1)
    for az, el in zip(AZ[:20], EL[:20]):
        rotated = m @ sh_gains(az, el)
        assert rotated[0] == pytest.approx(1)
        assert np.linalg.norm(rotated[1:]) == pytest.approx(1)
    foa = encode_static(x, 10, 10)
    back = foa_rotation_matrix(37, -12, 20).T @ rotate(foa, 37, -12, 20)
    np.testing.assert_allclose(back, foa, atol=1e-5)


def test_distance_gain_is_inverse_with_floor() -> None:
    np.testing.assert_allclose(distance_gain([0.1, 0.25, 1, 2, 8]), [4, 4, 1, 0.5, 0.125])


def test_air_absorption_darkens_far_sources() -> None:
    rate = 48000
    x = RNG.standard_normal(rate)

    def hf_ratio(y: np.ndarray) -> float:
        spec = np.abs(np.fft.rfft(y)) ** 2
        f = np.fft.rfftfreq(y.size, 1 / rate)
        return float(spec[f > 8000].sum() / spec[f < 1000].sum())

    near, far = air_absorption(x, 1.0, rate), air_absorption(x, 100.0, rate)
    assert hf_ratio(far) < 0.2 * hf_ratio(near)
    assert hf_ratio(near) > 0.5 * hf_ratio(x)


def test_air_absorption_follows_a_moving_distance_smoothly() -> None:
    rate = 16000
    dist = np.linspace(1, 80, rate)
    y = air_absorption(np.ones(rate), dist, rate)
    assert np.abs(np.diff(y[100:])).max() < 1e-3  # DC passes; crossfades leave no steps


def test_encode_rejects_non_mono() -> None:
    with pytest.raises(ValueError, match="mono"):
        encode(np.zeros((2, 10)), Trajectory.static(0), 8000)
