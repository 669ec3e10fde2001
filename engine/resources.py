"""Where the shipped resources are: the HRTF, the default model, icons and examples.

One answer for every caller (the binaural renderer, the model catalog, the GUI's icons, the
self-test): ``$AMBISKETCH_RESOURCES`` when set (a system-wide install, or tests), the folder
a PyInstaller bundle unpacks, or the repository's / installed package's ``resources/``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

RESOURCES_ENV = "AMBISKETCH_RESOURCES"


def resources_dir() -> Path:
    """The ``resources/`` folder: $AMBISKETCH_RESOURCES, a PyInstaller bundle, or the repo's."""
    env = os.environ.get(RESOURCES_ENV)
    if env:
        return Path(env)
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"
