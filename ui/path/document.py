"""The path being edited: one :class:`Trajectory`, the selection, the playhead, an overlay.

Every view of the path editor (sphere, flat map, timeline, table) reads this document and
edits it through its methods; it tells them about changes with signals. Edits are undoable
(:attr:`PathDocument.undo_stack`). An edit that would make the path invalid is *refused*:
the method returns a failure value and :attr:`PathDocument.edit_refused` carries the one-line
reason, so no exception ever escapes into Qt's event loop.

Rules of the path (from :class:`Trajectory`): keyframe times strictly increase and lie in
[0, duration]; before the first keyframe and after the last the sound holds still; a path
has at least one keyframe.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from ...engine.errors import TrajectoryError
from ...engine.files import atomic_target
from ...engine.spatial.doa import DirectionTrack
from ...engine.spatial.freehand import DEFAULT_TOLERANCE, stroke_to_trajectory
from ...engine.spatial.presets import preset
from ...engine.spatial.trajectory import DIRECTIONS, Keyframe, Trajectory, segment_delta
from .commands import ReplacePath

DEFAULT_DURATION = 10.0
SNAP_SECONDS = 0.05  # a click "at the playhead" hits a keyframe this close in time
MIN_GAP = 0.001  # seconds a dragged keyframe keeps from its neighbours


@dataclass(frozen=True)
class MeasuredTrack:
    """Direction measured in a take (degrees over seconds); NaN marks frames without one."""

    times: NDArray[np.float64]
    azimuth: NDArray[np.float64]
    elevation: NDArray[np.float64]
    label: str = ""


class PathDocument(QObject):
    """The edit model of the path editor, with undo."""

    changed = Signal()  # the path changed: an edit, undo/redo, open, preset
    selection_changed = Signal(int)  # selected keyframe index, -1 = none
    measured_changed = Signal()  # the measured overlay was set or cleared
    playhead_changed = Signal(float)  # seconds
    edit_refused = Signal(str)  # why an edit was not made (one line)
    look_changed = Signal()  # the path was dimmed or undimmed (not used for the take)
    words_edited = Signal()  # the path the prompt's words describe was edited: now drawn

    def __init__(self, trajectory: Trajectory | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._trajectory = trajectory or Trajectory.static(0.0, 0.0, DEFAULT_DURATION)
        self._selected = -1
        self._playhead = 0.0
        self._measured: MeasuredTrack | None = None
        self._file: Path | None = None
        self._drag = 0  # serial of the current drag, part of its undo merge key
        self.freehand_tolerance = DEFAULT_TOLERANCE  # degrees a drawn stroke may be smoothed
        self._drawn: Trajectory | None = None  # the drawn path, kept while words show theirs
        self._dimmed = False
        self.undo_stack = QUndoStack(self)

    # --- reading ------------------------------------------------------------------
    def trajectory(self) -> Trajectory:
        return self._trajectory

    def duration(self) -> float:
        return self._trajectory.duration

    def keyframes(self) -> tuple[Keyframe, ...]:
        return self._trajectory.keyframes

    def selected(self) -> int:
        return self._selected

    def playhead(self) -> float:
        return self._playhead

    def measured(self) -> MeasuredTrack | None:
        return self._measured

    def dimmed(self) -> bool:
        """Whether the path is drawn greyed out (it is not used: text-only generation)."""
        return self._dimmed

    def set_dimmed(self, on: bool) -> None:
        if bool(on) != self._dimmed:
            self._dimmed = bool(on)
            self.look_changed.emit()

    def showing_words(self) -> bool:
        """Whether the path shown is what the prompt's words say (not an undo step)."""
        return self._drawn is not None

    def drawn_trajectory(self) -> Trajectory:
        """The user's drawn path (also while the words' path is shown instead)."""
        return self._drawn if self._drawn is not None else self._trajectory

    def show_words_path(self, t: Trajectory) -> None:
        """Show the path the prompt's words describe in place of the drawn one, without an
        undo step; editing it makes it the drawn path (:attr:`words_edited`)."""
        if self._drawn is None:
            self._drawn = self._trajectory
        if t != self._trajectory or t.name != self._trajectory.name:
            self._apply(t, -1)

    def show_drawn_path(self) -> None:
        """Back to the drawn path after :meth:`show_words_path`."""
        if self._drawn is not None:
            drawn, self._drawn = self._drawn, None
            self._apply(drawn, -1)

    def file_path(self) -> Path | None:
        """The file last opened or saved, if any."""
        return self._file

    def keyframe_near(self, time: float, within: float = SNAP_SECONDS) -> int:
        """Index of the keyframe closest to ``time`` if it is within ``within`` s, else -1."""
        times = np.array([k.time for k in self._trajectory.keyframes])
        i = int(np.argmin(np.abs(times - time)))
        return i if abs(times[i] - time) <= within else -1

    def clamp_time(self, index: int, time: float) -> float:
        """``time`` clamped to where keyframe ``index`` may go: inside [0, duration] and
        at least :data:`MIN_GAP` seconds from its neighbours (for drags)."""
        kfs = self._trajectory.keyframes
        low = kfs[index - 1].time + MIN_GAP if index > 0 else 0.0
        high = kfs[index + 1].time - MIN_GAP if index + 1 < len(kfs) else self.duration()
        return float(np.clip(time, low, max(low, high)))

    # --- edits (undoable) ------------------------------------------------------------
    def set_trajectory(self, t: Trajectory, text: str = "Replace path") -> None:
        """Replace the whole path (one undo step); the selection is cleared."""
        self._push(t, text, selected=-1)

    def apply_preset(self, name: str) -> bool:
        """Replace the path by the engine preset ``name`` over the current duration."""
        try:
            t = preset(name, self.duration())
        except TrajectoryError as exc:
            return self.refuse(str(exc))
        self._push(t, f"Preset {t.name}", selected=-1)
        return True

    def set_duration(self, seconds: float) -> bool:
        """Stretch the path in time to ``seconds`` (keyframe times scale with it)."""
        if not np.isfinite(seconds) or seconds <= 0:
            return self.refuse(f"duration must be > 0 s, got {seconds:g}")
        if abs(seconds - self.duration()) < 1e-12:
            return True
        self._push(
            self._trajectory.with_duration(float(seconds)),
            f"Duration {seconds:g} s",
            selected=self._selected,
        )
        return True

    def add_keyframe(self, time: float, azimuth: float, elevation: float) -> int:
        """Insert a keyframe; returns its index, or -1 if refused.

        A keyframe that splits a segment keeps that segment's total turn (a counter-clockwise
        sweep stays one; see :func:`_split_turn`). Paths with distances give the new
        keyframe the distance the path has at that time.
        """
        kfs = list(self._trajectory.keyframes)
        if not (np.isfinite(time) and 0.0 <= time <= self.duration()):
            self.refuse(f"time {time:g} s is outside the path (0 to {self.duration():g} s)")
            return -1
        if any(abs(k.time - time) < 1e-9 for k in kfs):
            self.refuse(f"a keyframe already sits at {time:g} s: move it instead")
            return -1
        index = int(np.searchsorted([k.time for k in kfs], time))
        distance = None
        if self._trajectory.has_distance:
            distance = float(self._trajectory.sample([time])[2][0])
        try:
            new = Keyframe(float(time), float(azimuth), float(elevation), distance)
        except TrajectoryError as exc:
            self.refuse(str(exc))
            return -1
        kfs.insert(index, new)
        if 0 < index < len(kfs) - 1:
            kfs[index], kfs[index + 1] = _split_turn(kfs[index - 1], kfs[index], kfs[index + 1])
        self._drag += 1  # a drag may follow the add (click and hold): fold it into this step
        self._push_keyframes(
            kfs,
            f"Add keyframe at {time:.2f} s",
            selected=index,
            merge_key=("move", index, self._drag),
        )
        return index

    def place(self, time: float, azimuth: float, elevation: float) -> int:
        """Put the sound at (azimuth, elevation) at ``time``: move the keyframe within
        :data:`SNAP_SECONDS` of it, or add one. Returns the keyframe's index or -1."""
        near = self.keyframe_near(time)
        if near >= 0:
            return near if self.move_keyframe(near, azimuth=azimuth, elevation=elevation) else -1
        return self.add_keyframe(time, azimuth, elevation)

    def move_keyframe(
        self,
        index: int,
        *,
        azimuth: float | None = None,
        elevation: float | None = None,
        time: float | None = None,
        merge: bool = False,
    ) -> bool:
        """Change a keyframe. During a drag pass ``merge=False`` on the first move and
        ``merge=True`` on the rest: the whole drag becomes one undo step."""
        if not self._valid_index(index):
            return False
        kfs = list(self._trajectory.keyframes)
        old = kfs[index]
        changes: dict[str, float] = {}
        if azimuth is not None:
            changes["azimuth"] = float(azimuth)
        if elevation is not None:
            changes["elevation"] = float(elevation)
        if time is not None:
            if not self._time_allowed(index, time):
                return self.refuse(self._time_reason(index, time))
            changes["time"] = float(time)
        try:
            kfs[index] = replace(old, **changes)
        except TrajectoryError as exc:
            return self.refuse(str(exc))
        if not merge:
            self._drag += 1  # a new drag: never fold into the previous one's undo step
        self._push_keyframes(
            kfs,
            f"Move keyframe {index + 1}",
            selected=index,
            merge_key=("move", index, self._drag),
            merge=merge,
        )
        return True

    def delete_keyframe(self, index: int) -> bool:
        if not self._valid_index(index):
            return False
        kfs = list(self._trajectory.keyframes)
        if len(kfs) == 1:
            return self.refuse("a path needs at least one keyframe")
        del kfs[index]
        self._push_keyframes(kfs, f"Delete keyframe {index + 1}", selected=-1)
        return True

    def set_direction(self, index: int, direction: str) -> bool:
        """Set which way the segment *ending* at keyframe ``index`` turns."""
        if not self._valid_index(index):
            return False
        if direction not in DIRECTIONS:
            return self.refuse(f"direction {direction!r} is not one of {', '.join(DIRECTIONS)}")
        if index == 0:
            return self.refuse(
                "the first keyframe starts the path: a direction belongs to "
                "the segment that ends at a keyframe"
            )
        kfs = list(self._trajectory.keyframes)
        if kfs[index].direction == direction:
            return True
        kfs[index] = replace(kfs[index], direction=direction)
        self._push_keyframes(kfs, f"Direction {direction}", selected=index)
        return True

    def draw_stroke(
        self,
        times: ArrayLike,
        azimuth: ArrayLike,
        elevation: ArrayLike,
        tolerance: float | None = None,
    ) -> bool:
        """Replace the path by a freehand stroke, simplified to keyframes (one undo step)
        within ``tolerance`` degrees (default :attr:`freehand_tolerance`). The stroke's
        timing is stretched over the path's duration."""
        if tolerance is None:
            tolerance = self.freehand_tolerance
        try:
            t = stroke_to_trajectory(times, azimuth, elevation, self.duration(), tolerance)
        except TrajectoryError as exc:
            return self.refuse(str(exc))
        self._push(t, "Draw path", selected=-1)
        return True

    # --- selection, playhead, overlay (not undoable: they are views, not edits) -----
    def select(self, index: int) -> None:
        index = int(index) if 0 <= index < len(self._trajectory.keyframes) else -1
        if index != self._selected:
            self._selected = index
            self.selection_changed.emit(index)

    def set_playhead(self, seconds: float) -> None:
        s = float(np.clip(seconds, 0.0, self.duration())) if np.isfinite(seconds) else 0.0
        if s != self._playhead:
            self._playhead = s
            self.playhead_changed.emit(s)

    def set_measured(
        self, times: ArrayLike, azimuth: ArrayLike, elevation: ArrayLike, label: str = ""
    ) -> None:
        """Show a measured direction track (e.g. a take's DOA) beside the drawn path."""
        t, az, el = (np.asarray(v, dtype=np.float64).ravel() for v in (times, azimuth, elevation))
        if not (t.size == az.size == el.size):
            raise TrajectoryError(
                f"measured track {label!r} has {t.size} times, "
                f"{az.size} azimuths and {el.size} elevations"
            )
        self._measured = MeasuredTrack(t, az, el, label)
        self.measured_changed.emit()

    def set_measured_track(self, track: DirectionTrack, label: str = "") -> None:
        """Show a take's measured direction (:func:`intensity_doa`); gated frames are gaps."""
        self.set_measured(
            track.times,
            np.where(track.valid, track.azimuth, np.nan),
            np.where(track.valid, track.elevation, np.nan),
            label,
        )

    def clear_measured(self) -> None:
        if self._measured is not None:
            self._measured = None
            self.measured_changed.emit()

    # --- files ------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write the path as JSON, atomically. Raises :class:`TrajectoryError` naming the file."""
        target = Path(path)
        try:
            with atomic_target(target) as tmp:
                tmp.write_text(self._trajectory.to_json() + "\n", encoding="utf-8")
        except OSError as exc:
            raise TrajectoryError(f"{target}: cannot write ({exc.strerror or exc})") from None
        self._file = target
        self.undo_stack.setClean()

    def load(self, path: str | Path) -> None:
        """Open a path JSON file (undoable). On a bad file raises :class:`TrajectoryError`
        naming it, and the document stays as it was."""
        t = Trajectory.load(path)
        self._push(t, f"Open {Path(path).name}", selected=-1)
        self._file = Path(path)
        self.undo_stack.setClean()

    # --- internals ----------------------------------------------------------------------
    def _apply(self, t: Trajectory, selected: int) -> None:
        """Called by undo commands only: show ``t`` and select ``selected``."""
        self._trajectory = t
        if self._playhead > t.duration:
            self._playhead = t.duration
            self.playhead_changed.emit(self._playhead)
        self.changed.emit()
        self.select(selected)

    def _push(
        self,
        t: Trajectory,
        text: str,
        *,
        selected: int,
        merge_key: Hashable | None = None,
        merge: bool = False,
    ) -> None:
        if t == self._trajectory and t.name == self._trajectory.name:
            return  # nothing changed: no empty undo step
        if self._drawn is not None:  # the words' path, edited: it is the drawn path now
            self._drawn = None
            self.words_edited.emit()
        self.undo_stack.push(
            ReplacePath(
                self,
                self._trajectory,
                t,
                text,
                selected_before=self._selected,
                selected_after=selected,
                merge_key=merge_key,
                merge=merge,
            )
        )

    def _push_keyframes(
        self,
        kfs: list[Keyframe],
        text: str,
        *,
        selected: int,
        merge_key: Hashable | None = None,
        merge: bool = False,
    ) -> None:
        try:
            t = Trajectory(self.duration(), tuple(kfs))  # an edited preset is no longer it
        except TrajectoryError as exc:
            self.refuse(str(exc))
            return
        self._push(t, text, selected=selected, merge_key=merge_key, merge=merge)

    def _valid_index(self, index: int) -> bool:
        if 0 <= index < len(self._trajectory.keyframes):
            return True
        return self.refuse(
            f"no keyframe {index + 1} (the path has {len(self._trajectory.keyframes)})"
        )

    def _time_allowed(self, index: int, time: float) -> bool:
        kfs = self._trajectory.keyframes
        return (
            bool(np.isfinite(time))
            and 0.0 <= time <= self.duration()
            and (index == 0 or time > kfs[index - 1].time)
            and (index + 1 == len(kfs) or time < kfs[index + 1].time)
        )

    def _time_reason(self, index: int, time: float) -> str:
        kfs = self._trajectory.keyframes
        if not np.isfinite(time) or not 0.0 <= time <= self.duration():
            return f"time {time:g} s is outside the path (0 to {self.duration():g} s)"
        low = f"after {kfs[index - 1].time:.3g} s" if index > 0 else ""
        high = f"before {kfs[index + 1].time:.3g} s" if index + 1 < len(kfs) else ""
        between = " and ".join(p for p in (low, high) if p)
        return f"keyframe {index + 1} must stay {between} (its neighbours); drag those first"

    def refuse(self, reason: str) -> bool:
        """Report an edit that cannot be made (views show ``reason``); returns False."""
        self.edit_refused.emit(reason)
        return False


