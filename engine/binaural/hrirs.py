"""A set of head-related impulse responses (HRIRs) in the engine's conventions.

Directions are in degrees with azimuth 0 = front, **+90 = left** (counter-clockwise seen
from above), elevation +90 = up — the same as SOFA's spherical ``SourcePosition`` and as
:func:`ambisketch.engine.spatial.ambisonics.sh_gains`. Ear 0 is the left ear.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ..audio_io import resample
from ..errors import HrtfError

MIN_RATE, MAX_RATE = 8000, 384000


@dataclass(frozen=True, eq=False)
class HrirSet:
    """HRIRs ``ir`` of shape ``(directions, 2, taps)`` (left, right) at ``rate`` Hz.

    Attributes:
        ir: float64 ``(M, 2, N)``.
        azimuth: ``(M,)`` degrees, +90 = left.
        elevation: ``(M,)`` degrees, +90 = up.
        rate: sample rate in Hz.
        name: a short name for messages and sidecars (e.g. the file name).
        source: the file it came from, if any.
        info: free-text provenance (licence, database) from the file's attributes.
    """

    ir: NDArray[np.float64]
    azimuth: NDArray[np.float64]
    elevation: NDArray[np.float64]
    rate: int
    name: str
    source: Path | None = None
    info: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = self.source or self.name
        ir = np.asarray(self.ir)
        if ir.ndim != 3 or ir.shape[1] != 2 or ir.shape[0] < 1 or ir.shape[2] < 2:
            raise HrtfError(
                f"{where}: HRIRs must have shape (directions, 2 ears, taps), got {ir.shape}"
            )
        if self.azimuth.shape != (ir.shape[0],) or self.elevation.shape != (ir.shape[0],):
            raise HrtfError(f"{where}: {ir.shape[0]} HRIRs but {self.azimuth.shape[0]} positions")
        if not np.isfinite(ir).all():
            raise HrtfError(f"{where}: the HRIRs hold NaN or infinite values")
        if not np.any(ir):
            raise HrtfError(f"{where}: the HRIRs are all zero")
        if not MIN_RATE <= self.rate <= MAX_RATE:
            raise HrtfError(
                f"{where}: sample rate {self.rate} Hz is outside {MIN_RATE}..{MAX_RATE} Hz"
            )
        if np.any(np.abs(self.elevation) > 90.0 + 1e-6):
            raise HrtfError(f"{where}: elevations must lie in [-90, 90] degrees")

    @property
    def count(self) -> int:
        """Number of measured directions M."""
        return int(self.ir.shape[0])

    @property
    def taps(self) -> int:
        return int(self.ir.shape[2])

    @cached_property
    def identity(self) -> str:
        """SHA-256 of the data, positions and rate: the key of cached decoders."""
        h = hashlib.sha256()
        for a in (self.ir, self.azimuth, self.elevation):
            h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
        h.update(str(int(self.rate)).encode())
        return h.hexdigest()

    def nearest(self, azimuth: float, elevation: float = 0.0) -> int:
        """Index of the measured direction closest (great circle) to the one given."""
        return int(
            np.argmax(unit_vectors(self.azimuth, self.elevation) @ unit_vectors(azimuth, elevation))
        )

    def resampled(self, rate: int) -> HrirSet:
        """The same set at ``rate`` Hz (soxr VHQ on every HRIR); ``self`` if already there."""
        rate = int(rate)
        if rate == self.rate:
            return self
        if not MIN_RATE <= rate <= MAX_RATE:
            raise HrtfError(
                f"{self.name}: cannot resample to {rate} Hz (allowed {MIN_RATE}..{MAX_RATE} Hz)"
            )
        m, _, n = self.ir.shape
        flat = resample(self.ir.reshape(m * 2, n), self.rate, rate).astype(np.float64)
        return HrirSet(
            flat.reshape(m, 2, -1),
            self.azimuth,
            self.elevation,
            rate,
            self.name,
            self.source,
            dict(self.info),
        )


def unit_vectors(azimuth: object, elevation: object) -> NDArray[np.float64]:
    """Cartesian unit vectors ``(..., 3)`` (x front, y left, z up) for angles in degrees."""
    az = np.radians(np.asarray(azimuth, dtype=np.float64))
    el = np.radians(np.asarray(elevation, dtype=np.float64))
    return np.stack([np.cos(az) * np.cos(el), np.sin(az) * np.cos(el), np.sin(el)], axis=-1)


def cartesian_to_spherical(
    xyz: NDArray[np.floating],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Azimuth and elevation in degrees of cartesian positions ``(M, 3)``."""
    x, y, z = (np.asarray(xyz, dtype=np.float64)[:, i] for i in range(3))
    az = np.degrees(np.arctan2(y, x))
    el = np.degrees(np.arctan2(z, np.hypot(x, y)))
    return az, el
