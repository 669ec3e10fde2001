"""Head tracking controls for the transport bar: on/off with a status light, reset to front,
and the settings (OSC port, address prefix, per-axis invert, smoothing).

The tracker is the engine's :class:`~ambisketch.engine.monitoring.OscHeadTracker` (IEM
SceneRotator's messages and signs). The audio callback reads it once per block itself; this
widget only polls it about 30 times a second to move the dials and the status light.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QToolButton,
    QWidget,
)

from ambisketch.engine.monitoring import DEFAULT_PORT, DEFAULT_PREFIX, OscError, OscHeadTracker
from ambisketch.engine.monitoring.osc_tracker import DEFAULT_SMOOTHING_MS

from ..settings_port import MemorySettings, SettingsPort, integer, number, text

POLL_MS = 33
KEY_PORT, KEY_PREFIX = "preview/osc_port", "preview/osc_prefix"
KEY_INVERT, KEY_SMOOTHING = "preview/osc_invert", "preview/osc_smoothing_ms"
LIGHT = {"off": "#777777", "waiting": "#e0a030", "receiving": "#40c040"}


class TrackerSettingsDialog(QDialog):
    """Port, prefix, invert switches and smoothing; read back with :meth:`values`."""

    def __init__(
        self,
        port: int,
        prefix: str,
        invert: tuple[bool, bool, bool],
        smoothing_ms: float,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Head tracker (OSC)")
        self.port = QSpinBox(self)
        self.port.setRange(1, 65535)
        self.port.setValue(port)
        self.prefix = QLineEdit(prefix, self)
        self.prefix.setPlaceholderText(DEFAULT_PREFIX)
        self.prefix.setToolTip(
            "Messages PREFIX/ypr, PREFIX/quaternions, PREFIX/yaw, /pitch, "
            "/roll (and the bare /ypr) are followed"
        )
        self.invert = [QCheckBox(name, self) for name in ("Yaw", "Pitch", "Roll")]
        for box, on in zip(self.invert, invert):
            box.setChecked(on)
        inverts = QHBoxLayout()
        for box in self.invert:
            inverts.addWidget(box)
        self.smoothing = QDoubleSpinBox(self)
        self.smoothing.setRange(0.0, 500.0)
        self.smoothing.setSuffix(" ms")
        self.smoothing.setValue(smoothing_ms)
        form = QFormLayout(self)
        form.addRow("UDP port", self.port)
        form.addRow("Address prefix", self.prefix)
        form.addRow("Invert", inverts)
        form.addRow("Smoothing", self.smoothing)
        form.addRow(
            QLabel(
                "Signs as IEM SceneRotator's: +yaw turns the scene left, +pitch "
                "turns its front down, +roll lifts its left side.",
                self,
            )
        )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[int, str, tuple[bool, bool, bool], float]:
        invert = tuple(b.isChecked() for b in self.invert)
        return (
            int(self.port.value()),
            self.prefix.text().strip() or DEFAULT_PREFIX,
            invert,
            float(self.smoothing.value()),
        )  # type: ignore[return-value]


class HeadTrackingControls(QWidget):
    """Signals:
    pose_changed(float, float, float): the tracked head (yaw, pitch, roll) in degrees.
    tracking_changed(bool): the tracker was switched on or off.
    """

    pose_changed = Signal(float, float, float)
    tracking_changed = Signal(bool)

    def __init__(
        self, parent: QWidget | None = None, *, settings: SettingsPort | None = None
    ) -> None:
        super().__init__(parent)
        self._store: SettingsPort = settings if settings is not None else MemorySettings()
        self.tracker: OscHeadTracker | None = None
        self.enable = QToolButton(self)
        self.enable.setText("Head tracker")
        self.enable.setCheckable(True)
        self.enable.setAutoRaise(True)
        self.enable.toggled.connect(self._toggled)
        self.light = QLabel(self)
        self.light.setFixedSize(12, 12)
        self.reset = QToolButton(self)
        self.reset.setText("Front")
        self.reset.setAutoRaise(True)
        self.reset.setToolTip("Reset to front: where you look now becomes straight ahead")
        self.reset.clicked.connect(self.recentre)
        self.settings_button = QToolButton(self)
        self.settings_button.setText("…")
        self.settings_button.setAutoRaise(True)
        self.settings_button.setToolTip("OSC port, address prefix, invert, smoothing")
        self.settings_button.clicked.connect(self.edit_settings)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        for w in (self.light, self.enable, self.reset, self.settings_button):
            row.addWidget(w)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._state = ""
        self._show_state("off")
        self._update_tip()

    # --- settings -------------------------------------------------------------------------
    def settings(self) -> tuple[int, str, tuple[bool, bool, bool], float]:
        q = self._store
        invert_text = text(q, KEY_INVERT)
        yaw, pitch, roll = (axis in invert_text.split(",") for axis in ("yaw", "pitch", "roll"))
        return (
            integer(q, KEY_PORT, DEFAULT_PORT),
            text(q, KEY_PREFIX) or DEFAULT_PREFIX,
            (yaw, pitch, roll),
            number(q, KEY_SMOOTHING, DEFAULT_SMOOTHING_MS),
        )

    def store_settings(
        self, port: int, prefix: str, invert: tuple[bool, bool, bool], smoothing_ms: float
    ) -> None:
        """Remember the settings; a running tracker restarts with them."""
        q = self._store
        q.set(KEY_PORT, int(port))
        q.set(KEY_PREFIX, prefix)
        q.set(KEY_INVERT, ",".join(a for a, on in zip(("yaw", "pitch", "roll"), invert) if on))
        q.set(KEY_SMOOTHING, float(smoothing_ms))
        self._update_tip()
        if self.tracker is not None:
            self._stop()
            self._start()

    def edit_settings(self) -> None:
        dialog = TrackerSettingsDialog(*self.settings(), parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.store_settings(*dialog.values())

    # --- tracking -------------------------------------------------------------------------
    def set_tracking(self, on: bool) -> None:
        self.enable.setChecked(on)

    def recentre(self) -> None:
        if self.tracker is not None:
            self.tracker.recentre()
            self._poll()

    def head_rotation(self) -> tuple[float, float, float]:
        """What the audio callback reads (the tracker's pose; level and front when off)."""
        return self.tracker.head_rotation() if self.tracker is not None else (0.0, 0.0, 0.0)

    def close_tracker(self) -> None:
        self.enable.setChecked(False)
        self._stop()

    def _toggled(self, on: bool) -> None:
        if on:
            if not self._start():
                self.enable.blockSignals(True)
                self.enable.setChecked(False)
                self.enable.blockSignals(False)
                return
        else:
            self._stop()
        self.tracking_changed.emit(self.tracker is not None)

    def _start(self) -> bool:
        port, prefix, invert, smoothing = self.settings()
        try:
            tracker = OscHeadTracker(port, prefix, invert=invert, smoothing_ms=smoothing)
            tracker.start()
        except OscError as exc:
            QMessageBox.warning(self, "Head tracker", str(exc))
            self._show_state("off")
            return False
        self.tracker = tracker
        self._timer.start()
        self._show_state("waiting")
        return True

    def _stop(self) -> None:
        self._timer.stop()
        tracker, self.tracker = self.tracker, None
        if tracker is not None:
            tracker.stop()
        self._show_state("off")

    def _poll(self) -> None:
        t = self.tracker
        if t is None:
            return
        status = t.status()
        self._show_state("receiving" if status.receiving else "waiting")
        if status.messages:
            self.pose_changed.emit(*t.head_rotation())

    def _show_state(self, state: str) -> None:
        if state == self._state:
            return
        self._state = state
        self.light.setStyleSheet(f"background: {LIGHT[state]}; border-radius: 6px;")
        port, prefix, _, _ = self.settings()
        self.light.setToolTip(
            {
                "off": "Head tracker off",
                "waiting": f"Listening on UDP port {port} for {prefix}/…; no "
                "messages in the last second",
                "receiving": f"Messages arriving on port {port}",
            }[state]
        )
        self.light.setAccessibleName(f"head tracker {state}")

    def _update_tip(self) -> None:
        port, prefix, _, _ = self.settings()
        self.enable.setToolTip(
            f"Follow a head tracker sending IEM SceneRotator OSC messages "
            f"({prefix}/ypr, {prefix}/quaternions, …) to UDP port {port}"
        )

    @property
    def state(self) -> str:
        """off, waiting (listening, nothing in the last second) or receiving."""
        return self._state
