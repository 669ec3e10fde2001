"""DirAC-style analysis of FOA: direction and diffuseness per frame and frequency band.

Directional Audio Coding (Pulkki, "Spatial sound reproduction with Directional Audio
Coding", JAES 55(6), 2007) describes a sound field, per time-frequency tile, by the direction
of its active intensity and its diffuseness. With AmbiX (SN3D) signals split into bands
``W_b, X_b, Y_b, Z_b`` and a window ``h`` over the frame, here

.. math::

    I_b = Σ_t h(t)·W_b(t)·(X_b, Y_b, Z_b)(t), \\qquad
    E_b = Σ_t h(t)·½·(W_b² + X_b² + Y_b² + Z_b²)(t), \\qquad
    \\mathbf v_b = I_b / (E_b + ε).

For one plane wave ``(W, X, Y, Z) = s·(1, u)`` this gives ``v = u`` (|v| = 1); for a diffuse
field (uncorrelated X, Y, Z each of a third of W's energy, SN3D) ``v → 0``. The diffuseness
is ``ψ = 1 − |v|`` (Pulkki's ``1 − ‖⟨I⟩‖ / (c⟨E⟩)`` in these units), and ``|v| ≤ 1`` always
(Cauchy–Schwarz and the AM–GM inequality). Sums, not averages of per-bin ratios: the
estimate is energy-weighted. The vector ``v`` is what the factored codec keeps: it is
smooth, bounded, free of the ±180° wrap of an azimuth, and its length carries ψ.

Frames follow a codec's hop: frame ``j`` is centred at ``(j + ½)·hop`` samples and weighs a
Hann window of ``window_frames·hop`` samples (2 by default: 50 % overlap, the smoothing).
Bands come from a linear-phase FIR filterbank whose bands sum back to the input exactly
(:func:`band_filters`), shared with the synthesis in :mod:`.dirac_synthesis`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, NDArray

from .angles import from_cartesian

EPSILON = 1e-10  # energy floor (≈ −100 dBFS per sample): silence reads as "no direction"
DEFAULT_BAND_EDGES = (400.0, 1200.0, 3600.0)  # Hz: four bands at 16 kHz
FILTER_SECONDS = 0.032  # length of the band filters (≈ 100 Hz transition bands)


@dataclass(frozen=True)
class DiracParams:
    """DirAC parameters of a signal: one intensity vector per band and latent frame.

    Attributes:
        vectors: ``(bands, 3, frames)`` energy-normalised active intensity ``v`` as
            cartesian (x front, y left, z up); its direction is the sound's, its length
            ``1 − ψ``.
        energy: ``(bands, frames)`` windowed energy ``E`` (for weighting and gating).
        hop: samples between frame centres.
        rate: sample rate in Hz.
        band_edges: the crossover frequencies in Hz (``bands − 1`` of them).
    """

    vectors: NDArray[np.float64]
    energy: NDArray[np.float64]
    hop: int
    rate: float
    band_edges: tuple[float, ...]

    @property
    def frames(self) -> int:
        return int(self.vectors.shape[-1])

    @property
    def times(self) -> NDArray[np.float64]:
        """Frame centres in seconds."""
        return np.asarray((np.arange(self.frames) + 0.5) * self.hop / self.rate, dtype=np.float64)

    @property
    def diffuseness(self) -> NDArray[np.float64]:
        """``(bands, frames)`` ψ = 1 − |v| in [0, 1]: 0 = one plane wave, 1 = diffuse."""
        return np.clip(1.0 - np.linalg.norm(self.vectors, axis=1), 0.0, 1.0)

    def direction(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Azimuth and elevation in degrees, ``(bands, frames)`` each."""
        x, y, z = self.vectors[:, 0], self.vectors[:, 1], self.vectors[:, 2]
        return from_cartesian(x, y, z)

    def broadband(self) -> NDArray[np.float64]:
        """``(3, frames)`` the energy-weighted vector over all bands."""
        weighted = (self.vectors * self.energy[:, None]).sum(axis=0)
        return weighted / (self.energy.sum(axis=0)[None] + EPSILON)


def check_band_edges(edges: ArrayLike, rate: float) -> tuple[float, ...]:
    """``edges`` as a tuple of floats, strictly increasing inside (0, rate / 2)."""
    out = tuple(float(e) for e in np.atleast_1d(np.asarray(edges, dtype=np.float64)))
    if any(not 0.0 < e < rate / 2 for e in out):
        raise ValueError(f"band edges must lie in (0, {rate / 2:g}) Hz, got {list(out)}")
    if any(b <= a for a, b in zip(out, out[1:])):
        raise ValueError(f"band edges must increase, got {list(out)}")
    return out


