"""Freehand strokes to keyframes: a drawn stroke becomes the few keyframes that re-trace it.

A stroke is what the path editor records while the user draws: sample times (seconds, any
origin) and the azimuth/elevation under the pointer. :func:`simplify_stroke` keeps the
fewest samples such that the path through them — interpolated exactly as
:meth:`Trajectory.sample` does, linearly in unwrapped azimuth and in elevation over time —
stays within ``tolerance`` degrees (great-circle angle) of every recorded sample.

The simplification is Ramer–Douglas–Peucker (Ramer 1972; Douglas & Peucker 1973) in its
time-synchronised form: the error of a sample is measured to the position the simplified
path has *at that sample's time*, not to the nearest point of a chord, so the drawing speed
survives too. Azimuth is unwrapped first, so a stroke across the back (±180°) is one smooth
movement, and each kept segment records the way it turned: ``shortest`` where that is
unambiguous, else ``cw``/``ccw`` (a segment turning more than 180°). Segments are split
before they turn :data:`MAX_SEGMENT_TURN` degrees, as a keyframe pair cannot express a
full turn.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import TrajectoryError
from .angles import great_circle_angle, wrap_azimuth
from .trajectory import Keyframe, Trajectory, segment_delta

# Degrees. A hand-drawn stroke wobbles by a few degrees and a moving source is localised no
# better than about 5-10 degrees: 8 keeps the shape (an ellipse becomes about 8 keyframes, not
# 19 as at 2) without keyframes for the hand's jitter. The path editor lets the user change it.
DEFAULT_TOLERANCE = 8.0
TOLERANCE_RANGE = (0.5, 30.0)  # what the path editor offers
MAX_SEGMENT_TURN = 270.0  # degrees; below 360° so that cw/ccw names the turn exactly


def clean_stroke(
    times: ArrayLike, azimuth: ArrayLike, elevation: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Validate a stroke and return ``(times, unwrapped azimuth, elevation)`` as float arrays.

    Samples sharing a time keep the last position (the pointer moved twice within one clock
    tick). Raises :class:`TrajectoryError` for empty, ragged, non-finite or out-of-order input.
    """
    t = np.asarray(times, dtype=np.float64).ravel()
    az = np.asarray(azimuth, dtype=np.float64).ravel()
    el = np.asarray(elevation, dtype=np.float64).ravel()
    if not (t.size == az.size == el.size):
        raise TrajectoryError(
            f"stroke has {t.size} times, {az.size} azimuths and {el.size} elevations"
        )
    if t.size == 0:
        raise TrajectoryError("stroke is empty: draw at least one point")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(az)) and np.all(np.isfinite(el))):
        raise TrajectoryError("stroke has a time or an angle that is not a finite number")
    if np.any(np.diff(t) < 0):
        raise TrajectoryError("stroke times must not decrease")
    if np.any(np.abs(el) > 90.0):
        raise TrajectoryError(
            f"stroke elevation {el[np.argmax(np.abs(el))]:g} is outside [-90, 90]"
        )
    last_of_tick = np.append(np.diff(t) > 0, True)
    t, az, el = t[last_of_tick], az[last_of_tick], el[last_of_tick]
    unwrapped = np.unwrap(az, period=360.0)
    return t, unwrapped, el


def _split_point(
    t: NDArray[np.float64],
    az: NDArray[np.float64],
    el: NDArray[np.float64],
    i: int,
    j: int,
    tolerance: float,
) -> int | None:
    """Index in (i, j) at which to split the segment i→j, or None if it may stay one segment."""
    if j - i < 2:
        return None
    inner = np.arange(i + 1, j)
    frac = (t[inner] - t[i]) / (t[j] - t[i])
    err = great_circle_angle(
        az[inner], el[inner], az[i] + frac * (az[j] - az[i]), el[i] + frac * (el[j] - el[i])
    )
    worst = int(np.argmax(err))
    if err[worst] > tolerance:
        return int(inner[worst])
    if abs(az[j] - az[i]) > MAX_SEGMENT_TURN:
        # Within tolerance but turning too far for one keyframe pair: split mid-turn.
        return int(inner[np.argmin(np.abs(az[inner] - 0.5 * (az[i] + az[j])))])
    return None


