"""Where a sound travels: keyframed azimuth/elevation(/distance) paths over time.

A :class:`Trajectory` is a duration and one or more :class:`Keyframe` s. Between two
keyframes the position moves linearly in azimuth and elevation (as in the SonicMotion
paper's augmentation), along the direction the *later* keyframe names: ``shortest`` (the
smaller arc), ``ccw`` (counter-clockwise seen from above: azimuth increasing, towards the
left) or ``cw``. Before the first keyframe and after the last the position holds.

JSON form::

    {"duration": 10.0,
     "keyframes": [{"time": 0, "azimuth": 90, "elevation": 0},
                   {"time": 10, "azimuth": -90, "elevation": 0, "direction": "cw"}]}

Keyframes may also carry ``"distance"`` in metres (default 1 m, the reference distance).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import TrajectoryError
from .angles import wrap_azimuth

DIRECTIONS = ("shortest", "cw", "ccw")
REFERENCE_DISTANCE = 1.0
_KEYFRAME_KEYS = {"time", "azimuth", "elevation", "direction", "distance"}
_TOP_KEYS = {"duration", "keyframes", "name"}


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TrajectoryError(f"{what} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise TrajectoryError(f"{what} must be finite, got {value!r}")
    return value


@dataclass(frozen=True)
class Keyframe:
    """A position at a time. ``direction`` applies to the segment that ends here."""

    time: float
    azimuth: float
    elevation: float = 0.0
    distance: float | None = None
    direction: str = "shortest"

    def __post_init__(self) -> None:
        where = f"keyframe at {self.time!r} s"
        t = _number(self.time, f"{where}: time")
        az = _number(self.azimuth, f"{where}: azimuth")
        el = _number(self.elevation, f"{where}: elevation")
        if t < 0:
            raise TrajectoryError(f"{where}: time must be >= 0 s")
        if not -180.0 <= az <= 180.0:
            raise TrajectoryError(f"{where}: azimuth {az:g} is outside [-180, 180] degrees")
        if not -90.0 <= el <= 90.0:
            raise TrajectoryError(f"{where}: elevation {el:g} is outside [-90, 90] degrees")
        if self.distance is not None:
            d = _number(self.distance, f"{where}: distance")
            if d <= 0:
                raise TrajectoryError(f"{where}: distance must be > 0 m, got {d:g}")
            object.__setattr__(self, "distance", d)
        if self.direction not in DIRECTIONS:
            raise TrajectoryError(
                f"{where}: direction {self.direction!r} is not one of {', '.join(DIRECTIONS)}"
            )
        object.__setattr__(self, "time", t)
        object.__setattr__(self, "azimuth", float(wrap_azimuth(az)))
        object.__setattr__(self, "elevation", el)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "time": self.time,
            "azimuth": self.azimuth,
            "elevation": self.elevation,
        }
        if self.distance is not None:
            out["distance"] = self.distance
        if self.direction != "shortest":
            out["direction"] = self.direction
        return out


def segment_delta(az_from: float, az_to: float, direction: str) -> float:
    """Azimuth travelled (degrees, signed; + = counter-clockwise) from one keyframe to the next."""
    diff = (az_to - az_from) % 360.0  # in [0, 360)
    if direction == "ccw":
        return diff
    if direction == "cw":
        return diff - 360.0 if diff > 0 else 0.0
    return diff - 360.0 if diff > 180.0 else diff


@dataclass(frozen=True)
class Trajectory:
    """A path over ``duration`` seconds through ``keyframes`` (sorted by strictly increasing time)."""

    duration: float
    keyframes: tuple[Keyframe, ...]
    name: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        d = _number(self.duration, "duration")
        if d <= 0:
            raise TrajectoryError(f"duration must be > 0 s, got {d:g}")
        object.__setattr__(self, "duration", d)
        kfs = tuple(self.keyframes)
        if not kfs:
            raise TrajectoryError("a path needs at least one keyframe")
        for k in kfs:
            if not isinstance(k, Keyframe):
                raise TrajectoryError(f"keyframes must be Keyframe objects, got {type(k).__name__}")
        for a, b in zip(kfs, kfs[1:]):
            if b.time <= a.time:
                raise TrajectoryError(
                    f"keyframe times must increase: {b.time:g} s comes after {a.time:g} s"
                )
        if kfs[-1].time > d + 1e-9:
            raise TrajectoryError(
                f"keyframe at {kfs[-1].time:g} s is after the end of the path ({d:g} s)"
            )
        object.__setattr__(self, "keyframes", kfs)

    # --- construction -------------------------------------------------------------
    @classmethod
    def static(
        cls,
        azimuth: float,
        elevation: float = 0.0,
        duration: float = 10.0,
        distance: float | None = None,
    ) -> Trajectory:
        """A source that does not move."""
        return cls(duration, (Keyframe(0.0, azimuth, elevation, distance),))

    @classmethod
    def from_dict(cls, data: Any) -> Trajectory:
        """Build from the JSON form, validating every field (unknown keys are errors)."""
        if not isinstance(data, dict):
            raise TrajectoryError("a path must be a JSON object with 'duration' and 'keyframes'")
        unknown = sorted(set(data) - _TOP_KEYS)
        if unknown:
            raise TrajectoryError(
                f"unknown key {unknown[0]!r} in path (allowed: {', '.join(sorted(_TOP_KEYS))})"
            )
        for key in ("duration", "keyframes"):
            if key not in data:
                raise TrajectoryError(f"path is missing {key!r}")
        name = data.get("name")
        if name is not None and not isinstance(name, str):
            raise TrajectoryError("'name' must be a string")
        raw = data["keyframes"]
        if not isinstance(raw, list):
            raise TrajectoryError("'keyframes' must be a list of objects")
        kfs = []
        for i, item in enumerate(raw):
            if not isinstance(item, dict):
                raise TrajectoryError(f"keyframe {i} must be an object")
            unknown = sorted(set(item) - _KEYFRAME_KEYS)
            if unknown:
                raise TrajectoryError(
                    f"keyframe {i}: unknown key {unknown[0]!r} "
                    f"(allowed: {', '.join(sorted(_KEYFRAME_KEYS))})"
                )
            for key in ("time", "azimuth"):
                if key not in item:
                    raise TrajectoryError(f"keyframe {i} is missing {key!r}")
            direction = item.get("direction", "shortest")
            if not isinstance(direction, str):
                raise TrajectoryError(f"keyframe {i}: direction must be a string")
            kfs.append(
                Keyframe(
                    time=_number(item["time"], f"keyframe {i}: time"),
                    azimuth=_number(item["azimuth"], f"keyframe {i}: azimuth"),
                    elevation=_number(item.get("elevation", 0.0), f"keyframe {i}: elevation"),
                    distance=item.get("distance"),
                    direction=direction,
                )
            )
        return cls(data["duration"], tuple(kfs), name=name)

    @classmethod
    def from_json(cls, text: str) -> Trajectory:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TrajectoryError(f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: str | Path) -> Trajectory:
        """Read a JSON path file; errors name the file."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise TrajectoryError(f"{p}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise TrajectoryError(f"{p}: cannot read ({exc.__class__.__name__})") from None
        try:
            return cls.from_json(text)
        except TrajectoryError as exc:
            raise TrajectoryError(f"{p}: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.name:
            out["name"] = self.name
        out["duration"] = self.duration
        out["keyframes"] = [k.to_dict() for k in self.keyframes]
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    # --- editing ------------------------------------------------------------------
    def with_duration(self, duration: float) -> Trajectory:
        """The same path stretched in time to ``duration`` seconds."""
        scale = duration / self.duration
        kfs = tuple(replace(k, time=k.time * scale) for k in self.keyframes)
        return Trajectory(duration, kfs, name=self.name)

    # --- sampling -----------------------------------------------------------------
    def unwrapped_keyframe_azimuths(self) -> NDArray[np.float64]:
        """Keyframe azimuths made continuous along the path (may leave (-180, 180])."""
        out = np.empty(len(self.keyframes))
        out[0] = self.keyframes[0].azimuth
        for i in range(1, len(self.keyframes)):
            prev, cur = self.keyframes[i - 1], self.keyframes[i]
            out[i] = out[i - 1] + segment_delta(prev.azimuth, cur.azimuth, cur.direction)
        return out

    def sample(
        self, times: ArrayLike, *, unwrap: bool = False
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Azimuth, elevation (degrees) and distance (metres) at ``times`` (seconds).

        With ``unwrap=True`` the azimuth is continuous (no jump at ±180), which is what
        per-sample gains want; otherwise it is wrapped into (-180, 180].
        """
        t = np.asarray(times, dtype=np.float64)
        kt = np.array([k.time for k in self.keyframes])
        az = np.interp(t, kt, self.unwrapped_keyframe_azimuths())
        el = np.interp(t, kt, [k.elevation for k in self.keyframes])
        dist = np.interp(
            t,
            kt,
            [REFERENCE_DISTANCE if k.distance is None else k.distance for k in self.keyframes],
        )
        return (az if unwrap else np.asarray(wrap_azimuth(az))), el, dist

    def sample_at_rate(
        self, rate: float, n_samples: int | None = None, *, unwrap: bool = False
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Sample every ``1/rate`` seconds; ``n_samples`` defaults to the whole duration."""
        if n_samples is None:
            n_samples = int(round(self.duration * rate))
        return self.sample(np.arange(n_samples) / float(rate), unwrap=unwrap)

    @property
    def has_distance(self) -> bool:
        return any(k.distance is not None for k in self.keyframes)

    @property
    def is_static(self) -> bool:
        first = self.keyframes[0]
        return all(
            abs(segment_delta(a.azimuth, b.azimuth, b.direction)) < 1e-9
            and b.elevation == first.elevation
            and b.distance == first.distance
            for a, b in zip(self.keyframes, self.keyframes[1:])
        )
