""" "Start from a sound…": a file, a take, or the nearest recording in the user's library, and
how much of it the model makes new (the strength slider).

:class:`StartChoice` is what the dialog returns and what the generation controller keeps:
``apply`` adds the start to a request on the GUI thread (a file or a take), ``resolve`` does
the library look-up in the generation job (it needs the model's text encoder), through the
retrieval the app hands in (ui does not import training, where the caption rules live).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ambisketch.engine.errors import EngineError
from ambisketch.engine.start_from import DEFAULT_STRENGTH, StartFrom

if TYPE_CHECKING:
    from ambisketch.engine.generate import GenerationRequest, Generator
    from ambisketch.engine.models.text_encoder import TextEncoder

KINDS = ("file", "take", "library")
AUDIO_FILTER = "Audio files (*.wav *.flac *.ogg *.aif *.aiff *.mp3);;All files (*)"


class Retrieved(Protocol):
    @property
    def start(self) -> StartFrom: ...


class Retriever(Protocol):
    """``app.library_retrieval.retrieve``: the start from the library recording nearest to
    the prompt."""

    def __call__(
        self,
        root: str,
        prompt: str,
        encoder: TextEncoder,
        *,
        top_k: int = 1,
        seed: int | None = None,
        strength: float = DEFAULT_STRENGTH,
    ) -> Retrieved: ...


@dataclass(frozen=True)
class StartChoice:
    """Start takes from ``path`` (kind ``file`` or ``take``: a WAV) or from the recording in
    the library folder ``path`` nearest the prompt (``library``, one of ``top_k``)."""

    kind: str
    path: str
    strength: float = DEFAULT_STRENGTH
    top_k: int = 1
    retrieve: Retriever | None = None

    def label(self) -> str:
        name = Path(self.path).name or self.path
        what = {
            "file": name,
            "take": f"take {Path(self.path).stem}",
            "library": f"the nearest in {name}",
        }[self.kind]
        return f"Starts from {what} · strength {self.strength:.2f}"

    def apply(self, request: GenerationRequest) -> GenerationRequest:
        """``request`` with this start (a library start is resolved later, in the job)."""
        if self.kind == "library":
            return request
        return replace(request, init=StartFrom(audio=self.path, strength=self.strength))

    def resolve(self, request: GenerationRequest, generator: Generator) -> GenerationRequest:
        """The request the job generates: a library start looked up with the model's encoder."""
        if self.kind != "library":
            return self.apply(request)
        if self.retrieve is None:
            raise EngineError("starting from the library is not available in this build")
        if request.seed is None:
            import secrets

            request = replace(request, seed=secrets.randbelow(2**31))
        found = self.retrieve(
            self.path,
            request.prompt,
            generator.text_encoder,
            top_k=self.top_k,
            seed=request.seed,
            strength=self.strength,
        )
        return replace(request, init=found.start)


class StrengthSlider(QWidget):
    """0–100 % in steps of 1 %, with the value and what it means beside it."""

    def __init__(self, value: float = DEFAULT_STRENGTH, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, 100)
        self.slider.setToolTip(
            "How much the model makes new: 0 keeps the sound, 0.5 keeps its "
            "character and varies it, 1 ignores it (plain generation)"
        )
        self.value_label = QLabel(self)
        self.value_label.setMinimumWidth(150)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.value_label)
        self.slider.valueChanged.connect(self._show)
        self.set_value(value)

    def value(self) -> float:
        return self.slider.value() / 100.0

    def set_value(self, value: float) -> None:
        self.slider.setValue(int(round(min(max(value, 0.0), 1.0) * 100)))
        self._show()

    def _show(self) -> None:
        v = self.value()
        what = (
            "keeps it"
            if v < 0.2
            else "close to it"
            if v < 0.45
            else "its character, varied"
            if v < 0.7
            else "loosely after it"
            if v < 0.95
            else "ignores it"
        )
        self.value_label.setText(f"{v:.2f} — {what}")


