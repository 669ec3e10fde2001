"""The path editor: where the sound travels, drawn on a sphere, a flat map and a timeline.

:class:`PathDocument` is the edit model (one trajectory, undo, selection, playhead, measured
overlay); :class:`PathEditor` is the widget the main window embeds. ``SphereView`` needs
OpenGL and is imported on first use, so that ``import ambisketch.ui.path`` works headless.
"""

from importlib import import_module
from typing import Any

from .document import MeasuredTrack, PathDocument
from .flat_map import FlatMap
from .keyframe_table import KeyframeTable
from .path_editor import PathEditor
from .timeline import Timeline

__all__ = [
    "FlatMap",
    "KeyframeTable",
    "MeasuredTrack",
    "PathDocument",
    "PathEditor",
    "SphereView",
    "Timeline",
]


def __getattr__(name: str) -> Any:
    if name == "SphereView":
        value = import_module(".sphere_view", __name__).SphereView
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
