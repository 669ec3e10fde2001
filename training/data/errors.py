"""Typed errors of the training data layer (one-line messages, shown as they are by the CLI)."""

from __future__ import annotations

from ambisketch.engine.errors import EngineError


class DatasetError(EngineError):
    """A library, dataset or test set cannot be used: bad folder, bad setting, empty library."""
