"""Fixtures of the scene tests: real media files in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.scene_media import media_set


@pytest.fixture
def media(tmp_path: Path) -> dict[str, Path]:
    return media_set(tmp_path / "media")
