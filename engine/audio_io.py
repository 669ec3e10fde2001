"""Reading and writing audio files.

Arrays are ``(channels, samples)`` float32. Reading takes anything libsndfile reads (WAV,
FLAC, OGG, AIFF, MP3 where the library can); writing makes plain WAV files (format tag 1
or 3, no channel mask — what AmbiX readers expect, see the ecosystem notes) as 16- or 24-bit
PCM or 32-bit float, atomically: the data goes to a temporary file in the same folder,
which is renamed over the target only when complete. A JSON sidecar ``NAME.wav.json`` records
how a take was made.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
import soxr
from numpy.typing import NDArray

from .errors import AudioFileError, AudioFileWarning, OutputExistsError
from .files import NAME_MAX, atomic_target, os_reason, write_failure_reason

BIT_DEPTHS = {"16": "PCM_16", "24": "PCM_24", "32f": "FLOAT"}


@dataclass(frozen=True)
class Audio:
    """Samples ``(channels, frames)`` float32 at ``rate`` Hz, with where they came from."""

    samples: NDArray[np.float32]
    rate: int
    path: Path | None = None

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def frames(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration(self) -> float:
        return self.frames / self.rate


def read_audio(path: str | Path, rate: int | None = None) -> Audio:
    """Read every channel of ``path``; resample to ``rate`` when given.

    Raises :class:`AudioFileError` naming the file for a missing, unreadable, corrupt or
    empty file.
    """
    p = Path(path)
    if not p.exists():
        raise AudioFileError(f"{p}: no such file")
    if p.is_dir():
        raise AudioFileError(f"{p}: is a folder, not an audio file")
    try:
        # Bytes, so that a name that is not UTF-8 reaches the file system as it is.
        with sf.SoundFile(os.fsencode(p)) as f:
            data = f.read(dtype="float32", always_2d=True)
            file_rate, log = f.samplerate, f.extra_info
    except sf.LibsndfileError as exc:
        try:  # libsndfile says "System error." for what the OS would name
            with open(p, "rb"):
                pass
        except OSError as os_exc:
            raise AudioFileError(f"{p}: cannot read ({os_reason(os_exc)})") from None
        detail = str(exc).split(":")[-1].strip().rstrip(".") or "unknown format"
        raise AudioFileError(f"{p}: not a readable audio file ({detail})") from None
    except (RuntimeError, OSError, ValueError) as exc:
        raise AudioFileError(f"{p}: cannot read ({os_reason(exc)})") from None
    damage = damaged_file_note(log, data.shape[0])
    if damage:
        warnings.warn(AudioFileWarning(f"{p}: {damage}"), stacklevel=2)
    if data.shape[0] == 0:
        raise AudioFileError(f"{p}: the file holds no audio (0 samples)")
    samples = np.ascontiguousarray(data.T)
    if not np.isfinite(samples).all():
        raise AudioFileError(f"{p}: the file holds NaN or infinite samples")
    audio = Audio(samples, int(file_rate), p)
    return resample_audio(audio, rate) if rate else audio


def damaged_file_note(log: str, frames: int) -> str | None:
    """What libsndfile's parser log says is wrong with a file it still opened: a header
    that claims more data than the file holds (truncated), or bytes after the audio that
    claim to be a chunk larger than the file (damaged). None for a sound file."""
    for line in log.splitlines():
        if "(should be" in line:
            return (
                f"truncated: the header claims more than the file holds "
                f"({line.strip()}); read {frames} frames"
            )
        if "> file length" in line or "Unknown chunk marker" in line:
            return f"damaged: bytes after the audio are not a valid chunk; read {frames} frames"
    return None


def read_mono(
    path: str | Path, rate: int | None = None, channel: int | None = None
) -> tuple[Audio, str | None]:
    """Read ``path`` as mono: the mean of all channels, or one ``channel`` (0-based).

    Returns the mono audio (shape ``(1, frames)``) and a note saying what was done to a
    multichannel file (``None`` for a mono file), for the caller to show the user.
    """
    audio = read_audio(path, rate)
    n = audio.channels
    if channel is not None:
        if not 0 <= channel < n:
            raise AudioFileError(
                f"{audio.path}: has {n} channel(s); channel {channel} does not exist"
            )
        mono = audio.samples[channel : channel + 1]
        note = None if n == 1 else f"{audio.path}: took channel {channel} of {n}"
    elif n == 1:
        mono, note = audio.samples, None
    else:
        mono = audio.samples.mean(axis=0, keepdims=True)
        note = f"{audio.path}: {n} channels mixed down to mono"
    return Audio(np.ascontiguousarray(mono, dtype=np.float32), audio.rate, audio.path), note


def resample(samples: NDArray[np.floating], rate_in: int, rate_out: int) -> NDArray[np.float32]:
    """Resample ``(channels, frames)`` with soxr (VHQ)."""
    x = np.asarray(samples, dtype=np.float32)
    if rate_in == rate_out:
        return x
    y = soxr.resample(x.T, rate_in, rate_out, quality="VHQ")
    return np.ascontiguousarray(np.asarray(y, dtype=np.float32).reshape(-1, x.shape[0]).T)


def resample_audio(audio: Audio, rate: int) -> Audio:
    if audio.rate == rate:
        return audio
    samples = resample(audio.samples, audio.rate, rate)
    if samples.shape[1] == 0:
        raise AudioFileError(
            f"{audio.path}: too short to resample: {audio.frames} sample(s) at "
            f"{audio.rate} Hz are no sample at {rate} Hz"
        )
    return Audio(samples, rate, audio.path)


def sidecar_path(path: str | Path) -> Path:
    """Where the JSON sidecar of an audio file lives: ``take.wav`` → ``take.wav.json``."""
    p = Path(path)
    return p.with_name(p.name + ".json")


def check_writable(path: str | Path, overwrite: bool = False, sidecar: bool = False) -> Path:
    """Fail early, before any work, if ``path`` (or its sidecar) cannot be written."""
    p = Path(path)
    if p.name in ("", ".", ".."):
        raise AudioFileError(f"{str(path) or repr(str(path))}: names a folder, not a file")
    targets = [p, sidecar_path(p)] if sidecar else [p]
    for t in targets:
        if len(os.fsencode(t.name)) > NAME_MAX:
            raise AudioFileError(
                f"{t}: file name too long ({len(os.fsencode(t.name))} bytes, "
                f"the limit is {NAME_MAX})"
            )
        if t.is_dir():
            raise AudioFileError(f"{t}: is a folder")
        if t.exists() and not overwrite:
            raise OutputExistsError(f"{t}: already exists (use --force to overwrite)")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise AudioFileError(f"{p}: folder {parent} does not exist")
    try:  # the real test: can a file be created there? (root ignores permission bits)
        fd, probe = tempfile.mkstemp(prefix=".ambisketch-probe-", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError:
        raise AudioFileError(f"{p}: folder {parent} is not writable") from None
    return p


def write_audio(
    path: str | Path,
    samples: NDArray[np.floating],
    rate: int,
    *,
    bits: str = "24",
    overwrite: bool = False,
    sidecar: dict[str, Any] | None = None,
) -> Path:
    """Write ``(channels, frames)`` to a WAV file, atomically, with an optional JSON sidecar.

    Args:
        bits: "16" or "24" (PCM, clipped to ±1; 16-bit gets TPDF dither) or "32f" (float).
        overwrite: replace an existing file (and sidecar); otherwise refuse.
        sidecar: metadata written to ``NAME.wav.json`` (see :func:`sidecar_path`).
    """
    if bits not in BIT_DEPTHS:
        raise ValueError(f"bits must be one of {', '.join(BIT_DEPTHS)}, got {bits!r}")
    p = check_writable(path, overwrite, sidecar is not None)
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"expected (channels, frames), got shape {x.shape}")
    if bits == "16":
        rng = np.random.default_rng(0)
        lsb = 1.0 / 32768.0
        x = (
            x
            + (rng.random(x.shape, dtype=np.float32) - rng.random(x.shape, dtype=np.float32)) * lsb
        )
    if bits != "32f":
        x = np.clip(x, -1.0, 1.0)
    try:
        if sidecar is None:
            with atomic_target(p) as tmp:
                _write_wav(tmp, x, rate, bits)
        else:
            text = json.dumps(sidecar, indent=2, default=_json_default) + "\n"
            # Both are complete before either is renamed into place.
            with atomic_target(p) as tmp, atomic_target(sidecar_path(p)) as tmp_side:
                _write_wav(tmp, x, rate, bits)
                tmp_side.write_text(text, encoding="utf-8")
    except (OSError, RuntimeError) as exc:
        reason = write_failure_reason(exc, p.parent if str(p.parent) else ".", x.nbytes)
        raise AudioFileError(f"{p}: cannot write ({reason})") from None
    return p


def _write_wav(path: Path, x: NDArray[np.float32], rate: int, bits: str) -> None:
    # Bytes, so that a name that is not UTF-8 reaches the file system as it is.
    sf.write(os.fsencode(path), x.T, int(rate), subtype=BIT_DEPTHS[bits], format="WAV")


def peak_dbfs(samples: NDArray[np.floating]) -> float:
    peak = float(np.max(np.abs(samples))) if np.size(samples) else 0.0
    return 20 * np.log10(peak) if peak > 0 else float("-inf")


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot write {type(obj).__name__} to JSON")
