"""Typed errors of the engine.

Every error a user can cause (a bad file, a bad path, a missing device) is an
:class:`EngineError` whose message is one line that names the thing and the problem, so
the CLI and the GUI can show it as it is, without a traceback.
"""

from __future__ import annotations


class EngineError(Exception):
    """Base class: a problem the user can fix; ``str(err)`` is a one-line message."""


class AudioFileError(EngineError):
    """An audio file could not be read or written (missing, corrupt, empty, unwritable)."""


class AudioFileWarning(UserWarning):
    """An audio file was read but is damaged (truncated, trailing garbage); one line naming
    the file. The CLI prints it as ``ambisketch: warning: …``."""


class OutputExistsError(AudioFileError):
    """The output file exists and the caller did not ask to overwrite it."""


class TrajectoryError(EngineError):
    """A trajectory (path) is invalid: bad JSON, an angle out of range, unknown preset."""


class AudioDeviceError(EngineError):
    """No usable audio output device (or PortAudio is missing)."""


class ModelLoadError(EngineError):
    """A model bundle could not be loaded (missing file, wrong version, shape mismatch)."""


class Cancelled(EngineError):
    """The user cancelled a long-running job."""


class GenerationError(EngineError):
    """A generation request is invalid (a value out of range, an unknown sampler…)."""


class HrtfError(EngineError):
    """An HRTF (SOFA) file is missing, corrupt, of the wrong kind or unusable."""


class RoomError(EngineError):
    """A room is invalid: a size <= 0, an absorption outside (0, 1], an impossible RT60."""


class SceneError(EngineError):
    """A scene is invalid: a corrupt or newer project file, a track value out of range, a
    media file a track cannot use (2 or 3 channels)."""
