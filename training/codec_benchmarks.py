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


BENCHMARKS = [Benchmark("codec-training", "codec training steps per second (small config)",
                        bench_codec_training)]
