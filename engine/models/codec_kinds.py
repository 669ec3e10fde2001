"""The codec kinds a model can hold, and the one place that turns a kind into a class.

- ``foa``: the papers' 4-channel VAE (:class:`~.codec.FoaCodec`), which learns direction.
- ``factored``: a mono VAE for W plus measured DirAC direction channels
  (:class:`~.factored_codec.FactoredCodec`), which keeps direction exactly.

Both encode ``(batch, 4, samples)`` AmbiX to ``(batch, latent_channels, frames)`` and decode
back, with the same ``config`` attributes (``latent_channels``, ``sample_rate``, ``hop``,
``latent_rate``), so the DiT, sampling, training and evaluation use either unchanged. On disk
a codec's JSON names its kind; JSON without one is the ``foa`` kind (files from before kinds).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import nn

from .codec import CODEC_PRESETS, CodecConfig, FoaCodec
from .factored_codec import FACTORED_PRESETS, FactoredCodec, FactoredCodecConfig

AnyCodec = FoaCodec | FactoredCodec
AnyCodecConfig = CodecConfig | FactoredCodecConfig
DEFAULT_KIND = "foa"


@dataclass(frozen=True)
class CodecKind:
    """A codec kind: its name, config and model classes, presets and a one-line summary."""

    name: str
    config: Any  # the config dataclass (a class with ``from_dict``)
    model: Callable[[Any], nn.Module]
    presets: dict[str, Any]
    summary: str


KINDS: dict[str, CodecKind] = {
    "foa": CodecKind(
        "foa",
        CodecConfig,
        FoaCodec,
        CODEC_PRESETS,
        "4-channel VAE that learns direction (SonicMotion)",
    ),
    "factored": CodecKind(
        "factored",
        FactoredCodecConfig,
        FactoredCodec,
        FACTORED_PRESETS,
        "mono VAE for W + DirAC direction channels (exact direction)",
    ),
}

# Every preset name of every kind (names are unique across kinds).
CODEC_PRESET_NAMES: dict[str, AnyCodecConfig] = {
    name: cfg for kind in KINDS.values() for name, cfg in kind.presets.items()
}


def kind_of(config: AnyCodecConfig) -> str:
    """The kind name of a codec config (or of a codec's ``config``)."""
    for kind in KINDS.values():
        if isinstance(config, kind.config):
            return kind.name
    raise TypeError(f"not a codec config: {type(config).__name__}")


def format_version(config: AnyCodecConfig) -> int:
    """The oldest bundle format version that describes ``config``: 1 for the 4-channel
    codec (read by Ambisketch from before kinds), 2 for other kinds, 3 for a factored codec
    with envelope channels (older Ambisketch would not know what to do with them)."""
    if kind_of(config) == DEFAULT_KIND:
        return 1
    return 3 if getattr(config, "envelope_bands", 0) else 2


def get_kind(name: object) -> CodecKind:
    """The kind called ``name``; ``ValueError`` listing the known ones otherwise."""
    if not isinstance(name, str) or name not in KINDS:
        raise ValueError(f"unknown codec kind {name!r} (known: {', '.join(KINDS)})")
    return KINDS[name]


def build_codec(config: AnyCodecConfig) -> AnyCodec:
    """A freshly initialised codec of the config's kind."""
    return KINDS[kind_of(config)].model(config)  # type: ignore[return-value]


def codec_config_from_dict(data: dict[str, Any], kind: str | None = None) -> AnyCodecConfig:
    """A codec config from JSON: ``kind`` (or a ``"kind"`` key in ``data``; else ``foa``).

    Raises ``ValueError``/``TypeError`` naming an unknown kind or key."""
    if not isinstance(data, dict):
        raise TypeError(f"a codec config must be a JSON object, got {type(data).__name__}")
    body = dict(data)
    name = body.pop("kind", None) if kind is None else kind
    body.pop("kind", None)
    return get_kind(name or DEFAULT_KIND).config.from_dict(body)


def codec_config_to_dict(config: AnyCodecConfig) -> dict[str, Any]:
    """JSON of a codec config with its ``"kind"`` (read back by :func:`codec_config_from_dict`)."""
    return {"kind": kind_of(config), **config.to_dict()}


def codec_preset(name: str) -> AnyCodecConfig:
    """The codec config of a preset of any kind (``small``, ``factored-small``, …)."""
    if name not in CODEC_PRESET_NAMES:
        raise ValueError(f"unknown codec preset {name!r} (known: {', '.join(CODEC_PRESET_NAMES)})")
    return CODEC_PRESET_NAMES[name]
