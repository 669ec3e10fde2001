"""Batches for codec training: random crops of FOA clips, reproducible per step.

A *source* is anything indexable that returns ``{"foa": tensor (4, samples)}`` — the
spatial dataset of :mod:`ambisketch.training.data.dataset` (a library or the starter corpus,
spatialised on the fly) or :class:`SyntheticFoaSource`, which makes FOA here without any
files (tests, and data on a machine that holds no corpus).

Crop ``k`` of the endless stream is a function of ``(seed, k)`` only, and the batch sampler
starts at the resumed step, so a run that is killed and resumed sees exactly the batches
it would have seen.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from ambisketch.engine.spatial import Keyframe, Trajectory
from ambisketch.engine.spatial.ambisonics import encode


class FoaSource(Protocol):
    def __len__(self) -> int: ...
    def __getitem__(self, index: int) -> dict[str, Any]: ...


def _signal(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """One of a few sound families with random parameters, peak about 0.5."""
    t = np.arange(n) / rate
    kind = rng.integers(4)
    if kind == 0:  # noise bursts with a decaying envelope
        x = rng.standard_normal(n)
        period = rng.uniform(0.15, 0.6)
        x *= np.exp(-np.mod(t, period) * rng.uniform(4, 20))
    elif kind == 1:  # a harmonic tone with vibrato
        f0 = rng.uniform(110, 880)
        phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.01 * np.sin(2 * np.pi * 5 * t))) / rate
        x = sum(np.sin(k * phase) / k for k in range(1, 6))
    elif kind == 2:  # a rising and falling chirp
        f = 300 + 1500 * (0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.2, 1.0) * t))
        x = np.sin(2 * np.pi * np.cumsum(f) / rate)
    else:  # a click train (impacts, footsteps-like)
        x = np.zeros(n)
        step = int(rate * rng.uniform(0.08, 0.4))
        for i in range(int(rng.integers(0, step)), n, step):
            m = min(n - i, 200)
            x[i : i + m] += rng.standard_normal(m) * np.exp(-np.arange(m) / 30)
    x = np.asarray(x, dtype=np.float64)
    return (0.5 * x / (np.abs(x).max() + 1e-9)).astype(np.float32)


class SyntheticFoaSource:
    """``count`` FOA clips of ``seconds`` made on the fly: a sound moving along a random path.

    Item ``i`` is a function of ``(seed, i)``; nothing is read from disk.
    """

    def __init__(
        self, count: int = 256, seconds: float = 4.0, rate: int = 16000, seed: int = 0
    ) -> None:
        self.count, self.seconds, self.rate, self.seed = count, seconds, rate, seed

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> dict[str, Any]:
        if not 0 <= index < self.count:
            raise IndexError(index)
        rng = np.random.default_rng([self.seed, index])
        n = int(self.seconds * self.rate)
        start = (rng.uniform(-180, 180), rng.uniform(-60, 60))
        end = (rng.uniform(-180, 180), rng.uniform(-60, 60))
        traj = Trajectory(
            self.seconds,
            (
                Keyframe(0.0, *start),
                Keyframe(self.seconds, *end, direction=str(rng.choice(["cw", "ccw"]))),
            ),
        )
        foa = encode(_signal(rng, n, self.rate), traj, self.rate)
        return {"foa": torch.from_numpy(foa), "trajectory": traj.to_dict()}


class CropDataset(Dataset):
    """Item ``k``: a random crop of ``crop`` samples from a random clip of ``source``."""

    def __init__(self, source: FoaSource, crop: int, seed: int = 0) -> None:
        if len(source) == 0:
            raise ValueError("the training source holds no clips")
        self.source, self.crop, self.seed = source, crop, seed

    def __len__(self) -> int:
        return 2**62

    def __getitem__(self, k: int) -> torch.Tensor:
        rng = np.random.default_rng([self.seed, k])
        foa = self.source[int(rng.integers(len(self.source)))]["foa"]
        foa = torch.as_tensor(foa, dtype=torch.float32)
        n = foa.shape[-1]
        if n <= self.crop:
            return torch.nn.functional.pad(foa, (0, self.crop - n))
        start = int(rng.integers(0, n - self.crop + 1))
        return foa[:, start : start + self.crop]


class StepBatchSampler(Sampler[list[int]]):
    """Batch ``b`` (from ``start_step`` on) holds items ``((b·world + rank)·size + j)``."""

    def __init__(self, batch_size: int, start_step: int = 0, rank: int = 0, world: int = 1) -> None:
        self.batch_size, self.start_step, self.rank, self.world = (
            batch_size,
            start_step,
            rank,
            world,
        )

    def __iter__(self) -> Iterator[list[int]]:
        b = self.start_step
        while True:
            base = (b * self.world + self.rank) * self.batch_size
            yield list(range(base, base + self.batch_size))
            b += 1

    def __len__(self) -> int:  # endless; DataLoader only needs it for len(loader)
        return 2**62


def fixed_batch(source: FoaSource, indices: Sequence[int], crop: int) -> torch.Tensor:
    """A deterministic validation batch: the first ``crop`` samples of the given clips."""
    clips = []
    for i in indices:
        foa = torch.as_tensor(source[i]["foa"], dtype=torch.float32)
        clips.append(torch.nn.functional.pad(foa, (0, max(0, crop - foa.shape[-1])))[:, :crop])
    return torch.stack(clips)
