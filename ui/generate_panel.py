"""The generate controls: prompt with history, mode, length, seed, sampler settings,
room and distance, the model picker, and Generate with progress and Cancel.

The panel only collects settings and shows progress; the main window turns
:meth:`GeneratePanel.request` into work on a background thread.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ambisketch.engine.catalog import BundleEntry
from ambisketch.engine.generate import GenerationRequest, SamplingDefaults
from ambisketch.engine.spatial.trajectory import Trajectory

OPEN_BUNDLE = "__open__"
MODES = (("parametric", "Follow the drawn path"), ("descriptive", "Text only (words place it)"))
ROOMS = (
    ("", "Dry (no room)"),
    ("small", "Small room"),
    ("medium", "Medium room"),
    ("large", "Large hall"),
)


class GeneratePanel(QWidget):
    """Signals: ``generate_requested()`` (Generate, Ctrl+Enter), ``cancel_requested()``,
    ``model_changed(str)`` (a bundle folder), ``open_bundle_requested()``."""

    generate_requested = Signal()
    cancel_requested = Signal()
    model_changed = Signal(str)
    open_bundle_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._busy = False
        self._last_model = ""
        self._entries: dict[str, BundleEntry] = {}
        self.sampler = SamplingDefaults.sampler  # the chosen model's own (model.json defaults)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)

        heading = QLabel("Prompt")
        heading.setProperty("role", "heading")
        outer.addWidget(heading)
        self.prompt = QComboBox()
        self.prompt.setEditable(True)
        self.prompt.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.prompt.lineEdit().setPlaceholderText("a dog barking, footsteps on gravel, …")
        self.prompt.lineEdit().setClearButtonEnabled(True)
        self.prompt.setToolTip(
            "What the sound is. Ctrl+Enter generates; the arrow shows recent prompts."
        )
        self.prompt.lineEdit().returnPressed.connect(self._generate_clicked)
        outer.addWidget(self.prompt)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.mode = QComboBox()
        for key, label in MODES:
            self.mode.addItem(label, key)
        self.mode.setToolTip(
            "Parametric: the sound follows the path you draw.\n"
            'Descriptive: only the prompt\'s words ("from the left", '
            '"moving up") place it.'
        )
        form.addRow("Mode", self.mode)

        self.seconds = QDoubleSpinBox()
        self.seconds.setRange(0.5, 10.0)
        self.seconds.setSingleStep(0.5)
        self.seconds.setSuffix(" s")
        self.seconds.setValue(10.0)
        self.seconds.setToolTip("Take length. The path is stretched to it.")
        form.addRow("Length", self.seconds)

        seed_row = QHBoxLayout()
        self.random_seed = QCheckBox("random")
        self.random_seed.setChecked(True)
        self.random_seed.setToolTip(
            "A new seed for every Generate. Untick to repeat a take "
            "exactly (the seed of every take is in its details)."
        )
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setEnabled(False)
        self.random_seed.toggled.connect(lambda on: self.seed.setEnabled(not on))
        seed_row.addWidget(self.random_seed)
        seed_row.addWidget(self.seed, 1)
        form.addRow("Seed", seed_row)

        self.steps = QSpinBox()
        self.steps.setRange(4, 500)
        self.steps.setValue(50)
        self.steps.setToolTip("Sampler steps: more is cleaner and slower.")
        form.addRow("Steps", self.steps)
        self.cfg = QDoubleSpinBox()
        self.cfg.setRange(0.0, 20.0)
        self.cfg.setSingleStep(0.5)
        self.cfg.setValue(7.0)
        self.cfg.setToolTip(
            "Guidance: how closely the take follows the prompt and path (1 = no guidance)."
        )
        form.addRow("Guidance", self.cfg)
        self.timbre = QDoubleSpinBox()
        self.timbre.setRange(0.0, 1.0)
        self.timbre.setSingleStep(0.1)
        self.timbre.setValue(1.0)
        self.timbre.setToolTip(
            "Timbre: how far the model's timbre prior moves the take towards the "
            "spectrum its prompt names (0 = the take as decoded; models without a prior "
            "ignore it)."
        )
        form.addRow("Timbre", self.timbre)
        self.variations = QSpinBox()
        self.variations.setRange(1, 8)
        self.variations.setToolTip("Takes per Generate (one batch, consecutive seeds).")
        form.addRow("Variations", self.variations)
        self.lock_path = QCheckBox("Lock to path")
        self.lock_path.setToolTip(
            "Re-encode the direct sound exactly onto the drawn path: "
            "guaranteed placement, at the cost of some of the model's "
            "own spatial detail."
        )
        form.addRow("", self.lock_path)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        outer.addLayout(form)

        self.room_box = QGroupBox("Room and distance")
        self.room_box.setCheckable(True)
        self.room_box.setChecked(False)
        self.room_box.setToolTip(
            "Ask the model for a distance and a room (models trained with "
            "rooms follow these; others ignore them)."
        )
        room_form = QFormLayout(self.room_box)
        self.room = QComboBox()
        for key, label in ROOMS:
            self.room.addItem(label, key)
        room_form.addRow("Room", self.room)
        self.distance = QDoubleSpinBox()
        self.distance.setRange(0.5, 20.0)
        self.distance.setValue(2.0)
        self.distance.setSuffix(" m")
        room_form.addRow("Distance", self.distance)
        self.decay = QDoubleSpinBox()
        self.decay.setRange(0.0, 5.0)
        self.decay.setSingleStep(0.1)
        self.decay.setSpecialValueText("room's own")
        self.decay.setSuffix(" s")
        self.decay.setToolTip("Decay time (RT60). 'room's own' uses the room's typical value.")
        room_form.addRow("Decay", self.decay)
        outer.addWidget(self.room_box)

        model_heading = QLabel("Model")
        model_heading.setProperty("role", "heading")
        outer.addWidget(model_heading)
        self.model = QComboBox()
        self.model.setToolTip(
            "The generator. Fine-tuned models appear here; 'Open bundle…' loads any bundle folder."
        )
        self.model.activated.connect(self._model_activated)
        outer.addWidget(self.model)
        outer.addStretch(1)

        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("%v / %m steps")
        self.progress.hide()
        outer.addWidget(self.progress)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setProperty("role", "caption")
        outer.addWidget(self.status)
        buttons = QHBoxLayout()
        self.generate_button = QPushButton("Generate")
        self.generate_button.setObjectName("generate")
        self.generate_button.setToolTip("Generate takes (Ctrl+Enter)")
        self.generate_button.clicked.connect(self._generate_clicked)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.setToolTip("Stop the generation (Esc)")
        self.cancel_button.clicked.connect(self.cancel_requested)
        buttons.addWidget(self.generate_button, 1)
        buttons.addWidget(self.cancel_button)
        outer.addLayout(buttons)

        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(
                QKeySequence(keys),
                self,
                self._generate_clicked,
                context=Qt.ShortcutContext.WindowShortcut,
            )
        QShortcut(
            QKeySequence("Esc"), self, self._escape, context=Qt.ShortcutContext.WindowShortcut
        )

    # --- settings in and out -----------------------------------------------------------
    def prompt_text(self) -> str:
        return self.prompt.currentText().strip()

    def set_history(self, prompts: list[str]) -> None:
        text = self.prompt.currentText()
        self.prompt.clear()
        self.prompt.addItems(prompts)
        self.prompt.setEditText(text)

    def mode_key(self) -> str:
        return str(self.mode.currentData())

    def set_mode(self, key: str) -> None:
        i = self.mode.findData(key)
        self.mode.setCurrentIndex(max(0, i))

    def set_clip_seconds(self, seconds: float | None) -> None:
        """The model's clip: longer takes (up to 60 s) are made in overlapping windows."""
        self.seconds.setMaximum(max(60.0, seconds or 60.0))
        if seconds:
            self.seconds.setToolTip(
                f"Take length. The path is stretched to it. Longer than "
                f"the model's {seconds:g} s clip, it is made in overlapping "
                "windows (about one clip's time each)."
            )

    def parametric(self) -> dict[str, float]:
        """Distance, room size and decay for the number conditioners (empty when off), in
        the units training uses (:func:`~ambisketch.engine.spatial.room.room_conditioning`)."""
        if not self.room_box.isChecked():
            return {}
        from ambisketch.engine.spatial.room import room_conditioning

        room = str(self.room.currentData()) or None
        decay = float(self.decay.value()) or None  # 0 shows "room's own"
        if room is None and decay is None:
            decay = 0.0  # a distance, no room: dry
        return room_conditioning(float(self.distance.value()), room, decay)

    def request(self, path: Trajectory | None) -> GenerationRequest:
        """The request for the current settings; ``path`` is used in parametric mode."""
        use_path = path if self.mode_key() == "parametric" else None
        return GenerationRequest(
            prompt=self.prompt_text(),
            path=use_path,
            seconds=float(self.seconds.value()),
            seed=None if self.random_seed.isChecked() else int(self.seed.value()),
            steps=int(self.steps.value()),
            cfg_scale=float(self.cfg.value()),
            sampler=self.sampler,
            variations=int(self.variations.value()),
            lock_path=bool(self.lock_path.isChecked() and use_path is not None),
            parametric=self.parametric(),
            timbre=float(self.timbre.value()),
        )

    def apply_request(self, request: GenerationRequest) -> None:
        """Show a take's settings (regenerate / 'use this take's settings')."""
        self.prompt.setEditText(request.prompt)
        self.set_mode("parametric" if request.path is not None else "descriptive")
        self.seconds.setValue(request.seconds)
        if request.seed is not None:
            self.random_seed.setChecked(False)
            self.seed.setValue(int(request.seed))
        self.steps.setValue(request.steps)
        self.cfg.setValue(request.cfg_scale)
        self.timbre.setValue(request.timbre)
        self.sampler = request.sampler
        self.variations.setValue(request.variations)
        self.lock_path.setChecked(request.lock_path)
        self.room_box.setChecked(bool(request.parametric))
        if "distance" in request.parametric:
            self.distance.setValue(request.parametric["distance"])

    # --- models ---------------------------------------------------------------------
    def set_models(self, entries: list[BundleEntry], current: str = "") -> None:
        self.model.blockSignals(True)
        self.model.clear()
        self._entries = {str(e.path): e for e in entries}
        for e in entries:
            self.model.addItem(e.label, str(e.path))
            self.model.setItemData(self.model.count() - 1, str(e.path), Qt.ItemDataRole.ToolTipRole)
        if not entries:
            self.model.addItem("No model installed", "")
        self.model.insertSeparator(self.model.count())
        self.model.addItem("Open bundle…", OPEN_BUNDLE)
        i = self.model.findData(current) if current else -1
        self.model.setCurrentIndex(i if i >= 0 else 0)
        self._last_model = str(self.model.currentData())
        self.model.blockSignals(False)
        self.sampler = self.model_defaults().sampler

    def model_defaults(self) -> SamplingDefaults:
        """The chosen model's own sampler settings (what its makers evaluated it with)."""
        entry = self._entries.get(self.model_path())
        return SamplingDefaults.from_meta(entry.defaults if entry else None)

    def apply_model_defaults(self) -> None:
        """Steps, guidance and sampler as the chosen model asks (on choosing a model)."""
        d = self.model_defaults()
        self.steps.setValue(d.steps)
        self.cfg.setValue(d.cfg_scale)
        self.sampler = d.sampler

    def model_path(self) -> str:
        data = self.model.currentData()
        return "" if data in (None, OPEN_BUNDLE) else str(data)

    def _model_activated(self, index: int) -> None:
        data = self.model.itemData(index)
        if data == OPEN_BUNDLE:
            # Go back to the previous choice until the dialog picks a folder.
            i = self.model.findData(self._last_model)
            self.model.setCurrentIndex(max(0, i))
            self.open_bundle_requested.emit()
            return
        if data and data != self._last_model:
            self._last_model = str(data)
            self.apply_model_defaults()
            self.model_changed.emit(str(data))

    # --- progress -------------------------------------------------------------------
    def set_busy(self, busy: bool, message: str = "") -> None:
        self._busy = busy
        self.generate_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self.progress.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)  # busy indicator until the first step
        self.status.setText(message)

    def set_progress(self, step: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(step)

    def set_status(self, message: str) -> None:
        self.status.setText(message)

    def is_busy(self) -> bool:
        return self._busy

    def _generate_clicked(self) -> None:
        if not self._busy:
            self.generate_requested.emit()

    def _escape(self) -> None:
        if self._busy:
            self.cancel_requested.emit()

    def _mode_changed(self) -> None:
        self.lock_path.setEnabled(self.mode_key() == "parametric")
