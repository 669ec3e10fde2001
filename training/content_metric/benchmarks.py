"""Benchmark of the content metric (collected by ``ambisketch bench``): aiSFX embedding
throughput on one core, as a real-time factor, with the spectrogram front end alone as the
baseline in the same run."""

from __future__ import annotations

import numpy as np

from ambisketch.engine.benchmarking import Benchmark, Measurement, ratio, realtime, time_call

SECONDS, RATE = 10.0, 16000


def bench_embedding(repeats: int) -> list[Measurement]:
    import torch

    from ambisketch.engine.audio_io import resample

    from .aisfx import RATE as AISFX_RATE
    from .aisfx import AisfxEmbedder, spectrogram

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        emb = AisfxEmbedder()
        x = (np.random.default_rng(0).standard_normal(int(SECONDS * RATE)) * 0.1).astype(np.float32)
        t_embed = time_call(lambda: emb.blocks(x, RATE), max(1, min(repeats, 3)))
        t_spec = time_call(lambda: spectrogram(resample(x[None], RATE, AISFX_RATE)[0]), repeats)
    finally:
        torch.set_num_threads(threads)
    detail = (
        f"{SECONDS:g} s at {RATE} Hz → 44.1 kHz, 96-band log-mel, "
        "7 blocks of 2.3 s through the 4-block CNN, one torch thread"
    )
    return [
        realtime("aisfx.embed", SECONDS, t_embed, detail),
        ratio("aisfx.embed_vs_spectrogram", t_embed, t_spec, "its resample + spectrogram alone"),
    ]


BENCHMARKS = [
    Benchmark("aisfx", "content metric: aiSFX sound-effects embedding throughput", bench_embedding)
]
