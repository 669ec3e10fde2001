"""The path editor: sphere and flat map side by side, the timeline below, the keyframe table
in a collapsible section, and a toolbar (presets, draw, undo/redo, open/save, duration).

The main window embeds one :class:`PathEditor`; it builds its Edit menu from
:attr:`PathEditor.undo_action` / :attr:`PathEditor.redo_action`, connects
:attr:`seek_requested` and :attr:`head_rotation_requested` to the transport, and feeds the
playhead and the head rotation back (``document.set_playhead``, :meth:`set_head_rotation`).

Without OpenGL (``gl=False``, or automatically on the offscreen platform) the flat map takes
the sphere's place, so the editor also works in tests and over remote desktops.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...engine.errors import TrajectoryError
from ...engine.spatial.captions import describe
from ...engine.spatial.freehand import TOLERANCE_RANGE
from ..widgets import ElidedLabel
from .document import PathDocument
from .flat_map import FlatMap
from .keyframe_table import KeyframeTable
from .menus import presets_menu
from .timeline import Timeline

NO_GL_PLATFORMS = ("offscreen", "minimal", "vnc")
MIN_DURATION, MAX_DURATION = 0.5, 600.0  # seconds the duration box offers
MESSAGE_MS = 6000  # how long a refusal stays in the status line
FILE_FILTER = "Path JSON (*.json);;All files (*)"


class PathEditor(QWidget):
    """Everything to draw and edit where the sound travels."""

    seek_requested = Signal(float)  # the user clicked the timeline at t seconds
    head_rotation_requested = Signal(float, float)  # yaw, pitch (degrees), Shift+drag on the head

    def __init__(
        self,
        document: PathDocument | None = None,
        parent: QWidget | None = None,
        *,
        gl: bool | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document or PathDocument(parent=self)
        doc = self.document
        self.sphere = None  # a SphereView once GL is on
        self._head = (0.0, 0.0)
        self._note = ""  # replaces the caption while set (text-only mode)

        # Fixed texts ("Undo", not "Undo Move keyframe 3"): the toolbar must not shift with
        # every edit. What would be undone is in the tooltip and the status tip.
        self.undo_action = QAction("Undo", self)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.triggered.connect(doc.undo_stack.undo)
        self.redo_action = QAction("Redo", self)
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        self.redo_action.triggered.connect(doc.undo_stack.redo)
        doc.undo_stack.canUndoChanged.connect(self._update_undo)
        doc.undo_stack.canRedoChanged.connect(self._update_undo)
        doc.undo_stack.undoTextChanged.connect(self._update_undo)
        doc.undo_stack.redoTextChanged.connect(self._update_undo)
        self.delete_action = QAction("Delete keyframe", self)
        self.delete_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.delete_action.setToolTip("Delete the selected keyframe (Delete)")
        self.delete_action.triggered.connect(self._delete_selected)
        for action in (self.undo_action, self.redo_action, self.delete_action):
            self.addAction(action)

        self.flat_map = FlatMap(doc, self)
        self.timeline = Timeline(doc, self)
        self.table = KeyframeTable(doc, self)
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.caption.setToolTip(
            "The spatial caption of this path in the words of the papers' "
            "Table 1: what the descriptive model is told about motion"
        )
        self.status = ElidedLabel(self)  # long hints shorten; they never widen the window
        self.status.setToolTip("Why the last edit was refused, or what the mouse does")
        self._status_timer = QTimer(self, singleShot=True, interval=MESSAGE_MS)
        self._status_timer.timeout.connect(self._show_hint)

        self.views = QSplitter(Qt.Orientation.Horizontal, self)
        self.views.addWidget(self.flat_map)
        self.views.setChildrenCollapsible(False)
        body = QSplitter(Qt.Orientation.Vertical, self)
        body.addWidget(self.views)
        body.addWidget(self.timeline)
        body.setStretchFactor(0, 1)
        body.setStretchFactor(1, 1)
        body.setSizes([500, 460])  # scaled to the real height: the views get the larger part
        body.setChildrenCollapsible(False)

        self.table_button = QToolButton(self)
        self.table_button.setText("Keyframes")
        self.table_button.setCheckable(True)
        self.table_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.table_button.setArrowType(Qt.ArrowType.RightArrow)
        self.table_button.setAutoRaise(True)
        self.table_button.setToolTip("Show or hide the table of keyframes (exact values)")
        self.table_button.toggled.connect(self.set_table_visible)
        self.table.setVisible(False)
        self.table.setMaximumHeight(170)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._build_toolbar())
        layout.addWidget(self.caption)
        layout.addWidget(body, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.table_button)
        bottom.addWidget(self.status, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.table)

        self.timeline.seek_requested.connect(self._seek)
        doc.changed.connect(self._document_changed)
        doc.edit_refused.connect(self.show_message)
        doc.playhead_changed.connect(lambda _s: self._show_hint())
        self._document_changed()
        self._update_undo()
        self._show_hint()
        if gl is None:
            gl = QGuiApplication.platformName() not in NO_GL_PLATFORMS
        self.set_gl_enabled(gl)

    # --- building ---------------------------------------------------------------------
    def _build_toolbar(self) -> QToolBar:
        bar = QToolBar(self)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        presets = QToolButton(bar)
        presets.setText("Presets")
        presets.setToolTip("Start from a ready-made path (replaces the current one; undoable)")
        presets.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.presets_menu = presets_menu(self.document, presets)
        presets.setMenu(self.presets_menu)
        bar.addWidget(presets)
        self.draw_action = bar.addAction("Draw")
        self.draw_action.setCheckable(True)
        self.draw_action.setToolTip(
            "Draw mode: drag on the sphere or the map to draw the path freehand; the speed you "
            "draw at is kept, stretched over the whole duration (Ctrl+drag draws once)"
        )
        self.draw_action.toggled.connect(self.set_draw_mode)
        self.smoothing = QDoubleSpinBox(bar)
        self.smoothing.setRange(*TOLERANCE_RANGE)
        self.smoothing.setDecimals(1)
        self.smoothing.setSingleStep(1.0)
        self.smoothing.setPrefix("±")
        self.smoothing.setSuffix("°")
        self.smoothing.setValue(self.document.freehand_tolerance)
        self.smoothing.setToolTip(
            "Freehand smoothing: how far (degrees) the keyframes may stray "
            "from what you drew. Larger = fewer keyframes; smaller = "
            "every wobble kept"
        )
        self.smoothing.valueChanged.connect(self._smoothing_changed)
        bar.addWidget(self.smoothing)
        bar.addSeparator()
        bar.addAction(self.undo_action)
        bar.addAction(self.redo_action)
        bar.addSeparator()
        self.open_action = bar.addAction("Open…")
        self.open_action.setToolTip("Open a path JSON file (undoable)")
        self.open_action.triggered.connect(self._ask_open)
        self.save_action = bar.addAction("Save…")
        self.save_action.setToolTip("Save this path as JSON (for 'ambisketch generate --path')")
        self.save_action.triggered.connect(self._ask_save)
        bar.addSeparator()
        label = QLabel("Duration ", bar)
        self._duration_label_action = bar.addWidget(label)
        self.duration_box = QDoubleSpinBox(bar)
        self.duration_box.setRange(MIN_DURATION, MAX_DURATION)
        self.duration_box.setDecimals(2)
        self.duration_box.setSingleStep(0.5)
        self.duration_box.setSuffix(" s")
        self.duration_box.setKeyboardTracking(False)  # apply on Enter, not on every digit
        self.duration_box.setToolTip("Length of the path; keyframe times stretch with it")
        label.setToolTip(self.duration_box.toolTip())
        self.duration_box.valueChanged.connect(self.document.set_duration)
        self._duration_actions = [self._duration_label_action, bar.addWidget(self.duration_box)]
        spacer = QWidget(bar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        return bar

    # --- public ------------------------------------------------------------------------
    def set_gl_enabled(self, on: bool) -> None:
        """Show the 3-D sphere beside the flat map (on) or the flat map alone (off)."""
        if on and self.sphere is None:
            from .sphere_view import SphereView  # imports OpenGL: only when it is wanted

            self.sphere = SphereView(self.document, self)
            self.sphere.pointer.draw_mode = self.draw_action.isChecked()
            self.sphere.set_head_rotation(*self._head)
            self.sphere.head_rotation_requested.connect(self._head_requested)
            self.views.insertWidget(0, self.sphere)
            self.views.setSizes([1, 1])
        if self.sphere is not None:
            self.sphere.setVisible(on)

    def show_duration_box(self, on: bool) -> None:
        """Show the toolbar's Duration box; the main window hides it, as its generate panel's
        Length is the one control for the take's (and so the path's) length."""
        for action in self._duration_actions:
            action.setVisible(on)

    def set_note(self, text: str) -> None:
        """Show ``text`` in place of the path's caption ('' shows the caption again)."""
        self._note = text
        self._document_changed()

    def gl_enabled(self) -> bool:
        return self.sphere is not None and not self.sphere.isHidden()

    def set_head_rotation(self, yaw: float, pitch: float) -> None:
        """Draw the listener head turned (degrees; positive yaw = left, pitch = up)."""
        self._head = (float(yaw), float(pitch))
        if self.sphere is not None:
            self.sphere.set_head_rotation(yaw, pitch)

    def set_draw_mode(self, on: bool) -> None:
        """Freehand drawing on the sphere and the map instead of click-to-place."""
        if self.draw_action.isChecked() != on:
            self.draw_action.setChecked(on)  # comes back here through toggled
            return
        self.flat_map.pointer.draw_mode = on
        if self.sphere is not None:
            self.sphere.pointer.draw_mode = on
        self._show_hint()

    def set_table_visible(self, on: bool) -> None:
        self.table.setVisible(on)
        self.table_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        if self.table_button.isChecked() != on:
            self.table_button.setChecked(on)

    def open_file(self, path: str | Path) -> bool:
        """Open a path file; a bad file is reported in a dialog and changes nothing."""
        try:
            self.document.load(path)
        except TrajectoryError as exc:
            QMessageBox.warning(self, "Cannot open path", str(exc))
            return False
        self.show_message(f"Opened {Path(path).name}")
        return True

    def save_file(self, path: str | Path) -> bool:
        try:
            self.document.save(path)
        except TrajectoryError as exc:
            QMessageBox.warning(self, "Cannot save path", str(exc))
            return False
        self.show_message(f"Saved {Path(path).name}")
        return True

    def show_message(self, text: str) -> None:
        """Show ``text`` in the status line for a few seconds (refusals also beep)."""
        if self.sender() is self.document:
            QApplication.beep()
        self.status.setText(text)
        self._status_timer.start()

    # --- internals ----------------------------------------------------------------------
    def _document_changed(self) -> None:
        traj = self.document.trajectory()
        with QSignalBlocker(self.duration_box):
            self.duration_box.setValue(traj.duration)
        name = f" ({traj.name})" if traj.name else ""
        self.caption.setText(self._note or f"Caption{name}: “{describe(traj)}”")

    def _smoothing_changed(self, degrees: float) -> None:
        self.document.freehand_tolerance = float(degrees)

    def _update_undo(self, *_: object) -> None:
        stack = self.document.undo_stack
        try:
            rows = (
                (self.undo_action, stack.canUndo(), stack.undoText(), "Undo", "Ctrl+Z"),
                (self.redo_action, stack.canRedo(), stack.redoText(), "Redo", "Ctrl+Shift+Z"),
            )
        except RuntimeError:  # the stack is being deleted with the document
            return
        for action, can, text, verb, keys in rows:
            action.setEnabled(can)
            tip = (
                f"{verb} {text[:1].lower()}{text[1:]} ({keys})"
                if can
                else f"Nothing to {verb.lower()}"
            )
            action.setToolTip(tip)
            action.setStatusTip(tip)

    def _show_hint(self) -> None:
        if self._status_timer.isActive():
            return
        t = self.document.playhead()
        if self.draw_action.isChecked():
            self.status.setText("Draw mode: drag to draw the whole path; release to finish.")
        else:
            self.status.setText(
                f"Click the sphere or map to put the sound there at the "
                f"playhead ({t:.2f} s); click the timeline to move the playhead."
            )

    def _seek(self, seconds: float) -> None:
        self.document.set_playhead(seconds)
        self.seek_requested.emit(seconds)

    def _head_requested(self, yaw: float, pitch: float) -> None:
        self._head = (yaw, pitch)
        self.head_rotation_requested.emit(yaw, pitch)

    def _delete_selected(self) -> None:
        index = self.document.selected()
        if index < 0:
            self.show_message("Select a keyframe to delete it")
            return
        self.document.delete_keyframe(index)

    def _start_dir(self) -> str:
        f = self.document.file_path()
        return str(f.parent) if f is not None else ""

    def _ask_open(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Open path", self._start_dir(), FILE_FILTER)
        if name:
            self.open_file(name)

    def _ask_save(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save path", self._start_dir(), FILE_FILTER)
        if name:
            path = Path(name)
            self.save_file(path if path.suffix else path.with_suffix(".json"))
