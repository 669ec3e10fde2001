"""Start a generator on a codec with more latent channels than it was trained on.

A DiT trained on a factored codec's W + direction channels can start a run on the same codec
with W's envelope channels added (:mod:`ambisketch.engine.models.envelope`): every weight
that does not touch the latent channels is taken as it is, and the ones that do (the 1×1
mixing convolutions and the input and output projections) keep their trained block, with the
rows and columns of the new channels at zero. At step 0 the model therefore makes exactly
the old channels it made before, and ignores the new inputs until training teaches it to use
them. The new channels' standardisation is measured on the run's data like a new run's.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from ambisketch.engine.models.diffusion import DiffusionModel


def can_expand(old: DiffusionModel, new_config: object) -> bool:
    """Whether ``old`` differs from models of ``new_config`` (a DitTrainConfig) only by
    having fewer latent channels."""
    dit, cond = new_config.dit, new_config.conditioner
    old_dit = old.dit.config
    return (
        old_dit.latent_channels < dit.latent_channels
        and replace(old_dit, latent_channels=dit.latent_channels) == dit
        and old.conditioner.config == cond
    )


def expand_into(
    new: DiffusionModel, old: DiffusionModel, mean: torch.Tensor, std: torch.Tensor
) -> int:
    """Load ``old``'s weights into ``new`` (more latent channels); the new channels' latent
    statistics from ``mean``/``std`` (all channels, as measured). Returns the new count."""
    c_old = old.latent_mean.numel()
    c_new = new.latent_mean.numel()
    target = new.state_dict()
    with torch.no_grad():
        for name, value in old.state_dict().items():
            dest = target[name]
            if dest.shape == value.shape:
                dest.copy_(value)
                continue
            if dest.ndim != value.ndim or any(a < b for a, b in zip(dest.shape, value.shape)):
                raise ValueError(
                    f"{name}: cannot grow {tuple(value.shape)} into {tuple(dest.shape)}"
                )
            dest.zero_()
            dest[tuple(slice(0, n) for n in value.shape)] = value
        target["latent_mean"][c_old:] = mean.flatten()[c_old:].to(target["latent_mean"])
        target["latent_std"][c_old:] = (
            std.flatten()[c_old:].clamp_min(DiffusionModel.MIN_STD).to(target["latent_std"])
        )
    new.load_state_dict(target)
    return c_new - c_old
