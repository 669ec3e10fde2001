"""A sound in a shoebox room, in First-Order Ambisonics: image sources and a diffuse tail.

Room coordinates (metres) share the listener's axes: x from the back wall (0) to the front
wall (``depth``), y from the right wall (0) to the left wall (``width``), z from the floor (0)
to the ceiling (``height``). The listener faces +x, so a sound at (azimuth, elevation,
distance) from the listener sits at ``listener + distance·(cos az cos el, sin az cos el, sin el)``
and the AmbiX gains of an arrival from the vector ``v`` are ``(1, v_y, v_z, v_x)/|v|``.

The response is a hybrid, the usual one for real-time rooms:

* **Direct path and early reflections** — the image-source method for a rectangular room
  (Allen & Berkley 1979, JASA 65(4)): along each axis of length ``L`` the images of a source
  at ``s`` lie at ``(1 − 2p)·s + 2qL`` (``p ∈ {0, 1}``, ``q ∈ ℤ``) after ``|q − p|``
  reflections off the wall at 0 and ``|q|`` off the wall at ``L``; an image of order
  ``n ≤ max_order`` arrives after ``r/c`` seconds with pressure gain ``∏ β_wall / r``
  (``β = √(1 − α)``) from the direction of the image. A moving source moves its images
  per sample; each path is read from a delay line with linear interpolation (smooth gains,
  smooth directions; the changing delays are the Doppler shift).
* **Late tail** — independent noise per channel (a diffuse field: W variance ``e(t)``, Y/Z/X
  ``e(t)/3`` in SN3D), in octave bands, each decaying as ``e_b(t) ∝ exp(−13.8·t / T_b)``
  with ``T_b`` from Sabine's formula including air absorption, ``T = 0.161·V / (S·ᾱ + 4·m_b·V)``
  (Sabine 1922; Eyring 1930 for :meth:`Room.rt60_eyring`). Its energy is the diffuse-field
  energy of statistical room acoustics, ``E_rev = 16π / R`` with ``R = S·ᾱ / (1 − ᾱ)``
  (relative to the direct sound at 1 m), so the direct-to-reverberant ratio falls with
  distance as in a real room and is 0 dB at the critical distance ``√(R / 16π)``. The tail
  fades in where the image sources stop being complete.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import RoomError
from .ambisonics import MIN_DISTANCE, air_absorption
from .room import BAND_CENTRES, DECAY_60, SPEED_OF_SOUND, Room, source_positions
from .trajectory import Trajectory

Image = tuple[NDArray[np.int64], NDArray[np.int64], float, int]


def image_sources(room: Room, max_order: int) -> list[Image]:
    """The images up to ``max_order`` reflections: per image ``(p, q, β-product, order)``
    with ``p, q`` of shape (3,) for the x, y, z axes (Allen & Berkley 1979)."""
    if not isinstance(max_order, int) or max_order < 0:
        raise RoomError(f"max_order must be an integer >= 0, got {max_order!r}")
    beta = np.sqrt(1.0 - np.asarray(room.absorption))  # back, front, right, left, floor, ceiling
    out = []
    rng = range(-max_order, max_order + 1)
    for px in (0, 1):
        for py in (0, 1):
            for pz in (0, 1):
                p = np.array([px, py, pz])
                for qx in rng:
                    for qy in rng:
                        for qz in rng:
                            q = np.array([qx, qy, qz])
                            n_low, n_high = np.abs(q - p), np.abs(q)  # hits of walls at 0 and at L
                            order = int(n_low.sum() + n_high.sum())
                            if order > max_order:
                                continue
                            gain = float(
                                np.prod(beta[0::2] ** n_low) * np.prod(beta[1::2] ** n_high)
                            )
                            out.append((p, q, gain, order))
    out.sort(key=lambda im: im[3])
    return out


# --- rendering ----------------------------------------------------------------------
@dataclass(frozen=True)
class RoomRender:
    """A rendered take: ``foa`` AmbiX ``(4, samples)`` float32 and what shaped it."""

    foa: NDArray[np.float32]
    rate: int
    room: Room
    images: int
    tail_start: float
    clamped: bool
    mean_distance: float


def _tail_start(room: Room, max_order: int) -> float:
    """Seconds after which the image sources up to ``max_order`` miss reflections: the
    (order+1)-th round trip across the room's smallest dimension."""
    return (max_order + 1) * min(room.size_xyz) / SPEED_OF_SOUND


