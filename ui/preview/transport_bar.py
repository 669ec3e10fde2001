"""The transport bar: binaural preview of the selected take, with live head rotation.

It wraps the engine's :class:`~ambisketch.engine.binaural.Transport`: play/pause (Space),
stop, loop, a position slider, head yaw and pitch dials that turn the scene while it plays,
the HRTF (the shipped MIT KEMAR or the user's SOFA file) and the output device. Without an
audio device (or without PortAudio) it says so in one line and keeps everything but Play
working (seek, rotation), so the playhead and the path editor still follow.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFontDatabase, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ambisketch.engine.binaural import PLAYING, HrirSet, Transport
from ambisketch.engine.binaural.cache import DecoderCache
from ambisketch.engine.binaural.devices import OutputDevice
from ambisketch.engine.errors import AudioDeviceError, EngineError
from ambisketch.engine.monitoring import LAYOUT_NAMES

from ..jobs import JobRunner
from ..settings_port import MemorySettings, SettingsPort, text
from .controls import format_clock
from .head_dials import HeadDials
from .head_tracking import HeadTrackingControls
from .icons import transport_icon
from .outputs import (
    DEFAULT_HRTF_ITEM,
    LOAD_SOFA_ITEM,
    SETTINGS_HRTF,
    SETTINGS_MONITOR,
    OutputChoices,
)
from .preview_audio import PreviewAudio

POLL_MS = 33  # ~30 Hz position updates while playing


class _Holder:
    """Keeps the transport for the ``destroyed`` hook (which must not reach the widget)."""

    transport: Transport | None = None


def _close(holder: _Holder, *_: object) -> None:
    if holder.transport is not None:
        holder.transport.close()
        holder.transport = None


PREPARING_TEXT = "preparing…"  # the time label while a take's high band is estimated


class TransportBar(QWidget, OutputChoices):
    """Signals:
    position_changed(float): seconds, ~30 times a second while playing, and on seeks.
    rotation_changed(float, float): head yaw and pitch in degrees (+yaw = head left).
    """

    position_changed = Signal(float)
    rotation_changed = Signal(float, float)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        cache: DecoderCache | None = None,
        settings: SettingsPort | None = None,
        runner: JobRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self._cache = cache
        self._settings: SettingsPort = settings if settings is not None else MemorySettings()
        # a take as it is to be heard (its high band estimated off the GUI thread by runner)
        self._preview = PreviewAudio(self._settings, runner, self)
        self._preview.ready.connect(self._audio_ready)
        self._preview.failed.connect(self._show_message)
        self._play_when_ready = False  # Space pressed while the take was being prepared
        self._position = 0.0  # where the take being prepared starts
        self._holder = _Holder()
        # Release the audio device when the widget is deleted (the holder, not self, is bound:
        # by then the Python side of the widget may be gone).
        self.destroyed.connect(partial(_close, self._holder))
        self._hrirs: HrirSet | None = None  # None: the default set, loaded when first needed
        self._devices: list[OutputDevice] = []
        self._can_play = False
        self._updating = False

        pal = self.palette()
        self.play_button = self._tool(transport_icon("play", pal), "Play / pause (Space)")
        self.stop_button = self._tool(transport_icon("stop", pal), "Stop and go back to the start")
        self.loop_button = self._tool(transport_icon("loop", pal), "Loop the take")
        self.loop_button.setCheckable(True)
        self.play_button.clicked.connect(self.play_pause)
        self.stop_button.clicked.connect(self.stop)
        self.loop_button.toggled.connect(self._loop_toggled)
        self.play_action = QAction("Play / Pause", self)
        self.play_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.play_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.play_action.triggered.connect(self.play_pause)
        self.addAction(self.play_action)

        self.time_label = QLabel(self)
        self.time_label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setToolTip("Position (drag or click to seek)")
        self.slider.valueChanged.connect(self._slider_moved)

        self.head = HeadDials(self)
        self.head.rotation_changed.connect(self._rotate)
        self.yaw_dial, self.pitch_dial = self.head.yaw_dial, self.head.pitch_dial
        self.yaw_label, self.pitch_label = self.head.yaw_label, self.head.pitch_label
        self.roll_dial, self.roll_label = self.head.roll_dial, self.head.roll_label
        self.tracking = HeadTrackingControls(self, settings=self._settings)
        self.tracking.pose_changed.connect(self._tracked)
        self.tracking.tracking_changed.connect(self._tracking_changed)
        self.monitor_combo = QComboBox(self)
        self.monitor_combo.setToolTip(
            "Listen on headphones (binaural) or decode to "
            "loudspeakers (AllRAD) on a multichannel device"
        )
        self.monitor_combo.addItem("Headphones (binaural)", "")
        for name in LAYOUT_NAMES:
            self.monitor_combo.addItem(f"Loudspeakers {name}", name)
        wanted = self.monitor_combo.findData(text(self._settings, SETTINGS_MONITOR))
        self.monitor_combo.setCurrentIndex(max(wanted, 0))
        self.monitor_combo.currentIndexChanged.connect(self._monitor_chosen)

        self.hrtf_combo = QComboBox(self)
        self.hrtf_combo.setToolTip("HRTF used for the headphone preview")
        self.hrtf_combo.addItem(DEFAULT_HRTF_ITEM, None)
        self.hrtf_combo.addItem(LOAD_SOFA_ITEM, LOAD_SOFA_ITEM)
        self.hrtf_combo.activated.connect(self._hrtf_chosen)
        self._hrtf_index = 0
        saved = text(self._settings, SETTINGS_HRTF)
        if saved and Path(saved).is_file():  # the user's SOFA file, loaded when first needed
            self.hrtf_combo.insertItem(1, Path(saved).name, saved)
            self.hrtf_combo.setItemData(1, saved, Qt.ItemDataRole.ToolTipRole)
            self.hrtf_combo.setCurrentIndex(1)
            self._hrtf_index = 1
        self.device_combo = QComboBox(self)
        self.device_combo.setToolTip("Audio output device")
        self.device_combo.currentIndexChanged.connect(self._device_chosen)

        self.message = QLabel(self)
        self.message.setStyleSheet("color: #e0a030;")
        self.message.setWordWrap(True)
        self.message.hide()

        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._layout()
        self._scan_devices()
        self.clear()

    # --- public slots -------------------------------------------------------------------
    def set_audio(self, foa: NDArray[np.floating], rate: int, position: float = 0.0) -> None:
        """Load a take (AmbiX ``(4, n)`` at ``rate``) for preview, stopped at ``position``
        seconds. A 16 kHz take plays at 48 kHz with its high band estimated, as it is exported
        (unless the export setting says otherwise), so that what is auditioned is what is
        written; the band is made off the GUI thread, and until it is ready the transport
        shows "preparing…" (Play pressed meanwhile starts the take when it is ready)."""
        self._play_when_ready = False
        self._position = position
        if not self._preview.request(foa, rate, position):
            self._close_transport()
            self._enable(False)
            self.play_button.setEnabled(self._can_play)  # Play waits for the take
            self.play_action.setEnabled(self._can_play)
            self.time_label.setText(PREPARING_TEXT)

    @property
    def position(self) -> float:
        """Where the playhead is (seconds), or where a take being prepared will start."""
        t = self.transport
        return t.position if t is not None else self._position if self.preparing else 0.0

    @property
    def preparing(self) -> bool:
        """Whether a take's audio is being prepared (its high band estimated)."""
        return self._preview.preparing

    def _audio_ready(self, foa: NDArray[np.floating], rate: int, position: float) -> None:
        self._install(lambda hrirs, **kw: Transport(foa, rate, hrirs, **kw))
        if position > 0.0:
            self.seek(position)
        if self._play_when_ready and self.transport is not None:
            self._play_when_ready = False
            self.play_pause()

    def set_player(self, make: Callable[..., Transport]) -> None:
        """Load the transport ``make(hrirs, device=, device_output=, cache=, yaw=, pitch=)``
        builds (a take's, or a scene's that mixes its tracks live), stopped at the start."""
        self._preview.cancel()  # a take still being prepared is no longer wanted
        self._play_when_ready = False
        self._install(make)

    def _install(self, make: Callable[..., Transport]) -> None:
        self._close_transport()
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # first HRTF/decoder: ~1 s
        try:
            hrirs = self._hrirs if self._hrirs is not None else self._chosen_hrtf()
            self._hrirs = hrirs
            yaw, pitch = self.rotation()  # a new take keeps the head where it is
            transport = make(
                hrirs,
                device=self._device_index(),
                device_output=self._can_play,
                cache=self._cache,
                yaw=yaw,
                pitch=pitch,
            )
        except (EngineError, ValueError) as exc:
            self._show_message(str(exc))
            self._enable(False)
            return
        finally:
            QApplication.restoreOverrideCursor()
        transport.set_loop(self.loop_button.isChecked())
        self._holder.transport = transport
        self._attach(transport)
        self._updating = True
        self.slider.setRange(0, int(round(transport.duration * 1000)))
        self.slider.setValue(0)
        self._updating = False
        self._enable(True)
        self._show_position(0.0)
        self.position_changed.emit(0.0)

    def clear(self) -> None:
        """No take: stop, release the stream, disable the transport controls."""
        self._preview.cancel()
        self._play_when_ready = False
        self._close_transport()
        self._updating = True
        self.slider.setRange(0, 0)
        self._updating = False
        self.time_label.setText(f"{format_clock(0)} / {format_clock(0)}")
        self._enable(False)

    def play_pause(self) -> None:
        t = self.transport
        if t is None and self._preview.preparing and self._can_play:
            self._play_when_ready = not self._play_when_ready  # pressed again: not after all
            return
        if t is None or not self._can_play:
            return
        if t.state == PLAYING:
            t.pause()
            self._timer.stop()
            self._poll()
        else:
            try:
                t.play()
            except AudioDeviceError as exc:
                self._no_device(str(exc))
                return
            self._timer.start()
        self._update_play_icon()

    def stop(self) -> None:
        t = self.transport
        if t is None:
            return
        t.stop()
        self._timer.stop()
        self._poll()
        self._update_play_icon()

    def seek(self, seconds: float) -> None:
        """Go to ``seconds`` (clamped to the take); the playhead follows."""
        t = self.transport
        if t is None:
            return
        t.seek(seconds)
        pos = t.position
        self._show_position(pos)
        self.position_changed.emit(pos)

    def set_rotation(self, yaw: float, pitch: float = 0.0) -> None:
        """Turn the head (degrees; +yaw = left, +pitch = up), e.g. from the sphere view."""
        self.head.set_rotation(yaw, pitch)

    def rotation(self) -> tuple[float, float]:
        return self.head.rotation()

    def close_audio(self) -> None:
        """Stop and release the output device (the window calls it when it closes)."""
        self._close_transport()
        self.tracking.close_tracker()

    @property
    def transport(self) -> Transport | None:
        return self._holder.transport

    @property
    def can_play(self) -> bool:
        return self._can_play

    # --- building -----------------------------------------------------------------------
    def _tool(self, icon: Any, tip: str) -> QToolButton:
        b = QToolButton(self)
        b.setIcon(icon)
        b.setToolTip(tip)
        b.setAutoRaise(True)
        return b

    def _layout(self) -> None:
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for w in (self.play_button, self.stop_button, self.loop_button, self.time_label):
            row.addWidget(w)
        row.addWidget(self.slider, 1)
        row.addWidget(self._separator())
        row.addWidget(self.head)
        row.addWidget(self.tracking)
        row.addWidget(self._separator())
        grid = QGridLayout()
        grid.setVerticalSpacing(2)
        grid.addWidget(QLabel("HRTF", self), 0, 0)
        grid.addWidget(self.hrtf_combo, 0, 1)
        grid.addWidget(QLabel("Output", self), 1, 0)
        grid.addWidget(self.device_combo, 1, 1)
        grid.addWidget(QLabel("Monitor", self), 2, 0)
        grid.addWidget(self.monitor_combo, 2, 1)
        row.addLayout(grid)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.setSpacing(0)
        lay.addLayout(row)
        lay.addWidget(self.message)

    def _separator(self) -> QFrame:
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.VLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        return line

    # --- rotation -----------------------------------------------------------------------
    def _rotate(self, yaw: float, pitch: float) -> None:
        t = self.transport
        if t is not None:
            t.set_rotation(
                yaw, pitch, self.head.roll()
            )  # crossfaded inside the renderer: live, no click
        self.rotation_changed.emit(yaw, pitch)

    # --- head tracking and loudspeakers ------------------------------------------------
    def _attach(self, transport: Transport) -> None:
        """Give a new transport the head's roll, the tracker and the monitor output."""
        transport.set_rotation(*self.head.pose())
        if self.tracking.tracker is not None:
            transport.rotation_source = self.tracking.head_rotation
        if self.monitor_combo.currentData():
            self._monitor_chosen(self.monitor_combo.currentIndex())

    def _tracked(self, yaw: float, pitch: float, roll: float) -> None:
        self.head.set_rotation(yaw, pitch, roll)  # the dials follow; the audio reads itself

    def _tracking_changed(self, on: bool) -> None:
        t = self.transport
        if t is not None:
            t.rotation_source = self.tracking.head_rotation if on else None
            if not on:
                t.set_rotation(*self.head.pose())

    # --- position -----------------------------------------------------------------------
    def _poll(self) -> None:
        t = self.transport
        if t is None:
            self._timer.stop()
            return
        pos = t.position
        self._show_position(pos)
        self.position_changed.emit(pos)
        if t.errors:
            self._show_message(f"Playback problem: {t.errors[-1]}")
        if t.state != PLAYING:
            self._timer.stop()
            self._update_play_icon()

    def _show_position(self, seconds: float) -> None:
        t = self.transport
        total = t.duration if t is not None else 0.0
        self.time_label.setText(f"{format_clock(seconds)} / {format_clock(total)}")
        if not self.slider.isSliderDown():
            self._updating = True
            self.slider.setValue(int(round(seconds * 1000)))
            self._updating = False

    def _slider_moved(self, value: int) -> None:
        if not self._updating:
            self.seek(value / 1000.0)

    def _loop_toggled(self, on: bool) -> None:
        if self.transport is not None:
            self.transport.set_loop(on)

    # --- state --------------------------------------------------------------------------
    def _enable(self, has_take: bool) -> None:
        self.play_button.setEnabled(has_take and self._can_play)
        self.play_action.setEnabled(has_take and self._can_play)
        self.stop_button.setEnabled(has_take)
        self.slider.setEnabled(has_take)
        self._update_play_icon()

    def _update_play_icon(self) -> None:
        t = self.transport
        playing = t is not None and t.state == PLAYING
        self.play_button.setIcon(transport_icon("pause" if playing else "play", self.palette()))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "loop_button"):
            pal = self.palette()  # the theme changed: icons in its colours
            self.stop_button.setIcon(transport_icon("stop", pal))
            self.loop_button.setIcon(transport_icon("loop", pal))
            self._update_play_icon()

    def _show_message(self, text: str, detail: str = "") -> None:
        self.message.setText(text)
        self.message.setToolTip(detail if detail and detail != text else "")
        self.message.show()

    def _close_transport(self) -> None:
        self._timer.stop()
        _close(self._holder)
