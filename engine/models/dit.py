"""The diffusion transformer: Stable Audio's continuous transformer shape, sized by a config.

Shape (model-facts.md, "DiT"): a residual zero-initialised 1×1 conv → linear in → one
prepended global token (timestep Fourier features → MLP, plus the global conditioning) →
pre-norm blocks (self-attention with partial rotary embeddings, cross-attention to the
conditioning tokens, SwiGLU feed-forward; every output projection zero-initialised) →
norm → linear out → residual zero-initialised 1×1 conv. It predicts v (the v-objective).
Attention runs through ``torch.nn.functional.scaled_dot_product_attention`` (flash / memory
efficient kernels where the device has them).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .configs import config_from_dict


@dataclass(frozen=True)
class DiTConfig:
    """Sizes of the DiT. ``latent_channels`` must match the codec's."""

    latent_channels: int = 32
    width: int = 384
    depth: int = 8
    heads: int = 6
    cond_dim: int = 384
    global_dim: int = 384
    ff_mult: int = 4
    rotary_fraction: float = 0.5
    time_features: int = 256

    def __post_init__(self) -> None:
        for name in (
            "latent_channels",
            "width",
            "depth",
            "heads",
            "cond_dim",
            "global_dim",
            "ff_mult",
            "time_features",
        ):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"DiT config: {name} must be positive")
        if self.width % self.heads:
            raise ValueError(
                f"DiT config: width {self.width} is not a multiple of heads {self.heads}"
            )
        if self.time_features % 2:
            raise ValueError("DiT config: time_features must be even")
        if not 0.0 <= self.rotary_fraction <= 1.0:
            raise ValueError("DiT config: rotary_fraction must be in [0, 1]")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DiTConfig:
        return config_from_dict(cls, data, "DiT")


DIT_PRESETS: dict[str, DiTConfig] = {
    # For tests: a few tens of thousands of parameters, with the "tiny" codec (8 channels).
    "tiny": DiTConfig(
        latent_channels=8, width=32, depth=2, heads=2, cond_dim=32, global_dim=32, time_features=16
    ),
    # Runs on a laptop CPU, with the "small" codec (32 latent channels).
    "default": DiTConfig(),
    # Stable Audio Open's size (≈ 1 B parameters), with the "paper" codec (64 channels).
    "paper": DiTConfig(
        latent_channels=64, width=1536, depth=24, heads=24, cond_dim=768, global_dim=768
    ),
}


