"""The audio behind the tracks: checked on the way in, read once, resampled to the scene's rate.

:func:`media_info` reads only the header (fast, for adding and listing); :class:`MediaCache`
holds each file's samples at the scene's rate (soxr VHQ for files at other rates), keyed by
path, size and modification time so an edited file is read again.

A file at the model's 16 kHz (a take) gets its band above 7.6 kHz estimated on the way up,
as an exported take does (:mod:`ambisketch.engine.models.highband`; ``highs=False`` leaves
it empty): once per file. A re-pathed take is rendered again on every edit of its path, so
its highs are not estimated again each time: W's high band, which does not depend on the
path, is made once per file and panned along each new path (:mod:`.panning`), as a point
source on the path — the take's own room, if any, has no diffuse part above 7.6 kHz there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import soundfile as sf
from numpy.typing import NDArray

from ..audio_io import read_audio, resample
from ..errors import AudioFileError, EngineError, SceneError
from ..models.highband import applies, default_model, to_rate, w_high_band
from ..spatial.trajectory import Trajectory
from .panning import encode_into
from .tracks import channel_problem

if TYPE_CHECKING:
    from ..takes.repath import Repather

MAX_REPATHERS = 8  # takes whose path-independent parts are kept (a few MB each)
PATHS_PER_FILE = 4  # re-pathed renders kept per file (a take used on a few tracks)


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


def repath_method(path: str | Path) -> str:
    """How :meth:`MediaCache.repathed` places the FOA file ``path`` on a new path:
    "latents" (a take with its codec latents: exact) or "path lock" (DSP)."""
    from ..takes.latents import has_latents

    return "latents" if has_latents(path) else "path lock"


def _key(path: Path) -> tuple[str, int, int]:
    try:
        st = path.stat()
    except OSError:
        raise AudioFileError(f"{path}: no such file") from None
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


class MediaCache:
    """Samples ``(channels, frames)`` float32 at ``rate`` per file, read on first use.

    Thread-safe; ``max_bytes`` bounds what is kept (least recently used goes first).
    ``highs``: 16 kHz files get their high band estimated (see the module notes).
    """

    def __init__(self, rate: int, max_bytes: int = 4 << 30, *, highs: bool = True) -> None:
        self.rate = int(rate)
        self.max_bytes = max_bytes
        self.highs = highs
        self.estimated: set[str] = set()  # the files (resolved) whose high band was estimated
        self._items: dict[tuple[object, ...], NDArray[np.float32]] = {}
        self._lock = threading.Lock()
        self._repathers: dict[tuple[str, int, int], Repather] = {}
        self._recent_paths: dict[tuple[str, int, int], list[tuple[str, str]]] = {}

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
        data, band = to_rate(audio.samples, audio.rate, self.rate, self.highs)
        data = np.ascontiguousarray(data)
        if band is not None:
            self.estimated.add(str(p.resolve()))
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

    def repathed(self, path: str | Path, trajectory: Trajectory) -> NDArray[np.float32]:
        """The FOA file ``path`` placed on ``trajectory`` (media time), at the cache's rate:
        from the take's codec latents where it has them (exact: its sound kept, only the
        direction changed), else by the DSP path lock. Cached per path while the file is
        unchanged; the path-independent part of a take is kept, so each new path of a
        dragged edit costs only the panning."""
        p = Path(path)
        key = ("repath", trajectory.to_json())
        file_key = _key(p)
        with self._lock:  # a dragged path leaves a trail of renders: keep the last few
            recent = self._recent_paths.setdefault(file_key, [])
            if key in recent:
                recent.remove(key)
            recent.append(key)
            while len(recent) > PATHS_PER_FILE:
                self._items.pop((file_key, *recent.pop(0)), None)
        return self.derived(key, p, lambda: self._repath(p, trajectory))

    def _repath(self, p: Path, trajectory: Trajectory) -> NDArray[np.float32]:
        from ..takes.repath import lock_take

        key = _key(p)
        with self._lock:
            repather = self._repathers.get(key)
        if repather is None:  # the file is read once per take, not once per edit
            audio = read_audio(p)
            if audio.channels != 4:
                raise SceneError(f"{p}: {audio.channels} channels; only an FOA file is re-pathed")
            repather = self._new_repather(p, audio.samples)
            if repather is None:  # no usable latents: the DSP path lock
                foa = lock_take(audio.samples, trajectory, audio.rate)
                return self._placed(p, foa, audio.samples[0], audio.rate, trajectory)
            with self._lock:
                self._repathers[key] = repather
                while len(self._repathers) > MAX_REPATHERS:
                    self._repathers.pop(next(iter(self._repathers)))
        foa = repather.render(trajectory)  # at the take's rate, the codec's
        return self._placed(p, foa, repather.w, repather.layout.rate, trajectory)

    def _placed(
        self,
        p: Path,
        foa: NDArray[np.float32],
        w: NDArray[np.float32],
        rate: int,
        trajectory: Trajectory,
    ) -> NDArray[np.float32]:
        """A re-pathed ``foa`` (at ``rate``) at the cache's rate, with the high band of the
        take's W (``w``, made once per file) panned along ``trajectory`` where it gets one."""
        out = np.ascontiguousarray(resample(foa, rate, self.rate), np.float32)
        if self.highs and applies(rate, self.rate):
            high = self.derived(
                ("w-highs",),
                p,
                lambda: w_high_band(
                    resample(w[None], rate, self.rate)[0], self.rate, default_model()
                ),
            )
            n = min(out.shape[1], high.shape[0])
            encode_into(out[:, :n], high[:n], trajectory, self.rate, 0)
            self.estimated.add(str(p.resolve()))
        return out

    @staticmethod
    def _new_repather(p: Path, foa: NDArray[np.float32]) -> Repather | None:
        """The take's repather, or None (no latents, a path-locked take, damaged latents, or
        latents of another length than the file)."""
        from ..takes.latents import LatentsError, has_latents
        from ..takes.repath import Repather

        if not has_latents(p):
            return None
        try:
            repather = Repather.from_take(p, foa)
        except (LatentsError, EngineError):
            return None
        return repather if repather.n == foa.shape[1] else None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._repathers.clear()
            self._recent_paths.clear()

    def _store(self, key: tuple[object, ...], data: NDArray[np.float32]) -> None:
        with self._lock:
            self._items[key] = data
            total = sum(a.nbytes for a in self._items.values())
            while total > self.max_bytes and len(self._items) > 1:
                oldest = next(iter(self._items))
                total -= self._items.pop(oldest).nbytes
