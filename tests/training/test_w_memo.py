"""The W-latent memo: a dry sample's latents from the memo equal the codec's own encoding,
samples in rooms are encoded whole, and the memo survives in the run folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from ambisketch.engine.models.factored_codec import FACTORED_PRESETS, FactoredCodec
from ambisketch.training.data.augment import AugmentConfig
from ambisketch.training.data.dataset import SpatialDataset
from ambisketch.training.data.library import ScanConfig, scan_library
from ambisketch.training.dit.w_memo import FOLDER, WLatentMemo, w_key
from ambisketch.training.latents import codec_fingerprint, fit_augment

RATE = 16000


@pytest.fixture(scope="module")
def codec() -> FactoredCodec:
    torch.manual_seed(5)
    return FactoredCodec(FACTORED_PRESETS["factored-tiny"]).eval()


@pytest.fixture
def dataset(tmp_path: Path) -> SpatialDataset:
    root = tmp_path / "library"
    root.mkdir()
    rng = np.random.default_rng(0)
    for i, name in enumerate(("dog bark", "door slam", "bird song")):
        t = np.arange(int(0.6 * RATE)) / RATE
        x = 0.3 * np.sin(2 * np.pi * (300 + 200 * i) * t) + 0.05 * rng.standard_normal(t.size)
        sf.write(root / f"{name}.wav", x.astype(np.float32), RATE)
    library = scan_library(
        root, ScanConfig(rate=RATE, clip_seconds=0.5), cache_dir=tmp_path / "cache", progress=False
    )
    assert len(library) == 3
    return SpatialDataset(library, fit_augment(AugmentConfig(room_prob=0.5), 0.5), seed=2)


def _batch(dataset: SpatialDataset, indices: list[int]) -> tuple[torch.Tensor, list[str]]:
    items = [dataset[i] for i in indices]
    foa = torch.stack([it["foa"] for it in items])
    return foa, [w_key(it, 0, foa.shape[-1]) for it in items]


def test_memo_latents_equal_the_codecs_and_rooms_are_encoded_whole(dataset, codec) -> None:
    memo = WLatentMemo(codec, codec_fingerprint(codec))
    indices = list(range(len(dataset)))  # static and moving sample of every clip
    foa, keys = _batch(dataset, indices)
    rooms = [bool(dataset[i]["room"]["in_room"]) for i in indices]
    assert any(rooms) and not all(rooms)  # both kinds are exercised
    assert [k == "" for k in keys] == rooms
    with torch.no_grad():
        expected = codec.encode(foa)
        first = memo.encode(foa, keys)
        again = memo.encode(foa, keys)
    torch.testing.assert_close(first, expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(again, expected, atol=1e-5, rtol=1e-5)
    dry = sum(not r for r in rooms)
    assert memo.hits >= dry  # the second pass reads every dry sample's W from the memo
    assert memo.misses == len(indices) + sum(rooms)  # rooms are encoded every time
    # The static and the moving sample of one clip share their W: one entry serves both.
    assert len(memo) == len({k for k in keys if k})


def test_the_memo_is_kept_with_the_run_and_read_back(tmp_path: Path, dataset, codec) -> None:
    memo = WLatentMemo(codec, codec_fingerprint(codec))
    foa, keys = _batch(dataset, list(range(len(dataset))))
    with torch.no_grad():
        memo.encode(foa, keys)
    run = tmp_path / "run"
    part = memo.save(run)
    assert part is not None and part.parent == run / FOLDER
    assert memo.save(run) is None  # nothing new: no empty part
    back = WLatentMemo(codec, codec_fingerprint(codec))
    assert back.load(run) == len(memo)
    for key, w in memo.entries.items():
        torch.testing.assert_close(back.entries[key], w)
    with torch.no_grad():
        torch.testing.assert_close(back.encode(foa, keys), codec.encode(foa), atol=1e-5, rtol=1e-5)
    assert back.misses == sum(1 for k in keys if not k)
    other = WLatentMemo(codec, "another codec")  # parts of another codec are not used
    assert other.load(run) == 0
    # Parts made elsewhere (named freely) are read and do not disturb the numbering.
    ahead = WLatentMemo(codec, codec_fingerprint(codec))
    ahead.entries["elsewhere@0+1"] = torch.zeros(3, 2)
    ahead._unsaved = ["elsewhere@0+1"]
    ahead.save(tmp_path / "other")
    (tmp_path / "other" / FOLDER / "part-00000.safetensors").rename(
        run / FOLDER / "part-ahead-3.safetensors"
    )
    assert WLatentMemo(codec, codec_fingerprint(codec)).load(run) == len(memo) + 1
    back.entries["more@0+1"] = torch.ones(3, 2)
    back._unsaved = ["more@0+1"]
    assert back.save(run) == run / FOLDER / "part-00001.safetensors"
    (run / FOLDER / "part-00009.safetensors").write_bytes(b"not safetensors")
    assert WLatentMemo(codec, codec_fingerprint(codec)).load(run) == len(memo) + 2
