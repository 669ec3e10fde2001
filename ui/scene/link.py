"""The scene in the main window: the arrangement dock, File ▸ scene actions, the take list's
"Add to Scene", the path editor following the selected track, playback and export.

Kept out of ``main_window.py`` (which only creates it) so the window stays a composition of
parts: this object connects the scene's parts to the window's existing widgets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMessageBox

from ...engine.errors import EngineError
from ...engine.scene import Track, relink_folder
from ...engine.scene.media import repath_method
from ...engine.scene.mixer import BlockMixer
from ...engine.scene.player import SceneTransport
from ...engine.spatial.trajectory import Trajectory
from ...engine.takes.metadata import read_sidecar
from .arrangement import ArrangementView
from .controller import SceneController
from .export_dialog import SceneExportDialog, export_job
from .overlay import SceneOverlay

SCENE_FILTER = "Ambisketch scenes (*.json)"
UPDATE_DEBOUNCE_MS = 40  # edits closer than this reach the playing mixer as one


def follows_editor(track: Track) -> bool:
    """Whether the path editor edits ``track``'s path (see :func:`editable_path`)."""
    return track.follows_path or repath_method(track.media) == "latents"


def editable_path(track: Track) -> Trajectory | None:
    """The path the path editor shows for ``track``, or None when the track does not
    follow one there: a mono source's; a take with latents' own (re-pathed exactly as it is
    edited); not an FOA file without latents (kept as it is: re-path it on purpose with
    ``ambisketch scene set --path``, where the DSP path lock is used)."""
    if track.follows_path:
        return track.trajectory
    if not follows_editor(track):
        return None
    side = read_sidecar(track.media) or {}
    try:
        own = Trajectory.from_dict(side["path"])
    except (KeyError, TypeError, ValueError, EngineError):
        own = None  # a take made from words alone, or an old sidecar: start static in front
    if own is None:
        own = Trajectory.static(0.0, 0.0, duration=max(track.media_duration, 1e-3))
    elif abs(own.duration - track.media_duration) > 1e-6:
        own = own.with_duration(track.media_duration)
    return own


