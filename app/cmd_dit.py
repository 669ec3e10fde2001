"""Generator commands: ``train dit``, ``export dit`` and ``eval generator``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ambisketch.engine.errors import EngineError

from .cli_support import add_training_args, command_group

FMT = argparse.RawDescriptionHelpFormatter


def register(sub: argparse._SubParsersAction) -> None:
    train = command_group(sub, "train", "train the codec (and later the generator)")
    t = train.add_parser(
        "dit",
        formatter_class=FMT,
        help="train the generator (DiT) on a frozen codec",
        description="Train the conditioned diffusion transformer on the latents of a trained "
        "codec. Training into an existing run folder needs --resume and continues "
        "from its last checkpoint (with the run's own codec).",
        epilog="examples:\n"
        "  ambisketch train dit --data starter --codec models/codec --out runs/dit\n"
        "  ambisketch train dit --data ~/Sounds --out runs/dit --resume --steps 200000\n"
        "  ambisketch dataset encode ~/Sounds --codec models/codec -o cache/sounds\n"
        "  ambisketch train dit --data cache/sounds --out runs/dit --config laptop\n"
        "  ambisketch train dit --data synthetic --codec runs/tiny-codec --out runs/smoke "
        "--config tiny --steps 50\n\n"
        "configs: the presets tiny and default, the recipes tiny, laptop, gpu and paper "
        "(training/recipes/configs), or a JSON file",
    )
    t.add_argument(
        "--data",
        required=True,
        metavar="LIBRARY|CACHE|starter|synthetic",
        help="a sound library folder (encoded on the fly), a latent cache from "
        "'dataset encode', the starter corpus, or synthetic FOA",
    )
    t.add_argument(
        "--codec",
        metavar="CODEC_BUNDLE|CODEC_RUN",
        help="the trained codec (a codec bundle or a codec run folder); "
        "not needed with --resume or a latent cache",
    )
    t.add_argument(
        "--out", required=True, metavar="RUN", help="run folder (config, codec, log, checkpoints)"
    )
    t.add_argument(
        "--config",
        metavar="PRESET|RECIPE|FILE.json",
        help="a preset or a JSON file of settings (default: 'default', or the "
        "run's own settings with --resume)",
    )
    t.add_argument(
        "--steps", type=int, default=100000, help="train until this step (default: 100000)"
    )
    t.add_argument(
        "--init-from",
        metavar="MODEL",
        help="start a new run from a trained generator's weights: a model bundle or a "
        "DiT run folder (its latest EMA weights); its codec too unless --codec is given. "
        "The optimizer starts fresh; ignored when resuming",
    )
    t.add_argument(
        "--rooms",
        type=float,
        default=0.0,
        metavar="P",
        help="with a sound library: the share of samples placed in a simulated room, "
        "with its distance, size and decay as conditioning (default 0: all dry)",
    )
    t.add_argument(
        "--multi-segment",
        type=float,
        default=0.0,
        metavar="P",
        help="with a sound library: the share of moving samples whose path has 2–4 "
        "segments, as users draw them (default 0)",
    )
    add_training_args(t)
    t.set_defaults(func=cmd_train_dit)
    w = train.add_parser(
        "encode-w",
        formatter_class=FMT,
        help="encode a DiT run's W latents ahead of training, on a spare core",
        description="Encode the W latents of the training clips that a DiT run on a sound "
        "library has not encoded yet, with the run's own codec, into the run's memo "
        "(RUN/w-latents). A running 'train dit' picks them up at its next checkpoint, so "
        "its first pass over the clips is not spent encoding. Several processes can share "
        "the work with --shard; a stopped one continues where it stopped.",
        epilog="examples:\n  OMP_NUM_THREADS=1 ambisketch train encode-w runs/dit --data ~/Sounds\n"
        "  ambisketch train encode-w runs/dit --data starter --shard 2/2",
    )
    w.add_argument("run", help="DiT run folder (trained with --data LIBRARY)")
    w.add_argument("--data", required=True, metavar="LIBRARY|starter", help="the run's library")
    w.add_argument(
        "--shard", default="1/1", metavar="I/N", help="take every N-th clip from the I-th (1/1)"
    )
    w.add_argument("--limit", type=int, metavar="N", help="encode at most N clips")
    w.set_defaults(func=cmd_encode_w)

    export = command_group(sub, "export", "turn a training run into a model others can load")
    e = export.add_parser(
        "dit",
        formatter_class=FMT,
        help="export a DiT run as a model bundle",
        description="Write the run's EMA weights and its codec as a model "
        "bundle for 'ambisketch generate --model'.",
        epilog="example:\n  ambisketch export dit runs/dit -o models/mine",
    )
    e.add_argument("run", help="DiT run folder")
    e.add_argument("-o", "--output", required=True, metavar="BUNDLE_DIR")
    e.add_argument("--force", action="store_true", help="replace an existing bundle")
    e.add_argument(
        "--half",
        action="store_true",
        help="store the weights in float16 (half the size; loaded as float32)",
    )
    e.set_defaults(func=cmd_export_dit)
    r = export.add_parser(
        "run",
        formatter_class=FMT,
        help="a compact resumable copy of a training run (to commit or carry)",
        description="Copy a codec or DiT run folder with its newest checkpoint's model and "
        "EMA weights in float16 and without optimizer state (about a quarter of the "
        "size). Training into the copy with --resume continues from that step; the "
        "optimizers start fresh and the learning rate is re-warmed over 500 steps.",
        epilog="example:\n  ambisketch export run runs/dit -o checkpoints/dit\n"
        "  ambisketch train dit --data ~/Sounds --out checkpoints/dit --resume",
    )
    r.add_argument("run", help="run folder (codec or DiT)")
    r.add_argument("-o", "--output", required=True, metavar="DIR")
    r.add_argument("--float32", action="store_true", help="keep the weights in float32")
    r.add_argument("--force", action="store_true", help="replace an existing folder")
    r.set_defaults(func=cmd_export_run)

    ev = command_group(sub, "eval", "measure a model with the papers' metrics")
    v = ev.add_parser(
        "generator",
        formatter_class=FMT,
        help="the paper's Table 2 metrics on a test set",
        description="Generate every test clip's prompt in descriptive mode (its spatial "
        "caption, no path) and parametric mode (its caption and path, and its room "
        "values for clips in rooms); report the direction errors beside the paper's "
        "(SonicMotion Table 2), Fréchet distances on offline embeddings (and CLAP "
        "metrics with --clap), and for clips in rooms the measured RT60 and DRR "
        "against the requested ones.",
        epilog="examples:\n  ambisketch dataset test-set ~/Sounds -o testset/ -n 200\n"
        "  ambisketch eval generator models/mine --test-set testset/ --steps 50\n"
        "  ambisketch eval generator models/mine --test-set testset/ --json "
        "--clap ~/models/clap-htsat-unfused",
    )
    v.add_argument("bundle", help="model bundle folder (or a DiT run folder)")
    v.add_argument(
        "--test-set",
        required=True,
        metavar="DIR",
        help="a test set from 'ambisketch dataset test-set' (testset.json + WAVs)",
    )
    v.add_argument("--steps", type=int, default=50, help="sampler steps (default 50)")
    v.add_argument("--cfg", type=float, default=7.0, help="guidance scale (default 7)")
    v.add_argument("--seed", type=int, default=0, help="seed of the first clip (default 0)")
    v.add_argument(
        "--modes",
        nargs="+",
        choices=("descriptive", "parametric"),
        default=["descriptive", "parametric"],
        help="which modes (default both)",
    )
    v.add_argument("--limit", type=int, help="evaluate only the first N clips")
    v.add_argument(
        "--clap",
        metavar="DIR",
        help="a local Hugging Face CLAP checkpoint folder (safetensors) for FD CLAP "
        "and the CLAP score",
    )
    v.add_argument(
        "--real",
        metavar="DIR",
        help="labelled real recordings (realset.json, from scripts/build-eval-real) "
        "for the aiSFX content metric: FD and class accuracy of text-only "
        "takes for each class's prompt",
    )
    v.add_argument(
        "--takes-per-class",
        type=int,
        default=2,
        metavar="N",
        help="takes per class for the content metric (default 2)",
    )
    v.add_argument("--takes", metavar="DIR", help="also write the generated takes here")
    v.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    v.add_argument("--json", action="store_true", help="print the scores as JSON")
    v.add_argument("--no-progress", action="store_true", help="no progress bar")
    v.set_defaults(func=cmd_eval_generator)


def cmd_train_dit(args: argparse.Namespace) -> int:
    from ambisketch.training.data.augment import AugmentConfig
    from ambisketch.training.dit.config import resolve_dit_config
    from ambisketch.training.dit.expand import can_expand
    from ambisketch.training.dit.trainer import DitTrainer
    from ambisketch.training.latents import fit_augment, is_latent_cache, open_latent_cache
    from ambisketch.training.loop import launched_rank
    from ambisketch.training.sources import resolve_source

    from .cmd_codec import _load_codec

    out = Path(args.out)
    resuming = (out / "config.json").exists()
    # Ranks > 0 of a distributed run start when rank 0 may have written the run folder.
    if resuming and not args.resume and launched_rank() == 0:
        raise EngineError(
            f"{out}: already holds a training run; pass --resume to continue it "
            "or choose another --out"
        )
    if args.steps < 1:
        raise EngineError("--steps must be at least 1")
    if args.batch is not None and args.batch < 1:
        raise EngineError("--batch must be at least 1")
    for name in ("rooms", "multi_segment"):
        if not 0.0 <= getattr(args, name) <= 1.0:
            flag = "--" + name.replace("_", "-")
            raise EngineError(
                f"{flag} must be a share between 0 and 1, got {getattr(args, name):g}"
            )
    cache = open_latent_cache(args.data) if is_latent_cache(args.data) else None
    init = None
    if args.init_from is not None and not resuming:
        init = _load_generator(args.init_from, "cpu").bundle
    if args.codec is None and init is not None and cache is None:
        codec = init.codec
    elif args.codec is None and cache is None and not (resuming and (out / "codec").is_dir()):
        raise EngineError("--codec is required to start a run (a codec bundle or codec run folder)")
    else:
        codec = _load_codec(args.codec) if args.codec is not None else None
    if codec is None and cache is not None and not resuming:
        codec = cache.codec()
    spec = args.config or (str(out / "config.json") if resuming else "default")
    config = resolve_dit_config(spec, batch_size=args.batch, num_workers=args.workers)
    if codec is not None and codec.config.latent_channels != config.dit.latent_channels:
        where = args.codec or f"{args.data} (its codec)"
        raise EngineError(
            f"{where}: the codec has {codec.config.latent_channels} latent "
            f"channels, config {spec!r} expects "
            f"{config.dit.latent_channels}"
        )
    if cache is not None:
        source = cache
    else:
        if codec is None:
            from ambisketch.engine.models.codec_bundle import load_codec_bundle

            rate = load_codec_bundle(out / "codec").config.sample_rate
        else:
            rate = codec.config.sample_rate
        augment = fit_augment(
            AugmentConfig(multi_segment_prob=args.multi_segment, room_prob=args.rooms),
            config.clip_seconds,
        )
        source = resolve_source(args.data, rate=rate, seed=config.seed, augment=augment)
    if (
        init is not None
        and (init.model.dit.config, init.model.conditioner.config)
        != (
            config.dit,
            config.conditioner,
        )
        and not can_expand(init.model, config)
    ):
        raise EngineError(
            f"{args.init_from}: its generator has another size than config {spec!r}; "
            "pass the config it was trained with"
        )
    trainer = DitTrainer(
        config,
        out,
        source,
        codec,
        accelerator=args.device,
        devices=args.gpus,
        log=lambda m: print(f"ambisketch: {m}", file=sys.stderr),
        init_model=None if init is None else init.model,
    )
    if init is not None:
        from ambisketch.training.lineage import write_init_record

        write_init_record(out, args.init_from, init.info)
    last = trainer.fit(args.steps, progress=not args.no_progress)
    trainer.close()
    if last and trainer.fabric.global_rank == 0:
        print(
            f"step {trainer.step}: loss {last.get('loss', float('nan')):.4f}; "
            f"checkpoint in {out / 'checkpoints'}"
        )
    return 0


def cmd_encode_w(args: argparse.Namespace) -> int:
    from ambisketch.engine.models.codec_bundle import load_codec_bundle
    from ambisketch.training.dit.w_ahead import encode_ahead, parse_shard
    from ambisketch.training.sources import resolve_source

    shard = parse_shard(args.shard)
    if args.limit is not None and args.limit < 1:
        raise EngineError("--limit must be at least 1")
    run = Path(args.run)
    if not (run / "codec").is_dir():
        raise EngineError(f"{run}: not a DiT run folder (no codec/)")
    rate = load_codec_bundle(run / "codec").config.sample_rate
    if args.data == "synthetic":
        raise EngineError("--data synthetic: synthetic FOA is made on the fly; there is no W memo")
    library = resolve_source(args.data, rate=rate).library  # type: ignore[union-attr]
    report = encode_ahead(
        run, library, shard=shard, limit=args.limit, log=lambda m: print(m, flush=True)
    )
    print(report.line())
    return 0


def cmd_export_dit(args: argparse.Namespace) -> int:
    from ambisketch.training.export import export_dit

    bundle = export_dit(args.run, args.output, overwrite=args.force, half=args.half)
    print(f"wrote {bundle}")
    return 0


def cmd_export_run(args: argparse.Namespace) -> int:
    from ambisketch.training.run_folder import compact_run

    out = Path(args.output)
    if out.exists() and not args.force:
        raise EngineError(f"{out}: already exists (use --force to replace it)")
    if not (Path(args.run) / "config.json").is_file():
        raise EngineError(f"{args.run}: not a training run folder (no config.json)")
    compact_run(args.run, out, half=not args.float32)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"wrote {out} ({size / 2**20:.1f} MB)")
    return 0


def _load_generator(path: str, device: str):  # noqa: ANN202 - Generator
    """A bundle folder, or a DiT run folder (its latest EMA weights and its codec)."""
    from ambisketch.engine.generate import Generator

    folder = Path(path)
    if (folder / "checkpoints").is_dir() and not (folder / "model.json").exists():
        from ambisketch.engine.models.bundle import BundleInfo, ModelBundle
        from ambisketch.engine.models.codec_bundle import load_codec_bundle
        from ambisketch.training.export import dit_from_run

        model, config, step = dit_from_run(folder)
        info = BundleInfo(
            clip_seconds=config.clip_seconds,
            text_encoder=config.text_encoder,
            text_max_tokens=config.text_max_tokens,
            name=f"{folder.name} (step {step})",
        )
        return Generator(
            ModelBundle(load_codec_bundle(folder / "codec"), model, info), device=device
        )
    return Generator(folder, device=device)


def cmd_eval_generator(args: argparse.Namespace) -> int:
    from ambisketch.training.eval_generator import EvalSettings, evaluate_generator, format_report
    from ambisketch.training.fad import ClapEmbedder

    if args.steps < 1:
        raise EngineError("--steps must be at least 1")
    settings = EvalSettings(
        steps=args.steps,
        cfg_scale=args.cfg,
        seed=args.seed,
        modes=tuple(dict.fromkeys(args.modes)),
        limit=args.limit,
    )
    if not Path(args.test_set).is_dir():
        raise EngineError(f"{args.test_set}: no such test-set folder")
    if args.takes_per_class < 1:
        raise EngineError("--takes-per-class must be at least 1")
    if args.real is not None:
        from ambisketch.training.content_metric.realset import load_real_set

        load_real_set(args.real)  # a bad folder fails before any take is made
    gen = _load_generator(args.bundle, args.device)
    clap = ClapEmbedder(args.clap, gen.device) if args.clap else None
    bar = None
    if not args.no_progress:
        from tqdm import tqdm

        bar = tqdm(desc="evaluating", unit="take", leave=False)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.total = total
            bar.update(done - bar.n)

    try:
        scores = evaluate_generator(
            gen,
            args.test_set,
            settings,
            clap=clap,
            progress=progress,
            takes_dir=args.takes,
            real_set=args.real,
            takes_per_class=args.takes_per_class,
        )
    finally:
        if bar is not None:
            bar.close()
    print(json.dumps(scores.to_dict(), indent=2) if args.json else format_report(scores))
    return 0
