"""The FOA codec model: shapes, latent rate, chunked inference, KL, strict weight loading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ambisketch.engine.errors import ModelLoadError
from ambisketch.engine.fades import remove_dc
from ambisketch.engine.models.codec import CODEC_PRESETS, CodecConfig, FoaCodec, Posterior
from ambisketch.engine.models.layers import Snake
from ambisketch.engine.models.weights import load_state_strict, load_weights, save_weights

TINY = CODEC_PRESETS["tiny"]


@pytest.fixture(scope="module")
def codec() -> FoaCodec:
    torch.manual_seed(0)
    return FoaCodec(TINY).eval()


def test_presets_have_the_documented_sizes() -> None:
    paper, small = CODEC_PRESETS["paper"], CODEC_PRESETS["small"]
    assert (paper.hop, paper.latent_channels, paper.compression) == (2048, 64, 128.0)
    assert small.hop == 2048 and small.latent_rate == pytest.approx(16000 / 2048)
    n = sum(p.numel() for p in FoaCodec(small).parameters())
    assert 2.0e6 < n < 3.0e6


def test_shapes_and_latent_rate(codec: FoaCodec) -> None:
    x = torch.randn(2, 4, 1000)  # not a multiple of the hop (32): padded
    z = codec.encode(x)
    assert z.shape == (2, TINY.latent_channels, 32)  # ceil(1000 / 32)
    y = codec.decode(z)
    assert y.shape == (2, 4, 32 * 32)
    recon, post = codec(x)
    assert recon.shape == x.shape and post.mean.shape == z.shape


def test_posterior_kl_and_sampling() -> None:
    mean, std = torch.zeros(1, 3, 5), torch.ones(1, 3, 5)
    assert Posterior(mean, std).kl().item() == pytest.approx(0.0)
    # KL of N(1, 1) against N(0, 1), summed over 3 channels: 3 · (1 + 1 − 0 − 1) = 3
    assert Posterior(mean + 1, std).kl().item() == pytest.approx(3.0)
    g = torch.Generator().manual_seed(1)
    s = Posterior(mean, std * 0.5).sample(g)
    assert s.shape == mean.shape and 0.2 < s.std().item() < 0.8


def test_chunked_equals_whole(codec: FoaCodec) -> None:
    torch.manual_seed(3)
    x = torch.randn(1, 4, 32 * 200)
    with torch.no_grad():
        z_whole = codec.encode(x)
        y_whole = codec.decode(z_whole)
    z_chunk = codec.encode_chunked(x, chunk_frames=37, overlap_frames=16)
    assert z_chunk.shape == z_whole.shape
    torch.testing.assert_close(z_chunk, z_whole, atol=1e-4, rtol=1e-4)
    y_chunk = codec.decode_chunked(z_whole, chunk_frames=37, overlap_frames=16)
    # decode_chunked is what users hear: the whole decode without its DC offset
    y_clean = torch.from_numpy(remove_dc(y_whole.numpy(), codec.config.sample_rate))
    torch.testing.assert_close(y_chunk, y_clean, atol=1e-4, rtol=1e-4)


def test_decoded_audio_loses_its_dc_and_keeps_its_sound_and_direction() -> None:
    rate = 16000
    t = np.arange(2 * rate) / rate
    w = 0.5 * np.sin(2 * np.pi * 440 * t) + 0.3 * np.sin(2 * np.pi * 40 * t)
    gains = np.array([1.0, 0.6, -0.2, 0.77])[:, None]  # a source up and to the left
    foa = (gains * w + 0.02).astype(np.float32)  # + a DC offset on every channel
    out = remove_dc(foa, rate)
    assert out.dtype == np.float32 and out.shape == foa.shape
    body = slice(rate // 4, -rate // 4)
    assert np.abs(out[:, body].mean(-1)).max() < 1e-4  # the offset is gone
    clean = (gains * w).astype(np.float32)
    # 440 Hz untouched, 40 Hz within 0.05 dB (-0.005 dB measured): the difference is tiny
    assert np.abs(out[:, body] - clean[:, body]).max() < 0.003
    # the same filter on every channel: the channel ratios (the direction) are kept
    ratios = out[1:, body] @ out[0, body] / (out[0, body] @ out[0, body])
    np.testing.assert_allclose(ratios, gains[1:, 0], rtol=1e-5)
    short = remove_dc(np.full((4, 5), 0.1, np.float32), rate)  # too short to filter
    assert np.abs(short).max() < 1e-7


def test_snake_runs_in_float32_under_autocast() -> None:
    snake = Snake(4)
    x = torch.randn(2, 4, 16, dtype=torch.bfloat16)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = snake(x)
    assert y.dtype == torch.bfloat16
    ref = x.float() + torch.sin(x.float()).pow(2) / (1 + 1e-9)
    torch.testing.assert_close(y.float(), ref, atol=2e-2, rtol=2e-2)


def test_weights_round_trip(tmp_path: Path, codec: FoaCodec) -> None:
    path = save_weights(
        tmp_path / "codec.safetensors", codec.state_dict(), {"config": TINY.to_dict()}
    )
    other = FoaCodec(TINY)
    load_state_strict(other, load_weights(path), str(path))
    x = torch.randn(1, 4, 320)
    with torch.no_grad():
        torch.testing.assert_close(other.encode(x), codec.encode(x))


def test_strict_loading_names_the_tensor(tmp_path: Path, codec: FoaCodec) -> None:
    state = codec.state_dict()
    bigger = FoaCodec(
        CodecConfig(base_channels=4, multipliers=(1, 2, 2), strides=(2, 4, 4), latent_channels=16)
    )
    with pytest.raises(ModelLoadError, match=r"tensor 'encoder\..*' has shape .* expects"):
        load_state_strict(bigger, state, "codec.safetensors")
    partial = dict(state)
    name = next(iter(partial))
    del partial[name]
    with pytest.raises(ModelLoadError, match=f"tensor '{name}' is missing"):
        load_state_strict(FoaCodec(TINY), partial, "w")
    with pytest.raises(ModelLoadError, match="unexpected tensor 'extra.weight'"):
        load_state_strict(FoaCodec(TINY), {**state, "extra.weight": torch.zeros(1)}, "w")


def test_corrupt_weights_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x00" * 64)
    with pytest.raises(ModelLoadError, match="bad.safetensors: not a readable safetensors file"):
        load_weights(bad)
    with pytest.raises(ModelLoadError, match="no such file"):
        load_weights(tmp_path / "gone.safetensors")


def test_config_round_trip_and_validation() -> None:
    assert CodecConfig.from_dict(TINY.to_dict()) == TINY
    with pytest.raises(ValueError, match="same length"):
        CodecConfig(multipliers=(1, 2), strides=(2, 4, 4))
    with pytest.raises(ValueError, match="unknown codec config key 'depth'"):
        CodecConfig.from_dict({"depth": 3})
