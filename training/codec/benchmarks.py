"""Codec training throughput (collected by ``ambisketch bench``)."""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace

from ambisketch.engine.benchmarking import Benchmark, Measurement

from .config import TRAIN_PRESETS
from .data import SyntheticFoaSource
from .trainer import CodecTrainer


def _steps_per_second(adversarial: bool, steps: int) -> tuple[float, float]:
    cfg = replace(
        TRAIN_PRESETS["small"],
        adversarial_after=0 if adversarial else 10**9,
        checkpoint_every=10**9,
        log_every=10**9,
    )
    with tempfile.TemporaryDirectory() as run:
        trainer = CodecTrainer(
            cfg, run, SyntheticFoaSource(8, cfg.crop_seconds + 0.5), log=lambda m: None
        )
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
        out.append(
            Measurement(
                name,
                rate,
                "steps/s",
                f"{detail}{' + discriminator' if adversarial else ''}: "
                f"{audio:.1f} s of audio per second",
                1.0 / rate,
            )
        )
    return out


def _alternating_steps(names: tuple[str, ...], steps: int) -> list[float]:
    """Training steps/s of each preset (no discriminator), one step of each in turn on one
    thread, so all see the same machine load; the median of ``steps`` steps each."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    times: dict[str, list[float]] = {name: [] for name in names}
    try:
        with tempfile.TemporaryDirectory() as root:
            trainers = {}
            for name in names:
                cfg = replace(
                    TRAIN_PRESETS[name],
                    adversarial_after=10**9,
                    checkpoint_every=10**9,
                    log_every=10**9,
                )
                source = SyntheticFoaSource(8, cfg.crop_seconds + 0.5, rate=cfg.codec.sample_rate)
                trainers[name] = CodecTrainer(cfg, f"{root}/{name}", source, log=lambda m: None)
                trainers[name].fit(1, progress=False)  # warm-up
            for i in range(steps):
                for name, trainer in trainers.items():
                    t0 = time.perf_counter()
                    trainer.fit(2 + i, progress=False)
                    times[name].append(time.perf_counter() - t0)
    finally:
        torch.set_num_threads(threads)
    return [1.0 / sorted(times[n])[len(times[n]) // 2] for n in names]


def bench_factored_training(repeats: int) -> list[Measurement]:
    """Training steps/s of the factored codec (W VAE only) against the 4-channel one."""
    foa, fac = _alternating_steps(("small", "factored-small"), max(2, repeats))
    fac_cfg = TRAIN_PRESETS["factored-small"]
    audio = fac_cfg.batch_size * fac_cfg.crop_seconds
    detail = "factored-small codec, batch 8 x 2 s of FOA, 1 thread"
    return [
        Measurement(
            "codec.factored.train_steps",
            fac,
            "steps/s",
            f"{detail}: {audio * fac:.1f} s of audio per second",
            1.0 / fac,
        ),
        Measurement(
            "codec.factored.train_speedup",
            fac / foa,
            "x the steps/s of the 4-channel codec",
            f"{fac:.2f} vs {foa:.2f} steps/s, alternating steps, no discriminator",
        ),
    ]


def _codec_seconds(name: str, seconds: float, repeats: int) -> float:
    """Seconds to encode and decode ``seconds`` of FOA with a fresh codec of preset ``name``
    (chunked, as generation and the take store do), one thread, best of ``repeats``."""
    import torch

    from ambisketch.engine.models.codec_kinds import build_codec, codec_preset

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(0)
        codec = build_codec(codec_preset(name)).eval()
        x = torch.randn(1, 4, int(seconds * codec.config.sample_rate)) * 0.1
        best = float("inf")
        with torch.no_grad():
            for _ in range(max(1, repeats)):
                t0 = time.perf_counter()
                codec.decode_chunked(codec.encode_chunked(x))
                best = min(best, time.perf_counter() - t0)
    finally:
        torch.set_num_threads(threads)
    return best


def bench_full_band(repeats: int) -> list[Measurement]:
    """What a 48 kHz (full-band) W codec costs against the 16 kHz one of the same size:
    training steps, encode + decode of a 10 s take, and the 10 s take's latency (the DiT's
    sampling is the same — same latent rate and size — so only decoding changes; the
    sampling time is the shipped model's, measured here)."""
    from ambisketch.engine.catalog import default_bundle
    from ambisketch.engine.errors import ModelLoadError
    from ambisketch.engine.generate import GenerationRequest, Generator

    base, full = "factored-small", "factored-small-48k"
    s16, s48 = _alternating_steps((base, full), max(2, repeats))
    take = 10.0
    c16, c48 = _codec_seconds(base, take, repeats), _codec_seconds(full, take, repeats)
    out = [
        Measurement(
            "codec.full_band.train_steps_ratio",
            s48 / s16,
            "x the 16 kHz codec's training steps/s",
            f"{s48:.2f} vs {s16:.2f} steps/s, batch 8 x 2 s, 1 thread",
        ),
        Measurement(
            "codec.full_band.codec_realtime",
            take / c48,
            "x real time",
            f"encode + decode of {take:g} s at 48 kHz: {c48:.2f} s "
            f"(16 kHz: {c16:.2f} s, {c48 / c16:.1f}x)",
            c48,
        ),
    ]
    try:
        bundle = default_bundle()
    except ModelLoadError:  # no model installed: the codec figures alone
        return out
    if bundle is not None:
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            gen = Generator(bundle, device="cpu")
            d = gen.defaults
            req = GenerationRequest(
                "rain on a tin roof",
                seconds=take,
                seed=1,
                steps=d.steps,
                cfg_scale=d.cfg_scale,
                sampler=d.sampler,
            )
            timings = gen.generate(req)[0].timings
        finally:
            torch.set_num_threads(threads)
        latency = timings["total"] - timings["decode"] + c48
        out.append(
            Measurement(
                "codec.full_band.take_seconds",
                latency,
                "s",
                f"estimated {take:g} s take at {d.steps} steps, 1 thread, with a "
                f"48 kHz codec: the shipped model's sampling "
                f"{timings['total'] - timings['decode']:.2f} s + 48 kHz "
                f"encode/decode {c48:.2f} s (target < 5 s)",
                latency,
            )
        )
    return out


