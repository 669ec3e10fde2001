"""The high band a 16 kHz take lacks: filled at the right level, at the right time, from the
right direction, without touching the band under it; and a model that learns (on synthetic
full-band noise whose highs follow its mids) beats a fixed tilt."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ambisketch.engine.audio_io import resample
from ambisketch.engine.errors import ModelLoadError
from ambisketch.engine.models import highband as hb
from ambisketch.engine.spatial.ambisonics import encode_static

OUT = 48000


def _band_db(x: np.ndarray, lo: float, hi: float, rate: int = OUT) -> float:
    spec = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(len(x), 1.0 / rate)
    return float(10 * np.log10(spec[(f >= lo) & (f < hi)].mean() + 1e-30))


def _take(seconds: float = 2.0, azimuth: float = 0.0, seed: int = 0) -> np.ndarray:
    """A 16 kHz noise take at ``azimuth`` resampled to 48 kHz (what an export starts from)."""
    x = (np.random.default_rng(seed).standard_normal(int(seconds * 16000)) * 0.1).astype(np.float32)
    return resample(encode_static(x, azimuth), 16000, OUT)


def test_the_shipped_model_fills_the_band_and_leaves_the_rest() -> None:
    foa = _take()
    assert _band_db(foa[0], 9000, 16000) < _band_db(foa[0], 4000, 7000) - 60  # nothing there
    out = hb.extend_highs(foa, OUT, hb.default_model())
    mids = _band_db(out[0], 4000, 7000)
    # White noise's highs are estimated within a sensible range of its mids, falling off.
    assert mids - 30 < _band_db(out[0], 8000, 12000) < mids + 6
    assert _band_db(out[0], 16000, 19500) < _band_db(out[0], 8000, 12000)
    assert _band_db(out[0], 21000, 24000) < mids - 60  # nothing above the top
    # Under 7 kHz the take is untouched (what leaks there is the windows' sidelobes).
    change = _band_db(out[0] - foa[0], 100, 7000) - _band_db(foa[0], 100, 7000)
    assert change < -50
    louder = hb.extend_highs(foa, OUT, hb.default_model(), amount_db=6.0)
    assert _band_db(louder[0], 8000, 16000) == pytest.approx(
        _band_db(out[0], 8000, 16000) + 6.0, abs=0.5
    )


def test_the_highs_come_from_the_takes_direction() -> None:
    left = hb.extend_highs(_take(azimuth=90.0), OUT, hb.default_model())
    w, y, z, x = (_band_db(ch, 8000, 16000) for ch in left)
    assert y == pytest.approx(w, abs=0.5)  # SN3D: a source on the left has Y = W
    assert x < w - 25 and z < w - 25
    front = hb.extend_highs(_take(azimuth=0.0), OUT, hb.default_model())
    w, y, z, x = (_band_db(ch, 8000, 16000) for ch in front)
    assert x == pytest.approx(w, abs=0.5) and y < w - 25


def test_a_diffuse_field_stays_diffuse_in_the_highs() -> None:
    """Independent noise from 200 directions (a room's tail): each of Y, Z, X holds about a
    third of W's energy (SN3D) and hardly correlates with W, above 7.6 kHz as below."""
    rng = np.random.default_rng(3)
    n = 2 * 16000
    field = np.zeros((4, n), np.float32)
    for _ in range(200):
        az, el = rng.uniform(-180, 180), np.degrees(np.arcsin(rng.uniform(-1, 1)))
        noise = (rng.standard_normal(n) * 0.02).astype(np.float32)
        field += encode_static(noise, az, el)
    out = hb.extend_highs(resample(field, 16000, OUT), OUT, hb.default_model())
    high = out - resample(field, 16000, OUT)
    w, *xyz = (_band_db(ch, 8000, 16000) for ch in high)
    for ch in xyz:
        assert ch == pytest.approx(w - 10 * np.log10(3), abs=1.5)
    corr = [abs(np.corrcoef(high[0], high[c])[0, 1]) for c in (1, 2, 3)]
    assert max(corr) < 0.2  # below 7.6 kHz the same field: 0.06
    point = hb.extend_highs(_take(azimuth=45.0), OUT, hb.default_model())  # no diffuse part
    w, y, z, x = (_band_db(ch, 8000, 16000) for ch in point)
    assert z < w - 25  # nothing leaks into Z from a source on the horizon


def test_the_highs_keep_the_takes_timing_and_silence_stays_silent() -> None:
    x = np.zeros(16000 * 2, np.float32)
    x[16000 : 16000 + 160] = np.random.default_rng(1).standard_normal(160) * 0.5  # 10 ms burst
    foa = resample(encode_static(x, 30.0), 16000, OUT)
    out = hb.extend_highs(foa, OUT, hb.default_model())
    high = out[0] - foa[0]
    env = np.sqrt(np.convolve(high**2, np.ones(480) / 480, mode="same"))
    peak = int(np.argmax(env))
    assert abs(peak / OUT - 1.005) < 0.02  # at the burst
    assert env[: int(0.9 * OUT)].max() < env.max() * 1e-2  # not before it
    silent = hb.extend_highs(np.zeros((4, OUT), np.float32), OUT, hb.default_model())
    assert not np.any(silent)


def test_the_same_highs_at_every_output_rate() -> None:
    """The network's bands mean the same at 32, 44.1 and 48 kHz (at 32 kHz the ones above
    Nyquist are left out, not squeezed under it)."""
    rng = np.random.default_rng(5)
    f = np.fft.rfftfreq(32000, 1 / 16000)  # noise falling 6 dB an octave: darker highs expected
    mono = np.fft.irfft(np.fft.rfft(rng.standard_normal(32000)) / np.maximum(f, 500), 32000)
    x = encode_static((0.3 * mono / np.abs(mono).max()).astype(np.float32), 0)
    tilt = {}
    for rate in (48000, 44100, 32000):
        out = hb.extend_highs(resample(x, 16000, rate), rate, hb.default_model())
        mids = _band_db(out[0], 4000, 7000, rate)
        tilt[rate] = [
            _band_db(out[0], lo, hi, rate) - mids
            for lo, hi in ((8000, 11000), (11000, 13500), (13500, 15500))
        ]
        top = min(20000.0, 0.49 * rate)
        if rate == 32000:  # the bands at Nyquist are not read as empty (a peak under it)
            below = _band_db(out[0], 8000, 11000, rate)
            assert below - 20 < _band_db(out[0], top - 700, top, rate) < below
        assert _band_db(out[0], top + 100, rate / 2, rate) < mids - 30  # and nothing above
    for rate in (44100, 32000):
        assert np.allclose(tilt[rate], tilt[48000], atol=1.5), tilt


def test_which_exports_get_a_high_band() -> None:
    assert hb.applies(16000, 48000) and hb.applies(16000, 44100) and hb.applies(16000, 32000)
    assert not hb.applies(16000, 16000) and not hb.applies(16000, 22050)
    assert not hb.applies(44100, 48000)  # a file with its own highs keeps them
    data, described = hb.to_rate(_take()[:, ::3], 16000, 44100, highs=False)
    assert described is None and data.shape[1] == pytest.approx(2 * 44100, abs=2)
    with pytest.raises(ValueError, match="32000"):
        hb.extend_highs(np.zeros((4, 1000), np.float32), 22050, hb.default_model())


def test_a_damaged_model_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="highs.json"):
        hb.load_highs(tmp_path)
    (tmp_path / hb.CONFIG_FILE).write_text(
        json.dumps({"config": {"hidden": 8, "kernel": 3, "layers": 1}})
    )
    (tmp_path / hb.WEIGHTS_FILE).write_bytes(b"not safetensors")
    with pytest.raises(ModelLoadError, match="highs.safetensors"):
        hb.load_highs(tmp_path)


