"""Monitoring like a studio: head tracking over OSC, loudspeaker decoding, multichannel WAVs.

Typical use::

    tracker = OscHeadTracker(port=7000); tracker.start()      # SceneRotator's messages
    player = Transport(foa, rate, rotation_source=tracker.head_rotation)
    feeds = design(get_layout("7.1.4")).decode(foa, rate)     # AllRAD, max-rE
    write_speaker_wav("out.wav", feeds, rate, get_layout("7.1.4").channel_mask)

Loudness (BS.1770) lives in :mod:`ambisketch.engine.loudness`.
"""

from .layouts import LAYOUT_NAMES, STANDARD_LAYOUTS, Layout, LayoutError, Speaker, get_layout
from .osc_tracker import (
    DEFAULT_PORT,
    DEFAULT_PREFIX,
    HeadTracker,
    OscError,
    OscHeadTracker,
    TrackerStatus,
)
from .speaker_decoder import SpeakerDecoder, SpeakerRenderer, design
from .wavex import read_wavex_header, write_speaker_wav

__all__ = [
    "DEFAULT_PORT",
    "DEFAULT_PREFIX",
    "LAYOUT_NAMES",
    "STANDARD_LAYOUTS",
    "HeadTracker",
    "Layout",
    "LayoutError",
    "OscError",
    "OscHeadTracker",
    "Speaker",
    "SpeakerDecoder",
    "SpeakerRenderer",
    "TrackerStatus",
    "design",
    "get_layout",
    "read_wavex_header",
    "write_speaker_wav",
]
