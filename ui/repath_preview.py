"""Editing the path while a take is selected: the take follows (issue 19.3, 21.4).

A take with latents (a factored model's) is re-rendered on the edited path off the GUI
thread — a :class:`~ambisketch.engine.takes.repath.Repather` keeps what does not depend on
the path, so each edit costs tens of milliseconds — and its preview, the measured overlay
and the error figure follow; *Keep as new take* stores it. A take without latents (an
imported file, a 4-channel model's, a path-locked one) cannot follow: its figure is marked
stale, because a measured error always refers to the path the take was made on.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QObject, QTimer, Signal

from ambisketch.engine.errors import EngineError
from ambisketch.engine.spatial.doa import direction_errors, intensity_doa
from ambisketch.engine.spatial.trajectory import Trajectory
from ambisketch.engine.takes import TakeRecord, TakeStore

from .jobs import Cancelled, JobProgress, JobRunner, TaskHandle

if TYPE_CHECKING:
    from ambisketch.engine.takes.repath import Repather

# a finished render: the take's file, its repather, the path, the FOA, the measured track
# and the errors against the path
Rendered = tuple[
    Path, "Repather", Trajectory, NDArray[np.float32], NDArray[np.float64], NDArray[np.float64]
]

DEBOUNCE_MS = 120  # a drag sends many edits: render the latest once the hand pauses


def same_path(a: Trajectory | None, b: Trajectory | None) -> bool:
    return (
        a is not None and b is not None and a.duration == b.duration and a.keyframes == b.keyframes
    )


class RepathPreview(QObject):
    """Signals: ``rendered(trajectory, foa, track, errors)`` when a re-pathed preview is
    ready; ``stale(message)`` when the selected take's figure no longer matches the path
    shown; ``restored()`` when the path is the take's own again."""

    rendered = Signal(object, object, object, object)
    stale = Signal(str)
    restored = Signal()

    def __init__(self, runner: JobRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._record: TakeRecord | None = None
        self._foa: NDArray[np.float32] | None = None
        self._rate = 0
        self._error: float | None = None
        self._repather: Repather | None = None
        self._wanted: Trajectory | None = None
        self._busy = False
        self.preview: tuple[Trajectory, NDArray[np.float32]] | None = None
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self._start)

    # --- inputs ----------------------------------------------------------------------
    def take_selected(
        self,
        record: TakeRecord | None,
        foa: NDArray[np.float32] | None = None,
        rate: int = 0,
        error: float | None = None,
    ) -> None:
        """The take now selected (None: none), with its samples and its own error."""
        self._record, self._foa, self._rate, self._error = record, foa, rate, error
        self._repather, self.preview, self._wanted = None, None, None
        self._timer.stop()

    def path_edited(self, path: Trajectory) -> None:
        """The path in the editor changed (an edit, undo, a preset)."""
        r = self._record
        if r is None or r.trajectory is None:
            return  # no take, or one placed by the model alone: no figure to keep true
        wanted = path.with_duration(r.seconds) if abs(path.duration - r.seconds) > 1e-9 else path
        if same_path(wanted, r.trajectory):
            self._wanted, self.preview = None, None
            self._timer.stop()
            self.restored.emit()
            return
        if not r.has_latents or r.placement == "locked":
            err = f"{self._error:.1f}° " if self._error is not None else ""
            self.stale.emit(
                f"Path edited — the {err}error refers to the take's own path, "
                "not the one shown (this take has no latents to re-path it; "
                "'Use This Take's Path' shows its own)"
            )
            return
        self._wanted = wanted
        self._timer.start()

    # --- the work -------------------------------------------------------------------
    def busy(self) -> bool:
        return self._busy or self._timer.isActive()

    def _start(self) -> None:
        if self._busy or self._wanted is None or self._record is None:
            return
        record, foa, rate, path = self._record, self._foa, self._rate, self._wanted
        cached = self._repather
        self._busy = True

        def job(progress: JobProgress, cancelled: Cancelled) -> Rendered:
            from ambisketch.engine.takes.repath import Repather

            rp = cached if cached is not None else Repather.from_take(record.path, foa)
            out = rp.render(path)
            track = intensity_doa(out, rate)
            return record.path, rp, path, out, track, direction_errors(track, path)

        def connect(task: TaskHandle) -> None:
            task.finished.connect(self._finished)
            task.failed.connect(self._failed)
            task.crashed.connect(lambda m: self._failed(f"unexpected error ({m}); see the log"))
            task.done.connect(self._done)

        self.runner.start("repath", job, connect)

    def _finished(self, result: Rendered) -> None:
        where, rp, path, out, track, errors = result
        if self._record is None or self._record.path != where:
            return  # another take was selected meanwhile
        self._repather = rp
        if self._wanted is not None and same_path(path, self._wanted):
            self.preview = (path, out)
            self.rendered.emit(path, out, track, errors)

    def _failed(self, message: str) -> None:
        self._wanted = None
        self.stale.emit(
            f"Path edited — could not re-path the take ({message}); the error "
            "shown refers to its own path"
        )

    def _done(self) -> None:
        self._busy = False
        if self._wanted is not None and (
            self.preview is None or not same_path(self.preview[0], self._wanted)
        ):
            self._timer.start()  # the path moved on while rendering: render the latest

    def keep(self, store: TakeStore) -> TakeRecord:
        """Store the re-pathed preview as a new take (:class:`EngineError` on failure)."""
        from ambisketch.engine.takes.repath import repath_take

        if self._record is None or self.preview is None:
            raise EngineError("nothing re-pathed to keep: edit the path of a selected take")
        return repath_take(store, self._record, self.preview[0], repather=self._repather)
