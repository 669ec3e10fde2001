"""Loudness after ITU-R BS.1770-4 / EBU R 128: integrated loudness, loudness range, true peak,
and normalisation to a target by gain alone.

What is measured on which channels:

* **AmbiX (FOA)**: integrated loudness and loudness range on **W** alone. W is the
  omnidirectional pressure signal (SN3D: a source of signal ``s`` gives ``W = s``), so a take's
  loudness does not change when the scene turns, and a mono sound spatialised at any direction
  measures as loud as the mono sound itself. Summing Y, Z, X as if they were loudspeakers would
  make the figure depend on direction. The **true peak** is the highest of all four channels
  (any of them can clip in a fixed-point file).
* **Binaural / stereo**: both channels, weight 1 (BS.1770's L and R).
* **Loudspeaker feeds**: every channel weighted by its direction (BS.1770-4: 1.41, +1.5 dB, for
  loudspeakers at |elevation| < 30° and 60° ≤ |azimuth| ≤ 120°, 1.0 elsewhere), LFE left out.

The K-weighting filters are pyloudnorm's (``pyloudnorm.iirfilter.IIRfilter`` with BS.1770's
shelf and high-pass); the gating is computed here, vectorised over blocks and channels, the same
way as ``pyloudnorm.Meter`` (400 ms blocks, 75 % overlap, −70 LUFS absolute and −10 LU relative
gates), for any number of channels. Loudness range follows EBU Tech 3342 and its reference
code as pyloudnorm has it (3 s short-term windows every 90 ms over the signal and 1.5 s of
silence after it, −70 LUFS and −20 LU gates, 10th to 95th percentile). True peak follows
BS.1770-4 Annex 2: 4× oversampling below 96 kHz (2× below 192 kHz; soxr's filter), the
highest absolute sample, in dBTP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import EngineError

DEFAULT_TARGET_LUFS = -23.0  # EBU R 128
TRUE_PEAK_CEILING_DBTP = -1.0
MIN_TARGET_LUFS, MAX_TARGET_LUFS = -70.0, 0.0
ABSOLUTE_GATE = -70.0
BLOCK_S, BLOCK_STEP_S = 0.4, 0.1  # momentary blocks: 400 ms, 75 % overlap
SHORT_S, SHORT_STEP_S = 3.0, 0.09  # short-term windows for the loudness range (~11 Hz)
RANGE_TAIL_S = 1.5  # Tech 3342's reference code: the signal is followed by 1.5 s of silence
SURROUND_GAIN = 1.41  # BS.1770-4 weight of loudspeakers at the sides (+1.5 dB)


@dataclass(frozen=True)
class Loudness:
    """A measurement. ``integrated_lufs`` is ``-inf`` for silence (nothing above −70 LUFS);
    ``lra`` is None when no short-term window passes the gates (silence, under 1.5 s)."""

    integrated_lufs: float
    lra: float | None
    true_peak_dbtp: float
    measured_on: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``integrated_lufs``, ``lra``, ``true_peak_dbtp`` (None for −inf/NaN)."""
        return {
            "integrated_lufs": _finite(self.integrated_lufs),
            "lra": _finite(self.lra),
            "true_peak_dbtp": _finite(self.true_peak_dbtp),
            "measured_on": self.measured_on,
        }

    def line(self) -> str:
        lra = f"{self.lra:.1f} LU" if self.lra is not None else "n/a (too short or silent)"
        return (
            f"integrated {_db(self.integrated_lufs)} LUFS, range {lra}, true peak "
            f"{_db(self.true_peak_dbtp)} dBTP (measured on {self.measured_on})"
        )


@dataclass(frozen=True)
class Normalised:
    """The result of :func:`normalise`: the scaled samples and what was done."""

    samples: NDArray[np.float32]
    gain_db: float
    before: Loudness
    after: Loudness
    target_lufs: float
    limited: bool  # the true-peak ceiling, not the target, set the gain

    def message(self) -> str:
        """One line for the user; says so when the ceiling won over the target."""
        text = (
            f"loudness {_db(self.before.integrated_lufs)} → "
            f"{_db(self.after.integrated_lufs)} LUFS (gain {self.gain_db:+.1f} dB, true "
            f"peak {_db(self.after.true_peak_dbtp)} dBTP)"
        )
        if self.limited:
            text += (
                f"; the true-peak ceiling of {TRUE_PEAK_CEILING_DBTP:g} dBTP wins over the "
                f"target {self.target_lufs:g} LUFS"
            )
        return text


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), 2)


