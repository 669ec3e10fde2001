"""Reverberation measured from W: RT60 by Schroeder integration and the direct-to-reverberant ratio.

Schroeder (1965, JASA 37(3)) backward integration: the energy decay curve
``EDC(t) = Σ_{n ≥ t} w[n]²`` of a free decay is the ensemble mean of its squared envelope,
smooth enough to fit a line to. The RT60 is extrapolated from the slope between −5 and
−25 dB (T20, ISO 3382-1): ``RT60 = −60 / slope``.

A take is not an impulse response: its free decay is the part after the sound stops.
:func:`measure_decay` finds that part (the last stretch where the level only falls),
integrates from there, and estimates the direct-to-reverberant ratio from the drop at the
offset: before it the level is direct + reverberant ``E_ss``, just after it only the
reverberant part ``E_r`` (the fitted decay extrapolated back), so ``DRR ≈ (E_ss − E_r) / E_r``
(direct and early reflections against the late decay).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .room import Room
from .trajectory import Trajectory

FIT_DB = (-5.0, -25.0)  # T20
MID_BAND = (500.0 / math.sqrt(2.0), 1000.0 * math.sqrt(2.0))  # the 500 Hz and 1 kHz octaves


def band_limit(
    w: ArrayLike, rate: float, band: tuple[float, float] | None = MID_BAND
) -> NDArray[np.float64]:
    """``w`` through a 4th-order Butterworth band-pass (``None``: unchanged). Reverberation
    times are quoted at mid frequencies (ISO 3382-1 T_mid); a broadband EDC of a white
    signal would follow the fast-decaying highest octaves instead."""
    x = np.asarray(w, dtype=np.float64)
    if band is None:
        return x
    from scipy.signal import butter, sosfilt  # scipy.signal imports slowly: only when used

    lo, hi = band[0], min(band[1], 0.45 * rate)
    return sosfilt(butter(4, [lo, hi], btype="bandpass", fs=rate, output="sos"), x)


@dataclass(frozen=True)
class DecayMeasurement:
    """RT60 (s) and DRR (dB) of a take; ``None`` where the take has no usable free decay."""

    rt60: float | None
    drr_db: float | None
    offset_time: float | None

    def to_dict(self) -> dict[str, Any]:
        rnd = lambda v, n: None if v is None else round(v, n)  # noqa: E731
        return {
            "rt60": rnd(self.rt60, 3),
            "drr_db": rnd(self.drr_db, 2),
            "offset_time": rnd(self.offset_time, 3),
        }


def schroeder_edc_db(w: ArrayLike) -> NDArray[np.float64]:
    """Energy decay curve in dB re its start: ``10·log10(Σ_{m ≥ n} w[m]² / Σ w²)``."""
    e = np.asarray(w, dtype=np.float64) ** 2
    edc = np.cumsum(e[::-1])[::-1]
    return 10.0 * np.log10(np.maximum(edc, 1e-300) / max(edc[0], 1e-300))


def _fit_slope(
    edc_db: NDArray[np.float64], rate: float, fit: tuple[float, float]
) -> tuple[float, float] | None:
    """Slope (dB/s) and intercept (dB at sample 0) of a line through the EDC between the
    ``fit`` levels; ``None`` when the EDC does not reach the lower one."""
    hi, lo = fit
    below_hi = np.nonzero(edc_db <= hi)[0]
    below_lo = np.nonzero(edc_db <= lo)[0]
    if below_hi.size == 0 or below_lo.size == 0:
        return None
    i0, i1 = int(below_hi[0]), int(below_lo[0])
    if i1 - i0 < 8:
        return None
    t = np.arange(i0, i1) / rate
    slope, intercept = np.polyfit(t, edc_db[i0:i1], 1)
    if slope >= 0:
        return None
    return float(slope), float(intercept)


def rt60_from_ir(
    w: ArrayLike,
    rate: float,
    fit: tuple[float, float] = FIT_DB,
    band: tuple[float, float] | None = MID_BAND,
) -> float | None:
    """RT60 in seconds of an impulse response's W channel (Schroeder; T20 in the
    500 Hz–1 kHz octaves by default)."""
    x = band_limit(w, rate, band)
    start = int(np.argmax(np.abs(x)))
    line = _fit_slope(schroeder_edc_db(x[start:]), rate, fit)
    return None if line is None else -60.0 / line[0]


def drr_from_ir(w: ArrayLike, rate: float, window: float = 0.0025) -> float:
    """Direct-to-reverberant ratio in dB of an impulse response's W channel: the energy
    within ``window`` seconds of the direct peak against all later energy."""
    x = np.asarray(w, dtype=np.float64)
    peak = int(np.argmax(np.abs(x)))
    half = max(1, int(round(window * rate)))
    direct = float(np.sum(x[max(0, peak - half) : peak + half + 1] ** 2))
    late = float(np.sum(x[peak + half + 1 :] ** 2))
    return 10.0 * math.log10(max(direct, 1e-300) / max(late, 1e-300))


def _envelope_db(
    x: NDArray[np.float64], rate: float, frame: float, hop: float
) -> tuple[NDArray[np.float64], int, int]:
    n_frame, n_hop = max(1, int(frame * rate)), max(1, int(hop * rate))
    if x.size < n_frame:
        return np.full(1, 10 * math.log10(max(float(np.mean(x**2)), 1e-300))), n_frame, n_hop
    c = np.concatenate([[0.0], np.cumsum(x**2)])
    starts = np.arange(0, x.size - n_frame + 1, n_hop)
    e = (c[starts + n_frame] - c[starts]) / n_frame
    return 10.0 * np.log10(np.maximum(e, 1e-300)), n_frame, n_hop


def measure_decay(
    w: ArrayLike,
    rate: float,
    fit: tuple[float, float] = FIT_DB,
    band: tuple[float, float] | None = MID_BAND,
    tolerance_db: float = 10.0,
) -> DecayMeasurement:
    """RT60 and DRR of a take's W channel from its final free decay (see the module doc).

    The decay starts at the last 10 ms frame within 3 dB of the loudest level of the final
    falling stretch (50 ms frames, a rise of more than ``tolerance_db`` ends the stretch).
    Measured in ``band`` (the mid-frequency octaves by default).
    """
    x = band_limit(w, rate, band)
    if x.size < int(0.1 * rate) or not np.any(x):
        return DecayMeasurement(None, None, None)
    env, n_frame, n_hop = _envelope_db(x, rate, 0.05, 0.01)
    alive = np.nonzero(env > env.max() - 100.0)[0]
    i = int(alive[-1])
    run_max, arg = env[i], i
    while i > 0:
        i -= 1
        if env[i] > run_max:
            run_max, arg = env[i], i
        elif env[i] < run_max - tolerance_db:
            break
    fine, f_frame, f_hop = _envelope_db(x, rate, 0.01, 0.005)
    from_sample = arg * n_hop
    loud = np.nonzero(fine[from_sample // f_hop :] >= run_max - 3.0)[0]
    off = (from_sample // f_hop + (int(loud[-1]) if loud.size else 0)) * f_hop + f_frame
    tail = x[off:]
    if tail.size < int(0.05 * rate):
        return DecayMeasurement(None, None, off / rate)
    edc = np.cumsum((tail**2)[::-1])[::-1]
    total = edc[0]
    line = _fit_slope(10.0 * np.log10(np.maximum(edc, 1e-300) / total), rate, fit)
    if line is None:
        return DecayMeasurement(None, None, off / rate)
    slope, intercept = line
    rt60 = -60.0 / slope
    k = -slope * math.log(10.0) / 10.0  # energy decay rate 1/s
    e_rev = k / rate * total * 10.0 ** (intercept / 10.0)  # per-sample late energy at the offset
    before = x[max(0, off - f_frame - int(0.05 * rate)) : max(1, off - f_frame)]
    e_ss = float(np.mean(before**2)) if before.size else 0.0
    # No drop at the offset (a sound that faded out, a moving level): no DRR to read.
    drr = 10.0 * math.log10((e_ss - e_rev) / e_rev) if e_ss > 1.05 * e_rev > 0 else None
    return DecayMeasurement(rt60, drr, off / rate)


def room_report(
    foa: ArrayLike,
    rate: int,
    room: Room | None = None,
    distance: float | None = None,
    path: Trajectory | None = None,
) -> dict[str, Any]:
    """Measured RT60 and DRR of a take (W, its final free decay) and, for a take made in
    ``room`` (at ``distance`` metres, or the path's distances), the same measures of a
    reference noise burst rendered there at the path's start, with the differences.

    Returns ``{"measured": …}`` plus ``"requested"`` and ``"errors"`` when ``room`` is given
    (for ``ambisketch analyze`` and the generator's evaluation).
    """
    from .room_render import render_in_room  # the renderer only when a reference is needed

    measured = measure_decay(np.asarray(foa)[0], rate)
    out: dict[str, Any] = {"measured": measured.to_dict()}
    if room is None:
        return out
    start = path if path is not None else Trajectory.static(0.0)
    az, el, dist = start.sample(np.zeros(1))
    d = distance if distance is not None else float(dist[0])
    burst = np.random.default_rng(0).standard_normal(int(rate))
    ref = render_in_room(
        burst, Trajectory.static(float(az[0]), float(el[0]), 1.0), rate, room, distance=d, air=False
    )
    drr_ref = measure_decay(ref.foa[0], rate).drr_db
    out["requested"] = {
        "room": room.name,
        "rt60": round(room.rt60, 3),
        "distance": round(d, 3),
        "drr_db": None if drr_ref is None else round(drr_ref, 2),
    }
    errors: dict[str, Any] = {}
    if measured.rt60 is not None:
        errors["rt60_s"] = round(measured.rt60 - room.rt60, 3)
        errors["rt60_relative"] = round(measured.rt60 / room.rt60 - 1.0, 3)
    if measured.drr_db is not None and drr_ref is not None:
        errors["drr_db"] = round(measured.drr_db - drr_ref, 2)
    out["errors"] = errors
    return out
