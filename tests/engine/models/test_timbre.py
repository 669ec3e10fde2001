"""The timbre prior: its model, imposing a shape on a take, bundles and generation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers.tiny_model import tiny_bundle

from ambisketch.engine.generate import GenerationRequest, Generator
from ambisketch.engine.models import envelope
from ambisketch.engine.models.bundle import load_bundle, save_bundle
from ambisketch.engine.models.timbre import (
    TimbreConfig,
    TimbreModel,
    apply_timbre,
    pool,
    shape_of,
)
from ambisketch.engine.spatial import preset
from ambisketch.engine.spatial.ambisonics import encode
from ambisketch.engine.spatial.doa import intensity_doa

RATE, HOP, BANDS = 16000, 2048, 32


def _noise(seconds: float = 4.0, seed: int = 0) -> np.ndarray:
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    # broadband like a decoded W, tilted to the lows (a prior only moves energy between
    # bands that have some: a gain is at most 60 dB)
    x = sosfilt(butter(1, 800, "low", fs=RATE, output="sos"), rng.standard_normal(n))
    gate = (np.arange(n) // (RATE // 2)) % 2 == 0  # on half a second, off half a second
    return (0.2 * x * gate / np.abs(x).max()).astype(np.float32)


def _high_shape() -> np.ndarray:
    shape = np.full(BANDS, -40.0)
    shape[-8:] = 0.0
    return 10 * np.log10(10 ** (shape / 10) / (10 ** (shape / 10)).sum())


def test_the_shape_moves_and_loudness_direction_and_silence_stay() -> None:
    mono = _noise()
    foa = encode(mono, preset("orbit", 4.0), RATE)
    target = _high_shape()
    out = apply_timbre(foa, target, RATE, HOP, 1.0)
    assert out.shape == foa.shape and out.dtype == np.float32
    before = np.abs(shape_of(foa[0], RATE, HOP, BANDS) - target).mean()
    after = np.abs(shape_of(out[0], RATE, HOP, BANDS) - target).mean()
    assert after < 0.25 * before
    half = apply_timbre(foa, target, RATE, HOP, 0.5)
    middle = np.abs(shape_of(half[0], RATE, HOP, BANDS) - target).mean()
    assert after < middle < before
    assert np.array_equal(apply_timbre(foa, target, RATE, HOP, 0.0), foa)

    # each frame keeps its loudness (frames well inside the gated bursts)
    def frame_db(x: np.ndarray) -> np.ndarray:
        env = envelope.analyze(x, RATE, HOP, BANDS) * envelope.SCALE_DB - envelope.OFFSET_DB
        return 10 * np.log10((10 ** (env / 10)).sum(axis=0))

    loud = frame_db(foa[0]) > frame_db(foa[0]).max() - 10
    assert np.abs(frame_db(out[0])[loud] - frame_db(foa[0])[loud]).mean() < 1.5
    # the same EQ on all four channels: the direction of the sound is kept
    a, b = intensity_doa(foa, RATE), intensity_doa(out, RATE)
    k = a.valid & b.valid
    diff = np.abs((a.azimuth[k] - b.azimuth[k] + 180) % 360 - 180)
    assert np.median(diff) < 5.0
    # the gaps stay gaps
    gap = slice(int(0.6 * RATE), int(0.9 * RATE))
    assert np.sqrt(np.mean(out[0, gap] ** 2)) < 1e-4
    with pytest.raises(ValueError, match="strength"):
        apply_timbre(foa, target, RATE, HOP, 1.5)


def test_the_model_predicts_shares_that_sum_to_one_and_pools_real_tokens() -> None:
    model = TimbreModel(TimbreConfig(text_dim=8, hidden=16, bands=BANDS))
    shares = 10 ** (model.shape_db(torch.randn(3, 8)) / 10)
    assert torch.allclose(shares.sum(-1), torch.ones(3), atol=1e-5)
    tokens = torch.tensor([[[1.0, 1.0], [3.0, 3.0], [100.0, 100.0]]])
    mask = torch.tensor([[True, True, False]])
    assert torch.allclose(pool(tokens, mask), torch.tensor([[2.0, 2.0]]))


def test_a_bundle_keeps_its_prior_and_takes_use_it(tmp_path) -> None:
    bundle = tiny_bundle("factored")
    torch.manual_seed(0)
    bundle.timbre = TimbreModel(TimbreConfig(text_dim=384, hidden=16, bands=8))
    with torch.no_grad():  # a prior that wants everything in the top bands
        bundle.timbre.net[-1].bias.copy_(torch.linspace(-8, 8, 8))
    folder = save_bundle(tmp_path / "m", bundle)
    again = load_bundle(folder)
    assert again.timbre is not None and again.timbre.config.bands == 8
    for k, v in bundle.timbre.state_dict().items():
        assert torch.equal(v, again.timbre.state_dict()[k])
    gen = Generator(folder, device="cpu")
    base = GenerationRequest("a hum", path=preset("orbit", 1.0), seconds=1.0, steps=3, seed=1)
    plain = gen.generate(GenerationRequest(**{**base.__dict__, "timbre": 0.0}))[0]
    shaped = gen.generate(base)[0]
    assert "timbre" in shaped.timings and "timbre" not in plain.timings
    high = lambda x: np.abs(np.fft.rfft(x))[len(x) // 4 :].sum() / np.abs(np.fft.rfft(x)).sum()  # noqa: E731
    assert high(shaped.foa[0]) > high(plain.foa[0])
    assert GenerationRequest.from_dict({"prompt": "x"}).timbre == 0.0  # old takes: none
    assert GenerationRequest.from_dict(shaped.request.to_dict()).timbre == 1.0
    with pytest.raises(ValueError, match="timbre"):
        GenerationRequest("x", timbre=2.0)
    (folder / "timbre.safetensors").unlink()
    with pytest.raises(Exception, match="timbre.safetensors"):
        load_bundle(folder)


def test_frames_far_under_the_loudest_keep_their_own_shape() -> None:
    """The decoder's faint floor in a take's pauses is not turned into the prompt's colour."""
    mono = _noise()
    t = np.arange(len(mono)) / RATE
    floor = (3e-5 * np.sin(2 * np.pi * 500 * t)).astype(np.float32)  # ~70 dB under the bursts
    x = mono + floor * (mono == 0)
    foa = encode(x, preset("orbit", 4.0), RATE)
    out = apply_timbre(foa, _high_shape(), RATE, HOP, 1.0)
    gap = slice(int(0.62 * RATE), int(0.88 * RATE))
    spec = np.abs(np.fft.rfft(out[0, gap]))
    freqs = np.fft.rfftfreq(gap.stop - gap.start, 1 / RATE)
    assert abs(freqs[np.argmax(spec)] - 500) < 20  # still the floor's own tone, not the hiss
    ratio = np.sqrt(np.mean(out[0, gap] ** 2) / np.mean(foa[0, gap] ** 2))
    assert 0.7 < ratio < 1.4


