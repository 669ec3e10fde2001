"""Where a take starts when it does not start from noise: a sound (audio-to-audio), or a take
whose time range is regenerated (inpainting).

:class:`StartFrom` is part of a :class:`~ambisketch.engine.generate.GenerationRequest`, so a
take's sidecar says what it started from (the file, its SHA-256, the strength, the library
and caption it was retrieved by, the regenerated range) and the take can be made again.
This module imports without torch; the sampling side is
:mod:`ambisketch.engine.models.init_latents`.

Strength ``S`` in [0, 1] is the fraction of the diffusion time the start is noised to (the
v-objective's VP time): the start latents become ``cos(πS/2)·x₀ + sin(πS/2)·ε``. S = 0 keeps
the sound, S = 0.5 mixes it with as much noise as signal, S = 1 is plain generation.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .audio_io import Audio, read_audio, sidecar_path
from .errors import AudioFileError, GenerationError

MIN_INIT_SECONDS = 0.1  # shorter than this a loop is a buzz, not the sound
SILENT_DBFS = -80.0  # a file whose peak is below this holds no sound to start from
DEFAULT_STRENGTH = 0.5  # as much noise as signal: keeps the sound's character, varies it


@dataclass(frozen=True)
class StartFrom:
    """The start of a take.

    Audio-to-audio: ``audio`` (a file: mono, stereo mixed down, or 4-channel AmbiX) noised to
    ``strength``. Inpainting: ``take`` (a take's WAV; its stored latents when there are any)
    with ``start``–``end`` seconds regenerated and the rest kept. ``sha256`` is filled in by
    the generator from the file it read; ``library`` and ``caption`` say how a library
    retrieval chose ``audio``.
    """

    audio: str | None = None
    take: str | None = None
    strength: float = DEFAULT_STRENGTH
    start: float | None = None
    end: float | None = None
    sha256: str | None = None
    library: str | None = None
    caption: str | None = None

    @property
    def inpaint(self) -> bool:
        return self.take is not None

    @property
    def source(self) -> str:
        return str(self.take if self.take is not None else self.audio)

    def check(self) -> None:
        """:class:`GenerationError` for a start that cannot be valid whatever the file."""
        if (self.audio is None) == (self.take is None):
            raise GenerationError("a start needs either a sound file or a take, not both")
        s = self.strength
        if not isinstance(s, (int, float)) or not math.isfinite(s) or not 0.0 <= s <= 1.0:
            raise GenerationError(f"init strength must be between 0 and 1, got {s!r}")
        if self.inpaint:
            if self.start is None or self.end is None:
                raise GenerationError(f"{self.take}: inpainting needs a range (from and to)")
            if not (math.isfinite(self.start) and math.isfinite(self.end)):
                raise GenerationError(f"{self.take}: the range must be numbers")
            if self.start < 0 or self.end <= self.start:
                raise GenerationError(
                    f"{self.take}: range {self.start:g}–{self.end:g} s is "
                    "empty or negative (need 0 <= from < to)"
                )
        elif self.start is not None or self.end is not None:
            raise GenerationError("a range (from/to) is for regenerating part of a take")

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StartFrom:
        if not isinstance(data, dict):
            raise GenerationError(f"a start must be a JSON object, got {type(data).__name__}")
        known = {f: data[f] for f in cls.__dataclass_fields__ if f in data}
        if "strength" in known:
            known["strength"] = float(known["strength"])
        for key in ("start", "end"):
            if known.get(key) is not None:
                known[key] = float(known[key])
        return cls(**known)


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def loop_to(x: NDArray[np.float32], n: int, fade: int = 0) -> NDArray[np.float32]:
    """``(channels, samples)`` repeated until ``n`` samples long (or cut), each repeat joined
    with a ``fade``-sample equal-gain crossfade so the loop point does not click."""
    if x.shape[1] >= n:
        return np.ascontiguousarray(x[:, :n])
    fade = min(fade, x.shape[1] // 4)
    if fade < 2:
        reps = -(-n // x.shape[1])
        return np.ascontiguousarray(np.tile(x, (1, reps))[:, :n])
    ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
    body = x[:, :-fade]
    out = [x[:, :-fade]]
    total = body.shape[1]
    while total < n:
        # the tail of one repeat fades into the head of the next
        joint = x[:, -fade:] * (1.0 - ramp) + x[:, :fade] * ramp
        out += [joint, x[:, fade:-fade]]
        total += joint.shape[1] + x.shape[1] - 2 * fade
    return np.ascontiguousarray(np.concatenate(out, axis=1)[:, :n])


def read_init_audio(
    path: str | Path,
    rate: int,
    seconds: float,
    azimuth: NDArray[np.float64] | None = None,
    elevation: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float32], list[str]]:
    """An init sound as AmbiX ``(4, round(seconds·rate))`` float32 at ``rate`` and notes.

    A 4-channel file is AmbiX (FuMa when its sidecar says so); mono is placed along the
    per-sample ``azimuth``/``elevation`` (degrees; straight ahead when None); stereo is mixed
    to mono first. The sound is resampled (soxr), looped (crossfaded) or cut to the length.
    Raises :class:`AudioFileError` naming the file: missing, unreadable, silent, too short,
    another channel count.
    """
    from .spatial.ambisonics import fuma_to_ambix, sh_gains

    p = Path(path)
    audio = check_init_audio(read_audio(p, rate))
    notes: list[str] = []
    n = int(round(seconds * rate))
    if audio.channels == 4:
        from .takes.metadata import read_sidecar

        side = read_sidecar(p) if sidecar_path(p).is_file() else None
        foa = audio.samples
        if side is not None and side.get("format") == "fuma":
            foa = fuma_to_ambix(foa)
            notes.append(f"{p}: FuMa (its sidecar says so) converted to AmbiX")
        foa = loop_to(foa, n, fade=int(0.01 * rate))
    elif audio.channels in (1, 2):
        mono = audio.samples.mean(axis=0, keepdims=True) if audio.channels == 2 else audio.samples
        if audio.channels == 2:
            notes.append(f"{p}: stereo mixed down to mono")
        mono = loop_to(mono, n, fade=int(0.01 * rate))[0]
        if azimuth is None or elevation is None:
            az, el = np.zeros(1), np.zeros(1)
        else:
            az, el = np.asarray(azimuth), np.asarray(elevation)
        gains = sh_gains(az, el)  # (4, samples) or (4, 1)
        foa = (gains * mono[None]).astype(np.float32)
    if audio.duration < seconds - 1e-6:
        notes.append(f"{p}: {audio.duration:.2f} s looped to {seconds:g} s")
    elif audio.duration > seconds + 1e-6:
        notes.append(f"{p}: first {seconds:g} s of {audio.duration:.2f} s used")
    return np.ascontiguousarray(foa, dtype=np.float32), notes


def check_init_audio(audio: Audio) -> Audio:
    """``audio`` when a take can start from it; :class:`AudioFileError` naming the file when
    it is too short, silent or has a channel count other than 1, 2 or 4."""
    p = audio.path
    if audio.duration < MIN_INIT_SECONDS:
        raise AudioFileError(
            f"{p}: too short to start from ({audio.duration * 1000:.0f} ms; "
            f"at least {MIN_INIT_SECONDS * 1000:.0f} ms)"
        )
    if audio.channels not in (1, 2, 4):
        raise AudioFileError(
            f"{p}: has {audio.channels} channels; start from a mono, stereo or 4-channel AmbiX file"
        )
    peak = float(np.max(np.abs(audio.samples)))
    if peak <= 10 ** (SILENT_DBFS / 20):
        raise AudioFileError(f"{p}: silent (peak {_dbfs(peak)}); nothing to start from")
    return audio


def _dbfs(peak: float) -> str:
    return "-inf dBFS" if peak <= 0 else f"{20 * math.log10(peak):.0f} dBFS"
