"""What a take is, as a listing sees it: a :class:`TakeRecord` parsed from a take's WAV header
and JSON sidecar, take names (checked and made from prompts), and a take's samples."""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..audio_io import read_audio, sidecar_path
from ..errors import AudioFileError, EngineError
from ..generate import PLACEMENTS, GenerationRequest
from ..spatial.trajectory import Trajectory

MAX_NAME = 120
_BAD_CHARS = set('/\\:*?"<>|')
_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}  # Windows device names: takes travel


def check_name(name: str) -> str:
    """A valid take name (``.wav`` dropped, spaces trimmed) or :class:`EngineError`."""
    text = str(name).strip()
    if text.lower().endswith(".wav"):
        text = text[:-4].rstrip()
    if not text:
        raise EngineError("a take name cannot be empty")
    bad = sorted({c for c in text if c in _BAD_CHARS or ord(c) < 32})
    if bad:
        shown = " ".join(repr(c)[1:-1] for c in bad)
        raise EngineError(
            f"take name {text!r} has characters files cannot hold ({shown}); "
            "use letters, digits, spaces and - _ . ( )"
        )
    if text.startswith("."):
        raise EngineError(f"take name {text!r} cannot start with a dot (hidden file)")
    if len(text) > MAX_NAME:
        raise EngineError(f"take name is {len(text)} characters long (at most {MAX_NAME})")
    if text.split(".")[0].lower() in _RESERVED:
        raise EngineError(f"take name {text!r} is reserved on Windows; choose another")
    return text


def slug(prompt: str, limit: int = 40) -> str:
    """``"A dog barking, far left!"`` → ``"a-dog-barking-far-left"`` (ASCII, at most ``limit``)."""
    ascii_text = unicodedata.normalize("NFKD", prompt).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = ""
    for w in words:
        if len(out) + len(w) + (1 if out else 0) > limit:
            break
        out = f"{out}-{w}" if out else w
    return out or (words[0][:limit] if words else "take")


@dataclass(frozen=True)
class TakeRecord:
    """One take of a project, as listed (header and sidecar only; no samples).

    ``request`` is the generation request as a dict (None for a take that was not
    generated, e.g. an imported file); ``trajectory`` the path the take follows, stretched
    to its length as the generator did — for a text-only take the path its prompt's
    spatial words describe (``path_source`` ``"words"``) — None for a take placed by the
    model alone.

    How it was placed, from the sidecar: :attr:`placement` (:data:`PLACEMENTS`: ``held``,
    ``learned``, ``locked``; None for a take that does not say, e.g. an imported file) and
    :attr:`path_error_deg`, the measured mean great-circle angle between its direction and
    its own path when it was made (None without a path). A take whose path is edited
    afterwards must be re-pathed (or its figure shown as stale): the figure is against
    :attr:`trajectory` only.
    """

    path: Path
    name: str
    prompt: str
    seed: int | None
    seconds: float
    model: str
    created: _dt.datetime
    mode: str
    request: dict[str, Any] | None
    trajectory: Trajectory | None
    rate: int = 0
    variation: int = 0
    kind: str = "generate"
    sidecar: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def sidecar_path(self) -> Path:
        return sidecar_path(self.path)

    @property
    def placement(self) -> str | None:
        value = self.sidecar.get("placement")
        if value in PLACEMENTS:
            return str(value)
        if self.request is not None:  # made before placements were recorded
            return "locked" if self.request.get("lock_path") else "learned"
        return None

    @property
    def path_error_deg(self) -> float | None:
        value = self.sidecar.get("path_error_deg")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
        return None

    @property
    def path_source(self) -> str | None:
        """``"drawn"``, ``"words"`` (parsed from the prompt) or None (no path)."""
        if self.trajectory is None:
            return None
        value = self.sidecar.get("path_source")
        return str(value) if value in ("drawn", "words") else "drawn"

    @property
    def latents_path(self) -> Path:
        from .latents import latents_path

        return latents_path(self.path)

    @property
    def has_latents(self) -> bool:
        return self.latents_path.is_file()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able summary (``takes list --json``)."""
        return {
            "name": self.name,
            "path": str(self.path),
            "prompt": self.prompt,
            "seed": self.seed,
            "seconds": round(self.seconds, 4),
            "rate": self.rate,
            "model": self.model,
            "created": self.created.isoformat(timespec="seconds"),
            "mode": self.mode,
            "kind": self.kind,
            "variation": self.variation,
            "request": self.request,
            "path_keyframes": None
            if self.trajectory is None
            else self.trajectory.to_dict()["keyframes"],
            "path_source": self.path_source,
            "placement": self.placement,
            "path_error_deg": self.path_error_deg,
            "has_latents": self.has_latents,
        }


@dataclass(frozen=True)
class TakeProblem:
    """A file in the project folder that could not be listed, and why (one line)."""

    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def read_take_audio(path: Path) -> tuple[NDArray[np.float32], int]:
    """The samples ``(4, n)`` float32 and rate of a take file (:class:`AudioFileError`)."""
    if not path.is_file():
        raise AudioFileError(
            f"{path}: the take is gone (moved or deleted outside Ambisketch); refresh the list"
        )
    audio = read_audio(path)
    if audio.channels != 4:
        raise AudioFileError(f"{path}: has {audio.channels} channel(s); a take is 4-channel AmbiX")
    return audio.samples, audio.rate


def _created(side: dict[str, Any], path: Path) -> _dt.datetime:
    text = side.get("created")
    if isinstance(text, str):
        try:
            when = _dt.datetime.fromisoformat(text)
            return when if when.tzinfo else when.replace(tzinfo=_dt.timezone.utc)
        except ValueError:
            pass
    return _dt.datetime.fromtimestamp(path.stat().st_mtime, _dt.timezone.utc)


def make_record(path: Path, info: Any, side: dict[str, Any]) -> TakeRecord:
    """A record from a WAV header and a parsed sidecar (errors name the sidecar)."""
    where = sidecar_path(path)
    raw_request = side.get("request")
    request: GenerationRequest | None = None
    if raw_request is not None:
        try:
            request = GenerationRequest.from_dict(raw_request)
        except EngineError as exc:
            raise AudioFileError(f"{where}: bad generation request ({exc})") from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise AudioFileError(
                f"{where}: bad generation request ({type(exc).__name__}: {exc})"
            ) from None
    seconds = info.frames / info.samplerate
    traj: Trajectory | None = None
    if request is not None and request.path is not None:
        traj = request.path
        if abs(traj.duration - request.seconds) > 1e-6:
            traj = traj.with_duration(request.seconds)  # as the generator stretched it
    elif side.get("path") is not None:
        try:
            traj = Trajectory.from_dict(side["path"])
        except EngineError as exc:
            raise AudioFileError(f"{where}: bad path ({exc})") from None
    stored_model = side.get("model")
    model: dict[str, object] = stored_model if isinstance(stored_model, dict) else {}
    if request is not None:
        prompt = request.prompt
    elif side.get("input"):
        prompt = Path(str(side["input"])).name
    else:
        prompt = path.stem
    variation = side.get("variation", 0)
    return TakeRecord(
        path=path,
        name=path.stem,
        prompt=prompt,
        seed=request.seed if request is not None else None,
        seconds=seconds,
        model=str(model.get("name") or ""),
        created=_created(side, path),
        mode=request.mode if request is not None else str(side.get("kind", "import")),
        request=raw_request if request is not None else None,
        trajectory=traj,
        rate=int(info.samplerate),
        variation=int(variation) if isinstance(variation, int) else 0,
        kind=str(side.get("kind", "generate")),
        sidecar=side,
    )
