"""What a take is auditioned as, made off the GUI thread.

A 16 kHz take (the starter model's) is auditioned at 48 kHz with its high band estimated, as
it is exported (unless the export dialog's "Estimate the highs" is unticked), so that what is
heard is what is written. Estimating the band costs about 0.15–0.3 s per 10 s of take on this
kind of CPU (1.5 s for a minute), too long for the GUI thread at every selection and at every
re-path edit, so it runs as a job on the window's runner. Only the newest request is loaded:
a selection made while an older one is being prepared wins, and the older result is dropped.
Without a runner (tests, embedding) the work is done inline.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QObject, Signal

from ambisketch.engine.models.highband import applies, to_rate

from ..jobs import Cancelled, JobProgress, JobRunner, TaskHandle
from ..settings_port import SettingsPort, flag

PREVIEW_RATE = 48000  # a 16 kHz take is auditioned here, with its high band
SETTING_HIGHS = "export/highs"  # the export dialog's checkbox: the preview follows it


class PreviewAudio(QObject):
    """Signals: ``ready(foa, rate, position)`` with the audio to load (and the position to
    start from); ``failed(message)`` when the high band could not be made (the take is then
    ready at its own rate right after)."""

    ready = Signal(object, int, float)
    failed = Signal(str)

    def __init__(
        self, settings: SettingsPort, runner: JobRunner | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self.runner = runner
        self._wanted = 0  # the newest request; a result of an older one is dropped
        self._pending: int | None = None

    def wants_highs(self, rate: int) -> bool:
        return flag(self._settings, SETTING_HIGHS, True) and applies(rate, PREVIEW_RATE)

    def request(self, foa: NDArray[np.floating], rate: int, position: float = 0.0) -> bool:
        """Ask for ``foa`` (AmbiX at ``rate``) as it is to be heard. True when ``ready`` was
        emitted already; False while it is being prepared off the GUI thread."""
        self._wanted += 1
        token = self._wanted
        self._pending = None
        if not self.wants_highs(rate):
            self.ready.emit(foa, rate, position)
            return True
        if self.runner is None:
            self.ready.emit(to_rate(foa, rate, PREVIEW_RATE)[0], PREVIEW_RATE, position)
            return True
        self._pending = token
        req = _Request(self, token, foa, rate, position)

        def job(progress: JobProgress, cancelled: Cancelled) -> NDArray[np.float32]:
            return to_rate(foa, rate, PREVIEW_RATE)[0]

        def connect(task: TaskHandle) -> None:
            # bound methods of a QObject of the GUI thread: delivered there (queued)
            task.finished.connect(req.finished)
            task.failed.connect(req.failed)
            task.crashed.connect(req.failed)
            task.done.connect(req.deleteLater)

        self.runner.start("preview-highs", job, connect)
        return self._pending is None  # a runner that works inline is done already

    def cancel(self) -> None:
        """Drop whatever is being prepared (another take, a scene, or none is shown now)."""
        self._wanted += 1
        self._pending = None

    @property
    def preparing(self) -> bool:
        return self._pending is not None

    def _finished(self, req: _Request, out: NDArray[np.float32]) -> None:
        if self._take(req.token):
            self.ready.emit(out, PREVIEW_RATE, req.position)

    def _failed(self, req: _Request, message: str) -> None:
        if self._take(req.token):
            self.failed.emit(f"The highs could not be estimated ({message}); playing at 16 kHz")
            self.ready.emit(req.foa, req.rate, req.position)

    def _take(self, token: int) -> bool:
        """Whether the result of request ``token`` is still wanted (then it is no longer
        pending)."""
        if token != self._wanted:
            return False
        self._pending = None
        return True


class _Request(QObject):
    """One request being prepared: its task's signals land on these slots, in the GUI
    thread (a plain function would run in the worker's)."""

    def __init__(
        self,
        owner: PreviewAudio,
        token: int,
        foa: NDArray[np.floating],
        rate: int,
        position: float,
    ) -> None:
        super().__init__(owner)
        self.owner, self.token = owner, token
        self.foa, self.rate, self.position = foa, rate, position

    def finished(self, out: NDArray[np.float32]) -> None:
        self.owner._finished(self, out)

    def failed(self, message: str) -> None:
        self.owner._failed(self, message)
