"""The starter recipe's sizes and settings: which corpus, configs, budgets and evaluation
each size uses, and what a run was asked to do.

A size names a pair of configs in ``training/recipes/configs/`` (``starter-codec-SIZE.json``,
``starter-dit-SIZE.json``) and everything around them. The codec kind is a setting of its
own: the configs name the factored codec, and ``codec_kind="foa"`` swaps in the 4-channel
codec of the same latent size, so the DiT config fits either.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ambisketch.engine.errors import EngineError
from ambisketch.engine.json_types import JSONObject

from ..build import BuildOptions

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"
CODEC_KINDS = ("factored", "foa")  # engine.models.codec_kinds.KINDS, without importing torch
STAGES = ("corpus", "testset", "codec", "codec-export", "encode", "dit", "eval", "export")
TRAINING_STAGES = ("codec", "dit")
# Measured on the fixed starter test set after equal CPU time (runs/kinds, issue 12): the
# factored codec keeps direction (spatial angle 0.07°) where the 4-channel VAE has not yet
# learned it (82°), and its steps cost about half. Both stay selectable (--codec-kind).
DEFAULT_CODEC_KIND = "factored"
# The same latent size in the other kind: the DiT config fits both.
KIND_TWINS = {
    "factored-small": "small",
    "small": "factored-small",
    "factored-tiny": "tiny",
    "tiny": "factored-tiny",
}
BUNDLE_LIMIT_BYTES = 80_000_000  # what the installer ships; fp16 weights when fp32 is larger


class RecipeError(EngineError):
    """A starter-recipe run cannot go on as asked (settings, work folder, stage order)."""


@dataclass(frozen=True)
class Size:
    """Everything a size decides besides the two configs (see :data:`SIZES`)."""

    name: str
    corpus: BuildOptions
    codec_steps: int
    dit_steps: int
    codec_share: float  # of --hours, for the codec (the DiT gets the rest)
    augmentations: int  # latent-cache passes over the training clips (2 samples per clip)
    room_prob: float
    multi_segment: float
    encode_batch: int
    encode_workers: int
    shard_size: int
    testset_clips: int
    eval_clips: int
    generate: JSONObject = field(default_factory=dict)  # the bundle's defaults
    note: str = ""

    @property
    def codec_config(self) -> Path:
        return CONFIG_DIR / f"starter-codec-{self.name}.json"

    @property
    def dit_config(self) -> Path:
        return CONFIG_DIR / f"starter-dit-{self.name}.json"


SIZES: dict[str, Size] = {
    # CI: the whole chain on a CPU in well under a minute (4 procedural clips, toy models).
    "tiny": Size(
        "tiny",
        BuildOptions(only=("procedural",), limit=1, max_concepts=4, jobs=1),
        codec_steps=20,
        dit_steps=30,
        codec_share=0.3,
        augmentations=2,
        room_prob=0.0,
        multi_segment=0.0,
        encode_batch=8,
        encode_workers=0,
        shard_size=8,
        testset_clips=4,
        eval_clips=2,
        generate={"steps": 4, "cfg_scale": 3.0, "sampler": "dpmpp-2m"},
        note="checks the pipeline, not the sound",
    ),
    # A 2-core CPU in three 3-hour sessions, one torch thread (measured on the build
    # machine): ≈ 2.3 s per codec step (factored, batch 8 × 2 s) → 3.2 h; encoding ≈ 24× real
    # time → ≈ 1 h; ≈ 0.7 s per DiT step (batch 8 × 10 s) → 3.1 h; evaluation ≈ 3 min; a
    # 10 s take at 50 steps ≈ 3 s.
    "cpu": Size(
        "cpu",
        BuildOptions(),
        codec_steps=5000,
        dit_steps=16000,
        codec_share=0.3,
        augmentations=1,
        room_prob=0.0,
        multi_segment=0.0,
        encode_batch=8,
        encode_workers=1,
        shard_size=256,
        testset_clips=48,
        eval_clips=24,
        generate={"steps": 50, "cfg_scale": 7.0, "sampler": "dpmpp-3m-sde"},
        note="a 2-core CPU, about 8 hours (three 3-hour sessions)",
    ),
    # One GPU, a few hours: bigger batches, rooms and multi-segment paths, 4 passes.
    "gpu": Size(
        "gpu",
        BuildOptions(),
        codec_steps=40000,
        dit_steps=60000,
        codec_share=0.3,
        augmentations=4,
        room_prob=0.3,
        multi_segment=0.2,
        encode_batch=32,
        encode_workers=8,
        shard_size=512,
        testset_clips=200,
        eval_clips=100,
        generate={"steps": 50, "cfg_scale": 7.0, "sampler": "dpmpp-3m-sde"},
        note="one GPU, a few hours",
    ),
}


@dataclass(frozen=True)
class RecipeSettings:
    """What a recipe run is asked to do.

    ``size``, ``codec_kind``, ``corpus``, ``testset`` and ``seed`` decide the model: a work
    folder keeps the ones it started with (:meth:`identity`). Budgets may change between
    sessions: ``codec_steps``/``dit_steps`` are step targets (None: the size's, or none when
    ``hours`` is given), ``hours`` the total training time split between codec and DiT
    (counted over all sessions), ``stop_after`` this session's wall-clock limit in hours.
    """

    work: Path
    size: str = "cpu"
    device: str = "auto"
    corpus: Path | None = None
    testset: Path | None = None
    codec_kind: str | None = None
    codec_steps: int | None = None
    dit_steps: int | None = None
    hours: float | None = None
    stop_after: float | None = None
    out: Path | None = None
    overwrite_out: bool = False
    only: tuple[str, ...] = ()
    force_stages: tuple[str, ...] = ()
    seed: int = 0
    threads: int | None = None  # torch threads on a CPU (None: half the cores, see recipe)

    def __post_init__(self) -> None:
        if self.size not in SIZES:
            raise RecipeError(f"unknown size {self.size!r} (choose from {', '.join(SIZES)})")
        if self.codec_kind is not None and self.codec_kind not in CODEC_KINDS:
            raise RecipeError(
                f"unknown codec kind {self.codec_kind!r} (choose from {', '.join(CODEC_KINDS)})"
            )
        for name in ("codec_steps", "dit_steps"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise RecipeError(f"--{name.replace('_', '-')} must be at least 1, got {value}")
        if self.threads is not None and self.threads < 1:
            raise RecipeError(f"--threads must be at least 1, got {self.threads}")
        for name in ("hours", "stop_after"):
            value = getattr(self, name)
            if value is not None and not (value > 0 and math.isfinite(value)):
                raise RecipeError(f"--{name.replace('_', '-')} must be > 0, got {value:g}")
        for stage in (*self.only, *self.force_stages):
            if stage not in STAGES:
                raise RecipeError(f"unknown stage {stage!r} (stages: {', '.join(STAGES)})")

    @property
    def spec(self) -> Size:
        return SIZES[self.size]

    @property
    def kind(self) -> str:
        return self.codec_kind or DEFAULT_CODEC_KIND

    def identity(self) -> JSONObject:
        """The settings that decide the model; another value on an existing work folder is
        an error unless the stage it affects is forced."""
        return {
            "size": self.size,
            "codec_kind": self.kind,
            "corpus": _content_id(self.corpus, "manifest.json"),
            "testset": _content_id(self.testset, "testset.json"),
            "seed": self.seed,
        }

    def target(self, stage: str) -> int | None:
        """The step target of a training stage (None: only the time budget ends it)."""
        given = self.codec_steps if stage == "codec" else self.dit_steps
        if given is not None or self.hours is not None:
            return given
        return self.spec.codec_steps if stage == "codec" else self.spec.dit_steps


def _content_id(folder: Path | None, index: str) -> str | None:
    """A given corpus or test set by its index file's content (the same data under another
    path, e.g. on another machine, is the same setting), else by its path."""
    if folder is None:
        return None
    path = Path(folder) / index
    if path.is_file():
        return f"{index}:{hashlib.sha1(path.read_bytes()).hexdigest()[:16]}"
    return str(Path(folder).resolve())


# The first stage each identity setting changes (forcing it, or an earlier one, allows it).
AFFECTS = {
    "size": "corpus",
    "corpus": "corpus",
    "seed": "corpus",
    "testset": "testset",
    "codec_kind": "codec",
}


def codec_train_config(settings: RecipeSettings) -> Any:
    """The size's codec training config, with the codec of the asked kind."""
    from ambisketch.engine.models.codec_kinds import codec_preset, kind_of
    from ambisketch.training.codec.config import resolve_train_config

    config = resolve_train_config(str(settings.spec.codec_config), seed=settings.seed)
    if kind_of(config.codec) == settings.kind:
        return config
    twin = KIND_TWINS.get(_preset_name(config.codec) or "")
    if twin is None or kind_of(codec_preset(twin)) != settings.kind:
        raise RecipeError(
            f"{settings.spec.codec_config}: no {settings.kind} codec of this latent size is known"
        )
    return replace(config, codec=codec_preset(twin))


def _preset_name(codec: Any) -> str | None:
    from ambisketch.engine.models.codec_kinds import CODEC_PRESET_NAMES

    return next((n for n, c in CODEC_PRESET_NAMES.items() if c == codec), None)


def dit_train_config(settings: RecipeSettings) -> Any:
    """The size's DiT training config."""
    from ambisketch.training.dit.config import resolve_dit_config

    return resolve_dit_config(str(settings.spec.dit_config), seed=settings.seed)
