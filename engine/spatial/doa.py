"""Direction of arrival from the active intensity vector, and the papers' direction errors.

Per frame, ``I = Σ w[n]·W[n]·(X[n], Y[n], Z[n])`` (a Hann-weighted sum); azimuth =
atan2(Iy, Ix), elevation = atan2(Iz, √(Ix²+Iy²)) — SonicMotion's evaluation
(arXiv 2507.07318, §4). Frames whose energy lies more than ``gate_db`` below the loudest
frame (or below an absolute floor) are marked invalid and left out of the errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from .angles import azimuth_difference, from_cartesian, great_circle_angle
from .trajectory import Trajectory

ABSOLUTE_FLOOR_DB = -100.0  # dBFS frame energy below which a frame is never valid


@dataclass(frozen=True)
class DirectionTrack:
    """Direction per analysis frame. Angles in degrees; ``valid`` marks gated frames."""

    times: NDArray[np.float64]
    azimuth: NDArray[np.float64]
    elevation: NDArray[np.float64]
    energy_db: NDArray[np.float64]
    valid: NDArray[np.bool_]

    def to_dict(self) -> dict[str, Any]:
        return {
            "times": np.round(self.times, 4).tolist(),
            "azimuth": np.round(self.azimuth, 2).tolist(),
            "elevation": np.round(self.elevation, 2).tolist(),
            "energy_db": np.round(self.energy_db, 1).tolist(),
            "valid": self.valid.tolist(),
        }


@dataclass(frozen=True)
class DirectionErrors:
    """The papers' errors in degrees over the valid frames (mean is what they report)."""

    azimuth_l1: float
    elevation_l1: float
    spatial_angle: float
    azimuth_median: float
    elevation_median: float
    spatial_angle_median: float
    frames: int

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def intensity_doa(
    foa: NDArray[np.floating],
    rate: float,
    *,
    frame: float = 0.04,
    hop: float = 0.01,
    gate_db: float = 40.0,
) -> DirectionTrack:
    """Direction track of an AmbiX signal ``(4, samples)``.

    Args:
        foa: AmbiX W, Y, Z, X.
        rate: sample rate in Hz.
        frame: analysis window in seconds (Hann).
        hop: step between frames in seconds.
        gate_db: frames quieter than the loudest by more than this are invalid.
    """
    a = np.asarray(foa, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != 4:
        raise ValueError(f"expected FOA of shape (4, samples), got {a.shape}")
    n_frame = max(2, int(round(frame * rate)))
    n_hop = max(1, int(round(hop * rate)))
    if a.shape[1] < n_frame:  # pad short signals to one frame
        a = np.pad(a, ((0, 0), (0, n_frame - a.shape[1])))
    w, y, z, x = a
    window = np.hanning(n_frame + 2)[1:-1]
    window /= window.sum()

    def framed(signal: NDArray[np.float64]) -> NDArray[np.float64]:
        return sliding_window_view(signal, n_frame)[::n_hop] @ window

    ix, iy, iz = framed(w * x), framed(w * y), framed(w * z)
    energy = framed(w * w)
    energy_db = 10 * np.log10(np.maximum(energy, 1e-30))
    azimuth, elevation = from_cartesian(ix, iy, iz)
    threshold = max(energy_db.max() - gate_db, ABSOLUTE_FLOOR_DB)
    valid = (energy_db >= threshold) & (np.hypot(np.hypot(ix, iy), iz) > 0)
    times = (np.arange(energy.size) * n_hop + (n_frame - 1) / 2) / rate
    return DirectionTrack(np.asarray(times, dtype=np.float64), azimuth, elevation, energy_db, valid)


def _errors(
    az: NDArray[np.float64],
    el: NDArray[np.float64],
    az_ref: NDArray[np.float64],
    el_ref: NDArray[np.float64],
) -> DirectionErrors:
    if az.size == 0:
        nan = float("nan")
        return DirectionErrors(nan, nan, nan, nan, nan, nan, 0)
    d_az = np.abs(azimuth_difference(az, az_ref))
    d_el = np.abs(el - el_ref)
    d_sp = great_circle_angle(az, el, az_ref, el_ref)
    return DirectionErrors(
        float(d_az.mean()),
        float(d_el.mean()),
        float(d_sp.mean()),
        float(np.median(d_az)),
        float(np.median(d_el)),
        float(np.median(d_sp)),
        int(az.size),
    )


def direction_errors(track: DirectionTrack, trajectory: Trajectory) -> DirectionErrors:
    """Compare a measured track with the intended path over the track's valid frames."""
    mask = track.valid
    az_ref, el_ref, _ = trajectory.sample(track.times[mask])
    return _errors(track.azimuth[mask], track.elevation[mask], az_ref, el_ref)


def compare_tracks(test: DirectionTrack, reference: DirectionTrack) -> DirectionErrors:
    """Errors of ``test`` against ``reference`` (e.g. a codec's reconstruction against its
    input) over the frames valid in both; the tracks must come from the same settings."""
    n = min(test.times.size, reference.times.size)
    mask = test.valid[:n] & reference.valid[:n]
    return _errors(
        test.azimuth[:n][mask],
        test.elevation[:n][mask],
        reference.azimuth[:n][mask],
        reference.elevation[:n][mask],
    )
