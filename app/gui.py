"""The desktop app: ``ambisketch`` with no arguments.

The composition root for the GUI: logging and the crash hook, settings, the theme, the job
runner, the take store, the fine-tune dialog's job factory — handed to the main window.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMainWindow

from ambisketch import __version__
from ambisketch.engine.resources import resources_dir

from .crash import install_crash_handler, setup_logging
from .settings import APPLICATION, ORGANISATION, Settings
from .workers import TaskRunner

log = logging.getLogger("ambisketch.app")


def gl_available() -> bool:
    """The OpenGL sphere needs a windowing platform with OpenGL (not 'offscreen'/'minimal')."""
    platform = (QApplication.platformName() or os.environ.get("QT_QPA_PLATFORM", "")).lower()
    return platform not in ("offscreen", "minimal", "vnc") and os.environ.get(
        "AMBISKETCH_NO_GL", ""
    ) in ("", "0")


def application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication (created once), named so settings and the desktop entry match."""
    app = QApplication.instance()
    if app is None:
        QApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
        app = QApplication(list(argv if argv is not None else sys.argv[:1]))
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("ambisketch")
    icon = resources_dir() / "icons" / "ambisketch.svg"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    return app  # type: ignore[return-value]


def open_finetune(window: QMainWindow) -> None:
    """The fine-tune dialog, with the training job API handed in (ui never imports training)."""
    from ambisketch.ui.finetune_dialog import FinetuneDialog

    from .finetune_jobs import FinetuneService

    dialog = FinetuneDialog(
        FinetuneService(),
        window.runner,
        window.model_entries(),
        window.add_model,
        window,
        window.panel.model_path(),
    )
    dialog.exec()


def create_window(
    app: QApplication | None = None,
    settings: Settings | None = None,
    runner: TaskRunner | None = None,
) -> QMainWindow:
    """The main window, built but not shown."""
    from ambisketch.ui.main_window import MainWindow

    app = app or application()
    from .library_retrieval import retrieve

    window = MainWindow(
        runner or TaskRunner(), settings or Settings(), gl=gl_available(), finetune=open_finetune
    )
    window.audio_start.retrieve = retrieve  # "nearest in my library" (training's captions)
    return window


def main(argv: Sequence[str] | None = None) -> int:
    log_path = setup_logging()
    install_crash_handler()
    app = application(argv)
    log.info("Ambisketch %s starting (log: %s)", __version__, log_path)
    window = create_window(app)
    window.show()
    return int(app.exec())
