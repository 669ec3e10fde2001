"""FOA (AmbiX) → binaural: MagLS decoding filters designed from an HRIR set.

For a plane wave ``s`` from direction d, AmbiX carries ``y(d)·s`` with the SN3D gains
``y = [1, sin φ cos θ, sin θ, cos φ cos θ]`` (:func:`sh_gains`). A decoder is a set of
filters ``F[ear, channel]`` so that ``Σ_c F[ear, c] * y_c(d) ≈ HRIR_ear(d)`` for every d.
The filters are fitted directly in the SN3D basis, so AmbiX input needs no rescaling
(spaudiopy's ``magls_bin`` fits in N3D with 1/√(4π); its filters equal ours after
``F_sn3d = diag(1/√(4π), √3/√(4π), …) · F_n3d``, which the tests check).

Fit (per frequency bin, both ears): weighted, Tikhonov-regularised least squares
``F = (Yᵀ W Y + λ I)⁻¹ Yᵀ W H``, with W the spherical-Voronoi cell area of each measured
direction, capped at twice the median so that a ring next to a gap in the grid (MIT KEMAR
has nothing below −40°) does not stand in for the whole gap. Below ``f_trans`` the complex
HRTFs are fitted; above it only their magnitudes (MagLS: Zotter & Frank, *Ambisonics*, 2019,
§4.11), with the phase of the previous bin's fit plus the average phase step per bin
measured just below ``f_trans`` (phase continuation: Hold, Meyer-Kahlen & Pulkki, DAGA 2023).
Optionally the decoder's diffuse-field response is equalised to flat (minimum phase).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import SphericalVoronoi

from ..errors import HrtfError
from ..spatial.ambisonics import sh_gains
from .hrirs import HrirSet, unit_vectors

DESIGN_VERSION = 1  # bump when the design changes: it is part of the cache key
ORDER = 1
F_TRANS_HZ = 1000.0  # MagLS transition for first order (N·~600 Hz … 1.5 kHz in the literature)
REGULARISATION = 1e-3  # λ relative to the mean diagonal of Yᵀ W Y
MAX_WEIGHT = 2.0  # cap of a direction's cell area, relative to the median cell


@dataclass(frozen=True, eq=False)
class BinauralDecoder:
    """MagLS filters ``(2 ears, 4 AmbiX channels, taps)`` float32 at ``rate`` Hz."""

    filters: NDArray[np.float32]
    rate: int
    hrtf_name: str
    hrtf_identity: str
    diffuse_eq: bool

    @property
    def taps(self) -> int:
        return int(self.filters.shape[2])

    def describe(self) -> dict[str, object]:
        """What a sidecar records about the decoder."""
        return {
            "method": "MagLS",
            "order": ORDER,
            "design_version": DESIGN_VERSION,
            "hrtf": self.hrtf_name,
            "hrtf_sha256": self.hrtf_identity,
            "rate": self.rate,
            "taps": self.taps,
            "diffuse_field_eq": self.diffuse_eq,
        }


def quadrature_weights(hrirs: HrirSet) -> NDArray[np.float64]:
    """Weight ``(M,)`` of each measured direction, summing to 1 (see the module notes)."""
    v = unit_vectors(hrirs.azimuth, hrirs.elevation)
    try:
        areas = SphericalVoronoi(v).calculate_areas()
    except Exception:  # duplicate points or a planar grid (e.g. horizontal-only sets)
        areas = np.ones(hrirs.count)
    areas = np.minimum(areas, MAX_WEIGHT * np.median(areas))
    return areas / areas.sum()


def design_filters(
    hrirs: HrirSet,
    *,
    diffuse_eq: bool = True,
    f_trans: float = F_TRANS_HZ,
    regularisation: float = REGULARISATION,
) -> NDArray[np.float32]:
    """MagLS decoding filters ``(2, 4, taps)`` for AmbiX SN3D input at ``hrirs.rate``.

    The filters are as long as the HRIRs (plus 64 taps when equalising), faded out over
    their last 32 taps. Their gain is normalised so that the diffuse-field response is
    0 dB on average between 200 Hz and 8 kHz: decoders from different HRTFs play equally loud.
    """
    rate = hrirs.rate
    y = sh_gains(hrirs.azimuth, hrirs.elevation).T  # (M, 4)
    if np.linalg.matrix_rank(y) < 3:
        raise HrtfError(
            f"{hrirs.name}: {hrirs.count} direction(s) are too few to fit a first-order decoder"
        )
    w = quadrature_weights(hrirs)
    gram = y.T @ (w[:, None] * y)
    gram += regularisation * np.trace(gram) / 4 * np.eye(4)
    solve = np.linalg.solve(gram, y.T * w[None, :])  # (4, M): LS fit operator

    n = hrirs.taps
    nfft = max(1024, 1 << int(np.ceil(np.log2(2 * n))))
    freqs = np.asarray(np.fft.rfftfreq(nfft, 1 / rate), dtype=np.float64)
    h = np.fft.rfft(hrirs.ir, nfft, axis=-1)  # (M, 2, K)
    k_t = int(np.clip(np.searchsorted(freqs, min(f_trans, 0.45 * rate)), 8, len(freqs)))
    f = np.empty((2, 4, len(freqs)), dtype=np.complex128)
    f[:, :, :k_t] = np.einsum("cm,mek->eck", solve, h[:, :, :k_t])
    if k_t < len(freqs):
        # Average phase step per bin of the fitted response over the last LS bins: the
        # group delay the magnitude-only part continues with (avoids HF dispersion).
        avg = np.einsum("m,mc,eck->ek", w, y, f[:, :, k_t - 6 : k_t])
        step = np.mean(np.diff(np.unwrap(np.angle(avg), axis=-1), axis=-1), axis=-1)  # (2,)
        mag = np.abs(h)
        for k in range(k_t, len(freqs)):
            phase = np.angle(y @ f[:, :, k - 1].T) + step[None, :]  # (M, 2)
            f[:, :, k] = (solve @ (mag[:, :, k] * np.exp(1j * phase))).T
    taps = n + (64 if diffuse_eq else 0)
    df = _diffuse_response(f, y, w)
    band = (freqs >= 200) & (freqs <= min(8000, 0.45 * rate))
    f /= np.sqrt(np.mean(df[band] ** 2))
    if diffuse_eq:
        f *= _min_phase(_inverse_response(_diffuse_response(f, y, w), freqs))[None, None, :]
    out = np.fft.irfft(f, nfft, axis=-1)[:, :, :taps]
    out[:, :, -32:] *= np.hanning(64)[32:]  # no truncation edge at the end
    return out.astype(np.float32)


def _diffuse_response(
    f: NDArray[np.complex128], y: NDArray[np.float64], w: NDArray[np.float64]
) -> NDArray[np.float64]:
    """RMS over directions (weighted) and both ears of the decoded response ``(K,)``."""
    resp = np.einsum("mc,eck->mek", y, f)
    return np.sqrt(np.einsum("m,mek->k", w, np.abs(resp) ** 2) / 2)


def _inverse_response(df: NDArray[np.float64], freqs: NDArray[np.float64]) -> NDArray[np.float64]:
    """Inverse of a diffuse-field response, smoothed over 1/3 octave, limited to ±15 dB."""
    logf = np.log2(np.maximum(freqs, freqs[1]))
    smooth = np.array([np.sqrt(np.mean(df[np.abs(logf - lf) <= 1 / 6] ** 2)) for lf in logf])
    gain = 1 / np.maximum(smooth, 1e-9)
    limit = 10 ** (15 / 20)
    return np.clip(gain, 1 / limit, limit)


def _min_phase(mag: NDArray[np.float64]) -> NDArray[np.complex128]:
    """Minimum-phase spectrum with magnitude ``mag`` (real cepstrum, folded)."""
    nfft = 2 * (len(mag) - 1)
    cep = np.fft.irfft(np.log(mag), nfft)
    fold = np.zeros(nfft)
    fold[0] = cep[0]
    fold[1 : nfft // 2] = 2 * cep[1 : nfft // 2]
    fold[nfft // 2] = cep[nfft // 2]
    return np.exp(np.fft.rfft(fold, nfft))


def make_decoder(hrirs: HrirSet, *, diffuse_eq: bool = True) -> BinauralDecoder:
    """Design a decoder at ``hrirs.rate`` (no caching; see :class:`DecoderCache`)."""
    return BinauralDecoder(
        design_filters(hrirs, diffuse_eq=diffuse_eq),
        hrirs.rate,
        hrirs.name,
        hrirs.identity,
        diffuse_eq,
    )
