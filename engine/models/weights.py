"""Weights on disk: safetensors only (never pickle), loaded strictly.

stable-audio-tools silently skips shape-mismatched keys when fine-tuning from a checkpoint
(model-facts.md); here every missing, unexpected or mis-shaped tensor is an error that names it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from ..errors import ModelLoadError
from ..files import atomic_target


def load_state_strict(model: nn.Module, state: dict[str, torch.Tensor], source: str) -> None:
    """Copy ``state`` into ``model``; raise :class:`ModelLoadError` on any mismatch. Names in
    the model's ``OPTIONAL_STATE`` (added after files were written) keep the model's values
    when the file lacks them."""
    expected = model.state_dict()
    for name, tensor in state.items():
        if name not in expected:
            raise ModelLoadError(f"{source}: unexpected tensor {name!r} (not in this model)")
        if tuple(tensor.shape) != tuple(expected[name].shape):
            raise ModelLoadError(
                f"{source}: tensor {name!r} has shape {tuple(tensor.shape)}, "
                f"the model expects {tuple(expected[name].shape)}"
            )
    optional = {n for n in expected if n.rsplit(".", 1)[-1] in getattr(model, "OPTIONAL_STATE", ())}
    if any(n in optional for n in expected if n not in state):  # an older file: keep defaults
        state = {**{n: expected[n] for n in optional}, **state}
    missing = [n for n in expected if n not in state]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise ModelLoadError(f"{source}: tensor {missing[0]!r} is missing{more}")
    model.load_state_dict(state, strict=True)


def save_weights(
    path: str | Path, state: dict[str, torch.Tensor], metadata: dict[str, Any] | None = None
) -> Path:
    """Write a safetensors file atomically; ``metadata`` is stored as JSON strings."""
    p = Path(path)
    meta = {k: v if isinstance(v, str) else json.dumps(v) for k, v in (metadata or {}).items()}
    tensors = {k: v.detach().contiguous().cpu() for k, v in state.items()}
    with atomic_target(p) as tmp:
        save_file(tensors, str(tmp), metadata=meta)
    return p


def load_weights(path: str | Path) -> dict[str, torch.Tensor]:
    """Read a safetensors file (CPU tensors); a missing or corrupt file is a ModelLoadError."""
    p = Path(path)
    if not p.is_file():
        raise ModelLoadError(f"{p}: no such file")
    try:
        return load_file(str(p), device="cpu")
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelLoadError(f"{p}: not a readable safetensors file ({exc})") from None
