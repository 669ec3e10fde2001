"""Binaural preview of a take: the transport bar (play, seek, head rotation, HRTF, device)."""

from .transport_bar import NO_DEVICE_TEXT, TransportBar

__all__ = ["NO_DEVICE_TEXT", "TransportBar"]
