"""Benchmarks of audio-to-audio, inpainting and long takes (collected by ``ambisketch bench``).

With the shipped model (an untrained one of the default sizes when none is installed) and
its own steps, on CPU (and CUDA when there is one): a 10 s audio-to-audio take and a 2 s
range inpainted in a 10 s take, each as a real-time factor and as a ratio to a plain 10 s
generation timed in the same run; a 60 s take's real-time factor, its ratio to the plain
take, its peak memory above the process's level before it, and how much its window joins
stand out (:func:`~ambisketch.engine.long_takes.join_jumps`: the percentile of the biggest
level and spectral jump at a join among every frame-to-frame jump of the take; a seam would
sit at 100).
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import numpy as np

from .benchmarking import Benchmark, Measurement, ratio, realtime
from .errors import EngineError
from .generate import GenerationRequest, Generator
from .long_takes import join_jumps, join_times
from .spatial.presets import preset
from .start_from import StartFrom

T = TypeVar("T")
SECONDS = 10.0
LONG = 60.0
PROMPT = "a dog barking"


def _generator(device: str) -> tuple[Generator, str]:
    from .catalog import default_bundle

    try:
        folder = default_bundle()
        return Generator(folder, device=device), Path(folder).name
    except EngineError:
        from .models.bundle import new_bundle
        from .models.conditioners import CONDITIONER_PRESETS
        from .models.dit import DIT_PRESETS
        from .models.factored_codec import FACTORED_PRESETS

        b = new_bundle(
            FACTORED_PRESETS["factored-small"],
            DIT_PRESETS["default"],
            CONDITIONER_PRESETS["default"],
            clip_seconds=SECONDS,
        )
        return Generator(b, device=device), "untrained default sizes (no model installed)"


class PeakMemory:
    """Peak resident memory (CPU, sampled every 10 ms) or peak CUDA allocation of a block,
    in MiB above the level when it started."""

    def __init__(self, device: str) -> None:
        self.device = device
        self.peak_mib = 0.0
        self._stop = threading.Event()

    @staticmethod
    def _rss() -> float:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        import os

        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20

    def __enter__(self) -> PeakMemory:
        if self.device == "cuda":
            import torch

            torch.cuda.reset_peak_memory_stats()
            self._base = torch.cuda.memory_allocated() / 2**20
            return self
        self._base = self._rss()
        self._top = self._base

        def watch() -> None:
            while not self._stop.wait(0.01):
                self._top = max(self._top, self._rss())

        self._thread = threading.Thread(target=watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.device == "cuda":
            import torch

            self.peak_mib = torch.cuda.max_memory_allocated() / 2**20 - self._base
            return
        self._stop.set()
        self._thread.join()
        self.peak_mib = max(self._top, self._rss()) - self._base


def _timed(fn: Callable[[], T]) -> tuple[float, T]:  # one run: tens of seconds each on a CPU
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def bench_audio_start(repeats: int) -> list[Measurement]:
    import torch

    out: list[Measurement] = []
    for device in ["cpu"] + (["cuda"] if torch.cuda.is_available() else []):
        out += _bench_device(device)
    return out


def _bench_device(device: str) -> list[Measurement]:
    gen, name = _generator(device)
    d = gen.defaults
    base = GenerationRequest(
        PROMPT,
        preset("orbit", SECONDS),
        SECONDS,
        seed=1,
        steps=d.steps,
        cfg_scale=d.cfg_scale,
        sampler=d.sampler,
    )
    detail = f"{name} on {device}, {d.steps} steps"
    gen.generate(replace(base, steps=2))  # load the text encoder, warm the kernels
    t_plain, plain = _timed(lambda: gen.generate(base))
    with tempfile.TemporaryDirectory(prefix="ambisketch-bench-") as tmp:
        from .audio_io import write_audio
        from .takes.store import TakeStore

        src = Path(tmp) / "source.wav"
        write_audio(src, plain[0].foa, plain[0].rate, bits="32f")
        a2a = replace(base, seed=2, init=StartFrom(audio=str(src), strength=0.5))
        t_a2a, _ = _timed(lambda: gen.generate(a2a))
        record = TakeStore(Path(tmp) / "takes").add(plain[0])
        inp = replace(
            base, seed=3, init=StartFrom(take=str(record.path), start=4.0, end=6.0, strength=1.0)
        )
        t_inp, _ = _timed(lambda: gen.generate(inp))
    long_req = replace(base, path=preset("orbit", LONG), seconds=LONG, seed=4)
    with PeakMemory(device) as mem:
        t_long, long_takes = _timed(lambda: gen.generate(long_req))
    take = long_takes[0]
    b = gen.bundle
    joins = join_jumps(take.foa, take.rate, join_times(LONG, b.clip_frames, b.latent_rate))
    worst_level = max((j["level_percentile"] for j in joins["joins"]), default=0.0)
    worst_spec = max((j["spectral_percentile"] for j in joins["joins"]), default=0.0)
    tag = "" if device == "cpu" else f".{device}"
    if not np.isfinite(take.foa).all():
        raise EngineError("the 60 s take is not finite")
    return [
        realtime(
            f"audio_to_audio.10s{tag}",
            SECONDS,
            t_a2a,
            f"{detail}: a 10 s sound at strength 0.5 along 'orbit'",
        ),
        ratio(f"audio_to_audio.vs_generate{tag}", t_a2a, t_plain, "a plain 10 s take"),
        realtime(
            f"inpaint.10s{tag}",
            SECONDS,
            t_inp,
            f"{detail}: 4-6 s of a 10 s take regenerated (latents kept beside it)",
        ),
        ratio(f"inpaint.vs_generate{tag}", t_inp, t_plain, "a plain 10 s take"),
        realtime(
            f"long_take.60s{tag}",
            LONG,
            t_long,
            f"{detail}: {int(take.timings['windows'])} windows along a 60 s orbit",
            peak_mib=round(mem.peak_mib, 1),
            path_error_deg=take.path_error_deg,
            join_level_percentile_max=round(worst_level, 1),
            join_spectral_percentile_max=round(worst_spec, 1),
            joins=[{k: round(v, 2) for k, v in j.items()} for j in joins["joins"]],
        ),
        ratio(
            f"long_take.vs_generate{tag}",
            t_long,
            t_plain,
            "a plain 10 s take",
            windows=int(take.timings["windows"]),
        ),
        Measurement(
            f"long_take.peak_memory{tag}",
            round(mem.peak_mib, 1),
            "MiB above the process before it",
            detail,
            t_long,
        ),
    ]


BENCHMARKS = [
    Benchmark(
        "audio_start",
        "audio-to-audio and inpainting of a 10 s take; a 60 s take's "
        "time, peak memory and window joins",
        bench_audio_start,
    ),
]
