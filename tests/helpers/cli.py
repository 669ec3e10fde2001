"""Run the ``ambisketch`` command line in-process and check its one-line errors."""

from __future__ import annotations

import pytest

from ambisketch.app.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    """``ambisketch ARGS…`` → (exit code, stdout, stderr)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, err: str, *words: str) -> None:
    """A user mistake: exit 1, exactly one line naming the problem, no traceback."""
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    for w in words:
        assert w in err, err
