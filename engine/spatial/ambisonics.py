"""First-order Ambisonics in AmbiX (ACN order W, Y, Z, X; SN3D).

For a plane wave ``s`` from azimuth φ and elevation θ (degrees; +90 azimuth = left):
``W = s, Y = s·sin φ·cos θ, Z = s·sin θ, X = s·cos φ·cos θ``.
FuMa (.amb, order W, X, Y, Z with W = s/√2) is only an import/export format.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .trajectory import REFERENCE_DISTANCE, Trajectory

SQRT2 = float(np.sqrt(2.0))
MIN_DISTANCE = 0.25  # metres; the 1/r gain is capped at 1/MIN_DISTANCE (+12 dB)


def sh_gains(azimuth: ArrayLike, elevation: ArrayLike) -> NDArray[np.float64]:
    """First-order SN3D/ACN encoding gains ``(4, ...)`` for directions in degrees."""
    az = np.radians(np.asarray(azimuth, dtype=np.float64))
    el = np.radians(np.asarray(elevation, dtype=np.float64))
    cos_el = np.cos(el)
    return np.stack([np.ones_like(az), np.sin(az) * cos_el, np.sin(el), np.cos(az) * cos_el])


def encode_static(mono: ArrayLike, azimuth: float, elevation: float = 0.0) -> NDArray[np.float32]:
    """Encode a mono signal ``(samples,)`` at one direction → ``(4, samples)`` float32."""
    x = _as_mono(mono)
    return (sh_gains(azimuth, elevation)[:, None] * x[None, :]).astype(np.float32)


def distance_gain(distance: ArrayLike) -> NDArray[np.float64]:
    """1/r gain relative to the 1 m reference distance, with a floor at :data:`MIN_DISTANCE`."""
    return REFERENCE_DISTANCE / np.maximum(np.asarray(distance, dtype=np.float64), MIN_DISTANCE)


def air_cutoff_hz(distance: ArrayLike) -> NDArray[np.float64]:
    """Cut-off of the air-absorption low-pass: 20 kHz / (1 + r / 12 m).

    A rough fit of ISO 9613-1 at 20 °C, 50 % humidity: about −1.5 dB at 10 kHz for 10 m and
    −15 dB for 100 m, which a one-pole low-pass at this cut-off reproduces to a few dB.
    """
    return 20000.0 / (1.0 + np.asarray(distance, dtype=np.float64) / 12.0)


def air_absorption(
    mono: ArrayLike, distance: ArrayLike, rate: float, bands: int = 12
) -> NDArray[np.float64]:
    """Low-pass ``mono`` with a cut-off that follows ``distance`` (per sample, metres).

    A time-varying filter without zipper noise: the signal is run through ``bands`` fixed
    one-pole low-passes spaced logarithmically over the cut-offs the path needs, and each
    sample crossfades between the two neighbouring outputs.
    """
    from scipy.signal import lfilter  # scipy.signal takes ~0.6 s to import: only when used

    x = np.asarray(mono, dtype=np.float64)
    fc = np.minimum(air_cutoff_hz(np.broadcast_to(distance, x.shape)), 0.45 * rate)
    lo, hi = float(fc.min()), float(fc.max())
    if hi / lo < 1.001:
        bank_fc = np.array([lo])
    else:
        bank_fc = np.geomspace(lo, hi, bands)
    outputs = np.empty((len(bank_fc), x.size))
    for i, f in enumerate(bank_fc):
        a = np.exp(-2.0 * np.pi * f / rate)  # one-pole: y[n] = (1-a)·x[n] + a·y[n-1]
        outputs[i] = lfilter([1.0 - a], [1.0, -a], x)
    if len(bank_fc) == 1:
        return outputs[0]
    pos = np.interp(np.log(fc), np.log(bank_fc), np.arange(len(bank_fc)))
    i0 = np.minimum(pos.astype(int), len(bank_fc) - 2)
    frac = pos - i0
    idx = np.arange(x.size)
    return outputs[i0, idx] * (1.0 - frac) + outputs[i0 + 1, idx] * frac


def encode(
    mono: ArrayLike,
    trajectory: Trajectory,
    rate: float,
    *,
    distance: bool = False,
    air: bool = False,
) -> NDArray[np.float32]:
    """Encode ``mono`` (samples,) moving along ``trajectory`` → AmbiX ``(4, samples)`` float32.

    Gains are computed per sample from the path (linear in azimuth/elevation between
    keyframes, unwrapped across ±180°), so the motion has no zipper noise. With
    ``distance=True`` the 1/r gain of the keyframes' distances applies; with ``air=True``
    a distance-dependent low-pass (:func:`air_absorption`) too. A signal longer than the
    path holds the last position.
    """
    x = _as_mono(mono).astype(np.float64)
    az, el, dist = trajectory.sample_at_rate(rate, x.size, unwrap=True)
    if air:
        x = air_absorption(x, dist, rate)
    if distance:
        x = x * distance_gain(dist)
    return (sh_gains(az, el) * x[None, :]).astype(np.float32)


def _as_mono(mono: ArrayLike) -> NDArray[np.floating]:
    x = np.asarray(mono)
    if x.ndim == 2 and x.shape[0] == 1:
        x = x[0]
    if x.ndim != 1:
        raise ValueError(f"expected a mono signal of shape (samples,), got {x.shape}")
    return x


# --- format conversion ------------------------------------------------------------------
def ambix_to_fuma(foa: ArrayLike) -> NDArray[np.float32]:
    """AmbiX (W, Y, Z, X; SN3D) → FuMa (W/√2, X, Y, Z)."""
    w, y, z, x = _as_foa(foa)
    return np.stack([w / SQRT2, x, y, z]).astype(np.float32)


def fuma_to_ambix(foa: ArrayLike) -> NDArray[np.float32]:
    """FuMa (W, X, Y, Z with W = s/√2) → AmbiX (√2·W, Y, Z, X)."""
    w, x, y, z = _as_foa(foa)
    return np.stack([w * SQRT2, y, z, x]).astype(np.float32)


def _as_foa(foa: ArrayLike) -> NDArray[np.floating]:
    a = np.asarray(foa)
    if a.ndim != 2 or a.shape[0] != 4:
        raise ValueError(f"expected FOA of shape (4, samples), got {a.shape}")
    return a


# --- rotation ---------------------------------------------------------------------------
def rotation_matrix(yaw: float = 0.0, pitch: float = 0.0, roll: float = 0.0) -> NDArray[np.float64]:
    """3×3 rotation of directions (x front, y left, z up), angles in degrees.

    Applied in the order roll, then pitch, then yaw (R = Rz(yaw)·Ry(−pitch)·Rx(roll)):
    positive yaw turns the scene counter-clockwise (a front source moves to the left),
    positive pitch lifts the front (a front source moves up), positive roll lifts the left
    (a source on the left moves up).
    """
    cy, sy = np.cos(np.radians(yaw)), np.sin(np.radians(yaw))
    cp, sp = np.cos(np.radians(pitch)), np.sin(np.radians(pitch))
    cr, sr = np.cos(np.radians(roll)), np.sin(np.radians(roll))
    rz = np.array([[cy, -sy, 0.0], [sy, cy, 0.0], [0.0, 0.0, 1.0]])
    ry = np.array([[cp, 0.0, -sp], [0.0, 1.0, 0.0], [sp, 0.0, cp]])  # lifts +x towards +z
    rx = np.array([[1.0, 0.0, 0.0], [0.0, cr, -sr], [0.0, sr, cr]])
    return rz @ ry @ rx


def foa_rotation_matrix(
    yaw: float = 0.0, pitch: float = 0.0, roll: float = 0.0
) -> NDArray[np.float64]:
    """4×4 matrix that rotates an AmbiX scene: ``rotated = M @ foa``."""
    r = rotation_matrix(yaw, pitch, roll)
    # Channels 1..3 hold the (y, z, x) components; P maps them to cartesian (x, y, z).
    acn_to_xyz = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]], dtype=np.float64)  # xyz = P @ yzx
    m = np.eye(4)
    m[1:, 1:] = acn_to_xyz.T @ r @ acn_to_xyz
    return m


def rotate(
    foa: ArrayLike, yaw: float = 0.0, pitch: float = 0.0, roll: float = 0.0
) -> NDArray[np.float32]:
    """Rotate an AmbiX scene ``(4, samples)`` (see :func:`rotation_matrix` for the signs)."""
    a = _as_foa(foa)
    return (foa_rotation_matrix(yaw, pitch, roll) @ a).astype(np.float32)
