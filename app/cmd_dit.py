"""Generator commands: ``train dit`` and ``export dit``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ambisketch.engine.errors import EngineError

from .cli_support import add_training_args, command_group

FMT = argparse.RawDescriptionHelpFormatter


def register(sub: argparse._SubParsersAction) -> None:
    train = command_group(sub, "train", "train the codec (and later the generator)")
    t = train.add_parser(
        "dit", formatter_class=FMT, help="train the generator (DiT) on a frozen codec",
        description="Train the conditioned diffusion transformer on the latents of a trained "
                    "codec. Training into an existing run folder needs --resume and continues "
                    "from its last checkpoint (with the run's own codec).",
        epilog="examples:\n"
               "  ambisketch train dit --data starter --codec models/codec --out runs/dit\n"
               "  ambisketch train dit --data ~/Sounds --out runs/dit --resume --steps 200000\n"
               "  ambisketch train dit --data synthetic --codec runs/tiny-codec --out runs/smoke "
               "--config tiny --steps 50")
    t.add_argument("--data", required=True, metavar="LIBRARY|starter|synthetic",
                   help="a sound library folder, the starter corpus, or synthetic FOA")
    t.add_argument("--codec", metavar="CODEC_BUNDLE|CODEC_RUN",
                   help="the trained codec (a codec bundle or a codec run folder); "
                        "not needed with --resume")
    t.add_argument("--out", required=True, metavar="RUN",
                   help="run folder (config, codec, log, checkpoints)")
    t.add_argument("--config", metavar="default|tiny|FILE.json",
                   help="a preset or a JSON file of settings (default: 'default', or the "
                        "run's own settings with --resume)")
    t.add_argument("--steps", type=int, default=100000,
                   help="train until this step (default: 100000)")
    add_training_args(t)
    t.set_defaults(func=cmd_train_dit)

    export = command_group(sub, "export", "turn a training run into a model others can load")
    e = export.add_parser("dit", formatter_class=FMT, help="export a DiT run as a model bundle",
                          description="Write the run's EMA weights and its codec as a model "
                                      "bundle for 'ambisketch generate --model'.",
                          epilog="example:\n  ambisketch export dit runs/dit -o models/mine")
    e.add_argument("run", help="DiT run folder")
    e.add_argument("-o", "--output", required=True, metavar="BUNDLE_DIR")
    e.add_argument("--force", action="store_true", help="replace an existing bundle")
    e.set_defaults(func=cmd_export_dit)


def cmd_train_dit(args: argparse.Namespace) -> int:
    from ambisketch.training.dit import DitTrainer
    from ambisketch.training.dit_config import resolve_dit_config
    from ambisketch.training.sources import resolve_source

    from .cmd_codec import _load_codec

    out = Path(args.out)
    resuming = (out / "config.json").exists()
    if resuming and not args.resume:
        raise EngineError(f"{out}: already holds a training run; pass --resume to continue it "
                          "or choose another --out")
    if args.steps < 1:
        raise EngineError("--steps must be at least 1")
    if args.batch is not None and args.batch < 1:
        raise EngineError("--batch must be at least 1")
    if args.codec is None and not (resuming and (out / "codec").is_dir()):
        raise EngineError("--codec is required to start a run (a codec bundle or codec run folder)")
    codec = _load_codec(args.codec) if args.codec is not None else None
    spec = args.config or (str(out / "config.json") if resuming else "default")
    config = resolve_dit_config(spec, batch_size=args.batch, num_workers=args.workers)
    if codec is not None and codec.config.latent_channels != config.dit.latent_channels:
        raise EngineError(f"{args.codec}: the codec has {codec.config.latent_channels} latent "
                          f"channels, config {spec!r} expects "
                          f"{config.dit.latent_channels}")
    if codec is None:
        from ambisketch.engine.models.codec_bundle import load_codec_bundle

        rate = load_codec_bundle(out / "codec").config.sample_rate
    else:
        rate = codec.config.sample_rate
    source = resolve_source(args.data, rate=rate, seed=config.seed)
    trainer = DitTrainer(config, out, source, codec, accelerator=args.device, devices=args.gpus,
                         log=lambda m: print(f"ambisketch: {m}", file=sys.stderr))
    last = trainer.fit(args.steps, progress=not args.no_progress)
    if last:
        print(f"step {trainer.step}: loss {last.get('loss', float('nan')):.4f}; "
              f"checkpoint in {out / 'checkpoints'}")
    return 0


def cmd_export_dit(args: argparse.Namespace) -> int:
    from ambisketch.training.export import export_dit

    bundle = export_dit(args.run, args.output, overwrite=args.force)
    print(f"wrote {bundle}")
    return 0
