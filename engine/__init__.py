"""The engine: everything that makes or measures sound. No Qt, no training code, headless.

Public API (import from here): paths (:class:`Trajectory`, presets, captions), FOA encoding
and rotation, direction analysis, audio I/O and the typed errors.
"""

from .audio_io import Audio, read_audio, read_mono, resample, write_audio
from .errors import (AudioDeviceError, AudioFileError, Cancelled, EngineError, ModelLoadError,
                     OutputExistsError, TrajectoryError)
from .spatial import (Keyframe, ParametricMotion, Trajectory, describe, parametric_from_trajectory,
                      preset, preset_names, trajectory_from_parametric)
from .spatial.ambisonics import ambix_to_fuma, encode, fuma_to_ambix, rotate, sh_gains
from .spatial.doa import DirectionErrors, DirectionTrack, direction_errors, intensity_doa

__all__ = [
    "Audio", "AudioDeviceError", "AudioFileError", "Cancelled", "DirectionErrors",
    "DirectionTrack", "EngineError", "Keyframe", "ModelLoadError", "OutputExistsError",
    "ParametricMotion", "Trajectory", "TrajectoryError", "ambix_to_fuma", "describe",
    "direction_errors", "encode", "fuma_to_ambix", "intensity_doa", "parametric_from_trajectory",
    "preset", "preset_names", "read_audio", "read_mono", "resample", "rotate", "sh_gains",
    "trajectory_from_parametric", "write_audio",
]
