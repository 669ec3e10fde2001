"""The room stage of the augmentation: share of room samples, values, captions, rendering."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ambisketch.training.data import (
    AugmentConfig,
    DatasetError,
    SpatialDataset,
    collate,
    scan_library,
)
from ambisketch.training.data.augment import draw_room, draw_static, render


def test_room_prob_sets_the_share_of_room_samples_and_values_stay_in_range() -> None:
    cfg = AugmentConfig(room_prob=0.3, distance_range=(1.0, 8.0))
    rng = np.random.default_rng(0)
    draws = [draw_room(rng, cfg) for _ in range(400)]
    rooms = [d for d in draws if d is not None]
    assert 0.24 < len(rooms) / len(draws) < 0.36
    assert all(1.0 <= d.distance <= 8.0 for d in rooms)
    assert all(0.2 < d.room.rt60 < 4.0 and d.room.height >= 2.2 for d in rooms)
    assert {d.to_dict()["room_words"] for d in rooms} >= {"in a small room", "in a large hall"}
    assert draw_room(np.random.default_rng(0), AugmentConfig()) is None  # default: all dry


def test_room_render_keeps_the_clip_length_and_is_quieter_far_away() -> None:
    cfg = AugmentConfig(duration=1.0, room_prob=1.0, speed_classes={"fast": (0.5, 1.0)})
    rng = np.random.default_rng(4)
    motion, room = draw_static(rng, cfg), draw_room(rng, cfg)
    assert room is not None
    mono = np.random.default_rng(1).standard_normal(16000).astype(np.float32) * 0.1
    wet = render(mono, motion, 16000, room)
    assert wet.shape == (4, 16000) and wet.dtype == np.float32
    assert not np.allclose(wet, render(mono, motion, 16000))


def test_dataset_adds_room_values_and_caption_words(messy_library: Path, cache_dir: Path) -> None:
    library = scan_library(messy_library, cache_dir=cache_dir, progress=False)
    ds = SpatialDataset(library, AugmentConfig(room_prob=0.5), seed=2)
    dry_ds = SpatialDataset(library, AugmentConfig(), seed=2)
    assert "room" not in dry_ds[0]  # the default keeps the existing samples as they were
    items = [ds[i] for i in range(4)]
    kinds = {it["room"]["in_room"] for it in items}
    assert kinds == {True, False}, [it["room"] for it in items]
    for it in items:
        r = it["room"]
        if r["in_room"]:
            caption = it["spatial_caption"]
            assert r["distance_words"] in caption or r["room_words"] in caption
            assert it["room_description"] == f"{r['distance_words']} {r['room_words']}"
            assert r["rt60"] > 0 and r["room_volume"] > 0
        else:
            assert it["room_description"] == "" and r["rt60"] == 0.0
    again = SpatialDataset(library, AugmentConfig(room_prob=0.5), seed=2)[1]
    assert torch.equal(again["foa"], items[1]["foa"]) and again["room"] == items[1]["room"]
    batch = collate(items)
    assert batch["room"]["distance"].shape == (4,) and batch["room"]["rt60"].dtype == torch.float32
    assert len(batch["room"]["room_words"]) == 4


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"room_prob": 1.5}, ("room_prob",)),
        ({"distance_range": (0.0, 4.0)}, ("distance_range",)),
        ({"room_volume_range": (100.0, 10.0)}, ("room_volume_range",)),
    ],
)
def test_bad_room_configs(kwargs, words) -> None:
    with pytest.raises(DatasetError) as info:
        AugmentConfig(**kwargs)
    assert all(w in str(info.value) for w in words)
