"""Generate from the window: settings → a background job → takes, with progress and cancel.

The controller keeps one loaded :class:`~ambisketch.engine.generate.Generator` per model
folder (loading takes seconds; generating again must not reload), shares the text encoder
between models, and never runs model code on the GUI thread.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from ambisketch.engine.catalog import default_bundle
from ambisketch.engine.errors import EngineError

from .generate_panel import GeneratePanel


class GenerationController(QObject):
    """``takes_ready(takes, seconds)`` after a generation; errors go to a dialog."""

    takes_ready = Signal(list, float)
    failed = Signal(str)

    def __init__(self, runner: Any, panel: GeneratePanel, window: QWidget, settings: Any,
                 device: str = "auto") -> None:
        super().__init__(window)
        self.runner, self.panel, self.window, self.settings = runner, panel, window, settings
        self.device = device
        self._generators: dict[str, Any] = {}
        self._lock = threading.Lock()  # the cache is filled from worker threads
        self._task: Any = None
        panel.generate_requested.connect(self.start)
        panel.cancel_requested.connect(self.cancel)

    def busy(self) -> bool:
        return self._task is not None

    def model_folder(self) -> str:
        folder = self.panel.model_path()
        return folder or str(default_bundle())

    def _generator(self, folder: str) -> Any:
        from ambisketch.engine.generate import Generator

        with self._lock:
            gen = self._generators.get(folder)
            if gen is None:
                shared = next(iter(self._generators.values()), None)
                encoder = shared.text_encoder if shared is not None else None
                try:
                    gen = Generator(folder, device=self.device, text_encoder=encoder)
                except EngineError:
                    if encoder is None:
                        raise
                    gen = Generator(folder, device=self.device)  # another text encoder
                self._generators[folder] = gen
            return gen

    def start(self) -> None:
        """Generate with the panel's settings and the window's current path."""
        if self._task is not None:
            return
        prompt = self.panel.prompt_text()
        if not prompt:
            self.panel.set_status("Type what the sound is first.")
            self.panel.prompt.setFocus()
            return
        try:
            folder = self.model_folder()
            request = self.panel.request(self.window.current_path())
            request.check()
        except EngineError as exc:
            self._fail(str(exc))
            return
        history = self.settings.remember("generate/prompt_history", prompt)
        self.panel.set_history(history)
        self.panel.set_busy(True, "Loading the model…" if folder not in self._generators
                            else "Generating…")

        def job(progress: Any, cancelled: Any) -> list[Any]:
            gen = self._generator(folder)
            progress.message("Generating…")
            return gen.generate(request, progress=progress, cancel=cancelled)

        def connect(task: Any) -> None:
            self._task = task
            task.progressed.connect(self.panel.set_progress)
            task.message.connect(self.panel.set_status)
            task.finished.connect(lambda takes: self._finished(takes, task.elapsed()))
            task.failed.connect(self._fail)
            task.crashed.connect(lambda m: self._fail(f"unexpected error ({m}); see the log"))
            task.cancelled.connect(lambda: self.panel.set_status("Cancelled."))
            task.done.connect(self._done)

        self.runner.start("generate", job, connect)

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.panel.set_status("Cancelling…")

    def _finished(self, takes: list[Any], seconds: float) -> None:
        self.takes_ready.emit(list(takes), float(seconds))

    def _done(self) -> None:
        self._task = None
        status = self.panel.status.text()
        self.panel.set_busy(False, status if status not in ("Generating…", "Loading the model…",
                                                            "Cancelling…") else "")

    def _fail(self, message: str) -> None:
        self.panel.set_status(message)
        self.failed.emit(message)
        QMessageBox.warning(self.window, "Could not generate", message)
