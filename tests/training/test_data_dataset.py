"""The on-the-fly torch dataset, splits by source file, and the fixed test set."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from torch.utils.data import DataLoader

from ambisketch.training.data import (
    AugmentConfig,
    DatasetError,
    SpatialDataset,
    collate,
    load_test_set,
    scan_library,
    split_library,
    split_of,
    write_test_set,
)


@pytest.fixture
def library(messy_library: Path, cache_dir: Path):
    return scan_library(messy_library, cache_dir=cache_dir, progress=False)


def test_items_are_reproducible_per_index(library) -> None:
    ds = SpatialDataset(library, AugmentConfig(multi_segment_prob=0.3), seed=7)
    again = SpatialDataset(library, AugmentConfig(multi_segment_prob=0.3), seed=7)
    assert len(ds) == 12
    for i in (0, 3, 11):
        a, b = ds[i], again[i]
        assert torch.equal(a["foa"], b["foa"])
        assert {k: v for k, v in a.items() if k != "foa"} == {
            k: v for k, v in b.items() if k != "foa"
        }
    assert ds[4]["parametric"] != SpatialDataset(library, seed=8)[4]["parametric"]
    before = ds[5]["trajectory"]
    ds.set_epoch(1)
    assert ds[5]["trajectory"] != before  # a new draw each epoch, same clip
    assert ds[5]["source"] == again[5]["source"]


def test_item_contents(library) -> None:
    ds = SpatialDataset(library, seed=1)
    static, moving = ds[0], ds[1]
    assert static["kind"] == "static" and moving["kind"] in ("azimuth", "elevation", "both")
    assert static["foa"].shape == (4, 160000) and static["foa"].dtype == torch.float32
    assert static["source"] == moving["source"] == library.records[0].rel_path
    mono = library.load(0)
    np.testing.assert_allclose(static["foa"][0].numpy(), mono, atol=1e-6)  # W = the source
    p = static["parametric"]
    az, el = np.radians(p["start_azimuth"]), np.radians(p["start_elevation"])
    np.testing.assert_allclose(static["foa"][1].numpy(), mono * np.sin(az) * np.cos(el), atol=1e-5)
    assert static["caption"] == library.records[0].caption
    assert static["spatial_caption"].startswith(static["caption"])
    assert moving["trajectory"]["duration"] == 10.0
    with pytest.raises(IndexError):
        ds[12]


def test_workers_reproduce_the_same_batches(library) -> None:
    ds = SpatialDataset(library, seed=3)
    direct = collate([ds[i] for i in range(4)])
    loaded = next(iter(DataLoader(ds, batch_size=4, num_workers=2, collate_fn=collate)))
    assert loaded["foa"].shape == (4, 4, 160000)
    assert torch.equal(loaded["foa"], direct["foa"])
    assert loaded["spatial_caption"] == direct["spatial_caption"]
    assert torch.equal(loaded["parametric"]["start_azimuth"], direct["parametric"]["start_azimuth"])
    assert loaded["parametric"]["speed"][0] == "static"


def test_splits_never_share_a_source_file(tmp_path: Path, cache_dir: Path) -> None:
    root = tmp_path / "lib"
    rng = np.random.default_rng(0)
    for i in range(60):
        folder = root / f"f{i % 4}"
        folder.mkdir(parents=True, exist_ok=True)
        sf.write(
            folder / f"s{i}.wav", (rng.standard_normal((8000, 2)) * 0.2).astype(np.float32), 16000
        )
    from ambisketch.training.data import ScanConfig

    lib = scan_library(root, ScanConfig(channels="each"), cache_dir=cache_dir, progress=False)
    parts = split_library(lib, {"train": 0.6, "valid": 0.2, "test": 0.2})
    sources = {name: {r.rel_path for r in part.records} for name, part in parts.items()}
    assert sum(len(p) for p in parts.values()) == len(lib) == 120
    assert not (sources["train"] & sources["test"]) and not (sources["train"] & sources["valid"])
    assert not (sources["valid"] & sources["test"])
    assert all(len(s) > 0 for s in sources.values())
    assert split_of("f1/s1.wav") == split_of("f1/s1.wav")  # stable, not random
    with pytest.raises(DatasetError):
        split_of("x", {"train": 0.0})


def test_test_set_is_written_once_and_reads_back(library, tmp_path: Path) -> None:
    ds = SpatialDataset(library, seed=2)
    index = write_test_set(ds, tmp_path / "ts", 5, seed=9)
    clips = load_test_set(tmp_path / "ts")
    assert len(clips) == 5
    for c in clips:
        data, rate = sf.read(c["file"], always_2d=True)
        assert data.shape == (160000, 4) and rate == 16000
        side = json.loads(Path(c["file"] + ".json").read_text())
        assert side["spatial_caption"] == c["spatial_caption"] and "keyframes" in side["trajectory"]
    again = [c["index"] for c in json.loads(index.read_text())["clips"]]
    assert again == sorted(again)
    with pytest.raises(DatasetError, match="written once"):
        write_test_set(ds, tmp_path / "ts", 5)
    write_test_set(ds, tmp_path / "ts", 5, seed=9, overwrite=True)
    assert [c["index"] for c in load_test_set(tmp_path / "ts")] == again  # same seed, same set
    with pytest.raises(DatasetError, match="no such file"):
        load_test_set(tmp_path / "nothing")


def test_empty_library_is_a_clear_error(tmp_path: Path, cache_dir: Path) -> None:
    (tmp_path / "empty").mkdir()
    lib = scan_library(tmp_path / "empty", cache_dir=cache_dir, progress=False)
    with pytest.raises(DatasetError, match="no usable clips"):
        SpatialDataset(lib)