def _db(value: float) -> str:
    return f"{value:.1f}" if math.isfinite(value) else "-inf"


# --- weights ------------------------------------------------------------------------------
def speaker_weights(
    azimuths: ArrayLike, elevations: ArrayLike, lfe: ArrayLike | None = None
) -> NDArray[np.float64]:
    """BS.1770-4 channel weights for loudspeakers at these directions (degrees); LFE → 0."""
    az = np.abs((np.asarray(azimuths, dtype=np.float64) + 180.0) % 360.0 - 180.0)
    el = np.abs(np.asarray(elevations, dtype=np.float64))
    w = np.where((el < 30.0) & (az >= 60.0) & (az <= 120.0), SURROUND_GAIN, 1.0)
    if lfe is not None:
        w = np.where(np.asarray(lfe, dtype=bool), 0.0, w)
    return w


# --- measuring ----------------------------------------------------------------------------
def _k_weighted(x: NDArray[np.float64], rate: int) -> NDArray[np.float64]:
    """Both K-weighting stages (pyloudnorm's filter design), along the last axis."""
    from pyloudnorm.iirfilter import IIRfilter
    from scipy.signal import lfilter

    stages = (
        IIRfilter(4.0, 1 / np.sqrt(2), 1500.0, rate, "high_shelf"),
        IIRfilter(0.0, 0.5, 38.0, rate, "high_pass"),
    )
    for stage in stages:
        x = stage.passband_gain * lfilter(stage.b, stage.a, x, axis=-1)
    return x


def _block_power(
    kw: NDArray[np.float64], rate: int, weights: NDArray[np.float64], block_s: float, step_s: float
) -> NDArray[np.float64]:
    """Weighted mean-square power of each block (blocks laid out as pyloudnorm lays them)."""
    n = kw.shape[-1]
    length = n / rate
    if length < block_s:  # shorter than one block: the whole signal is the one block
        return weights @ np.mean(kw * kw, axis=-1, keepdims=True) if n else np.zeros(0)
    count = int(round((length - block_s) / step_s)) + 1
    starts = (block_s * (np.arange(count) * (step_s / block_s)) * rate).astype(np.int64)
    ends = (block_s * (np.arange(count) * (step_s / block_s) + 1) * rate).astype(np.int64)
    ends = np.minimum(ends, n)
    csum = np.concatenate([np.zeros((kw.shape[0], 1)), np.cumsum(kw * kw, axis=-1)], axis=-1)
    z = (csum[:, ends] - csum[:, starts]) / (block_s * rate)  # (channels, blocks)
    return weights @ z


def _lufs(power: NDArray[np.float64] | float) -> Any:
    with np.errstate(divide="ignore"):
        return -0.691 + 10.0 * np.log10(power)


def _integrated(power: NDArray[np.float64]) -> float:
    if power.size == 0:
        return float("-inf")
    loud = _lufs(power)
    above = loud >= ABSOLUTE_GATE
    if not above.any():
        return float("-inf")
    relative = float(_lufs(power[above].mean())) - 10.0
    gated = above & (loud > relative)
    if not gated.any():
        return float("-inf")
    return float(_lufs(power[gated].mean()))


def _range(power: NDArray[np.float64]) -> float | None:
    if power.size == 0:
        return None
    loud = _lufs(power)
    loud = loud[loud >= ABSOLUTE_GATE]
    if loud.size == 0:
        return None
    relative = 10.0 * np.log10(np.mean(10.0 ** (loud / 10.0))) - 20.0
    loud = loud[loud >= relative]
    if loud.size == 0:
        return None
    return float(np.percentile(loud, 95) - np.percentile(loud, 10))


