"""Benchmarks of the generator (collected by ``ambisketch bench``): DiT steps per second, the
whole-take real-time factor, and on a GPU the ratio of a step's time to its compute floor
(the model's FLOPs ÷ the GPU's peak bf16 throughput)."""

from __future__ import annotations

import torch

from ..benchmarking import Benchmark, Measurement, realtime, time_call
from .bundle import new_bundle
from .codec import CODEC_PRESETS
from .conditioners import CONDITIONER_PRESETS
from .dit import DIT_PRESETS, count_parameters, dit_flops

SECONDS = 10.0
TAKE_STEPS = 50
TEXT_TOKENS = 16
# Dense bf16 tensor throughput (FLOP/s) from the vendors' data sheets, by device name.
PEAK_BF16 = {
    "H100": 989e12,
    "H200": 989e12,
    "A100": 312e12,
    "L40S": 362e12,
    "L4": 121e12,
    "A10": 125e12,
    "4090": 165e12,
    "3090": 71e12,
}


def _devices() -> list[str]:
    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def _peak(device: str) -> float | None:
    if device != "cuda":
        return None
    name = torch.cuda.get_device_name()
    for key, peak in PEAK_BF16.items():
        if key in name:
            return peak
    return None


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def bench_dit_step(repeats: int) -> list[Measurement]:
    """One sampler step of the default DiT for a 10 s take: cond + uncond in one batch."""
    out = []
    for device in _devices():
        torch.manual_seed(0)
        b = new_bundle(
            CODEC_PRESETS["small"],
            DIT_PRESETS["default"],
            CONDITIONER_PRESETS["default"],
            clip_seconds=SECONDS,
        )
        model = b.model.to(device)
        cfg = model.dit.config
        frames = b.clip_frames
        dtype = torch.bfloat16 if device == "cuda" else torch.float32
        text = torch.randn(1, TEXT_TOKENS, model.conditioner.config.text_dim, device=device)
        mask = torch.ones(1, TEXT_TOKENS, dtype=torch.bool, device=device)
        numbers = {
            "seconds_start": torch.zeros(1, device=device),
            "seconds_total": torch.full((1,), SECONDS, device=device),
        }
        states = torch.rand(1, frames, model.conditioner.config.state_features, device=device)
        with torch.no_grad():
            cond = model.condition(text, mask, numbers, states)
            both = cond.cat(cond.null())
        x = torch.randn(2, cfg.latent_channels, frames, device=device)
        t = torch.full((2,), 0.5, device=device)

        def step() -> None:
            with torch.no_grad(), torch.autocast(device, dtype=dtype, enabled=device == "cuda"):
                model(x, t, both)
            _sync(device)

        sec = time_call(step, repeats)
        flops = 2 * dit_flops(cfg, frames, both.tokens.shape[1])
        detail = (
            f"default DiT ({count_parameters(model.dit) / 1e6:.1f} M), {frames} frames + "
            f"{both.tokens.shape[1]} cross tokens, batch 2 (CFG) on {device}, "
            f"{flops / 1e9:.2f} GFLOP"
        )
        out.append(
            Measurement(
                f"dit.steps_per_s.{device}", 1.0 / sec, "steps/s", detail, sec, {"flops": flops}
            )
        )
        peak = _peak(device)
        if peak:
            out.append(
                Measurement(
                    f"dit.floor_ratio.{device}",
                    sec / (flops / peak),
                    "x the bf16 compute floor",
                    f"{torch.cuda.get_device_name()}, peak {peak / 1e12:.0f} TFLOP/s bf16",
                    sec,
                )
            )
    return out


def bench_take(repeats: int) -> list[Measurement]:
    """A whole 10 s take (text cached, 50 DPM-Solver++ 3M SDE steps, decode) per device."""
    from ..generate import GenerationRequest, Generator
    from ..spatial import preset

    out = []
    for device in _devices():
        b = new_bundle(
            CODEC_PRESETS["small"],
            DIT_PRESETS["default"],
            CONDITIONER_PRESETS["default"],
            clip_seconds=SECONDS,
        )
        gen = Generator(b, device=device)
        req = GenerationRequest(
            "a bee buzzing around the head",
            preset("orbit", SECONDS),
            SECONDS,
            seed=0,
            steps=TAKE_STEPS,
        )
        sec = time_call(lambda: gen.generate(req), max(1, repeats // 2))
        out.append(
            realtime(
                f"generate.take.{device}",
                SECONDS,
                sec,
                f"10 s take, {TAKE_STEPS} steps, default DiT + small codec, "
                f"{gen.dtype} on {device}",
            )
        )
    return out


BENCHMARKS = [
    Benchmark("dit", "DiT sampler steps per second (default config, 10 s take)", bench_dit_step),
    Benchmark("generate", "whole-take real-time factor (10 s, 50 steps)", bench_take),
]
