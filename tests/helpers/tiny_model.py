"""The tiny untrained models the tests generate with: a bundle from the ``tiny`` presets whose
weights are nudged off their initial values (seeded), so every output depends on every part."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import torch

from ambisketch.engine.models.bundle import ModelBundle, new_bundle, save_bundle
from ambisketch.engine.models.codec import CODEC_PRESETS
from ambisketch.engine.models.conditioners import CONDITIONER_PRESETS
from ambisketch.engine.models.dit import DIT_PRESETS
from ambisketch.engine.models.factored_codec import FACTORED_PRESETS

Codec = Literal["foa", "factored"]


def tiny_bundle(codec: Codec = "foa", clip_seconds: float = 1.0, name: str = "tiny") -> ModelBundle:
    """A tiny bundle with the four-channel (``foa``) or the factored W + bands codec."""
    preset = CODEC_PRESETS["tiny"] if codec == "foa" else FACTORED_PRESETS["factored-tiny"]
    b = new_bundle(
        preset,
        DIT_PRESETS["tiny"],
        CONDITIONER_PRESETS["tiny"],
        clip_seconds=clip_seconds,
        name=name,
    )
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in b.model.parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.05)
    return b


def saved_tiny_bundle(
    folder: Path, codec: Codec = "foa", clip_seconds: float = 1.0, name: str = "tiny"
) -> Path:
    """:func:`tiny_bundle` saved as a model folder ``folder``."""
    return save_bundle(folder, tiny_bundle(codec, clip_seconds, name))
