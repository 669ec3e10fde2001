"""What the path views draw, as numpy arrays (no Qt): sampled curves, time ticks, and
polylines cut where the azimuth wraps at ±180° so flat plots draw no stray line across."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ...engine.spatial.angles import wrap_azimuth
from ...engine.spatial.trajectory import Trajectory

CURVE_RATE = 50.0  # samples per second of path drawn
CURVE_MIN_POINTS = 400  # short paths still draw smooth arcs


def curve(traj: Trajectory) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Times, wrapped azimuths and elevations along the whole path, dense enough to draw.

    Keyframe times are included exactly, so a corner is drawn as a corner.
    """
    n = max(CURVE_MIN_POINTS, int(traj.duration * CURVE_RATE) + 1)
    t = np.union1d(np.linspace(0.0, traj.duration, n), [k.time for k in traj.keyframes])
    az, el, _ = traj.sample(t)
    return t, az, el


def ticks(
    traj: Trajectory, step: float = 1.0
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Positions every ``step`` seconds (from 0, excluding the end): the path's speed shows
    in how far apart they are."""
    t = np.arange(0.0, traj.duration - 1e-9, step)
    az, el, _ = traj.sample(t)
    return t, az, el


def tick_step(duration: float) -> float:
    """A tick spacing giving 5-30 ticks: 1 s for the papers' 10 s clips."""
    for step in (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0):
        if duration / step <= 30:
            return step
    return 120.0


def split_at_wrap(
    azimuth: ArrayLike, other: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cut a polyline over (azimuth, other) where it crosses ±180°.

    Consecutive samples are joined along the shorter way round; where that crosses the back,
    the line is drawn to the edge (+180 on one side, −180 on the other, ``other``
    interpolated), broken with NaN, and resumed from the opposite edge. NaN input samples
    (gated frames of a measured track) stay gaps. Use with ``connect="finite"``.
    """
    az = np.asarray(wrap_azimuth(np.asarray(azimuth, dtype=np.float64)), dtype=np.float64)
    az = np.atleast_1d(az)
    oth = np.atleast_1d(np.asarray(other, dtype=np.float64))
    if az.size < 2:
        return az.copy(), oth.copy()
    step = np.asarray(wrap_azimuth(np.diff(az)), dtype=np.float64)  # shortest way, signed
    crosses = np.isfinite(step) & (np.abs(az[:-1] + step) > 180.0)
    if not crosses.any():
        return az, oth
    xs: list[float] = []
    ys: list[float] = []
    for i in range(az.size):
        xs.append(az[i])
        ys.append(oth[i])
        if i + 1 < az.size and crosses[i]:
            edge = 180.0 if step[i] > 0 else -180.0
            frac = (edge - az[i]) / step[i]
            y = oth[i] + frac * (oth[i + 1] - oth[i])
            xs += [edge, np.nan, -edge]
            ys += [y, np.nan, y]
    return np.array(xs), np.array(ys)
