"""Sampling from given latents: SDEdit's start level and the inpainting mask.

A :class:`LatentStart` changes three things of a generation and nothing else:

- the schedule (:meth:`LatentStart.sigmas`): the sampler's ``steps`` levels run from the
  strength's noise level down, instead of from σ_max (Stable Audio's ``init_noise_level``);
- the start (:meth:`LatentStart.initial`): the given latents plus the sampler's first noise
  draw scaled to that level (SDEdit, Meng et al. 2022);
- the denoiser (:meth:`LatentStart.wrap`): where ``keep`` is set, the model sees the given
  latents re-noised to each step's level and its prediction there is replaced by them
  (the "replacement" inpainting of diffusion models), so the kept frames come out exactly as
  given and the regenerated ones are denoised in their context.

Levels are VE σ (x = x₀ + σ·ε on the DiT's standardised latents, see :mod:`.sampling`); the
strength S is the VP time, σ = tan(πS/2). S at or above the schedule's σ_max (S ≥ 0.9987)
is plain generation: the start latents then matter only where they are kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .codec_kinds import AnyCodec
from .sampling import Denoiser, log_linear_sigmas

SIGMA_MAX = 500.0
SIGMA_MIN = 0.3


def strength_sigma(strength: float) -> float:
    """The VE noise level of a strength S ∈ [0, 1]: tan(πS/2) (∞ at S = 1)."""
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must be in [0, 1], got {strength!r}")
    return math.inf if strength >= 1.0 else math.tan(math.pi * strength / 2)


@dataclass
class LatentStart:
    """Start latents ``x0`` (B or 1, C, T) in the DiT's standardised space, a ``strength``,
    and an optional ``keep`` mask (B or 1, 1 or C, T) bool: True where frames are kept."""

    x0: torch.Tensor
    strength: float = 1.0
    keep: torch.Tensor | None = None
    sigma_max: float = SIGMA_MAX
    sigma_min: float = SIGMA_MIN

    @property
    def plain(self) -> bool:
        """True when the strength is full noise (the schedule of a plain generation)."""
        return strength_sigma(self.strength) >= self.sigma_max

    def sigmas(self, steps: int, device: torch.device | str = "cpu") -> torch.Tensor:
        """The decreasing schedule ending in 0: ``steps`` log-spaced levels from the
        strength's level to σ_min, or just ``[σ, 0]`` below σ_min, or ``[0]`` at S = 0."""
        if self.plain:
            return log_linear_sigmas(steps, self.sigma_max, self.sigma_min, device=device)
        top = strength_sigma(self.strength)
        if top <= 0.0:
            return torch.zeros(1, dtype=torch.float64, device=device)
        if top <= self.sigma_min * 1.0001:
            return torch.tensor([top, 0.0], dtype=torch.float64, device=device)
        return log_linear_sigmas(steps, top, self.sigma_min, device=device)

    def initial(self, noise: torch.Tensor) -> torch.Tensor:
        """The sampler's start: ``noise`` is the first draw already scaled to the first level
        (what a plain generation starts from); SDEdit adds the start latents to it."""
        if self.plain:
            return noise
        return self.x0.to(noise) + noise

    def wrap(self, denoise: Denoiser, generator: torch.Generator | None = None) -> Denoiser:
        """``denoise`` with the kept frames pinned (unchanged when there is no mask).

        The noise that re-noises the kept frames is one draw for the whole run (from
        ``generator``), scaled to each step's level, so the kept part follows one consistent
        noising path as a generated one would."""
        if self.keep is None:
            return denoise
        keep = self.keep
        x0 = self.x0
        eps: list[torch.Tensor] = []

        def pinned(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
            k = keep.to(x.device)
            ref = x0.to(x)
            if not eps:
                shape = torch.broadcast_shapes(x.shape, ref.shape)
                device = generator.device if generator is not None else x.device
                eps.append(
                    torch.randn(shape, generator=generator, device=device, dtype=x.dtype).to(
                        x.device
                    )
                )
            s = sigma.to(x.dtype).view(-1, *([1] * (x.dim() - 1)))
            known = ref + s * eps[0]
            out = denoise(torch.where(k, known, x), sigma)
            return torch.where(k, ref.expand_as(out), out)

        return pinned


def frame_mask(
    frames: int, latent_rate: float, start: float, end: float, device: torch.device | str = "cpu"
) -> torch.Tensor:
    """``(1, 1, frames)`` bool, True for the frames to KEEP: every frame whose span does not
    touch [start, end) seconds (a regenerated range covers each frame it overlaps)."""
    lo = max(0, int(math.floor(start * latent_rate)))
    hi = min(frames, int(math.ceil(end * latent_rate)))
    keep = torch.ones(1, 1, frames, dtype=torch.bool, device=device)
    keep[..., lo:hi] = False
    return keep


def encode_foa(codec: AnyCodec, foa: torch.Tensor, frames: int) -> torch.Tensor:
    """Codec latents ``(B, C, frames)`` of AmbiX ``(B, 4, samples)``: zero-padded (or cut)
    to ``frames`` latent frames, encoded in chunks (the posterior mean)."""
    hop = codec.config.hop
    n = frames * hop
    if foa.shape[-1] < n:
        foa = torch.nn.functional.pad(foa, (0, n - foa.shape[-1]))
    with torch.no_grad():
        z = codec.encode_chunked(foa[..., :n])
    return z[..., :frames]
