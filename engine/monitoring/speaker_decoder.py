"""FOA → loudspeaker feeds: an AllRAD decoder (spaudiopy) with max-rE weighting.

AllRAD (Zotter & Frank 2012, "All-Round Ambisonic Panning and Decoding") samples the sphere with
a dense t-design of virtual loudspeakers, decodes the (max-rE weighted) first-order scene to
them, and pans each virtual loudspeaker to the real ones with VBAP. spaudiopy's ``allrad``
does that on its own real, orthonormal (N3D/√4π), ACN spherical harmonics; AmbiX (SN3D) input
is rescaled per order first (×1/√4π for W, ×√3/√4π for Y, Z, X).

Layouts that do not surround the listener get **imaginary loudspeakers** that are decoded to and
then dropped (the energy that would reach them is lost, as in IEM's AllRADecoder): the zenith
when no speaker is above 30°, the nadir when none is below −30°, and one on the horizon in
every gap between ear-level speakers wider than 160° (stereo gets one behind). The decoder is
scaled so that a source that lands exactly on a loudspeaker of a standard layout gives that
loudspeaker unity gain… on average over the real loudspeakers' directions, so decoded feeds
keep the take's level.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .layouts import Layout, LayoutError

KERNEL_ORDER = 12  # virtual loudspeakers: a t-design of degree 24 (~330 points)
LFE_CUTOFF_HZ = 120.0
LFE_GAIN_DB = -10.0  # the LFE channel plays +10 dB in-band: feed it 10 dB down
_SCALE = np.array([1.0, math.sqrt(3.0), math.sqrt(3.0), math.sqrt(3.0)]) / math.sqrt(4 * math.pi)


@dataclass(frozen=True)
class SpeakerDecoder:
    """A decoding matrix ``(speakers, 4)`` that maps AmbiX to the layout's channels.

    The LFE row is zero; :meth:`decode` fills the LFE from W when asked.
    """

    layout: Layout
    matrix: NDArray[np.float64]
    imaginary: int  # how many imaginary loudspeakers the design used

    @property
    def channels(self) -> int:
        return self.layout.channels

    def describe(self) -> dict[str, Any]:
        return {
            "method": "AllRAD (spaudiopy), max-rE weighted",
            "order": 1,
            "kernel_points": _kernel_size(),
            "imaginary_speakers": self.imaginary,
            "layout": self.layout.describe(),
        }

    def decode(self, foa: ArrayLike, rate: int, lfe: bool = False) -> NDArray[np.float32]:
        """AmbiX ``(4, n)`` → speaker feeds ``(channels, n)`` float32.

        ``lfe``: feed the LFE channel (if the layout has one) with W low-passed at 120 Hz
        (4th-order Butterworth) at −10 dB; otherwise it stays silent.
        """
        x = np.asarray(foa, dtype=np.float32)
        if x.ndim != 2 or x.shape[0] != 4:
            raise ValueError(f"expected FOA of shape (4, samples), got {x.shape}")
        out = (self.matrix.astype(np.float32) @ x).astype(np.float32)
        idx = self.layout.lfe_index
        if lfe and idx is not None:
            from scipy.signal import butter, sosfilt

            sos = butter(4, LFE_CUTOFF_HZ, btype="low", fs=rate, output="sos")
            out[idx] = sosfilt(sos, x[0]).astype(np.float32) * np.float32(10 ** (LFE_GAIN_DB / 20))
        return out


def _unit(az: ArrayLike, el: ArrayLike) -> NDArray[np.float64]:
    a, e = np.radians(np.asarray(az, dtype=np.float64)), np.radians(np.asarray(el, np.float64))
    return np.stack([np.cos(a) * np.cos(e), np.sin(a) * np.cos(e), np.sin(e)], axis=-1)


def imaginary_speakers(azimuths: list[float], elevations: list[float]) -> list[tuple[float, float]]:
    """(azimuth, elevation) of the imaginary loudspeakers a layout needs (see the module)."""
    extra: list[tuple[float, float]] = []
    if max(elevations) < 30.0:
        extra.append((0.0, 90.0))
    if min(elevations) > -30.0:
        extra.append((0.0, -90.0))
    ring = sorted(a % 360.0 for a, e in zip(azimuths, elevations) if abs(e) < 30.0)
    for i, a in enumerate(ring):
        nxt = ring[(i + 1) % len(ring)] + (360.0 if i + 1 == len(ring) else 0.0)
        if nxt - a > 160.0:
            mid = (a + (nxt - a) / 2.0) % 360.0
            extra.append((mid - 360.0 if mid > 180.0 else mid, 0.0))
    return extra


@lru_cache(maxsize=1)
def _kernel_size() -> int:
    from spaudiopy import grids

    return int(len(grids.load_n_design(2 * KERNEL_ORDER)))


def design(layout: Layout) -> SpeakerDecoder:
    """Design the AllRAD decoder of ``layout`` (cached per layout)."""
    return _design(layout)


@lru_cache(maxsize=16)
def _design(layout: Layout) -> SpeakerDecoder:
    from spaudiopy import decoder as spd

    mains = [i for i, s in enumerate(layout.speakers) if not s.lfe]
    az = [layout.speakers[i].azimuth for i in mains]
    el = [layout.speakers[i].elevation for i in mains]
    extra = imaginary_speakers(az, el)
    points = _unit(az + [a for a, _ in extra], el + [e for _, e in extra])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy's sph_harm deprecation, qhull notes
            hull = spd.LoudspeakerSetup(points[:, 0], points[:, 1], points[:, 2])
            hull.ambisonics_setup(update_hull=False, characteristic_order=1, N_kernel=KERNEL_ORDER)
            d = spd.allrad(np.eye(4), hull, N_sph=1)  # (speakers + imaginary, 4)
    except (ValueError, RuntimeError, ArithmeticError) as exc:
        raise LayoutError(
            f"layout {layout.name!r}: cannot design a decoder for it ({exc})"
        ) from None
    except Exception as exc:  # qhull's QhullError (degenerate, e.g. all speakers in a plane)
        raise LayoutError(
            f"layout {layout.name!r}: the speakers do not span the sphere ({type(exc).__name__})"
        ) from None
    d = d[: len(mains)] * _SCALE[None, :]  # AmbiX (SN3D) in; imaginary speakers dropped
    if not np.isfinite(d).all() or not np.abs(d).sum():
        raise LayoutError(f"layout {layout.name!r}: the decoder came out empty")
    # Level: the mean energy a source at each real loudspeaker's direction produces is 1.
    from ..spatial.ambisonics import sh_gains

    energy = np.sum((d @ sh_gains(np.array(az), np.array(el))) ** 2, axis=0)
    d = d / math.sqrt(float(np.mean(energy)))
    full = np.zeros((layout.channels, 4))
    full[mains] = d
    return SpeakerDecoder(layout, full, len(extra))


class SpeakerRenderer:
    """Block renderer for playback on loudspeakers: ``(4, n)`` → ``(channels, n)``.

    The same interface as the binaural :class:`~ambisketch.engine.binaural.BlockRenderer`
    (``process``, ``set_rotation``, ``reset``, ``rotation``): the head rotation turns the
    scene before decoding, interpolated per sample across the next block (no clicks).
    """

    def __init__(
        self,
        decoder: SpeakerDecoder,
        rate: int,
        yaw: float = 0.0,
        pitch: float = 0.0,
        roll: float = 0.0,
        lfe: bool = False,
    ) -> None:
        from ..binaural.render import head_rotation_matrix

        self._rot = head_rotation_matrix
        self.speakers = decoder
        self._rate = int(rate)
        self._lfe = lfe
        self._matrix = head_rotation_matrix(yaw, pitch, roll)
        self._target = self._matrix
        self._rotation = (float(yaw), float(pitch), float(roll))
        self._sos = None
        self._zi = None
        if lfe and decoder.layout.lfe_index is not None:
            from scipy.signal import butter

            self._sos = butter(4, LFE_CUTOFF_HZ, btype="low", fs=rate, output="sos")
            self._zi = np.zeros((self._sos.shape[0], 2))

    @property
    def channels(self) -> int:
        return self.speakers.channels

    @property
    def rate(self) -> int:
        return self._rate

    @property
    def rotation(self) -> tuple[float, float, float]:
        return self._rotation

    def set_rotation(self, yaw: float = 0.0, pitch: float = 0.0, roll: float = 0.0) -> None:
        self._rotation = (float(yaw), float(pitch), float(roll))
        self._target = self._rot(yaw, pitch, roll)

    def reset(self) -> None:
        self._matrix = self._target
        if self._zi is not None:
            self._zi[:] = 0.0

    def process(self, block: ArrayLike) -> NDArray[np.float32]:
        x = np.asarray(block, dtype=np.float64)
        if x.ndim != 2 or x.shape[0] != 4:
            raise ValueError(f"expected FOA of shape (4, samples), got {x.shape}")
        n = x.shape[1]
        if self._target is self._matrix:
            rotated = self._matrix @ x
        else:
            ramp = np.arange(1, n + 1) / max(n, 1)
            rotated = self._matrix @ x * (1 - ramp) + self._target @ x * ramp
            self._matrix = self._target
        out = self.speakers.matrix @ rotated
        if self._sos is not None:
            from scipy.signal import sosfilt

            idx = self.speakers.layout.lfe_index
            out[idx], self._zi = sosfilt(self._sos, x[0], zi=self._zi)
            out[idx] *= 10 ** (LFE_GAIN_DB / 20)
        return out.astype(np.float32)