@lru_cache(maxsize=16)
def band_filters(edges: tuple[float, ...], rate: float) -> NDArray[np.float64]:
    """``(bands, taps)`` zero-phase FIR band filters that sum to a unit impulse.

    Band ``b`` is ``lp(edge_b) − lp(edge_{b−1})`` with windowed-sinc low-passes
    (``scipy.signal.firwin``, Hamming), the first band a low-pass and the last
    ``δ − lp(edge_last)``; the sum telescopes to ``δ``, so splitting and adding back
    returns the input sample for sample. ``taps`` is odd (≈ :data:`FILTER_SECONDS`).
    """
    from scipy.signal import firwin  # scipy.signal is slow to import: only when used

    edges = check_band_edges(edges, rate)
    taps = 2 * int(round(FILTER_SECONDS * rate / 2)) + 1
    delta = np.zeros(taps)
    delta[taps // 2] = 1.0
    lows = [np.zeros(taps)] + [firwin(taps, e, fs=rate) for e in edges] + [delta]
    return np.stack([hi - lo for lo, hi in zip(lows, lows[1:])])


def split_band(signal: NDArray[np.floating], band: NDArray[np.float64]) -> NDArray[np.float64]:
    """``signal`` (..., samples) through one zero-phase band filter (same length)."""
    from scipy.signal import oaconvolve

    kernel = band.reshape((1,) * (signal.ndim - 1) + (-1,))
    return oaconvolve(np.asarray(signal, dtype=np.float64), kernel, mode="same", axes=-1)


def frame_count(samples: int, hop: int) -> int:
    """Frames of a signal of ``samples`` at ``hop`` (the codec pads to whole frames)."""
    return max(1, math.ceil(samples / hop))


def analysis_window(hop: int, window_frames: float = 2.0) -> NDArray[np.float64]:
    """The Hann window of one frame's analysis, ``window_frames·hop`` samples long (at least 2)."""
    length = max(2, int(round(window_frames * hop)))
    k = np.arange(length)
    return np.asarray(0.5 - 0.5 * np.cos(2 * np.pi * (k + 0.5) / length))


def frame_sums(
    products: NDArray[np.float64], hop: int, frames: int, window_frames: float = 2.0
) -> NDArray[np.float64]:
    """Hann-weighted sums of ``products`` (..., samples) around each frame centre.

    Returns ``(..., frames)``; frame ``j`` is centred at ``(j + ½)·hop`` and the window is
    ``window_frames·hop`` samples long (zero outside the signal).
    """
    window = analysis_window(hop, window_frames)
    length = len(window)
    left = (length - hop) // 2  # window start of frame 0 is −left
    pad = [(0, 0)] * (products.ndim - 1) + [(left, length + frames * hop)]
    padded = np.pad(products, pad)
    view = sliding_window_view(padded, length, axis=-1)[..., ::hop, :][..., :frames, :]
    return view @ window


def analyze(
    foa: ArrayLike,
    rate: float,
    hop: int,
    *,
    band_edges: tuple[float, ...] = DEFAULT_BAND_EDGES,
    window_frames: float = 2.0,
) -> DiracParams:
    """DirAC parameters of AmbiX ``foa`` (4, samples) per frame of ``hop`` samples and band.

    Args:
        foa: AmbiX W, Y, Z, X (SN3D).
        rate: sample rate in Hz.
        hop: samples per frame (the codec's hop); ``ceil(samples / hop)`` frames.
        band_edges: crossover frequencies in Hz.
        window_frames: analysis window length in frames (smoothing).

    Returns:
        :class:`DiracParams` with ``vectors`` (bands, 3, frames) and ``energy``.
    """
    a = np.asarray(foa, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != 4:
        raise ValueError(f"expected FOA of shape (4, samples), got {a.shape}")
    if hop < 1:
        raise ValueError(f"hop must be positive, got {hop}")
    edges = check_band_edges(band_edges, rate)
    filters = band_filters(edges, float(rate))
    frames = frame_count(a.shape[1], hop)
    vectors = np.empty((len(filters), 3, frames))
    energy = np.empty((len(filters), frames))
    for b, band in enumerate(filters):
        w, y, z, x = split_band(a, band)
        stats = frame_sums(
            np.stack([w * x, w * y, w * z, 0.5 * (w * w + x * x + y * y + z * z)]),
            hop,
            frames,
            window_frames,
        )
        energy[b] = stats[3]
        vectors[b] = stats[:3] / (stats[3] + EPSILON)
    return DiracParams(vectors, energy, int(hop), float(rate), edges)
