"""Benchmarks of the training data pipeline (collected by ``ambisketch bench``): library
scan throughput (first scan and cached re-scan) and augmentation speed on one core."""

from __future__ import annotations

import tempfile
from itertools import count
from pathlib import Path

import numpy as np
import soundfile as sf

from ambisketch.engine.benchmarking import Benchmark, Measurement, time_call

from .data import AugmentConfig, SpatialDataset, draw_pair, scan_library

SCAN_FILES = 120


def _library(root: Path, n: int = SCAN_FILES) -> Path:
    """``n`` files of 1–4 s: mono/stereo, 44.1/48 kHz, WAV and FLAC, in 6 folders."""
    rng = np.random.default_rng(0)
    for i in range(n):
        rate = (44100, 48000)[i % 2]
        ch = 1 + (i % 3 == 0)
        x = (rng.standard_normal((int(rng.uniform(1, 4) * rate), ch)) * 0.1).astype(np.float32)
        folder = root / f"folder{i % 6}"
        folder.mkdir(parents=True, exist_ok=True)
        sf.write(folder / f"sound_{i:03d}.{('wav', 'flac')[i % 2]}", x, rate)
    return root


def _rate(name: str, items: float, seconds: float, unit: str, detail: str) -> Measurement:
    return Measurement(name, items / seconds, unit, detail, seconds)


def bench_scan(repeats: int) -> list[Measurement]:
    with tempfile.TemporaryDirectory() as tmp:
        lib = _library(Path(tmp) / "lib")
        fresh = count()
        t_cold = time_call(
            lambda: scan_library(lib, cache_dir=Path(tmp) / f"c{next(fresh)}", progress=False),
            max(1, min(repeats, 3)),
            warmup=0,
        )
        warm_cache = Path(tmp) / "warm"
        scan_library(lib, cache_dir=warm_cache, progress=False)
        t_warm = time_call(lambda: scan_library(lib, cache_dir=warm_cache, progress=False), repeats)
    detail = f"{SCAN_FILES} files of 1–4 s (WAV/FLAC, 44.1/48 kHz, mono/stereo) → 16 kHz clips"
    return [
        _rate("scan.first", SCAN_FILES, t_cold, "files/s", f"{detail}, decode + cache, 2 threads"),
        _rate("scan.cached", SCAN_FILES, t_warm, "files/s", f"{detail}, from the cache"),
    ]


def bench_augment(repeats: int) -> list[Measurement]:
    cfg = AugmentConfig()
    rng = np.random.default_rng(0)
    draws = 2000
    t_meta = time_call(lambda: [draw_pair(rng, cfg) for _ in range(draws // 2)], repeats)
    with tempfile.TemporaryDirectory() as tmp:
        lib = scan_library(
            _library(Path(tmp) / "lib", 8), cache_dir=Path(tmp) / "c", progress=False
        )
        ds = SpatialDataset(lib, cfg)
        it = count()
        t_item = time_call(lambda: ds[next(it) % len(ds)], max(repeats, 8))
    return [
        _rate(
            "augment.draws",
            draws,
            t_meta,
            "samples/s",
            "paper rules: static + moving metadata and paths (no audio), one core",
        ),
        _rate(
            "augment.samples",
            1,
            t_item,
            "samples/s",
            "dataset item: cached clip → 10 s FOA at 16 kHz + captions, one core",
        ),
    ]


BENCHMARKS = [
    Benchmark("dataset-scan", "library scan throughput, first and cached", bench_scan),
    Benchmark(
        "augment", "spatial augmentation: metadata draws and rendered FOA samples", bench_augment
    ),
]