def bench_wide_decoder(repeats: int) -> list[Measurement]:
    """What widening the W decoder (``training/codec/widen.py``) costs a take: decoding 10 s
    of latents with the factored-small decoder at its width (16) and widened to 24 and 32,
    alternating on one thread (median)."""
    import torch

    from ambisketch.engine.models.codec import count_parameters
    from ambisketch.engine.models.codec_kinds import build_codec, codec_preset

    from .widen import widen_factored

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(0)
        base = build_codec(codec_preset("factored-small")).eval()
        codecs = {16: base, **{w: widen_factored(base, w).eval() for w in (24, 32)}}  # type: ignore[arg-type]
        take = 10.0
        z = torch.randn(1, base.config.latent_channels, int(take * base.config.latent_rate) + 1)
        times: dict[int, list[float]] = {w: [] for w in codecs}
        with torch.no_grad():
            for c in codecs.values():
                c.decode(z)  # warm-up
            for _ in range(max(3, repeats)):
                for w, c in codecs.items():
                    t0 = time.perf_counter()
                    c.decode(z)
                    times[w].append(time.perf_counter() - t0)
    finally:
        torch.set_num_threads(threads)
    med = {w: sorted(t)[len(t) // 2] for w, t in times.items()}
    out = []
    for w in (24, 32):
        params = count_parameters(codecs[w].mono.decoder)  # type: ignore[union-attr]
        out.append(
            Measurement(
                f"codec.wide_decoder_{w}.decode_ratio",
                med[w] / med[16],
                "x the decode time of the width-16 decoder",
                f"10 s decoded in {med[w]:.2f} s vs {med[16]:.2f} s, 1 thread "
                f"({params / 1e6:.1f} M decoder parameters; {take / med[w]:.0f}x real time)",
                med[w],
            )
        )
    return out


BENCHMARKS = [
    Benchmark(
        "codec-training", "codec training steps per second (small config)", bench_codec_training
    ),
    Benchmark(
        "codec-kinds-training",
        "factored vs 4-channel codec training steps per second",
        bench_factored_training,
    ),
    Benchmark(
        "full-band",
        "a 48 kHz W codec's cost against the 16 kHz one (training, encode/decode, take latency)",
        bench_full_band,
    ),
    Benchmark(
        "wide-decoder",
        "decode time of a widened W decoder (24, 32 channels) against the width-16 one",
        bench_wide_decoder,
    ),
]
