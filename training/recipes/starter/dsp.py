"""Small DSP building blocks for the procedural sounds (mono float64 arrays at ``rate`` Hz)."""

from __future__ import annotations

from functools import lru_cache
from typing import cast

import numpy as np
from numpy.typing import NDArray
from scipy.signal import butter, sosfilt

Array = NDArray[np.float64]


def t_axis(seconds: float, rate: int) -> Array:
    return np.arange(int(seconds * rate)) / rate


def white(n: int, rng: np.random.Generator) -> Array:
    return rng.standard_normal(n)


def colored(n: int, rng: np.random.Generator, slope_db: float) -> Array:
    """Noise with a spectral slope of ``slope_db`` per octave (−3 pink, −6 brown)."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(spec.size, dtype=np.float64)
    f[0] = 1.0
    spec *= f ** (slope_db / 6.0206)
    x = np.fft.irfft(spec, n)
    return x / (np.std(x) + 1e-12)


def band(
    x: NDArray[np.floating], lo: float | None, hi: float | None, rate: int, order: int = 2
) -> Array:
    """Butterworth band-, low- (``lo=None``) or high-pass (``hi=None``)."""
    r = lambda v: None if v is None else round(float(v), 1)  # noqa: E731 (cache-friendly keys)
    return sosfilt(_sos(r(lo), r(hi), rate, order), x)


@lru_cache(maxsize=512)
def _sos(lo: float | None, hi: float | None, rate: int, order: int) -> Array:
    nyq = rate / 2.0
    if lo is not None and hi is not None:
        return butter(
            order, [max(lo, 1.0) / nyq, min(hi, nyq * 0.98) / nyq], "bandpass", output="sos"
        )
    if hi is not None:
        return butter(order, min(hi, nyq * 0.98) / nyq, "lowpass", output="sos")
    return butter(order, max(lo or 1.0, 1.0) / nyq, "highpass", output="sos")


def resonator(x: Array, freq: float, q: float, rate: int) -> Array:
    """A two-pole resonant band-pass (peak gain ≈ 1) at ``freq`` with quality ``q``."""
    r = np.exp(-np.pi * freq / q / rate)
    w = 2 * np.pi * freq / rate
    from scipy.signal import lfilter

    return lfilter([1 - r], [1, -2 * r * np.cos(w), r * r], x)


def modal(
    freqs: Array | list[float],
    decays: Array | list[float],
    amps: Array | list[float],
    seconds: float,
    rate: int,
    phase_rng: np.random.Generator | None = None,
) -> Array:
    """Sum of exponentially decaying sines: a struck resonant body (bells, bars, plates).

    ``decays`` are T60 times in seconds; partials above Nyquist are dropped.
    """
    t = t_axis(seconds, rate)
    out = np.zeros_like(t)
    for f, d, a in zip(freqs, decays, amps):
        if f >= rate * 0.45:
            continue
        ph = phase_rng.uniform(0, 2 * np.pi) if phase_rng is not None else 0.0
        out += a * np.exp(-6.91 * t / d) * np.sin(2 * np.pi * f * t + ph)
    return out


def strike(seconds: float, rate: int, rng: np.random.Generator, hardness: float = 0.5) -> Array:
    """A short noise click (the mallet contact), brighter when ``hardness`` is higher."""
    n = max(8, int(seconds * rate))
    x = white(n, rng) * np.exp(-np.linspace(0, 8, n))
    return band(x, None, 1500 + hardness * 6000, rate)


def place(dst: Array, src: Array, start_s: float, rate: int, gain: float = 1.0) -> None:
    """Add ``src`` into ``dst`` at ``start_s`` seconds (clipped at the end)."""
    i = int(start_s * rate)
    if i >= dst.size or i < 0:
        return
    m = min(src.size, dst.size - i)
    dst[i : i + m] += gain * src[:m]


def adsr(n: int, rate: int, attack: float, release: float) -> Array:
    """Linear fade in and out (seconds) over ``n`` samples."""
    env = np.ones(n)
    a, r = min(n // 2, int(attack * rate)), min(n // 2, int(release * rate))
    if a:
        env[:a] = np.linspace(0, 1, a)
    if r:
        env[n - r :] = np.linspace(1, 0, r)
    return env


def smooth_random(n: int, rate: int, rng: np.random.Generator, hz: float) -> Array:
    """A slowly wandering curve in about [-1, 1] (low-passed noise at ``hz``)."""
    k = max(2, int(n / rate * hz) + 2)
    pts = rng.uniform(-1, 1, k)
    return np.interp(np.linspace(0, k - 1, n), np.arange(k), pts)


def osc(freq: Array | float, n: int, rate: int, shape: str = "sine") -> Array:
    """Oscillator with a per-sample frequency (phase-integrated: no clicks on glides)."""
    f = np.broadcast_to(np.asarray(freq, dtype=np.float64), (n,))
    ph = 2 * np.pi * np.cumsum(f) / rate
    if shape == "sine":
        return np.sin(ph)
    if shape == "square":
        return np.tanh(4 * np.sin(ph))
    if shape == "saw":  # band-limited-ish: a few harmonics
        return cast(Array, sum(np.sin(k * ph) / k for k in range(1, 12))) * 0.6
    raise ValueError(f"unknown shape {shape!r}")


def finish(
    x: Array, rate: int, rng: np.random.Generator, fade: float = 0.01
) -> NDArray[np.float32]:
    """Remove DC, fade the edges, normalise the peak to a random −1…−9 dBFS."""
    x = x - np.mean(x)
    x = x * adsr(x.size, rate, fade, fade)
    peak = np.max(np.abs(x)) + 1e-12
    return (x / peak * 10 ** (rng.uniform(-9, -1) / 20)).astype(np.float32)


def add(*parts: Array) -> Array:
    """Sum signals of different lengths (the shorter ones padded with silence)."""
    out = np.zeros(max(p.size for p in parts))
    for p in parts:
        out[: p.size] += p
    return out
