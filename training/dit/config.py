"""Configuration of a DiT (generator) training run: a dataclass stored as JSON in the run folder.

Optimiser and schedule follow model-facts.md (SonicMotion / Stable Audio): AdamW (0.9, 0.99),
lr 1e-4 (2× for the trajectory conditioner), weight decay 1e-3, inverse LR schedule
(inv_gamma 1e6, power 0.5, warm-up 0.99); classifier-free dropout of the text and of the path,
each p = 0.1 and independent. The paper trains its parametric model in two phases (50k steps
on plain captions, then 50k on spatial captions): ``caption_mode="two-phase"`` with
``plain_phase_steps``. Samples placed in rooms also condition the distance, room size and
decay time numbers, each dropped (to "unknown") with ``room_dropout``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ambisketch.engine.json_types import JSONObject
from ambisketch.engine.models.conditioners import CONDITIONER_PRESETS, ConditionerConfig
from ambisketch.engine.models.dit import DIT_PRESETS, DiTConfig
from ambisketch.engine.models.text_encoder import DEFAULT_MAX_TOKENS, MINILM_ID

from ..codec.config import TrainingConfigError, check_settings, resolve_config

CAPTION_MODES = ("plain", "spatial", "mixed", "two-phase")
# JSON recipes (training/recipes/configs/dit-NAME.json) that --config also takes by name.
RECIPE_DIR = Path(__file__).resolve().parents[1] / "recipes" / "configs"


@dataclass(frozen=True)
class DitTrainConfig:
    """Everything that decides a DiT run (the codec is given separately and kept in the run)."""

    dit: DiTConfig = field(default_factory=DiTConfig)
    conditioner: ConditionerConfig = field(default_factory=ConditionerConfig)
    text_encoder: str = MINILM_ID
    text_max_tokens: int = DEFAULT_MAX_TOKENS
    batch_size: int = 8
    grad_accum: int = 1
    clip_seconds: float = 10.0
    lr: float = 1e-4
    trajectory_lr_mult: float = 2.0
    betas: tuple[float, float] = (0.9, 0.99)
    weight_decay: float = 1e-3
    inv_gamma: float = 1e6
    power: float = 0.5
    warmup: float = 0.99
    text_dropout: float = 0.1
    trajectory_dropout: float = 0.1
    sample_latents: bool = False  # a posterior sample instead of the codec's mean
    # A new run standardises latents per channel with their measured mean/std (kept in the
    # model, see engine.models.diffusion); False keeps the codec's raw scale.
    normalise_latents: bool = True
    caption_mode: str = "mixed"
    plain_phase_steps: int = 50000  # "two-phase": plain captions before this step, then spatial
    default_caption: str = "a sound"
    room_dropout: float = 0.1  # each of distance / room size / decay time → unknown
    ema_decay: float = 0.999
    grad_clip: float = 1.0
    checkpoint_every: int = 500
    log_every: int = 10
    seed: int = 0
    num_workers: int = 0
    validate_every: int = 0  # write validation takes every N steps (0: never)
    validate_takes: int = 2
    validate_steps: int = 25  # sampler steps of a validation take

    def __post_init__(self) -> None:
        if self.caption_mode not in CAPTION_MODES:
            raise ValueError(
                f"caption_mode must be one of {', '.join(CAPTION_MODES)}, got {self.caption_mode!r}"
            )
        for name in ("text_dropout", "trajectory_dropout", "room_dropout", "warmup"):
            if not 0.0 <= float(getattr(self, name)) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1]")
        for name in (
            "batch_size",
            "grad_accum",
            "checkpoint_every",
            "log_every",
            "text_max_tokens",
            "validate_takes",
            "validate_steps",
        ):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be at least 1")
        if not 0 < self.clip_seconds <= self.conditioner.max_seconds:
            raise ValueError(
                f"clip_seconds must be in (0, {self.conditioner.max_seconds:g}] "
                "(the conditioner's max_seconds)"
            )
        if self.validate_every < 0 or self.plain_phase_steps < 0:
            raise ValueError("validate_every and plain_phase_steps must be >= 0")
        if self.lr <= 0 or self.inv_gamma <= 0:
            raise ValueError("lr and inv_gamma must be > 0")
        if (self.dit.cond_dim, self.dit.global_dim) != (
            self.conditioner.cond_dim,
            self.conditioner.global_dim,
        ):
            raise ValueError("the DiT's cond_dim/global_dim differ from the conditioner's")

    def lr_factor(self, step: int) -> float:
        """The inverse schedule with exponential warm-up at optimiser step ``step`` (0-based)."""
        return (1.0 - self.warmup ** (step + 1)) * (1.0 + step / self.inv_gamma) ** -self.power

    def to_dict(self) -> JSONObject:
        d = asdict(self)
        d["dit"] = self.dit.to_dict()
        d["conditioner"] = self.conditioner.to_dict()
        d["betas"] = list(self.betas)
        return d

    @classmethod
    def from_dict(cls, data: JSONObject) -> DitTrainConfig:
        check_settings(cls, data)
        data = dict(data)
        try:
            for key, presets, kind in (
                ("dit", DIT_PRESETS, DiTConfig),
                ("conditioner", CONDITIONER_PRESETS, ConditionerConfig),
            ):
                if key in data:
                    v = data[key]
                    data[key] = presets[v] if isinstance(v, str) else kind.from_dict(v)
            if "betas" in data:
                data["betas"] = tuple(data["betas"])
            return cls(**data)
        except (KeyError, TypeError, ValueError) as exc:
            raise TrainingConfigError(f"invalid DiT training config: {exc}") from None


DIT_TRAIN_PRESETS: dict[str, DitTrainConfig] = {
    # Seconds per step on a CPU, with the "tiny" codec: tests and smoke runs.
    "tiny": DitTrainConfig(
        dit=DIT_PRESETS["tiny"],
        conditioner=CONDITIONER_PRESETS["tiny"],
        batch_size=4,
        clip_seconds=0.25,
        lr=1e-3,
        warmup=0.9,
        text_max_tokens=16,
        checkpoint_every=50,
        log_every=10,
    ),
    # With the "small" codec (32 latent channels): 10 s clips, the papers' optimiser.
    "default": DitTrainConfig(
        dit=DIT_PRESETS["default"], conditioner=CONDITIONER_PRESETS["default"]
    ),
}


def recipe_names() -> list[str]:
    """The recipes in :data:`RECIPE_DIR` (``dit-NAME.json``) by name."""
    return sorted(p.stem[4:] for p in RECIPE_DIR.glob("dit-*.json"))


def resolve_dit_config(spec: str, **overrides: Any) -> DitTrainConfig:
    """A DiT preset name, a recipe name (``tiny``, ``laptop``, ``gpu``, ``paper``) or a JSON
    file; ``overrides`` (non-None values) replace fields."""
    recipe = RECIPE_DIR / f"dit-{spec}.json"
    if spec not in DIT_TRAIN_PRESETS and "/" not in spec and recipe.is_file():
        spec = str(recipe)
    elif spec not in DIT_TRAIN_PRESETS and not Path(spec).is_file():
        raise TrainingConfigError(
            f"unknown config {spec!r}: not a preset "
            f"({', '.join(DIT_TRAIN_PRESETS)}), not a recipe "
            f"({', '.join(recipe_names())}) and no such file"
        )
    return resolve_config(spec, DIT_TRAIN_PRESETS, DitTrainConfig.from_dict, **overrides)