def _kept(
    t: NDArray[np.float64], az: NDArray[np.float64], el: NDArray[np.float64], tolerance: float
) -> NDArray[np.int64]:
    if not np.isfinite(tolerance) or tolerance <= 0:
        raise TrajectoryError(f"stroke tolerance must be > 0 degrees, got {tolerance!r}")
    keep = {0, t.size - 1}
    stack = [(0, t.size - 1)]
    while stack:  # iterative: a long, wiggly stroke would exceed Python's recursion limit
        i, j = stack.pop()
        k = _split_point(t, az, el, i, j, tolerance)
        if k is not None:
            keep.add(k)
            stack += [(i, k), (k, j)]
    return np.array(sorted(keep), dtype=np.int64)


def simplify_indices(
    times: ArrayLike, azimuth: ArrayLike, elevation: ArrayLike, tolerance: float = DEFAULT_TOLERANCE
) -> NDArray[np.int64]:
    """Indices (into the cleaned stroke, see :func:`clean_stroke`) of the samples to keep."""
    return _kept(*clean_stroke(times, azimuth, elevation), tolerance)


def _keyframes(
    t: NDArray[np.float64], az: NDArray[np.float64], el: NDArray[np.float64]
) -> list[Keyframe]:
    """Keyframes through unwrapped samples, naming the turn where 'shortest' would not."""
    kfs = [Keyframe(float(t[0]), float(wrap_azimuth(az[0])), float(el[0]))]
    for n in range(1, t.size):
        a = float(wrap_azimuth(az[n]))
        travelled = float(az[n] - az[n - 1])
        shortest = segment_delta(kfs[-1].azimuth, a, "shortest")
        if abs(shortest - travelled) < 1e-6:
            direction = "shortest"
        else:
            direction = "ccw" if travelled > 0 else "cw"
        kfs.append(Keyframe(float(t[n]), a, float(el[n]), direction=direction))
    return kfs


def simplify_stroke(
    times: ArrayLike, azimuth: ArrayLike, elevation: ArrayLike, tolerance: float = DEFAULT_TOLERANCE
) -> list[Keyframe]:
    """The fewest keyframes (at the stroke's own times) that re-trace it within ``tolerance``°.

    Parameters
    ----------
    times, azimuth, elevation : array_like, shape (n,)
        The stroke: seconds (non-decreasing, any origin) and degrees; azimuth may jump at
        ±180 or be unwrapped already.
    tolerance : float
        Largest great-circle angle (degrees) between a recorded sample and the simplified
        path at that sample's time.
    """
    t, az, el = clean_stroke(times, azimuth, elevation)
    keep = _kept(t, az, el, tolerance)
    return _keyframes(t[keep], az[keep], el[keep])


def stroke_to_trajectory(
    times: ArrayLike,
    azimuth: ArrayLike,
    elevation: ArrayLike,
    duration: float,
    tolerance: float = DEFAULT_TOLERANCE,
) -> Trajectory:
    """A path of ``duration`` seconds that follows the stroke, its timing stretched to fit.

    The stroke's first sample lands at 0 s and its last at ``duration``, so the speed the
    user drew at becomes the (relative) speed of the sound. A stroke without duration
    (one point, or all samples in one clock tick) gives a static path at its last point.
    """
    if not np.isfinite(duration) or duration <= 0:
        raise TrajectoryError(f"duration must be > 0 s, got {duration!r}")
    t, az, el = clean_stroke(times, azimuth, elevation)
    if t.size == 1:
        return Trajectory.static(float(wrap_azimuth(az[0])), float(el[0]), duration)
    scaled = (t - t[0]) * (duration / (t[-1] - t[0]))
    scaled[-1] = duration  # exact, whatever the rounding
    keep = _kept(scaled, az, el, tolerance)
    return Trajectory(duration, tuple(_keyframes(scaled[keep], az[keep], el[keep])))
