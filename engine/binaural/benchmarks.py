"""Benchmarks of the binaural preview (collected by ``ambisketch bench``)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..benchmarking import Benchmark, Measurement, ratio, realtime, time_call
from ..spatial.ambisonics import encode
from ..spatial.presets import preset
from .cache import DecoderCache
from .hrtf import load_hrtf
from .render import BlockRenderer, render

RATE = 48000
SECONDS = 10.0
BLOCK = 512


def _take() -> np.ndarray:
    x = (np.random.default_rng(0).standard_normal(int(SECONDS * RATE)) * 0.1).astype(np.float32)
    return encode(x, preset("orbit", SECONDS), RATE)


def bench_binaural(repeats: int) -> list[Measurement]:
    hrirs = load_hrtf()
    cache = DecoderCache(folder=False)  # memory only: time the design, touch no user files
    t_design = time_call(
        lambda: DecoderCache(folder=False).get(hrirs, RATE), max(1, repeats // 2), warmup=0
    )
    decoder = cache.get(hrirs, RATE)
    foa = _take()
    t_offline = time_call(lambda: render(foa, decoder, yaw=30.0), repeats)

    blocks = [foa[:, i : i + BLOCK] for i in range(0, 200 * BLOCK, BLOCK)]

    def stream() -> None:
        r = BlockRenderer(decoder)
        for i, b in enumerate(blocks):  # a new head rotation every block: the worst case
            r.set_rotation(yaw=(i * 7) % 360 - 180, pitch=10.0 * np.sin(i / 9), roll=5.0)
            r.process(b)

    t_stream = time_call(stream, repeats) / len(blocks)
    period = BLOCK / RATE
    return [
        realtime(
            "binaural.offline",
            SECONDS,
            t_offline,
            f"{SECONDS:g} s FOA at {RATE} Hz, MagLS ({decoder.taps} taps), rotated",
        ),
        Measurement(
            "binaural.block_512",
            100 * t_stream / period,
            "% of the block period",
            f"{BLOCK}-sample blocks at {RATE} Hz, rotation changed every block "
            f"(1 core; {period * 1e3:.1f} ms period)",
            t_stream,
        ),
        replace(
            ratio("binaural.design", t_design, t_offline, f"a {SECONDS:g} s offline decode"),
            detail="one decoder design, no cache (HRTF 44.1→48 kHz + MagLS)",
        ),
    ]


BENCHMARKS = [
    Benchmark(
        "binaural", "FOA → binaural decoding: offline, per playback block, design", bench_binaural
    ),
]
