"""Binaural preview of a take: the transport bar (play, seek, head rotation, HRTF, device)."""

from .outputs import NO_DEVICE_TEXT
from .transport_bar import TransportBar

__all__ = ["NO_DEVICE_TEXT", "TransportBar"]
