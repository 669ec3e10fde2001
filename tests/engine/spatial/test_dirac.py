"""DirAC analysis and synthesis on real signals: plane waves, diffuse fields, moving sources."""

from __future__ import annotations

import numpy as np
import pytest

from ambisketch.engine.spatial import Keyframe, Trajectory, preset
from ambisketch.engine.spatial.ambisonics import encode, encode_static
from ambisketch.engine.spatial.angles import great_circle_angle
from ambisketch.engine.spatial.dirac import analyze, band_filters, split_band
from ambisketch.engine.spatial.dirac_synthesis import decorrelators, interpolate_frames, synthesize
from ambisketch.engine.spatial.doa import compare_tracks, direction_errors, intensity_doa

RATE, HOP = 16000, 2048
EDGES = (400.0, 1200.0, 3600.0)
TETRAHEDRON = [(45.0, 35.26), (-135.0, 35.26), (135.0, -35.26), (-45.0, -35.26)]


def _noise(seconds: float, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(int(seconds * RATE)) * 0.1


def _tetrahedron(seconds: float) -> np.ndarray:
    """Four independent noises from the corners of a tetrahedron: zero net intensity."""
    return sum(
        encode_static(_noise(seconds, 10 + i), az, el) for i, (az, el) in enumerate(TETRAHEDRON)
    )


@pytest.mark.parametrize("az, el", [(0, 0), (90, 0), (-135, 20), (180, -40), (30, 75)])
def test_plane_wave_direction_and_no_diffuseness(az: float, el: float) -> None:
    params = analyze(encode_static(_noise(3.0), az, el), RATE, HOP, band_edges=EDGES)
    assert params.vectors.shape == (4, 3, 24)
    p_az, p_el = params.direction()
    assert great_circle_angle(p_az, p_el, az, el).max() < 1.0
    assert params.diffuseness.max() < 0.01


def test_tetrahedron_of_independent_noises_is_diffuse() -> None:
    params = analyze(_tetrahedron(4.0), RATE, HOP, band_edges=EDGES)
    assert params.diffuseness.mean(axis=1).min() > 0.9  # every band
    mixed = analyze(
        _tetrahedron(4.0) + 2.0 * encode_static(_noise(4.0, 3), 60, 0), RATE, HOP, band_edges=EDGES
    )  # a strong source on top: neither 0 nor 1
    assert 0.15 < mixed.diffuseness.mean() < 0.6


def test_band_filters_sum_to_the_input() -> None:
    x = _noise(0.5)
    bands = np.stack([split_band(x, b) for b in band_filters(EDGES, float(RATE))])
    assert np.abs(bands.sum(axis=0) - x).max() < 1e-9
    with pytest.raises(ValueError, match="increase"):
        band_filters((1000.0, 500.0), float(RATE))
    with pytest.raises(ValueError, match="lie in"):
        analyze(np.zeros((4, 100)), RATE, HOP, band_edges=(9000.0,))
    with pytest.raises(ValueError, match="shape"):
        analyze(np.zeros((3, 100)), RATE, HOP)


@pytest.mark.parametrize("name", ["orbit", "fly-over", "left-to-right", "figure-eight"])
def test_moving_source_round_trip(name: str) -> None:
    traj = preset(name, 4.0)
    foa = encode(_noise(4.0), traj, RATE)
    params = analyze(foa, RATE, HOP, band_edges=EDGES)
    out = synthesize(foa[0], params.vectors, RATE, HOP, band_edges=EDGES)
    assert out.shape == foa.shape and out.dtype == np.float32
    assert np.array_equal(out[0], foa[0])  # W passes through
    err = compare_tracks(intensity_doa(out, RATE), intensity_doa(foa, RATE))
    assert err.spatial_angle_median < 3.0 and err.frames > 300
    assert direction_errors(intensity_doa(out, RATE), traj).spatial_angle_median < 3.0


def test_crossing_180_degrees_takes_the_short_way() -> None:
    """A path from 170° to −170° passes behind (180°), not through the front."""
    traj = Trajectory(3.0, (Keyframe(0.0, 170.0, 0.0), Keyframe(3.0, -170.0, 0.0)))
    foa = encode(_noise(3.0), traj, RATE)
    out = synthesize(foa[0], analyze(foa, RATE, HOP).vectors, RATE, HOP)
    track = intensity_doa(out, RATE)
    assert np.abs(track.azimuth[track.valid]).min() > 160.0
    assert direction_errors(track, traj).spatial_angle_median < 3.0


def test_diffuse_field_stays_diffuse() -> None:
    field = _tetrahedron(4.0)
    before = analyze(field, RATE, HOP, band_edges=EDGES)
    out = synthesize(field[0], before.vectors, RATE, HOP, band_edges=EDGES)
    after = analyze(out, RATE, HOP, band_edges=EDGES)
    assert after.diffuseness.mean(axis=1).min() > 0.9
    assert np.abs(after.diffuseness.mean() - before.diffuseness.mean()) < 0.05
    # SN3D energy balance of a real field: X² + Y² + Z² ≈ W².
    assert np.sum(out[1:] ** 2) / np.sum(out[0] ** 2) == pytest.approx(1.0, abs=0.1)


def test_decorrelators_are_orthogonal_to_w_and_to_each_other() -> None:
    dec = decorrelators(EDGES, float(RATE))
    assert np.abs(dec + dec[:, ::-1]).max() < 1e-12  # antisymmetric: purely imaginary
    w = _noise(4.0, 5)
    from scipy.signal import oaconvolve

    d = oaconvolve(np.broadcast_to(w, (3, w.size)), dec, mode="same", axes=-1)
    for band in band_filters(EDGES, float(RATE)):
        wb, db = split_band(w, band), split_band(d, band)
        unit = db / np.linalg.norm(db, axis=1, keepdims=True)
        assert np.abs(unit @ (wb / np.linalg.norm(wb))).max() < 0.01
        corr = unit @ unit.T
        assert np.abs(corr[np.triu_indices(3, 1)]).max() < 0.1


def test_gains_glide_without_zipper_noise() -> None:
    """A 1 kHz tone orbiting: X keeps its energy at the tone (a frame-stepped pan would
    spread it, about −40 dB)."""
    n = 4 * RATE
    tone = 0.3 * np.sin(2 * np.pi * 1000.0 * np.arange(n) / RATE)
    foa = encode(tone, preset("orbit", 4.0), RATE)
    out = synthesize(foa[0], analyze(foa, RATE, HOP).vectors, RATE, HOP)
    spectrum = np.abs(np.fft.rfft(out[3] * np.hanning(n))) ** 2
    freqs = np.fft.rfftfreq(n, 1.0 / RATE)
    leak = spectrum[np.abs(freqs - 1000.0) > 100.0].sum() / spectrum.sum()
    assert 10 * np.log10(leak) < -60.0


def test_interpolation_holds_the_ends_and_long_vectors_are_limited() -> None:
    values = np.array([[0.0, 1.0, 3.0]])
    out = interpolate_frames(values, 4, 12)  # frame centres at samples 1.5, 5.5, 9.5
    assert out[0, 0] == 0.0 and out[0, -1] == 3.0
    assert out[0, 5] == pytest.approx(0.875) and out[0, 7] == pytest.approx(1.75)
    v = np.zeros((4, 3, 2))
    v[:, 0] = 5.0  # |v| = 5 > 1: treated as a plane wave from the front
    out = synthesize(_noise(0.25), v, RATE, HOP)
    assert np.allclose(out[3], out[0], atol=1e-6) and np.abs(out[1:3]).max() < 1e-6