class SceneLink(QObject):
    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.controller = SceneController(self)
        self.view = ArrangementView(self.controller)
        self.view.path_for_mono = lambda: window.path_editor.document.trajectory()
        self.dock = QDockWidget("Scene arrangement", window)
        self.dock.setObjectName("scene-arrangement")  # saveState/restoreState need a name
        self.dock.setWidget(self.view)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.overlay = SceneOverlay(self.controller, window.path_editor)
        self._pathing = False  # the path editor is being set from the selected track
        self._export_task: Any = None
        self._updating = self._update_again = False
        self._update_timer = QTimer(self, singleShot=True, interval=UPDATE_DEBOUNCE_MS)
        self._update_timer.timeout.connect(self._apply_scene)
        self._menus()
        self._wire()
        window.installEventFilter(self)

    # --- wiring -------------------------------------------------------------------------
    def _menus(self) -> None:
        w = self.window
        file_menu = next((a.menu() for a in w.menuBar().actions() if a.text() == "&File"), None)
        if file_menu is None:
            file_menu = w.menuBar().addMenu("&File")
        quit_action = next((a for a in file_menu.actions() if a.text() == "&Quit"), None)

        def add(text: str, slot: Any, shortcut: str | None = None) -> QAction:
            a = QAction(text, self)
            if shortcut:
                a.setShortcut(QKeySequence(shortcut))
            a.triggered.connect(slot)
            file_menu.insertAction(quit_action, a)
            return a

        file_menu.insertSeparator(quit_action)
        self.new_action = add("New scene", self.new_scene)
        self.open_action = add("Open scene…", self.ask_open, "Ctrl+Shift+O")
        self.save_action = add("Save scene", self.save_scene, "Ctrl+Shift+S")
        self.save_as_action = add("Save scene as…", self.ask_save_as)
        self.export_action = add("Export scene…", self.ask_export)
        file_menu.insertSeparator(quit_action)
        view_menu = next((a.menu() for a in w.menuBar().actions() if a.text() == "&View"), None)
        if view_menu is not None:
            view_menu.addAction(self.dock.toggleViewAction())

    def _wire(self) -> None:
        w, c, doc = self.window, self.controller, self.window.path_editor.document
        c.failed.connect(w.error)
        c.missing_media.connect(self._offer_relink)
        c.selection_changed.connect(self._track_selected)
        c.changed.connect(self._scene_changed)
        doc.changed.connect(self._path_edited)
        w.takes.add_to_scene_requested.connect(self.add_take)
        self.view.add_take_requested.connect(lambda: self.add_take(w.takes.current()))
        self.view.play_requested.connect(self.play)
        self.view.export_requested.connect(self.ask_export)
        self.view.seek_requested.connect(self._seek)
        w.transport.position_changed.connect(self._position)

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (
            obj is self.window
            and ev.type() == QEvent.Type.Close
            and self.controller.history.modified
            and self.controller.scene.tracks
        ):
            answer = QMessageBox.question(
                self.window,
                "Unsaved scene",
                f"Save the changes to {self.controller.title()}?",
                QMessageBox.StandardButton.Save
                | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel,
            )
            if answer == QMessageBox.StandardButton.Cancel or (
                answer == QMessageBox.StandardButton.Save and not self.save_scene()
            ):
                ev.ignore()
                return True
        return False

    # --- files ----------------------------------------------------------------------------
    def _folder(self) -> str:
        return str(self.window.settings.get("path/folder") or Path.home())

    def new_scene(self) -> None:
        if self._discard_ok():
            self.controller.new()

    def ask_open(self) -> None:
        if not self._discard_ok():
            return
        name, _ = QFileDialog.getOpenFileName(
            self.window, "Open a scene", self._folder(), SCENE_FILTER
        )
        if name:
            self.controller.open(name)

    def save_scene(self) -> bool:
        if self.controller.file is None:
            return self.ask_save_as()
        return self.controller.save()

    def ask_save_as(self) -> bool:
        name, _ = QFileDialog.getSaveFileName(
            self.window, "Save the scene", self._folder(), SCENE_FILTER
        )
        if not name:
            return False
        if not name.endswith(".json"):
            name += ".json"
        return self.controller.save(name)

    def _discard_ok(self) -> bool:
        if not self.controller.history.modified or not self.controller.scene.tracks:
            return True
        return (
            QMessageBox.question(self.window, "Unsaved scene", "Discard the changes to the scene?")
            == QMessageBox.StandardButton.Yes
        )

    def _offer_relink(self, missing: list[Track]) -> None:
        names = ", ".join(t.media.name for t in missing[:5]) + (" …" if len(missing) > 5 else "")
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Missing media",
            f"{len(missing)} track(s) lost their media: {names}. Find them in a "
            "folder? (Or select a track and use Relink… below the lanes.)",
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Ignore,
            self.window,
        )
        if box.exec() != QMessageBox.StandardButton.Open:
            return
        folder = QFileDialog.getExistingDirectory(self.window, "Folder holding the media")
        if folder:
            self.relink_in(folder)

    def relink_in(self, folder: str | Path) -> list[str]:
        try:
            scene, still = relink_folder(self.controller.scene, folder)
        except EngineError as exc:
            self.window.error("Could not relink", str(exc))
            return []
        self.controller.history.apply("Relink media", scene)
        if still:
            self.window.error("Still missing", f"not found under {folder}: {', '.join(still)}")
        return still

    # --- adding ---------------------------------------------------------------------------
    def add_take(self, record: Any) -> None:
        if record is None:
            self.window.statusBar().showMessage("Select a take to add it to the scene.", 4000)
            return
        self.dock.show()
        track = self.controller.add_file(record.path)
        if track is not None:
            self.controller.edit(track.id, "Name", name=record.name)

    # --- the path editor follows the selected track ----------------------------------
    def _track_selected(self, _track_id: str) -> None:
        t = self.controller.selected()
        path = None if t is None else editable_path(t)
        if t is None or path is None:
            return
        self._pathing = True
        try:
            self.window.path_editor.document.set_trajectory(path, f"Path of {t.name}")
        finally:
            self._pathing = False
        self._show_local_playhead()

    def _path_edited(self) -> None:
        """The selected track follows the edited path: a mono source, or a take re-pathed
        live from its latents (the mix is heard with the new path from the next block)."""
        t = self.controller.selected()
        if self._pathing or t is None or not self.dock.isVisible() or not follows_editor(t):
            return
        path = self.window.path_editor.document.trajectory()
        if path != t.path:
            self.controller.edit(t.id, f"Path of {t.name}", f"path:{t.id}", path=path)

    # --- playback -------------------------------------------------------------------------
    def scene_player(self) -> SceneTransport | None:
        t = self.window.transport.transport
        return t if isinstance(t, SceneTransport) else None

    def play(self) -> None:
        scene, media = self.controller.scene, self.controller.media
        if not scene.tracks:
            self.window.statusBar().showMessage("Add tracks to the scene first.", 4000)
            return
        try:
            mixer = BlockMixer(scene, media)
        except EngineError as exc:
            self.window.error("Cannot play the scene", str(exc))
            return
        self.window.transport.set_player(
            lambda hrirs, **kw: SceneTransport(scene, mixer, hrirs=hrirs, **kw)
        )
        player = self.scene_player()
        if player is not None:
            player.seek(self.controller.playhead())
            if self.window.transport.can_play:
                self.window.transport.play_pause()

    def _scene_changed(self) -> None:
        """An edit reaches the playing mixer off the GUI thread (a re-pathed take or a room
        takes a render; a drag sends many edits: the latest is prepared once the hand
        pauses) and is heard from the next block after it is ready."""
        if self.scene_player() is not None:
            self._update_timer.start()
        self.overlay.refresh()

    def _apply_scene(self) -> None:
        player = self.scene_player()
        if player is None:
            return
        if self._updating:
            self._update_again = True
            return
        self._updating, scene = True, self.controller.scene

        def job(_progress: Any, _cancelled: Any) -> None:
            player.set_scene(scene)

        def connect(task: Any) -> None:
            task.failed.connect(lambda m: self.window.error("Cannot play the edited scene", m))
            task.crashed.connect(
                lambda m: self.window.error(
                    "Cannot play the edited scene", f"unexpected error ({m}); see the log"
                )
            )
            task.done.connect(self._scene_applied)

        self.window.runner.start("scene-update", job, connect)

    def _scene_applied(self) -> None:
        self._updating = False
        if self._update_again:
            self._update_again = False
            self._apply_scene()

    def scene_pending(self) -> bool:
        """Whether an edit has not reached the playing mixer yet."""
        return self._updating or self._update_again or self._update_timer.isActive()

    def _seek(self, seconds: float) -> None:
        if self.scene_player() is not None:
            self.window.transport.seek(seconds)
        self._show_local_playhead()

    def _position(self, seconds: float) -> None:
        if self.scene_player() is None:
            return
        self.controller.set_playhead(seconds)
        self._show_local_playhead()

    def _show_local_playhead(self) -> None:
        """The path editor's playhead at the selected track's own time (its media's)."""
        t = self.controller.selected()
        if t is not None and t.follows_path:
            local = self.controller.playhead() - t.start + t.trim_start
            self.window.path_editor.document.set_playhead(
                min(max(local, 0.0), t.trajectory.duration)
            )

    # --- export ---------------------------------------------------------------------------
    def ask_export(self) -> None:
        c = self.controller
        if not any(c.scene.audible(t) for t in c.scene.tracks):
            self.window.error("Nothing to export", "the scene has no audible track")
            return
        base = c.file.with_suffix(".wav") if c.file else Path(self._folder()) / "scene.wav"
        dialog = SceneExportDialog(base, self.window)
        if not dialog.exec() or dialog.choice_made is None:
            return
        yaw, pitch = self.window.transport.rotation()
        job = export_job(
            c.scene, dialog.choice_made, c.media, self.window.transport.hrtf(), (yaw, pitch, 0.0)
        )
        status = self.window.statusBar()

        def connect(task: Any) -> None:
            self._export_task = task
            task.progressed.connect(lambda i, n: status.showMessage(f"Exporting the scene… {i}%"))
            task.finished.connect(lambda text: status.showMessage(text, 8000))
            task.failed.connect(lambda m: self.window.error("Could not export the scene", m))
            task.crashed.connect(
                lambda m: self.window.error(
                    "Could not export the scene", f"unexpected error ({m}); see the log"
                )
            )

        self.window.runner.start("scene-export", job, connect)
