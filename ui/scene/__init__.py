"""The scene arrangement: lanes of tracks on a timeline, their paths on the sphere, export."""

from .arrangement import ArrangementView
from .controller import SceneController
from .link import SceneLink
from .overlay import SceneOverlay

__all__ = ["ArrangementView", "SceneController", "SceneLink", "SceneOverlay"]
