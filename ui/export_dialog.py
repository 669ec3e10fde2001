"""Export a take: AmbiX or FuMa for a DAW, or binaural for headphones; bit depth, rate, file.

The choices are remembered (the app's settings) for the next export; the work is the engine's
:func:`~ambisketch.engine.takes.export_take` (atomic, sidecar kept), its errors shown as
one line, with nothing half-written left behind.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ambisketch.engine.binaural import HrirSet
from ambisketch.engine.errors import EngineError
from ambisketch.engine.loudness import DEFAULT_TARGET_LUFS
from ambisketch.engine.models.highband import BAND_LIMITED_RATE
from ambisketch.engine.models.highband import applies as highs_apply
from ambisketch.engine.monitoring import LAYOUT_NAMES, STANDARD_LAYOUTS, get_layout
from ambisketch.engine.takes import (
    ExportResult,
    TakeRecord,
    TakeStore,
    default_export_name,
    export_take,
)

from .preview.controls import pitch_text, yaw_text
from .settings_port import MemorySettings, SettingsPort, flag, integer
from .settings_port import text as setting_text

FORMATS = (
    ("AmbiX — ACN, SN3D (4 ch)", "ambix"),
    ("FuMa — W X Y Z (4 ch)", "fuma"),
    ("Binaural — headphones (2 ch)", "binaural"),
    ("Loudspeakers — AllRAD decode (stereo … 7.1.4)", "speakers"),
)
LAYOUT_FILE_ITEM = "Layout file…"
BITS = (("24-bit PCM", "24"), ("16-bit PCM, dithered", "16"), ("32-bit float", "32f"))
RATES = ((44100, "44.1 kHz"), (48000, "48 kHz"))
BYTES = {"16": 2, "24": 3, "32f": 4}


def default_folder(remembered: str = "") -> Path:
    """Where exports go: the last export's folder while it exists, else the platform's music
    folder (``~/Music``; created on a new account), else the home folder."""
    if remembered and Path(remembered).is_dir():
        return Path(remembered)
    music = Path(platformdirs.user_music_dir())
    try:
        music.mkdir(parents=True, exist_ok=True)
    except OSError:
        return Path.home()
    return music


class ExportDialog(QDialog):
    """Args:
        record: the take to export.
        store: its project (the record is re-read from it before exporting).
        hrtf: for binaural, the preview's HRTF (a loaded set or a SOFA path; None = default).
        rotation: the preview's head (yaw, pitch); offered as an option for binaural.

    After :meth:`exec` returns Accepted, :attr:`exported` holds what was written.
    """

    def __init__(
        self,
        record: TakeRecord,
        store: TakeStore | None = None,
        parent: QWidget | None = None,
        *,
        hrtf: HrirSet | None = None,
        rotation: tuple[float, float] = (0.0, 0.0),
        settings: SettingsPort | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Export “{record.name}”")
        self.record, self.store, self.hrtf, self.rotation = record, store, hrtf, rotation
        self.exported: ExportResult | None = None
        self._auto_name = True
        self.settings: SettingsPort = settings if settings is not None else MemorySettings()
        settings = self.settings

        self.format = QComboBox(self)
        for text, key in FORMATS:
            self.format.addItem(text, key)
        self.bits = QComboBox(self)
        for text, key in BITS:
            self.bits.addItem(text, key)
        self.rate = QComboBox(self)
        self.rate.addItem(f"Native ({record.rate / 1000:g} kHz)", 0)
        for value, text in RATES:
            if value != record.rate:
                self.rate.addItem(text, value)
        self._select(self.format, setting_text(settings, "export/format", "ambix"))
        self._select(self.bits, setting_text(settings, "export/bits", "24"))
        self._select(self.rate, integer(settings, "export/rate", 0))

        self.layout_combo = QComboBox(self)
        for name in LAYOUT_NAMES:
            lay = STANDARD_LAYOUTS[name]
            self.layout_combo.addItem(f"{name} — {' '.join(lay.names)}", name)
        self.layout_combo.addItem(LAYOUT_FILE_ITEM, LAYOUT_FILE_ITEM)
        remembered = setting_text(settings, "export/layout", "5.1")
        if remembered.lower().endswith(".json"):
            self.layout_combo.insertItem(len(LAYOUT_NAMES), Path(remembered).name, remembered)
        self._select(self.layout_combo, remembered)
        self._layout_index = self.layout_combo.currentIndex()
        self.layout_combo.activated.connect(self._layout_chosen)
        self.lfe = QCheckBox("Feed the LFE (W below 120 Hz, -10 dB); otherwise silent", self)
        self.lfe.setChecked(flag(settings, "export/lfe"))
        self.normalise = QCheckBox("Normalise to", self)
        self.target = QDoubleSpinBox(self)
        self.target.setRange(-70.0, 0.0)
        self.target.setDecimals(1)
        self.target.setSuffix(" LUFS")
        remembered_target = setting_text(settings, "export/loudness")
        self.normalise.setChecked(bool(remembered_target))
        self.target.setValue(float(remembered_target) if remembered_target else DEFAULT_TARGET_LUFS)
        self.target.setEnabled(self.normalise.isChecked())
        self.normalise.toggled.connect(self.target.setEnabled)
        self.normalise.setToolTip(
            "ITU-R BS.1770 integrated loudness (AmbiX: measured on W), by "
            "gain alone: a true-peak ceiling of -1 dBTP wins"
        )
        loud_row = QHBoxLayout()
        loud_row.addWidget(self.normalise)
        loud_row.addWidget(self.target)
        loud_row.addStretch(1)

        self.file = QLineEdit(self)
        self.file.textEdited.connect(self._name_edited)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(browse)

        hrtf_name = getattr(hrtf, "name", None) or (
            Path(hrtf).name if hrtf else "MIT KEMAR (default)"
        )
        self.hrtf_label = QLabel(hrtf_name, self)
        yaw, pitch = rotation
        self.use_rotation = QCheckBox(
            f"With the preview's head turn (yaw {yaw_text(yaw)}, pitch {pitch_text(pitch)})", self
        )
        self.use_rotation.setVisible(bool(yaw or pitch))
        self.summary = QLabel(self)
        self.summary.setProperty("role", "caption")

        form = QFormLayout()
        form.addRow("Format", self.format)
        form.addRow("Bit depth", self.bits)
        form.addRow("Sample rate", self.rate)
        self.highs = QCheckBox("Estimate the highs above 7.6 kHz", self)
        self.highs.setObjectName("estimateHighs")
        self.highs.setChecked(flag(settings, "export/highs", True))
        self.highs.setToolTip(
            "Spectral band replication: the take's top octave copied up, each band's level "
            "set by a small network trained on full-band recordings; the directions kept. "
            "Not generated by the model: the sidecar says so."
        )
        self._band_limited = record.rate == BAND_LIMITED_RATE
        if record.rate < 32000:  # the model's native rate: say what resampling cannot add
            band = QLabel(
                f"Generated at {record.rate / 1000:g} kHz: its sound stops at "
                f"{record.rate / 2000:g} kHz. Exporting at 44.1 or 48 kHz changes the "
                "file's rate, not its bandwidth"
                + (", unless the highs are estimated." if self._band_limited else "."),
                self,
            )
            band.setObjectName("bandLimitNote")
            band.setWordWrap(True)
            form.addRow("", band)
        form.addRow("", self.highs)
        form.addRow("Layout", self.layout_combo)
        form.addRow("", self.lfe)
        form.addRow("HRTF", self.hrtf_label)
        form.addRow("", self.use_rotation)
        form.addRow("Loudness", loud_row)
        form.addRow("File", file_row)
        self._form = form
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.export_button = buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        buttons.accepted.connect(self.export)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.summary)
        lay.addWidget(buttons)

        self._folder = default_folder(setting_text(settings, "export/folder"))
        for combo in (self.format, self.bits, self.rate, self.layout_combo):
            combo.currentIndexChanged.connect(self._changed)
        self._changed()
        self.resize(max(self.sizeHint().width(), 520), self.sizeHint().height())

    # --- choices ------------------------------------------------------------------------
    def chosen(self) -> tuple[str, str, int | None]:
        """(format, bits, rate or None for native)."""
        rate = int(self.rate.currentData())
        return str(self.format.currentData()), str(self.bits.currentData()), rate or None

    def layout(self) -> str | None:
        """The loudspeaker layout (a name or a JSON file) for a speakers export."""
        data = self.layout_combo.currentData()
        return None if data in (None, LAYOUT_FILE_ITEM) else str(data)

    def loudness_target(self) -> float | None:
        return float(self.target.value()) if self.normalise.isChecked() else None

    def _layout_chosen(self, index: int) -> None:
        if self.layout_combo.itemData(index) == LAYOUT_FILE_ITEM:
            path, _ = QFileDialog.getOpenFileName(
                self, "Loudspeaker layout", "", "Layout JSON (*.json);;All files (*)"
            )
            if not path:
                self.layout_combo.setCurrentIndex(self._layout_index)
                return
            try:
                get_layout(path)  # a malformed file: say so now, keep the previous layout
            except EngineError as exc:
                self.layout_combo.setCurrentIndex(self._layout_index)
                QMessageBox.warning(self, "Cannot use this layout", str(exc))
                return
            self.layout_combo.insertItem(index, Path(path).name, path)
            self.layout_combo.setItemData(index, path, Qt.ItemDataRole.ToolTipRole)
            self.layout_combo.setCurrentIndex(index)
        self._layout_index = self.layout_combo.currentIndex()
        self._changed()

    def output_path(self) -> Path:
        text = self.file.text().strip()
        path = Path(text).expanduser()
        return path if path.suffix.lower() == ".wav" else path.with_name(path.name + ".wav")

    def _select(self, combo: QComboBox, value: object) -> None:
        i = combo.findData(value)
        combo.setCurrentIndex(i if i >= 0 else 0)

    def _changed(self) -> None:
        fmt, bits, rate = self.chosen()
        binaural = fmt == "binaural"
        self._form.setRowVisible(self.hrtf_label, binaural)
        self.use_rotation.setEnabled(binaural)
        speakers = fmt == "speakers"
        self._form.setRowVisible(self.layout_combo, speakers)
        self._form.setRowVisible(self.lfe, speakers)
        self._form.setRowVisible(self.highs, self._band_limited)
        self.highs.setEnabled(highs_apply(self.record.rate, rate or self.record.rate))
        layout = self.layout() if speakers else None
        if self._auto_name:
            self.file.setText(str(self._folder / default_export_name(self.record, fmt, layout)))
        channels = 2 if binaural else 4
        if layout is not None:
            try:
                lay = get_layout(layout)
                channels = lay.channels
                self.lfe.setEnabled(lay.lfe_index is not None)
            except EngineError:
                channels = 0
        out_rate = rate or self.record.rate
        size = channels * out_rate * self.record.seconds * BYTES[bits]
        self.summary.setText(
            f"{channels} channels · {out_rate / 1000:g} kHz · "
            f"{dict((k, t) for t, k in BITS)[bits]} · "
            f"{self.record.seconds:.2f} s · about {size / 1e6:.1f} MB"
        )

    def _name_edited(self, _: str) -> None:
        self._auto_name = False

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export take", self.file.text(), "WAV files (*.wav)"
        )
        if path:
            self.file.setText(path)
            self._auto_name = False

    def _make_folder(self, folder: Path) -> bool:
        """A typed folder that does not exist yet is offered to be created."""
        if folder.is_dir():
            return True
        if (
            QMessageBox.question(
                self, "Create folder?", f"The folder {folder} does not exist. Create it?"
            )
            != QMessageBox.StandardButton.Yes
        ):
            return False
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            QMessageBox.warning(
                self, "Export failed", f"{folder}: cannot create the folder ({exc.strerror or exc})"
            )
            return False
        return True

    # --- the export ---------------------------------------------------------------------
    def export(self) -> None:
        """Write the file; on a problem show it and stay open (nothing half-written)."""
        fmt, bits, rate = self.chosen()
        if not self.file.text().strip():
            QMessageBox.warning(self, "Export", "Choose a file to export to.")
            return
        out = self.output_path()
        if not self._make_folder(out.parent):
            return
        overwrite = False
        if out.exists():
            answer = QMessageBox.question(
                self, "Replace file?", f"{out.name} already exists in {out.parent}. Replace it?"
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
            overwrite = True
        yaw, pitch = self.rotation if self.use_rotation.isChecked() else (0.0, 0.0)
        try:
            record = self.store.read_record(self.record.path) if self.store else self.record
            self.exported = export_take(
                record,
                out,
                fmt,
                bits,
                rate,
                self.hrtf if fmt == "binaural" else None,
                overwrite=overwrite,
                yaw=yaw,
                pitch=pitch,
                layout=self.layout() if fmt == "speakers" else None,
                loudness_lufs=self.loudness_target(),
                lfe=self.lfe.isChecked(),
                highs=self.highs.isChecked(),
            )
        except EngineError as exc:
            QMessageBox.warning(self, "Export failed", str(exc))
            return
        settings = self.settings
        settings.set("export/format", fmt)
        settings.set("export/bits", bits)
        settings.set("export/rate", rate or 0)
        settings.set("export/folder", str(out.parent))
        if self._band_limited:
            settings.set("export/highs", self.highs.isChecked())
        chosen_layout = self.layout() if fmt == "speakers" else None
        if chosen_layout:
            settings.set("export/layout", chosen_layout)
            settings.set("export/lfe", self.lfe.isChecked())
        target = self.loudness_target()
        settings.set("export/loudness", "" if target is None else f"{target:g}")
        if self.exported.notes:
            QMessageBox.information(self, "Exported", "\n".join(self.exported.notes))
        self.accept()
