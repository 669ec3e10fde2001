"""A widened decoder starts as the trained one, keeps the encoder, and saves/loads its width."""

from __future__ import annotations

import pytest
import torch

from ambisketch.engine.models.codec import CodecConfig, FoaCodec
from ambisketch.engine.models.codec_bundle import load_codec_bundle, save_codec_bundle
from ambisketch.engine.models.factored_codec import FACTORED_PRESETS, FactoredCodec
from ambisketch.training.codec.widen import widen_decoder, widen_factored


def _trained_looking(codec: torch.nn.Module, seed: int = 0) -> None:
    """Move every parameter off its initial value (a fresh Snake has α = β = 1 everywhere,
    which would hide a wrong channel mapping)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in codec.parameters():
            p.add_(0.3 * torch.randn(p.shape, generator=gen))


def _mono() -> FoaCodec:
    codec = FoaCodec(
        CodecConfig(
            in_channels=1,
            base_channels=4,
            multipliers=(1, 2, 2),
            strides=(2, 4, 4),
            latent_channels=3,
        )
    ).eval()
    _trained_looking(codec)
    return codec


@pytest.mark.parametrize("width", [4, 6, 8, 13])
def test_widened_decoder_decodes_exactly_as_the_trained_one(width: int) -> None:
    small = _mono()
    wide = widen_decoder(small, width, noise=0.0).eval()
    z = torch.randn(2, 3, 11, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ref, out = small.decoder(z), wide.decoder(z)
    assert out.shape == ref.shape
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-4)
    first = [m for m in wide.decoder.modules() if isinstance(m, torch.nn.Conv1d)][0]
    assert first.weight.shape[0] == width * 2  # the first stage is the widest (×2 here)
    assert wide.config.decoder_base == width and small.config.decoder_base == 4


def test_the_encoder_is_kept_so_latents_do_not_change() -> None:
    small = _mono()
    wide = widen_decoder(small, 8)
    x = torch.randn(1, 1, 32 * 6, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        torch.testing.assert_close(wide.posterior(x).mean, small.posterior(x).mean)


def test_noise_separates_the_copies_but_barely_moves_the_output() -> None:
    small = _mono()
    wide = widen_decoder(small, 8, noise=1e-3).eval()
    z = torch.randn(1, 3, 9, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        ref, out = small.decoder(z), wide.decoder(z)
    diff = float((out - ref).abs().max())
    assert 0 < diff < 0.05 * float(ref.abs().max())
    conv = [m for m in wide.decoder.modules() if isinstance(m, torch.nn.Conv1d)][0]
    w = conv.weight.detach()
    half = w.shape[0] // 2
    assert not torch.equal(w[:half], w[half:])  # the copies differ, so they can learn apart


def test_narrowing_is_refused() -> None:
    with pytest.raises(ValueError, match="narrow"):
        widen_decoder(_mono(), 2)


def test_a_widened_factored_codec_saves_its_width_and_loads_back(tmp_path) -> None:
    codec = FactoredCodec(FACTORED_PRESETS["factored-tiny"]).eval()
    _trained_looking(codec.mono)
    wide = widen_factored(codec, 6, noise=0.0).eval()
    save_codec_bundle(tmp_path / "wide", wide)
    back = load_codec_bundle(tmp_path / "wide")
    assert back.config.mono.decoder_channels == 6  # type: ignore[union-attr]
    foa = 0.1 * torch.randn(1, 4, 32 * 8, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        z = codec.encode(foa)
        torch.testing.assert_close(back.encode(foa), z)
        torch.testing.assert_close(back.decode(z), codec.decode(z), atol=1e-5, rtol=1e-4)


def test_a_codec_without_a_decoder_width_writes_the_same_config_as_before() -> None:
    assert "decoder_channels" not in CodecConfig().to_dict()
    assert CodecConfig(decoder_channels=32).to_dict()["decoder_channels"] == 32
    assert CodecConfig.from_dict(CodecConfig(decoder_channels=32).to_dict()).decoder_base == 32
    with pytest.raises(ValueError, match="decoder_channels"):
        CodecConfig(decoder_channels=-1)


def test_a_generator_bundle_with_a_widened_decoder_loads_and_makes_the_same_take(tmp_path) -> None:
    import numpy as np
    from helpers.tiny_model import tiny_bundle

    from ambisketch.engine.generate import GenerationRequest, Generator
    from ambisketch.engine.models.bundle import load_bundle, save_bundle

    bundle = tiny_bundle("factored")
    _trained_looking(bundle.codec.mono)  # type: ignore[union-attr]
    save_bundle(tmp_path / "kept", bundle)
    bundle.codec = widen_factored(bundle.codec, 6, noise=0.0).eval()  # type: ignore[arg-type]
    save_bundle(tmp_path / "wide", bundle)
    assert load_bundle(tmp_path / "wide").codec.config.mono.decoder_base == 6  # type: ignore[union-attr]

    def take(folder: str) -> np.ndarray:
        gen = Generator(load_bundle(tmp_path / folder), device="cpu")
        return gen.generate(GenerationRequest("a bell", None, 1.0, 3, 4, 3.0))[0].foa

    np.testing.assert_allclose(take("wide"), take("kept"), atol=1e-4)
