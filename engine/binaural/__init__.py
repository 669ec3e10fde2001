"""Binaural preview: HRTFs, an FOA → binaural MagLS decoder, renderers and playback.

Typical use::

    hrirs = load_hrtf()                       # the shipped MIT KEMAR set (or a SOFA path)
    decoder = decoder_for(hrirs, rate)        # designed once, cached in memory and on disk
    stereo = render(foa, decoder, yaw=30)     # offline, (2, n); positive yaw = head left
    player = Transport(foa, rate, hrirs); player.play(); player.set_rotation(yaw=45)

Nothing here needs an audio device until :meth:`Transport.play` opens a stream.
"""

from .cache import DecoderCache, decoder_for, default_cache_dir
from .cues import ild_db, itd_seconds
from .decoder import BinauralDecoder, design_filters, make_decoder
from .devices import OutputDevice, output_devices, pick_output_device
from .hrirs import HrirSet
from .hrtf import DEFAULT_HRTF_NAME, default_hrtf_path, load_hrtf
from .render import BlockRenderer, head_rotation_matrix, render
from .sofa import read_sofa, write_sofa
from .transport import PAUSED, PLAYING, STOPPED, Transport

__all__ = [
    "DEFAULT_HRTF_NAME",
    "PAUSED",
    "PLAYING",
    "STOPPED",
    "BinauralDecoder",
    "BlockRenderer",
    "DecoderCache",
    "HrirSet",
    "OutputDevice",
    "Transport",
    "decoder_for",
    "default_cache_dir",
    "default_hrtf_path",
    "design_filters",
    "head_rotation_matrix",
    "ild_db",
    "itd_seconds",
    "load_hrtf",
    "make_decoder",
    "output_devices",
    "pick_output_device",
    "read_sofa",
    "render",
    "write_sofa",
]
