"""``ambisketch train highs``: the model that estimates a 16 kHz take's band above 7.6 kHz."""

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
        "highs",
        formatter_class=FMT,
        help="learn the band above 7.6 kHz from full-band recordings (exports at 44.1/48 kHz)",
        description="Band-limit every full-band file (44.1 kHz or more, with real content "
        "above 10 kHz) of the folders as a 16 kHz take is, learn the levels of its 12 bands "
        "between 7.6 and 20 kHz from the 16 bands under 7.6 kHz, and write the model with "
        "its held-out scores (full-band mel distance and level error against a fixed tilt). "
        "Exports at 32 kHz or more use it (takes export --no-highs leaves the band empty). "
        "Minutes on a CPU.",
        epilog="example:\n  ambisketch train highs --data ~/Sounds/96k ~/Sounds/field -o my-highs\n"
        "  AMBISKETCH_RESOURCES=... picks the folder a shipped model is read from "
        "(resources/highband)",
    )
    t.add_argument(
        "--data", required=True, nargs="+", metavar="FOLDER", help="folders of full-band audio"
    )
    t.add_argument("-o", "--output", required=True, help="model folder to write")
    t.add_argument("--steps", type=int, default=6000, help="optimizer steps (default 6000)")
    t.add_argument("--force", action="store_true", help="replace OUTPUT if it exists")
    t.add_argument("--json", action="store_true", help="print the report as JSON")
    t.set_defaults(func=cmd_train_highs)


def cmd_train_highs(args: argparse.Namespace) -> int:
    from ambisketch.training.highband import train_highs

    if args.steps < 1:
        raise EngineError("--steps must be at least 1")

    def log(msg: str) -> None:
        print(f"ambisketch: {msg}", file=sys.stderr)

    report = train_highs(
        [Path(d) for d in args.data],
        Path(args.output),
        steps=args.steps,
        overwrite=args.force,
        log=log,
    )
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        held = report["held_out"]
        assert isinstance(held, dict)
        print(
            f"wrote {args.output}: {report['train_files']} files learned, "
            f"{report['held_out_files']} held out; full-band mel distance "
            f"{held['mel_model']:.3f} (band-limited {held['mel_band_limited']:.3f}, fixed tilt "
            f"{held['mel_fixed_tilt']:.3f}); level error {held['level_error_db_model']:.1f} dB "
            f"(fixed tilt {held['level_error_db_fixed_tilt']:.1f} dB)"
        )
    return 0
