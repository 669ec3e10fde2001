"""What one DiT training item is: a crop (audio, or latents from a cache), its path's state
matrix, its caption and its numbers (length, and distance / room size / decay time).

Item ``k`` is a function of ``(seed, k)`` only, so a resumed run sees exactly the items it
would have seen. Crops start on a latent frame: the state matrix of a crop is the clip's
state matrix sliced at the crop's frames, and a latent crop is the same frames of the
clip's latents.

Room numbers (ImmerseDiffusion's environmental parameters) follow the conditioner's units
(:data:`~ambisketch.engine.models.conditioners.PARAMETRIC_RANGES`): ``distance`` in metres,
``room_size`` the room's edge in metres (the cube root of its volume: one number for a
shoebox of any proportions, and the preset rooms' 3.4 / 5.4 / 12.8 / 24.7 m), ``decay_time``
its RT60 in seconds. A dry sample (no room) is room size 0 and decay 0 with an unknown
distance (a dry render carries no distance cue); a sample from a source without rooms has all
three unknown. Unknown is NaN, which the conditioner turns into a masked token — the same
"null" a value dropped for classifier-free guidance gets, and what a request without
``--distance/--room/--decay`` asks for.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch.utils.data import Dataset

from ambisketch.engine.models.conditioners import state_matrix
from ambisketch.engine.spatial.room import room_size_of
from ambisketch.engine.spatial.trajectory import Trajectory

from .config import DitTrainConfig
from .w_memo import w_key

if TYPE_CHECKING:
    from ..codec.data import FoaSource
    from ..latents import LatentCache

ROOM_NUMBERS = ("distance", "room_size", "decay_time")


def room_numbers(room: Mapping[str, object] | None) -> tuple[float, float, float]:
    """``(distance, room_size, decay_time)`` of a sample's ``room`` dict (see the module doc);
    NaN where unknown."""
    nan = math.nan
    if not room:
        return nan, nan, nan
    if not room.get("in_room"):
        return nan, 0.0, 0.0
    return (float(room["distance"]), room_size_of(float(room["room_volume"])), float(room["rt60"]))


def crop_frames(clip_seconds: float, rate: int, hop: int) -> int:
    """Latent frames of a training crop (``× hop`` samples): whole frames of the clip."""
    return max(1, int(clip_seconds * rate) // hop)


class DitClipDataset(Dataset):
    """Item ``k``: a crop of a random item of ``source`` with its conditioning.

    ``source`` items hold ``foa`` (4, samples) audio — encoded by the trainer — or
    ``latents`` (C, frames) from a latent cache; plus optional ``trajectory``, ``caption``,
    ``spatial_caption``, ``room`` and (for latents) ``seconds``. ``items_per_step`` (batch ×
    accumulation × devices) turns ``k`` into its optimiser step for the two-phase captions.
    """

    def __init__(
        self,
        source: FoaSource | LatentCache,
        config: DitTrainConfig,
        hop: int,
        rate: int,
        items_per_step: int | None = None,
    ) -> None:
        if len(source) == 0:
            raise ValueError("the training source holds no clips")
        self.source, self.config, self.hop, self.rate = source, config, hop, rate
        self.frames = crop_frames(config.clip_seconds, rate, hop)
        self.crop = self.frames * hop
        self.items_per_step = items_per_step or config.batch_size * config.grad_accum

    def __len__(self) -> int:
        return 2**62

    def caption_mode(self, k: int, rng: np.random.Generator) -> str:
        """ "plain" or "spatial" for item ``k``."""
        mode = self.config.caption_mode
        if mode == "two-phase":
            step = k // self.items_per_step
            return "plain" if step < self.config.plain_phase_steps else "spatial"
        if mode == "mixed":
            return "spatial" if rng.random() < 0.5 else "plain"
        return mode

    def _caption(self, item: Mapping[str, object], mode: str) -> str:
        plain, spatial = item.get("caption"), item.get("spatial_caption")
        first, second = (spatial, plain) if mode == "spatial" else (plain, spatial)
        return str(first or second or self.config.default_caption)

    def __getitem__(self, k: int) -> dict[str, Any]:
        cfg = self.config
        rng = np.random.default_rng([cfg.seed, k])
        item = self.source[int(rng.integers(len(self.source)))]
        if "latents" in item:
            data = torch.as_tensor(item["latents"], dtype=torch.float32)
            clip_frames = data.shape[-1]
            n = min(int(round(float(item["seconds"]) * self.rate)), clip_frames * self.hop)
            key, unit, length = "latents", 1, self.frames
        else:
            data = torch.as_tensor(item["foa"], dtype=torch.float32)
            n = data.shape[-1]
            clip_frames = max(1, -(-n // self.hop))
            key, unit, length = "foa", self.hop, self.crop
        if data.shape[-1] <= length:
            start_frame = 0
            data = torch.nn.functional.pad(data, (0, length - data.shape[-1]))
        else:
            start_frame = (
                int(rng.integers(0, (n - self.crop) // self.hop + 1)) if n > self.crop else 0
            )
            data = data[:, start_frame * unit : start_frame * unit + length]
        seconds = min(n, self.crop) / self.rate
        c = cfg.conditioner
        traj = item.get("trajectory")
        if traj:
            path = Trajectory.from_dict(traj)
            full = state_matrix(
                path,
                max(clip_frames, start_frame + self.frames),
                self.rate / self.hop,
                c.azimuth_bins,
                c.elevation_bins,
                c.bin_sigma,
            )
            states = torch.from_numpy(full[start_frame : start_frame + self.frames])
        else:
            states = torch.zeros(self.frames, c.state_features)
        mode = self.caption_mode(k, rng)
        return {
            key: data,
            "states": states,
            "has_path": bool(traj),
            "caption": self._caption(item, mode),
            "seconds": float(seconds),
            "room": torch.tensor(room_numbers(item.get("room")), dtype=torch.float32),
            "w_key": w_key(item, start_frame, length) if key == "foa" else "",
        }


def drop_room_numbers(
    room: torch.Tensor, p: float, shard: tuple[int, int] = (0, 1)
) -> torch.Tensor:
    """``room`` (B, 3) with each value independently replaced by NaN (unknown) with
    probability ``p`` — classifier-free dropout of the environmental numbers. ``shard``
    ``(rank, world)``: this rank's rows of the draw for the global batch."""
    if p <= 0:
        return room
    rank, world = shard
    b = room.shape[0]
    drop = (
        torch.rand((world * b, *room.shape[1:]), device=room.device)[rank * b : (rank + 1) * b] < p
    )
    return torch.where(drop, torch.full_like(room, math.nan), room)
