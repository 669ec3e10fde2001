"""Short fades at a generated take's edges.

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
