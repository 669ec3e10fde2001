"""Mixing a scene: the offline render (the AmbiX mix and one stem per track) and the block
mixer that playback pulls from.

Both sum :class:`PreparedTrack` contributions block by block, so memory stays a few blocks
whatever the scene's length, and the mix played with a fixed head rotation equals the
offline mix decoded binaurally (the :class:`BlockRenderer` equals the offline renderer).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import numpy as np
from numpy.typing import NDArray

from ..errors import SceneError
from .media import MediaCache
from .scene import Scene
from .track_render import PreparedTrack, prepare_track

BLOCK = 1 << 16  # frames per block of the offline render


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def prepare_scene(
    scene: Scene, media: MediaCache, progress: Callable[[int, int], None] | None = None
) -> list[PreparedTrack]:
    """Every audible track, ready to mix (rooms are rendered here, once per setting)."""
    if media.rate != scene.rate:
        raise ValueError(f"media cache at {media.rate} Hz for a {scene.rate} Hz scene")
    audible = [t for t in scene.tracks if scene.audible(t)]
    out = []
    for i, t in enumerate(audible):
        out.append(prepare_track(t, db_to_gain(t.gain_db), scene.rate, media))
        if progress:
            progress(i + 1, len(audible))
    return out


def total_frames(prepared: list[PreparedTrack]) -> int:
    """The scene's length: to the end of the last clip, ring-outs included."""
    return max((p.end for p in prepared), default=0)


def mix_block(prepared: list[PreparedTrack], first: int, n: int) -> NDArray[np.float32]:
    """The mix of scene frames ``first … first + n`` → ``(4, n)``."""
    out = np.zeros((4, n), dtype=np.float32)
    for p in prepared:
        p.add_into(out, first)
    return out


def render_blocks(
    prepared: list[PreparedTrack], block: int = BLOCK, stems: bool = False
) -> Iterator[tuple[NDArray[np.float32], list[NDArray[np.float32]]]]:
    """The whole scene, block by block: ``(mix, stems)`` with one stem per prepared track
    (an empty list without ``stems``); the stems of a block sum to its mix."""
    total = total_frames(prepared)
    for first in range(0, total, block):
        n = min(block, total - first)
        if not stems:
            yield mix_block(prepared, first, n), []
            continue
        parts = []
        mix = np.zeros((4, n), dtype=np.float32)
        for p in prepared:
            part = np.zeros((4, n), dtype=np.float32)
            p.add_into(part, first)
            mix += part
            parts.append(part)
        yield mix, parts


def render_scene(scene: Scene, media: MediaCache) -> NDArray[np.float32]:
    """The whole AmbiX mix ``(4, frames)`` at ``scene.rate`` in memory (tests, short scenes)."""
    prepared = prepare_scene(scene, media)
    if not prepared:
        raise SceneError("nothing to render: the scene has no audible track")
    return np.concatenate([m for m, _ in render_blocks(prepared)], axis=1)


class BlockMixer:
    """Sums the scene's tracks for playback, one block at a time.

    :meth:`set_scene` prepares a new scene (call it off the audio thread: it may read files
    and render rooms); the swap itself is atomic, so edits are heard from the next block.
    """

    def __init__(self, scene: Scene, media: MediaCache | None = None) -> None:
        self.media = media if media is not None else MediaCache(scene.rate)
        self.rate = scene.rate
        self._lock = threading.Lock()
        self._prepared: list[PreparedTrack] = []
        self._frames = 0
        self.set_scene(scene)

    def set_scene(self, scene: Scene) -> None:
        if scene.rate != self.rate:
            raise SceneError(f"the player runs at {self.rate} Hz, the scene at {scene.rate} Hz")
        prepared = prepare_scene(scene, self.media)
        with self._lock:
            self._prepared, self._frames = prepared, total_frames(prepared)

    @property
    def frames(self) -> int:
        return self._frames

    @property
    def duration(self) -> float:
        return self._frames / self.rate

    def block(self, first: int, n: int) -> NDArray[np.float32]:
        with self._lock:
            prepared = self._prepared
        return mix_block(prepared, first, n)
