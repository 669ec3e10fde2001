"""``ambisketch train timbre``: a bundle's timbre prior, learned from a sound library."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ambisketch.engine.errors import EngineError

from .cli_support import command_group

FMT = argparse.RawDescriptionHelpFormatter


def register(sub: argparse._SubParsersAction) -> None:
    train = command_group(sub, "train", "train the codec (and later the generator)")
    t = train.add_parser(
        "timbre",
        formatter_class=FMT,
        help="learn the spectral shape prompts name (a bundle's timbre prior)",
        description="Measure the time-averaged mel shape of every clip of a library, learn "
        "caption -> shape with the bundle's text encoder, and write the bundle with that "
        "timbre prior: each take is then moved towards the shape its prompt names "
        "(generate --timbre). Minutes on a CPU.",
        epilog="example:\n  ambisketch train timbre --data ~/Sounds --model models/starter "
        "-o models/starter-timbre",
    )
    t.add_argument("--data", required=True, metavar="LIBRARY", help="a sound library folder")
    t.add_argument("--model", required=True, metavar="BUNDLE", help="the model bundle")
    t.add_argument("-o", "--output", required=True, help="model bundle folder to write")
    t.add_argument("--steps", type=int, default=3000, help="optimizer steps (default 3000)")
    t.add_argument("--force", action="store_true", help="replace OUTPUT if it exists")
    t.add_argument("--json", action="store_true", help="print the report as JSON")
    t.set_defaults(func=cmd_train_timbre)


def cmd_train_timbre(args: argparse.Namespace) -> int:
    from ambisketch.engine.models.bundle import read_bundle_meta
    from ambisketch.training.sources import resolve_source
    from ambisketch.training.timbre import train_timbre

    if args.steps < 1:
        raise EngineError("--steps must be at least 1")
    out = Path(args.output)
    if out.exists() and not args.force:
        raise EngineError(f"{out}: already exists (use --force to replace it)")
    meta = read_bundle_meta(args.model)
    source = resolve_source(args.data, rate=int(meta["sample_rate"]), progress=False)
    library = getattr(source, "library", None)
    if library is None:
        raise EngineError(f"{args.data}: a timbre prior is learned from a sound library folder")

    def log(msg: str) -> None:
        print(f"ambisketch: {msg}", file=sys.stderr)

    report = train_timbre(library, args.model, out, steps=args.steps, overwrite=args.force, log=log)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(
            f"wrote {out}: timbre prior from {report.clips} clips; held-out error "
            f"{report.held_error_db:.2f} dB (the library's mean shape: "
            f"{report.mean_shape_error_db:.2f} dB)"
        )
    return 0
