"""Benchmarks of monitoring (collected by ``ambisketch bench``): loudspeaker decoding, the
loudness meter, and how soon a head-tracker message reaches the audio."""

from __future__ import annotations

import time

import numpy as np

from ..benchmarking import Benchmark, Measurement, ratio, realtime, time_call
from ..loudness import measure
from ..spatial.ambisonics import encode
from ..spatial.presets import preset
from .layouts import Layout, get_layout
from .osc_tracker import OscHeadTracker
from .speaker_decoder import SpeakerDecoder, SpeakerRenderer, _design, design

RATE = 48000
BLOCK = 512


def _take(seconds: float) -> np.ndarray:
    x = (np.random.default_rng(0).standard_normal(int(seconds * RATE)) * 0.1).astype(np.float32)
    return encode(x, preset("orbit", seconds), RATE)


def bench_decode(repeats: int) -> list[Measurement]:
    seconds = 10.0
    foa = _take(seconds)
    layout = get_layout("7.1.4")
    t_design = time_call(lambda: _fresh_design(layout), max(1, repeats // 2), warmup=0)
    dec = design(layout)
    t_decode = time_call(lambda: dec.decode(foa, RATE), repeats)
    t_lfe = time_call(lambda: dec.decode(foa, RATE, lfe=True), repeats)
    r = SpeakerRenderer(dec, RATE)
    blocks = [foa[:, i : i + BLOCK] for i in range(0, 200 * BLOCK, BLOCK)]

    def stream() -> None:
        for i, b in enumerate(blocks):  # a new head rotation every block: the worst case
            r.set_rotation(yaw=(i * 7) % 360 - 180, pitch=5.0)
            r.process(b)

    t_block = time_call(stream, repeats) / len(blocks)
    return [
        realtime(
            "decode.7_1_4",
            seconds,
            t_decode,
            f"{seconds:g} s FOA at {RATE} Hz → 12 channels, AllRAD max-rE matrix",
        ),
        realtime(
            "decode.7_1_4_lfe",
            seconds,
            t_lfe,
            "the same with the LFE fed (120 Hz, 4th-order Butterworth)",
        ),
        Measurement(
            "decode.block_512",
            100 * t_block / (BLOCK / RATE),
            "% of the block period",
            f"{BLOCK}-sample playback blocks to 7.1.4, rotation changed every block",
            t_block,
        ),
        ratio("decode.design_7_1_4", t_design, t_decode, f"a {seconds:g} s decode"),
    ]


def _fresh_design(layout: Layout) -> SpeakerDecoder:
    """The decoder designed again (its cache emptied first), for timing the design."""
    _design.cache_clear()
    return design(layout)


def bench_loudness(repeats: int) -> list[Measurement]:
    seconds = 60.0
    foa = _take(seconds)
    t_ambix = time_call(lambda: measure(foa, RATE, ambix=True), repeats)
    binaural = foa[:2]
    t_stereo = time_call(lambda: measure(binaural, RATE), repeats)
    return [
        realtime(
            "loudness.take_60s",
            seconds,
            t_ambix,
            f"{seconds:g} s AmbiX at {RATE} Hz: integrated + LRA on W, true peak (4× "
            "oversampled) on all 4 channels",
        ),
        ratio("loudness.stereo_vs_ambix", t_stereo, t_ambix, "the AmbiX measurement"),
    ]


def bench_osc(repeats: int) -> list[Measurement]:
    """A SceneRotator message over UDP on this machine until the holder the audio callback
    reads has it; the callback reads once per block, so it is applied at the next block."""
    from pythonosc.udp_client import SimpleUDPClient

    period = BLOCK / RATE
    tracker = OscHeadTracker(port=0, host="127.0.0.1", smoothing_ms=0)
    tracker.start()
    try:
        client = SimpleUDPClient("127.0.0.1", tracker.address[1])
        lat = []
        for i in range(max(20, 10 * repeats)):
            tracker.updated.clear()
            t0 = time.perf_counter()
            client.send_message("/SceneRotator/ypr", [float(i % 90), 0.0, 0.0])
            if not tracker.updated.wait(1.0):
                continue
            lat.append(time.perf_counter() - t0)
        t_read = time_call(tracker.head_rotation, repeats * 200)
    finally:
        tracker.stop()
    lat.sort()
    median = lat[len(lat) // 2] if lat else float("nan")
    worst = lat[-1] if lat else float("nan")
    return [
        Measurement(
            "osc.receive_latency",
            100 * median / period,
            "% of the block period",
            f"median UDP send → pose held, {len(lat)} messages; applied at the next "
            f"{BLOCK}-sample block ({period * 1e3:.1f} ms at {RATE} Hz)",
            median,
            {"worst_percent": 100 * worst / period},
        ),
        Measurement(
            "osc.read_per_block",
            100 * t_read / period,
            "% of the block period",
            "the audio callback's read of the pose (lock, glide, angles)",
            t_read,
        ),
    ]


BENCHMARKS = [
    Benchmark(
        "decode",
        "FOA → loudspeakers (AllRAD): offline 7.1.4, playback blocks, design",
        bench_decode,
    ),
    Benchmark(
        "loudness",
        "BS.1770 integrated loudness, range and true peak of a 60 s take",
        bench_loudness,
    ),
    Benchmark("osc", "head tracking: an OSC message until the audio can use it", bench_osc),
]
