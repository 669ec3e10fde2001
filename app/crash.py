"""Logging to a file and a last-resort exception hook for the desktop app.

An unexpected exception anywhere (GUI thread or a worker thread) is written whole to
``ambisketch.log`` in the platform's log folder, and the user sees a dialog that says what
happened in one line and where the log is — the app keeps running where it can.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

import platformdirs

LOG_NAME = "ambisketch.log"


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir("ambisketch"))


def log_file() -> Path:
    return log_dir() / LOG_NAME


def setup_logging(level: int = logging.INFO) -> Path:
    """A rotating log file (1 MB × 3) for the ``ambisketch`` loggers; returns its path."""
    path = log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger("ambisketch")
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)
    return path


def _show_dialog(summary: str) -> None:
    from PySide6.QtCore import QThread
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        return  # only the GUI thread may open dialogs; the log has it either way
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "Ambisketch — unexpected error",
        f"Something went wrong: {summary}\n\nYour work is kept. The details are "
        f"in the log:\n{log_file()}",
    )
    box.exec()


def install_crash_handler(show: bool = True) -> None:
    """Route uncaught exceptions (main and other threads) to the log and a dialog."""
    log = logging.getLogger("ambisketch.crash")

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        log.error("uncaught exception:\n%s", "".join(traceback.format_exception(kind, exc, tb)))
        if show:
            _show_dialog(f"{kind.__name__}: {exc}")

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        hook(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook
