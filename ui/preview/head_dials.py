"""Three dials that turn the listener's head: yaw (a top view, the pointer is the nose), pitch
and roll.

Angles are the engine's: degrees, +yaw = the head turns left, +pitch = it looks up, +roll = it
tilts right (left ear up). A double-click on a dial puts it back to 0 (front / level). A head
tracker moves the dials too (:meth:`HeadDials.set_rotation`).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QDial, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .controls import (
    PITCH_RANGE,
    ROLL_RANGE,
    YAW_RANGE,
    dial_to_yaw,
    pitch_text,
    roll_text,
    wrap_degrees,
    yaw_text,
    yaw_to_dial,
)


class HeadDials(QWidget):
    """Signals:
    rotation_changed(float, float): yaw and pitch in degrees, when the head turns (also
        when only the roll changed; read it with :meth:`roll`).
    """

    rotation_changed = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._yaw = 0.0
        self._pitch = 0.0
        self._roll = 0.0
        self.yaw_dial, self.yaw_label = self._dial(
            YAW_RANGE,
            wrapping=True,
            tip="Head yaw: the pointer is your nose, seen from above (double-click: front)",
        )
        self.pitch_dial, self.pitch_label = self._dial(
            PITCH_RANGE, wrapping=False, tip="Head pitch: clockwise looks up (double-click: level)"
        )
        self.roll_dial, self.roll_label = self._dial(
            ROLL_RANGE,
            wrapping=False,
            tip="Head roll: clockwise tilts the head right, left ear up (double-click: level)",
        )
        self.yaw_dial.valueChanged.connect(
            lambda v: self._rotate(dial_to_yaw(v), self._pitch, self._roll)
        )
        self.pitch_dial.valueChanged.connect(
            lambda v: self._rotate(self._yaw, float(v), self._roll)
        )
        self.roll_dial.valueChanged.connect(
            lambda v: self._rotate(self._yaw, self._pitch, float(v))
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for dial, label in (
            (self.yaw_dial, self.yaw_label),
            (self.pitch_dial, self.pitch_label),
            (self.roll_dial, self.roll_label),
        ):
            col = QVBoxLayout()
            col.setSpacing(0)
            col.addWidget(dial, 0, Qt.AlignmentFlag.AlignHCenter)
            col.addWidget(label)
            row.addLayout(col)
        self._show()

    def rotation(self) -> tuple[float, float]:
        return self._yaw, self._pitch

    def roll(self) -> float:
        return self._roll

    def pose(self) -> tuple[float, float, float]:
        """(yaw, pitch, roll) in degrees."""
        return self._yaw, self._pitch, self._roll

    def set_rotation(self, yaw: float, pitch: float = 0.0, roll: float | None = None) -> None:
        """Move the dials (yaw wrapped into (-180, 180], pitch and roll clamped to ±90;
        ``roll`` None keeps the roll)."""
        yaw = wrap_degrees(float(yaw))
        pitch = min(max(float(pitch), PITCH_RANGE[0]), PITCH_RANGE[1])
        roll = self._roll if roll is None else min(max(float(roll), ROLL_RANGE[0]), ROLL_RANGE[1])
        for dial, value in (
            (self.yaw_dial, yaw_to_dial(yaw)),
            (self.pitch_dial, round(pitch)),
            (self.roll_dial, round(roll)),
        ):
            dial.blockSignals(True)  # the exact angles below, not the dials' whole degrees
            dial.setValue(int(value))
            dial.blockSignals(False)
        self._rotate(yaw, pitch, roll)

    def _dial(self, rng: tuple[int, int], wrapping: bool, tip: str) -> tuple[QDial, QLabel]:
        dial = QDial(self)
        dial.setRange(*rng)
        dial.setWrapping(wrapping)
        dial.setNotchesVisible(True)
        dial.setNotchTarget(6.0)
        dial.setSingleStep(5)
        dial.setPageStep(45)
        dial.setFixedSize(46, 46)
        dial.setToolTip(tip)
        dial.installEventFilter(self)
        label = QLabel(self)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setMinimumWidth(70)
        return dial, label

    def _rotate(self, yaw: float, pitch: float, roll: float) -> None:
        if (yaw, pitch, roll) == (self._yaw, self._pitch, self._roll):
            return
        self._yaw, self._pitch, self._roll = yaw, pitch, roll
        self._show()
        self.rotation_changed.emit(yaw, pitch)

    def _show(self) -> None:
        self.yaw_label.setText(f"Yaw {yaw_text(self._yaw)}")
        self.pitch_label.setText(f"Pitch {pitch_text(self._pitch)}")
        self.roll_label.setText(f"Roll {roll_text(self._roll)}")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.MouseButtonDblClick and watched in (
            self.yaw_dial,
            self.pitch_dial,
            self.roll_dial,
        ):
            watched.setValue(0)  # type: ignore[attr-defined]
            return True
        return super().eventFilter(watched, event)
