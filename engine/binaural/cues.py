"""Interaural cues of a binaural signal: level difference (ILD) and time difference (ITD).

Used by the tests and the benchmark notes to check a decoder on the real HRTF. Signs follow
the engine's convention: positive means the LEFT ear is louder / hears the sound first.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.signal import butter, correlate, correlation_lags, sosfiltfilt

MAX_ITD_S = 1.0e-3  # the largest physical ITD of a human head is about 0.7–0.8 ms
ITD_LOWPASS_HZ = 1500.0  # ITD is a low-frequency cue; above this the phase is ambiguous


def ild_db(binaural: ArrayLike) -> float:
    """Broadband level difference left − right in dB of ``(2, samples)``."""
    x = np.asarray(binaural, dtype=np.float64)
    return float(10 * np.log10(np.sum(x[0] ** 2) / np.sum(x[1] ** 2)))


def itd_seconds(binaural: ArrayLike, rate: int) -> float:
    """Time by which the left ear leads the right (s), from the low-passed cross-correlation.

    Positive: the sound reaches the left ear first. Searched within ±1 ms, refined to a
    fraction of a sample by a parabola through the peak.
    """
    x = np.asarray(binaural, dtype=np.float64)
    sos = butter(4, ITD_LOWPASS_HZ, fs=rate, output="sos")
    left, right = sosfiltfilt(sos, x, axis=-1)
    cc = correlate(right, left, mode="full", method="fft")  # peak at lag = right's delay
    lags = correlation_lags(right.size, left.size, mode="full")
    keep = np.abs(lags) <= int(np.ceil(MAX_ITD_S * rate))
    cc, lags = cc[keep], lags[keep]
    i = int(np.argmax(cc))
    frac = 0.0
    if 0 < i < cc.size - 1:
        a, b, c = cc[i - 1], cc[i], cc[i + 1]
        denom = a - 2 * b + c
        frac = 0.5 * (a - c) / denom if denom != 0 else 0.0
    return float((lags[i] + frac) / rate)
