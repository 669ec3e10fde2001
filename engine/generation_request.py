"""What is asked of the generator and what it gives back: :class:`GenerationRequest` (a
prompt, a path or spatial words, length, seed, sampler settings, placement, room numbers, a
sound to start from) and :class:`Take` (the FOA it made with everything a sidecar records),
plus the sampler settings a bundle asks for (:class:`SamplingDefaults`).

They import without torch, so the GUI, the CLI and the take store use them freely;
:mod:`.generate` (the :class:`~.generate.Generator`) re-exports them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import GenerationError
from .models.names import PARAMETRIC_FIELDS, SAMPLER_NAMES
from .spatial.trajectory import Trajectory
from .start_from import StartFrom

MODES = ("descriptive", "parametric")
# How the take is placed (see engine/models/placement.py): directions held on the path at
# every sampler step, the model's own placement, or the DSP path lock after sampling.
PLACEMENTS = ("held", "learned", "locked")


@dataclass(frozen=True)
class GenerationRequest:
    """What to generate. ``path`` None is descriptive mode (spatial words in the prompt);
    with a path, parametric mode. ``seed`` None picks one (recorded in the take).

    ``placement`` (:data:`PLACEMENTS`): ``held`` (default) turns the direction channels onto
    the path at every sampler step with a factored codec — the drawn path, or for a text-only
    prompt the path its spatial words describe; a 4-channel codec falls back to ``locked``,
    a prompt without spatial words to ``learned``. ``lock_path`` is the older spelling of
    ``placement="locked"`` (kept in step with it)."""

    prompt: str
    path: Trajectory | None = None
    seconds: float = 10.0
    seed: int | None = None
    steps: int = 100
    cfg_scale: float = 7.0
    sampler: str = "dpmpp-3m-sde"
    variations: int = 1
    lock_path: bool = False
    parametric: dict[str, float] = field(default_factory=dict)
    placement: str = "held"
    init: StartFrom | None = None  # start from a sound or regenerate part of a take
    loudness_lufs: float | None = -23.0  # normalise each take to this (None: as generated)
    timbre: float = 1.0  # how far the model's timbre prior moves the take's spectrum (0 … 1)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.timbre) and 0.0 <= self.timbre <= 1.0):
            raise ValueError(f"timbre strength {self.timbre:g} is outside 0…1")
        if self.lock_path and self.placement == "held":
            object.__setattr__(self, "placement", "locked")
        elif self.placement == "locked":
            object.__setattr__(self, "lock_path", True)

    def target_path(self) -> tuple[Trajectory | None, str | None]:
        """The path the take is placed on and where it comes from: the drawn path at the
        take's length (``"drawn"``), the prompt's spatial words (``"words"``, unless the
        placement is ``learned``), or ``(None, None)``."""
        if self.path is not None:
            path = self.path
            if abs(path.duration - self.seconds) > 1e-6:
                path = path.with_duration(self.seconds)
            return path, "drawn"
        if self.placement != "learned":
            from .spatial.spatial_words import parse_spatial_words

            parsed = parse_spatial_words(self.prompt, self.seconds)
            if parsed is not None:
                return parsed, "words"
        return None, None

    @property
    def mode(self) -> str:
        return "parametric" if self.path is not None else "descriptive"

    def check(self, clip_seconds: float | None = None) -> None:
        """Raise :class:`GenerationError` naming the first invalid value."""
        if not isinstance(self.prompt, str) or not self.prompt.strip():
            raise GenerationError("the prompt is empty")
        if not (self.seconds > 0 and math.isfinite(self.seconds)):
            raise GenerationError(f"seconds must be > 0, got {self.seconds:g}")
        if clip_seconds is not None and self.seconds > clip_seconds + 1e-9:
            raise GenerationError(
                f"seconds {self.seconds:g} is longer than this model's clips ({clip_seconds:g} s)"
            )
        if self.steps < 1:
            raise GenerationError(f"steps must be at least 1, got {self.steps}")
        if not (self.cfg_scale > 0 and math.isfinite(self.cfg_scale)):
            raise GenerationError(f"cfg scale must be > 0, got {self.cfg_scale:g}")
        if self.sampler not in SAMPLER_NAMES:
            raise GenerationError(
                f"unknown sampler {self.sampler!r} (choose from {', '.join(SAMPLER_NAMES)})"
            )
        if not 1 <= self.variations <= 64:
            raise GenerationError(f"variations must be between 1 and 64, got {self.variations}")
        if self.seed is not None and not 0 <= self.seed < 2**63:
            raise GenerationError(f"seed must be in [0, 2^63), got {self.seed}")
        if self.placement not in PLACEMENTS:
            raise GenerationError(
                f"unknown placement {self.placement!r} (choose from {', '.join(PLACEMENTS)})"
            )
        if self.lock_path and self.placement != "locked":
            raise GenerationError(
                f"path lock and placement {self.placement!r} contradict "
                "each other; give one of them"
            )
        if self.placement == "locked" and self.target_path()[0] is None:
            raise GenerationError(
                "path lock needs a path (draw one, or name where the sound is in the prompt)"
            )
        for key, value in self.parametric.items():
            if key not in PARAMETRIC_FIELDS:
                raise GenerationError(
                    f"unknown parametric value {key!r} (known: {', '.join(PARAMETRIC_FIELDS)})"
                )
            if not math.isfinite(float(value)):
                raise GenerationError(f"parametric value {key} must be a number")
        if self.init is not None:
            self.init.check()
        if self.loudness_lufs is not None and not (
            math.isfinite(self.loudness_lufs) and -70.0 <= self.loudness_lufs <= 0.0
        ):
            raise GenerationError(
                f"loudness target {self.loudness_lufs:g} LUFS is outside -70…0 LUFS"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "prompt": self.prompt,
            "mode": self.mode,
            "path": self.path.to_dict() if self.path is not None else None,
            "seconds": self.seconds,
            "seed": self.seed,
            "steps": self.steps,
            "cfg_scale": self.cfg_scale,
            "sampler": self.sampler,
            "variations": self.variations,
            "lock_path": self.lock_path,
            "parametric": dict(self.parametric),
            "placement": self.placement,
            "loudness_lufs": self.loudness_lufs,
            "timbre": self.timbre,
            **({"init": self.init.to_dict()} if self.init is not None else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GenerationRequest:
        path = data.get("path")
        return cls(
            prompt=data["prompt"],
            path=Trajectory.from_dict(path) if path else None,
            seconds=float(data.get("seconds", 10.0)),
            seed=data.get("seed"),
            steps=int(data.get("steps", 100)),
            cfg_scale=float(data.get("cfg_scale", 7.0)),
            sampler=str(data.get("sampler", "dpmpp-3m-sde")),
            variations=int(data.get("variations", 1)),
            lock_path=bool(data.get("lock_path", False)),
            parametric=dict(data.get("parametric") or {}),
            # Requests from before placements were the model's own (or locked).
            placement=str(
                data.get("placement") or ("locked" if data.get("lock_path") else "learned")
            ),
            init=StartFrom.from_dict(data["init"]) if data.get("init") else None,
            # Requests from before loudness targets were not normalised.
            loudness_lufs=None
            if data.get("loudness_lufs") is None
            else float(data["loudness_lufs"]),
            # Requests from before the timbre prior were made without it.
            timbre=float(data.get("timbre", 0.0)),
        )


@dataclass(frozen=True)
class Take:
    """One generated clip: AmbiX ``foa`` (4, samples) float32 at ``rate`` Hz.

    ``request`` has the seed that was used, so ``request`` + ``variation`` make it again.

    ``latents`` are the codec latents it was decoded from, ``(channels, frames)`` float32 as
    the codec decodes them (None when not kept); ``placement`` is how it was placed in the
    end (``held``, ``learned`` or ``locked``; ``placement_note`` says why when that differs
    from the request's); ``path`` the path it follows (drawn, or parsed from the prompt's
    spatial words: ``path_source``) and ``path_errors`` its measured direction against it
    (:class:`~ambisketch.engine.spatial.doa.DirectionErrors` as a dict).
    """

    foa: NDArray[np.float32]
    rate: int
    request: GenerationRequest
    variation: int
    timings: dict[str, float]
    model: dict[str, Any] = field(default_factory=dict)
    latents: NDArray[np.float32] | None = field(default=None, repr=False, compare=False)
    placement: str = "learned"
    placement_note: str = ""
    path: Trajectory | None = None
    path_source: str | None = None
    path_errors: dict[str, Any] | None = None
    loudness_lufs: float | None = None  # integrated loudness (BS.1770 on W; None: silent)
    latents_gain: float = 1.0  # the take is this gain times what the latents decode to

    @property
    def duration(self) -> float:
        return self.foa.shape[1] / self.rate

    @property
    def path_error_deg(self) -> float | None:
        """Mean great-circle angle between the measured direction and the take's own path."""
        if self.path_errors is None:
            return None
        value = self.path_errors.get("spatial_angle")
        return None if value is None or not math.isfinite(value) else float(value)

    def sidecar(self) -> dict[str, Any]:
        """What a take's JSON sidecar holds to make it again, and how it was placed."""
        out: dict[str, Any] = {
            "kind": "generate",
            "request": self.request.to_dict(),
            "variation": self.variation,
            "model": self.model,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "placement": self.placement,
            "path_error_deg": None
            if self.path_error_deg is None
            else round(self.path_error_deg, 3),
        }
        out["loudness_lufs"] = self.loudness_lufs
        if self.placement_note:
            out["placement_note"] = self.placement_note
        if self.path_source is not None:
            out["path_source"] = self.path_source
        if self.path_errors is not None:
            out["path_errors"] = self.path_errors
        if self.path_source == "words" and self.path is not None:
            out["parsed_path"] = self.path.to_dict()
        return out


@dataclass(frozen=True)
class SamplingDefaults:
    """The sampler settings a bundle asks for in ``model.json`` ``defaults`` (what its
    makers evaluated it with), else Stable Audio's."""

    steps: int = 100
    cfg_scale: float = 7.0
    sampler: str = "dpmpp-3m-sde"

    @classmethod
    def from_meta(cls, defaults: dict[str, Any] | None) -> SamplingDefaults:
        d = defaults or {}
        sampler = str(d.get("sampler", cls.sampler))
        return cls(
            int(d.get("steps", cls.steps)),
            float(d.get("cfg_scale", d.get("cfg", cls.cfg_scale))),
            sampler if sampler in SAMPLER_NAMES else cls.sampler,
        )
