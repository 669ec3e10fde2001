"""Codec training throughput (collected by ``ambisketch bench``)."""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace

from ambisketch.engine.benchmarking import Benchmark, Measurement

from .codec import CodecTrainer
from .codec_config import TRAIN_PRESETS
from .codec_data import SyntheticFoaSource


def _steps_per_second(adversarial: bool, steps: int) -> tuple[float, float]:
    cfg = replace(TRAIN_PRESETS["small"], adversarial_after=0 if adversarial else 10**9,
                  checkpoint_every=10**9, log_every=10**9)
    with tempfile.TemporaryDirectory() as run:
        trainer = CodecTrainer(cfg, run, SyntheticFoaSource(8, cfg.crop_seconds + 0.5),
                               log=lambda m: None)
        trainer.fit(1, progress=False)  # warm-up
        t0 = time.perf_counter()
        trainer.fit(1 + steps, progress=False)
        seconds = (time.perf_counter() - t0) / steps
    audio = cfg.batch_size * cfg.crop_seconds
    return 1.0 / seconds, audio / seconds


def bench_codec_training(repeats: int) -> list[Measurement]:
    steps = max(2, repeats)
    detail = "small codec, batch 8 x 2 s of FOA"
    out = []
    for adversarial in (False, True):
        rate, audio = _steps_per_second(adversarial, steps)
        name = "codec.train_steps" + ("_with_discriminator" if adversarial else "")
        out.append(Measurement(name, rate, "steps/s",
                               f"{detail}{' + discriminator' if adversarial else ''}: "
                               f"{audio:.1f} s of audio per second", 1.0 / rate))
    return out


def bench_factored_training(repeats: int) -> list[Measurement]:
    """Training steps/s of the factored codec (W VAE only) against the 4-channel one.

    One step of each in turn, on one thread, so both see the same machine load."""
    import torch

    steps = max(2, repeats)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    times: dict[str, list[float]] = {"small": [], "factored-small": []}
    try:
        with tempfile.TemporaryDirectory() as root:
            trainers = {}
            for name in times:
                cfg = replace(TRAIN_PRESETS[name], adversarial_after=10**9,
                              checkpoint_every=10**9, log_every=10**9)
                trainers[name] = CodecTrainer(cfg, f"{root}/{name}",
                                              SyntheticFoaSource(8, cfg.crop_seconds + 0.5),
                                              log=lambda m: None)
                trainers[name].fit(1, progress=False)  # warm-up
            for i in range(steps):
                for name, trainer in trainers.items():
                    t0 = time.perf_counter()
                    trainer.fit(2 + i, progress=False)
                    times[name].append(time.perf_counter() - t0)
    finally:
        torch.set_num_threads(threads)
    foa, fac = (1.0 / sorted(v)[len(v) // 2] for v in times.values())
    fac_cfg = TRAIN_PRESETS["factored-small"]
    audio = fac_cfg.batch_size * fac_cfg.crop_seconds
    detail = "factored-small codec, batch 8 x 2 s of FOA, 1 thread"
    return [Measurement("codec.factored.train_steps", fac, "steps/s",
                        f"{detail}: {audio * fac:.1f} s of audio per second", 1.0 / fac),
            Measurement("codec.factored.train_speedup", fac / foa,
                        "x the steps/s of the 4-channel codec",
                        f"{fac:.2f} vs {foa:.2f} steps/s, alternating steps, no discriminator")]


BENCHMARKS = [Benchmark("codec-training", "codec training steps per second (small config)",
                        bench_codec_training),
              Benchmark("codec-kinds-training",
                        "factored vs 4-channel codec training steps per second",
                        bench_factored_training)]