def _named_turn(a: Keyframe, b: Keyframe, turn: float) -> Keyframe:
    """``b`` with the direction that makes the segment from ``a`` turn ``turn`` degrees."""
    if abs(segment_delta(a.azimuth, b.azimuth, "shortest") - turn) < 1e-9:
        return replace(b, direction="shortest")
    return replace(b, direction="ccw" if turn > 0 else "cw")


def _split_turn(a: Keyframe, new: Keyframe, b: Keyframe) -> tuple[Keyframe, Keyframe]:
    """Directions for ``new`` inserted between ``a`` and ``b``, keeping the turn a→b.

    The first part turns by the way round to ``new`` that is nearest its share in time of
    the old turn, the second part by the rest; where the rest is a full turn or more (no
    keyframe pair can say that), both parts take the shortest way.
    """
    total = segment_delta(a.azimuth, b.azimuth, b.direction)
    share = (new.time - a.time) / (b.time - a.time) * total
    r = (new.azimuth - a.azimuth) % 360.0
    first = min((r, r - 360.0), key=lambda d: abs(d - share))
    rest = total - first
    if abs(rest) >= 360.0 - 1e-9:
        first = segment_delta(a.azimuth, new.azimuth, "shortest")
        rest = segment_delta(new.azimuth, b.azimuth, "shortest")
    return _named_turn(a, new, first), _named_turn(new, b, rest)
