"""Takes longer than the model's clip: overlapping windows, each inpainted from the last.

The take's latent frames are covered by windows of the model's clip length. The first is
generated as usual; every later one keeps its first frames — the end of the window before
it — and generates the rest in their context (the kept frames re-noised to each step's
level, :class:`~ambisketch.engine.models.init_latents.LatentStart`). The whole latent
sequence is then decoded in one go, so there is no seam to cross-fade: the sound simply
continues. The path runs through the whole length: each window gets its slice of it.

Windows overlap by :data:`OVERLAP` of the clip (2.5 s of a 10 s model); the last window is
aligned with the end of the take, so it may overlap more.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .spatial.trajectory import Keyframe, Trajectory

if TYPE_CHECKING:
    from .generate import CancelCheck, GenerationRequest, Generator, Progress, Take

OVERLAP = 0.25  # fraction of the clip each window keeps from the one before
TAIL = 0.1  # fraction of the clip at a window's end given up to the next window
RECOMMENDED_MAX = 60.0  # seconds; the CLI accepts longer with a warning
WINDOW_SEED_STRIDE = 1_000_003


def window_starts(total: int, window: int, overlap: int, tail: int = 0) -> list[int]:
    """First latent frame of every window covering ``total`` frames (``window`` long, each
    keeping at least ``overlap`` frames of the one before, whose last ``tail`` frames are
    made again)."""
    if total <= window:
        return [0]
    stride = max(1, window - overlap - tail)
    starts = list(range(0, total - window, stride))
    starts.append(total - window)
    return sorted(set(starts))


def join_times(seconds: float, window: int, latent_rate: float) -> list[float]:
    """Where in a take of ``seconds`` the windows' generated parts begin (the joins)."""
    total = int(math.ceil(seconds * latent_rate - 1e-9))
    overlap, tail = _sizes(window)
    starts = window_starts(total, window, overlap, tail)
    return [(a + window - tail) / latent_rate for a in starts[:-1]]


def _sizes(window: int) -> tuple[int, int]:
    """Frames each window keeps from the one before, and frames of its end it gives up."""
    return max(1, int(round(window * OVERLAP))), int(round(window * TAIL))


def slice_path(path: Trajectory, t0: float, t1: float) -> Trajectory:
    """The part of ``path`` from ``t0`` to ``t1`` seconds as a path of its own (starting at
    0 s): end points interpolated, each segment's travel (cw/ccw) kept."""
    t0, t1 = max(0.0, t0), max(t0 + 1e-6, t1)
    times = [t0] + [k.time for k in path.keyframes if t0 < k.time < t1] + [t1]
    az, el, dist = path.sample(np.array(times), unwrap=True)
    has_dist = path.has_distance
    kfs: list[Keyframe] = []
    for i, t in enumerate(times):
        wrapped = float((az[i] + 180.0) % 360.0 - 180.0)
        if wrapped == -180.0:
            wrapped = 180.0
        direction = "shortest"
        if i > 0:
            delta = az[i] - az[i - 1]
            direction = "ccw" if delta > 1e-9 else "cw" if delta < -1e-9 else "shortest"
        kfs.append(
            Keyframe(
                t - t0,
                wrapped,
                float(np.clip(el[i], -90, 90)),
                float(dist[i]) if has_dist else None,
                direction,
            )
        )
    return Trajectory(t1 - t0, tuple(kfs), name=path.name)


