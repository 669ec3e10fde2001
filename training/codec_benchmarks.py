"""Codec training throughput (collected by ``ambisketch bench``)."""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace

from ambisketch.engine.benchmarking import Benchmark, Measurement

from .codec import CodecTrainer
from .codec_config import TRAIN_PRESETS
from .codec_data import SyntheticFoaSource


def _steps_per_second(adversarial: bool, steps: int, preset: str = "small"
                      ) -> tuple[float, float]:
    cfg = replace(TRAIN_PRESETS[preset], adversarial_after=0 if adversarial else 10**9,
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
    """Training steps/s of the factored codec (W VAE only) against the 4-channel one."""
    steps = max(2, repeats)
    foa, _ = _steps_per_second(False, steps, "small")
    fac, audio = _steps_per_second(False, steps, "factored-small")
    detail = "factored-small codec, batch 8 x 2 s of FOA"
    return [Measurement("codec.factored.train_steps", fac, "steps/s",
                        f"{detail}: {audio:.1f} s of audio per second", 1.0 / fac),
            Measurement("codec.factored.train_speedup", fac / foa,
                        "x the steps/s of the 4-channel codec",
                        f"{fac:.2f} vs {foa:.2f} steps/s, same run, no discriminator")]


BENCHMARKS = [Benchmark("codec-training", "codec training steps per second (small config)",
                        bench_codec_training),
              Benchmark("codec-kinds-training",
                        "factored vs 4-channel codec training steps per second",
                        bench_factored_training)]
