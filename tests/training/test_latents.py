"""The latent cache: what it holds, resuming an interrupted encode, settings checks, and DiT
training from it (real WAV library, tiny codec, CPU)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from ambisketch.engine.errors import Cancelled
from ambisketch.engine.models.codec import CODEC_PRESETS, FoaCodec
from ambisketch.engine.models.text_encoder import MINILM_ID, TextEncoder
from ambisketch.training.codec.config import TrainingConfigError
from ambisketch.training.data import AugmentConfig, ScanConfig, SpatialDataset, scan_library
from ambisketch.training.data.errors import DatasetError
from ambisketch.training.dit.config import DIT_TRAIN_PRESETS
from ambisketch.training.dit.trainer import DitTrainer
from ambisketch.training.latents import (
    EncodeSettings,
    LatentCache,
    codec_fingerprint,
    encode_library,
    fit_augment,
    open_latent_cache,
)

CLIP = 0.5
ROOMS = AugmentConfig(room_prob=0.5)


def _messy_library(root: Path) -> Path:
    """The shared messy library (tests/training/messy_library.py, loaded by path)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "messy_library", Path(__file__).with_name("messy_library.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_messy_library(root)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("lib")
    return scan_library(
        _messy_library(root / "library"),
        ScanConfig(rate=16000, clip_seconds=CLIP),
        cache_dir=root / "cache",
        progress=False,
    )


@pytest.fixture(scope="module")
def codec() -> FoaCodec:
    torch.manual_seed(5)
    return FoaCodec(CODEC_PRESETS["tiny"]).eval()


@pytest.fixture(scope="module")
def text_encoder() -> TextEncoder:
    return TextEncoder(MINILM_ID, cache_size=256)


def test_cache_holds_the_codec_latents_and_conditioning(tmp_path: Path, library, codec) -> None:
    assert len(library) == 6  # the messy library: 6 usable files, 5 skipped
    cache = encode_library(
        library,
        codec,
        tmp_path / "cache",
        augment=ROOMS,
        settings=EncodeSettings(augmentations=2, shard_size=5, batch_size=3),
    )
    assert len(cache) == 2 * 6 * 2 and len(cache.shards) == 5
    assert (cache.latent_channels, cache.hop, cache.sample_rate) == (8, 32, 16000)
    # sample 13 is item 1 of the second pass: the moving sample of clip 0, drawn anew
    ds = SpatialDataset(library, fit_augment(ROOMS, CLIP), seed=0, epoch=1)
    item = ds[1]
    with torch.no_grad():
        z = codec.encode(item["foa"][None])[0]
    got = cache[13]
    assert torch.allclose(got["latents"], z, atol=1e-6)
    assert got["trajectory"] == item["trajectory"] and got["caption"] == item["caption"]
    assert got["spatial_caption"] == item["spatial_caption"] and got["seconds"] == CLIP
    assert got["room"] == item["room"] and got["augmentation"] == 1
    assert sum(bool(cache[j]["room"]["in_room"]) for j in range(len(cache))) > 0
    assert codec_fingerprint(cache.codec()) == codec_fingerprint(codec)
    assert abs(cache.stats["mean"]) < 10 and cache.stats["std"] > 0
    index = json.loads((tmp_path / "cache" / "latents.json").read_text())
    assert index["complete"] and index["settings"]["augmentations"] == 2


def test_an_interrupted_encode_continues_where_it_stopped(tmp_path: Path, library, codec) -> None:
    settings = EncodeSettings(augmentations=1, shard_size=4, batch_size=2)
    straight = encode_library(library, codec, tmp_path / "a", settings=settings)
    calls = []

    def cancel() -> bool:  # stop during the second shard
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Cancelled, match="run again to continue"):
        encode_library(library, codec, tmp_path / "b", settings=settings, cancel=cancel)
    index = json.loads((tmp_path / "b" / "latents.json").read_text())
    assert len(index["shards"]) == 1 and not index["complete"]
    with pytest.raises(DatasetError, match="incomplete latent cache"):
        open_latent_cache(tmp_path / "b")
    (tmp_path / "b" / ".shard-00001.safetensors.x.tmp").write_bytes(b"half")  # a killed write
    seen = []
    resumed = encode_library(
        library,
        codec,
        tmp_path / "b",
        settings=settings,
        progress=lambda done, total: seen.append(done),
    )
    assert seen[0] == 4  # the first shard was kept
    assert not list((tmp_path / "b").glob(".*.tmp"))
    for j in range(len(straight)):
        assert torch.equal(resumed[j]["latents"], straight[j]["latents"])
        assert resumed[j]["trajectory"] == straight[j]["trajectory"]