def true_peak_dbtp(samples: ArrayLike, rate: int) -> float:
    """BS.1770-4 Annex 2 true peak over all channels, in dBTP (−inf for digital silence).

    The oversampling filter is soxr's (HQ, linear phase, in float32): a few times faster than
    a polyphase FIR in NumPy, and flatter than BS.1770's example 48-tap filter.
    """
    import soxr

    x = np.atleast_2d(np.asarray(samples, dtype=np.float32))
    if x.size == 0:
        return float("-inf")
    factor = 4 if rate < 96000 else 2 if rate < 192000 else 1
    peak = float(np.max(np.abs(x)))
    if factor > 1:
        up = soxr.resample(np.ascontiguousarray(x.T), rate, rate * factor, quality="HQ")
        peak = max(peak, float(np.max(np.abs(up))))
    return 20.0 * math.log10(peak) if peak > 0 else float("-inf")


@dataclass(frozen=True)
class _Blocks:
    """Block powers of one signal; a gain g scales them by g² (K-weighting is linear), so the
    loudness at any gain is read from them without filtering again."""

    momentary: NDArray[np.float64]
    short: NDArray[np.float64]
    true_peak: float
    where: str

    def at(self, gain_db: float = 0.0) -> Loudness:
        g2 = 10.0 ** (gain_db / 10.0)
        return Loudness(
            _integrated(self.momentary * g2),
            _range(self.short * g2),
            self.true_peak + gain_db,
            self.where,
        )


