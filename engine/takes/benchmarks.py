"""Benchmarks of the take store and its exports (collected by ``ambisketch bench``).

A 10 s take at the model's native 16 kHz (an orbit of noise), stored and exported in a
temporary folder; the decoder cache is memory-only, so no user file is touched.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from ..audio_io import resample
from ..benchmarking import Benchmark, Measurement, ratio, realtime, time_call
from ..binaural.cache import DecoderCache
from ..binaural.hrtf import load_hrtf
from ..generate import GenerationRequest, Take
from ..models.highband import default_model, extend_highs
from ..spatial.ambisonics import encode
from ..spatial.presets import preset
from .export import export_take
from .store import TakeStore, read_take_audio

RATE = 16000
SECONDS = 10.0
LISTED = 50


def _take(seed: int = 0) -> Take:
    x = (np.random.default_rng(seed).standard_normal(int(SECONDS * RATE)) * 0.1).astype(np.float32)
    path = preset("orbit", SECONDS)
    request = GenerationRequest("benchmark noise orbit", path, SECONDS, seed=seed, steps=100)
    return Take(encode(x, path, RATE), RATE, request, 0, {"total": 0.0}, {"name": "bench"})


def bench_takes(repeats: int) -> list[Measurement]:
    take = _take()
    hrirs = load_hrtf()
    with tempfile.TemporaryDirectory(prefix="ambisketch-bench-") as tmp:
        store = TakeStore(Path(tmp) / "takes")
        record = store.add(take)
        counter = iter(range(10**6))
        t_add = time_call(lambda: store.add(take, f"add-{next(counter)}"), repeats)
        t_load = time_call(lambda: read_take_audio(record.path), repeats)
        out = Path(tmp) / "out.wav"
        t_fuma = time_call(
            lambda: export_take(record, out, "fuma", "24", 48000, overwrite=True), repeats
        )
        t_plain = time_call(
            lambda: export_take(record, out, "fuma", "24", 48000, overwrite=True, highs=False),
            repeats,
        )
        up = resample(take.foa, RATE, 48000)
        model = default_model()
        t_highs = time_call(lambda: extend_highs(up, 48000, model), repeats)
        # The decoder is designed during the warm-up call (memory-only cache): the figure is
        # an export as every one after the first in a session (the design is in 'binaural').
        cache = DecoderCache(folder=False)
        t_bin = time_call(
            lambda: export_take(
                record, out, "binaural", "24", 48000, hrtf=hrirs, overwrite=True, cache=cache
            ),
            repeats,
        )
        for i in range(LISTED - len(store.list())):
            store.add(take, f"more-{i}")
        t_list = time_call(store.list, repeats)
    return [
        realtime(
            "takes.add",
            SECONDS,
            t_add,
            f"store a {SECONDS:g} s take at {RATE} Hz: AmbiX 32f WAV + sidecar, atomic",
        ),
        realtime(
            "takes.export_fuma_48k",
            SECONDS,
            t_fuma,
            f"{SECONDS:g} s take {RATE} Hz → FuMa 48 kHz 24-bit (soxr VHQ, high band "
            "estimated) + sidecar",
        ),
        ratio(
            "takes.export_highs_vs_plain",
            t_fuma,
            t_plain,
            "the same FuMa 48 kHz export without the estimated high band (--no-highs)",
        ),
        realtime(
            "takes.highs_48k",
            SECONDS,
            t_highs,
            f"the high band of a {SECONDS:g} s FOA take at 48 kHz (7.6-20 kHz, 4 channels)",
        ),
        realtime(
            "takes.export_binaural_48k",
            SECONDS,
            t_bin,
            f"{SECONDS:g} s take {RATE} Hz → 48 kHz, MagLS binaural 24-bit + sidecar",
        ),
        ratio("takes.list_50", t_list, t_load, f"loading one {SECONDS:g} s take", takes=LISTED),
    ]


def bench_repath(repeats: int) -> list[Measurement]:
    """Re-path a 10 s take from its latents (the starter model's layout: 20 W channels, four
    DirAC bands, hop 2048 at 16 kHz) onto a new path, against the DSP path lock."""
    from ..spatial.dirac import DEFAULT_BAND_EDGES, analyze
    from .repath import DiracLayout, Repather, lock_take

    take = _take()
    layout = DiracLayout(20, DEFAULT_BAND_EDGES, 2048, RATE, 1.0)
    params = analyze(take.foa, RATE, layout.hop, band_edges=layout.band_edges)
    w_latents = np.random.default_rng(1).standard_normal((20, params.frames))
    latents = np.concatenate([w_latents, params.vectors.reshape(-1, params.frames)])
    fly = preset("fly-over", SECONDS)
    t_setup = time_call(lambda: Repather(take.foa[0], latents, layout), repeats)
    repather = Repather(take.foa[0], latents, layout)
    t_render = time_call(lambda: repather.render(fly), repeats)
    t_lock = time_call(lambda: lock_take(take.foa, fly, RATE), max(1, repeats // 2))
    return [
        realtime(
            "repath.render",
            SECONDS,
            t_render,
            f"{SECONDS:g} s take at {RATE} Hz onto 'fly-over' from its latents (cached "
            "W bands and diffuse part); target < 100 ms",
            ms=round(t_render * 1000, 1),
        ),
        ratio("repath.vs_path_lock", t_render, t_lock, "the DSP path lock of the same take"),
        ratio(
            "repath.setup_vs_render",
            t_setup,
            t_render,
            "one render (the cache is built once per take)",
            ms=round(t_setup * 1000, 1),
        ),
    ]


BENCHMARKS = [
    Benchmark(
        "takes", "take store: keep a take, export AmbiX→FuMa 48 kHz and binaural, list", bench_takes
    ),
    Benchmark(
        "repath",
        "a take re-pathed from its latents (no regenerating) vs the path lock",
        bench_repath,
    ),
]
