"""Benchmarks of the starter recipe (collected by ``ambisketch bench``): the real-time
factor, on the CPU, of a full-length take from each shipped size's model at its bundle's
default steps — the figure that decides whether the default model is usable without a GPU
(a 10 s take must take < 30 s: a real-time factor above 0.33) — and the tiny recipe from
nothing to a bundle, as a ratio to one tiny DiT training step timed in the same run."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import torch

from ambisketch.engine.benchmarking import Benchmark, Measurement, ratio, realtime, time_call

from .sizes import SIZES, RecipeSettings, codec_train_config, dit_train_config

PROMPT = "a helicopter flying"


def _bundle(size: str):  # noqa: ANN202 - ModelBundle
    from ambisketch.engine.models.bundle import new_bundle

    s = RecipeSettings(Path("."), size=size)
    dit = dit_train_config(s)
    return new_bundle(
        codec_train_config(s).codec,
        dit.dit,
        dit.conditioner,
        clip_seconds=dit.clip_seconds,
        name=f"starter-{size} (untrained)",
    )


def _shipped():  # noqa: ANN202 - Path | None
    from ambisketch.engine.catalog import shipped_models_dir

    folder = shipped_models_dir() / "starter"
    return folder if (folder / "model.json").is_file() else None


def bench_take(repeats: int) -> list[Measurement]:
    """The shipped starter model when there is one, and untrained weights of each size (the
    cost does not depend on the values), at their default steps on the CPU."""
    from ambisketch.engine.generate import (
        GenerationRequest,
        Generator,
        SamplingDefaults,
        cpu_bf16,
    )
    from ambisketch.engine.spatial import preset

    out = []
    shipped = _shipped()
    for size in (["shipped"] if shipped else []) + ["cpu", "gpu"]:
        torch.manual_seed(0)
        threads = torch.get_num_threads()
        gen = Generator(
            shipped if size == "shipped" else _bundle(size),
            device="cpu",
            precision="fp32",
            threads=threads,
        )
        d = gen.defaults if size == "shipped" else SamplingDefaults.from_meta(SIZES[size].generate)
        clip = gen.bundle.info.clip_seconds
        request = GenerationRequest(
            PROMPT, preset("orbit", clip), clip, 0, d.steps, d.cfg_scale, d.sampler
        )
        seconds = time_call(lambda: gen.generate(request), max(1, min(repeats, 3)))
        what = "the shipped model" if size == "shipped" else "untrained weights"
        out.append(
            realtime(
                f"starter-{size}.take",
                clip,
                seconds,
                f"{what}: {clip:g} s parametric take, {d.steps} steps {d.sampler}, "
                f"CPU, {threads} thread(s); < 30 s needs ≥ {clip / 30:.2f}",
                size=size,
                steps=d.steps,
            )
        )
        if size == "shipped" and cpu_bf16():  # what --precision bf16 would give here
            fast = Generator(shipped, device="cpu", precision="bf16", threads=threads)
            t_bf16 = time_call(lambda: fast.generate(request), max(1, min(repeats, 3)))
            out.append(
                ratio(
                    "starter-shipped.take_bf16",
                    t_bf16,
                    seconds,
                    "the same take in fp32 (this CPU does bf16 natively: --precision bf16, "
                    "not the default: a bf16 take depends on the thread count)",
                )
            )
    return out


def bench_tiny_recipe(repeats: int) -> list[Measurement]:
    """The whole tiny chain (corpus → … → bundle) once, against one tiny DiT step."""
    from ambisketch.engine.models.diffusion import DiffusionModel

    from .recipe import StarterRecipe

    s = RecipeSettings(Path("."), size="tiny")
    cfg = dit_train_config(s)
    model = DiffusionModel(cfg.dit, cfg.conditioner)
    opt = torch.optim.AdamW(model.parameters(), cfg.lr)
    frames = int(round(cfg.clip_seconds * codec_train_config(s).codec.latent_rate))
    x0 = torch.randn(cfg.batch_size, cfg.dit.latent_channels, frames)
    text = torch.randn(cfg.batch_size, cfg.text_max_tokens, cfg.conditioner.text_dim)
    mask = torch.ones(cfg.batch_size, cfg.text_max_tokens, dtype=torch.bool)
    numbers = {
        "seconds_start": torch.zeros(cfg.batch_size),
        "seconds_total": torch.full((cfg.batch_size,), cfg.clip_seconds),
    }

    def step() -> None:
        loss = model.loss(x0, model.condition(text, mask, numbers))
        opt.zero_grad()
        loss.backward()
        opt.step()

    t_step = time_call(step, max(repeats, 5))
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        StarterRecipe(
            Path(tmp) / "work", size="tiny", device="cpu", log=None, out=Path(tmp) / "bundle"
        ).run()
        t_chain = time.perf_counter() - t0
    m = ratio("starter-tiny.recipe", t_chain, t_step, "one tiny DiT training step")
    detail = (
        f"{SIZES['tiny'].codec_steps} codec + {SIZES['tiny'].dit_steps} DiT steps, "
        "4-clip corpus, eval and export"
    )
    return [Measurement(m.name, m.value, m.unit, detail, m.seconds)]


BENCHMARKS = [
    Benchmark(
        "starter-take",
        "CPU real-time factor of a full-length take from each starter size at its default steps",
        bench_take,
    ),
    Benchmark(
        "starter-recipe", "the tiny starter recipe from nothing to a bundle", bench_tiny_recipe
    ),
]
