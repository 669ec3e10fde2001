"""Codec commands: ``train codec``, ``export codec``, ``eval codec``, ``codec roundtrip`` and
``codec add-envelope``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ambisketch.engine import audio_io
from ambisketch.engine.errors import AudioFileError, Cancelled, EngineError
from ambisketch.engine.models.codec import roundtrip
from ambisketch.engine.models.codec_bundle import load_codec_bundle, save_codec_bundle
from ambisketch.engine.models.codec_kinds import AnyCodec

from .cli_support import add_output_args, add_training_args, command_group

FMT = argparse.RawDescriptionHelpFormatter


def register(sub: argparse._SubParsersAction) -> None:
    train = command_group(sub, "train", "train the codec (and later the generator)")
    t = train.add_parser(
        "codec",
        formatter_class=FMT,
        help="train the FOA codec (VAE)",
        description="Train the FOA codec on spatialised clips. Training into an existing run "
        "folder needs --resume and continues from its last checkpoint. Two kinds: "
        "the 4-channel VAE (small, paper, tiny) and the factored codec, a mono VAE "
        "for W plus measured DirAC direction channels (factored-small, "
        "factored-paper, factored-tiny).",
        epilog="examples:\n  ambisketch train codec --data starter --out runs/codec --steps 20000\n"
        "  ambisketch train codec --data starter --out runs/fcodec --config factored-small\n"
        "  ambisketch train codec --data ~/Sounds --out runs/mine --config small --resume\n"
        "  ambisketch train codec --data synthetic --out runs/smoke --config tiny --steps 50",
    )
    t.add_argument(
        "--data",
        required=True,
        metavar="LIBRARY|starter|synthetic",
        help="a sound library folder, the starter corpus, or synthetic FOA",
    )
    t.add_argument(
        "--out", required=True, metavar="RUN", help="run folder (config, log, checkpoints)"
    )
    t.add_argument(
        "--config",
        default="small",
        metavar="PRESET|FILE.json",
        help="a preset (4-channel: small, paper, tiny; factored: factored-small, "
        "factored-paper, factored-tiny) or a JSON file of settings "
        "(default: small)",
    )
    t.add_argument(
        "--steps", type=int, default=20000, help="train until this step (default: 20000)"
    )
    t.add_argument(
        "--cpu-minutes",
        type=float,
        metavar="MIN",
        help="stop (with a checkpoint, resumable) once this process has used this "
        "much CPU time training: compares runs fairly on a shared machine",
    )
    t.add_argument(
        "--init-from",
        metavar="MODEL",
        help="start a new run from a trained codec: a codec bundle, a model bundle "
        "(its codec) or a codec run folder; the discriminator and optimizers "
        "start fresh",
    )
    add_training_args(t)
    t.set_defaults(func=cmd_train_codec)

    export = command_group(sub, "export", "turn a training run into a model others can load")
    e = export.add_parser(
        "codec",
        formatter_class=FMT,
        help="export a codec run as a bundle",
        description="Write the run's EMA weights as codec.safetensors plus "
        "codec.json and a model card.",
        epilog="example:\n  ambisketch export codec runs/codec -o models/codec",
    )
    e.add_argument("run", help="run folder")
    e.add_argument("-o", "--output", required=True, metavar="BUNDLE_DIR")
    e.add_argument("--half", action="store_true", help="store weights in float16 (half the size)")
    e.add_argument("--force", action="store_true", help="replace an existing bundle")
    e.set_defaults(func=cmd_export_codec)

    ev = command_group(sub, "eval", "measure a model with the papers' metrics")
    v = ev.add_parser(
        "codec",
        formatter_class=FMT,
        help="the paper's codec metrics on a test set",
        description="STFT and MEL distance (auraloss defaults) and direction "
        "errors of the reconstruction, next to the paper's Table 3.",
        epilog="example:\n  ambisketch eval codec models/codec --test-set data/test",
    )
    v.add_argument("bundle", help="codec bundle folder (or a run folder)")
    v.add_argument("--test-set", required=True, metavar="DIR", help="folder of FOA test clips")
    v.add_argument("--limit", type=int, help="evaluate only the first N clips")
    v.add_argument("--json", action="store_true", help="print the scores as JSON")
    v.set_defaults(func=cmd_eval_codec)

    c = command_group(sub, "codec", "use a trained codec")
    r = c.add_parser(
        "roundtrip",
        formatter_class=FMT,
        help="encode and decode a file",
        description="Pass an FOA file through the codec, to hear what it keeps.",
        epilog="example:\n  ambisketch codec roundtrip take.wav -o take_codec.wav "
        "--model models/codec",
    )
    r.add_argument("input", help="4-channel AmbiX file")
    add_output_args(r, rate=False)
    r.add_argument("--model", required=True, metavar="BUNDLE", help="codec bundle (or run) folder")
    r.set_defaults(func=cmd_codec_roundtrip)
    a = c.add_parser(
        "add-envelope",
        formatter_class=FMT,
        help="a factored codec with W's envelope channels added",
        description="Write a copy of a factored codec (a codec bundle, or a model bundle's "
        "codec) with W's measured mel envelope as extra latent channels: decoding then "
        "imposes the envelope on the decoded W (README, 'Codec kinds'). The weights are "
        "the same; a generator for it is trained with 'train dit --init-from'.",
        epilog="example:\n  ambisketch codec add-envelope models/starter -o models/codec-env",
    )
    a.add_argument("model", metavar="CODEC", help="codec bundle, model bundle or codec run folder")
    a.add_argument("-o", "--output", required=True, help="codec bundle folder to write")
    a.add_argument("--bands", type=int, default=32, help="mel bands (default: 32)")
    a.add_argument("--force", action="store_true", help="replace OUTPUT if it exists")
    a.set_defaults(func=cmd_codec_add_envelope)


def _load_codec(path: str) -> AnyCodec:
    """A codec bundle folder of either kind, a full model bundle (its codec), or a run
    folder (its latest checkpoint's EMA weights)."""
    folder = Path(path)
    if (folder / "model.json").is_file() and not (folder / "codec.json").exists():
        from ambisketch.engine.models.bundle import load_bundle

        return load_bundle(folder).codec
    if (folder / "checkpoints").is_dir() and not (folder / "codec.json").exists():
        from ambisketch.training.export import codec_from_run

        return codec_from_run(folder)[0]
    return load_codec_bundle(folder)


def cmd_train_codec(args: argparse.Namespace) -> int:
    from ambisketch.training.codec.config import resolve_train_config
    from ambisketch.training.codec.trainer import CodecTrainer
    from ambisketch.training.loop import launched_rank
    from ambisketch.training.sources import resolve_source

    out = Path(args.out)
    # Ranks > 0 of a distributed run start when rank 0 may have written the run folder.
    if (out / "config.json").exists() and not args.resume and launched_rank() == 0:
        raise EngineError(
            f"{out}: already holds a training run; pass --resume to continue it "
            "or choose another --out"
        )
    if args.steps < 1:
        raise EngineError("--steps must be at least 1")
    if args.cpu_minutes is not None and not args.cpu_minutes > 0:
        raise EngineError(f"--cpu-minutes must be > 0, got {args.cpu_minutes:g}")
    config = resolve_train_config(args.config, batch_size=args.batch, num_workers=args.workers)
    source = resolve_source(args.data, rate=config.codec.sample_rate, seed=config.seed)
    init = _load_codec(args.init_from) if args.init_from else None
    trainer = CodecTrainer(
        config,
        out,
        source,
        accelerator=args.device,
        devices=args.gpus,
        log=lambda m: print(f"ambisketch: {m}", file=sys.stderr),
        init_from=init,
    )
    start = time.process_time()  # the budget counts training only, not the library scan
    over = (
        None
        if args.cpu_minutes is None
        else (lambda: time.process_time() - start >= 60.0 * args.cpu_minutes)
    )
    try:
        last = trainer.fit(args.steps, progress=not args.no_progress, should_stop=over)
        trainer.close()
    except Cancelled:
        trainer.close()  # the ranks stopped together (they agree on it), so they leave together
        if trainer.fabric.global_rank != 0 and over is not None:
            return 0  # the ranks stopped together; rank 0 reports
        if over is None or not over():
            raise
        print(
            f"step {trainer.step}: stopped after {args.cpu_minutes:g} CPU minutes; "
            f"checkpoint in {out / 'checkpoints'} (continue with --resume)"
        )
        return 0
    if last and trainer.fabric.global_rank == 0:
        terms = ", ".join(f"{k} {last[k]:.3f}" for k in ("spectral", "direction") if k in last)
        print(
            f"step {trainer.step}: loss {last.get('loss', float('nan')):.4f} ({terms}); "
            f"checkpoint in {out / 'checkpoints'}"
        )
    return 0


def cmd_export_codec(args: argparse.Namespace) -> int:
    from ambisketch.training.export import export_codec

    bundle = export_codec(args.run, args.output, half=args.half, overwrite=args.force)
    print(f"wrote {bundle}")
    return 0


def cmd_eval_codec(args: argparse.Namespace) -> int:
    from ambisketch.training.eval_codec import evaluate_codec, format_table, test_set_files

    codec = _load_codec(args.bundle)
    scores = evaluate_codec(codec, test_set_files(args.test_set), args.limit)
    print(json.dumps(scores.to_dict(), indent=2) if args.json else format_table(scores))
    return 0


def cmd_codec_roundtrip(args: argparse.Namespace) -> int:
    src, out = Path(args.input), Path(args.output)
    audio_io.check_writable(out, args.force, sidecar=True)
    codec = _load_codec(args.model)
    audio = audio_io.read_audio(src)
    if audio.channels != 4:
        raise AudioFileError(f"{src}: has {audio.channels} channel(s); FOA needs 4")
    rate = codec.config.sample_rate
    x = audio_io.resample(audio.samples, audio.rate, rate)
    y = roundtrip(codec, x)
    audio_io.write_audio(
        out,
        y,
        rate,
        bits=args.bits,
        overwrite=args.force,
        sidecar={
            "kind": "codec-roundtrip",
            "input": str(src.resolve()),
            "model": str(Path(args.model).resolve()),
            "format": "ambix",
            "sample_rate": rate,
        },
    )
    print(f"wrote {out} ({rate} Hz, {audio.duration:.2f} s through the codec)")
    return 0


def cmd_codec_add_envelope(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from ambisketch.engine.models.factored_codec import FactoredCodec

    codec = _load_codec(args.model)
    if not isinstance(codec, FactoredCodec):
        raise EngineError(f"{args.model}: a 4-channel codec; envelope channels need a factored one")
    try:
        config = replace(codec.config, envelope_bands=args.bands)
    except ValueError as exc:
        raise EngineError(f"--bands: {exc}") from None
    grown = FactoredCodec(config).eval()
    grown.load_state_dict(codec.state_dict())
    out = save_codec_bundle(args.output, grown, overwrite=args.force)
    print(
        f"wrote {out} ({config.latent_channels} latent channels: "
        f"{config.mono.latent_channels} W, {config.direction_channels} direction, "
        f"{config.envelope_bands} envelope)"
    )
    return 0
