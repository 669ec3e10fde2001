"""W's measured envelope channels: analysis, imposing them, and the codec that carries them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from ambisketch.engine.models import envelope
from ambisketch.engine.models.codec_bundle import load_codec_bundle, save_codec_bundle
from ambisketch.engine.models.factored_codec import FACTORED_PRESETS, FactoredCodec
from ambisketch.engine.models.placement import DirectionHold
from ambisketch.engine.spatial import preset
from ambisketch.engine.spatial.ambisonics import encode
from ambisketch.engine.takes.repath import DiracLayout, Repather

RATE, HOP, BANDS = 16000, 2048, 32


def _shaped(seconds: float = 4.0, seed: int = 0) -> np.ndarray:
    """Noise with a spectral shape that changes half-way (a low then a high band) and a tone."""
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    low = sosfilt(butter(4, 600, "low", fs=RATE, output="sos"), rng.standard_normal(n))
    high = sosfilt(butter(4, [3000, 5000], "band", fs=RATE, output="sos"), rng.standard_normal(n))
    t = np.arange(n) / RATE
    x = np.where(t < seconds / 2, low, high) + 0.05 * np.sin(2 * np.pi * 1000 * t)
    return (0.2 * x / np.abs(x).max()).astype(np.float32)


def _db_error(a: np.ndarray, b: np.ndarray) -> float:
    """Mean |dB| difference of two envelopes over frames and bands loud in ``b``."""
    loud = b * envelope.SCALE_DB - envelope.OFFSET_DB > -70
    return float(np.abs(a - b)[loud].mean() * envelope.SCALE_DB)


def test_analyze_has_one_frame_per_hop_and_finds_the_shape() -> None:
    x = _shaped()
    env = envelope.analyze(x, RATE, HOP, BANDS)
    assert env.shape == (BANDS, -(-len(x) // HOP)) and env.dtype == np.float32
    first, second = env[:, 3], env[:, -4]  # well inside each half
    assert first[:8].mean() > first[-8:].mean() + 1.5  # low half: the low bands are louder
    assert second[-12:-4].mean() > second[:4].mean() + 1.5  # high half: 3-5 kHz is louder
    silent = envelope.analyze(np.zeros(RATE, np.float32), RATE, HOP, BANDS)
    assert np.allclose(silent, (envelope.FLOOR_DB + envelope.OFFSET_DB) / envelope.SCALE_DB)


def test_impose_gives_noise_the_measured_envelope() -> None:
    """White noise shaped by an envelope measures back as that envelope (within a few dB),
    where flat noise is far from it."""
    x = _shaped()
    env = envelope.analyze(x, RATE, HOP, BANDS)
    flat = np.random.default_rng(1).standard_normal(len(x)).astype(np.float32) * 0.05
    y = envelope.impose(flat, env, RATE, HOP)
    assert y.shape == x.shape and y.dtype == np.float32
    before = _db_error(envelope.analyze(flat, RATE, HOP, BANDS), env)
    after = _db_error(envelope.analyze(y, RATE, HOP, BANDS), env)
    assert after < 3.0 < 10.0 < before


def test_impose_fills_a_band_the_input_left_empty_and_keeps_silence_silent() -> None:
    x = _shaped()
    env = envelope.analyze(x, RATE, HOP, BANDS)
    y = envelope.impose(np.zeros_like(x), env, RATE, HOP)  # nothing to shape but the noise
    assert _db_error(envelope.analyze(y, RATE, HOP, BANDS), env) < 3.0
    quiet = envelope.analyze(np.zeros_like(x), RATE, HOP, BANDS)
    buzz = (0.01 * np.sin(2 * np.pi * 500 * np.arange(len(x)) / RATE)).astype(np.float32)
    assert np.sqrt(np.mean(envelope.impose(buzz, quiet, RATE, HOP) ** 2)) < 1e-4


def test_impose_leaves_a_signal_that_has_its_envelope_nearly_as_it_was() -> None:
    x = _shaped()
    y = envelope.impose(x, envelope.analyze(x, RATE, HOP, BANDS), RATE, HOP)
    err = np.sqrt(np.mean((y - x) ** 2) / np.mean(x**2))
    assert err < 0.35  # the phase and fine structure are the input's


def _codec(bands: int = 8) -> FactoredCodec:
    cfg = replace(FACTORED_PRESETS["factored-tiny"], envelope_bands=bands)
    torch.manual_seed(0)
    return FactoredCodec(cfg).eval()


def test_codec_with_an_envelope_layout_round_trip_and_bundle(tmp_path) -> None:
    codec = _codec()
    cfg = codec.config
    assert cfg.latent_channels == 2 + 6 + 8 and cfg.direction_slice == slice(2, 8)
    assert "envelope_bands" not in cfg.without_envelope().to_dict()
    assert cfg.to_dict()["envelope_bands"] == 8
    foa = encode(_shaped(0.5), preset("orbit", 0.5), RATE)
    x = torch.from_numpy(foa)[None]
    with torch.no_grad():
        z = codec.encode(x)
        y = codec.decode_chunked(z)
    assert z.shape == (1, 16, -(-x.shape[-1] // cfg.hop))
    expected = envelope.analyze(foa[0], cfg.sample_rate, cfg.hop, 8)
    assert np.allclose(z[0, 8:].numpy(), expected, atol=1e-5)
    assert y.shape == (1, 4, z.shape[-1] * cfg.hop)
    # the decoded W follows the envelope channels, whatever the (untrained) VAE made (at the
    # tiny codec's 2 ms frames the bands are coarse: much nearer, not within a few dB)
    with torch.no_grad():
        vae = codec.mono.decode_chunked(z[:, :2])[0, 0].numpy()
    got = envelope.analyze(y[0, 0].numpy(), cfg.sample_rate, cfg.hop, 8)
    raw = envelope.analyze(vae, cfg.sample_rate, cfg.hop, 8)
    assert _db_error(got[:, 1:-1], expected[:, 1:-1]) < 0.7 * _db_error(
        raw[:, 1:-1], expected[:, 1:-1]
    )
    saved = save_codec_bundle(tmp_path / "codec", codec)
    again = load_codec_bundle(saved)
    assert again.config == cfg


def test_path_lock_hold_and_repath_leave_the_envelope_alone() -> None:
    codec = _codec()
    m, d = 2, codec.config.direction_slice
    z = torch.randn(1, 16, 12)
    path = preset("orbit", 12 * codec.hop / RATE)
    locked = codec.lock_to_path(z, path)
    assert torch.equal(locked[:, : d.start], z[:, :m]) and torch.equal(
        locked[:, d.stop :], z[:, d.stop :]
    )
    assert not torch.allclose(locked[:, d], z[:, d])
    mean, std = torch.zeros(16), torch.ones(16)
    hold = DirectionHold(path, 12, m, codec.hop, RATE, mean, std, codec.config.direction_channels)
    held = hold.project(z)
    assert torch.equal(held[:, d.stop :], z[:, d.stop :])
    assert torch.allclose(held[:, d], locked[:, d], atol=1e-5)
    layout = DiracLayout.of_codec(codec)
    assert layout.envelope_bands == 8
    assert DiracLayout.from_meta(layout.to_meta()) == layout
    with torch.no_grad():
        w = codec.decode_w(locked)[0, 0].numpy()
    rep = Repather(w, locked[0].numpy(), layout)
    again = rep.repathed_latents(preset("fly-over", 12 * codec.hop / RATE))
    assert again.shape == (16, 12) and np.array_equal(again[d.stop :], locked[0, d.stop :].numpy())


def test_envelope_bands_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="envelope_bands"):
        replace(FACTORED_PRESETS["factored-tiny"], envelope_bands=2)
