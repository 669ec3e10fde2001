"""A scene: tracks on one timeline, mixed to one AmbiX soundscape.

:class:`Scene` is immutable; every edit returns a new scene (tracks keep their ids), which
makes undo a matter of keeping the previous value (see :mod:`.history`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..errors import SceneError
from .tracks import PALETTE, Track

SCENE_RATE = 48000


@dataclass(frozen=True)
class Scene:
    """The tracks (top lane first), a name and the mix's sample rate."""

    tracks: tuple[Track, ...] = ()
    name: str = ""
    rate: int = SCENE_RATE

    def __post_init__(self) -> None:
        tracks = tuple(self.tracks)
        ids = [t.id for t in tracks]
        if len(set(ids)) != len(ids):
            raise SceneError("two tracks share an id")
        if (
            isinstance(self.rate, bool)
            or not isinstance(self.rate, int)
            or not 8000 <= self.rate <= 384000
        ):
            raise SceneError(f"scene rate must be an integer 8000 … 384000 Hz, got {self.rate!r}")
        object.__setattr__(self, "tracks", tracks)

    # --- reading ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.tracks)

    def index(self, track_id: str) -> int:
        for i, t in enumerate(self.tracks):
            if t.id == track_id:
                return i
        raise SceneError(f"no track with id {track_id!r} in the scene")

    def track(self, track_id: str) -> Track:
        return self.tracks[self.index(track_id)]

    def find(self, key: str) -> Track:
        """A track by its 1-based number, its id or its name (as the CLI takes them)."""
        if key.isdigit() and 1 <= int(key) <= len(self.tracks):
            return self.tracks[int(key) - 1]
        for t in self.tracks:
            if t.id == key:
                return t
        named = [t for t in self.tracks if t.name == key]
        if len(named) == 1:
            return named[0]
        if named:
            raise SceneError(f"{len(named)} tracks are named {key!r}; give the track's number")
        raise SceneError(f"no track {key!r} (give a number 1 … {len(self.tracks)} or a name)")

    @property
    def any_solo(self) -> bool:
        return any(t.solo for t in self.tracks)

    def audible(self, track: Track) -> bool:
        """Heard in the mix: not muted, and soloed when any track is."""
        return not track.mute and (track.solo or not self.any_solo)

    @property
    def duration(self) -> float:
        """Where the last clip ends (rooms ring out after it; the mixer knows by how much)."""
        return max((t.end for t in self.tracks), default=0.0)

    def next_colour(self) -> str:
        used = [t.colour for t in self.tracks]
        for c in PALETTE:
            if c not in used:
                return c
        return PALETTE[len(self.tracks) % len(PALETTE)]

    # --- editing (each returns a new scene) -------------------------------------------
    def with_track(self, track: Track, index: int | None = None) -> Scene:
        """Add ``track`` (at the end, or at ``index``)."""
        tracks = list(self.tracks)
        tracks.insert(len(tracks) if index is None else index, track)
        return replace(self, tracks=tuple(tracks))

    def without_track(self, track_id: str) -> Scene:
        i = self.index(track_id)
        return replace(self, tracks=self.tracks[:i] + self.tracks[i + 1 :])

    def edit_track(self, track_id: str, **changes: Any) -> Scene:
        i = self.index(track_id)
        return self.replace_track(self.tracks[i].edited(**changes))

    def replace_track(self, track: Track) -> Scene:
        i = self.index(track.id)
        return replace(self, tracks=self.tracks[:i] + (track,) + self.tracks[i + 1 :])

    def moved_track(self, track_id: str, index: int) -> Scene:
        """Move a lane to ``index`` (0 = top)."""
        tracks = list(self.tracks)
        t = tracks.pop(self.index(track_id))
        tracks.insert(max(0, min(index, len(tracks))), t)
        return replace(self, tracks=tuple(tracks))

    def renamed(self, name: str) -> Scene:
        return replace(self, name=name)
