"""The loudness target of new takes comes from the settings (-23 LUFS by default)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ambisketch.app.settings import Settings
from ambisketch.ui.generation import loudness_target


class _Fake:
    def __init__(self, value: str) -> None:
        self.value = value

    def get(self, key: str) -> str:
        assert key == "generate/loudness_lufs"
        return self.value


def test_the_default_setting_is_minus_23(tmp_path: Path) -> None:
    settings = Settings(tmp_path / "s.ini")
    assert loudness_target(settings) == -23.0
    settings.set("generate/loudness_lufs", "-16")
    assert loudness_target(settings) == -16.0


@pytest.mark.parametrize(
    "value, expected",
    [("off", None), ("", None), ("-30.5", -30.5), ("-90", -23.0), ("loud", -23.0)],
)
def test_values(value: str, expected: float | None) -> None:
    assert loudness_target(_Fake(value)) == expected
