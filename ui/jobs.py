"""What the window needs from the app's job runner (``app.workers.TaskRunner``), as types.

A job is ``job(progress, cancelled) -> result`` run off the GUI thread; the runner hands
back a task whose signals arrive on the GUI thread. The widgets start jobs and connect to
those signals through these protocols only, so the ui layer does not import the app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import SignalInstance


class JobProgress(Protocol):
    def __call__(self, step: int, total: int) -> None: ...

    def message(self, text: str) -> None: ...


Cancelled = Callable[[], bool]
Job = Callable[[JobProgress, Cancelled], object]


class TaskHandle(Protocol):
    """One running job: exactly one of finished(result) / failed(message) / cancelled() /
    crashed(message), then done()."""

    name: str
    progressed: SignalInstance
    message: SignalInstance
    finished: SignalInstance
    failed: SignalInstance
    cancelled: SignalInstance
    crashed: SignalInstance
    done: SignalInstance

    def cancel(self) -> None: ...

    def is_cancelled(self) -> bool: ...

    def elapsed(self) -> float: ...


class JobRunner(Protocol):
    def start(
        self, name: str, job: Job, connect: Callable[[TaskHandle], None] | None = None
    ) -> TaskHandle: ...
