"""The window's audio-to-audio, variation and inpainting controls, wired in one place.

- Under the model in the generate panel: what the next takes start from ("Start from a
  sound…": a file, a take or the nearest recording in the library; × goes back to noise).
- In the take list's menu: "Vary This Take…" — the take made again from itself, with its
  prompt, path and settings and a new seed, at the strength chosen on a slider.
- Under the take's waveform: drag a range, "Regenerate Selection" — the range made again in
  the context of the rest (a new take; the old one stays).

The library retrieval is the app's (``retrieve``), set after the window is built; without it
the library choice is disabled.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ambisketch.engine.errors import EngineError
from ambisketch.engine.generate import GenerationRequest
from ambisketch.engine.start_from import DEFAULT_STRENGTH, StartFrom
from ambisketch.engine.takes import TakeRecord

from .start_from_dialog import Retriever, StartChoice, StartFromDialog, StrengthSlider
from .takes.range_select import RangeSelector


class StartFromBar(QWidget):
    """ "Starts from noise" / "Starts from dog.wav · strength 0.50", the button and ×."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel("Starts from noise", self)
        self.label.setProperty("role", "caption")
        self.label.setWordWrap(True)
        self.choose = QPushButton("Start from a Sound…", self)
        self.choose.setToolTip(
            "Start the takes from a sound file, a take or the nearest "
            "recording in your library (audio-to-audio)"
        )
        self.clear = QToolButton(self)
        self.clear.setText("×")
        self.clear.setToolTip("Start from noise again")
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.choose, 1)
        row.addWidget(self.clear)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.label)
        self.show_choice(None)

    def show_choice(self, choice: StartChoice | None) -> None:
        self.label.setText(choice.label() if choice is not None else "Starts from noise")
        self.label.setToolTip(choice.path if choice is not None else "")
        self.clear.setEnabled(choice is not None)


class VaryDialog(QDialog):
    """The strength of a variation of a take."""

    def __init__(self, name: str, strength: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Vary This Take")
        self.strength = StrengthSlider(strength, self)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Vary")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(
            QLabel(
                f"Make {name} again from itself, with its prompt and path and a new "
                "seed. How much should change?",
                self,
            )
        )
        lay.addWidget(self.strength)
        lay.addWidget(buttons)


class AudioStartLink:
    """Builds the controls into ``window`` (a MainWindow) and runs their generations through
    its generation controller."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.retrieve: Retriever | None = None  # app.library_retrieval.retrieve, from the app
        self.choice: StartChoice | None = None
        panel = window.panel
        self.bar = StartFromBar(panel)
        host = panel.model.parentWidget().layout()
        host.insertWidget(host.indexOf(panel.model) + 1, self.bar)
        self.bar.choose.clicked.connect(self.choose_start)
        self.bar.clear.clicked.connect(lambda: self.set_choice(None))

        takes = window.takes
        self.vary_action = QAction("Vary This Take…", takes)
        self.vary_action.setStatusTip(
            "Make the take again from itself with a new seed, keeping "
            "as much of it as the strength says"
        )
        self.vary_action.triggered.connect(self.vary_current)
        takes.view.addAction(self.vary_action)
        extra = getattr(takes, "extra_actions", None)
        if extra is not None:
            extra.append(self.vary_action)
        takes.take_selected.connect(lambda r: self.vary_action.setEnabled(r is not None))
        self.vary_action.setEnabled(takes.current() is not None)

        self.ranges = RangeSelector(window.take_view)
        self.ranges.regenerate_requested.connect(self.regenerate_range)
        takes.take_selected.connect(lambda _r: self.ranges.clear())

    # --- start from a sound ---------------------------------------------------------------
    def set_choice(self, choice: StartChoice | None) -> None:
        self.choice = choice
        self.window.generation.start_from = choice
        self.bar.show_choice(choice)

    def choose_start(self) -> None:
        records = self.window.store.list()
        takes = [(r.name, str(r.path)) for r in records]
        settings = self.window.settings
        dialog = StartFromDialog(
            takes,
            self.window,
            choice=self.choice,
            library=str(settings.get("audio_start/library") or ""),
            retrieve=self.retrieve,
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        choice = dialog.choice()
        if choice.kind == "library":
            settings.set("audio_start/library", choice.path)
        self.set_choice(choice)

    # --- a take's own -----------------------------------------------------------------------
    def _take_request(self, record: TakeRecord) -> GenerationRequest:
        """The request that made ``record`` (a new seed, one take); for an imported take the
        panel's settings at the take's length."""
        if record.request is not None:
            req = GenerationRequest.from_dict(record.request)
            if req.init is not None and req.init.inpaint:
                req = replace(req, init=None)
            return replace(
                req,
                seconds=record.seconds,
                path=record.trajectory,
                variations=1,
                seed=secrets.randbelow(2**31),
            )
        req = self.window.panel.request(self.window.current_path())
        return replace(req, seconds=record.seconds, variations=1)

    def _model(self, record: TakeRecord) -> str | None:
        where = (record.sidecar.get("model") or {}).get("path")
        return where if where and Path(where).is_dir() else None

    def vary_current(self) -> None:
        record = self.window.takes.current()
        if record is None or self.window.generation.busy():
            return
        last = float(self.window.settings.get("audio_start/vary_strength") or DEFAULT_STRENGTH)
        dialog = VaryDialog(record.name, last, self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        strength = dialog.strength.value()
        self.window.settings.set("audio_start/vary_strength", strength)
        self._run(
            record,
            lambda req: replace(req, init=StartFrom(audio=str(record.path), strength=strength)),
        )

    def regenerate_range(self, t0: float, t1: float) -> None:
        record = self.window.takes.current()
        if record is None or self.window.generation.busy():
            return
        self._run(
            record,
            lambda req: replace(
                req,
                init=StartFrom(
                    take=str(record.path), start=t0, end=min(t1, record.seconds), strength=1.0
                ),
            ),
        )

    def _run(
        self, record: TakeRecord, with_start: Callable[[GenerationRequest], GenerationRequest]
    ) -> None:
        try:
            request = with_start(self._take_request(record))
            request.check()
        except EngineError as exc:
            self.window.error("Cannot make this take", str(exc))
            return
        self.window.generation.run_request(request, self._model(record))
