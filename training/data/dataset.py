"""On-the-fly spatial dataset (torch) and leak-free splits by source file.

Index ``i`` is clip ``i // 2`` of the library, static when ``i`` is even and moving when odd
(the paper's pair per clip). Everything random about a sample comes from
``numpy.random.default_rng([seed, epoch, i])``, so any worker, any run, reproduces it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from .augment import (
    DRY,
    AugmentConfig,
    MotionDraw,
    RoomDraw,
    draw_moving,
    draw_room,
    draw_static,
    render,
)
from .captions import captions_for
from .errors import DatasetError
from .library import Library

DEFAULT_SPLITS = {"train": 0.9, "valid": 0.05, "test": 0.05}
NUMERIC_FIELDS = (
    "start_azimuth",
    "start_elevation",
    "end_azimuth",
    "end_elevation",
    "clockwise",
    "movement_start",
    "movement_end",
    "duration",
)
ROOM_FIELDS = ("in_room", "distance", "room_volume", "rt60", "drr_db")


def split_of(
    source_id: str, fractions: Mapping[str, float] = DEFAULT_SPLITS, salt: str = ""
) -> str:
    """The split a source file belongs to, from a hash of its relative path (stable across
    runs, machines and library growth)."""
    total = sum(fractions.values())
    if total <= 0 or any(v < 0 for v in fractions.values()):
        raise DatasetError(f"split fractions must be >= 0 and not all 0, got {dict(fractions)}")
    digest = hashlib.blake2b(f"{salt}|{source_id}".encode(), digest_size=8).digest()
    u = int.from_bytes(digest, "big") / 2.0**64 * total
    acc = 0.0
    for name, frac in fractions.items():
        acc += frac
        if u < acc:
            return name
    return list(fractions)[-1]


def split_library(
    library: Library, fractions: Mapping[str, float] = DEFAULT_SPLITS, salt: str = ""
) -> dict[str, Library]:
    """Libraries per split; all clips (channels) of one file land in the same split."""
    idx: dict[str, list[int]] = {name: [] for name in fractions}
    for i, rec in enumerate(library.records):
        idx[split_of(rec.source_id, fractions, salt)].append(i)
    return {name: library.subset(ids) for name, ids in idx.items()}


class SpatialDataset(Dataset):
    """FOA samples made on the fly from a library's clips (static + moving per clip).

    ``__getitem__`` returns a dict: ``foa`` float32 tensor ``(4, clip_frames)`` (AmbiX),
    ``caption``, ``spatial_caption``, ``spatial_description`` (str), ``kind``, ``source``,
    ``parametric`` (the paper's fields), ``trajectory`` (its JSON dict), ``index``. With
    ``augment.room_prob > 0`` also ``room`` (:meth:`RoomDraw.to_dict`, or the dry values)
    and, for samples in a room, ``room_description``.
    """

    def __init__(
        self, library: Library, augment: AugmentConfig | None = None, seed: int = 0, epoch: int = 0
    ) -> None:
        if len(library) == 0:
            raise DatasetError(f"{library.root}: no usable clips (see the scan report)")
        cfg = augment or AugmentConfig()
        if abs(cfg.duration - library.config.clip_seconds) > 1e-9:
            cfg = replace(cfg, duration=library.config.clip_seconds)
        self.library, self.augment, self.seed, self.epoch = library, cfg, seed, epoch

    def __len__(self) -> int:
        return 2 * len(self.library)

    def set_epoch(self, epoch: int) -> None:
        """New draws each epoch (same clips), still reproducible."""
        self.epoch = epoch

    def rng(self, index: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, self.epoch, index])

    def draw(self, index: int) -> tuple[MotionDraw, dict[str, str]]:
        """The sample's motion and captions, without any audio (cheap)."""
        draw, _, caps = self.draw_all(index)
        return draw, caps

    def draw_all(self, index: int) -> tuple[MotionDraw, RoomDraw | None, dict[str, str]]:
        """The sample's motion, room (``None``: dry) and captions, without any audio."""
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} samples")
        rng = self.rng(index)
        draw = draw_static(rng, self.augment) if index % 2 == 0 else draw_moving(rng, self.augment)
        room = draw_room(rng, self.augment)  # draws nothing when room_prob == 0
        rec = self.library.records[index // 2]
        return draw, room, captions_for(rec.caption, draw, rng, room)

    def __getitem__(self, index: int) -> dict[str, Any]:
        draw, room, caps = self.draw_all(index)
        rec = self.library.records[index // 2]
        mono = self.library.load(index // 2)
        foa = render(mono, draw, self.library.config.rate, room, self.augment.room_max_order)
        item = {
            "foa": torch.from_numpy(foa),
            **caps,
            "kind": draw.kind,
            "source": rec.rel_path,
            "channel": -1 if rec.channel is None else rec.channel,
            "clip_id": rec.clip_id,
            "parametric": draw.parametric.to_dict(),
            "trajectory": draw.trajectory.to_dict(),
            "index": index,
        }
        if self.augment.room_prob > 0:
            item["room"] = dict(DRY) if room is None else room.to_dict()
            item.setdefault("room_description", "")
        return item


def collate(batch: list[dict[str, Any]]) -> dict[str, Any]:
    """Batch samples: ``foa`` stacked to ``(batch, 4, frames)``, numeric parametric fields
    as float tensors ``(batch,)``, everything else as lists (trajectories differ in length)."""
    out: dict[str, Any] = {"foa": torch.stack([b["foa"] for b in batch])}
    for key in batch[0]:
        if key not in ("foa", "parametric", "room"):
            out[key] = [b[key] for b in batch]
    if "room" in batch[0]:  # numeric room values as tensors, the rest as lists
        out["room"] = {k: torch.tensor([float(b["room"][k]) for b in batch]) for k in ROOM_FIELDS}
        for k in batch[0]["room"]:
            if k not in ROOM_FIELDS:
                out["room"][k] = [b["room"][k] for b in batch]
    out["parametric"] = {
        k: torch.tensor([float(b["parametric"][k]) for b in batch]) for k in NUMERIC_FIELDS
    }
    out["parametric"]["speed"] = [b["parametric"]["speed"] for b in batch]
    return out
