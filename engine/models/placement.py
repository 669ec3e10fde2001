"""Placement: where a generated take's sound comes from, and holding it on a path.

Three ways, named in requests, sidecars and the take list:

- ``held`` — with a factored codec a path *is* a set of latent channels (the DirAC band
  vectors). At every sampler step the band vectors of the denoised estimate are turned onto
  the path; their length, the band's directness 1 − ψ, stays the model's. The DiT then
  generates W and the diffuseness *around* the path, and the take follows it exactly, fast
  paths included. A wrapper around the denoiser (:class:`DirectionHold`), so every sampler
  gets it without knowing.
- ``learned`` — the model's own placement (what it learned from the path or the words).
- ``locked`` — the DSP path lock after sampling
  (:func:`~ambisketch.engine.spatial.path_lock.lock_to_path`); the only exact placement for
  the 4-channel ``foa`` codec, whose latents do not hold a direction one can turn.

Denoiser wrappers compose: each takes a VE denoiser ``(x, sigma) → x₀`` on the DiT's
standardised latents and returns one (see :func:`wrap_denoiser`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..spatial.angles import to_cartesian
from ..spatial.trajectory import Trajectory

if TYPE_CHECKING:  # torch only where the hold runs: the re-path and take list import this
    import torch

    from .diffusion import DiffusionModel
    from .factored_codec import FactoredCodec
    from .sampling import Denoiser

PLACEMENTS = ("held", "learned", "locked")
DenoiserWrapper = Callable[["Denoiser"], "Denoiser"]


def wrap_denoiser(denoise: Denoiser, wrappers: Sequence[DenoiserWrapper]) -> Denoiser:
    """``denoise`` wrapped by each of ``wrappers`` in turn (the last one is outermost)."""
    for wrap in wrappers:
        denoise = wrap(denoise)
    return denoise


def path_directions(trajectory: Trajectory, frames: int, hop: int, rate: float) -> np.ndarray:
    """Unit vectors (x, y, z) of ``trajectory`` at each latent frame centre, ``(3, frames)``
    (after the path's end its last position holds)."""
    times = (np.arange(frames) + 0.5) * hop / float(rate)
    az, el, _ = trajectory.sample(times, unwrap=False)
    return to_cartesian(az, el)


def steer_vectors(vectors: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Band vectors ``(..., bands, 3, frames)`` turned onto ``directions`` (3, frames), their
    lengths kept (numpy; the re-path and tests use it)."""
    norms = np.linalg.norm(vectors, axis=-2, keepdims=True)
    return norms * directions


class DirectionHold:
    """Holds the direction channels of standardised latents on a path.

    Args:
        trajectory: the path (already at the take's length).
        frames: latent frames of the sampled window.
        mono_channels: W latent channels before the direction channels.
        hop, rate: the codec's frame hop and sample rate.
        mean, std: the DiT's per-channel latent standardisation
            (:meth:`~.diffusion.DiffusionModel.normalise`), ``(channels,)``.
        direction_channels: how many channels from ``mono_channels`` on are directions
            (what follows them — an envelope — is left alone); default: all the rest.

    Called on a denoiser it returns the held denoiser; :meth:`project` holds a latent.
    """

    def __init__(
        self,
        trajectory: Trajectory,
        frames: int,
        mono_channels: int,
        hop: int,
        rate: float,
        mean: torch.Tensor,
        std: torch.Tensor,
        direction_channels: int | None = None,
    ) -> None:
        self.trajectory = trajectory
        import torch

        self.m = int(mono_channels)
        total = mean.numel()
        self.end = total if direction_channels is None else self.m + int(direction_channels)
        d = path_directions(trajectory, frames, hop, rate)
        self.directions = torch.from_numpy(d).float()  # (3, frames)
        self.mean = mean.detach().float().flatten()[self.m : self.end]
        self.std = std.detach().float().flatten()[self.m : self.end]
        if self.mean.numel() % 3 or self.mean.numel() == 0:
            raise ValueError(f"{self.mean.numel()} direction channels are not 3 per band")

    @classmethod
    def for_model(
        cls, trajectory: Trajectory, frames: int, codec: FactoredCodec, model: DiffusionModel
    ) -> DirectionHold:
        """The hold for a factored ``codec`` and a :class:`~.diffusion.DiffusionModel`."""
        cfg = codec.config
        return cls(
            trajectory,
            frames,
            cfg.mono.latent_channels,
            cfg.hop,
            cfg.sample_rate,
            model.latent_mean,
            model.latent_std,
            cfg.direction_channels,
        )

    def project(self, x: torch.Tensor) -> torch.Tensor:
        """Standardised latents ``(batch, channels, frames)`` with every band vector turned
        onto the path, its length kept (the scale of the vectors is common to all
        channels, so the length in codec units is the directness 1 − ψ times it)."""
        import torch

        m, end = self.m, self.end
        b, _, frames = x.shape
        mean = self.mean.to(x)[:, None]
        std = self.std.to(x)[:, None]
        v = (x[:, m:end] * std + mean).reshape(b, -1, 3, frames)
        path = self.directions.to(x)[None, None, :, :frames]
        steered = (v.norm(dim=2, keepdim=True) * path).reshape(b, -1, frames)
        return torch.cat([x[:, :m], (steered - mean) / std, x[:, end:]], dim=1)

    def __call__(self, denoise: Denoiser) -> Denoiser:
        def held(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
            return self.project(denoise(x, sigma))

        return held
