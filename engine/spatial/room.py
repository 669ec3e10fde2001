"""Shoebox rooms: geometry, absorption and reverberation time, presets and caption words.

Room coordinates (metres) share the listener's axes: x from the back wall (0) to the front
wall (``depth``), y from the right wall (0) to the left wall (``width``), z from the floor (0)
to the ceiling (``height``). The listener faces +x, so a sound at (azimuth, elevation,
distance) from the listener sits at ``listener + distance·(cos az cos el, sin az cos el, sin el)``.

Reverberation time by Sabine's formula with air absorption, ``T = 0.161·V / (S·ᾱ + 4·m·V)``
(Sabine 1922; Eyring 1930 for :meth:`Room.rt60_eyring`), quoted at 1 kHz. Rendering a sound
in a room is :mod:`.room_render`; measuring one is :mod:`.room_metrics`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import RoomError
from .ambisonics import MIN_DISTANCE
from .trajectory import Trajectory

SPEED_OF_SOUND = 343.0  # m/s at 20 °C
SABINE = 0.161  # s/m: T = 0.161·V/A (24·ln 10 / c)
DECAY_60 = 3.0 * math.log(10.0) * 2.0  # ln(10⁶) = 13.8: energy decays 60 dB over T
WALLS = ("back", "front", "right", "left", "floor", "ceiling")  # x=0, x=D, y=0, y=W, z=0, z=H
# Octave-band centres of the tail and the air's intensity attenuation m (1/m) in each:
# ISO 9613-1 at 20 °C, 70 % relative humidity (dB/km 0.3 … 76.6, m = α / (10·log10 e)).
BAND_CENTRES = (125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0)
AIR_DB_PER_KM = (0.3, 1.1, 2.8, 5.0, 9.0, 22.9, 76.6)
AIR_M = tuple(a / 1000.0 / (10.0 * math.log10(math.e)) for a in AIR_DB_PER_KM)
REFERENCE_BAND = 3  # the RT60 a user asks for is the 1 kHz one (mid-frequency convention)
WALL_MARGIN = 0.1  # metres: sources are kept this far inside the walls

# name: (width, depth, height in metres, RT60 in seconds)
ROOM_PRESETS: dict[str, tuple[float, float, float, float]] = {
    "small": (3.5, 4.5, 2.6, 0.35),
    "medium": (6.0, 8.0, 3.2, 0.6),
    "large": (15.0, 20.0, 7.0, 1.2),
    "hall": (25.0, 40.0, 15.0, 2.2),
}


def _finite(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise RoomError(f"{what} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise RoomError(f"{what} must be finite, got {value!r}")
    return v


@dataclass(frozen=True)
class Room:
    """A shoebox room with a listener in it.

    Args:
        width, depth, height: metres, all > 0 (y, x and z extents; see the module doc).
        absorption: energy absorption coefficient α in (0, 1], one for all walls or six in
            the order of :data:`WALLS` (back, front, right, left, floor, ceiling).
        listener: (x, y, z) in metres inside the room; ``None`` puts it at 40 % of the
            depth, 45 % of the width and 1.6 m high (at most half the height).
        name: a label ("medium", "6x8x3.2").
    """

    width: float
    depth: float
    height: float
    absorption: tuple[float, ...] = (0.3,) * 6
    listener: tuple[float, float, float] | None = None
    name: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for key in ("width", "depth", "height"):
            v = _finite(getattr(self, key), f"room {key}")
            if v <= 0:
                raise RoomError(f"room {key} must be > 0 m, got {v:g}")
            object.__setattr__(self, key, v)
        alpha = self.absorption
        if isinstance(alpha, (int, float)):
            alpha = (alpha,) * 6
        alpha = tuple(_finite(a, "absorption") for a in alpha)
        if len(alpha) == 1:
            alpha = alpha * 6
        if len(alpha) != 6:
            raise RoomError(
                f"absorption needs 1 or 6 values ({', '.join(WALLS)}), got {len(alpha)}"
            )
        for wall, a in zip(WALLS, alpha):
            if not 0.0 < a <= 1.0:
                raise RoomError(f"absorption of the {wall} wall must be in (0, 1], got {a:g}")
        object.__setattr__(self, "absorption", alpha)
        if self.listener is None:
            pos = (0.4 * self.depth, 0.45 * self.width, min(1.6, 0.5 * self.height))
        else:
            given = tuple(_finite(v, "listener position") for v in self.listener)
            if len(given) != 3:
                raise RoomError(f"listener position needs (x, y, z), got {len(given)} values")
            pos = (given[0], given[1], given[2])
            for v, size, axis in zip(pos, self.size_xyz, "xyz"):
                if not 0.0 < v < size:
                    raise RoomError(
                        f"listener {axis} = {v:g} m is outside the room (0..{size:g} m)"
                    )
        object.__setattr__(self, "listener", pos)

    # --- construction -------------------------------------------------------------
    @classmethod
    def from_rt60(
        cls,
        width: float,
        depth: float,
        height: float,
        rt60: float,
        listener: tuple[float, float, float] | None = None,
        name: str | None = None,
    ) -> Room:
        """A room whose walls (all alike) give reverberation time ``rt60`` seconds at 1 kHz
        by Sabine's formula with air absorption: ``α = (0.161·V/T − 4·m·V) / S``."""
        t = _finite(rt60, "RT60")
        if t <= 0:
            raise RoomError(f"RT60 must be > 0 s, got {t:g}")
        probe = cls(width, depth, height, (1.0,) * 6, listener, name)  # validates the size
        v, s = probe.volume, probe.surface
        alpha = (SABINE * v / t - 4.0 * AIR_M[REFERENCE_BAND] * v) / s
        if alpha > 1.0:
            shortest = SABINE * v / (s + 4.0 * AIR_M[REFERENCE_BAND] * v)
            raise RoomError(
                f"RT60 {t:g} s is too short for a {probe.size_text} m room "
                f"(at least {shortest:.2f} s with fully absorbing walls)"
            )
        if alpha <= 1e-3:
            raise RoomError(
                f"RT60 {t:g} s is too long for a {probe.size_text} m room "
                "(the air alone absorbs more)"
            )
        return cls(width, depth, height, (alpha,) * 6, listener, name)

    @classmethod
    def preset(cls, name: str, rt60: float | None = None) -> Room:
        """One of :data:`ROOM_PRESETS`, optionally with another RT60."""
        key = name.strip().lower()
        if key not in ROOM_PRESETS:
            raise RoomError(
                f"unknown room {name!r} (choose {', '.join(ROOM_PRESETS)} or WxDxH in metres)"
            )
        w, d, h, t = ROOM_PRESETS[key]
        return cls.from_rt60(w, d, h, t if rt60 is None else rt60, name=key)

    @classmethod
    def parse(cls, spec: str, rt60: float | None = None) -> Room:
        """A preset name or ``WxDxH`` in metres (e.g. ``6x8x3``; RT60 default by volume)."""
        text = spec.strip().lower()
        if text in ROOM_PRESETS or not any(ch.isdigit() for ch in text):
            return cls.preset(text, rt60)
        m = re.fullmatch(r"\s*([-+0-9.e]+)\s*x\s*([-+0-9.e]+)\s*x\s*([-+0-9.e]+)\s*", text)
        if not m:
            raise RoomError(
                f"room {spec!r}: give {', '.join(ROOM_PRESETS)} or WxDxH in metres (e.g. 6x8x3)"
            )
        try:
            w, d, h = (float(g) for g in m.groups())
        except ValueError:
            raise RoomError(f"room {spec!r}: sizes must be numbers (e.g. 6x8x3)") from None
        probe = cls(w, d, h, (1.0,) * 6)  # a clear error for a size <= 0 first
        return cls.from_rt60(
            w, d, h, default_rt60(probe.volume) if rt60 is None else rt60, name=f"{w:g}x{d:g}x{h:g}"
        )

    @classmethod
    def from_dict(cls, data: Any) -> Room:
        if not isinstance(data, dict) or "size" not in data:
            raise RoomError("a room must be an object with 'size' [width, depth, height]")
        size = data["size"]
        if not isinstance(size, (list, tuple)) or len(size) != 3:
            raise RoomError("room 'size' must be [width, depth, height] in metres")
        listener = data.get("listener")
        return cls(
            size[0],
            size[1],
            size[2],
            absorption=tuple(data.get("absorption", (0.3,))),
            listener=None if listener is None else tuple(listener),
            name=data.get("name"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "size": [self.width, self.depth, self.height],
            "absorption": [round(a, 5) for a in self.absorption],
            "listener": [round(v, 4) for v in self.listener],  # type: ignore[union-attr]
            "rt60": round(self.rt60, 4),
            "volume": round(self.volume, 2),
        }

    # --- acoustics ----------------------------------------------------------------
    @property
    def size_xyz(self) -> tuple[float, float, float]:
        return (self.depth, self.width, self.height)

    @property
    def size_text(self) -> str:
        return f"{self.width:g}x{self.depth:g}x{self.height:g}"

    @property
    def volume(self) -> float:
        return self.width * self.depth * self.height

    @property
    def wall_areas(self) -> tuple[float, ...]:
        w, d, h = self.width, self.depth, self.height
        return (w * h, w * h, d * h, d * h, w * d, w * d)

    @property
    def surface(self) -> float:
        return float(sum(self.wall_areas))

    @property
    def mean_absorption(self) -> float:
        """Area-weighted ᾱ."""
        return float(np.dot(self.wall_areas, self.absorption)) / self.surface

    def band_rt60(self) -> NDArray[np.float64]:
        """Sabine RT60 per :data:`BAND_CENTRES` band, ``0.161·V / (S·ᾱ + 4·m_b·V)``."""
        a = self.surface * self.mean_absorption
        return SABINE * self.volume / (a + 4.0 * np.asarray(AIR_M) * self.volume)

    @property
    def rt60(self) -> float:
        """Sabine RT60 at 1 kHz (with air absorption), seconds."""
        return float(self.band_rt60()[REFERENCE_BAND])

    def rt60_eyring(self) -> float:
        """Eyring RT60 at 1 kHz: ``0.161·V / (−S·ln(1 − ᾱ) + 4·m·V)`` (Eyring 1930)."""
        a = min(self.mean_absorption, 1.0 - 1e-9)
        return (
            SABINE
            * self.volume
            / (-self.surface * math.log(1.0 - a) + 4.0 * AIR_M[REFERENCE_BAND] * self.volume)
        )

    def room_constant(self, band: int = REFERENCE_BAND) -> float:
        """``R = A / (1 − ᾱ)`` in m² with ``A = 0.161·V / T_b`` (air included)."""
        a_total = SABINE * self.volume / float(self.band_rt60()[band])
        alpha = min(a_total / self.surface, 0.999)
        return a_total / (1.0 - alpha)

    @property
    def critical_distance(self) -> float:
        """Distance where direct and diffuse energy are equal, ``√(R / 16π)`` metres."""
        return math.sqrt(self.room_constant() / (16.0 * math.pi))

    def expected_drr_db(self, distance: float) -> float:
        """Statistical direct-to-reverberant ratio ``10·log10(R / (16π r²))`` in dB."""
        r = max(float(distance), MIN_DISTANCE)
        return 10.0 * math.log10(self.room_constant() / (16.0 * math.pi * r * r))

    def max_distance(self, azimuth: float, elevation: float = 0.0) -> float:
        """How far from the listener a source can be in this direction (to the wall margin)."""
        u = _unit(np.array([azimuth]), np.array([elevation]))[:, 0]
        return float(_ray_limit(self, u[:, None])[0])


def default_rt60(volume: float) -> float:
    """A plausible RT60 for a room of ``volume`` m³ when none is given (0.3 s … 2.5 s,
    growing with the cube root of the volume like the presets)."""
    return float(np.clip(0.08 * volume ** (1.0 / 3.0) + 0.1, 0.3, 2.5))


def size_word(room: Room) -> str:
    """The caption phrase for a room: "in a small room" … "in a large hall"."""
    v = room.volume
    if v < 60:
        return "in a small room"
    if v < 400:
        return "in a medium-sized room"
    if v < 4000:
        return "in a large room"
    return "in a large hall"


def distance_word(distance: float) -> str:
    """The caption phrase for a distance: "close", "nearby", "at a distance", "far away"."""
    if distance < 1.0:
        return "close"
    if distance < 3.0:
        return "nearby"
    if distance < 8.0:
        return "at a distance"
    return "far away"


# --- geometry -----------------------------------------------------------------------
def _unit(azimuth: NDArray[np.float64], elevation: NDArray[np.float64]) -> NDArray[np.float64]:
    az, el = np.radians(azimuth), np.radians(elevation)
    return np.stack([np.cos(az) * np.cos(el), np.sin(az) * np.cos(el), np.sin(el)])


def _ray_limit(room: Room, u: NDArray[np.float64]) -> NDArray[np.float64]:
    """Distance along unit vectors ``u`` (3, n) from the listener to the walls less the margin."""
    pos = np.asarray(room.listener)[:, None]
    size = np.asarray(room.size_xyz)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(
            u > 1e-12,
            (size - WALL_MARGIN - pos) / u,
            np.where(u < -1e-12, (pos - WALL_MARGIN) / -u, np.inf),
        )
    return np.maximum(t.min(axis=0), 0.0)


def source_positions(
    room: Room, trajectory: Trajectory, rate: float, n_samples: int, distance: float | None = None
) -> tuple[NDArray[np.float64], bool]:
    """Source positions ``(3, n_samples)`` along ``trajectory`` (its distances, or
    ``distance`` metres throughout), kept inside the walls along the same direction, so the
    direction always follows the path. Returns the positions and whether any was pulled in."""
    az, el, dist = trajectory.sample_at_rate(rate, n_samples)
    if distance is not None:
        d = _finite(distance, "distance")
        if d <= 0:
            raise RoomError(f"distance must be > 0 m, got {d:g}")
        dist = np.full_like(az, d)
    u = _unit(az, el)
    limit = _ray_limit(room, u)
    r = np.minimum(np.maximum(dist, MIN_DISTANCE), np.maximum(limit, 1e-3))
    clamped = bool(np.any(dist > limit + 1e-9))
    return np.asarray(room.listener)[:, None] + r[None, :] * u, clamped


# --- the generator's room numbers ----------------------------------------------------------
def room_size_of(volume: float) -> float:
    """The conditioner's ``room_size`` of a room of ``volume`` m³: its edge in metres (the cube
    root), as training labels rendered samples; 0 for no room (dry)."""
    return float(volume) ** (1.0 / 3.0) if volume > 0 else 0.0


def room_conditioning(
    distance: float | None = None, room: str | None = None, decay: float | None = None
) -> dict[str, float]:
    """Distance, room and decay as the generator's numbers (what training gives a sample
    rendered in that room): ``distance`` (m), ``room_size`` (:func:`room_size_of`) and
    ``decay_time`` (RT60, s). ``room``: a preset name, ``WxDxH`` in metres, or an edge in
    metres; ``decay`` None takes the room's own RT60; ``decay`` 0 without a room means dry.
    Only what is given is returned."""
    out: dict[str, float] = {}
    if distance is not None:
        if not (math.isfinite(distance) and distance > 0):
            raise RoomError(f"distance {distance:g}: give metres > 0")
        out["distance"] = float(distance)
    if room is not None:
        text = room.strip().lower()
        try:
            edge: float | None = float(text)
        except ValueError:
            edge = None
        if edge is not None:
            if not (math.isfinite(edge) and edge > 0):
                raise RoomError(
                    f"room {room}: give a size > 0 m, a preset ({', '.join(ROOM_PRESETS)}) or WxDxH"
                )
            out["room_size"], rt60 = edge, default_rt60(edge**3)
        else:
            r = Room.parse(text)  # a preset or WxDxH; a clear RoomError otherwise
            out["room_size"], rt60 = room_size_of(r.volume), r.rt60
        if decay is None:
            out["decay_time"] = float(rt60)
    if decay is not None:
        if not (math.isfinite(decay) and decay >= 0):
            raise RoomError(f"decay {decay:g}: give an RT60 in seconds >= 0")
        out["decay_time"] = float(decay)
        if decay == 0 and room is None:  # dry: how training labels samples without a room
            out["room_size"] = 0.0
    return out
