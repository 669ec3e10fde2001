"""The controls at the head of each lane: colour, name, gain, mute and solo.

Each change is one undo step of the scene (the gain box's steps while a key or the wheel
is held merge into one).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...engine.scene import Track
from ...engine.scene.tracks import MAX_GAIN_DB, MIN_GAIN_DB
from .controller import SceneController
from .lanes import LANE_HEIGHT, RULER_HEIGHT

HEADER_WIDTH = 250


class TrackHeader(QWidget):
    """One lane's controls, bound to the track with ``track_id``."""

    def __init__(
        self, controller: SceneController, track: Track, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.track_id = track.id
        self.setFixedHeight(LANE_HEIGHT)
        self.colour = QToolButton(self)
        self.colour.setFixedSize(18, 18)
        self.colour.setToolTip("The track's colour (its lane and its path on the sphere)")
        self.colour.clicked.connect(self._pick_colour)
        self.name = QLineEdit(self)
        self.name.setToolTip("The track's name (its stem file is named after it)")
        self.name.editingFinished.connect(self._rename)
        self.gain = QDoubleSpinBox(self)
        self.gain.setRange(MIN_GAIN_DB, MAX_GAIN_DB)
        self.gain.setDecimals(1)
        self.gain.setSingleStep(0.5)
        self.gain.setSuffix(" dB")
        self.gain.setToolTip("Clip gain")
        self.gain.setKeyboardTracking(False)
        self.gain.valueChanged.connect(self._gain)
        self.mute = self._toggle("M", "Mute this track")
        self.solo = self._toggle("S", "Solo: hear only the soloed tracks")
        self.mute.toggled.connect(lambda on: self._set("Mute" if on else "Unmute", mute=on))
        self.solo.toggled.connect(lambda on: self._set("Solo" if on else "Unsolo", solo=on))
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)
        row.addWidget(self.colour)
        row.addWidget(self.name, 1)
        row.addWidget(self.gain)
        row.addWidget(self.mute)
        row.addWidget(self.solo)
        self.show_track(track)

    def _toggle(self, text: str, tip: str) -> QToolButton:
        b = QToolButton(self)
        b.setText(text)
        b.setCheckable(True)
        b.setToolTip(tip)
        b.setFixedWidth(26)
        return b

    def show_track(self, track: Track) -> None:
        for w in (self.name, self.gain, self.mute, self.solo):
            w.blockSignals(True)
        if not self.name.hasFocus():
            self.name.setText(track.name)
        self.gain.setValue(track.gain_db)
        self.mute.setChecked(track.mute)
        self.solo.setChecked(track.solo)
        self.colour.setStyleSheet(f"background: {track.colour}; border: 1px solid #555;")
        for w in (self.name, self.gain, self.mute, self.solo):
            w.blockSignals(False)

    def set_selected(self, on: bool) -> None:
        self.setAutoFillBackground(on)
        self.setBackgroundRole(self.backgroundRole())
        self.setStyleSheet("TrackHeader { background: palette(highlight); }" if on else "")

    def mousePressEvent(self, ev) -> None:  # noqa: N802, ANN001 - Qt's name
        self.controller.select(self.track_id)
        super().mousePressEvent(ev)

    def _set(self, label: str, merge: str | None = None, **changes: object) -> None:
        self.controller.select(self.track_id)
        self.controller.edit(self.track_id, label, merge, **changes)

    def _gain(self, value: float) -> None:
        self._set("Gain", merge=f"gain:{self.track_id}", gain_db=float(value))

    def _rename(self) -> None:
        text = self.name.text().strip()
        track = self.controller.scene.track(self.track_id)
        if text and text != track.name:
            self._set(f"Rename {track.name}", name=text)
        elif not text:
            self.name.setText(track.name)

    def _pick_colour(self) -> None:
        track = self.controller.scene.track(self.track_id)
        colour = QColorDialog.getColor(QColor(track.colour), self, f"Colour of {track.name}")
        if colour.isValid():
            self._set("Colour", colour=colour.name())


class TrackHeaders(QWidget):
    """The column of lane headers, kept in step with the scene's tracks."""

    def __init__(self, controller: SceneController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setFixedWidth(HEADER_WIDTH)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, RULER_HEIGHT, 0, 0)
        self._layout.setSpacing(0)
        self._layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.headers: list[TrackHeader] = []
        controller.changed.connect(self.refresh)
        controller.selection_changed.connect(self._select)
        self.refresh()

    def refresh(self) -> None:
        tracks = self.controller.scene.tracks
        if [h.track_id for h in self.headers] != [t.id for t in tracks]:
            for h in self.headers:
                h.setParent(None)
                h.deleteLater()
            self.headers = [TrackHeader(self.controller, t, self) for t in tracks]
            for h in self.headers:
                self._layout.addWidget(h)
            self.setMinimumHeight(RULER_HEIGHT + len(tracks) * LANE_HEIGHT)
            self._select(self.controller.selected().id if self.controller.selected() else "")
        else:
            for h, t in zip(self.headers, tracks):
                h.show_track(t)

    def _select(self, track_id: str) -> None:
        for h in self.headers:
            h.set_selected(h.track_id == track_id)
