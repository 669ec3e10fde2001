"""Qt test set-up: one QApplication for the session (pytest-qt's ``qapp``), settings kept
out of the user's config, and the ``gl`` marker.

Plain widgets run on the offscreen platform. The OpenGL sphere view needs a real X server:
``scripts/test`` runs the suite under Xvfb (DISPLAY set, xcb platform); without DISPLAY the
tests marked ``gl`` are skipped with a reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

if os.environ.get("DISPLAY"):
    os.environ["QT_QPA_PLATFORM"] = "xcb"  # GL needs the X server; widgets work there too
else:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"


@pytest.fixture(autouse=True)
def _private_settings(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """HOME, QSettings, platformdirs config/data/cache/music and the take project go to a
    temporary home (a new account: none of its folders exist yet)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_MUSIC_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(home / "config"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    return home


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("DISPLAY"):
        return
    skip = pytest.mark.skip(
        reason="needs OpenGL on an X server: run under xvfb-run (scripts/test does)"
    )
    for item in items:
        if "gl" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _restore_look():
    """A test that switches the theme (palette, style sheet, pyqtgraph colours) must not
    change how the next test's widgets draw."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    saved = (app.palette(), app.styleSheet()) if app is not None else None
    yield
    app = QApplication.instance()
    if app is not None and saved is not None:
        import pyqtgraph as pg

        app.setPalette(saved[0])
        app.setStyleSheet(saved[1])
        pg.setConfigOptions(background="k", foreground="d")
