"""Exponential moving average of a model's weights (the weights that get exported)."""

from __future__ import annotations

import torch
from torch import nn


class Ema:
    """Shadow copy of every floating-point tensor in ``model.state_dict()``, in float32.

    The effective decay warms up as ``min(decay, (1 + n) / (10 + n))`` over the first
    updates, so an early export is not dominated by the random initialisation.
    """

    def __init__(self, model: nn.Module, decay: float = 0.999) -> None:
        self.decay = decay
        self.updates = 0
        self.shadow = {
            k: v.detach().float().clone()
            for k, v in model.state_dict().items()
            if v.dtype.is_floating_point
        }

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        self.updates += 1
        d = min(self.decay, (1 + self.updates) / (10 + self.updates))
        for k, v in model.state_dict().items():
            if k in self.shadow:
                shadow = self.shadow[k]
                if shadow.device != v.device:  # the model moved (e.g. to a GPU) after set-up
                    shadow = self.shadow[k] = shadow.to(v.device)
                shadow.lerp_(v.detach().float(), 1.0 - d)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return dict(self.shadow)

    def load_state_dict(self, state: dict[str, torch.Tensor], updates: int) -> None:
        missing = set(self.shadow) - set(state)
        if missing:
            raise KeyError(f"EMA state lacks {sorted(missing)[0]!r}")
        self.shadow = {k: state[k].float().clone() for k in self.shadow}
        self.updates = updates

    def model_state(self, model: nn.Module) -> dict[str, torch.Tensor]:
        """``model.state_dict()`` with the EMA weights in place (dtypes of the model)."""
        out = {}
        for k, v in model.state_dict().items():
            out[k] = self.shadow[k].to(device=v.device, dtype=v.dtype) if k in self.shadow else v
        return out