def late_tail(room: Room, rate: int, start: float, seed: int = 0) -> NDArray[np.float64]:
    """The diffuse tail impulse response ``(4, n)`` (see the module doc), fading in over
    ``[start/2, start]`` and lasting until the slowest band is 72 dB down."""
    t_band = room.band_rt60()
    from scipy.fft import next_fast_len  # a length with small prime factors: fast FFTs

    n = next_fast_len(int(math.ceil((1.2 * float(t_band.max()) + start) * rate)), real=True)
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((4, n))
    noise[1:] /= math.sqrt(3.0)  # SN3D diffuse field: E[Y²] = E[Z²] = E[X²] = E[W²]/3
    spec = np.fft.rfft(noise, axis=1)
    freqs = np.fft.rfftfreq(n, 1.0 / rate)
    edges = [0.0] + [c * math.sqrt(2.0) for c in BAND_CENTRES[:-1]] + [np.inf]
    t = np.arange(n) / rate
    tail = np.zeros((4, n))
    for b, tb in enumerate(t_band):
        mask = (freqs >= edges[b]) & (freqs < edges[b + 1])
        share = mask.sum() / freqs.size  # white noise: the band's part of the variance
        if share == 0:
            continue
        band = np.fft.irfft(spec * mask, n=n, axis=1) / math.sqrt(share)  # unit variance again
        k = DECAY_60 / tb
        energy = 16.0 * math.pi / room.room_constant(b)  # E_rev of this band
        tail += band * (math.sqrt(share * energy * k / rate) * np.exp(-0.5 * k * t))
    fade = np.clip((t - 0.5 * start) / max(0.5 * start, 1e-6), 0.0, 1.0)
    return tail * (0.5 - 0.5 * np.cos(np.pi * fade))


