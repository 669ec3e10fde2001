"""Configuration of a codec training run (a dataclass, stored as JSON in the run folder)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar

from ambisketch.engine.errors import EngineError
from ambisketch.engine.json_types import JSONObject
from ambisketch.engine.models.codec import CODEC_PRESETS, CodecConfig
from ambisketch.engine.models.codec_kinds import (
    AnyCodecConfig,
    codec_config_from_dict,
    codec_config_to_dict,
    codec_preset,
)
from ambisketch.engine.models.factored_codec import FACTORED_PRESETS

T = TypeVar("T")


class TrainingConfigError(EngineError):
    """A training configuration file or value is invalid."""


def check_settings(cls: type, data: JSONObject) -> None:
    """Refuse keys that are not fields of the config dataclass ``cls``, naming the first."""
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise TrainingConfigError(
            f"unknown training setting {unknown[0]!r} (known: {', '.join(sorted(known))})"
        )


@dataclass(frozen=True)
class CodecTrainConfig:
    """Everything that decides a codec run. Loss weights follow stable-audio-tools' VAE
    (MRSTFT 1, adversarial 0.1, feature matching 5, KL 1e-4) plus our direction terms.
    ``codec`` is a config of either kind (:mod:`~ambisketch.engine.models.codec_kinds`); a
    factored codec trains only its W VAE, so the direction weight does not apply to it."""

    codec: AnyCodecConfig = field(default_factory=CodecConfig)
    batch_size: int = 8
    crop_seconds: float = 2.0
    lr: float = 1.5e-4
    disc_lr: float = 3e-4
    betas: tuple[float, float] = (0.8, 0.99)
    weight_decay: float = 1e-3
    ema_decay: float = 0.999
    grad_clip: float = 10.0
    kl_weight: float = 1e-4
    spectral_weight: float = 1.0
    direction_weight: float = 1.0
    time_weight: float = 0.1
    adversarial_weight: float = 0.1
    feature_matching_weight: float = 5.0
    adversarial_after: int = 5000
    disc_channels: int = 16
    checkpoint_every: int = 250
    log_every: int = 10
    seed: int = 0
    num_workers: int = 0

    @property
    def crop_samples(self) -> int:
        """Crop length rounded down to whole latent frames."""
        hop = self.codec.hop
        return max(hop, int(self.crop_seconds * self.codec.sample_rate) // hop * hop)

    def to_dict(self) -> JSONObject:
        d = asdict(self)
        d["codec"] = codec_config_to_dict(self.codec)
        d["betas"] = list(self.betas)
        return d

    @classmethod
    def from_dict(cls, data: JSONObject) -> CodecTrainConfig:
        check_settings(cls, data)
        data = dict(data)
        try:
            if "codec" in data:
                codec = data["codec"]
                data["codec"] = (
                    codec_preset(codec) if isinstance(codec, str) else codec_config_from_dict(codec)
                )
            if "betas" in data:
                data["betas"] = tuple(data["betas"])
            return cls(**data)
        except (KeyError, TypeError, ValueError) as exc:
            raise TrainingConfigError(f"invalid codec training config: {exc}") from None


TRAIN_PRESETS: dict[str, CodecTrainConfig] = {
    # Seconds per step on a CPU: tests and smoke runs.
    "tiny": CodecTrainConfig(
        codec=CODEC_PRESETS["tiny"],
        batch_size=2,
        crop_seconds=0.25,
        lr=1e-3,
        disc_lr=1e-3,
        adversarial_after=100,
        disc_channels=4,
        checkpoint_every=50,
        log_every=10,
    ),
    # The starter codec: ≈ 1.3 s per step on a 2-core CPU, much faster on a GPU.
    "small": CodecTrainConfig(),
    # The papers' size (one large GPU): batch 32 of 2 s crops, discriminator from 10k steps.
    "paper": CodecTrainConfig(
        codec=CODEC_PRESETS["paper"],
        batch_size=32,
        ema_decay=0.9999,
        adversarial_after=10000,
        disc_channels=32,
        checkpoint_every=1000,
        log_every=50,
    ),
    # The factored kind (mono VAE for W + DirAC direction channels), same sizes and settings.
    "factored-tiny": CodecTrainConfig(
        codec=FACTORED_PRESETS["factored-tiny"],
        batch_size=2,
        crop_seconds=0.25,
        lr=1e-3,
        disc_lr=1e-3,
        adversarial_after=100,
        disc_channels=4,
        checkpoint_every=50,
        log_every=10,
    ),
    "factored-small": CodecTrainConfig(codec=FACTORED_PRESETS["factored-small"]),
    "factored-small-48k": CodecTrainConfig(codec=FACTORED_PRESETS["factored-small-48k"]),
    "factored-paper": CodecTrainConfig(
        codec=FACTORED_PRESETS["factored-paper"],
        batch_size=32,
        ema_decay=0.9999,
        adversarial_after=10000,
        disc_channels=32,
        checkpoint_every=1000,
        log_every=50,
    ),
}


def resolve_config(
    spec: str, presets: dict[str, T], load: Callable[[JSONObject], T], **overrides: Any
) -> T:
    """A preset name or a JSON file of settings (read with ``load``); ``overrides`` (non-None
    values) replace fields. Problems are one-line :class:`TrainingConfigError` s."""
    if spec in presets:
        cfg = presets[spec]
    else:
        path = Path(spec)
        if not path.is_file():
            raise TrainingConfigError(
                f"unknown config {spec!r}: not a preset ({', '.join(presets)}) and no such file"
            )
        try:
            cfg = load(json.loads(path.read_text(encoding="utf-8")))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise TrainingConfigError(f"{path}: not valid JSON ({exc})") from None
        except TrainingConfigError as exc:
            raise TrainingConfigError(f"{path}: {exc}") from None
    changes = {k: v for k, v in overrides.items() if v is not None}
    try:
        return replace(cfg, **changes) if changes else cfg  # type: ignore[type-var]
    except ValueError as exc:
        raise TrainingConfigError(f"invalid training setting: {exc}") from None


def resolve_train_config(spec: str, **overrides: Any) -> CodecTrainConfig:
    """A codec preset name or a JSON file; ``overrides`` (non-None values) replace fields."""
    return resolve_config(spec, TRAIN_PRESETS, CodecTrainConfig.from_dict, **overrides)
