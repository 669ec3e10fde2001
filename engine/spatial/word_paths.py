"""Paths from the places and movement words a prompt names (:mod:`.spatial_words` reads the
words): a move through places, an orbit, a fly-over and a swing back and forth.

Speed words set the movement window (centred in the take): slow 8.5 s, moderate 5 s, fast 2 s —
the middles of the papers' speed classes — else the movement fills the take. A swing ("bouncing
left and right", "back and forth between the front and the back") goes to and fro with legs of
SWING_SECONDS each (default moderate) over the whole take, at least there and back.
"""

from __future__ import annotations

from dataclasses import dataclass

from .angles import wrap_azimuth
from .trajectory import Keyframe, Trajectory, segment_delta

SPEED_SECONDS = {"slow": 8.5, "moderate": 5.0, "fast": 2.0}
SWING_SECONDS = {"slow": 4.0, "moderate": 2.5, "fast": 1.0}
SMALL_MOVE = 10.0  # "from front to front, clockwise": a move inside one bin
PATH_NAME = "from the prompt"


@dataclass(frozen=True)
class Place:
    """A place the words name: azimuth (None for "overhead" alone) and elevation."""

    azimuth: float | None
    elevation: float


def window(speed: str | None, duration: float) -> tuple[float, float]:
    """The movement window: the speed class's middle length, centred; else the whole take."""
    if speed is None:
        return 0.0, duration
    length = min(SPEED_SECONDS[speed], duration)
    start = (duration - length) / 2
    return start, start + length


def fill_azimuths(places: list[Place]) -> list[tuple[float, float]]:
    """Azimuths for places named without one ("overhead"): the nearest named one's."""
    named = [i for i, p in enumerate(places) if p.azimuth is not None]
    out = []
    for i, p in enumerate(places):
        if p.azimuth is not None:
            out.append((p.azimuth, p.elevation))
        elif named:
            j = min(named, key=lambda k: (abs(k - i), k))
            out.append((float(places[j].azimuth), p.elevation))  # type: ignore[arg-type]
        else:
            out.append((0.0, p.elevation))
    return out


def directions(points: list[tuple[float, float]], turn: str | None) -> list[str]:
    """Per segment: the shorter way (half turns: through the front, back the way it came
    when it returns to where it was, or as the turn word says), then segments flipped until
    the net turn agrees with the turn word."""
    dirs: list[str] = []
    for i, ((a, _), (b, _)) in enumerate(zip(points, points[1:])):
        diff = (b - a) % 360.0
        if abs(diff - 180.0) < 1e-9:
            if turn is not None:
                dirs.append(turn)
            elif i > 0 and points[i + 1] == points[i - 1] and dirs[-1] != "shortest":
                dirs.append("cw" if dirs[-1] == "ccw" else "ccw")  # back the same way
            else:  # through the front half: the midpoint nearer 0°
                mid_cw = float(wrap_azimuth(a - 90.0))
                dirs.append("cw" if abs(mid_cw) < 90.0 else "ccw")
        else:
            dirs.append("shortest")
    if turn is None:
        return dirs
    sign = 1.0 if turn == "ccw" else -1.0

    def net() -> float:
        return sum(segment_delta(a, b, d) for (a, _), (b, _), d in zip(points, points[1:], dirs))

    deltas = [segment_delta(a, b, d) for (a, _), (b, _), d in zip(points, points[1:], dirs)]
    for k in sorted(range(len(dirs)), key=lambda i: -abs(deltas[i])):
        if net() * sign > 1e-9:
            break
        if deltas[k] * sign < -1e-9:
            dirs[k] = turn
    return dirs


def move_path(
    places: list[Place], turn: str | None, speed: str | None, duration: float
) -> Trajectory:
    points = fill_azimuths(places)
    if len(points) == 2 and points[0] == points[1]:
        if turn is None:
            return Trajectory.static(
                points[0][0],
                points[0][1],
                duration,
            )
        # "from front to front, clockwise": a move inside the bin, the way the words say
        sign = 1.0 if turn == "ccw" else -1.0
        az, el = points[0]
        points = [
            (float(wrap_azimuth(az - sign * SMALL_MOVE)), el),
            (float(wrap_azimuth(az + sign * SMALL_MOVE)), el),
        ]
    dirs = directions(points, turn)
    t0, t1 = window(speed, duration)
    n = len(points) - 1
    kfs = [Keyframe(0.0, *points[0])]
    if t0 > 1e-9:
        kfs.append(Keyframe(t0, *points[0]))
    for i in range(1, n + 1):
        kfs.append(Keyframe(t0 + (t1 - t0) * i / n, *points[i], direction=dirs[i - 1]))
    if duration - t1 > 1e-9:
        kfs.append(Keyframe(duration, *points[-1]))
    return Trajectory(duration, tuple(kfs), name=PATH_NAME)


def orbit_path(
    start: Place | None, turn: str | None, speed: str | None, duration: float
) -> Trajectory:
    turn = turn or "ccw"
    az0 = start.azimuth if start is not None and start.azimuth is not None else 0.0
    el = start.elevation if start is not None else 0.0
    step = 90.0 if turn == "ccw" else -90.0
    places = [Place(float(wrap_azimuth(az0 + k * step)), el) for k in range(5)]
    t0, t1 = window(speed, duration)
    kfs = [Keyframe(0.0, az0, el)]
    if t0 > 1e-9:
        kfs.append(Keyframe(t0, az0, el))
    for k in range(1, 5):
        kfs.append(Keyframe(t0 + (t1 - t0) * k / 4, places[k].azimuth or 0.0, el, direction=turn))
    if duration - t1 > 1e-9:
        kfs.append(Keyframe(duration, az0, el))
    return Trajectory(duration, tuple(kfs), name=PATH_NAME)


def flyover_path(speed: str | None, duration: float) -> Trajectory:
    """From the front over the head and down behind (the azimuth flips at the zenith)."""
    t0, t1 = window(speed, duration)
    span = t1 - t0
    pts = [
        (t0, 0.0, 0.0),
        (t0 + 0.495 * span, 0.0, 90.0),
        (t0 + 0.505 * span, 180.0, 90.0),
        (t1, 180.0, 0.0),
    ]
    kfs = [Keyframe(0.0, 0.0, 0.0)] if t0 > 1e-9 else []
    kfs += [
        Keyframe(t, az, el, direction="ccw" if az == 180.0 and el == 90.0 else "shortest")
        for t, az, el in pts
    ]
    if duration - t1 > 1e-9:
        kfs.append(Keyframe(duration, 180.0, 0.0))
    return Trajectory(duration, tuple(kfs), name=PATH_NAME)


def swing_path(a: Place, b: Place, speed: str | None, duration: float) -> Trajectory:
    """To and fro between ``a`` and ``b`` over the whole take, legs of the speed's swing
    length (at least two: there and back), each the shorter way (a half turn through the
    front, as a move between left and right would go)."""
    ends = fill_azimuths([a, b])
    legs = max(2, round(duration / SWING_SECONDS[speed or "moderate"]))
    points = [ends[k % 2] for k in range(legs + 1)]
    dirs = directions(points, None)
    kfs = [Keyframe(0.0, *points[0])]
    kfs += [
        Keyframe(duration * k / legs, *points[k], direction=dirs[k - 1]) for k in range(1, legs + 1)
    ]
    return Trajectory(duration, tuple(kfs), name=PATH_NAME)