def render_in_room(
    mono: ArrayLike,
    trajectory: Trajectory,
    rate: int,
    room: Room,
    *,
    distance: float | None = None,
    max_order: int = 3,
    air: bool = True,
    doppler: bool = False,
    late: bool = True,
    ring_out: bool = True,
    seed: int = 0,
) -> RoomRender:
    """Place ``mono`` (samples,) on ``trajectory`` inside ``room`` → AmbiX ``(4, n)`` float32.

    Args:
        distance: metres from the listener throughout (else the path's keyframe distances,
            1 m where a keyframe has none); kept inside the walls along the path's direction.
        max_order: image-source reflection order (3: 63 images).
        air: a distance-dependent low-pass on each path (:func:`ambisonics.air_absorption`).
        doppler: keep the direct path's changing delay (pitch shift of a moving source);
            without it every path's delay is taken relative to the direct path's mean delay,
            so the direct sound keeps a constant propagation delay and no pitch shift.
        late: add the diffuse tail; ``ring_out``: the output lasts until the tail has
            decayed (else as long as the input).
        seed: the tail's noise (renders are deterministic).

    The direct path at 1 m has gain 1 (W); every path's gain is ``β-product / r``.
    """
    x = np.asarray(mono, dtype=np.float64)
    if x.ndim == 2 and x.shape[0] == 1:
        x = x[0]
    if x.ndim != 1:
        raise ValueError(f"expected a mono signal of shape (samples,), got {x.shape}")
    images = image_sources(room, max_order)
    start = _tail_start(room, max_order)
    tail = late_tail(room, rate, start, seed) if late else np.zeros((4, 0))
    n_in = x.size
    pos, clamped = source_positions(room, trajectory, rate, n_in, distance)
    listener = np.asarray(room.listener)[:, None]
    size = np.asarray(room.size_xyz)[:, None]
    r_direct = np.linalg.norm(pos - listener, axis=0)
    max_path = float(r_direct.max()) + 2.0 * max_order * float(np.linalg.norm(size))
    ring = max(tail.shape[1], int(max_path / SPEED_OF_SOUND * rate) + 2)
    n_out = n_in + (ring if ring_out else 0)
    # Geometry is taken at the output sample m, which reads the input at m − delay(m): the
    # source's position at reception instead of emission (an error of v/c, under 3 %).
    if n_out > n_in:  # after the input ends the source holds its last position
        pos = np.concatenate([pos, np.repeat(pos[:, -1:], n_out - n_in, axis=1)], axis=1)
    d_direct = np.linalg.norm(pos - listener, axis=0) / SPEED_OF_SOUND * rate
    shift = (d_direct.mean() - d_direct) if not doppler else np.zeros(n_out)
    # Every read lands in a zero-padded copy of the input: no bounds checks per sample.
    pad = int(math.ceil(max_path / SPEED_OF_SOUND * rate + float(np.abs(shift).max()))) + 2
    base = np.arange(n_out, dtype=np.float64) + pad - shift  # read position before the delay
    padded: dict[int | None, NDArray[np.float64]] = {}

    def buffer(key: int | None, signal: NDArray[np.float64]) -> NDArray[np.float64]:
        buf = np.zeros(pad + n_out + 2)
        buf[pad : pad + n_in] = signal
        if key is not None:
            padded[key] = buf
        return buf

    out = np.zeros((4, n_out))
    to_samples = rate / SPEED_OF_SOUND
    for p, q, gain, order in images:
        offset = 2.0 * q * size[:, 0] - listener[:, 0]
        vx, vy, vz = (pos[a] * float(1 - 2 * p[a]) + offset[a] for a in range(3))
        r = np.sqrt(vx * vx + vy * vy + vz * vz)
        if air and order == 0:
            src = buffer(None, air_absorption(x, r[:n_in], rate))
        else:  # reflections: a fixed low-pass for the image's mean distance, shared
            key = int(round(4.0 * math.log2(max(float(r.mean()), 1.0)))) if air else -1
            cached = padded.get(key)
            src = (
                cached
                if cached is not None
                else buffer(key, air_absorption(x, 2.0 ** (key / 4.0), rate) if air else x)
            )
        read = base - r * to_samples  # linear interpolation at the fractional read position
        i0 = read.astype(np.int64)  # read >= 1: truncation is floor
        read -= i0
        sig = src[i0]
        sig += (src[i0 + 1] - sig) * read
        r_safe = np.maximum(r, MIN_DISTANCE, out=r)
        sig *= gain / r_safe
        out[0] += sig
        sig /= r_safe  # direction cosines: v / r
        out[1] += sig * vy
        out[2] += sig * vz
        out[3] += sig * vx
    if late and tail.shape[1]:
        from scipy.signal import fftconvolve  # scipy.signal imports slowly: only when used

        wet = fftconvolve(x[None, :], tail, axes=1)[:, :n_out]
        out[:, : wet.shape[1]] += wet
    return RoomRender(
        out.astype(np.float32), int(rate), room, len(images), start, clamped, float(r_direct.mean())
    )


def room_impulse_response(
    room: Room,
    rate: int,
    azimuth: float = 0.0,
    elevation: float = 0.0,
    distance: float = 2.0,
    **kwargs: Any,
) -> NDArray[np.float32]:
    """The AmbiX impulse response ``(4, n)`` from a static source at (azimuth, elevation,
    distance) to the listener (same options as :func:`render_in_room`)."""
    impulse = np.zeros(1)
    impulse[0] = 1.0
    traj = Trajectory.static(azimuth, elevation, duration=1.0)
    kwargs.setdefault("air", False)
    return render_in_room(impulse, traj, rate, room, distance=distance, **kwargs).foa
