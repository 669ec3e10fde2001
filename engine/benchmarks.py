"""Benchmarks of the engine's DSP (collected by ``ambisketch bench``)."""

from __future__ import annotations

import numpy as np

from .benchmarking import Benchmark, Measurement, ratio, realtime, time_call
from .spatial.ambisonics import encode, encode_static, rotate
from .spatial.doa import intensity_doa
from .spatial.presets import preset

RATE = 48000
SECONDS = 10.0


def _noise(seconds: float = SECONDS, rate: int = RATE) -> np.ndarray:
    return (np.random.default_rng(0).standard_normal(int(seconds * rate)) * 0.1).astype(np.float32)


def bench_encode(repeats: int) -> list[Measurement]:
    x = _noise()
    orbit, pass_by = preset("orbit", SECONDS), preset("pass-by", SECONDS)
    t_static = time_call(lambda: encode_static(x, 30.0, 10.0), repeats)
    t_moving = time_call(lambda: encode(x, orbit, RATE), repeats)
    t_air = time_call(lambda: encode(x, pass_by, RATE, distance=True, air=True), repeats)
    detail = f"{SECONDS:g} s mono at {RATE} Hz"
    return [
        realtime("encode.moving", SECONDS, t_moving, f"{detail} along 'orbit', per-sample gains"),
        ratio("encode.moving_vs_static", t_moving, t_static, "a static encode"),
        realtime("encode.distance_air", SECONDS, t_air, f"{detail} along 'pass-by', 1/r + air"),
    ]


def bench_doa(repeats: int) -> list[Measurement]:
    foa = encode(_noise(), preset("orbit", SECONDS), RATE)
    t_doa = time_call(lambda: intensity_doa(foa, RATE), repeats)
    t_rot = time_call(lambda: rotate(foa, 30.0, 10.0, 5.0), repeats)
    return [
        realtime("doa.intensity", SECONDS, t_doa, f"{SECONDS:g} s FOA at {RATE} Hz, 40 ms frames"),
        realtime("rotate.scene", SECONDS, t_rot, f"{SECONDS:g} s FOA at {RATE} Hz"),
    ]


BENCHMARKS = [
    Benchmark("encode", "FOA encoding of a moving mono source", bench_encode),
    Benchmark("doa", "intensity-vector direction analysis and scene rotation", bench_doa),
]
