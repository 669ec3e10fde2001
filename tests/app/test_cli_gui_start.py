"""`ambisketch` with no arguments opens the window; without the Qt binding it says why."""

from __future__ import annotations

import sys

import pytest

from ambisketch.app import cli


def test_no_pyside_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "PySide6", None)  # import → ModuleNotFoundError
    assert cli.main([]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "needs PySide6" in err[0] and "Traceback" not in err[0]


def test_a_broken_gui_import_is_not_hidden_as_help(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real import error inside the GUI is a bug to see, not a help screen."""
    import ambisketch.app

    monkeypatch.delattr(ambisketch.app, "gui", raising=False)
    monkeypatch.setitem(sys.modules, "ambisketch.app.gui", None)
    with pytest.raises(ImportError):
        cli.main([])
