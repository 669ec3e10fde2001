"""The arrangement view: a toolbar, lane headers and the lanes, and drops of files or takes.

It draws and forwards: edits go to the :class:`SceneController`; what needs the rest of the
window (the take list, playback, export off the GUI thread) leaves as signals.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ...engine.spatial.trajectory import Trajectory
from .controller import SceneController
from .inspector import TrackInspector
from .lanes import LaneCanvas
from .track_header import TrackHeaders

AUDIO_FILES = "Audio (*.wav *.flac *.ogg *.aif *.aiff *.mp3);;All files (*)"


class ArrangementView(QWidget):
    """Signals:
    add_take_requested(): add the take selected in the take list.
    play_requested(): play the scene (binaural, live head rotation).
    export_requested(): export the mix, stems or a binaural mix.
    seek_requested(float): the user moved the playhead to t seconds.
    """

    add_take_requested = Signal()
    play_requested = Signal()
    export_requested = Signal()
    seek_requested = Signal(float)

    def __init__(
        self, controller: SceneController | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = controller or SceneController(self)
        self.path_for_mono: Callable[[], Trajectory | None] = lambda: None
        self.canvas = LaneCanvas(self.controller)
        self.headers = TrackHeaders(self.controller)
        self.inspector = TrackInspector(self.controller, self)
        self.canvas_scroll = QScrollArea(self)
        self.canvas_scroll.setWidget(self.canvas)
        self.canvas_scroll.setWidgetResizable(True)
        self.canvas_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        row = QHBoxLayout(body)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.headers, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.canvas_scroll, 1)
        self.scroll = QScrollArea(self)
        self.scroll.setWidget(body)
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.title = QLabel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self._toolbar())
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.inspector)
        self.setAcceptDrops(True)
        self.canvas.seek_requested.connect(self.seek_requested)
        self.controller.changed.connect(self._fit_height)
        self.controller.file_changed.connect(lambda _f: self._show_title())
        self._fit_height()
        self._show_title()

    def _toolbar(self) -> QToolBar:
        bar = QToolBar(self)
        bar.addWidget(self.title)
        bar.addSeparator()
        self.add_file_action = bar.addAction("Add files…", self.ask_add_files)
        self.add_file_action.setToolTip(
            "Add sound files as tracks at the playhead (mono files "
            "follow the path being drawn; FOA files as they are)"
        )
        self.add_take_action = bar.addAction("Add take", self.add_take_requested)
        self.add_take_action.setToolTip("Add the take selected in the take list")
        self.remove_action = bar.addAction("Remove", self._remove)
        self.remove_action.setToolTip("Remove the selected track (undoable)")
        bar.addSeparator()
        bar.addAction(self.controller.undo_action)
        bar.addAction(self.controller.redo_action)
        bar.addSeparator()
        self.play_action = bar.addAction("Play scene", self.play_requested)
        self.play_action.setToolTip(
            "Load the scene into the transport below (binaural, with "
            "head rotation); edits are heard while it plays"
        )
        self.export_action = bar.addAction("Export…", self.export_requested)
        self.export_action.setToolTip("Write the AmbiX mix, one stem per track, or a binaural mix")
        bar.addSeparator()
        bar.addAction(
            "−", lambda: self.canvas.set_zoom(self.canvas.pixels_per_second / 1.5)
        ).setToolTip("Zoom out")
        bar.addAction(
            "+", lambda: self.canvas.set_zoom(self.canvas.pixels_per_second * 1.5)
        ).setToolTip("Zoom in")
        return bar

    def _show_title(self) -> None:
        self.title.setText(f"<b>Scene:</b> {self.controller.title()}")

    def _fit_height(self) -> None:
        self.canvas_scroll.setFixedHeight(
            self.canvas.minimumHeight()
            + self.canvas_scroll.horizontalScrollBar().sizeHint().height()
            + 2
        )

    def _remove(self) -> None:
        t = self.controller.selected()
        if t is not None:
            self.controller.remove(t.id)

    # --- adding -------------------------------------------------------------------------
    def add_files(self, files: list[str | Path], start: float | None = None) -> int:
        """Add each file as a track (at ``start`` or the playhead); returns how many."""
        added = 0
        for f in files:
            if self.controller.add_file(f, start, self.path_for_mono()) is not None:
                added += 1
        return added

    def ask_add_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self, "Add sound files to the scene", "", AUDIO_FILES
        )
        self.add_files(names)

    def dragEnterEvent(self, ev: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if ev.mimeData().hasUrls() and any(u.isLocalFile() for u in ev.mimeData().urls()):
            ev.acceptProposedAction()

    def dragMoveEvent(self, ev) -> None:  # noqa: N802, ANN001
        ev.acceptProposedAction()

    def dropEvent(self, ev: QDropEvent) -> None:  # noqa: N802
        files = [u.toLocalFile() for u in ev.mimeData().urls() if u.isLocalFile()]
        # A take's sidecar travels with its WAV when dragged from the take list: skip it.
        files = [f for f in files if not f.endswith(".json")]
        pos = self.canvas.mapFrom(self, ev.position().toPoint())
        start = self.canvas.time_at(pos.x()) if self.canvas.rect().contains(pos) else None
        if self.add_files(files, start):
            ev.acceptProposedAction()
