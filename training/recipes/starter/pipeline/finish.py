"""The last two stages: evaluate (codec Table 3, generator Table 2, CPU latency of a
full-length take) and export (the bundle with its model card, atomically)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from ambisketch.engine.audio_io import write_audio
from ambisketch.engine.files import atomic_target
from ambisketch.engine.json_types import JSONObject

from .card import model_card
from .sizes import BUNDLE_LIMIT_BYTES, RecipeError
from .stages import Context
from .state import now

LATENCY_PROMPT, LATENCY_PATH = "a dog barking", "orbit"


def trained_bundle(ctx: Context, device: str = "cpu") -> Any:
    """The codec bundle and the DiT run's EMA weights as a loaded :class:`ModelBundle`."""
    from ambisketch.engine.models.bundle import BundleInfo, ModelBundle
    from ambisketch.engine.models.codec_bundle import load_codec_bundle
    from ambisketch.training.export import dit_from_run

    model, config, step = dit_from_run(ctx.paths.dit_run)
    info = BundleInfo(
        clip_seconds=config.clip_seconds,
        text_encoder=config.text_encoder,
        text_max_tokens=config.text_max_tokens,
        name=f"Ambisketch starter ({ctx.settings.size})",
        defaults=dict(ctx.settings.spec.generate),
    )
    codec = load_codec_bundle(ctx.paths.codec, device)
    return ModelBundle(codec, model.to(device).eval(), info)