def test_each_frame_keeps_how_it_differs_from_the_takes_average_shape() -> None:
    """A strike brighter than its ring stays brighter: the prior sets the average shape, not
    every frame's (giving every frame one shape flattened a sound's movement)."""
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng(3)
    n, burst, bright = 6 * RATE, RATE, RATE // 4
    noise = rng.standard_normal(n)
    dark = sosfilt(butter(4, 800, "low", fs=RATE, output="sos"), noise)
    t = np.arange(n) % (burst + RATE // 2)
    x = np.where(t < bright, 0.3 * noise, 0.3 * dark / np.abs(dark).max()) * (t < burst)
    foa = encode(x.astype(np.float32), preset("orbit", 6.0), RATE)
    flat = np.full(BANDS, -10 * np.log10(BANDS))
    out = apply_timbre(foa, flat, RATE, HOP, 1.0)

    def highs_db(w: np.ndarray) -> np.ndarray:  # per frame: the top 8 bands' share
        p = 10 ** (envelope.to_db(envelope.analyze(w, RATE, HOP, BANDS)) / 10)
        return 10 * np.log10(p[-8:].sum(axis=0) / np.maximum(p.sum(axis=0), 1e-30) + 1e-30)

    frame_start = np.arange(-(-n // HOP)) * HOP
    phase = frame_start % (burst + RATE // 2)
    onset = phase + HOP <= bright  # frames inside the bright quarter second
    ring = (phase >= bright + HOP) & (phase + 2 * HOP <= burst)
    assert onset.sum() >= 4 and ring.sum() >= 10
    before, after = highs_db(foa[0]), highs_db(out[0])
    assert before[onset].mean() - before[ring].mean() > 20
    assert after[onset].mean() - after[ring].mean() > 15  # the movement is kept …
    assert np.abs(shape_of(out[0], RATE, HOP, BANDS) - flat).mean() < 3.0  # … the average set
