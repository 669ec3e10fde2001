"""Benchmarks of the neural models (collected by ``ambisketch bench``)."""

from __future__ import annotations

import json
import subprocess
import sys

import torch

from ..benchmarking import Benchmark, Measurement, ratio, realtime, time_call
from .codec import CODEC_PRESETS, FoaCodec
from .factored_codec import FACTORED_PRESETS, FactoredCodec

SECONDS = 10.0

_PEAK_SCRIPT = """
import json, sys, threading, time, torch
from ambisketch.engine.models.codec import CODEC_PRESETS, FoaCodec

def rss_kib():  # current resident memory (Linux); the high-water mark hides small peaks
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))

torch.set_num_threads(1)
codec = FoaCodec(CODEC_PRESETS["small"]).eval()
x = torch.randn(1, 4, int(float(sys.argv[1]) * 16000)) * 0.1
peak, done = [0], threading.Event()
def poll():
    while not done.is_set():
        peak[0] = max(peak[0], rss_kib())
        time.sleep(0.002)
base = rss_kib()
watcher = threading.Thread(target=poll)
watcher.start()
with torch.no_grad():
    if sys.argv[2] == "chunked":
        codec.decode_chunked(codec.encode_chunked(x))
    else:
        codec.decode(codec.encode(x))
done.set()
watcher.join()
print(json.dumps(max(peak[0] - base, 0)))
"""


def _devices() -> list[str]:
    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def bench_codec(repeats: int) -> list[Measurement]:
    out = []
    for device in _devices():
        torch.manual_seed(0)
        codec = FoaCodec(CODEC_PRESETS["small"]).to(device).eval()
        rate = codec.config.sample_rate
        x = torch.randn(1, 4, int(SECONDS * rate), device=device) * 0.1

        def sync() -> None:
            if device == "cuda":
                torch.cuda.synchronize()

        with torch.no_grad():
            z = codec.encode_chunked(x)

            def encode() -> None:
                codec.encode_chunked(x)
                sync()

            def decode() -> None:
                codec.decode_chunked(z)
                sync()

            t_enc = time_call(encode, repeats)
            t_dec = time_call(decode, repeats)
        detail = (
            f"small codec ({sum(p.numel() for p in codec.parameters()) / 1e6:.2f} M), "
            f"{SECONDS:g} s of FOA at {rate} Hz on {device}"
        )
        out += [
            realtime(f"codec.encode.{device}", SECONDS, t_enc, detail),
            realtime(f"codec.decode.{device}", SECONDS, t_dec, detail),
        ]
    return out


