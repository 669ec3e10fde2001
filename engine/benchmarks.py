"""Benchmarks of the engine's DSP (collected by ``ambisketch bench``)."""

from __future__ import annotations

import numpy as np

from .benchmarking import Benchmark, Measurement, ratio, realtime, time_call
from .spatial.ambisonics import encode, encode_static, rotate
from .spatial.doa import intensity_doa
from .spatial.presets import preset
from .spatial.room import Room
from .spatial.room_render import render_in_room

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


def bench_room(repeats: int) -> list[Measurement]:
    x, orbit, room = _noise(), preset("orbit", SECONDS), Room.preset("medium")
    t_room = time_call(lambda: render_in_room(x, orbit, RATE, room, distance=3.0), repeats)
    t_dry = time_call(lambda: encode(x, orbit, RATE), repeats)
    return [
        realtime(
            "room.medium_moving",
            SECONDS,
            t_room,
            f"{SECONDS:g} s mono at {RATE} Hz along 'orbit' at 3 m in the medium room: "
            "63 image sources (order 3), air, diffuse tail, ring-out",
        ),
        ratio("room.vs_dry_encode", t_room, t_dry, "a dry moving encode"),
    ]


BENCHMARKS = [
    Benchmark("encode", "FOA encoding of a moving mono source", bench_encode),
    Benchmark("doa", "intensity-vector direction analysis and scene rotation", bench_doa),
    Benchmark("room", "a moving source rendered in a shoebox room", bench_room),
]