def _blocks(samples: ArrayLike, rate: int, ambix: bool, weights: ArrayLike | None) -> _Blocks:
    x = np.atleast_2d(np.asarray(samples, dtype=np.float64))
    if x.ndim != 2:
        raise ValueError(f"expected (channels, frames), got shape {x.shape}")
    if ambix and x.shape[0] != 4:
        raise ValueError(f"AmbiX FOA has 4 channels, got {x.shape[0]}")
    if ambix:
        sig, w, where = x[:1], np.ones(1), "W"
    else:
        sig = x
        w = np.ones(x.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
        if w.shape != (x.shape[0],):
            raise ValueError(f"{w.size} weights for {x.shape[0]} channels")
        where = f"{x.shape[0]} channel{'s' if x.shape[0] != 1 else ''}"
        if weights is not None:
            where += ", BS.1770 loudspeaker weights"
    keep = w > 0
    kw = _k_weighted(sig[keep], rate)
    momentary = _block_power(kw, rate, w[keep], BLOCK_S, BLOCK_STEP_S)
    tail = np.zeros((kw.shape[0], int(RANGE_TAIL_S * rate)))  # filtered silence stays silent
    short = _block_power(np.concatenate([kw, tail], axis=1), rate, w[keep], SHORT_S, SHORT_STEP_S)
    return _Blocks(momentary, short, true_peak_dbtp(x, rate), where)


def measure(
    samples: ArrayLike, rate: int, *, ambix: bool = False, weights: ArrayLike | None = None
) -> Loudness:
    """Integrated loudness, loudness range and true peak of ``(channels, frames)`` audio.

    Args:
        ambix: the audio is AmbiX FOA: loudness on W (channel 0), true peak on all four.
        weights: per-channel BS.1770 weights (e.g. :func:`speaker_weights`); default 1 each.
    """
    return _blocks(samples, rate, ambix, weights).at(0.0)


# --- normalising --------------------------------------------------------------------------
def check_target(target: float, what: str = "loudness target") -> float:
    """The target in LUFS, or :class:`EngineError` outside −70…0 LUFS."""
    value = float(target)
    if not (math.isfinite(value) and MIN_TARGET_LUFS <= value <= MAX_TARGET_LUFS):
        raise EngineError(
            f"{what} {target:g} LUFS is outside {MIN_TARGET_LUFS:g}…{MAX_TARGET_LUFS:g} LUFS"
        )
    return value


def normalise(
    samples: ArrayLike,
    rate: int,
    target_lufs: float,
    *,
    ambix: bool = False,
    weights: ArrayLike | None = None,
    name: str = "the audio",
    ceiling_dbtp: float = TRUE_PEAK_CEILING_DBTP,
) -> Normalised:
    """Scale ``samples`` to ``target_lufs`` by one gain; never past ``ceiling_dbtp``.

    Gain only (no limiter, no compression): when the gain that reaches the target would push
    the true peak above the ceiling, the ceiling sets the gain and :attr:`Normalised.limited`
    says so. Raises :class:`EngineError` for a target outside −70…0 LUFS and for silence
    (nothing above the −70 LUFS gate: "cannot normalise silence").
    """
    target = check_target(target_lufs)
    x = np.asarray(samples, dtype=np.float32)
    blocks = _blocks(x, rate, ambix, weights)
    before = blocks.at(0.0)
    if not math.isfinite(before.integrated_lufs):
        raise EngineError(
            f"{name}: cannot normalise silence (nothing above the {ABSOLUTE_GATE:g} LUFS gate)"
        )
    # The -70 LUFS gate is absolute: a gain lets quieter blocks in (or out), so the loudness
    # does not move by exactly the gain. Solve for the gain on the block powers.
    gain_db = target - before.integrated_lufs
    for _ in range(20):
        miss = target - blocks.at(gain_db).integrated_lufs
        if abs(miss) < 0.005:
            break
        gain_db += miss
    limited = before.true_peak_dbtp + gain_db > ceiling_dbtp + 1e-9
    if limited:
        gain_db = ceiling_dbtp - before.true_peak_dbtp
    gain = 10.0 ** (gain_db / 20.0)
    scaled = (x * np.float32(gain)).astype(np.float32)
    return Normalised(scaled, gain_db, before, blocks.at(gain_db), target, limited)


QUIET_FLOOR_DBFS = -100.0  # a take whose W peaks below this is silence, left as it is
QUIET_LIFT_MAX_DB = 60.0  # the most a take under the -70 LUFS gate is lifted before levelling


def normalise_take(
    foa: ArrayLike, rate: int, target_lufs: float | None
) -> tuple[NDArray[np.float32], float | None]:
    """A generated AmbiX take at ``target_lufs`` (None: as it is) and its integrated loudness
    on W, rounded to 0.01 LU (None for silence). A take so quiet that every block is under
    BS.1770's -70 LUFS gate, but not silence (W peaks above -100 dBFS), is first lifted by
    its ungated level (at most +60 dB) and then levelled: a model's near-silent take comes
    out at the asked loudness rather than inaudible. Digital silence stays as it is."""
    x = np.asarray(foa, dtype=np.float32)
    if target_lufs is not None:
        try:
            result = normalise(x, rate, target_lufs, ambix=True)
        except EngineError:  # under the gate: lift a quiet take once, leave silence
            lifted = _lift_quiet(x)
            if lifted is None:
                return x, None
            try:
                result = normalise(lifted, rate, target_lufs, ambix=True)
            except EngineError:
                return x, None
        return result.samples, round(result.after.integrated_lufs, 2)
    lufs = measure(x, rate, ambix=True).integrated_lufs
    return x, round(lufs, 2) if math.isfinite(lufs) else None


def _lift_quiet(x: NDArray[np.float32]) -> NDArray[np.float32] | None:
    """``x`` raised so that W's plain RMS is at -30 dBFS (at most +60 dB), or None when W
    peaks under :data:`QUIET_FLOOR_DBFS` (silence: nothing to lift)."""
    w = x[0].astype(np.float64) if x.ndim == 2 else x.astype(np.float64)
    peak = float(np.abs(w).max()) if w.size else 0.0
    if peak <= 10.0 ** (QUIET_FLOOR_DBFS / 20.0):
        return None
    rms_db = 10.0 * math.log10(float(np.mean(w * w)) + 1e-30)
    gain_db = min(-30.0 - rms_db, QUIET_LIFT_MAX_DB, -1.0 - 20.0 * math.log10(peak))
    if gain_db <= 0.0:
        return None
    return (x * np.float32(10.0 ** (gain_db / 20.0))).astype(np.float32)
