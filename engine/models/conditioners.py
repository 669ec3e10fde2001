"""Conditioners: text, numbers and the drawn path → the DiT's cross-attention tokens.

- **Numbers** (Stable Audio's seconds_start / seconds_total; ImmerseDiffusion's azimuth,
  elevation, distance, room size and decay time): the value normalised to [0, 1] → learned
  Fourier features → linear → one token. A value left out (NaN) is a masked token.
- **Trajectory** (SonicMotion's state matrix S(l, T), generalised): the path sampled at the
  latent frame rate → soft (Gaussian) azimuth bins over the full 360° and elevation bins,
  so any drawn path (several keyframes, cw or ccw) is expressible → linear → fused with
  the text tokens by a 4-layer, 4-head cross-attention module → one token per latent frame,
  appended to the cross-attention tokens so classifier-free guidance covers it. Without a
  path (descriptive mode) a learned null token stands in.
- The global embedding (the DiT's prepended token) carries only the timing, which must not
  be guided (model-facts.md: the global token is never dropped).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

from ..spatial.trajectory import Trajectory
from .configs import config_from_dict
from .dit import Block, FourierFeatures, rotary_tables
from .names import TIMING_NUMBERS

# Normalisation ranges of the optional parametric values (units: degrees, metres, metres
# (room edge), seconds (RT60)); values outside are clamped.
PARAMETRIC_RANGES: dict[str, tuple[float, float]] = {
    "azimuth": (-180.0, 180.0),
    "elevation": (-90.0, 90.0),
    "distance": (0.0, 20.0),
    "room_size": (0.0, 50.0),
    "decay_time": (0.0, 5.0),
}


@dataclass(frozen=True)
class ConditionerConfig:
    """Sizes of the conditioners; ``text_dim`` must match the text encoder."""

    text_dim: int = 384
    cond_dim: int = 384
    global_dim: int = 384
    max_seconds: float = 10.0
    azimuth_bins: int = 36
    elevation_bins: int = 13
    bin_sigma: float = 0.5  # Gaussian width in bins; 0 gives the papers' one-hot matrix
    fusion_layers: int = 4
    fusion_heads: int = 4
    fourier_features: int = 32

    def __post_init__(self) -> None:
        for name in (
            "text_dim",
            "cond_dim",
            "global_dim",
            "azimuth_bins",
            "elevation_bins",
            "fusion_layers",
            "fusion_heads",
            "fourier_features",
        ):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"conditioner config: {name} must be positive")
        if self.cond_dim % self.fusion_heads:
            raise ValueError(
                f"conditioner config: cond_dim {self.cond_dim} is not a multiple "
                f"of fusion_heads {self.fusion_heads}"
            )
        if self.max_seconds <= 0 or self.bin_sigma < 0:
            raise ValueError("conditioner config: max_seconds must be > 0, bin_sigma >= 0")

    @property
    def state_features(self) -> int:
        return self.azimuth_bins + self.elevation_bins

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConditionerConfig:
        return config_from_dict(cls, data, "conditioner")


CONDITIONER_PRESETS: dict[str, ConditionerConfig] = {
    "tiny": ConditionerConfig(
        cond_dim=32,
        global_dim=32,
        azimuth_bins=12,
        elevation_bins=5,
        fusion_layers=1,
        fourier_features=8,
    ),
    "default": ConditionerConfig(),
    "paper": ConditionerConfig(text_dim=768, cond_dim=768, global_dim=768),
}


# --- the state matrix (numpy; no torch needed) ---------------------------------------------
def _soft_bins(
    values: NDArray[np.float64],
    centres: NDArray[np.float64],
    width: float,
    sigma: float,
    period: float | None,
) -> NDArray[np.float64]:
    d = values[:, None] - centres[None, :]
    if period is not None:
        d = (d + period / 2) % period - period / 2
    if sigma <= 0:  # one-hot: the nearest bin
        out = np.zeros_like(d)
        out[np.arange(len(values)), np.abs(d).argmin(axis=1)] = 1.0
        return out
    w = np.exp(-0.5 * (d / (sigma * width)) ** 2)
    return w / w.sum(axis=1, keepdims=True)


def state_matrix(
    trajectory: Trajectory,
    frames: int,
    frame_rate: float,
    azimuth_bins: int = 36,
    elevation_bins: int = 13,
    bin_sigma: float = 0.5,
) -> NDArray[np.float32]:
    """The path as ``(frames, azimuth_bins + elevation_bins)`` bin weights per latent frame.

    Azimuth bins cover the full circle (centres at 0°, 360°/n, …; wrap-around distances), so
    a clockwise and a counter-clockwise path between the same end points differ; elevation
    bins cover [−90°, 90°]. Each row's azimuth part and elevation part sum to 1. Frame ``i``
    is sampled at its centre, ``(i + ½) / frame_rate`` seconds.
    """
    times = (np.arange(frames) + 0.5) / float(frame_rate)
    az, el, _ = trajectory.sample(times, unwrap=False)
    az_w = 360.0 / azimuth_bins
    az_c = np.arange(azimuth_bins, dtype=np.float64) * az_w
    el_w = 180.0 / max(elevation_bins - 1, 1)
    el_c = np.linspace(-90.0, 90.0, elevation_bins) if elevation_bins > 1 else np.zeros(1)
    return np.concatenate(
        [_soft_bins(az, az_c, az_w, bin_sigma, 360.0), _soft_bins(el, el_c, el_w, bin_sigma, None)],
        axis=1,
    ).astype(np.float32)


# --- modules -------------------------------------------------------------------------------
@dataclass(frozen=True)
class TokenSlots:
    """How many cross-attention tokens each part holds, in order: the text, the number
    tokens (timing and parametric), then the path (one null token without a path)."""

    text: int
    numbers: int
    path: int

    @property
    def total(self) -> int:
        return self.text + self.numbers + self.path

    def slot_of(self, n: int, device: torch.device | str = "cpu") -> dict[str, torch.Tensor]:
        """(N,) bool masks of the text, number and path slots of ``n`` tokens."""
        if n != self.total:
            raise ValueError(f"conditioning has {n} tokens, its slots say {self.total}")
        i = torch.arange(n, device=device)
        return {
            "text": i < self.text,
            "numbers": (i >= self.text) & (i < self.text + self.numbers),
            "path": i >= self.text + self.numbers,
        }


@dataclass
class Conditioning:
    """What the DiT attends to: ``tokens`` (B, N, cond_dim), ``mask`` (B, N) bool, the
    unguided ``global_embed`` (B, global_dim), and which tokens are which (``slots``)."""

    tokens: torch.Tensor
    mask: torch.Tensor
    global_embed: torch.Tensor
    slots: TokenSlots

    def null(self) -> Conditioning:
        """The unconditional counterpart for classifier-free guidance: every cross-attention
        token zeroed (as in training's condition dropout), the timing kept."""
        return Conditioning(torch.zeros_like(self.tokens), self.mask, self.global_embed, self.slots)

    def cat(self, other: Conditioning) -> Conditioning:
        if other.slots != self.slots:
            raise ValueError(
                f"cannot batch conditionings of different slots ({self.slots} vs {other.slots})"
            )
        return Conditioning(
            torch.cat([self.tokens, other.tokens]),
            torch.cat([self.mask, other.mask]),
            torch.cat([self.global_embed, other.global_embed]),
            self.slots,
        )

    def repeat(self, n: int) -> Conditioning:
        return Conditioning(
            self.tokens.repeat_interleave(n, 0),
            self.mask.repeat_interleave(n, 0),
            self.global_embed.repeat_interleave(n, 0),
            self.slots,
        )


class NumberConditioner(nn.Module):
    """One value in [lo, hi] → learned Fourier features → a ``dim`` token."""

    def __init__(self, dim: int, lo: float, hi: float, features: int = 32) -> None:
        super().__init__()
        self.lo, self.hi = float(lo), float(hi)
        self.features = FourierFeatures(features)
        self.proj = nn.Linear(features + 1, dim)

    def forward(self, values: torch.Tensor) -> torch.Tensor:
        """``values`` (B,) → (B, dim); NaN (absent) values give a zero input."""
        x = ((values.float() - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0)
        x = torch.nan_to_num(x, nan=0.0)
        return self.proj(torch.cat([x[:, None], self.features(x)], dim=-1))


class TrajectoryConditioner(nn.Module):
    """State matrix (B, T, F) → tokens (B, T, dim), fused with the text by cross-attention."""

    def __init__(self, features: int, dim: int, layers: int = 4, heads: int = 4) -> None:
        super().__init__()
        self.proj = nn.Linear(features, dim)
        self.fusion = nn.ModuleList(Block(dim, heads, dim) for _ in range(layers))
        self.norm = nn.LayerNorm(dim)
        self.null = nn.Parameter(torch.randn(dim) * 0.02)
        self.rotary_dim = (dim // heads) // 2 * 2

    def forward(
        self, states: torch.Tensor, text: torch.Tensor, text_mask: torch.Tensor
    ) -> torch.Tensor:
        h = self.proj(states)
        rotary = rotary_tables(h.shape[1], self.rotary_dim, h.device, h.dtype)
        for block in self.fusion:
            h = block(h, text, text_mask, rotary=rotary)
        return self.norm(h)


class Conditioner(nn.Module):
    """Text tokens + numbers + path → :class:`Conditioning` for the DiT."""

    def __init__(self, config: ConditionerConfig) -> None:
        super().__init__()
        self.config = config
        d = config.cond_dim
        self.text_proj = nn.Linear(config.text_dim, d)
        ranges = {
            **{name: (0.0, config.max_seconds) for name in TIMING_NUMBERS},
            **PARAMETRIC_RANGES,
        }
        self.numbers = nn.ModuleDict(
            {
                name: NumberConditioner(d, lo, hi, config.fourier_features)
                for name, (lo, hi) in ranges.items()
            }
        )
        self.trajectory = TrajectoryConditioner(
            config.state_features, d, config.fusion_layers, config.fusion_heads
        )
        self.global_proj = nn.Linear(2 * d, config.global_dim)

    def forward(
        self,
        text: torch.Tensor,
        text_mask: torch.Tensor,
        numbers: Mapping[str, torch.Tensor],
        states: torch.Tensor | None = None,
        has_path: torch.Tensor | None = None,
    ) -> Conditioning:
        """Build the conditioning of a batch.

        Args:
            text: (B, L, text_dim) text-encoder tokens; ``text_mask`` (B, L) bool.
            numbers: ``seconds_start`` and ``seconds_total`` (B,) required; the parametric
                fields optional, NaN where an item has none.
            states: (B, T, F) state matrices, or None when no item has a path.
            has_path: (B,) bool, which items' ``states`` are real (default: all).
        """
        b = text.shape[0]
        device = text.device
        for name in TIMING_NUMBERS:
            if name not in numbers:
                raise ValueError(f"conditioner: {name!r} is required")
        unknown = sorted(set(numbers) - set(self.numbers))
        if unknown:
            raise ValueError(
                f"conditioner: unknown number {unknown[0]!r} (known: {', '.join(self.numbers)})"
            )
        text_tokens = self.text_proj(text)
        tokens, masks = [text_tokens], [text_mask]
        seconds = []
        for name, module in self.numbers.items():
            v = numbers.get(name)
            if v is None:
                v = torch.full((b,), math.nan, device=device)
            v = v.to(device)
            tok = module(v)
            if name.startswith("seconds_"):
                seconds.append(tok)
            tokens.append(tok[:, None])
            masks.append(~torch.isnan(v)[:, None])
        if states is None:
            traj = self.trajectory.null.expand(b, 1, -1).to(text_tokens.dtype)
            traj_mask = torch.ones(b, 1, dtype=torch.bool, device=device)
        else:
            traj = self.trajectory(states.to(text_tokens.dtype), text_tokens, text_mask)
            traj_mask = torch.ones(traj.shape[:2], dtype=torch.bool, device=device)
            if has_path is not None:
                has = has_path.to(device)
                null = self.trajectory.null.to(traj.dtype).expand_as(traj[:, :1])
                traj = torch.cat(
                    [
                        torch.where(has[:, None, None], traj[:, :1], null),
                        traj[:, 1:] * has[:, None, None],
                    ],
                    dim=1,
                )
                traj_mask[:, 1:] &= has[:, None]
        tokens.append(traj)
        masks.append(traj_mask)
        global_embed = self.global_proj(torch.cat(seconds, dim=-1))
        slots = TokenSlots(text_tokens.shape[1], len(self.numbers), traj.shape[1])
        return Conditioning(torch.cat(tokens, dim=1), torch.cat(masks, dim=1), global_embed, slots)
