"""A generator model on disk: one folder, JSON + safetensors, never a pickle.

::

    BUNDLE/
      model.json         format name and version, the codec's kind and the codec, DiT and
                         conditioner configs, sample rate, clip length, text encoder id,
                         training data summary
      codec.safetensors  the FOA codec
      dit.safetensors    the conditioned DiT (conditioner.* and dit.* tensors)
      MODEL_CARD.md      what the model is, what it was trained on, its licence

Loading is strict: a missing file, an unknown format, a newer version, an invalid config,
a codec that does not fit the DiT, or any missing, unexpected or mis-shaped tensor is a
:class:`~ambisketch.engine.errors.ModelLoadError` whose one-line message names the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ambisketch import __version__

from ..errors import ModelLoadError
from ..files import atomic_folder
from .codec_kinds import (
    DEFAULT_KIND,
    AnyCodec,
    AnyCodecConfig,
    build_codec,
    format_version,
    get_kind,
    kind_of,
)
from .conditioners import ConditionerConfig
from .configs import read_versioned_json
from .diffusion import DiffusionModel
from .dit import DiTConfig
from .timbre import TimbreConfig, TimbreModel
from .weights import load_state_strict, load_weights, save_weights

BUNDLE_FORMAT = "ambisketch-model"
BUNDLE_FORMAT_VERSION = 3  # 2: codec kinds ("codec_kind"); 3: W envelope channels. A bundle
# is written with the oldest version that describes it (codec_kinds.format_version), so a
# bundle with the 4-channel "foa" codec is still 1, readable by older Ambisketch.
META_FILE, CODEC_FILE, DIT_FILE, CARD_FILE = (
    "model.json",
    "codec.safetensors",
    "dit.safetensors",
    "MODEL_CARD.md",
)
BUNDLE_FILES = (META_FILE, CODEC_FILE, DIT_FILE, CARD_FILE)
TIMBRE_FILE = "timbre.safetensors"  # optional: the timbre prior (.timbre), named in model.json


@dataclass(frozen=True)
class BundleInfo:
    """What ``model.json`` says besides the configs."""

    clip_seconds: float
    text_encoder: str
    text_max_tokens: int = 64
    training_data: dict[str, Any] = field(default_factory=dict)
    name: str = ""
    defaults: dict[str, Any] = field(default_factory=dict)  # steps, cfg, sampler


@dataclass
class ModelBundle:
    """A loaded (or to-be-saved) generator: codec + conditioned DiT + what describes them."""

    codec: AnyCodec
    model: DiffusionModel
    info: BundleInfo
    card: str = ""
    path: Path | None = None
    timbre: TimbreModel | None = None  # the prompt's spectral shape (.timbre), if trained

    @property
    def sample_rate(self) -> int:
        return self.codec.config.sample_rate

    @property
    def latent_rate(self) -> float:
        return self.codec.config.latent_rate

    @property
    def clip_frames(self) -> int:
        """Latent frames of a full-length clip."""
        return int(round(self.info.clip_seconds * self.latent_rate))


def _check_fit(codec: AnyCodecConfig, dit: DiTConfig, cond: ConditionerConfig, where: str) -> None:
    if codec.latent_channels != dit.latent_channels:
        raise ModelLoadError(
            f"{where}: the codec has {codec.latent_channels} latent channels, "
            f"the DiT expects {dit.latent_channels}"
        )
    if dit.cond_dim != cond.cond_dim or dit.global_dim != cond.global_dim:
        raise ModelLoadError(
            f"{where}: the DiT's conditioning sizes ({dit.cond_dim}, "
            f"{dit.global_dim}) differ from the conditioner's "
            f"({cond.cond_dim}, {cond.global_dim})"
        )


def save_bundle(
    out_dir: str | Path, bundle: ModelBundle, *, overwrite: bool = False, half: bool = False
) -> Path:
    """Write ``bundle`` as a folder atomically (staged next to it, then renamed).

    ``half`` stores the floating-point weights as float16 (half the size); loading upcasts
    them to float32."""
    out = Path(out_dir)
    if out.exists() and not overwrite:
        raise ModelLoadError(f"{out}: already exists (use --force to replace it)")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise ModelLoadError(f"{out}: folder {parent} does not exist")
    dit_cfg, cond_cfg = bundle.model.dit.config, bundle.model.conditioner.config
    _check_fit(bundle.codec.config, dit_cfg, cond_cfg, str(out))
    info = bundle.info
    kind = kind_of(bundle.codec.config)
    meta = {
        "format": BUNDLE_FORMAT,
        "version": format_version(bundle.codec.config),
        "ambisketch_version": __version__,
        "name": info.name,
        "codec_kind": kind,
        "sample_rate": bundle.codec.config.sample_rate,
        "clip_seconds": info.clip_seconds,
        "text_encoder": {"id": info.text_encoder, "max_tokens": info.text_max_tokens},
        "codec": bundle.codec.config.to_dict(),
        "dit": dit_cfg.to_dict(),
        "conditioner": cond_cfg.to_dict(),
        "training_data": info.training_data,
        "defaults": info.defaults,
        "dtype": "float16" if half else "float32",
        **({"timbre": bundle.timbre.config.to_dict()} if bundle.timbre is not None else {}),
    }
    card = bundle.card or (
        f"# {info.name or 'Ambisketch model'}\n\nAn Ambisketch FOA "
        "generator (codec + diffusion transformer).\n"
    )
    with atomic_folder(out, overwrite=overwrite) as staging:
        save_weights(
            staging / CODEC_FILE,
            _stored(bundle.codec.state_dict(), half),
            {"format": BUNDLE_FORMAT},
        )
        save_weights(
            staging / DIT_FILE, _stored(bundle.model.state_dict(), half), {"format": BUNDLE_FORMAT}
        )
        if bundle.timbre is not None:
            save_weights(
                staging / TIMBRE_FILE,
                _stored(bundle.timbre.state_dict(), half),
                {"format": BUNDLE_FORMAT},
            )
        (staging / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        (staging / CARD_FILE).write_text(card, encoding="utf-8")
    return out


def read_bundle_meta(path: str | Path) -> dict[str, Any]:
    """The checked ``model.json`` of a bundle folder (every file must be there)."""
    folder = Path(path)
    if not folder.is_dir():
        raise ModelLoadError(f"{folder}: no such model folder")
    meta_path = folder / META_FILE
    if not meta_path.is_file():
        raise ModelLoadError(f"{folder}: not a model bundle (no {META_FILE})")
    for name in BUNDLE_FILES[1:]:
        if not (folder / name).is_file():
            raise ModelLoadError(f"{folder / name}: missing from the model bundle")
    return read_versioned_json(meta_path, BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, "model")


def load_bundle(path: str | Path, device: str | torch.device = "cpu") -> ModelBundle:
    """Load a bundle folder: eval-mode codec and conditioned DiT on ``device`` (float32)."""
    folder = Path(path)
    meta = read_bundle_meta(folder)
    meta_path = folder / META_FILE
    try:
        codec_cfg = get_kind(meta.get("codec_kind", DEFAULT_KIND)).config.from_dict(meta["codec"])
        dit_cfg = DiTConfig.from_dict(meta["dit"])
        cond_cfg = ConditionerConfig.from_dict(meta["conditioner"])
        enc = meta["text_encoder"]
        info = BundleInfo(
            clip_seconds=float(meta["clip_seconds"]),
            text_encoder=str(enc["id"]),
            text_max_tokens=int(enc.get("max_tokens", 64)),
            training_data=dict(meta.get("training_data") or {}),
            name=str(meta.get("name") or ""),
            defaults=dict(meta.get("defaults") or {}),
        )
    except (KeyError, TypeError, ValueError) as exc:
        what = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ModelLoadError(f"{meta_path}: invalid model description ({what})") from None
    if meta.get("sample_rate") != codec_cfg.sample_rate:
        raise ModelLoadError(
            f"{meta_path}: sample_rate {meta.get('sample_rate')!r} differs from "
            f"the codec's {codec_cfg.sample_rate}"
        )
    if not 0 < info.clip_seconds <= cond_cfg.max_seconds + 1e-6:
        raise ModelLoadError(
            f"{meta_path}: clip_seconds {info.clip_seconds:g} must be in "
            f"(0, {cond_cfg.max_seconds:g}]"
        )
    _check_fit(codec_cfg, dit_cfg, cond_cfg, str(meta_path))
    codec = build_codec(codec_cfg)
    load_state_strict(codec, _float(load_weights(folder / CODEC_FILE)), str(folder / CODEC_FILE))
    model = DiffusionModel(dit_cfg, cond_cfg)
    load_state_strict(model, _float(load_weights(folder / DIT_FILE)), str(folder / DIT_FILE))
    card = (folder / CARD_FILE).read_text(encoding="utf-8", errors="replace")
    timbre = _load_timbre(folder, meta.get("timbre"))
    return ModelBundle(codec.to(device).eval(), model.to(device).eval(), info, card, folder, timbre)


def _load_timbre(folder: Path, described: object) -> TimbreModel | None:
    """The bundle's timbre prior, when ``model.json`` names one."""
    if described is None:
        return None
    path = folder / TIMBRE_FILE
    try:
        config = TimbreConfig.from_dict(dict(described))  # type: ignore[call-overload]
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelLoadError(f"{folder / META_FILE}: invalid timbre description ({exc})") from None
    if not path.is_file():
        raise ModelLoadError(f"{path}: missing from the model bundle (model.json names it)")
    timbre = TimbreModel(config)
    load_state_strict(timbre, _float(load_weights(path)), str(path))
    return timbre.eval()


def _stored(state: dict[str, torch.Tensor], half: bool) -> dict[str, torch.Tensor]:
    if not half:
        return state
    return {k: v.half() if v.is_floating_point() else v for k, v in state.items()}


def _float(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.float() if v.is_floating_point() else v for k, v in state.items()}


def new_bundle(
    codec: AnyCodecConfig,
    dit: DiTConfig,
    conditioner: ConditionerConfig,
    *,
    clip_seconds: float,
    text_encoder: str = "minilm-l6-v2",
    seed: int = 0,
    name: str = "untrained",
) -> ModelBundle:
    """A freshly initialised (untrained) bundle: the start of training, tests, benchmarks."""
    if conditioner.max_seconds < clip_seconds:
        from dataclasses import replace

        conditioner = replace(conditioner, max_seconds=clip_seconds)
    _check_fit(codec, dit, conditioner, name)
    torch.manual_seed(seed)
    return ModelBundle(
        build_codec(codec).eval(),
        DiffusionModel(dit, conditioner).eval(),
        BundleInfo(clip_seconds=clip_seconds, text_encoder=text_encoder, name=name),
    )
