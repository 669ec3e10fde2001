"""The starter model that ships in resources/models/starter (issue 10): it is what a fresh
install generates with, so it must be there, small enough to ship, described, and working."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ambisketch.engine.catalog import default_bundle, installed_bundles, shipped_models_dir

STARTER = shipped_models_dir() / "starter"
LIMIT = 80_000_000


def test_the_starter_bundle_ships_small_and_described() -> None:
    assert (STARTER / "model.json").is_file(), f"{STARTER}: no shipped model"
    size = sum(f.stat().st_size for f in STARTER.rglob("*") if f.is_file())
    assert size <= LIMIT, f"{size / 1e6:.1f} MB"
    assert sorted(p.name for p in STARTER.glob("*.safetensors")) == [
        "codec.safetensors",
        "dit.safetensors",
        "timbre.safetensors",
    ]
    assert not list(STARTER.rglob("*.ckpt")) and not list(STARTER.rglob("*.pt"))  # no pickles
    card = (STARTER / "MODEL_CARD.md").read_text(encoding="utf-8")
    for words in ("licen", "hardware", "spatial angle", "limits"):
        assert words in card.lower(), words
    meta = json.loads((STARTER / "model.json").read_text(encoding="utf-8"))
    assert meta["defaults"]["steps"] >= 10
    assert meta["timbre"]["bands"] == 32  # the timbre prior ships with it
    assert installed_bundles()[0].path == STARTER and default_bundle() == STARTER


@pytest.mark.slow
def test_the_starter_bundle_makes_a_finite_moving_take() -> None:
    from ambisketch.engine.generate import GenerationRequest, Generator
    from ambisketch.engine.spatial.presets import preset

    gen = Generator(default_bundle(), device="cpu")
    d = gen.defaults
    path = preset("pass-by", 2.0)
    take = gen.generate(
        GenerationRequest("a helicopter flying", path, 2.0, 3, 10, d.cfg_scale, d.sampler)
    )[0]
    assert take.rate == gen.bundle.sample_rate and take.foa.shape == (4, 2 * take.rate)
    assert take.foa.dtype == np.float32 and np.isfinite(take.foa).all()
    rms = float(np.sqrt(np.mean(take.foa[0] ** 2)))
    assert 1e-4 < rms < 1.0, rms  # a sound, not silence and not a blow-up


def test_a_take_of_the_full_clip_length_is_exactly_that_long() -> None:
    """10 s at 16 kHz is 78.125 latent frames: the take is sampled on 79 and cut to 10.000 s
    (it was 78 frames, 9.984 s, before)."""
    from ambisketch.engine.generate import GenerationRequest, Generator

    gen = Generator(default_bundle(), device="cpu")
    seconds = gen.bundle.info.clip_seconds
    take = gen.generate(GenerationRequest("rain on a tin roof", None, seconds, 1, 2))[0]
    assert take.foa.shape == (4, int(round(seconds * take.rate)))
    assert (
        take.latents is not None
        and take.latents.shape[1] * gen.bundle.codec.hop >= take.foa.shape[1]
    )
