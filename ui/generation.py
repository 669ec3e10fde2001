"""Generate from the window: settings → a background job → takes, with progress and cancel.

The controller keeps one loaded :class:`~ambisketch.engine.generate.Generator` per model
folder (loading takes seconds; generating again must not reload), shares the text encoder
between models, and never runs model code on the GUI thread.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from ambisketch.engine.catalog import default_bundle
from ambisketch.engine.errors import EngineError
from ambisketch.engine.loudness import DEFAULT_TARGET_LUFS, MAX_TARGET_LUFS, MIN_TARGET_LUFS

from .generate_panel import GeneratePanel
from .jobs import Cancelled, JobProgress, JobRunner, TaskHandle
from .settings_port import SettingsPort

if TYPE_CHECKING:
    from ambisketch.engine.generate import GenerationRequest, Generator, Take

    from .start_from_dialog import StartChoice


def loudness_target(settings: SettingsPort) -> float | None:
    """The loudness new takes are normalised to (setting ``generate/loudness_lufs``: LUFS,
    or '' / 'off' for the model's own level); a value outside -70…0 reads as the default."""
    text = str(settings.get("generate/loudness_lufs")).strip().lower()
    if text in ("", "off", "none"):
        return None
    try:
        value = float(text)
    except ValueError:
        return DEFAULT_TARGET_LUFS
    return value if MIN_TARGET_LUFS <= value <= MAX_TARGET_LUFS else DEFAULT_TARGET_LUFS


class GenerationController(QObject):
    """``takes_ready(takes, seconds)`` after a generation; errors go to a dialog."""

    takes_ready = Signal(list, float)
    failed = Signal(str)

    def __init__(
        self,
        runner: JobRunner,
        panel: GeneratePanel,
        window: QWidget,
        settings: SettingsPort,
        device: str = "auto",
    ) -> None:
        super().__init__(window)
        self.runner, self.panel, self.window, self.settings = runner, panel, window, settings
        self.device = device
        self._generators: dict[str, Generator] = {}
        self._lock = threading.Lock()  # the cache is filled from worker threads
        self._task: TaskHandle | None = None
        # What the panel's takes start from (ui.start_from_dialog.StartChoice; None: noise).
        # Its resolve(request, generator) runs in the job: a library look-up needs the model.
        self.start_from: StartChoice | None = None
        panel.generate_requested.connect(self.start)
        panel.cancel_requested.connect(self.cancel)

    def busy(self) -> bool:
        return self._task is not None

    def model_folder(self) -> str:
        folder = self.panel.model_path()
        return folder or str(default_bundle())

    def _generator(self, folder: str) -> Generator:
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
            request = dataclasses.replace(request, loudness_lufs=loudness_target(self.settings))
            request.check()
        except EngineError as exc:
            self._fail(str(exc))
            return
        history = self.settings.remember("generate/prompt_history", prompt)
        self.panel.set_history(history)
        self.run_request(request, folder, self.start_from)

    def run_request(
        self,
        request: GenerationRequest,
        folder: str | None = None,
        start: StartChoice | None = None,
    ) -> None:
        """Generate ``request`` with the model in ``folder`` (default: the panel's) off the
        GUI thread; ``start`` (a StartChoice) resolves the request's start in the job."""
        if self._task is not None:
            return
        folder = folder or self.model_folder()
        self.panel.set_busy(
            True, "Loading the model…" if folder not in self._generators else "Generating…"
        )

        def job(progress: JobProgress, cancelled: Cancelled) -> list[Take]:
            gen = self._generator(folder)
            progress.message("Generating…")
            req = start.resolve(request, gen) if start is not None else request
            return gen.generate(req, progress=progress, cancel=cancelled)

        def connect(task: TaskHandle) -> None:
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

    def _finished(self, takes: list[Take], seconds: float) -> None:
        self.takes_ready.emit(list(takes), float(seconds))

    def _done(self) -> None:
        self._task = None
        status = self.panel.status.text()
        self.panel.set_busy(
            False,
            status if status not in ("Generating…", "Loading the model…", "Cancelling…") else "",
        )

    def _fail(self, message: str) -> None:
        self.panel.set_status(message)
        self.failed.emit(message)
        QMessageBox.warning(self.window, "Could not generate", message)
