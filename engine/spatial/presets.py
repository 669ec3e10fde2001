"""Named starting paths a user picks and then edits: each is a few keyframes.

Every preset is defined over a normalised time 0..1 and stretched to the requested
duration, so ``preset("orbit", 4.0)`` is a four-second orbit.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ..errors import TrajectoryError
from .trajectory import Keyframe, Trajectory

_Points = list[tuple[float, float, float, float | None, str]]  # time 0..1, az, el, dist, dir


def _static() -> _Points:
    return [(0.0, 0.0, 0.0, None, "shortest")]


def _orbit() -> _Points:
    # A full counter-clockwise turn starting in front: front, left, back, right, front.
    return [(i / 4, az, 0.0, None, "ccw") for i, az in enumerate((0, 90, 180, -90, 0))]


def _half_orbit() -> _Points:
    # Behind the listener, from the left round the back to the right.
    return [
        (0.0, 90.0, 0.0, None, "shortest"),
        (0.5, 180.0, 0.0, None, "ccw"),
        (1.0, -90.0, 0.0, None, "ccw"),
    ]


def _fly_over() -> _Points:
    # From the front up over the head and down behind: the azimuth flips at the zenith,
    # where it is inaudible (cos(elevation) = 0), in a 1 % sliver of the path.
    return [
        (0.0, 0.0, 0.0, None, "shortest"),
        (0.495, 0.0, 90.0, None, "shortest"),
        (0.505, 180.0, 90.0, None, "ccw"),
        (1.0, 180.0, 0.0, None, "shortest"),
    ]


def _pass_by() -> _Points:
    # Left to right in front of the listener, closest at mid-way.
    return [
        (0.0, 75.0, 0.0, 6.0, "shortest"),
        (0.5, 0.0, 0.0, 1.5, "shortest"),
        (1.0, -75.0, 0.0, 6.0, "shortest"),
    ]


def _figure_eight() -> _Points:
    # A 1:2 Lissajous figure in front: azimuth swings once, elevation twice.
    pts: _Points = []
    for i in range(9):
        u = i / 8
        pts.append(
            (
                u,
                60.0 * math.sin(2 * math.pi * u),
                30.0 * math.sin(4 * math.pi * u),
                None,
                "shortest",
            )
        )
    return pts


def _rising_spiral() -> _Points:
    # Two counter-clockwise turns while rising from below the horizon to high above.
    pts: _Points = []
    for i in range(9):
        u = i / 8
        az = (90.0 * i + 180.0) % 360.0 - 180.0
        pts.append(
            (
                u,
                az if az != -180.0 else 180.0,
                -30.0 + 90.0 * u,
                None,
                "shortest" if i == 0 else "ccw",
            )
        )
    return pts


_PRESETS: dict[str, tuple[Callable[[], _Points], str]] = {
    "static": (_static, "a source that stays in front"),
    "orbit": (_orbit, "one full counter-clockwise turn around the listener"),
    "half-orbit": (_half_orbit, "from the left round the back to the right"),
    "fly-over": (_fly_over, "from the front, over the head, down behind"),
    "pass-by": (_pass_by, "left to right in front, nearest mid-way (with distance)"),
    "figure-eight": (_figure_eight, "a figure eight in front of the listener"),
    "rising-spiral": (_rising_spiral, "two turns rising from below to high above"),
}
ALIASES = {"left-to-right": "pass-by", "flyover": "fly-over", "circle": "orbit"}


def preset_names() -> list[str]:
    """Names of the presets, in display order."""
    return list(_PRESETS)


def preset_description(name: str) -> str:
    return _PRESETS[_resolve(name)][1]


def _resolve(name: str) -> str:
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    key = ALIASES.get(key, key)
    if key not in _PRESETS:
        raise TrajectoryError(f"unknown path preset {name!r} (known: {', '.join(_PRESETS)})")
    return key


def preset(name: str, duration: float = 10.0) -> Trajectory:
    """The preset ``name`` stretched over ``duration`` seconds."""
    key = _resolve(name)
    points = _PRESETS[key][0]()
    kfs = tuple(Keyframe(u * duration, az, el, dist, d) for u, az, el, dist, d in points)
    return Trajectory(duration, kfs, name=key)
