"""The timbre prior: the spectral shape a prompt names, imposed on a generated take.

Measured on the real recordings of the content check (aiSFX, 10 kinds of sound): keeping
each recording's loudness over time and its *time-averaged* 32-band mel shape, and nothing
else (white noise shaped so), scores 54.7 % class accuracy (FD 176); the recordings through
the starter codec score 19.8 % (FD 285). The starter DiT gets the loudness over time of a
prompt roughly right but its codec cannot carry a spectral shape (see
:mod:`.envelope`), so a take of "rain" and one of "a bell" have the same broadband colour.

:class:`TimbreModel` is a small MLP from the prompt's mean-pooled text embedding (the
bundle's own text encoder) to a shape: the share of the energy in each mel band. It is
trained on the corpus's captions and the measured shapes of their clips (``ambisketch train
timbre``) and kept in the bundle (``timbre.safetensors``). :func:`apply_timbre` then gives
the take that shape, keeping each frame's loudness, with one time-varying EQ on all four
channels (so the direction of every bin stays as it was): the take's *average* shape (over
its loud frames, measured as the prior's targets were) becomes the prompt's, and each frame
keeps how it differs from that average (a strike brighter than its ring, within
:data:`MAX_MOVEMENT_DB`). Keeping that movement lowered the aiSFX FD by 8 at the same
accuracy (326.4 → 318.4 / 38.8 → 40.0 % on 80 takes; 335.1 → 327.0 / 40.0 % on 40 others)
against giving every frame the same shape. ``strength`` blends between the take's own
shapes (0) and those (1) in dB.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

from . import envelope

SHAPE_FLOOR_DB = -60.0  # a band this far under the total counts as empty
EVENT_DB = 20.0  # a clip's shape is measured on its frames within this of its loudest
# Frames much quieter than the take's loudest keep their own shape: there the decoder's floor
# (its faint buzz) would otherwise be turned into a steady tone in the prompt's loudest band.
FULL_WITHIN_DB = 30.0  # full strength for frames within this of the loudest frame …
NONE_UNDER_DB = 50.0  # … fading to none at this far under it
MAX_MOVEMENT_DB = 30.0  # a frame's difference from the take's average shape is kept up to this


@dataclass(frozen=True)
class TimbreConfig:
    text_dim: int = 384
    hidden: int = 256
    bands: int = 32

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TimbreConfig:
        return cls(**{k: int(data[k]) for k in ("text_dim", "hidden", "bands")})


class TimbreModel(nn.Module):
    """Pooled text embedding ``(batch, text_dim)`` → log band shares ``(batch, bands)``."""

    def __init__(self, config: TimbreConfig) -> None:
        super().__init__()
        self.config = config
        self.net = nn.Sequential(
            nn.LayerNorm(config.text_dim),
            nn.Linear(config.text_dim, config.hidden),
            nn.GELU(),
            nn.Linear(config.hidden, config.hidden),
            nn.GELU(),
            nn.Linear(config.hidden, config.bands),
        )

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        return torch.log_softmax(self.net(pooled), dim=-1)

    def shape_db(self, pooled: torch.Tensor) -> torch.Tensor:
        """Each band's share of the energy in dB ``(batch, bands)`` (≤ 0)."""
        return self(pooled) * (10.0 / np.log(10.0))


def pool(tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of the real tokens' embeddings: ``(batch, tokens, dim)`` → ``(batch, dim)``."""
    m = mask.to(tokens.dtype)[..., None]
    return (tokens * m).sum(1) / m.sum(1).clamp_min(1.0)


def _average_db(power: NDArray[np.float64]) -> NDArray[np.float64]:
    """Band shares in dB ``(bands,)`` of band powers ``(bands, frames)`` summed over the frames
    within :data:`EVENT_DB` of the loudest: a sound's shape, as the prior learns and imposes it."""
    frame = power.sum(axis=0)
    kept = power[:, frame >= frame.max() * 10 ** (-EVENT_DB / 10)].sum(axis=1)
    return np.maximum(10 * np.log10(kept / max(kept.sum(), 1e-30) + 1e-30), SHAPE_FLOOR_DB)


def shape_of(mono: NDArray[np.floating], rate: int, hop: int, bands: int) -> NDArray[np.float64]:
    """The band shares in dB ``(bands,)`` of ``mono``'s *sound*: averaged over the frames
    within :data:`EVENT_DB` of its loudest, so that the background between a bird's chirps or
    a bell's strikes does not set the shape (a flat shape for silence)."""
    power = 10 ** (envelope.to_db(envelope.analyze(mono, rate, hop, bands)) / 10)
    frame = power.sum(axis=0)
    if frame.max() <= 10 ** (envelope.FLOOR_DB / 10) * bands * 1.01:
        return np.full(bands, -10 * np.log10(bands))
    return _average_db(power)


def apply_timbre(
    foa: NDArray[np.floating],
    shape_db: NDArray[np.floating],
    rate: int,
    hop: int,
    strength: float = 1.0,
) -> NDArray[np.float32]:
    """``foa`` ``(4, samples)`` whose W has the average shape ``shape_db`` (band shares in
    dB, ``(bands,)``) over its frames within :data:`EVENT_DB` of the loudest, each frame
    keeping its loudness and its own difference from the take's average shape, by
    ``strength`` (0 … 1); frames more than :data:`FULL_WITHIN_DB` under the loudest are moved
    less, those :data:`NONE_UNDER_DB` under it not at all."""
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"timbre strength must be in [0, 1], got {strength:g}")
    x = np.asarray(foa, np.float32)
    if strength == 0.0:
        return x.copy()
    bands = len(shape_db)
    db = envelope.to_db(envelope.analyze(x[0], rate, hop, bands))
    power = 10 ** (db / 10)
    total = power.sum(axis=0, keepdims=True)
    own = 10 * np.log10(power / np.maximum(total, 1e-30) + 1e-30)
    level = 10 * np.log10(np.maximum(total[0], 1e-30))
    below = level.max() - level
    average = _average_db(power)  # what shape_of measures: the prior's targets
    movement = np.clip(own - average[:, None], -MAX_MOVEMENT_DB, MAX_MOVEMENT_DB)
    target = np.maximum(np.asarray(shape_db, np.float64), SHAPE_FLOOR_DB)[:, None] + movement
    fade = np.clip((NONE_UNDER_DB - below) / (NONE_UNDER_DB - FULL_WITHIN_DB), 0.0, 1.0)
    mixed = own + strength * fade[None] * (target - own)
    share = 10 ** (mixed / 10)
    share /= share.sum(axis=0, keepdims=True)
    want = 10 * np.log10(total * share + 1e-30)
    silent = db.max(axis=0) <= envelope.FLOOR_DB + 1
    want[:, silent] = envelope.FLOOR_DB
    return envelope.reshape(x, envelope.from_db(want), rate, hop)
