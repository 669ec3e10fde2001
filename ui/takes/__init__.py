"""The takes of a project: the list (select, rename, trash, drag out) and the take view
(waveform, spectrogram, measured direction errors)."""

from .take_list import TakeList
from .take_view import TakeView

__all__ = ["TakeList", "TakeView"]