def _tilted_noise(folder: Path, n: int, seed: int) -> None:
    """Full-band 48 kHz noise with a different spectral slope per file (the highs follow the
    slope of the mids: what the network can learn and a fixed tilt cannot)."""
    rng = np.random.default_rng(seed)
    f = np.fft.rfftfreq(OUT, 1.0 / OUT)
    for i in range(n):
        slope = rng.uniform(-12, 3)  # dB per octave above 1 kHz
        gain = 10 ** (slope * np.log2(np.maximum(f, 1000) / 1000) / 20)
        spec = np.fft.rfft(rng.standard_normal(OUT)) * gain
        x = np.fft.irfft(spec, OUT).astype(np.float32)
        sf.write(folder / f"noise{seed}-{i}.wav", 0.3 * x / np.abs(x).max(), OUT)


def test_training_learns_what_a_fixed_tilt_cannot(tmp_path: Path) -> None:
    import torch

    from ambisketch.training import highband as T

    torch.manual_seed(0)
    data = tmp_path / "data"
    data.mkdir()
    _tilted_noise(data, 24, seed=0)
    (tmp_path / "wesnoth-1.16-data").mkdir()
    _tilted_noise(tmp_path / "wesnoth-1.16-data", 2, seed=1)
    files = T.full_band_files([tmp_path])
    assert len(files) == 24  # the reserved package is never read
    clips = [c for c in (T.prepare(f) for f in files) if c is not None]
    train, test = clips[:18], clips[18:]
    model = T.train(train, steps=300, batch=8, frames=64, config=hb.HighBandConfig(32, 3, 2))
    fixed = T.error_db(hb.FixedLevels(T.median_levels(train)), test)
    learned = T.error_db(model, test)
    assert learned < 0.6 * fixed, (learned, fixed)


def test_train_highs_writes_a_model_that_loads(tmp_path: Path) -> None:
    from ambisketch.engine.errors import EngineError
    from ambisketch.training.highband import train_highs

    data = tmp_path / "data"
    data.mkdir()
    _tilted_noise(data, 30, seed=2)
    out = tmp_path / "highs"
    report = train_highs([data], out, steps=50, config=hb.HighBandConfig(16, 3, 1), eval_files=2)
    assert report["usable"] == 30 and report["held_out_files"] >= 1
    held = report["held_out"]
    assert isinstance(held, dict) and held["mel_model"] < held["mel_band_limited"]
    model = hb.load_highs(out)
    assert json.loads((out / hb.CONFIG_FILE).read_text())["report"]["files"] == 30
    assert hb.extend_highs(_take(0.5), OUT, model).shape == (4, OUT // 2)
    with pytest.raises(EngineError, match="already exists"):
        train_highs([data], out, steps=1)
    with pytest.raises(EngineError, match="usable full-band"):
        empty = tmp_path / "empty"
        empty.mkdir()
        train_highs([empty], tmp_path / "other", steps=1)
