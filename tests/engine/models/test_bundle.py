"""Model bundles: save → load → identical outputs; every broken bundle is a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from ambisketch.engine.errors import ModelLoadError
from ambisketch.engine.models.bundle import (
    CARD_FILE,
    CODEC_FILE,
    DIT_FILE,
    META_FILE,
    load_bundle,
    new_bundle,
    save_bundle,
)
from ambisketch.engine.models.codec import CODEC_PRESETS
from ambisketch.engine.models.conditioners import CONDITIONER_PRESETS
from ambisketch.engine.models.dit import DIT_PRESETS
from ambisketch.engine.models.weights import load_weights, save_weights


def _tiny():
    b = new_bundle(
        CODEC_PRESETS["tiny"],
        DIT_PRESETS["tiny"],
        CONDITIONER_PRESETS["tiny"],
        clip_seconds=0.25,
        name="tiny test",
    )
    for p in b.model.parameters():  # make the zero-initialised layers count
        torch.nn.init.normal_(p, std=0.05)
    return b


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    return save_bundle(tmp_path / "model", _tiny())


def _outputs(bundle) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    text, mask = torch.randn(1, 3, 384, generator=g), torch.ones(1, 3, dtype=torch.bool)
    nums = {"seconds_start": torch.zeros(1), "seconds_total": torch.full((1,), 0.25)}
    x = torch.randn(1, 8, 10, generator=g)
    with torch.no_grad():
        cond = bundle.model.condition(text, mask, nums, torch.rand(1, 10, 17, generator=g))
        v = bundle.model(x, torch.full((1,), 0.3), cond)
        audio = bundle.codec.decode(x)
    return v, audio


def test_save_load_identical_outputs(tmp_path: Path) -> None:
    original = _tiny()
    folder = save_bundle(tmp_path / "m", original)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [META_FILE, CODEC_FILE, DIT_FILE, CARD_FILE]
    )
    loaded = load_bundle(folder)
    for a, b in zip(_outputs(original), _outputs(loaded)):
        assert torch.equal(a, b)
    assert loaded.info.text_encoder == "minilm-l6-v2" and loaded.info.clip_seconds == 0.25
    assert loaded.sample_rate == 16000 and loaded.clip_frames == 125
    meta = json.loads((folder / META_FILE).read_text())
    assert meta["format"] == "ambisketch-model" and meta["version"] == 1
    with pytest.raises(ModelLoadError, match="already exists"):
        save_bundle(folder, original)


@pytest.mark.parametrize("name", [CODEC_FILE, DIT_FILE, CARD_FILE])
def test_missing_file(saved: Path, name: str) -> None:
    (saved / name).unlink()
    with pytest.raises(ModelLoadError, match=f"{name}: missing from the model bundle"):
        load_bundle(saved)


def test_not_a_bundle(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="no such model folder"):
        load_bundle(tmp_path / "nope")
    with pytest.raises(ModelLoadError, match="no model.json"):
        load_bundle(tmp_path)


def _edit_meta(folder: Path, **changes) -> None:
    meta = json.loads((folder / META_FILE).read_text())
    meta.update(changes)
    (folder / META_FILE).write_text(json.dumps(meta))


def test_wrong_version_and_format(saved: Path) -> None:
    _edit_meta(saved, version=99)
    with pytest.raises(ModelLoadError, match="version 99 is newer"):
        load_bundle(saved)
    _edit_meta(saved, version=1, format="stable-audio")
    with pytest.raises(ModelLoadError, match="not an Ambisketch model"):
        load_bundle(saved)
    (saved / META_FILE).write_text("{not json")
    with pytest.raises(ModelLoadError, match="model.json: not valid JSON"):
        load_bundle(saved)


def test_invalid_config(saved: Path) -> None:
    meta = json.loads((saved / META_FILE).read_text())
    meta["dit"]["latent_channels"] = 16
    (saved / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="16"):
        load_bundle(saved)
    meta["dit"]["latent_channels"] = 8
    meta["dit"]["wings"] = 2
    (saved / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="unknown DiT config key 'wings'"):
        load_bundle(saved)


def test_shape_mismatch_and_missing_tensor(saved: Path) -> None:
    state = load_weights(saved / DIT_FILE)
    name = "dit.proj_in.weight"
    state[name] = torch.zeros(3, 3)
    save_weights(saved / DIT_FILE, state)
    with pytest.raises(
        ModelLoadError,
        match=r"dit.safetensors: tensor 'dit.proj_in.weight' has "
        r"shape \(3, 3\)",
    ):
        load_bundle(saved)
    del state[name]
    save_weights(saved / DIT_FILE, state)
    with pytest.raises(ModelLoadError, match="'dit.proj_in.weight' is missing"):
        load_bundle(saved)


def test_corrupt_file(saved: Path) -> None:
    data = (saved / CODEC_FILE).read_bytes()
    (saved / CODEC_FILE).write_bytes(data[:100])
    with pytest.raises(ModelLoadError, match="codec.safetensors: not a readable safetensors"):
        load_bundle(saved)
    (saved / DIT_FILE).write_bytes(b"\x80\x04pickle?")
    (saved / CODEC_FILE).write_bytes(data)
    with pytest.raises(ModelLoadError, match="dit.safetensors: not a readable safetensors"):
        load_bundle(saved)


def test_saved_weights_are_readable_by_others(tmp_path) -> None:
    """A bundle installed by one user is loaded by another: no mkstemp 0600 left behind."""
    import os

    import torch

    old = os.umask(0o022)
    try:
        p = save_weights(tmp_path / "w.safetensors", {"a": torch.zeros(2)})
    finally:
        os.umask(old)
    assert os.stat(p).st_mode & 0o777 == 0o644


def test_latent_statistics_travel_with_the_bundle_and_old_files_load_as_identity(
    tmp_path: Path,
) -> None:
    b = _tiny()
    mean, std = torch.linspace(-0.2, 0.2, 8), torch.linspace(0.05, 0.5, 8)
    b.model.set_latent_stats(mean, std)
    z = torch.randn(2, 8, 10) * std[:, None] + mean[:, None]
    x = b.model.normalise(z)
    assert torch.allclose(b.model.denormalise(x), z, atol=1e-6)
    assert abs(float(x.std()) - 1.0) < 0.2  # the DiT sees unit-scale latents
    loaded = load_bundle(save_bundle(tmp_path / "with", b))
    assert torch.equal(loaded.model.latent_std, b.model.latent_std)
    # a bundle written before the statistics existed: mean 0, std 1 (what it was trained on)
    old = tmp_path / "old"
    save_bundle(old, _tiny())
    state = {k: v for k, v in load_weights(old / DIT_FILE).items() if "latent_" not in k}
    save_weights(old / DIT_FILE, state)
    m = load_bundle(old).model
    assert torch.equal(m.latent_mean, torch.zeros(8)) and torch.equal(m.latent_std, torch.ones(8))
    with pytest.raises(ValueError, match="8 channels"):
        m.set_latent_stats(torch.zeros(3), torch.ones(3))
