"""The conditioned DiT: conditioner + transformer, one module, one weights file.

The frozen text encoder and the codec are not part of it (their ids and weights live
beside it in the bundle). The model also keeps the per-channel mean and standard deviation
of its codec's latents (buffers, saved with the weights): diffusion runs on standardised
latents, as Stable Audio's pretransform ``scale`` and Stable Diffusion's latent scale factor
do. Codec latents are far from unit variance (std 0.16 for the factored codec, 0.06 for the
4-channel one, measured), and with the noise schedule made for unit variance almost every
training step would see a latent drowned in noise. Bundles from before these buffers load
with the identity (mean 0, std 1): what they were trained with.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from .conditioners import Conditioner, ConditionerConfig, Conditioning
from .dit import DiT, DiTConfig
from .sampling import add_noise, v_target


class DiffusionModel(nn.Module):
    """``conditioner`` builds the cross-attention tokens; ``dit`` predicts v on standardised
    latents (:meth:`normalise` / :meth:`denormalise`)."""

    # State that older weight files lack; loading keeps the model's (identity) values.
    OPTIONAL_STATE = ("latent_mean", "latent_std")
    latent_mean: torch.Tensor  # buffers, (channels,)
    latent_std: torch.Tensor
    MIN_STD = 1e-3  # a (nearly) constant channel is not blown up

    def __init__(self, dit: DiTConfig, conditioner: ConditionerConfig) -> None:
        super().__init__()
        if dit.cond_dim != conditioner.cond_dim or dit.global_dim != conditioner.global_dim:
            raise ValueError(
                f"DiT cond/global dims ({dit.cond_dim}, {dit.global_dim}) differ from the "
                f"conditioner's ({conditioner.cond_dim}, {conditioner.global_dim})"
            )
        self.conditioner = Conditioner(conditioner)
        self.dit = DiT(dit)
        c = dit.latent_channels
        self.register_buffer("latent_mean", torch.zeros(c))
        self.register_buffer("latent_std", torch.ones(c))

    def set_latent_stats(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        """Per-channel mean and standard deviation of the codec latents it will model."""
        c = self.latent_mean.numel()
        mean, std = torch.as_tensor(mean).float().flatten(), torch.as_tensor(std).float().flatten()
        if mean.numel() != c or std.numel() != c:
            raise ValueError(f"latent stats need {c} channels, got {mean.numel()}/{std.numel()}")
        if not (torch.isfinite(mean).all() and torch.isfinite(std).all()):
            raise ValueError("latent stats are not finite")
        with torch.no_grad():
            self.latent_mean.copy_(mean)
            self.latent_std.copy_(std.clamp_min(self.MIN_STD))

    def normalise(self, latents: torch.Tensor) -> torch.Tensor:
        """Codec latents (B, C, T) → the standardised space the DiT works in."""
        return (latents - self.latent_mean[:, None]) / self.latent_std[:, None]

    def denormalise(self, x: torch.Tensor) -> torch.Tensor:
        """The DiT's samples → codec latents."""
        return x * self.latent_std[:, None] + self.latent_mean[:, None]

    def condition(
        self,
        text: torch.Tensor,
        text_mask: torch.Tensor,
        numbers: Mapping[str, torch.Tensor],
        states: torch.Tensor | None = None,
        has_path: torch.Tensor | None = None,
    ) -> Conditioning:
        return self.conditioner(text, text_mask, numbers, states, has_path)

    def forward(self, x: torch.Tensor, t: torch.Tensor, cond: Conditioning) -> torch.Tensor:
        """v prediction for latents ``x`` (B, C, T) at times ``t`` (B,)."""
        return self.dit(x, t, cond.tokens, cond.mask, cond.global_embed)

    def loss(
        self,
        x0: torch.Tensor,
        cond: Conditioning,
        generator: torch.Generator | None = None,
        t: torch.Tensor | None = None,
        noise: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """The v-objective MSE for clean codec latents ``x0`` (B, C, T) at random (or given)
        times and noise, on the standardised latents."""
        x0 = self.normalise(x0)
        b = x0.shape[0]
        if t is None:
            t = torch.rand(b, generator=generator, device=x0.device)
        if noise is None:
            noise = torch.randn(x0.shape, generator=generator, device=x0.device)
        v = self(add_noise(x0, noise, t), t, cond)
        return (v - v_target(x0, noise, t)).pow(2).mean()