def generate_long(
    gen: Generator,
    request: GenerationRequest,
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
    init_latents: NDArray[np.float32] | None = None,
    strength: float = 1.0,
) -> list[Take]:
    """``request.seconds`` (longer than the clip) as overlapping windows (see the module).

    ``init_latents`` (C, frames) codec latents of an init sound over the whole length, noised
    to ``strength`` in every window's new part (audio-to-audio for a long take)."""
    import torch

    from .fades import fade_edges
    from .models.init_latents import LatentStart

    bundle = gen.bundle
    model, codec = bundle.model, bundle.codec
    t_start = time.perf_counter()
    window = bundle.clip_frames
    rate = bundle.latent_rate
    clip = window / rate
    total = int(math.ceil(request.seconds * rate - 1e-9))
    overlap, tail = _sizes(window)
    starts = window_starts(total, window, overlap, tail)
    target, source = request.target_path()
    placement, note = gen.resolve_placement(request.placement, target is not None)
    # Windows are placed by their slice of the path; a lock is applied once, at the end.
    win_placement = "learned" if placement == "locked" else placement
    v = request.variations
    channels = codec.config.latent_channels
    buffer = np.zeros((v, channels, total), dtype=np.float32)
    filled = 0
    done_steps = [0]

    def win_progress(step: int, steps: int) -> None:
        if progress is not None:
            progress(done_steps[0] + step, steps * len(starts))

    dev = next(model.parameters()).device
    timings: dict[str, float] = {"sampling": 0.0, "windows": float(len(starts))}
    for k, f0 in enumerate(starts):
        t0 = f0 / rate
        win_path = slice_path(target, t0, t0 + clip) if target is not None else None
        win_request = replace(
            request,
            path=win_path,
            seconds=clip,
            init=None,
            loudness_lufs=None,
            timbre=0.0,  # a window's audio is not kept: the whole take is shaped once, below
            seed=(int(request.seed or 0) + k * WINDOW_SEED_STRIDE) % (2**63),
            placement=win_placement,
            lock_path=win_placement == "locked",
        )
        x0 = np.zeros((v, channels, window), dtype=np.float32)
        if init_latents is not None:
            x0[:] = init_latents[None, :, f0 : f0 + window]
        keep = None
        kept = max(0, filled - f0)
        if kept > 0:
            x0[:, :, :kept] = buffer[:, :, f0 : f0 + kept]
            keep = torch.zeros(1, 1, window, dtype=torch.bool)
            keep[..., :kept] = True
        start = None
        if keep is not None or init_latents is not None:
            with torch.no_grad():
                norm = model.normalise(torch.from_numpy(x0).to(dev))
            start = LatentStart(norm, strength if init_latents is not None else 1.0, keep)
        takes = gen.generate(win_request, progress=win_progress, cancel=cancel, start=start)
        done_steps[0] += request.steps
        timings["sampling"] += takes[0].timings.get("sampling", 0.0)
        for i, t in enumerate(takes):
            assert t.latents is not None
            buffer[i, :, f0 + kept : f0 + window] = t.latents[:, kept:window]
        filled = f0 + window - tail  # the end of a clip is the model's ending: made again
    t_dec = time.perf_counter()
    n = int(round(request.seconds * bundle.sample_rate))
    with torch.no_grad():
        audio = codec.decode_chunked(torch.from_numpy(buffer).to(dev))[..., :n]
    audio_np = [
        np.ascontiguousarray(a, dtype=np.float32)  # the decoder's edge clicks faded
        for a in fade_edges(audio.float().cpu().numpy(), bundle.sample_rate)
    ]
    timings["decode"] = time.perf_counter() - t_dec
    return gen.finish_takes(
        audio_np,
        buffer,
        request,
        timings,
        t_start,
        request.steps * len(starts),
        placement,
        note,
        target,
        source,
    )


def join_jumps(
    foa: NDArray[np.float32], rate: int, joins: list[float], frame_seconds: float = 0.05
) -> dict[str, Any]:
    """How much the sound changes across each join, against how much it changes anywhere.

    W is cut into ``frame_seconds`` frames; between neighbouring frames the level change
    (dB, RMS) and the spectral change (log-spectral distance, dB) are measured. For each
    join the larger of the two jumps around it is compared with the distribution over all
    frame pairs: the figure is its percentile there (a seam would sit at the top)."""
    w = np.asarray(foa[0], dtype=np.float64)
    hop = max(16, int(round(frame_seconds * rate)))
    frames = w.size // hop
    x = w[: frames * hop].reshape(frames, hop) * np.hanning(hop)
    rms = np.sqrt(np.mean(x**2, axis=1)) + 1e-9
    level = 20 * np.log10(rms)
    spec = 20 * np.log10(np.abs(np.fft.rfft(x, axis=1)) + 1e-6 * rms.max())
    d_level = np.abs(np.diff(level))
    d_spec = np.sqrt(np.mean(np.diff(spec, axis=0) ** 2, axis=1))
    out: dict[str, Any] = {
        "joins": [],
        "level_median_db": float(np.median(d_level)),
        "spectral_median_db": float(np.median(d_spec)),
    }
    for t in joins:
        i = int(t * rate // hop)
        lo, hi = max(0, i - 1), min(d_level.size, i + 1)
        if lo >= hi:
            continue
        jl, js = float(d_level[lo:hi].max()), float(d_spec[lo:hi].max())
        out["joins"].append(
            {
                "time": float(t),
                "level_jump_db": jl,
                "spectral_jump_db": js,
                "level_percentile": float((d_level < jl).mean() * 100),
                "spectral_percentile": float((d_spec < js).mean() * 100),
            }
        )
    return out
