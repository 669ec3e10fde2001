"""Path lock: move a take's direct sound exactly onto a drawn path, keep the rest.

For users who need guaranteed placement. Per sample (with statistics smoothed over a short
Hann window, as in the intensity DOA of :mod:`.doa`):

1. the measured direction u = I/|I| from the smoothed active intensity I = ⟨W·(X, Y, Z)⟩;
2. the direct sound s = ½·(W + u·(X, Y, Z)) — a first-order cardioid beam toward u, which
   returns a plane wave from u exactly (SN3D: W = s, (X, Y, Z) = s·u);
3. the residual R = FOA − (1, u)·s, with the parts of it correlated with s folded back
   into s's gain (so no energy of the direct sound is lost) and the part of its (X, Y, Z)
   correlated with its W removed (so the residual carries no net intensity and cannot pull
   the measured direction away);
4. the take re-encoded as (1, p)·g·s + R with p the path's direction per sample.

The timbre (the direct signal itself) and the diffuse part stay; only where the direct
sound comes from changes.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .ambisonics import sh_gains
from .trajectory import Trajectory

EPS = 1e-12


def _smooth(a: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """Hann-weighted moving average along the last axis (same length, zero-padded edges)."""
    w = np.hanning(n + 2)[1:-1]
    w /= w.sum()
    if a.ndim == 1:
        return np.convolve(a, w, mode="same")
    return np.stack([np.convolve(row, w, mode="same") for row in a])


def lock_to_path(
    foa: NDArray[np.floating],
    trajectory: Trajectory,
    rate: float,
    *,
    window: float = 0.04,
    passes: int = 3,
) -> NDArray[np.float32]:
    """Re-encode the direct sound of AmbiX ``foa`` (4, samples) along ``trajectory``.

    Args:
        foa: AmbiX W, Y, Z, X.
        trajectory: the drawn path (a take longer than it holds the last position).
        rate: sample rate in Hz.
        window: smoothing window of the direction and correlation estimates, seconds.
        passes: rounds of decorrelating the residual.

    Returns:
        (4, samples) float32, AmbiX.
    """
    a = np.asarray(foa, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != 4:
        raise ValueError(f"expected FOA of shape (4, samples), got {a.shape}")
    n = max(3, int(round(window * rate)))
    w, v = a[0], a[[3, 1, 2]]  # v = (X, Y, Z)
    az, el, _ = trajectory.sample_at_rate(rate, a.shape[1], unwrap=True)
    g = sh_gains(az, el)
    p = g[[3, 1, 2]]  # path direction (x, y, z) per sample
    intensity = _smooth(w[None] * v, n)
    norm = np.linalg.norm(intensity, axis=0)
    u = np.where(norm > EPS, intensity / np.maximum(norm, EPS), p)
    s = 0.5 * (w + np.einsum("ij,ij->j", u, v))
    r_w = w - s
    r_v = v - u * s
    ss = _smooth(s * s, n) + EPS
    gain = np.ones_like(s)
    # Time-varying projections are not exact in one pass: a few passes make the residual's
    # intensity vanish to well under a degree of pull on noise-like takes.
    for _ in range(passes):
        c_w = _smooth(r_w * s, n) / ss
        gain += c_w
        r_w = r_w - c_w * s
        r_v = r_v - (_smooth(r_v * s[None], n) / ss) * s[None]
        k = _smooth(r_w[None] * r_v, n) / (_smooth(r_w * r_w, n) + EPS)
        r_v = r_v - k * r_w[None]
    direct = gain * s
    out = np.empty_like(a)
    out[0] = direct + r_w
    out[3], out[1], out[2] = p * direct[None] + r_v
    return out.astype(np.float32)
