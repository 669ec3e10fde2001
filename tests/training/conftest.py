"""Fixtures of the training-data tests: a messy library and a private cache folder."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "ambisketch_tests_messy_library", Path(__file__).with_name("messy_library.py")
)
_messy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_messy)
make_messy_library = _messy.make_messy_library


@pytest.fixture
def messy_library(tmp_path: Path) -> Path:
    return make_messy_library(tmp_path / "library")


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"
