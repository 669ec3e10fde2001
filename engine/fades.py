"""What every decoded take goes through: its DC offset removed (in the codecs'
``decode_chunked``, the decoding every take, re-path and long take uses) and short fades at
its edges (where a take is made).

The decoder leaves a DC offset in what it makes: in the quiet parts of the starter model's
takes the "silence" is a constant −40 to −50 dBFS (a bell's tail, the gaps between barks),
which a DAW shows as an offset, turns into a click at every cut and fade, and which eats
headroom. :func:`remove_dc` is a DAW's DC filter: a 2nd-order Butterworth high-pass at
10 Hz run forwards and backwards (zero phase, so attacks keep their shape; −6 dB at 10 Hz,
−0.5 dB at 20 Hz, nothing above), the same on every channel so that the direction of each
sound is kept. The factored codec removes it from W before X, Y and Z are made from W, so
they carry none either and a re-path from latents decodes exactly as the take did.

The codec's decoder sees zeros beyond the first and the last latent frame (convolution
padding), so the first and last few milliseconds of what it decodes carry a burst: up to
30 times the level around it, a click at the very start and end of a take (heard when a
take is auditioned or looped, and seen as a spike at the end of its waveform). A 10 ms
raised-cosine fade-in and fade-out — a DAW's default clip fade — removes it and leaves the
sound's own attack and tail alone.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

EDGE_FADE_S = 0.010
DC_CUTOFF_HZ = 10.0


def remove_dc(
    audio: NDArray[np.floating], rate: int, cutoff: float = DC_CUTOFF_HZ
) -> NDArray[np.float32]:
    """``audio`` (..., samples) high-passed at ``cutoff`` Hz with zero phase (a copy,
    float32); a clip too short to filter has its mean taken off instead."""
    from scipy.signal import butter, sosfiltfilt

    x = np.asarray(audio, dtype=np.float64)
    sos = butter(2, cutoff, "highpass", fs=rate, output="sos")
    if x.shape[-1] <= 3 * (2 * len(sos) + 1):  # sosfiltfilt's default edge padding
        return (x - x.mean(axis=-1, keepdims=True)).astype(np.float32)
    return np.ascontiguousarray(sosfiltfilt(sos, x, axis=-1), dtype=np.float32)


def fade_edges(
    audio: NDArray[np.floating], rate: int, seconds: float = EDGE_FADE_S
) -> NDArray[np.float32]:
    """``audio`` (..., samples) with raised-cosine fades of ``seconds`` at both ends (a copy,
    float32). Clips shorter than two fades get a fade over each half."""
    out = np.array(audio, dtype=np.float32, copy=True)
    n = out.shape[-1]
    k = min(int(round(seconds * rate)), n // 2)
    if k <= 0:
        return out
    ramp = (0.5 - 0.5 * np.cos(np.pi * (np.arange(k) + 0.5) / k)).astype(np.float32)
    out[..., :k] *= ramp
    out[..., n - k :] *= ramp[::-1]
    return out
