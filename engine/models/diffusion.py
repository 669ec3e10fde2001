"""The conditioned DiT: conditioner + transformer, one module, one weights file.

The frozen text encoder and the codec are not part of it (their ids and weights live
beside it in the bundle).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from .conditioners import Conditioner, ConditionerConfig, Conditioning
from .dit import DiT, DiTConfig
from .sampling import add_noise, v_target


class DiffusionModel(nn.Module):
    """``conditioner`` builds the cross-attention tokens; ``dit`` predicts v."""

    def __init__(self, dit: DiTConfig, conditioner: ConditionerConfig) -> None:
        super().__init__()
        if dit.cond_dim != conditioner.cond_dim or dit.global_dim != conditioner.global_dim:
            raise ValueError(
                f"DiT cond/global dims ({dit.cond_dim}, {dit.global_dim}) differ from the "
                f"conditioner's ({conditioner.cond_dim}, {conditioner.global_dim})")
        self.conditioner = Conditioner(conditioner)
        self.dit = DiT(dit)

    def condition(self, text: torch.Tensor, text_mask: torch.Tensor,
                  numbers: Mapping[str, torch.Tensor], states: torch.Tensor | None = None,
                  has_path: torch.Tensor | None = None) -> Conditioning:
        return self.conditioner(text, text_mask, numbers, states, has_path)

    def forward(self, x: torch.Tensor, t: torch.Tensor, cond: Conditioning) -> torch.Tensor:
        """v prediction for latents ``x`` (B, C, T) at times ``t`` (B,)."""
        return self.dit(x, t, cond.tokens, cond.mask, cond.global_embed)

    def loss(self, x0: torch.Tensor, cond: Conditioning, generator: torch.Generator | None = None,
             t: torch.Tensor | None = None) -> torch.Tensor:
        """The v-objective MSE for clean latents ``x0`` (B, C, T) at random (or given) times."""
        b = x0.shape[0]
        if t is None:
            t = torch.rand(b, generator=generator, device=x0.device)
        noise = torch.randn(x0.shape, generator=generator, device=x0.device)
        v = self(add_noise(x0, noise, t), t, cond)
        return (v - v_target(x0, noise, t)).pow(2).mean()
