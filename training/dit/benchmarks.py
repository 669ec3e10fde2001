"""Benchmarks of generator training (collected by ``ambisketch bench``): latent-cache encoding
in × real time, and DiT training steps per second on the tiny and laptop recipes — from the
cache, and the laptop recipe's cost when the codec encodes every step instead (a ratio to
the cached step, timed in the same run)."""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
import torch

from ambisketch.engine.benchmarking import Benchmark, Measurement, realtime
from ambisketch.engine.models.codec import CODEC_PRESETS
from ambisketch.engine.models.codec_kinds import build_codec

from ..data import AugmentConfig, ScanConfig, scan_library
from ..latents import EncodeSettings, encode_library
from .config import resolve_dit_config

CLIPS, SECONDS = 6, 10.0


class _OneThread:
    """Torch on one intra-op thread while timing: small models on a shared machine thrash
    with more (a 30× swing measured on 2 busy cores), and one thread gives a stable figure."""

    def __enter__(self) -> None:
        self.before = torch.get_num_threads()
        torch.set_num_threads(1)

    def __exit__(self, *exc: object) -> None:
        torch.set_num_threads(self.before)


def _library(root: Path, seconds: float) -> Path:
    rng = np.random.default_rng(0)
    root.mkdir(parents=True)
    for i in range(CLIPS):
        t = np.arange(int(seconds * 22050)) / 22050
        x = 0.3 * np.sin(2 * np.pi * (150 + 90 * i) * t) + 0.05 * rng.standard_normal(t.size)
        sf.write(root / f"sound {i}.wav", x.astype(np.float32), 22050)
    return root


def _scan(tmp: Path, seconds: float, rate: int = 16000) -> Any:
    return scan_library(
        _library(tmp / "lib", seconds),
        ScanConfig(rate=rate, clip_seconds=seconds),
        cache_dir=tmp / "clips",
        progress=False,
    )


def bench_latent_cache(repeats: int) -> list[Measurement]:
    with _OneThread():
        return _bench_latent_cache(repeats)


def _bench_latent_cache(repeats: int) -> list[Measurement]:
    out = []
    torch.manual_seed(0)
    codec = build_codec(CODEC_PRESETS["small"]).eval()
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        lib = _scan(tmp, SECONDS)
        for name, augment, what in (
            ("latents.encode", AugmentConfig(), "dry"),
            (
                "latents.encode_rooms",
                AugmentConfig(room_prob=1.0),
                "every sample in a room (image sources + tail)",
            ),
        ):
            runs = []
            for r in range(max(1, min(repeats, 2))):
                t0 = time.perf_counter()
                cache = encode_library(
                    lib,
                    codec,
                    tmp / f"{name}-{r}",
                    augment=augment,
                    settings=EncodeSettings(augmentations=1, batch_size=4),
                )
                runs.append(time.perf_counter() - t0)
            seconds = sorted(runs)[len(runs) // 2]
            audio = len(cache) * SECONDS
            out.append(
                realtime(
                    name,
                    audio,
                    seconds,
                    f"{len(cache)} augmented 10 s samples → 'small' codec latents, "
                    f"{what}, one thread",
                )
            )
    return out


def _steps_per_second(config: Any, source: Any, codec: Any, text: Any, steps: int) -> float:
    from .trainer import DitTrainer

    cfg = replace(config, checkpoint_every=10**9, log_every=10**9, validate_every=0, num_workers=0)
    with tempfile.TemporaryDirectory() as run:
        trainer = DitTrainer(
            cfg, run, source, codec, accelerator="cpu", log=lambda m: None, text_encoder=text
        )
        trainer.fit(1, progress=False)  # warm-up (and the text encoder's cache)
        t0 = time.perf_counter()
        trainer.fit(1 + steps, progress=False)
        return steps / (time.perf_counter() - t0)


def bench_dit_training(repeats: int) -> list[Measurement]:
    with _OneThread():
        return _bench_dit_training(repeats)


def _bench_dit_training(repeats: int) -> list[Measurement]:
    from ambisketch.engine.models.text_encoder import TextEncoder

    from ..codec.data import SyntheticFoaSource

    text = TextEncoder(cache_size=1024)
    out = []
    steps = max(2, min(repeats, 3))
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        # The recipes' clip lengths (tiny: 0.25 s crops of 1 s clips; laptop: 10 s) and micro-
        # batches (the laptop recipe accumulates 4 of them per optimiser step: divide by 4).
        for recipe, codec_preset, seconds in (("tiny", "tiny", 1.0), ("laptop", "small", SECONDS)):
            cfg = replace(resolve_dit_config(recipe), grad_accum=1)
            torch.manual_seed(0)
            codec = build_codec(CODEC_PRESETS[codec_preset]).eval()
            lib = _scan(tmp / recipe, seconds)
            cache = encode_library(
                lib, codec, tmp / recipe / "cache", settings=EncodeSettings(augmentations=1)
            )
            rate = _steps_per_second(cfg, cache, codec, text, steps)
            audio = cfg.batch_size * cfg.clip_seconds
            detail = (
                f"'{recipe}' recipe, one micro-batch of {cfg.batch_size} × "
                f"{cfg.clip_seconds:g} s latents from the cache, one CPU thread: "
                f"{audio * rate:.1f} s of audio per second"
            )
            out.append(
                Measurement(f"dit.train_steps_{recipe}", rate, "steps/s", detail, 1.0 / rate)
            )
            if recipe == "laptop":
                live = _steps_per_second(cfg, SyntheticFoaSource(8, seconds), codec, text, steps)
                out.append(
                    Measurement(
                        "dit.encode_every_step",
                        rate / live,
                        "x the time of a cached step",
                        f"'laptop' recipe: the codec encodes each batch's audio "
                        f"({live:.2f} steps/s) instead of reading latents",
                        1.0 / live,
                    )
                )
    return out


BENCHMARKS = [
    Benchmark(
        "latent-cache",
        "latent cache: augmented samples encoded per second of compute",
        bench_latent_cache,
    ),
    Benchmark(
        "dit-training",
        "DiT training steps per second (tiny and laptop recipes)",
        bench_dit_training,
    ),
]
