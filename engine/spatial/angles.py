"""Angle helpers in the project's one convention.

Degrees at every API. Azimuth in (-180, 180], 0 = front, +90 = left (counter-clockwise seen
from above). Elevation in [-90, 90], +90 = up. Cartesian axes: x front, y left, z up.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def wrap_azimuth(azimuth: ArrayLike) -> NDArray[np.float64] | float:
    """Wrap azimuth in degrees into (-180, 180]; -180 becomes 180."""
    a = np.asarray(azimuth, dtype=np.float64)
    wrapped = 180.0 - np.mod(180.0 - a, 360.0)
    return float(wrapped) if wrapped.ndim == 0 else wrapped


def azimuth_difference(a: ArrayLike, b: ArrayLike) -> NDArray[np.float64] | float:
    """Signed circular difference ``a - b`` in degrees, in (-180, 180]."""
    return wrap_azimuth(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))


def to_cartesian(azimuth: ArrayLike, elevation: ArrayLike) -> NDArray[np.float64]:
    """Unit vectors ``(3, ...)`` as (x front, y left, z up) for directions in degrees."""
    az = np.radians(np.asarray(azimuth, dtype=np.float64))
    el = np.radians(np.asarray(elevation, dtype=np.float64))
    return np.stack([np.cos(az) * np.cos(el), np.sin(az) * np.cos(el), np.sin(el)])


def from_cartesian(
    x: ArrayLike, y: ArrayLike, z: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Azimuth and elevation in degrees of (not necessarily unit) vectors."""
    x, y, z = (np.asarray(v, dtype=np.float64) for v in (x, y, z))
    azimuth = wrap_azimuth(np.degrees(np.arctan2(y, x)))
    elevation = np.degrees(np.arctan2(z, np.hypot(x, y)))
    return np.asarray(azimuth), np.asarray(elevation)


def great_circle_angle(
    az1: ArrayLike, el1: ArrayLike, az2: ArrayLike, el2: ArrayLike
) -> NDArray[np.float64]:
    """Great-circle angle in degrees between two directions (the papers' haversine form).

    ``a = sin²(Δel/2) + cos el1 · cos el2 · sin²(Δaz/2)``, ``Δ = 2·atan2(√a, √(1−a))``.
    """
    p1, p2 = np.radians(np.asarray(el1, float)), np.radians(np.asarray(el2, float))
    dl = np.radians(np.asarray(az1, float) - np.asarray(az2, float))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    a = np.clip(a, 0.0, 1.0)
    return np.degrees(2 * np.arctan2(np.sqrt(a), np.sqrt(1 - a)))