def _write_json(path: Path, data: Any) -> None:
    with atomic_target(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def cpu_latency(ctx: Context, out: Path) -> JSONObject:
    """Time one full-length parametric take on the CPU at the bundle's default settings
    (after a one-step warm-up) and keep it as ``eval/latency-take.wav`` to listen to."""
    import torch

    from ambisketch.engine.generate import GenerationRequest, Generator
    from ambisketch.engine.spatial import preset

    text = ctx.text() if ctx.device == "cpu" else None
    gen = Generator(trained_bundle(ctx, "cpu"), device="cpu", text_encoder=text, precision="fp32")
    d = ctx.settings.spec.generate
    clip = gen.bundle.info.clip_seconds
    path = preset(LATENCY_PATH, clip)
    gen.generate(GenerationRequest(LATENCY_PROMPT, path, clip, 0, 1, d["cfg_scale"], d["sampler"]))
    t0 = time.perf_counter()
    take = gen.generate(
        GenerationRequest(
            LATENCY_PROMPT, path, clip, ctx.settings.seed, d["steps"], d["cfg_scale"], d["sampler"]
        )
    )[0]
    seconds = time.perf_counter() - t0
    write_audio(
        out / "latency-take.wav", take.foa, take.rate, overwrite=True, sidecar=take.sidecar()
    )
    return {
        "seconds": seconds,
        "take_seconds": clip,
        "steps": d["steps"],
        "sampler": d["sampler"],
        "realtime": clip / seconds,
        "threads": torch.get_num_threads(),
        "cpu": ctx.hardware.get("cpu"),
        "prompt": LATENCY_PROMPT,
        "path": LATENCY_PATH,
    }


def evaluate(ctx: Context) -> JSONObject:
    """Codec and generator metrics on the test set, and the CPU latency; the tables go to
    ``WORK/eval/report.txt`` and ``recipe.json``'s metrics."""
    from ambisketch.engine.generate import Generator
    from ambisketch.engine.models.codec_bundle import load_codec_bundle
    from ambisketch.training.eval_codec import evaluate_codec, format_table, test_set_files
    from ambisketch.training.eval_generator import EvalSettings, evaluate_generator, format_report

    spec, out, testset = ctx.settings.spec, ctx.paths.eval, ctx.testset_dir()
    out.mkdir(parents=True, exist_ok=True)
    ctx.log(f"eval: the codec on {testset} (at most {spec.eval_clips} clips)")
    codec = load_codec_bundle(ctx.paths.codec, ctx.device)
    codec_scores = evaluate_codec(codec, test_set_files(testset), spec.eval_clips)
    d = spec.generate
    settings = EvalSettings(
        steps=d["steps"],
        cfg_scale=d["cfg_scale"],
        sampler=d["sampler"],
        seed=ctx.settings.seed,
        limit=spec.eval_clips,
    )
    gen = Generator(trained_bundle(ctx, ctx.device), device=ctx.device, text_encoder=ctx.text())
    marks = [time.monotonic()]

    def progress(done: int, total: int) -> None:
        if time.monotonic() - marks[0] >= 30.0 or done == total:
            ctx.log(f"eval: {done} of {total} takes")
            marks[0] = time.monotonic()

    ctx.log(f"eval: the generator, both modes, {d['steps']} steps per take")
    from ambisketch.training.content_metric.realset import default_real_set

    scores = evaluate_generator(
        gen,
        testset,
        settings,
        progress=progress,
        takes_dir=out / "takes",
        real_set=default_real_set(),
    )
    del gen
    ctx.log("eval: CPU latency of a full-length take")
    latency = cpu_latency(ctx, out)
    metrics = {"codec": codec_scores.to_dict(), "generator": scores.to_dict(), "latency": latency}
    for name, data in metrics.items():
        _write_json(out / f"{name}.json", data)
    report = (
        f"codec\n{format_table(codec_scores)}\n\ngenerator\n{format_report(scores)}\n\n"
        f"latency: a {latency['take_seconds']:g} s take at {latency['steps']} steps in "
        f"{latency['seconds']:.1f} s on the CPU ({latency['threads']} torch thread(s))\n"
    )
    with atomic_target(out / "report.txt") as tmp:
        tmp.write_text(report, encoding="utf-8")
    for line in report.rstrip().splitlines():
        if line.strip():
            ctx.log(f"  {line}")
    ctx.state.data["metrics"] = metrics
    # No measured floats here: outputs are compared as the next stage's inputs (NaN ≠ NaN).
    return {"path": ctx.where(out), "finished": now()}


def _configs(ctx: Context, bundle: Any) -> JSONObject:
    from ambisketch.engine.models.codec import count_parameters
    from ambisketch.engine.models.codec_bundle import read_codec_meta
    from ambisketch.engine.models.codec_kinds import KINDS, kind_of

    # The codec bundle carries its run's config (the run folder may stay on another machine).
    codec_cfg = read_codec_meta(ctx.paths.codec)["training"]["config"]
    dit_cfg = json.loads((ctx.paths.dit_run / "config.json").read_text(encoding="utf-8"))
    c = bundle.codec.config
    kind = kind_of(c)
    summary = (
        f"{kind} codec ({KINDS[kind].summary}; {c.latent_channels} latent channels at "
        f"{c.latent_rate:.2f} Hz, {count_parameters(bundle.codec) / 1e6:.1f} M parameters)"
    )
    return {
        "codec": codec_cfg,
        "dit": dit_cfg,
        "codec_summary": summary,
        "dit_params": count_parameters(bundle.model),
    }


def _check_out(ctx: Context, out: Path) -> None:
    """Replace ``out`` only if this work folder made it, or when asked (``--force``)."""
    if not out.exists() or ctx.settings.overwrite_out:
        return
    try:
        meta = json.loads((out / "model.json").read_text(encoding="utf-8"))
        made_here = meta["training_data"]["recipe"]["work"] == str(ctx.settings.work.resolve())
    except (OSError, ValueError, KeyError, TypeError):
        made_here = False
    if not made_here:
        raise RecipeError(
            f"{out}: already exists and was not exported by this work folder "
            "(pass --force to replace it, or choose another --out)"
        )


def export(ctx: Context) -> JSONObject:
    """The bundle (codec + DiT EMA weights + model card) written atomically to ``--out``;
    float16 weights in the app's own folder, or when float32 would pass the shipping limit."""
    from ambisketch.engine.catalog import shipped_models_dir
    from ambisketch.engine.models.bundle import BundleInfo, ModelBundle, save_bundle

    if ctx.settings.out:
        out = Path(ctx.settings.out)
    else:  # the app's own models folder, made on first use
        out = shipped_models_dir() / "starter"
        out.parent.mkdir(parents=True, exist_ok=True)
    _check_out(ctx, out)
    if not out.parent.is_dir():
        raise RecipeError(f"{out}: folder {out.parent} does not exist")
    bundle = trained_bundle(ctx)
    fp32 = sum(
        t.numel() * 4
        for m in (bundle.codec, bundle.model)
        for t in m.state_dict().values()
        if t.is_floating_point()
    )
    # float16 over the shipping limit, and always in the app's own folder: that bundle is
    # committed, and the repository keeps every version of it (loading upcasts; the
    # difference is rounding, measured in the card's note).
    half = fp32 > BUNDLE_LIMIT_BYTES or not ctx.settings.out
    size = fp32 // 2 if half else fp32
    if size > BUNDLE_LIMIT_BYTES:
        ctx.log(
            f"export: {size / 1e6:.0f} MB even in float16, over the "
            f"{BUNDLE_LIMIT_BYTES / 1e6:.0f} MB the installer ships"
        )
    state = ctx.state.data
    corpus = state["stages"]["corpus"]["output"]
    summary = {
        "recipe": {
            "work": str(ctx.settings.work.resolve()),
            **state["settings"],
            "codec_step": state["stages"]["codec"]["output"]["step"],
            "dit_step": state["stages"]["dit"]["output"]["step"],
            "exported": now(),
        },
        "corpus": {
            "path": str(ctx.corpus_dir().resolve()),
            **{k: corpus.get(k) for k in ("files", "hours")},
        },
        "stage_seconds": {k: round(v.get("seconds", 0.0), 1) for k, v in state["stages"].items()},
        "metrics": {
            "spatial_angle": {
                m: v["spatial_angle"] for m, v in state["metrics"]["generator"]["modes"].items()
            },
            "cpu_latency_seconds": state["metrics"]["latency"]["seconds"],
        },
    }
    info = BundleInfo(
        clip_seconds=bundle.info.clip_seconds,
        text_encoder=bundle.info.text_encoder,
        text_max_tokens=bundle.info.text_max_tokens,
        name=bundle.info.name,
        training_data=summary,
        defaults=dict(bundle.info.defaults),
    )
    card = model_card(state, ctx.corpus_dir(), _configs(ctx, bundle), info.defaults, half, size)
    save_bundle(out, ModelBundle(bundle.codec, bundle.model, info, card), overwrite=True, half=half)
    ctx.log(f"export: wrote {out} ({size / 1e6:.1f} MB, {'float16' if half else 'float32'})")
    return {"path": ctx.where(out), "bytes": size, "dtype": "float16" if half else "float32"}
