"""Benchmarks of the neural models (collected by ``ambisketch bench``)."""

from __future__ import annotations

import json
import subprocess
import sys

import torch

from ..benchmarking import Benchmark, Measurement, realtime, time_call
from .codec import CODEC_PRESETS, FoaCodec

SECONDS = 10.0

_PEAK_SCRIPT = """
import json, resource, sys, torch
from ambisketch.engine.models.codec import CODEC_PRESETS, FoaCodec
torch.set_num_threads(1)
codec = FoaCodec(CODEC_PRESETS["small"]).eval()
x = torch.randn(1, 4, int(float(sys.argv[1]) * 16000)) * 0.1
with torch.no_grad():
    codec.decode(codec.encode(x[..., :32768]))  # warm the allocator up on 2 s
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if sys.argv[2] == "chunked":
        codec.decode_chunked(codec.encode_chunked(x))
    else:
        codec.decode(codec.encode(x))
print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base))
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
            t_enc = time_call(lambda: (codec.encode_chunked(x), sync()), repeats)
            t_dec = time_call(lambda: (codec.decode_chunked(z), sync()), repeats)
        detail = f"small codec ({sum(p.numel() for p in codec.parameters()) / 1e6:.2f} M), " \
                 f"{SECONDS:g} s of FOA at {rate} Hz on {device}"
        out += [realtime(f"codec.encode.{device}", SECONDS, t_enc, detail),
                realtime(f"codec.decode.{device}", SECONDS, t_dec, detail)]
    return out


def _peak_rss_kib(seconds: float, mode: str) -> float:
    """Growth of the peak resident memory of a fresh process encoding + decoding."""
    res = subprocess.run([sys.executable, "-c", _PEAK_SCRIPT, str(seconds), mode],
                         capture_output=True, text=True, timeout=600, check=True)
    return float(json.loads(res.stdout.strip().splitlines()[-1]))


def bench_codec_memory(repeats: int) -> list[Measurement]:
    """Chunked inference keeps memory flat: its peak for a 60 s take against one pass."""
    chunked, whole = _peak_rss_kib(60.0, "chunked"), _peak_rss_kib(60.0, "whole")
    return [Measurement("codec.peak_memory_chunked", chunked / max(whole, 1.0),
                        "x the peak memory of one pass",
                        f"{chunked / 1024:.0f} MiB chunked vs {whole / 1024:.0f} MiB in one pass "
                        "for 60 s (encode + decode, small codec, CPU)")]


BENCHMARKS = [
    Benchmark("codec", "FOA codec encode/decode real-time factors (small config)", bench_codec),
    Benchmark("codec-memory", "FOA codec peak memory, long vs short takes", bench_codec_memory),
]
