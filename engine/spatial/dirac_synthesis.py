"""DirAC-style synthesis: X, Y, Z rebuilt from W and per-band intensity vectors.

Given the omnidirectional signal ``W`` and the parameters of :mod:`.dirac` (one vector
``v_b`` per band and frame, |v| = 1 − ψ), each band is rebuilt as

.. math::

    (X_b, Y_b, Z_b)(t) = W_b(t)·\\mathbf v_b(t)
        + \\sqrt{(1 − |\\mathbf v_b(t)|²)/3}·(D_x W_b, D_y W_b, D_z W_b)(t)

— a direct part panned by the interpolated vector and a diffuse part through three mutually
decorrelating filters ``D``. Re-analysing the result gives back ``v``: the direct part
carries the intensity ``E·v`` and the two parts together the SN3D energy balance
``X² + Y² + Z² = W²`` of real fields, so ``|I|/E = |v|`` (the gains are Pulkki's DirAC
gains in the form that keeps ``W`` untouched: direct ``1 − ψ`` and diffuse
``√(1 − (1 − ψ)²)`` rather than ``√(1 − ψ)`` and ``√ψ``).

The decorrelators are orthogonal to ``W`` only over long sums; over the 10–40 ms a
listener's (or an intensity meter's) direction estimate integrates, ``D_k W_b`` keeps a
little correlation with ``W_b`` that pulls a diffuse-rich sound (footsteps, a reverberant
tail) off its direction by a few degrees. :func:`orthogonal_diffuse` removes it with a
locally (Hann, :data:`ORTHOGONAL_SECONDS`) estimated projection, so the diffuse part carries
no intensity at any moment and the direction is the direct part's alone.

``v`` is interpolated linearly per sample between frame centres (held before the first and
after the last): no zipper noise, and as a vector it crosses ±180° azimuth without the
wrap-around an interpolated angle needs.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .dirac import DEFAULT_BAND_EDGES, band_filters, check_band_edges, split_band

DECORRELATOR_SECONDS = 0.02  # half-length of the decorrelators: resolves their 100 Hz
# sign blocks in the lowest band, short enough not to smear
# Sign patterns of the three decorrelators over four blocks of each band: Walsh functions,
# mutually orthogonal, so X, Y and Z's diffuse parts are incoherent band by band.
WALSH = np.array([[1, 1, -1, -1], [1, -1, -1, 1], [1, -1, 1, -1]], dtype=np.float64)
DESIGN_FFT = 8192
ORTHOGONAL_SECONDS = 0.02  # window of the local projection of W out of the diffuse part
# (measured on generated footsteps: 10 ms 1.0°, 20 ms 0.7°,
# 40 ms 1.1° mean error along an orbit, from 3.0° without)


@lru_cache(maxsize=8)
def decorrelators(
    band_edges: tuple[float, ...], rate: float, seconds: float = DECORRELATOR_SECONDS
) -> NDArray[np.float64]:
    """``(3, taps)`` zero-phase FIR decorrelators for X, Y and Z, odd length.

    Each has a purely imaginary response ``−i·s_k(f)`` with ``s_k = ±1`` in four blocks
    per band, signed by the Walsh patterns :data:`WALSH`. Purely imaginary (an
    antisymmetric impulse response, applied centred) means ``D_k W`` is orthogonal to ``W``
    at zero lag for *any* input spectrum — a tone included — so the diffuse part adds no
    intensity and a re-analysis reads the encoded diffuseness back; orthogonal sign
    patterns make the three outputs mutually incoherent within each band. The response is
    the ideal one truncated to ``±seconds`` with a Hann taper (which keeps the symmetry).
    """
    edges = check_band_edges(band_edges, rate)
    freqs = np.fft.rfftfreq(DESIGN_FFT, 1.0 / rate)
    signs = np.zeros((3, freqs.size))
    bounds = (0.0, *edges, rate / 2)
    for lo, hi in zip(bounds, bounds[1:]):
        inside = (freqs >= lo) & (freqs < hi)
        block = np.minimum(((freqs[inside] - lo) / (hi - lo) * 4).astype(int), 3)
        signs[:, inside] = WALSH[:, block]
    ideal = np.fft.irfft(-1j * signs, DESIGN_FFT, axis=-1)
    half = max(8, int(round(seconds * rate)))
    h = np.concatenate([ideal[:, -half:], ideal[:, : half + 1]], axis=1)
    t = np.arange(-half, half + 1)
    return h * (0.5 + 0.5 * np.cos(np.pi * t / (half + 1)))


@lru_cache(maxsize=8)
def diffuse_gains(band_edges: tuple[float, ...], rate: float) -> NDArray[np.float64]:
    """``(bands, 3)`` gains that give each decorrelator unit energy gain in each band.

    The taper and the sign flips cost a little energy near the block edges (up to ~25 % in
    the lowest band); measured here on the filters' responses, weighted by the band's."""
    bands = band_filters(band_edges, rate)
    dec = decorrelators(band_edges, rate)
    b2 = np.abs(np.fft.rfft(bands, DESIGN_FFT)) ** 2  # (bands, bins)
    d2 = np.abs(np.fft.rfft(dec, DESIGN_FFT)) ** 2  # (3, bins)
    energy = (b2[:, None, :] * d2[None]).sum(-1) / b2.sum(-1)[:, None]
    return 1.0 / np.sqrt(energy)


def interpolate_frames(values: NDArray[np.float64], hop: int, samples: int) -> NDArray[np.float64]:
    """Per-sample linear interpolation of ``(..., frames)`` values at frame centres
    ``(j + ½)·hop`` → ``(..., samples)``; held constant outside the first and last centre."""
    frames = values.shape[-1]
    centres = (np.arange(frames) + 0.5) * hop - 0.5  # sample index of each frame centre
    t = np.arange(samples, dtype=np.float64)
    flat = values.reshape(-1, frames)
    out = np.stack([np.interp(t, centres, row) for row in flat])
    return out.reshape(values.shape[:-1] + (samples,))


def _smooth(a: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """Hann-weighted moving average along the last axis (same length, zero-padded edges)."""
    from scipy.signal import oaconvolve

    w = np.hanning(n + 2)[1:-1]
    w /= w.sum()
    return oaconvolve(a, w.reshape((1,) * (a.ndim - 1) + (-1,)), mode="same", axes=-1)


def orthogonal_diffuse(
    w_band: NDArray[np.float64],
    diffuse_band: NDArray[np.float64],
    rate: float,
    seconds: float = ORTHOGONAL_SECONDS,
) -> NDArray[np.float64]:
    """``diffuse_band`` (3, samples) less its locally correlated part of ``w_band``
    (samples,): ``d − (⟨W·d⟩ / ⟨W²⟩)·W`` with ⟨·⟩ a Hann window of ``seconds``."""
    n = max(3, int(round(seconds * rate)))
    energy = _smooth(w_band * w_band, n)
    # The FFT smoothing leaves round-off of ~1e-16 of the peak where W is silent: a floor
    # of 1e-9 of the band's peak energy keeps the ratio from dividing noise by noise.
    floor = 1e-9 * float(energy.max(initial=0.0)) + 1e-30
    c = _smooth(w_band[None] * diffuse_band, n) / (np.maximum(energy, 0.0)[None] + floor)
    return diffuse_band - c * w_band[None]


def limit_length(vectors: NDArray[np.float64]) -> NDArray[np.float64]:
    """Scale vectors ``(..., 3, frames)`` longer than 1 back onto the unit sphere.

    A generated latent may hold |v| > 1, which no real field has (ψ < 0)."""
    norm = np.linalg.norm(vectors, axis=-2, keepdims=True)
    return vectors / np.maximum(norm, 1.0)


def synthesize(
    w: ArrayLike,
    vectors: ArrayLike,
    rate: float,
    hop: int,
    *,
    band_edges: tuple[float, ...] = DEFAULT_BAND_EDGES,
) -> NDArray[np.float32]:
    """AmbiX ``(4, samples)`` from ``w`` (samples,) and ``vectors`` (bands, 3, frames).

    Args:
        w: the omnidirectional signal; it is the output's W unchanged.
        vectors: per band and frame, the intensity vector (x, y, z) of :func:`.dirac.analyze`.
        rate: sample rate in Hz.
        hop: samples per frame; frames are centred at ``(j + ½)·hop``.
        band_edges: the crossovers the vectors were measured with.

    Returns:
        float32 AmbiX W, Y, Z, X.
    """
    mono = np.asarray(w, dtype=np.float64)
    if mono.ndim == 2 and mono.shape[0] == 1:
        mono = mono[0]
    if mono.ndim != 1:
        raise ValueError(f"expected a mono W signal of shape (samples,), got {mono.shape}")
    v = np.asarray(vectors, dtype=np.float64)
    edges = check_band_edges(band_edges, rate)
    filters = band_filters(edges, float(rate))
    if v.ndim != 3 or v.shape[:2] != (len(filters), 3):
        raise ValueError(f"expected vectors of shape ({len(filters)}, 3, frames), got {v.shape}")
    from scipy.signal import oaconvolve

    n = mono.size
    v = limit_length(v)
    dec = decorrelators(edges, float(rate))
    # Centred ("same") convolution keeps the decorrelators zero-phase (see decorrelators).
    diffuse = oaconvolve(np.broadcast_to(mono, (3, n)), dec, mode="same", axes=-1)
    norm = diffuse_gains(edges, float(rate))
    xyz = np.zeros((3, n))
    for b, band in enumerate(filters):
        gains = interpolate_frames(v[b], hop, n)  # (3, n)
        spread = np.sqrt(np.maximum(1.0 - (gains * gains).sum(axis=0), 0.0) / 3.0)
        w_band = split_band(mono, band)
        xyz += w_band[None] * gains
        d_band = orthogonal_diffuse(w_band, split_band(diffuse, band), float(rate))
        xyz += d_band * (norm[b][:, None] * spread[None])
    return np.stack([mono, xyz[1], xyz[2], xyz[0]]).astype(np.float32)