class StartFromDialog(QDialog):
    """Pick what the next takes start from. ``takes`` are (name, WAV path) of the project."""

    def __init__(
        self,
        takes: list[tuple[str, str]],
        parent: QWidget | None = None,
        *,
        choice: StartChoice | None = None,
        library: str = "",
        retrieve: Retriever | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Start from a Sound")
        self._retrieve = retrieve
        self.group = QButtonGroup(self)
        self.radios = {
            k: QRadioButton(t, self)
            for k, t in (
                ("file", "A sound file"),
                ("take", "A take"),
                ("library", "The nearest recording in my library"),
            )
        }
        for i, k in enumerate(KINDS):
            self.group.addButton(self.radios[k], i)
        self.file_edit = QLineEdit(self)
        self.file_edit.setPlaceholderText("mono, stereo or 4-channel AmbiX")
        file_button = QPushButton("Browse…", self)
        file_button.clicked.connect(self._browse_file)
        self.take_combo = QComboBox(self)
        for name, path in takes:
            self.take_combo.addItem(name, path)
        self.library_edit = QLineEdit(library, self)
        self.library_edit.setPlaceholderText(
            "a folder of recordings (captions.csv, NAME.txt or file names)"
        )
        library_button = QPushButton("Browse…", self)
        library_button.clicked.connect(self._browse_library)
        self.top_k = QSpinBox(self)
        self.top_k.setRange(1, 20)
        self.top_k.setPrefix("choose among the ")
        self.top_k.setSuffix(" nearest (by the seed)")
        self.radios["library"].setEnabled(retrieve is not None)
        self.radios["take"].setEnabled(bool(takes))
        self.strength = StrengthSlider(choice.strength if choice else DEFAULT_STRENGTH, self)

        grid = QGridLayout()
        grid.addWidget(self.radios["file"], 0, 0)
        grid.addWidget(self.file_edit, 0, 1)
        grid.addWidget(file_button, 0, 2)
        grid.addWidget(self.radios["take"], 1, 0)
        grid.addWidget(self.take_combo, 1, 1, 1, 2)
        grid.addWidget(self.radios["library"], 2, 0)
        grid.addWidget(self.library_edit, 2, 1)
        grid.addWidget(library_button, 2, 2)
        grid.addWidget(self.top_k, 3, 1, 1, 2)
        grid.addWidget(QLabel("Strength", self), 4, 0)
        grid.addWidget(self.strength, 4, 1, 1, 2)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(
            QLabel(
                "The sound is encoded, noised to the strength and made again with "
                "your prompt and path.",
                self,
            )
        )
        lay.addLayout(grid)
        lay.addWidget(buttons)
        kind = choice.kind if choice else ("take" if takes else "file")
        if choice is not None:
            {"file": self.file_edit, "library": self.library_edit}.get(
                choice.kind, QLineEdit()
            ).setText(choice.path)
            if choice.kind == "take":
                self.take_combo.setCurrentIndex(max(0, self.take_combo.findData(choice.path)))
            self.top_k.setValue(choice.top_k)
        self.radios[kind].setChecked(True)

    def kind(self) -> str:
        return KINDS[max(0, self.group.checkedId())]

    def choice(self) -> StartChoice:
        """What was picked; :class:`EngineError` naming what is missing."""
        kind = self.kind()
        if kind == "file":
            path = self.file_edit.text().strip()
            if not path:
                raise EngineError("choose a sound file to start from")
            from ambisketch.engine.audio_io import read_audio
            from ambisketch.engine.start_from import check_init_audio

            check_init_audio(read_audio(path))
        elif kind == "take":
            path = str(self.take_combo.currentData() or "")
            if not path:
                raise EngineError("there is no take to start from")
        else:
            path = self.library_edit.text().strip()
            if not path or not Path(path).is_dir():
                raise EngineError(f"{path or 'the library'}: choose a folder of recordings")
        return StartChoice(
            kind,
            path,
            self.strength.value(),
            self.top_k.value(),
            self._retrieve if kind == "library" else None,
        )

    def accept(self) -> None:
        try:
            self.choice()
        except EngineError as exc:
            QMessageBox.warning(self, "Cannot start from this", str(exc))
            return
        super().accept()

    def _browse_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Start from a sound", "", AUDIO_FILTER)
        if path:
            self.file_edit.setText(path)
            self.radios["file"].setChecked(True)

    def _browse_library(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Your sound library")
        if path:
            self.library_edit.setText(path)
            self.radios["library"].setChecked(True)
