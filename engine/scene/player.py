"""Binaural playback of a scene with live head rotation: the take transport fed by the
block mixer instead of a fixed take, so track edits are heard while it plays."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..binaural.transport import Transport
from ..errors import AudioDeviceError
from .mixer import BlockMixer
from .scene import Scene


class SceneTransport(Transport):
    """Play, pause, seek, loop and head rotation as for a take (see :class:`Transport`);
    :meth:`set_scene` swaps in an edited scene between two blocks."""

    def __init__(self, scene: Scene, mixer: BlockMixer | None = None, **kwargs: Any) -> None:
        self.mixer = mixer if mixer is not None else BlockMixer(scene)
        super().__init__(np.zeros((4, 0), dtype=np.float32), self.mixer.rate, **kwargs)

    def set_scene(self, scene: Scene) -> None:
        self.mixer.set_scene(scene)

    @property
    def duration(self) -> float:
        return self.mixer.duration

    def _next_block(self, frames: int) -> NDArray[np.float32]:
        total = self.mixer.frames
        block = np.zeros((4, frames), dtype=np.float32)
        filled = 0
        while filled < frames:
            if self._pos >= total:
                if self.loop and total > 0:
                    self._pos = 0
                else:
                    self._state, self._pos = "stopped", 0
                    self.finished.set()
                    break
            n = min(frames - filled, total - self._pos)
            block[:, filled : filled + n] = self.mixer.block(self._pos, n)
            filled += n
            self._pos += n
        return block

    def _use_rate(self, rate: int) -> None:
        raise AudioDeviceError(
            f"the output device cannot play the scene's {self.mixer.rate} Hz "
            f"(it asks for {rate} Hz); choose another device"
        )