def _peak_rss_kib(seconds: float, mode: str) -> float:
    """Peak growth of the resident memory of a fresh process encoding + decoding (Linux)."""
    res = subprocess.run(
        [sys.executable, "-c", _PEAK_SCRIPT, str(seconds), mode],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return float(json.loads(res.stdout.strip().splitlines()[-1]))


def bench_codec_memory(repeats: int) -> list[Measurement]:
    """Chunked inference keeps memory flat: its peak for a 60 s take against one pass."""
    chunked, whole = _peak_rss_kib(60.0, "chunked"), _peak_rss_kib(60.0, "whole")
    return [
        Measurement(
            "codec.peak_memory_chunked",
            chunked / max(whole, 1.0),
            "x the peak memory of one pass",
            f"{chunked / 1024:.0f} MiB chunked vs {whole / 1024:.0f} MiB in one pass "
            "for 60 s (encode + decode, small codec, CPU)",
        )
    ]


def bench_dirac(repeats: int) -> list[Measurement]:
    """DirAC analysis and synthesis of a moving noise source (the factored codec's DSP)."""
    import numpy as np

    from ..spatial import preset
    from ..spatial.ambisonics import encode
    from ..spatial.dirac import analyze
    from ..spatial.dirac_synthesis import synthesize

    cfg = FACTORED_PRESETS["factored-small"]
    rate, hop = cfg.sample_rate, cfg.hop
    noise = np.random.default_rng(0).standard_normal(int(SECONDS * rate)) * 0.1
    foa = encode(noise, preset("orbit", SECONDS), rate)
    params = analyze(foa, rate, hop, band_edges=cfg.band_edges)
    t_an = time_call(lambda: analyze(foa, rate, hop, band_edges=cfg.band_edges), repeats)
    t_syn = time_call(
        lambda: synthesize(foa[0], params.vectors, rate, hop, band_edges=cfg.band_edges), repeats
    )
    detail = f"{cfg.bands} bands, frames of {hop} samples, {SECONDS:g} s of FOA at {rate} Hz"
    return [
        realtime("dirac.analyze", SECONDS, t_an, detail),
        realtime("dirac.synthesize", SECONDS, t_syn, detail),
    ]


def bench_codec_kinds(repeats: int) -> list[Measurement]:
    """The factored codec (mono VAE + DirAC) against the 4-channel one on one CPU thread.

    The two are timed alternately, call by call, so a busy shared machine slows both alike
    and the ratio stays meaningful."""
    import time

    torch.manual_seed(0)
    foa = FoaCodec(CODEC_PRESETS["small"]).eval()
    fac = FactoredCodec(FACTORED_PRESETS["factored-small"]).eval()
    x = torch.randn(1, 4, int(SECONDS * foa.config.sample_rate)) * 0.1
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            z = {"foa": foa.encode_chunked(x), "factored": fac.encode_chunked(x)}
            calls = {
                ("foa", "encode"): lambda: foa.encode_chunked(x),
                ("foa", "decode"): lambda: foa.decode_chunked(z["foa"]),
                ("factored", "encode"): lambda: fac.encode_chunked(x),
                ("factored", "decode"): lambda: fac.decode_chunked(z["factored"]),
            }
            times: dict[tuple[str, str], list[float]] = {k: [] for k in calls}
            for _ in range(max(1, repeats)):
                for key, call in calls.items():
                    t0 = time.perf_counter()
                    call()
                    times[key].append(time.perf_counter() - t0)
    finally:
        torch.set_num_threads(threads)
    median = {k: sorted(v)[len(v) // 2] for k, v in times.items()}
    detail = f"factored-small codec, {SECONDS:g} s of FOA, CPU, 1 thread"
    out = []
    for op in ("encode", "decode"):
        out.append(realtime(f"codec.factored.{op}.cpu", SECONDS, median["factored", op], detail))
        m = ratio(
            f"codec.factored.{op}_vs_foa",
            median["factored", op],
            median["foa", op],
            f"the 4-channel codec's {op}",
        )
        out.append(
            Measurement(
                m.name,
                m.value,
                m.unit,
                "small presets, 32 latent channels each, timed alternately on 1 thread",
                m.seconds,
            )
        )
    return out


def bench_envelope(repeats: int) -> list[Measurement]:
    """W's envelope channels: analysis and imposing (real-time factors), and the factored
    codec's decode with 32 envelope bands against the same codec without them, timed
    alternately on one thread."""
    import time
    from dataclasses import replace

    import numpy as np

    from . import envelope

    cfg = FACTORED_PRESETS["factored-small"]
    rate, hop, bands = cfg.sample_rate, cfg.hop, 32
    mono = np.random.default_rng(0).standard_normal(int(SECONDS * rate)).astype(np.float32) * 0.1
    env = envelope.analyze(mono, rate, hop, bands)
    t_an = time_call(lambda: envelope.analyze(mono, rate, hop, bands), repeats)
    t_im = time_call(lambda: envelope.impose(mono, env, rate, hop), repeats)
    detail = f"{bands} mel bands, frames of {hop} samples, {SECONDS:g} s of W at {rate} Hz"
    torch.manual_seed(0)
    plain = FactoredCodec(cfg).eval()
    shaped = FactoredCodec(replace(cfg, envelope_bands=bands)).eval()
    shaped.load_state_dict(plain.state_dict())
    x = torch.randn(1, 4, int(SECONDS * rate)) * 0.1
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            z = {"plain": plain.encode_chunked(x), "shaped": shaped.encode_chunked(x)}
            times: dict[str, list[float]] = {"plain": [], "shaped": []}
            for _ in range(max(1, repeats)):
                for key, codec in (("plain", plain), ("shaped", shaped)):
                    t0 = time.perf_counter()
                    codec.decode_chunked(z[key])
                    times[key].append(time.perf_counter() - t0)
    finally:
        torch.set_num_threads(threads)
    median = {k: sorted(v)[len(v) // 2] for k, v in times.items()}
    return [
        realtime("envelope.analyze", SECONDS, t_an, detail),
        realtime("envelope.impose", SECONDS, t_im, detail),
        ratio(
            "codec.factored.decode_with_envelope_vs_without",
            median["shaped"],
            median["plain"],
            "the same codec's decode without envelope channels",
        ),
    ]


def bench_timbre(repeats: int) -> list[Measurement]:
    """The timbre prior on a 10 s FOA take: the prediction from a pooled embedding and the
    time-varying EQ on four channels, against the same EQ on W alone."""
    import numpy as np

    from . import envelope
    from .timbre import TimbreConfig, TimbreModel, apply_timbre

    cfg = FACTORED_PRESETS["factored-small"]
    rate, hop = cfg.sample_rate, cfg.hop
    rng = np.random.default_rng(0)
    foa = (rng.standard_normal((4, int(SECONDS * rate))) * 0.1).astype(np.float32)
    torch.manual_seed(0)
    prior = TimbreModel(TimbreConfig()).eval()
    pooled = torch.randn(1, prior.config.text_dim)
    with torch.no_grad():
        shape = prior.shape_db(pooled)[0].numpy()
        t_pred = time_call(lambda: prior.shape_db(pooled), repeats)
    t_apply = time_call(lambda: apply_timbre(foa, shape, rate, hop), repeats)
    env = envelope.analyze(foa[0], rate, hop, 32)
    t_w = time_call(lambda: envelope.reshape(foa[:1], env, rate, hop), repeats)
    detail = f"32 mel bands, {SECONDS:g} s of FOA at {rate} Hz"
    return [
        realtime("timbre.apply", SECONDS, t_apply, detail),
        ratio("timbre.apply_vs_predict", t_apply, t_pred, "predicting one prompt's shape"),
        ratio("timbre.apply_vs_w_only", t_apply, t_w, "the same EQ on W alone"),
    ]


BENCHMARKS = [
    Benchmark("codec", "FOA codec encode/decode real-time factors (small config)", bench_codec),
    Benchmark("dirac", "DirAC analysis and synthesis real-time factors", bench_dirac),
    Benchmark(
        "codec-kinds", "factored codec encode/decode vs the 4-channel codec", bench_codec_kinds
    ),
    Benchmark("codec-memory", "FOA codec peak memory, long vs short takes", bench_codec_memory),
    Benchmark("envelope", "W envelope channels: analysis, imposing, decode cost", bench_envelope),
    Benchmark("timbre", "timbre prior: prediction and the EQ on a take", bench_timbre),
]
