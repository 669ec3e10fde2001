"""The transport bar's output side: the audio device, the HRTF and the loudspeaker monitor.

:class:`OutputChoices` is mixed into :class:`~.transport_bar.TransportBar`, which builds the
combos; these methods fill them, remember the choices in the settings, and hand each choice
to the transport that is playing. Without an audio device (or without PortAudio) the bar
says so in one line and keeps everything but Play working.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFileDialog, QLabel, QMessageBox, QToolButton

from ambisketch.engine.binaural import HrirSet, Transport, load_hrtf, output_devices
from ambisketch.engine.binaural.devices import OutputDevice
from ambisketch.engine.errors import AudioDeviceError, EngineError
from ambisketch.engine.monitoring import design, get_layout

from ..settings_port import SettingsPort, text

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

NO_DEVICE_TEXT = "No audio output device — export a binaural WAV instead"
DEFAULT_HRTF_ITEM = "MIT KEMAR (default)"
LOAD_SOFA_ITEM = "Load SOFA…"
SETTINGS_DEVICE = "preview/device"
SETTINGS_MONITOR = "preview/monitor"
SETTINGS_HRTF = "preview/hrtf"


class OutputChoices:
    """Device, HRTF and monitor handling of the transport bar (see the module notes)."""

    # made by the bar
    device_combo: QComboBox
    hrtf_combo: QComboBox
    monitor_combo: QComboBox
    play_button: QToolButton
    play_action: QAction
    message: QLabel
    _settings: SettingsPort
    _devices: list[OutputDevice]
    _can_play: bool
    _hrirs: HrirSet | None
    _hrtf_index: int

    if TYPE_CHECKING:  # the bar's own

        @property
        def transport(self) -> Transport | None: ...

        def _show_message(self, text: str, detail: str = "") -> None: ...

        def _update_play_icon(self) -> None: ...

    # --- devices ------------------------------------------------------------------------
    def _scan_devices(self) -> None:
        self.device_combo.blockSignals(True)
        self.device_combo.clear()
        try:
            self._devices = output_devices()
            reason = "" if self._devices else NO_DEVICE_TEXT
        except AudioDeviceError as exc:  # PortAudio missing or failing
            self._devices, reason = [], str(exc)
        if not self._devices:
            self.device_combo.addItem("No output device", None)
            self.device_combo.setEnabled(False)
            self.device_combo.blockSignals(False)
            self._no_device(reason)
            return
        wanted = text(self._settings, SETTINGS_DEVICE)
        current = next(
            (i for i, d in enumerate(self._devices) if d.name == wanted),
            next((i for i, d in enumerate(self._devices) if d.is_default), 0),
        )
        for d in self._devices:
            self.device_combo.addItem(d.name, d.index)
            self.device_combo.setItemData(
                self.device_combo.count() - 1,
                f"{d.name} ({d.host_api}, {d.channels} ch, {d.default_rate:g} Hz)",
                Qt.ItemDataRole.ToolTipRole,
            )
        self.device_combo.setCurrentIndex(current)
        self.device_combo.setEnabled(True)
        self.device_combo.blockSignals(False)
        self._can_play = True

    def _device_index(self) -> int | None:
        data = self.device_combo.currentData()
        return int(data) if data is not None else None

    def _device_chosen(self, index: int) -> None:
        if not self._devices or index < 0:
            return
        self._settings.set(SETTINGS_DEVICE, self.device_combo.itemText(index))
        t = self.transport
        if t is not None:
            try:
                t.set_device(self._device_index())
            except AudioDeviceError as exc:
                self._show_message(str(exc))
                self._update_play_icon()

    def _no_device(self, reason: str) -> None:
        self._can_play = False
        self._show_message(NO_DEVICE_TEXT, reason)
        self.play_button.setEnabled(False)
        self.play_action.setEnabled(False)

    # --- HRTF ---------------------------------------------------------------------------
    def _hrtf_chosen(self, index: int) -> None:
        data = self.hrtf_combo.itemData(index)
        if data == LOAD_SOFA_ITEM:
            path, _ = QFileDialog.getOpenFileName(
                self, "Load an HRTF", "", "SOFA files (*.sofa);;All files (*)"
            )
            if not path:
                self.hrtf_combo.setCurrentIndex(self._hrtf_index)
                return
            try:
                hrirs = load_hrtf(path)
            except EngineError as exc:
                self.hrtf_combo.setCurrentIndex(self._hrtf_index)  # the previous HRTF stays
                QMessageBox.warning(self, "Cannot use this HRTF", str(exc))
                return
            self.hrtf_combo.insertItem(index, Path(path).name, path)
            self.hrtf_combo.setItemData(index, path, Qt.ItemDataRole.ToolTipRole)
            self.hrtf_combo.setCurrentIndex(index)
            self._use_hrtf(hrirs, index)
            return
        try:
            hrirs = load_hrtf(data)  # None: the default set
        except EngineError as exc:
            self.hrtf_combo.setCurrentIndex(self._hrtf_index)
            QMessageBox.warning(self, "Cannot use this HRTF", str(exc))
            return
        self._use_hrtf(hrirs, index)

    def _use_hrtf(self, hrirs: HrirSet, index: int) -> None:
        self._hrirs = hrirs
        self._hrtf_index = index
        self._settings.set(SETTINGS_HRTF, str(self.hrtf_combo.itemData(index) or ""))
        t = self.transport
        if t is not None:
            try:
                t.set_hrtf(hrirs)
            except EngineError as exc:
                QMessageBox.warning(self, "Cannot use this HRTF", str(exc))

    # --- the HRTF the combo shows ------------------------------------------------
    def _chosen_hrtf(self) -> HrirSet:
        """The HRTF the combo shows; a remembered SOFA file that no longer loads gives way
        to the default, with a note."""
        path = self.hrtf_combo.itemData(self._hrtf_index)
        if path:
            try:
                return load_hrtf(path)
            except EngineError as exc:
                self._show_message(
                    f"The remembered HRTF cannot be used ({exc}); using the default."
                )
                self.hrtf_combo.setCurrentIndex(0)
                self._hrtf_index = 0
                self._settings.set(SETTINGS_HRTF, "")
        return load_hrtf()

    def hrtf(self) -> HrirSet | None:
        """The chosen HRTF (None until the default one is first needed)."""
        return self._hrirs

    # --- loudspeakers -------------------------------------------------------------
    def _monitor_chosen(self, index: int) -> None:
        name = self.monitor_combo.itemData(index) or ""
        self.hrtf_combo.setEnabled(not name)
        t = self.transport
        try:
            if t is not None:
                t.set_speakers(design(get_layout(name)) if name else None)
        except EngineError as exc:  # a device with too few channels: stay binaural
            self._show_message(str(exc))
            self.monitor_combo.blockSignals(True)
            self.monitor_combo.setCurrentIndex(0)
            self.monitor_combo.blockSignals(False)
            self.hrtf_combo.setEnabled(True)
            return
        self._settings.set(SETTINGS_MONITOR, name)
