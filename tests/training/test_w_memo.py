"""The W-latent memo: a dry sample's latents from the memo equal the codec's own encoding,
samples in rooms are encoded whole, and the memo survives in the run folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from ambisketch.engine.errors import EngineError
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


def _run_folder(tmp_path: Path, codec) -> Path:  # noqa: ANN001
    from dataclasses import replace

    from ambisketch.engine.models.codec_bundle import save_codec_bundle
    from ambisketch.training.dit.config import DIT_TRAIN_PRESETS

    run = tmp_path / "run"
    run.mkdir()
    config = replace(DIT_TRAIN_PRESETS["tiny"], clip_seconds=0.5)
    (run / "config.json").write_text(json.dumps(config.to_dict()))
    save_codec_bundle(run / "codec", codec)
    return run


def test_w_latents_encoded_ahead_are_the_trainers_and_reach_a_running_memo(
    tmp_path: Path, dataset, codec
) -> None:
    from ambisketch.training.dit.w_ahead import encode_ahead

    run = _run_folder(tmp_path, codec)
    library = dataset.library
    memo = WLatentMemo(codec, codec_fingerprint(codec))  # the trainer's, running
    assert memo.load(run) == 0
    lines: list[str] = []
    first = encode_ahead(run, library, shard=(0, 2), batch=1, save_every=1, log=lines.append)
    second = encode_ahead(run, library, shard=(1, 2), log=lines.append)
    assert (first.clips, first.encoded, first.parts) == (2, 2, 2)  # clips 0 and 2, a part each
    assert (second.clips, second.encoded, second.parts) == (1, 1, 1)
    assert len(lines) == 2 and "clips/s" in first.line()
    assert memo.load(run) == 3  # the new parts, read while "training"
    assert memo.load(run) == 0  # read once only
    # Each entry is what the trainer encodes for a dry sample's crop of that clip.
    hop = codec.hop
    crop = (int(0.5 * RATE) // hop) * hop
    dry = [i for i in range(len(dataset)) if not dataset[i]["room"]["in_room"]]
    foa = torch.stack([dataset[i]["foa"][:, :crop] for i in dry])
    keys = [w_key(dataset[i], 0, crop) for i in dry]
    with torch.no_grad():
        expected = codec.encode(foa)
        got = memo.encode(foa, keys)
    assert memo.misses == 0 and memo.hits == len(dry)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
    # A second call (or a restarted one) has nothing left to do.
    again = encode_ahead(run, library, shard=(0, 1))
    assert (again.clips, again.already, again.encoded, again.parts) == (3, 3, 0, 0)
    other = tmp_path / "other"
    other.mkdir()
    for name in ("config.json", "codec"):
        (other / name).symlink_to(run / name)
    assert encode_ahead(other, library, limit=1).encoded == 1


def test_encode_w_bad_input_is_one_line(tmp_path: Path, dataset, codec, capsys) -> None:
    from ambisketch.app.cli import main
    from ambisketch.training.dit.w_ahead import parse_shard

    assert parse_shard("2/3") == (1, 3)
    for text in ("0/2", "3/2", "a/b", "1"):
        with pytest.raises(EngineError, match="--shard"):
            parse_shard(text)
    run = _run_folder(tmp_path, codec)
    cases = [
        ([str(tmp_path / "nowhere"), "--data", str(dataset.library.root)], "not a DiT run"),
        ([str(run), "--data", str(tmp_path / "no-library")], "no such folder"),
        ([str(run), "--data", "synthetic"], "no W memo"),
        ([str(run), "--data", str(dataset.library.root), "--shard", "5/2"], "--shard"),
    ]
    for argv, message in cases:
        assert main(["train", "encode-w", *argv]) == 1
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert not (run / FOLDER).exists()  # nothing was written
