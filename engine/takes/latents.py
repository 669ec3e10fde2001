"""A take's codec latents, kept beside its WAV so it can be re-pathed or edited later.

``take.wav`` → ``take.wav.latents.safetensors``: one float32 tensor ``latents`` of shape
``(channels, frames)`` — the latents exactly as the codec decodes them (after the DiT's
de-standardisation), for the factored codec the W latents followed by the DirAC band vectors
(scaled, see :mod:`ambisketch.engine.models.factored_codec`) — and string metadata (the codec
kind, the bundle's name, the sample rate, ``samples`` (the take's length), ``gain`` (the take
is ``gain`` times what the latents decode to: its loudness normalisation), ``placement`` and,
for the factored codec, where the directions sit). Safetensors only: nothing is unpickled.

Read without torch (``safetensors.numpy``), so the take list and the GUI can look at them
cheaply. The take store writes, moves and trashes the file together with its take.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ..errors import AudioFileError
from ..files import atomic_target

SUFFIX = ".latents.safetensors"
KEY = "latents"


class LatentsError(AudioFileError):
    """A take's latents file is missing, unreadable or not what a take keeps."""


def latents_path(wav: str | Path) -> Path:
    """Where a take's latents live: ``take.wav`` → ``take.wav.latents.safetensors``."""
    p = Path(wav)
    return p.with_name(p.name + SUFFIX)


def has_latents(wav: str | Path) -> bool:
    return latents_path(wav).is_file()


def _check_array(latents: NDArray[np.floating], where: str) -> NDArray[np.float32]:
    a = np.asarray(latents)
    if a.ndim != 2 or a.shape[0] < 1 or a.shape[1] < 1:
        raise LatentsError(f"{where}: latents must have shape (channels, frames), got {a.shape}")
    if not np.issubdtype(a.dtype, np.floating):
        raise LatentsError(f"{where}: latents must be floating point, got {a.dtype}")
    a = np.ascontiguousarray(a, dtype=np.float32)
    if not np.isfinite(a).all():
        raise LatentsError(f"{where}: latents hold NaN or infinite values")
    return a


def save_latents(
    wav: str | Path, latents: NDArray[np.floating], meta: dict[str, str] | None = None
) -> Path:
    """Write ``latents`` (channels, frames) beside ``wav`` atomically; returns the file.

    ``meta`` values must be strings (safetensors metadata); an existing file is replaced
    (the take it belongs to was just written)."""
    from safetensors.numpy import save_file

    target = latents_path(wav)
    a = _check_array(latents, str(target))
    info = {str(k): v for k, v in (meta or {}).items()}
    bad = [k for k, v in info.items() if not isinstance(v, str)]
    if bad:
        raise LatentsError(f"{target}: metadata value of {bad[0]!r} is not a string")
    try:
        with atomic_target(target) as tmp:
            save_file({KEY: a}, str(tmp), metadata=info)
    except OSError as exc:
        raise LatentsError(f"{target}: cannot write ({exc.strerror or exc})") from None
    return target


def load_latents(wav: str | Path) -> tuple[NDArray[np.float32], dict[str, str]]:
    """The latents ``(channels, frames)`` float32 and metadata kept beside ``wav``.

    Raises:
        LatentsError: no latents file (an imported take, or one made before takes kept
            them), or a file that is not a take's latents.
    """
    from safetensors import SafetensorError, safe_open

    src = latents_path(wav)
    if not src.is_file():
        raise LatentsError(
            f"{src}: no latents beside the take (imported, or made before takes kept their latents)"
        )
    try:
        with safe_open(str(src), framework="numpy") as f:
            keys = list(f.keys())
            if keys != [KEY]:
                raise LatentsError(
                    f"{src}: expected one tensor {KEY!r}, found "
                    f"{', '.join(map(repr, keys)) or 'none'}"
                )
            meta = dict(f.metadata() or {})
            data = f.get_tensor(KEY)
    except LatentsError:
        raise
    except (SafetensorError, OSError, ValueError, TypeError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LatentsError(f"{src}: not a readable safetensors file ({detail})") from None
    return _check_array(data, str(src)), meta
