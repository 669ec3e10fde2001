"""A 16 kHz take in a 48 kHz scene gets its band above 7.6 kHz estimated, as an exported take
does: once per file, in the file's own directions; a re-pathed take's high band is W's (made
once per file) panned along the track's path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers.latent_take import CLIP, latent_take_file

from ambisketch.engine.audio_io import read_audio, resample, write_audio
from ambisketch.engine.models import highband
from ambisketch.engine.scene import Scene, new_track
from ambisketch.engine.scene import media as media_mod
from ambisketch.engine.scene.media import MediaCache
from ambisketch.engine.scene.mixer import render_scene
from ambisketch.engine.spatial import Trajectory, preset
from ambisketch.engine.spatial.ambisonics import encode
from ambisketch.engine.spatial.doa import direction_errors, intensity_doa

RATE = 48000


def _band(x: np.ndarray, lo: float, hi: float = RATE / 2) -> np.ndarray:
    """``x`` with every FFT bin outside lo…hi zeroed (a brick wall: nothing leaks in)."""
    spec = np.fft.rfft(x, axis=-1)
    f = np.fft.rfftfreq(x.shape[-1], 1.0 / RATE)
    spec[..., (f < lo) | (f >= hi)] = 0.0
    return np.fft.irfft(spec, n=x.shape[-1], axis=-1).astype(np.float32)


def _per_hz_db(x: np.ndarray, lo: float, hi: float = 20000.0) -> float:
    """Mean power per FFT bin in lo…hi (dB): white noise has the same in every band."""
    p = np.abs(np.fft.rfft(np.asarray(x, np.float64))) ** 2
    f = np.fft.rfftfreq(len(x), 1.0 / RATE)
    return float(10 * np.log10(p[(f >= lo) & (f < hi)].mean() + 1e-30))


def _db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.asarray(x, np.float64) ** 2) + 1e-30))


@pytest.fixture(scope="module")
def take(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return latent_take_file(tmp_path_factory.mktemp("takes"))


def test_a_16k_file_gets_its_highs_in_its_own_direction(tmp_path: Path) -> None:
    x = (np.random.default_rng(0).standard_normal(2 * 16000) * 0.1).astype(np.float32)
    left = Trajectory.static(60.0, 20.0, 2.0)
    src = tmp_path / "take16k.wav"
    write_audio(src, encode(x, left, 16000), 16000, bits="32f")
    track = new_track(Scene(), str(src))
    with_highs = render_scene(Scene().with_track(track), MediaCache(RATE))
    without = render_scene(Scene().with_track(track), MediaCache(RATE, highs=False))
    mids = _per_hz_db(without[0], 3000, 7000)
    # white noise under 7.6 kHz: the estimated band continues it (within a few dB per Hz)
    assert _per_hz_db(with_highs[0], 9000) > mids - 10.0
    assert _per_hz_db(without[0], 9000) < mids - 60.0
    # under the band it adds, the file is as it was (the added band's leak 50 dB down)
    assert _db(_band(with_highs - without, 0, 7000)) < _db(_band(without, 0, 7000)) - 50.0
    # and the highs come from where the file's sound comes from
    high = _band(with_highs, 9000)[:, 4800:-4800]
    err = direction_errors(intensity_doa(high, RATE), left.with_duration(high.shape[1] / RATE))
    assert err.spatial_angle < 3.0


def test_a_repathed_take_gets_w_highs_panned_along_the_new_path(
    take: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[int] = []
    real = highband.w_high_band

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(media_mod, "w_high_band", counted)
    media = MediaCache(RATE)
    plain_cache = MediaCache(RATE, highs=False)
    track = new_track(Scene(), str(take))
    orbit = preset("orbit", CLIP)
    scene = Scene().with_track(track.edited(path=orbit))
    mix = render_scene(scene, media)
    plain = render_scene(scene, plain_cache)
    added = mix - plain
    # W's part is the high band extend_highs gives the take's W, the others pan it on the path
    w = resample(read_audio(take).samples[:1], 16000, RATE)[0]
    want = highband.w_high_band(w, RATE, highband.default_model())
    n = min(added.shape[1], want.shape[0])
    np.testing.assert_allclose(added[0, :n], want[:n], atol=1e-5)
    assert _db(want) > _db(plain[0]) - 40.0  # there is a band to place
    track_doa = intensity_doa(added[:, :n], RATE)
    assert direction_errors(track_doa, orbit.with_duration(n / RATE)).spatial_angle < 5.0
    # another path: the W high band is not estimated again (made once per file)
    static = Trajectory.static(-90.0, 0.0, CLIP)
    render_scene(Scene().with_track(track.edited(path=static)), media)
    assert len(made) == 1
