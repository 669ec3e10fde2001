"""Exact values of the selected track: start, distance and room of a mono source, rotation
of an FOA file, its media (relink a missing one). Each change is one undo step."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from ...engine.scene import Track
from ...engine.spatial.room import ROOM_PRESETS
from .controller import SceneController

NO_ROOM = "no room"


def _spin(parent: QWidget, lo: float, hi: float, suffix: str, tip: str) -> QDoubleSpinBox:
    s = QDoubleSpinBox(parent)
    s.setRange(lo, hi)
    s.setDecimals(2)
    s.setSuffix(suffix)
    s.setToolTip(tip)
    s.setKeyboardTracking(False)
    return s


class TrackInspector(QWidget):
    def __init__(self, controller: SceneController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.label = QLabel("No track selected", self)
        self.label.setObjectName("inspector-label")
        self.start = _spin(self, 0.0, 36000.0, " s", "Where the clip starts on the timeline")
        self.distance = _spin(
            self,
            0.0,
            200.0,
            " m",
            "Metres from the listener (0 = dry at the 1 m reference): 1/r gain and air",
        )
        self.room = QComboBox(self)
        self.room.addItems([NO_ROOM, *ROOM_PRESETS])
        self.room.setToolTip("Place the mono source in a room (reflections and a tail)")
        self.yaw = _spin(self, -180.0, 180.0, "° yaw", "Rotate the FOA file (+ = to the left)")
        self.pitch = _spin(self, -90.0, 90.0, "° pitch", "Tilt the FOA file (+ = front up)")
        self.relink_button = QPushButton("Relink…", self)
        self.relink_button.setToolTip("Point the track at its media file's new place")
        self.media = QLabel(self)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 0, 4, 0)
        for w in (self.label, self.start, self.distance, self.room, self.yaw, self.pitch):
            row.addWidget(w)
        row.addWidget(self.media, 1)
        row.addWidget(self.relink_button)
        self.start.valueChanged.connect(lambda v: self._edit("Start", start=float(v)))
        self.distance.valueChanged.connect(
            lambda v: self._edit("Distance", distance=float(v) if v > 0 else None)
        )
        self.room.activated.connect(self._room)
        self.yaw.valueChanged.connect(self._rotation)
        self.pitch.valueChanged.connect(self._rotation)
        self.relink_button.clicked.connect(self._relink)
        controller.changed.connect(self.refresh)
        controller.selection_changed.connect(lambda _id: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        t = self.controller.selected()
        widgets = (self.start, self.distance, self.room, self.yaw, self.pitch)
        for w in widgets:
            w.blockSignals(True)
        try:
            self._show(t)
        finally:
            for w in widgets:
                w.blockSignals(False)

    def _show(self, t: Track | None) -> None:
        for w in (self.start, self.distance, self.room, self.yaw, self.pitch, self.relink_button):
            w.setEnabled(t is not None)
        if t is None:
            self.label.setText("No track selected")
            self.media.setText("")
            return
        mono = t.kind == "mono"
        kind = "mono" if mono else "FOA, re-pathed" if t.path is not None else "FOA"
        self.label.setText(f"<b>{t.name}</b> ({kind})")
        self.start.setValue(t.start)
        self.distance.setVisible(mono)
        self.room.setVisible(mono)
        self.yaw.setVisible(not mono and t.path is None)  # a re-pathed take follows its path
        self.pitch.setVisible(not mono and t.path is None)
        self.distance.setValue(t.distance or 0.0)
        self.room.setCurrentText(t.room if t.room in ROOM_PRESETS else NO_ROOM)
        self.yaw.setValue(t.rotation[0])
        self.pitch.setValue(t.rotation[1])
        missing = not t.media.exists()
        self.media.setText(
            ("<span style='color:#e05050'>missing: </span>" if missing else "") + t.media.name
        )
        self.media.setToolTip(str(t.media))

    def _edit(self, label: str, **changes: object) -> None:
        t = self.controller.selected()
        if t is not None:
            self.controller.edit(t.id, f"{label} of {t.name}", f"{label}:{t.id}", **changes)

    def _room(self, _index: int) -> None:
        text = self.room.currentText()
        self._edit("Room", room=None if text == NO_ROOM else text, rt60=None)

    def _rotation(self, _v: float) -> None:
        t = self.controller.selected()
        if t is not None:
            self._edit("Rotation", rotation=(self.yaw.value(), self.pitch.value(), t.rotation[2]))

    def _relink(self) -> None:
        t = self.controller.selected()
        if t is None:
            return
        name, _ = QFileDialog.getOpenFileName(
            self, f"New place of {t.media.name}", str(t.media.parent)
        )
        if name:
            self.controller.relink(t.id, name)
