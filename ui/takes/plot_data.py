"""What the take view draws, computed without Qt: a min/max envelope and a dB spectrogram."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

FLOOR_DB = -100.0


def envelope(
    signal: NDArray[np.floating], rate: float, bins: int = 2000
) -> tuple[NDArray[np.float64], NDArray[np.float32], NDArray[np.float32]]:
    """Times (bin centres, s), minimum and maximum of ``signal`` per bin.

    Drawing ``bins`` min/max pairs instead of every sample keeps a 10-minute take as fast
    to draw as a 1-second one and shows every peak (no aliasing of the picture).
    """
    x = np.asarray(signal, dtype=np.float32).ravel()
    n = x.size
    if n == 0:
        empty = np.zeros(0, dtype=np.float32)
        return np.zeros(0), empty, empty
    bins = max(1, min(bins, n))
    edges = np.linspace(0, n, bins + 1).astype(np.int64)
    lo = np.minimum.reduceat(x, edges[:-1])
    hi = np.maximum.reduceat(x, edges[:-1])
    times = (edges[:-1] + edges[1:]) / 2.0 / rate
    return times, lo, hi


def spectrogram_db(
    signal: NDArray[np.floating], rate: float, nfft: int = 512, max_frames: int = 1500
) -> tuple[NDArray[np.float32], int]:
    """Magnitude spectrogram in dB re the loudest bin, ``(frames, nfft // 2 + 1)``, and the hop.

    Hann window; the hop is a quarter of ``nfft`` or larger, so at most ``max_frames``
    frames come out (a long take is summarised, not cut). Frame ``i`` is centred on sample
    ``i * hop + nfft / 2``. Values lie in [FLOOR_DB, 0].
    """
    x = np.asarray(signal, dtype=np.float32).ravel()
    if x.size < nfft:
        x = np.pad(x, (0, nfft - x.size))
    hop = max(nfft // 4, int(np.ceil((x.size - nfft) / max(1, max_frames - 1))))
    frames = sliding_window_view(x, nfft)[::hop]
    spec = np.abs(np.fft.rfft(frames * np.hanning(nfft).astype(np.float32), axis=1))
    peak = float(spec.max())
    if peak <= 0:
        return np.full(spec.shape, FLOOR_DB, dtype=np.float32), hop
    db = 20 * np.log10(np.maximum(spec / peak, 10 ** (FLOOR_DB / 20)))
    return db.astype(np.float32), hop
