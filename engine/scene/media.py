"""The audio behind the tracks: checked on the way in, read once, resampled to the scene's rate.

:func:`media_info` reads only the header (fast, for adding and listing); :class:`MediaCache`
holds each file's samples at the scene's rate (soxr VHQ for files at other rates, such as
the model's 16 kHz takes), keyed by path, size and modification time so an edited file is
read again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from numpy.typing import NDArray

from ..audio_io import read_audio, resample
from ..errors import AudioFileError, SceneError
from .tracks import channel_problem


@dataclass(frozen=True)
class MediaInfo:
    path: Path
    channels: int
    rate: int
    frames: int

    @property
    def duration(self) -> float:
        return self.frames / self.rate


def media_info(path: str | Path) -> MediaInfo:
    """The header of an audio file a track can use; one-line errors name the file."""
    p = Path(path)
    if not p.exists():
        raise AudioFileError(f"{p}: no such file")
    if p.is_dir():
        raise AudioFileError(f"{p}: is a folder, not an audio file")
    try:
        info = sf.info(str(p))
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError) as exc:
        detail = str(exc).split(":")[-1].strip() or "unknown format"
        raise AudioFileError(f"{p}: not a readable audio file ({detail})") from None
    if info.frames <= 0:
        raise AudioFileError(f"{p}: the file holds no audio (0 samples)")
    problem = channel_problem(p, info.channels)
    if problem:
        raise SceneError(problem)
    return MediaInfo(p, int(info.channels), int(info.samplerate), int(info.frames))


def _key(path: Path) -> tuple[str, int, int]:
    try:
        st = path.stat()
    except OSError:
        raise AudioFileError(f"{path}: no such file") from None
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


class MediaCache:
    """Samples ``(channels, frames)`` float32 at ``rate`` per file, read on first use.

    Thread-safe; ``max_bytes`` bounds what is kept (least recently used goes first).
    """

    def __init__(self, rate: int, max_bytes: int = 4 << 30) -> None:
        self.rate = int(rate)
        self.max_bytes = max_bytes
        self._items: dict[tuple[object, ...], NDArray[np.float32]] = {}
        self._lock = threading.Lock()

    def samples(self, path: str | Path) -> NDArray[np.float32]:
        """Every channel of ``path`` at the cache's rate."""
        p = Path(path)
        key = _key(p)
        with self._lock:
            hit = self._items.pop(key, None)
            if hit is not None:
                self._items[key] = hit  # most recently used goes last
                return hit
        audio = read_audio(p)
        problem = channel_problem(p, audio.channels)
        if problem:
            raise SceneError(problem)
        data = np.ascontiguousarray(resample(audio.samples, audio.rate, self.rate))
        data.setflags(write=False)
        self._store(key, data)
        return data

    def derived(
        self, key: tuple[object, ...], path: str | Path, make: Callable[[], NDArray[np.float32]]
    ) -> NDArray[np.float32]:
        """A value computed from ``path`` (an air-filtered copy, a room render), cached while
        the file is unchanged."""
        full = (_key(Path(path)),) + key
        with self._lock:
            hit = self._items.pop(full, None)
            if hit is not None:
                self._items[full] = hit
                return hit
        data = make()
        data.setflags(write=False)
        self._store(full, data)
        return data

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def _store(self, key: tuple[object, ...], data: NDArray[np.float32]) -> None:
        with self._lock:
            self._items[key] = data
            total = sum(a.nbytes for a in self._items.values())
            while total > self.max_bytes and len(self._items) > 1:
                oldest = next(iter(self._items))
                total -= self._items.pop(oldest).nbytes
