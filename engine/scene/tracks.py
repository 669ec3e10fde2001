"""A track of a scene: one source (a take or an imported file) placed on the scene's timeline.

A **mono** file is placed along the track's path (AmbiX encoding, optionally at a distance
or in a room); a **4-channel** file is First-Order Ambisonics in AmbiX and is used as it is,
optionally rotated — or, given a path, *re-pathed*: a take with its codec latents is placed on
the new path exactly (its sound, diffuseness and timbre kept, see
:mod:`ambisketch.engine.takes.repath`), any other FOA file by the DSP path lock. The path's time
is the *media's* time: second 0 of the path is the first sample of the file, so a take keeps
the path it was generated with when its head is trimmed.

Timeline: the clip starts at ``start`` seconds on the scene's timeline and plays the media
from ``trim_start`` for ``length`` seconds (None = to the end of the file).
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import RoomError, SceneError
from ..spatial.room import Room
from ..spatial.trajectory import Trajectory

KINDS = {1: "mono", 4: "foa"}
MIN_GAIN_DB, MAX_GAIN_DB = -120.0, 24.0
# Distinct colours on dark and light themes (Tableau 10), assigned to new tracks in turn.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def new_track_id() -> str:
    return uuid.uuid4().hex[:12]


def channel_problem(path: Path, channels: int) -> str | None:
    """Why a file with ``channels`` cannot be a track (None when it can)."""
    if channels in KINDS:
        return None
    return (
        f"{path}: {channels} channels; a scene track takes a mono file (placed along a "
        "path) or a 4-channel AmbiX FOA file"
    )


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SceneError(f"{what} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise SceneError(f"{what} must be finite, got {value!r}")
    return v


@dataclass(frozen=True)
class Track:
    """One source on the timeline (immutable: edits make a new track with the same ``id``).

    Args:
        media: the audio file (absolute in memory; stored relative to the scene file).
        name: the label shown in the lane.
        channels: 1 (mono, placed along ``path``) or 4 (AmbiX FOA, rotated by ``rotation``).
        media_duration: seconds of audio in the file.
        path: where the source travels (media time): a mono source (None = static in
            front), or an FOA file re-pathed onto it (None = the file as it is).
        rotation: (yaw, pitch, roll) degrees applied to an FOA file kept as it is (the scene's
            signs: positive yaw moves a front source to the left).
        start: where the clip starts on the scene's timeline, seconds >= 0.
        trim_start: seconds of the file skipped at its head; ``length``: seconds played
            (None = to the end of the file).
        gain_db: clip gain, −120 … +24 dB.
        mute, solo: as on a mixing desk (any solo silences the tracks without one).
        colour: ``#rrggbb`` of the lane and of the path on the sphere.
        distance: metres from the listener for a mono source (1/r gain and air absorption,
            or the distance in ``room``); None = the reference distance, 1 m, dry.
        room: a room preset or ``WxDxH`` in metres (image sources and a diffuse tail; the
            clip rings out after its end); ``rt60``: its reverberation time (None = the
            preset's).
    """

    media: Path
    name: str
    channels: int
    media_duration: float
    path: Trajectory | None = None
    rotation: tuple[float, float, float] = (0.0, 0.0, 0.0)
    start: float = 0.0
    trim_start: float = 0.0
    length: float | None = None
    gain_db: float = 0.0
    mute: bool = False
    solo: bool = False
    colour: str = PALETTE[0]
    distance: float | None = None
    room: str | None = None
    rt60: float | None = None
    id: str = field(default_factory=new_track_id)

    def __post_init__(self) -> None:
        where = f"track {self.name!r}"
        object.__setattr__(self, "media", Path(self.media))
        if not isinstance(self.name, str) or not self.name.strip():
            raise SceneError(f"track names must be non-empty text, got {self.name!r}")
        problem = channel_problem(self.media, self.channels)
        if problem:
            raise SceneError(problem)
        duration = _number(self.media_duration, f"{where}: media duration")
        if duration <= 0:
            raise SceneError(f"{where}: {self.media} holds no audio")
        object.__setattr__(self, "media_duration", duration)
        start = _number(self.start, f"{where}: start")
        if start < 0:
            raise SceneError(f"{where}: start must be >= 0 s, got {start:g}")
        object.__setattr__(self, "start", start)
        trim = _number(self.trim_start, f"{where}: trim start")
        if not 0 <= trim < duration:
            raise SceneError(
                f"{where}: trim start {trim:g} s is outside the file (0 … {duration:g} s)"
            )
        object.__setattr__(self, "trim_start", trim)
        if self.length is not None:
            length = _number(self.length, f"{where}: length")
            if length <= 0:
                raise SceneError(f"{where}: length must be > 0 s, got {length:g}")
            object.__setattr__(self, "length", length)
        gain = _number(self.gain_db, f"{where}: gain")
        if not MIN_GAIN_DB <= gain <= MAX_GAIN_DB:
            raise SceneError(
                f"{where}: gain {gain:g} dB is outside {MIN_GAIN_DB:g} … +{MAX_GAIN_DB:g} dB"
            )
        object.__setattr__(self, "gain_db", gain)
        if not isinstance(self.colour, str) or not _COLOUR.fullmatch(self.colour):
            raise SceneError(f"{where}: colour must be #rrggbb, got {self.colour!r}")
        rot = tuple(_number(v, f"{where}: rotation") for v in self.rotation)
        if len(rot) != 3:
            raise SceneError(f"{where}: rotation needs (yaw, pitch, roll), got {len(rot)} values")
        object.__setattr__(self, "rotation", rot)
        if self.path is not None and not isinstance(self.path, Trajectory):
            raise SceneError(f"{where}: path must be a Trajectory")
        if self.distance is not None:
            d = _number(self.distance, f"{where}: distance")
            if d <= 0:
                raise SceneError(f"{where}: distance must be > 0 m, got {d:g}")
            object.__setattr__(self, "distance", d)
        if self.rt60 is not None and self.room is None:
            raise SceneError(f"{where}: an RT60 needs a room")
        if self.room is not None:
            self.room_model()  # a clear error for a bad room now, not at render time
        if self.kind == "foa" and (self.distance is not None or self.room is not None):
            raise SceneError(
                f"{where}: {self.media.name} is FOA; a distance or room places a mono file "
                "(rotate FOA, or give it a path to re-path it)"
            )
        if self.kind == "foa" and self.path is not None and any(rot):
            raise SceneError(
                f"{where}: a re-pathed FOA track follows its path; rotation turns FOA kept as it "
                "is (clear the path or the rotation)"
            )
        if self.kind == "mono" and any(rot):
            raise SceneError(f"{where}: rotation turns an FOA file; a mono file follows its path")

    # --- what the timeline needs ------------------------------------------------------
    @property
    def kind(self) -> str:
        """ "mono" or "foa"."""
        return KINDS[self.channels]

    @property
    def follows_path(self) -> bool:
        """Whether the source travels along :attr:`trajectory` (mono, or re-pathed FOA)."""
        return self.kind == "mono" or self.path is not None

    @property
    def clip_length(self) -> float:
        """Seconds the clip plays (the length, limited to what the file holds after the trim)."""
        available = self.media_duration - self.trim_start
        return available if self.length is None else min(self.length, available)

    @property
    def end(self) -> float:
        """Where the clip ends on the timeline (a room's ring-out comes after)."""
        return self.start + self.clip_length

    @property
    def trajectory(self) -> Trajectory:
        """The path the source follows (a mono source without one: static in front)."""
        return (
            self.path
            if self.path is not None
            else Trajectory.static(0.0, 0.0, duration=max(self.media_duration, 1e-3))
        )

    def room_model(self) -> Room | None:
        if self.room is None:
            return None
        try:
            return Room.parse(self.room, self.rt60)
        except RoomError as exc:
            raise SceneError(f"track {self.name!r}: {exc}") from None

    def edited(self, **changes: Any) -> Track:
        """A copy with ``changes`` (validated; the id stays)."""
        return replace(self, **changes)

    # --- trimming from the lane's edges -------------------------------------------------
    def trimmed_head(self, new_start: float) -> Track:
        """Drag the clip's left edge to ``new_start`` on the timeline: the right edge stays."""
        end = self.end
        earliest = self.start - self.trim_start  # where the file's first sample would sit
        new_start = min(max(new_start, earliest, 0.0), end - 1e-3)
        trim = self.trim_start + (new_start - self.start)
        return self.edited(start=new_start, trim_start=max(trim, 0.0), length=end - new_start)

    def trimmed_tail(self, new_end: float) -> Track:
        """Drag the clip's right edge to ``new_end`` on the timeline: the left edge stays."""
        latest = self.start + (self.media_duration - self.trim_start)
        new_end = min(max(new_end, self.start + 1e-3), latest)
        return self.edited(length=new_end - self.start)
