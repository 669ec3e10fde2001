"""Run engine and training jobs off the GUI thread and hand their results back to it.

A job is a plain function ``job(progress, cancelled) -> result``: it reports with
``progress(step, total)`` (and optionally ``progress.message(text)``), and checks
``cancelled()`` at its own safe points (the generator and the trainers already take these
two callables). :class:`TaskRunner` runs it on a Python thread; the :class:`Task` handle's
signals arrive in the GUI thread (queued connections), so slots may touch widgets.
:class:`SyncRunner` runs jobs inline — for tests of wiring that need no threads.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from ambisketch.engine.errors import Cancelled, EngineError

log = logging.getLogger("ambisketch.workers")

Job = Callable[["Progress", Callable[[], bool]], object]


class Task(QObject):
    """One running job. ``finished(result)``, ``failed(message)`` (a user-facing one-line
    error), ``cancelled()`` or ``crashed(message)`` (a bug: the traceback is in the log) —
    exactly one of them — then ``done()``."""

    progressed = Signal(int, int)
    message = Signal(str)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    crashed = Signal(str)
    done = Signal()

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self._cancel = threading.Event()
        self.started_at = time.perf_counter()
        self.thread: threading.Thread | None = None

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started_at

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job's thread ends (tests, shutdown). True if it ended."""
        if self.thread is None:
            return True
        self.thread.join(timeout)
        return not self.thread.is_alive()


class Progress:
    """The callable handed to jobs: ``progress(step, total)``; ``progress.message(text)``."""

    def __init__(self, task: Task) -> None:
        self._task = task

    def __call__(self, step: int, total: int) -> None:
        self._task.progressed.emit(int(step), int(total))

    def message(self, text: str) -> None:
        self._task.message.emit(str(text))


def _run(task: Task, job: Job) -> None:
    try:
        result = job(Progress(task), task.is_cancelled)
    except Cancelled:
        task.cancelled.emit()
    except EngineError as exc:
        task.failed.emit(str(exc))
    except MemoryError:
        task.failed.emit("out of memory: try fewer variations, a shorter take or fewer steps")
    except Exception as exc:  # a bug: log it whole, tell the user where the log is
        log.error("task %s crashed:\n%s", task.name, traceback.format_exc())
        task.crashed.emit(f"{type(exc).__name__}: {exc}")
    else:
        if task.is_cancelled():
            task.cancelled.emit()
        else:
            task.finished.emit(result)
    finally:
        task.done.emit()


class TaskRunner:
    """Starts each job on its own daemon thread (jobs are few and long: generation, model
    loading, fine-tuning), and keeps the handles alive until they are done."""

    def __init__(self) -> None:
        self._tasks: set[Task] = set()

    def _new(self, name: str, connect: Callable[[Task], None] | None) -> Task:
        task = Task(name)
        self._tasks.add(task)
        task.done.connect(lambda: self._tasks.discard(task))
        if connect is not None:
            connect(task)  # before the job runs, so no signal is missed
        return task

    def start(self, name: str, job: Job, connect: Callable[[Task], None] | None = None) -> Task:
        """Run ``job``; ``connect(task)`` is called first to hook up the task's signals."""
        task = self._new(name, connect)
        task.thread = threading.Thread(
            target=_run, args=(task, job), name=f"ambisketch-{name}", daemon=True
        )
        task.thread.start()
        return task

    def running(self) -> list[Task]:
        return [t for t in self._tasks if t.thread is not None and t.thread.is_alive()]

    def cancel_all(self, wait: float = 0.0) -> None:
        for t in list(self._tasks):
            t.cancel()
        deadline = time.perf_counter() + wait
        for t in list(self._tasks):
            t.wait(max(0.0, deadline - time.perf_counter()))


class SyncRunner(TaskRunner):
    """Runs the job inline in the caller's thread (signals are delivered directly)."""

    def start(self, name: str, job: Job, connect: Callable[[Task], None] | None = None) -> Task:
        task = self._new(name, connect)
        _run(task, job)
        return task