# --- layers ------------------------------------------------------------------------------
def rotary_tables(
    n: int, dim: int, device: torch.device, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin ``(n, dim)`` for rotary embeddings over ``dim`` (even) channels."""
    inv = 1.0 / (10000 ** (torch.arange(0, dim, 2, device=device, dtype=torch.float32) / dim))
    ang = torch.arange(n, device=device, dtype=torch.float32)[:, None] * inv[None]
    ang = torch.cat([ang, ang], dim=-1)
    return ang.cos().to(dtype), ang.sin().to(dtype)


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate the first ``cos.shape[-1]`` channels of ``x`` (..., n, head_dim)."""
    d = cos.shape[-1]
    if d == 0:
        return x
    rot, rest = x[..., :d], x[..., d:]
    a, b = rot.chunk(2, dim=-1)
    turned = torch.cat([-b, a], dim=-1)
    return torch.cat([rot * cos + turned * sin, rest], dim=-1)


class Attention(nn.Module):
    """Multi-head attention through SDPA; self-attention when ``context`` is None.

    The output projection starts at zero so every block starts as the identity.
    """

    def __init__(
        self, dim: int, heads: int, context_dim: int | None = None, zero_out: bool = True
    ) -> None:
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        ctx = dim if context_dim is None else context_dim
        self.q = nn.Linear(dim, dim, bias=False)
        self.kv = nn.Linear(ctx, 2 * dim, bias=False)
        self.out = nn.Linear(dim, dim, bias=False)
        if zero_out:
            nn.init.zeros_(self.out.weight)

    def forward(
        self,
        x: torch.Tensor,
        context: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        rotary: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> torch.Tensor:
        b, n, _ = x.shape
        src = x if context is None else context
        q = self.q(x).view(b, n, self.heads, self.head_dim).transpose(1, 2)
        k, v = self.kv(src).view(b, src.shape[1], 2, self.heads, self.head_dim).unbind(2)
        k, v = k.transpose(1, 2), v.transpose(1, 2)
        if rotary is not None:
            q, k = apply_rotary(q, *rotary), apply_rotary(k, *rotary)
        attn_mask = None if mask is None else mask[:, None, None, :]
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        return self.out(y.transpose(1, 2).reshape(b, n, -1))


class SwiGLU(nn.Module):
    """Gated feed-forward: (silu(x·W₁) ⊙ x·W₂)·W₃, hidden ``mult × dim``; W₃ starts at zero."""

    def __init__(self, dim: int, mult: int = 4, zero_out: bool = True) -> None:
        super().__init__()
        hidden = mult * dim
        self.inp = nn.Linear(dim, 2 * hidden)
        self.out = nn.Linear(hidden, dim)
        if zero_out:
            nn.init.zeros_(self.out.weight)
            nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, gate = self.inp(x).chunk(2, dim=-1)
        return self.out(F.silu(gate) * a)


class Block(nn.Module):
    """Pre-norm transformer block: self-attention, optional cross-attention, SwiGLU."""

    def __init__(self, dim: int, heads: int, context_dim: int | None, ff_mult: int = 4) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.self_attn = Attention(dim, heads)
        self.cross = context_dim is not None
        if self.cross:
            self.norm2 = nn.LayerNorm(dim)
            self.cross_attn = Attention(dim, heads, context_dim)
        self.norm3 = nn.LayerNorm(dim)
        self.ff = SwiGLU(dim, ff_mult)

    def forward(
        self,
        x: torch.Tensor,
        context: torch.Tensor | None = None,
        context_mask: torch.Tensor | None = None,
        self_mask: torch.Tensor | None = None,
        rotary: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> torch.Tensor:
        x = x + self.self_attn(self.norm1(x), mask=self_mask, rotary=rotary)
        if self.cross:
            x = x + self.cross_attn(self.norm2(x), context, context_mask)
        return x + self.ff(self.norm3(x))


class FourierFeatures(nn.Module):
    """Learned Fourier features of a scalar: [cos(2π·x·w), sin(2π·x·w)], w ~ N(0, std²)."""

    def __init__(self, features: int, std: float = 1.0) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(features // 2) * std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = 2 * math.pi * x[..., None].float() * self.weight
        return torch.cat([f.cos(), f.sin()], dim=-1)


# --- the model ---------------------------------------------------------------------------
class DiT(nn.Module):
    """v-prediction transformer over latents ``(batch, latent_channels, frames)``."""

    def __init__(self, config: DiTConfig) -> None:
        super().__init__()
        self.config = config
        c, w = config.latent_channels, config.width
        self.conv_in = nn.Conv1d(c, c, 1, bias=False)
        nn.init.zeros_(self.conv_in.weight)
        self.proj_in = nn.Linear(c, w)
        self.time_features = FourierFeatures(config.time_features)
        self.time_mlp = nn.Sequential(
            nn.Linear(config.time_features, w), nn.SiLU(), nn.Linear(w, w)
        )
        self.global_proj = nn.Sequential(
            nn.Linear(config.global_dim, w), nn.SiLU(), nn.Linear(w, w)
        )
        self.blocks = nn.ModuleList(
            Block(w, config.heads, config.cond_dim, config.ff_mult) for _ in range(config.depth)
        )
        self.norm_out = nn.LayerNorm(w)
        self.proj_out = nn.Linear(w, c)
        self.conv_out = nn.Conv1d(c, c, 1, bias=False)
        nn.init.zeros_(self.conv_out.weight)
        head_dim = w // config.heads
        self.rotary_dim = int(head_dim * config.rotary_fraction) // 2 * 2

    def forward(
        self,
        x: torch.Tensor,
        t: torch.Tensor,
        cross: torch.Tensor,
        cross_mask: torch.Tensor,
        global_embed: torch.Tensor,
    ) -> torch.Tensor:
        """v prediction for noisy latents ``x`` at times ``t`` (batch,) in [0, 1].

        Args:
            x: (B, C, T) noisy latents.
            t: (B,) diffusion time (σ = sin(πt/2)).
            cross: (B, N, cond_dim) cross-attention tokens.
            cross_mask: (B, N) bool, True where a token is real (at least one per row).
            global_embed: (B, global_dim).
        """
        x = x + self.conv_in(x)
        h = self.proj_in(x.transpose(1, 2))
        g = self.time_mlp(self.time_features(t).to(h.dtype)) + self.global_proj(global_embed)
        h = torch.cat([g[:, None], h], dim=1)
        rotary = rotary_tables(h.shape[1], self.rotary_dim, h.device, h.dtype)
        cross = cross.to(h.dtype)
        for block in self.blocks:
            h = block(h, cross, cross_mask, rotary=rotary)
        y = self.proj_out(self.norm_out(h[:, 1:])).transpose(1, 2)
        return y + self.conv_out(y)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def dit_flops(config: DiTConfig, frames: int, cross_tokens: int) -> float:
    """Multiply-adds × 2 of one DiT forward pass for one item (the matmuls; norms ignored)."""
    w, n, m = config.width, frames + 1, cross_tokens
    per_block = (
        2 * n * w * w * 4  # self-attention q, k, v, out
        + 2 * 2 * n * n * w  # scores and weighted sum
        + 2 * (n * w * w * 2 + m * config.cond_dim * w * 2)  # cross q, out; k, v
        + 2 * 2 * n * m * w
        + 2 * n * w * config.ff_mult * w * 3  # SwiGLU
    )
    return float(config.depth * per_block + 2 * 2 * n * w * config.latent_channels)
