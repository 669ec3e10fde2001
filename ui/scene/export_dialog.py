"""Export a scene: the AmbiX mix (48 kHz), one stem per track, a binaural mix.

The dialog only gathers the choices (:class:`SceneExportChoice`); :func:`export_job` is what
the window runs off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from ...engine.audio_io import BIT_DEPTHS
from ...engine.scene import MediaCache, Scene, export_scene

BIT_LABELS = {"16": "16-bit PCM", "24": "24-bit PCM", "32f": "32-bit float"}


@dataclass(frozen=True)
class SceneExportChoice:
    mix: Path
    bits: str = "24"
    stems: bool = False
    binaural: bool = False
    overwrite: bool = False
    highs: bool = True  # 16 kHz takes get their band above 7.6 kHz estimated

    @property
    def stems_dir(self) -> Path:
        return self.mix.with_name(self.mix.stem + "_stems")

    @property
    def binaural_path(self) -> Path:
        return self.mix.with_name(self.mix.stem + "_binaural.wav")

    def targets(self) -> list[Path]:
        out = [self.mix]
        if self.stems:
            out.append(self.stems_dir)
        if self.binaural:
            out.append(self.binaural_path)
        return out


def export_job(
    scene: Scene,
    choice: SceneExportChoice,
    media: MediaCache,
    hrirs: Any = None,
    head: tuple[float, float, float] = (0.0, 0.0, 0.0),
) -> Callable[[Any, Callable[[], bool]], str]:
    """The job for the window's runner: writes what ``choice`` asks, returns a summary."""

    if media.highs != choice.highs:  # the live mix's cache holds the other kind
        media = MediaCache(media.rate, highs=choice.highs)

    def job(progress: Any, cancelled: Callable[[], bool]) -> str:
        steps = 2 if choice.binaural else 1
        done: list[str] = []
        result = export_scene(
            scene,
            choice.mix,
            media,
            stems_dir=choice.stems_dir if choice.stems else None,
            bits=choice.bits,
            overwrite=choice.overwrite,
            progress=lambda f: progress(int(100 * f / steps), 100),
        )
        done.append(choice.mix.name + (f" and {len(result.stems)} stems" if choice.stems else ""))
        if choice.binaural:
            export_scene(
                scene,
                choice.binaural_path,
                media,
                bits=choice.bits,
                binaural=True,
                head=head,
                hrirs=hrirs,
                overwrite=choice.overwrite,
                progress=lambda f: progress(50 + int(50 * f), 100),
            )
            done.append(choice.binaural_path.name)
        note = " (the mix clips: lower the gains or use 32-bit float)" if result.clipped else ""
        return "Exported " + ", ".join(done) + note

    return job


class SceneExportDialog(QDialog):
    def __init__(self, start: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export the scene")
        self.path = QLineEdit(str(start), self)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.bits = QComboBox(self)
        for key in BIT_DEPTHS:
            self.bits.addItem(BIT_LABELS[key], key)
        self.bits.setCurrentIndex(list(BIT_DEPTHS).index("24"))
        self.stems = QCheckBox("One AmbiX stem per track (NAME_stems/, each the full length)", self)
        self.binaural = QCheckBox(
            "A binaural mix for headphones (NAME_binaural.wav, the transport's HRTF and head)", self
        )
        self.highs = QCheckBox("Estimate the highs of 16 kHz takes (above 7.6 kHz)", self)
        self.highs.setChecked(True)
        self.highs.setToolTip(
            "The model makes 16 kHz takes: nothing above 7.6 kHz. Ticked, their high band is "
            "estimated from the band under it, as when a take is exported at 48 kHz "
            "(re-pathed takes: panned along the track's path)."
        )
        form = QFormLayout(self)
        form.addRow("AmbiX mix (48 kHz)", row)
        form.addRow("Bit depth", self.bits)
        form.addRow("", self.stems)
        form.addRow("", self.binaural)
        form.addRow("", self.highs)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.choice_made: SceneExportChoice | None = None

    def choice(self, overwrite: bool = False) -> SceneExportChoice:
        text = self.path.text().strip()
        mix = Path(text if text.lower().endswith(".wav") else text + ".wav")
        return SceneExportChoice(
            mix,
            self.bits.currentData(),
            self.stems.isChecked(),
            self.binaural.isChecked(),
            overwrite,
            self.highs.isChecked(),
        )

    def _browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "AmbiX mix", self.path.text(), "WAV (*.wav)")
        if name:
            self.path.setText(name)

    def _accept(self) -> None:
        choice = self.choice()
        existing = [p for p in choice.targets() if p.exists()]
        if existing:
            names = ", ".join(p.name for p in existing)
            if (
                QMessageBox.question(self, "Replace?", f"{names} already exist(s). Replace?")
                != QMessageBox.StandardButton.Yes
            ):
                return
            choice = self.choice(overwrite=True)
        self.choice_made = choice
        self.accept()
