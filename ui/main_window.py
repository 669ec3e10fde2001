"""The Ambisketch main window: generate controls | path editor | takes, transport below.

The window composes the widgets and wires their signals; the work happens elsewhere:
generation runs through the ``runner`` handed in by the app (off the GUI thread), takes are
kept by the engine's take store, preview by the engine's transport (inside TransportBar).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSize, Qt, QUrl
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFrame,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ambisketch import __version__
from ambisketch.engine.catalog import BundleEntry, describe_bundle, installed_bundles
from ambisketch.engine.errors import EngineError
from ambisketch.engine.generate import GenerationRequest, Take
from ambisketch.engine.spatial.trajectory import Trajectory
from ambisketch.engine.takes import TakeRecord, TakeStore

from .audio_start_link import AudioStartLink
from .export_dialog import ExportDialog
from .finetune_dialog import FinetuneService
from .generate_panel import GeneratePanel
from .generation import GenerationController
from .jobs import JobRunner
from .path import PathEditor
from .preview import NO_DEVICE_TEXT, TransportBar
from .repath_preview import RepathPreview
from .scene import SceneLink
from .settings_port import SettingsPort, flag, integer, number
from .settings_port import text as setting_text
from .space_key import SpaceToPlay
from .takes import TakeList, TakeView
from .theme import THEMES, apply_theme
from .words_path import WordsPath

log = logging.getLogger("ambisketch.ui")

SHORTCUTS = (
    ("Ctrl+Enter", "Generate"),
    ("Esc", "Cancel generation"),
    ("Space", "Play / pause"),
    ("Ctrl+Z / Ctrl+Shift+Z", "Undo / redo a path edit"),
    ("Ctrl+E", "Export the selected take"),
    ("Ctrl+O / Ctrl+S", "Open / save a path"),
    ("F2", "Rename the selected take"),
    ("Del", "Move the selected take to the trash"),
)


class MainWindow(QMainWindow):
    """Args:
    runner: starts jobs off the GUI thread (``app.workers.TaskRunner``).
    settings: the app's settings registry (``app.settings.Settings``).
    store: where takes are kept; default from the settings' project folder.
    gl: use the OpenGL sphere view (False where no OpenGL is available).
    finetune: opens the fine-tune dialog (given by the app; None hides the action).
    """

    def __init__(
        self,
        runner: JobRunner,
        settings: SettingsPort,
        store: TakeStore | None = None,
        *,
        gl: bool = True,
        finetune: FinetuneService | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Ambisketch")
        self.runner, self.settings = runner, settings
        folder = settings.get("project/folder") or None
        self.store = store or TakeStore(folder)
        self._finetune = finetune

        self.panel = GeneratePanel()
        self.path_editor = PathEditor(gl=gl)
        self.takes = TakeList(self.store)
        self.take_view = TakeView()
        self.transport = TransportBar(settings=settings, runner=runner)
        self.generation = GenerationController(self.runner, self.panel, self, settings)
        self.repath = RepathPreview(self.runner, self)  # the selected take follows path edits
        self._shown: tuple[Any, ...] | None = None  # the selected take as shown
        self.words_path = WordsPath(self.panel, self.path_editor)  # text-only mode's path

        self.path_editor.show_duration_box(False)  # the panel's Length is the one control
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.takes)
        right.addWidget(self.take_view)
        right.setSizes([300, 300])
        right.setMinimumWidth(300)  # the take list and plots stay readable on small screens
        self.panel.setMinimumWidth(240)
        # The panel scrolls on short screens (1280x720, 1366x768) instead of setting the
        # window's minimum height; the side panels collapse when dragged to the edge.
        self.panel_scroll = QScrollArea()
        self.panel_scroll.setWidget(self.panel)
        self.panel_scroll.setWidgetResizable(True)
        self.panel_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.panel_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.panel_scroll.setMinimumWidth(
            self.panel.minimumWidth() + self.panel_scroll.verticalScrollBar().sizeHint().width()
        )
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.panel_scroll)
        self.splitter.addWidget(self.path_editor)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        self.splitter.setSizes([290, 760, 380])
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.splitter, 1)
        lay.addWidget(self.transport)
        self.setCentralWidget(central)
        self._build_menus()
        self._wire()
        self.space = SpaceToPlay(self, self.play_pause)
        self.audio_start = AudioStartLink(self)  # start from a sound, vary, regenerate a range
        self.scene_link = SceneLink(self)  # the arrangement dock and File ▸ scene actions
        self._restore()
        self.statusBar().showMessage("Draw a path, type a prompt, press Ctrl+Enter.", 8000)

    # --- construction -------------------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self._action(
            file, "&New path", self._new_path, "Ctrl+N", "Start again from a static sound in front"
        )
        # One home for path files: the path editor's own Open/Save (dialog, checks, message).
        self._action(
            file, "&Open path…", self.path_editor.open_action.trigger, QKeySequence.StandardKey.Open
        )
        self._action(
            file,
            "&Save path as…",
            self.path_editor.save_action.trigger,
            QKeySequence.StandardKey.Save,
        )
        file.addSeparator()
        self.export_action = self._action(file, "&Export take…", self._export_current, "Ctrl+E")
        self._action(file, "Take &folder…", self._choose_project, tip="Where takes are kept")
        self._action(file, "Show take folder", lambda: self._reveal(self.store.folder))
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        edit = bar.addMenu("&Edit")
        edit.addAction(self.path_editor.undo_action)
        edit.addAction(self.path_editor.redo_action)

        gen = bar.addMenu("&Generate")
        self._action(gen, "&Generate", self.generation.start, tip="Ctrl+Enter in the prompt")
        self._action(gen, "&Cancel", self.generation.cancel)
        gen.addSeparator()
        self._action(gen, "&Open model bundle…", self._open_bundle)
        if self._finetune is not None:
            self._action(gen, "&Fine-tune on my sounds…", lambda: self._finetune(self))

        view = bar.addMenu("&View")
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for theme in THEMES:
            a = QAction(f"{theme.capitalize()} theme", self, checkable=True)
            a.triggered.connect(lambda _=False, t=theme: self.set_theme(t))
            group.addAction(a)
            view.addAction(a)
            self.theme_actions[theme] = a

        help_ = bar.addMenu("&Help")
        self._action(help_, "&Keyboard shortcuts", self._show_shortcuts, "F1")
        self._action(help_, "Show &log folder", self._show_logs)
        self._action(help_, "&About Ambisketch", self._about)

    def _action(
        self,
        menu: QMenu,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip: str = "",
    ) -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        if tip:
            a.setStatusTip(tip)
            a.setToolTip(tip)
        a.triggered.connect(slot)
        menu.addAction(a)
        return a

    def _wire(self) -> None:
        doc = self.path_editor.document
        self.generation.takes_ready.connect(self._takes_ready)
        self.panel.open_bundle_requested.connect(self._open_bundle)
        self.panel.model_changed.connect(lambda p: self.settings.set("generate/model", p))
        self.panel.seconds.valueChanged.connect(self._length_changed)
        doc.changed.connect(self._path_changed)
        self.takes.take_selected.connect(self._take_selected)
        doc.changed.connect(
            lambda: doc.showing_words() or self.repath.path_edited(doc.trajectory())
        )
        self.repath.rendered.connect(self._repath_rendered)
        self.repath.stale.connect(self._repath_stale)
        self.repath.restored.connect(self._repath_restored)
        self.take_view.keep_requested.connect(self._keep_repathed)
        self.takes.regenerate_requested.connect(self._regenerate)
        self.takes.use_path_requested.connect(self._use_path)
        self.takes.export_requested.connect(self._export)
        self.transport.position_changed.connect(doc.set_playhead)
        self.transport.position_changed.connect(self.take_view.set_playhead)
        self.path_editor.seek_requested.connect(self.transport.seek)
        self.take_view.seek_requested.connect(self.transport.seek)
        self.path_editor.head_rotation_requested.connect(self.transport.set_rotation)
        self.transport.rotation_changed.connect(self.path_editor.set_head_rotation)

    def _restore(self) -> None:
        s = self.settings
        self.set_theme(s.get("ui/theme"), save=False)
        for key, restore in (
            ("ui/geometry", self.restoreGeometry),
            ("ui/state", self.restoreState),
            ("ui/splitter", self.splitter.restoreState),
        ):
            data = s.get(key)
            if isinstance(data, QByteArray) and not data.isEmpty():
                restore(data)
        state = s.get("ui/state")
        link = getattr(self, "scene_link", None)
        if link is not None and not (isinstance(state, QByteArray) and not state.isEmpty()):
            link.dock.hide()  # first start: the arrangement opens when a take is added to it
        geometry = s.get("ui/geometry")
        if (
            not (isinstance(geometry, QByteArray) and not geometry.isEmpty())
            or self.geometry().width() < 600
        ):
            self.resize(self.first_size())  # first start (a new window is 640 px wide)
        self.panel.set_history(s.get("generate/prompt_history"))
        self.panel.set_mode(s.get("generate/mode"))
        self.panel.steps.setValue(s.get("generate/steps"))
        self.panel.cfg.setValue(s.get("generate/cfg"))
        self.panel.variations.setValue(s.get("generate/variations"))
        self.panel.lock_path.setChecked(s.get("generate/lock_path"))
        self.panel.random_seed.setChecked(flag(s, "generate/random_seed", True))
        self.panel.seed.setValue(integer(s, "generate/seed"))
        self.panel.room_box.setChecked(flag(s, "generate/room_enabled"))
        room = self.panel.room.findData(setting_text(s, "generate/room"))
        if room >= 0:
            self.panel.room.setCurrentIndex(room)
        self.panel.distance.setValue(number(s, "generate/distance", 2.0))
        self.panel.decay.setValue(number(s, "generate/decay"))
        self.refresh_models(s.get("generate/model"))
        text = s.get("path/last")
        if text:
            try:
                self.path_editor.document.set_trajectory(Trajectory.from_json(text), "Restore path")
                self.path_editor.document.undo_stack.clear()
            except EngineError as exc:
                log.warning("the saved path could not be restored: %s", exc)
        self.panel.seconds.setValue(self.path_editor.document.duration())
        seconds = number(s, "generate/seconds")
        if seconds > 0:  # the length (a words-only path leaves the drawn one's as it was)
            self.panel.seconds.setValue(seconds)
            self.path_editor.document.undo_stack.clear()

    def first_size(self) -> QSize:
        """1440x900, or the screen's free area where that is smaller (laptops)."""
        screen = self.screen() or QApplication.primaryScreen()
        free = screen.availableGeometry() if screen is not None else None
        if free is None or free.width() <= 0:
            return QSize(1440, 900)
        return QSize(min(1440, free.width()), min(900, free.height()))

    def save_state(self) -> None:
        s = self.settings
        s.set("ui/geometry", self.saveGeometry())
        s.set("ui/state", self.saveState())
        s.set("ui/splitter", self.splitter.saveState())
        s.set("generate/mode", self.panel.mode_key())
        s.set("generate/steps", self.panel.steps.value())
        s.set("generate/cfg", self.panel.cfg.value())
        s.set("generate/variations", self.panel.variations.value())
        s.set("generate/lock_path", self.panel.lock_path.isChecked())
        s.set("generate/seconds", float(self.panel.seconds.value()))
        s.set("generate/random_seed", self.panel.random_seed.isChecked())
        s.set("generate/seed", int(self.panel.seed.value()))
        s.set("generate/room_enabled", self.panel.room_box.isChecked())
        s.set("generate/room", str(self.panel.room.currentData() or ""))
        s.set("generate/distance", float(self.panel.distance.value()))
        s.set("generate/decay", float(self.panel.decay.value()))
        s.set("path/last", self.path_editor.document.drawn_trajectory().to_json())
        s.sync()

    # --- models ---------------------------------------------------------------------
    def model_entries(self) -> list[BundleEntry]:
        entries = installed_bundles()
        known = {e.path.resolve() for e in entries}
        for folder in self.settings.get("generate/recent_models"):
            try:
                e = describe_bundle(folder, "opened")
            except EngineError:
                continue
            if e.path.resolve() not in known:
                entries.append(e)
                known.add(e.path.resolve())
        return entries

    def refresh_models(self, current: str = "") -> None:
        entries = self.model_entries()
        self.panel.set_models(entries, current or self.panel.model_path())
        chosen = [e for e in entries if str(e.path) == self.panel.model_path()]
        self.panel.set_clip_seconds(chosen[0].clip_seconds if chosen else None)

    def add_model(self, folder: str | Path) -> None:
        """Offer a bundle folder in the picker and choose it (Open bundle…, fine-tune)."""
        entry = describe_bundle(folder, "opened")
        self.settings.remember("generate/recent_models", str(entry.path))
        self.settings.set("generate/model", str(entry.path))
        self.refresh_models(str(entry.path))
        self.panel.apply_model_defaults()

    def _open_bundle(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a model bundle folder")
        if not folder:
            return
        try:
            self.add_model(folder)
        except EngineError as exc:
            self.error("Not a model bundle", str(exc))

    # --- path ------------------------------------------------------------------------
    def _new_path(self) -> None:
        self.path_editor.document.set_trajectory(
            Trajectory.static(0.0, 0.0, self.path_editor.document.duration()), "New path"
        )

    def _length_changed(self, seconds: float) -> None:
        doc = self.path_editor.document
        if doc.showing_words():
            return  # the words' path is parsed again for the new length (WordsPath)
        if abs(doc.duration() - seconds) > 1e-6:
            doc.set_duration(float(seconds))

    def _path_changed(self) -> None:
        d = self.path_editor.document.duration()
        if abs(self.panel.seconds.value() - d) > 1e-6:
            self.panel.seconds.blockSignals(True)
            self.panel.seconds.setValue(d)
            self.panel.seconds.blockSignals(False)

    def current_path(self) -> Trajectory:
        return self.path_editor.document.trajectory()

    def play_pause(self) -> None:
        """Space: play or pause the selected take, or say why it cannot play."""
        bar = self.transport
        if bar.transport is None and not bar.preparing:
            why = (
                "Select a take to play it (Space plays and pauses)."
                if self.store.folder and self.takes.model.rowCount()
                else "No take to play yet: generate one first (Ctrl+Enter)."
            )
        elif not bar.can_play:
            why = f"Cannot play: {NO_DEVICE_TEXT[0].lower()}{NO_DEVICE_TEXT[1:]} (Ctrl+E)."
        else:
            bar.play_pause()
            return
        self.statusBar().showMessage(why, 6000)
        QApplication.beep()

    # --- takes -------------------------------------------------------------------------
    def _takes_ready(self, takes: list[Take], seconds: float) -> None:
        last = None
        for take in takes:
            try:
                last = self.takes.add_take(take)
            except EngineError as exc:
                self.error("Could not keep the take", str(exc))
                return
        n = len(takes)
        seeds = ", ".join(str(t.request.seed) for t in takes)
        self.panel.set_status(f"{n} take{'s' if n > 1 else ''} in {seconds:.1f} s (seed {seeds})")
        if last is not None:
            self.statusBar().showMessage(f"New take: {last.name}", 5000)

    def _take_selected(self, record: TakeRecord | None) -> None:
        doc = self.path_editor.document
        self._shown = None
        if record is None:
            self.repath.take_selected(None)
            self.take_view.clear()
            self.transport.clear()
            doc.clear_measured()
            return
        try:
            foa, rate = self.store.load(record)
            track, errors = self.store.measure(record)
        except EngineError as exc:
            self.error("Could not open the take", str(exc))
            return
        self._shown = (record, foa, rate, track, errors)
        self.repath.take_selected(
            record, foa, rate, errors.spatial_angle if errors is not None else None
        )
        self._show_take(*self._shown)

    def _show_take(self, record: Any, foa: Any, rate: int, track: Any, errors: Any) -> None:
        self.take_view.set_take(record, foa, rate, track, errors)
        self.transport.set_audio(foa, rate)
        label = "take"  # the legend says "measured: take, 3.2° off its own path"
        if errors is not None:
            label += f", {errors.spatial_angle:.1f}° off its own path"
        self.path_editor.document.set_measured_track(track, label)

    def _repath_rendered(self, path: Any, foa: Any, track: Any, errors: Any) -> None:
        """The selected take re-rendered on the edited path: preview, overlay and figure."""
        if self._shown is None:
            return
        record, _, rate = self._shown[:3]
        position = self.transport.position
        self.take_view.set_take(record, foa, rate, track, errors, repathed=True)
        self.transport.set_audio(foa, rate, position)
        self.path_editor.document.set_measured_track(
            track, f"re-pathed take, {errors.spatial_angle:.1f}° off"
        )

    def _repath_stale(self, message: str) -> None:
        if self._shown is None:
            return
        self.take_view.set_stale(message)
        errors = self._shown[4]
        own = f", {errors.spatial_angle:.1f}° off its own path" if errors is not None else ""
        self.path_editor.document.set_measured_track(
            self._shown[3], f"take{own} (path edited: stale)"
        )

    def _repath_restored(self) -> None:
        if self._shown is not None:
            self._show_take(*self._shown)

    def _keep_repathed(self) -> None:
        try:
            record = self.repath.keep(self.store)
        except EngineError as exc:
            self.error("Could not keep the re-pathed take", str(exc))
            return
        self.takes.refresh(select=record.path)
        self.statusBar().showMessage(f"New take: {record.name} (re-pathed)", 5000)

    def _regenerate(self, record: TakeRecord) -> None:
        try:
            request: GenerationRequest = self.store.request(record)
        except EngineError as exc:
            self.error("Could not read the take's settings", str(exc))
            return
        self.panel.apply_request(request)
        if request.path is not None:
            self.path_editor.document.set_trajectory(request.path, "Path of a take")
        self.generation.start()

    def _use_path(self, record: TakeRecord) -> None:
        try:
            path = self.store.trajectory(record)
        except EngineError as exc:
            self.error("Could not read the take's path", str(exc))
            return
        if path is None:
            self.statusBar().showMessage("That take was made from text only: it has no path.", 5000)
            return
        self.path_editor.document.set_trajectory(path, "Use a take's path")

    def _export_current(self) -> None:
        record = self.takes.current()
        if record is None:
            self.statusBar().showMessage("Select a take to export.", 4000)
            return
        self._export(record)

    def _export(self, record: TakeRecord) -> None:
        highs = flag(self.settings, "export/highs", True)
        ExportDialog(
            record,
            self.store,
            self,
            hrtf=self.transport.hrtf(),
            rotation=self.transport.rotation(),
            settings=self.settings,
        ).exec()
        if flag(self.settings, "export/highs", True) != highs and self._shown is not None:
            # the preview follows the dialog's highs box: what is heard is what is written
            shown = self.repath.preview[1] if self.repath.preview else self._shown[1]
            self.transport.set_audio(shown, self._shown[2], self.transport.position)

    def _choose_project(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for takes", str(self.store.folder))
        if folder:
            try:
                self.store = TakeStore(folder)
                self.takes.set_folder(folder)
            except EngineError as exc:
                self.error("Cannot use that folder", str(exc))
                return
            self.settings.set("project/folder", folder)

    # --- misc --------------------------------------------------------------------------
    def set_theme(self, theme: str, save: bool = True) -> None:
        app = QApplication.instance()
        if theme not in THEMES:
            theme = "dark"
        if app is not None:
            apply_theme(app, theme)
        self.theme_actions[theme].setChecked(True)
        if save:
            self.settings.set("ui/theme", theme)

    def error(self, title: str, message: str) -> None:
        """A user-facing problem: one line in a dialog, and the status bar."""
        self.statusBar().showMessage(message, 8000)
        QMessageBox.warning(self, title, message)

    def _reveal(self, folder: Path) -> None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def _show_logs(self) -> None:
        import platformdirs

        self._reveal(Path(platformdirs.user_log_dir("ambisketch")))

    def _show_shortcuts(self) -> None:
        rows = "".join(
            f"<tr><td><b>{k}</b></td><td>&nbsp;&nbsp;{v}</td></tr>" for k, v in SHORTCUTS
        )
        QMessageBox.information(
            self,
            "Keyboard shortcuts",
            f"<table>{rows}</table><p>Sphere view: click adds a keyframe, drag "
            f"moves it, right-click for more; Shift+drag turns the head.</p>",
        )

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About Ambisketch",
            f"<b>Ambisketch {__version__}</b><p>Draw where a sound travels, get a "
            f"moving First-Order Ambisonics (AmbiX) take.</p>",
        )

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        if (
            self.generation.busy()
            and QMessageBox.question(
                self, "Quit Ambisketch", "A generation is running. Stop it and quit?"
            )
            != QMessageBox.StandardButton.Yes
        ):
            event.ignore()
            return
        self.generation.cancel()
        self.transport.close_audio()
        self.save_state()
        event.accept()
