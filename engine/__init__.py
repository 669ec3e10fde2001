"""The engine: everything that makes or measures sound. No Qt, no training code, headless.

Public API (import from here): paths (:class:`Trajectory`, presets, captions), FOA encoding
and rotation, direction analysis, audio I/O, the typed errors, and — imported on first use,
so that ``import ambisketch.engine`` stays fast — binaural preview (``load_hrtf``,
``decoder_for``, ``render_binaural``, ``Transport``) and generation (``GenerationRequest``,
``Generator``, ``Take``) and rooms (``Room``, ``render_in_room``).
"""

from importlib import import_module
from typing import Any

from .audio_io import Audio, read_audio, read_mono, resample, write_audio
from .errors import (
    AudioDeviceError,
    AudioFileError,
    Cancelled,
    EngineError,
    GenerationError,
    HrtfError,
    ModelLoadError,
    OutputExistsError,
    RoomError,
    TrajectoryError,
)
from .spatial import (
    Keyframe,
    ParametricMotion,
    Trajectory,
    describe,
    parametric_from_trajectory,
    preset,
    preset_names,
    trajectory_from_parametric,
)
from .spatial.ambisonics import ambix_to_fuma, encode, fuma_to_ambix, rotate, sh_gains
from .spatial.doa import DirectionErrors, DirectionTrack, direction_errors, intensity_doa

__all__ = [
    "Audio",
    "AudioDeviceError",
    "AudioFileError",
    "Cancelled",
    "DirectionErrors",
    "DirectionTrack",
    "EngineError",
    "GenerationError",
    "HrtfError",
    "Keyframe",
    "RoomError",
    "ModelLoadError",
    "OutputExistsError",
    "ParametricMotion",
    "Trajectory",
    "TrajectoryError",
    "ambix_to_fuma",
    "describe",
    "direction_errors",
    "encode",
    "fuma_to_ambix",
    "intensity_doa",
    "parametric_from_trajectory",
    "preset",
    "preset_names",
    "read_audio",
    "read_mono",
    "resample",
    "rotate",
    "sh_gains",
    "trajectory_from_parametric",
    "write_audio",
    "Transport",
    "decoder_for",
    "load_hrtf",
    "render_binaural",
    "GenerationRequest",
    "Generator",
    "Take",
    "Room",
    "render_in_room",
]

# name -> (module, attribute), imported when first asked for.
_LAZY = {
    "Transport": (".binaural", "Transport"),
    "decoder_for": (".binaural", "decoder_for"),
    "load_hrtf": (".binaural", "load_hrtf"),
    "render_binaural": (".binaural", "render"),
    "GenerationRequest": (".generate", "GenerationRequest"),
    "Generator": (".generate", "Generator"),
    "Take": (".generate", "Take"),
    "Room": (".spatial.room", "Room"),
    "render_in_room": (".spatial.room_render", "render_in_room"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(import_module(module, __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