def test_other_settings_are_refused_or_replaced(tmp_path: Path, library, codec) -> None:
    settings = EncodeSettings(augmentations=1, shard_size=16)
    encode_library(library, codec, tmp_path / "c", settings=settings)
    other = FoaCodec(CODEC_PRESETS["tiny"]).eval()
    with pytest.raises(DatasetError, match=r"other settings \(codec differ\)"):
        encode_library(library, other, tmp_path / "c", settings=settings)
    cache = encode_library(library, other, tmp_path / "c", settings=settings, overwrite=True)
    assert cache.codec_fingerprint == codec_fingerprint(other)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "notes.txt").write_text("mine")
    with pytest.raises(DatasetError, match="not a latent cache"):
        encode_library(library, codec, tmp_path / "d", settings=settings)
    with pytest.raises(DatasetError, match="16000 Hz"):
        encode_library(
            library,
            FoaCodec(replace(CODEC_PRESETS["tiny"], sample_rate=8000)),
            tmp_path / "e",
            settings=settings,
        )
    with pytest.raises(DatasetError, match="no such latent cache"):
        open_latent_cache(tmp_path / "nope")
    with pytest.raises(DatasetError, match="augmentations must be at least 1"):
        EncodeSettings(augmentations=0)


def test_dit_training_from_the_cache_lowers_the_loss(
    tmp_path: Path, library, codec, text_encoder
) -> None:
    cache = encode_library(
        library,
        codec,
        tmp_path / "cache",
        augment=ROOMS,
        settings=EncodeSettings(augmentations=1, shard_size=64),
    )
    cfg = replace(
        DIT_TRAIN_PRESETS["tiny"],
        batch_size=4,
        clip_seconds=CLIP,
        log_every=10,
        checkpoint_every=1000,
        text_dropout=0.0,
        trajectory_dropout=0.0,
        room_dropout=0.0,
        normalise_latents=False,
    )  # the raw scale it was measured on
    trainer = DitTrainer(
        cfg,
        tmp_path / "run",
        LatentCache(tmp_path / "cache"),
        None,
        accelerator="cpu",
        log=lambda m: None,
        text_encoder=text_encoder,
    )
    assert codec_fingerprint(trainer.codec) == cache.codec_fingerprint  # the cache's codec
    logs: list[dict[str, float]] = []
    trainer.fit(30, progress=False, on_log=logs.append)
    # measured: 0.82 → 0.50 → 0.27 (means over steps 1–10, 11–20, 21–30); a third off
    # leaves a wide margin
    assert logs[-1]["loss"] < 0.67 * logs[0]["loss"], logs
    other = FoaCodec(CODEC_PRESETS["tiny"]).eval()
    with pytest.raises(TrainingConfigError, match="another codec"):
        DitTrainer(
            cfg,
            tmp_path / "run2",
            cache,
            other,
            accelerator="cpu",
            log=lambda m: None,
            text_encoder=text_encoder,
        )
    with pytest.raises(TrainingConfigError, match="sample_latents"):
        DitTrainer(
            replace(cfg, sample_latents=True),
            tmp_path / "run3",
            cache,
            None,
            accelerator="cpu",
            log=lambda m: None,
            text_encoder=text_encoder,
        )
    with pytest.raises(TrainingConfigError, match="0.5 s clips"):
        DitTrainer(
            replace(cfg, clip_seconds=1.0),
            tmp_path / "run4",
            cache,
            None,
            accelerator="cpu",
            log=lambda m: None,
            text_encoder=text_encoder,
        )
    assert not (tmp_path / "run2").exists() and not (tmp_path / "run4").exists()
