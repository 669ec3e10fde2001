"""The factored codec kind: latent layout, exact direction, bundles of either kind."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from ambisketch.engine.errors import ModelLoadError
from ambisketch.engine.models.bundle import META_FILE, load_bundle, new_bundle, save_bundle
from ambisketch.engine.models.codec import CODEC_PRESETS, FoaCodec, roundtrip
from ambisketch.engine.models.codec_bundle import CONFIG_FILE, load_codec_bundle, save_codec_bundle
from ambisketch.engine.models.codec_kinds import (
    KINDS,
    build_codec,
    codec_config_from_dict,
    codec_config_to_dict,
    codec_preset,
    kind_of,
)
from ambisketch.engine.models.conditioners import CONDITIONER_PRESETS
from ambisketch.engine.models.dit import DIT_PRESETS
from ambisketch.engine.models.factored_codec import (
    FACTORED_PRESETS,
    FactoredCodec,
    FactoredCodecConfig,
)
from ambisketch.engine.spatial import preset
from ambisketch.engine.spatial.ambisonics import encode
from ambisketch.engine.spatial.dirac import analyze
from ambisketch.engine.spatial.doa import compare_tracks, direction_errors, intensity_doa

RATE = 16000


def _moving(seconds: float, name: str = "orbit", seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).standard_normal(int(seconds * RATE)) * 0.1
    return encode(noise, preset(name, seconds), RATE)


@pytest.mark.parametrize(
    "name, channels, hop", [("factored-tiny", 8, 32), ("factored-small", 32, 2048)]
)
def test_latent_shapes_match_the_4_channel_presets(name: str, channels: int, hop: int) -> None:
    cfg = FACTORED_PRESETS[name]
    assert cfg.latent_channels == channels == CODEC_PRESETS[name.split("-")[1]].latent_channels
    assert cfg.hop == hop and cfg.in_channels == 4
    codec = FactoredCodec(cfg).eval()
    x = torch.from_numpy(np.stack([_moving(0.3), _moving(0.3, "fly-over", 1)]))
    with torch.no_grad():
        z = codec.encode(x)
        y = codec.decode(z)
    frames = -(-x.shape[-1] // hop)
    assert z.shape == (2, channels, frames)
    assert y.shape == (2, 4, frames * hop) and y.dtype == torch.float32
    with torch.no_grad():  # a posterior sample changes the W channels only
        zs = codec.encode(x, sample=True)
    m = cfg.mono.latent_channels
    assert not torch.equal(zs[:, :m], z[:, :m]) and torch.equal(zs[:, m:], z[:, m:])


def test_direction_channels_are_the_scaled_dirac_vectors() -> None:
    cfg = FACTORED_PRESETS["factored-small"]
    codec = FactoredCodec(cfg).eval()
    codec.latent_rms.fill_(0.5)
    foa = _moving(2.0)
    with torch.no_grad():
        z = codec.encode(torch.from_numpy(foa)[None])
    params = analyze(foa, RATE, cfg.hop, band_edges=cfg.band_edges)
    expected = params.vectors.reshape(-1, params.frames) * 0.5 * np.sqrt(3.0)
    assert np.allclose(z[0, cfg.mono.latent_channels :].numpy(), expected, atol=1e-5)


def test_untrained_codec_already_keeps_direction() -> None:
    """The W VAE is random, yet direction comes back: it is measured, not learned."""
    torch.manual_seed(0)
    codec = FactoredCodec(FACTORED_PRESETS["factored-small"]).eval()
    foa = _moving(4.0, "left-to-right")
    out = roundtrip(codec, foa)
    assert out.shape == foa.shape
    err = compare_tracks(intensity_doa(out, RATE), intensity_doa(foa, RATE))
    assert err.spatial_angle_median < 3.0 and err.frames > 100
    four = FoaCodec(CODEC_PRESETS["small"]).eval()  # the 4-channel kind has to learn it
    err4 = compare_tracks(intensity_doa(roundtrip(four, foa), RATE), intensity_doa(foa, RATE))
    assert err4.spatial_angle_median > 10.0


def test_training_pass_reconstructs_w_and_tracks_the_latent_scale() -> None:
    torch.manual_seed(0)
    codec = FactoredCodec(FACTORED_PRESETS["factored-tiny"])
    x = torch.from_numpy(_moving(0.25))[None]
    recon, post = codec(x)
    assert recon.shape == (1, 1, x.shape[-1]) and post.mean.shape[1] == 2
    rms = float(post.mean.detach().pow(2).mean().sqrt())
    assert float(codec.latent_rms) == pytest.approx(0.99 + 0.01 * rms, rel=1e-5)
    codec.eval()
    codec(x)
    assert float(codec.latent_rms) == pytest.approx(0.99 + 0.01 * rms, rel=1e-5)  # eval: kept
    assert "latent_rms" in codec.state_dict()


def test_chunked_matches_whole_for_the_direction_channels() -> None:
    codec = FactoredCodec(FACTORED_PRESETS["factored-tiny"]).eval()
    x = torch.from_numpy(_moving(0.5))[None]
    with torch.no_grad():
        whole, chunked = codec.encode(x), codec.encode_chunked(x, chunk_frames=40)
    m = codec.config.mono.latent_channels
    assert torch.allclose(whole[:, m:], chunked[:, m:])
    with torch.no_grad():
        y = codec.decode_chunked(chunked, chunk_frames=40)
    assert y.shape == (1, 4, 250 * 32)


def test_configs_and_kinds_round_trip_and_refuse_bad_values() -> None:
    for name, kind in (("small", "foa"), ("factored-small", "factored")):
        cfg = codec_preset(name)
        assert kind_of(cfg) == kind and isinstance(build_codec(cfg), KINDS[kind].model)
        assert codec_config_from_dict(json.loads(json.dumps(codec_config_to_dict(cfg)))) == cfg
    assert codec_config_from_dict(CODEC_PRESETS["tiny"].to_dict()) == CODEC_PRESETS["tiny"]
    with pytest.raises(ValueError, match="unknown codec kind 'wavelet'"):
        codec_config_from_dict({"kind": "wavelet"})
    with pytest.raises(ValueError, match="unknown factored codec config key 'bands'"):
        FactoredCodecConfig.from_dict({"bands": 4})
    with pytest.raises(ValueError, match="takes 1 channel"):
        FactoredCodecConfig.from_dict({"mono": CODEC_PRESETS["small"].to_dict()})
    with pytest.raises(ValueError, match="band edges"):
        FactoredCodecConfig(band_edges=(500.0, 300.0))
    with pytest.raises(ValueError, match="unknown codec preset"):
        codec_preset("huge")


def test_codec_bundle_round_trip_of_the_factored_kind(tmp_path: Path) -> None:
    torch.manual_seed(1)
    codec = FactoredCodec(FACTORED_PRESETS["factored-tiny"]).eval()
    codec.latent_rms.fill_(0.7)
    folder = save_codec_bundle(tmp_path / "codec", codec)
    meta = json.loads((folder / CONFIG_FILE).read_text())
    assert meta["kind"] == "factored" and meta["version"] == 2
    loaded = load_codec_bundle(folder)
    assert isinstance(loaded, FactoredCodec) and loaded.config == codec.config
    x = torch.from_numpy(_moving(0.25))[None]
    with torch.no_grad():
        assert torch.equal(codec.encode(x), loaded.encode(x))
        assert torch.equal(codec.decode(codec.encode(x)), loaded.decode(loaded.encode(x)))

    meta["kind"] = "wavelet"
    (folder / CONFIG_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match=r"codec\.json: unknown codec kind 'wavelet'"):
        load_codec_bundle(folder)


def test_a_bundle_without_a_kind_is_the_4_channel_codec(tmp_path: Path) -> None:
    folder = save_codec_bundle(tmp_path / "old", FoaCodec(CODEC_PRESETS["tiny"]))
    meta = json.loads((folder / CONFIG_FILE).read_text())
    assert meta["version"] == 1  # still readable by Ambisketch from before codec kinds
    del meta["kind"]
    (folder / CONFIG_FILE).write_text(json.dumps(meta))
    assert isinstance(load_codec_bundle(folder), FoaCodec)


def test_model_bundle_holds_and_names_a_factored_codec(tmp_path: Path) -> None:
    bundle = new_bundle(
        FACTORED_PRESETS["factored-tiny"],
        DIT_PRESETS["tiny"],
        CONDITIONER_PRESETS["tiny"],
        clip_seconds=0.25,
        name="factored",
    )
    folder = save_bundle(tmp_path / "model", bundle)
    meta = json.loads((folder / META_FILE).read_text())
    assert meta["codec_kind"] == "factored" and meta["version"] == 2
    loaded = load_bundle(folder)
    assert isinstance(loaded.codec, FactoredCodec) and loaded.clip_frames == 125
    z = torch.randn(1, 8, 10)
    with torch.no_grad():
        assert torch.equal(bundle.codec.decode(z), loaded.codec.decode(z))

    foa = save_bundle(
        tmp_path / "foa",
        new_bundle(
            CODEC_PRESETS["tiny"],
            DIT_PRESETS["tiny"],
            CONDITIONER_PRESETS["tiny"],
            clip_seconds=0.25,
        ),
    )
    meta = json.loads((foa / META_FILE).read_text())
    assert meta["codec_kind"] == "foa" and meta["version"] == 1
    del meta["codec_kind"]
    (foa / META_FILE).write_text(json.dumps(meta))
    assert isinstance(load_bundle(foa).codec, FoaCodec)
    meta["codec_kind"] = "factored"  # a 4-channel config under the wrong kind
    (foa / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="model.json: invalid model description"):
        load_bundle(foa)


def test_lock_to_path_places_a_take_exactly_and_keeps_diffuseness() -> None:
    cfg = FACTORED_PRESETS["factored-small"]
    codec = FactoredCodec(cfg).eval()
    foa = _moving(4.0, "orbit")
    with torch.no_grad():
        z = codec.encode(torch.from_numpy(foa)[None])
        z[:, cfg.mono.latent_channels :: 3] *= 0.5  # x of every band: some diffuseness
        target = preset("fly-over", 4.0)
        locked = codec.lock_to_path(z, target)
        out = codec.decode(locked)[0, :, : foa.shape[1]].numpy()
    m = cfg.mono.latent_channels
    lengths = lambda t: t[:, m:].reshape(1, -1, 3, t.shape[-1]).norm(dim=2)  # noqa: E731
    assert torch.allclose(lengths(locked), lengths(z), atol=1e-5)
    assert direction_errors(intensity_doa(out, RATE), target).spatial_angle_median < 3.0


def test_full_band_preset_keeps_the_latent_rate_and_size() -> None:
    """factored-small-48k: 48 kHz audio, the same latents as factored-small (so the same DiT)."""
    from ambisketch.engine.models.factored_codec import FACTORED_PRESETS

    small, full = FACTORED_PRESETS["factored-small"], FACTORED_PRESETS["factored-small-48k"]
    assert full.mono.sample_rate == 48000 and full.hop == 3 * small.hop
    assert full.latent_channels == small.latent_channels
    assert full.mono.latent_rate == small.mono.latent_rate
    codec = FactoredCodec(full).eval()
    x = torch.randn(1, 4, 2 * full.hop) * 0.1
    with torch.no_grad():
        z = codec.encode(x)
        y = codec.decode(z)
    assert z.shape == (1, small.latent_channels, 2) and y.shape == x.shape
