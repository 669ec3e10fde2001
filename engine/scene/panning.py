"""A mono signal encoded along a path as AmbiX, cheaply enough for the live mix.

The SN3D gains of :func:`ambisonics.sh_gains` are computed exactly every :data:`CONTROL`
samples (of the media's time, so every block boundary sees the same control points) and
interpolated linearly in between: for a source turning at ω rad/s the largest deviation from
per-sample gains is (ω·K/rate)²/8, under 2·10⁻⁶ for a full turn per second — inaudible, and
15× cheaper than per-sample sines. A mono track is mixed this way, and so is the estimated
high band of a re-pathed 16 kHz take.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..spatial.ambisonics import sh_gains
from ..spatial.trajectory import Trajectory

CONTROL = 32  # samples between exactly computed gains


def encode_into(
    out: NDArray[np.float32],
    x: NDArray[np.float32],
    path: Trajectory,
    rate: int,
    m0: int,
    gain: float = 1.0,
) -> None:
    """Add ``gain`` × mono ``x`` (media samples ``m0 …``) encoded along ``path`` to ``out``
    ``(4, len(x))`` — no intermediate 4-channel copy (the offline mix's inner loop)."""
    n = x.size
    if path.is_static:
        g = sh_gains(*path.sample(np.zeros(1))[:2])[:, 0] * gain
        for c in range(4):
            if g[c] != 0.0:
                out[c] += x * np.float32(g[c])
        return
    k = CONTROL
    a0 = (m0 // k) * k
    a1 = -(-(m0 + n) // k) * k
    count = (a1 - a0) // k
    az, el, _ = path.sample((a0 + k * np.arange(count + 1)) / float(rate), unwrap=True)
    gains = (sh_gains(az, el) * gain).astype(np.float32)  # (4, count + 1)
    step = np.diff(gains, axis=1)
    out[0] += x * gains[0, 0]  # W's gain is the same everywhere
    lo = m0 - a0
    rows = None
    ramp = (np.arange(k, dtype=np.float32) / k)[None, :]
    for c in (1, 2, 3):
        if not step[c].any():
            if gains[c, 0] != 0.0:
                out[c] += x * gains[c, 0]
            continue
        if rows is None:
            buf = np.zeros(a1 - a0, dtype=np.float32)
            buf[lo : lo + n] = x
            rows = buf.reshape(count, k)
        g = gains[c, :-1, None] + step[c, :, None] * ramp
        g *= rows
        out[c] += g.reshape(-1)[lo : lo + n]
