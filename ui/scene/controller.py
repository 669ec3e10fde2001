"""The scene being arranged: its undo history, its file, the selected track, the playhead.

Every view of the arrangement reads this object and edits through it; edits go through the
engine's :class:`SceneHistory`, so each one is undoable. A user mistake (a bad file, a corrupt
scene) never raises into Qt's event loop: the method returns False and :attr:`failed`
carries the one-line message for the window to show in a dialog.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence

from ...engine.errors import EngineError
from ...engine.scene import (
    MediaCache,
    Scene,
    SceneHistory,
    Track,
    load_scene,
    media_info,
    new_track,
    relink,
    save_scene,
)
from ...engine.spatial.trajectory import Trajectory


class SceneController(QObject):
    """Signals:
    changed(): the scene changed (an edit, undo/redo, new, open).
    selection_changed(str): the selected track's id ("" = none).
    playhead_changed(float): seconds on the scene's timeline.
    file_changed(str): the scene file's path ("" = not saved yet) or its modified flag.
    failed(str, str): a title and a one-line message for a dialog.
    missing_media(list): tracks whose media were not found on open (relink them).
    """

    changed = Signal()
    selection_changed = Signal(str)
    playhead_changed = Signal(float)
    file_changed = Signal(str)
    failed = Signal(str, str)
    missing_media = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history = SceneHistory(Scene())
        self.history.listeners.append(lambda _s: self._after_change())
        self.media = MediaCache(self.history.scene.rate)
        self.file: Path | None = None
        self._selected = ""
        self._playhead = 0.0
        self.undo_action = QAction("Undo scene edit", self)
        self.undo_action.setShortcut(QKeySequence("Ctrl+Alt+Z"))
        self.undo_action.triggered.connect(self.undo)
        self.redo_action = QAction("Redo scene edit", self)
        self.redo_action.setShortcut(QKeySequence("Ctrl+Alt+Shift+Z"))
        self.redo_action.triggered.connect(self.redo)
        self._update_actions()

    # --- reading ------------------------------------------------------------------------
    @property
    def scene(self) -> Scene:
        return self.history.scene

    def selected(self) -> Track | None:
        if not self._selected:
            return None
        try:
            return self.scene.track(self._selected)
        except EngineError:
            return None

    def playhead(self) -> float:
        return self._playhead

    def title(self) -> str:
        name = self.file.name if self.file else "untitled scene"
        return name + (" *" if self.history.modified else "")

    # --- files --------------------------------------------------------------------------
    def new(self) -> None:
        self.file = None
        self.history.reset(Scene())
        if self.media.rate != self.scene.rate:
            self.media = MediaCache(self.scene.rate)
        self.select("")
        self.file_changed.emit("")

    def open(self, path: str | Path) -> bool:
        try:
            loaded = load_scene(path)
        except EngineError as exc:
            self.failed.emit("Could not open the scene", str(exc))
            return False
        self.file = Path(path)
        if self.media.rate != loaded.scene.rate:  # a scene mixed at another rate
            self.media = MediaCache(loaded.scene.rate)
        self.history.reset(loaded.scene)
        self.select(loaded.scene.tracks[0].id if loaded.scene.tracks else "")
        self.file_changed.emit(str(self.file))
        if loaded.missing:
            self.missing_media.emit(list(loaded.missing))
        for problem in loaded.problems:
            self.failed.emit("A track's media changed", problem)
        return True

    def save(self, path: str | Path | None = None) -> bool:
        target = Path(path) if path is not None else self.file
        if target is None:
            self.failed.emit("Could not save the scene", "choose a file name first (Save as…)")
            return False
        try:
            save_scene(self.scene, target)
        except EngineError as exc:
            self.failed.emit("Could not save the scene", str(exc))
            return False
        self.file = target
        self.history.mark_saved()
        self.file_changed.emit(str(target))
        return True

    # --- edits (each one undoable) ----------------------------------------------------
    def add_file(
        self, path: str | Path, start: float | None = None, path_of_mono: Trajectory | None = None
    ) -> Track | None:
        """Add ``path`` as a new track (at the playhead unless ``start``) and select it; a
        mono file follows ``path_of_mono`` stretched to its length (static front without)."""
        try:
            fields: dict[str, Any] = {"start": self._playhead if start is None else start}
            info = media_info(path)
            if path_of_mono is not None and info.channels == 1:
                fields["path"] = path_of_mono.with_duration(info.duration)
            track = new_track(self.scene, str(path), **fields)
        except EngineError as exc:
            self.failed.emit("Could not add to the scene", str(exc))
            return None
        self.history.apply(f"Add {track.name}", self.scene.with_track(track))
        self.select(track.id)
        return track

    def edit(self, track_id: str, label: str, merge: str | None = None, **changes: Any) -> bool:
        """Change fields of a track as one undo step (``merge`` joins the steps of a drag)."""
        try:
            scene = self.scene.edit_track(track_id, **changes)
        except EngineError as exc:
            self.failed.emit("Cannot make that change", str(exc))
            return False
        self.history.apply(label, scene, merge)
        return True

    def replace(self, track: Track, label: str, merge: str | None = None) -> None:
        self.history.apply(label, self.scene.replace_track(track), merge)

    def end_drag(self) -> None:
        self.history.end_merge()

    def remove(self, track_id: str) -> None:
        try:
            t = self.scene.track(track_id)
        except EngineError:
            return
        i = self.scene.index(track_id)
        self.history.apply(f"Remove {t.name}", self.scene.without_track(track_id))
        rest = self.scene.tracks
        self.select(rest[min(i, len(rest) - 1)].id if rest else "")

    def relink(self, track_id: str, media: str | Path) -> bool:
        try:
            scene = relink(self.scene, track_id, media)
        except EngineError as exc:
            self.failed.emit("Could not relink", str(exc))
            return False
        self.history.apply("Relink media", scene)
        return True

    def undo(self) -> None:
        self.history.undo()

    def redo(self) -> None:
        self.history.redo()

    # --- selection and playhead -------------------------------------------------------
    def select(self, track_id: str) -> None:
        if track_id != self._selected:
            self._selected = track_id
            self.selection_changed.emit(track_id)

    def set_playhead(self, seconds: float) -> None:
        seconds = max(0.0, float(seconds))
        if abs(seconds - self._playhead) > 1e-9:
            self._playhead = seconds
            self.playhead_changed.emit(seconds)

    # --- internals ----------------------------------------------------------------------
    def _after_change(self) -> None:
        if self._selected and self.selected() is None:
            self._selected = ""
            self.selection_changed.emit("")
        self._update_actions()
        self.changed.emit()
        self.file_changed.emit(str(self.file or ""))

    def _update_actions(self) -> None:
        u, r = self.history.undo_label, self.history.redo_label
        self.undo_action.setEnabled(u is not None)
        self.undo_action.setToolTip(f"Undo {u}" if u else "Nothing to undo")
        self.redo_action.setEnabled(r is not None)
        self.redo_action.setToolTip(f"Redo {r}" if r else "Nothing to redo")
