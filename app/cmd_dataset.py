"""``ambisketch dataset``: scan a sound library, preview augmented samples, write a fixed
test set, build the starter corpus."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ambisketch.training.data import (AugmentConfig, Library, ScanConfig, SpatialDataset,
                                      scan_library, split_library, write_test_set)
from ambisketch.training.data.errors import DatasetError
from ambisketch.training.data.testset import write_samples
from ambisketch.training.recipes.starter.build import add_arguments, build_starter, options_from_args

from .cli_support import note



def _scan_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("library", metavar="LIBRARY", help="folder of sound files (searched recursively)")
    p.add_argument("--rate", type=int, default=16000, help="model sample rate in Hz (default: 16000)")
    p.add_argument("--seconds", type=float, default=10.0, help="clip length (default: 10)")
    p.add_argument("--channels", choices=("mix", "each"), default="mix",
                   help="multichannel files: mix to mono (default) or one clip per channel")
    p.add_argument("--min-seconds", type=float, default=0.3,
                   help="drop clips shorter than this after trimming silence (default: 0.3)")
    p.add_argument("--cache-dir", metavar="DIR",
                   help="decoded-clip cache (default: $AMBISKETCH_CACHE_DIR or the user cache folder)")
    p.add_argument("--progress", action="store_true", help="show a progress bar even when not a TTY")


def register(sub: argparse._SubParsersAction) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    d = sub.add_parser(
        "dataset", help="training data: scan a library, preview, test set, starter corpus",
        formatter_class=fmt,
        description="Prepare training data: scan a folder of sounds into captioned clips, "
                    "listen to augmented FOA samples, write a fixed test set, or build the "
                    "starter corpus from offline sources.",
        epilog="examples:\n  ambisketch dataset scan ~/sfx --report scan.json\n"
               "  ambisketch dataset preview ~/sfx -o preview/ -n 8\n"
               "  ambisketch dataset test-set ~/sfx -o testset/ -n 200\n"
               "  ambisketch dataset build-starter /data/corpus-starter")
    d.set_defaults(_parser=d)
    ds = d.add_subparsers(dest="dataset_command", metavar="ACTION", parser_class=type(d))

    s = ds.add_parser("scan", help="scan a library and report what is usable",
                      formatter_class=fmt,
                      description="Decode every wav/flac/ogg/mp3/aiff file once (cached), caption it "
                                  "(sidecar NAME.txt, captions.csv/captions.jsonl/metadata.csv, or the "
                                  "file name) and report what was used and what was skipped and why.",
                      epilog="examples:\n  ambisketch dataset scan ~/sfx\n"
                             "  ambisketch dataset scan ~/sfx --report scan.json --channels each")
    _scan_options(s)
    s.add_argument("--report", metavar="FILE", help="also write the report as JSON here")
    s.add_argument("--json", action="store_true", help="print the report as JSON")
    s.set_defaults(func=cmd_scan)

    b = ds.add_parser("build-starter", help="build the starter corpus from offline sources",
                      formatter_class=fmt,
                      description="Build a varied, legally clean corpus: procedural sounds, General "
                                  "MIDI instruments (fluidsynth), espeak-ng speech and Debian sound "
                                  "packages (installed with apt-get when run as root; otherwise "
                                  "skipped with the reason). Writes audio/, captions.csv, "
                                  "manifest.json and LICENSES.md.",
                      epilog="examples:\n  ambisketch dataset build-starter /data/corpus-starter\n"
                             "  ambisketch dataset build-starter /tmp/c --only procedural --limit 2")
    add_arguments(b)
    b.set_defaults(func=cmd_build_starter)

    pv = ds.add_parser("preview", help="write a few augmented FOA samples to listen to",
                       formatter_class=fmt,
                       description="Write N augmented samples (AmbiX WAV + .json sidecar with the "
                                   "captions, path and parametric fields) and captions.txt.",
                       epilog="examples:\n  ambisketch dataset preview ~/sfx -o preview/ -n 8\n"
                              "  ambisketch dataset preview ~/sfx -o p/ --multi-segment 0.5 --seed 3")
    _scan_options(pv)
    _sample_options(pv, default_n=8)
    pv.add_argument("--multi-segment", type=float, default=0.0, metavar="P",
                    help="probability of a 2–4 segment path for moving samples (default: 0, the paper)")
    pv.set_defaults(func=cmd_preview)

    t = ds.add_parser("test-set", help="write the fixed evaluation set once",
                      formatter_class=fmt,
                      description="Write N samples of the library's test split (by source file, so "
                                  "nothing leaks from training) as WAV + testset.json.",
                      epilog="examples:\n  ambisketch dataset test-set ~/sfx -o testset/ -n 200")
    _scan_options(t)
    _sample_options(t, default_n=100)
    t.add_argument("--split", default="test", choices=("train", "valid", "test"),
                   help="which split to draw from (default: test)")
    t.set_defaults(func=cmd_test_set)


def _sample_options(p: argparse.ArgumentParser, default_n: int) -> None:
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder to write into")
    p.add_argument("-n", type=int, default=default_n, help=f"number of samples (default: {default_n})")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--force", action="store_true", help="overwrite files that exist")


def _scan(args: argparse.Namespace) -> Library:
    cfg = ScanConfig(rate=args.rate, clip_seconds=args.seconds, channels=args.channels,
                     min_seconds=args.min_seconds)
    return scan_library(args.library, cfg, cache_dir=args.cache_dir,
                        progress=True if args.progress else None)


def cmd_scan(args: argparse.Namespace) -> int:
    lib = _scan(args)
    if args.json:
        print(json.dumps(lib.report.to_dict(), indent=2))
    else:
        print(lib.report.format())
    if args.report:
        note(f"report written to {lib.report.write(args.report)}")
    return 0


def cmd_build_starter(args: argparse.Namespace) -> int:
    manifest = build_starter(args.out, options_from_args(args),
                             progress=True if args.progress else None, log=note)
    print(f"{manifest['files']} files, {manifest['concept_count']} concepts, "
          f"{manifest['hours']:.2f} h, {manifest['size_bytes'] / 1e6:.1f} MB in "
          f"{manifest['build_seconds']:.0f} s → {args.out}")
    for name, st in manifest["sources"].items():
        line = f"  {name:<12} {st['status']}"
        line += f", {st['files']} files" if st["status"] == "built" else f": {st['reason']}"
        if st.get("errors"):
            line += f" ({len(st['errors'])} task(s) failed: {st['errors'][0]})"
        print(line)
    return 0


def _check_n(n: int) -> None:
    if n < 1:
        raise DatasetError(f"-n must be at least 1, got {n}")


def cmd_preview(args: argparse.Namespace) -> int:
    _check_n(args.n)
    lib = _scan(args)
    ds = SpatialDataset(lib, AugmentConfig(multi_segment_prob=args.multi_segment), seed=args.seed)
    picks = np.random.default_rng(args.seed).choice(len(ds), min(args.n, len(ds)), replace=False)
    entries = write_samples(ds, sorted(picks.tolist()), args.output, overwrite=args.force)
    lines = [f"{e['file']}\t{e['spatial_caption']}" for e in entries]
    (Path(args.output) / "captions.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    note(f"{len(entries)} AmbiX samples at {lib.config.rate} Hz written to {args.output}")
    return 0


def cmd_test_set(args: argparse.Namespace) -> int:
    _check_n(args.n)
    lib = _scan(args)
    part = split_library(lib)[args.split]
    if len(part) == 0:
        raise DatasetError(f"{args.library}: the {args.split} split is empty "
                           f"({len(lib)} clips in all; it holds about 5 % of the source files)")
    index = write_test_set(SpatialDataset(part, seed=args.seed), args.output, args.n,
                           seed=args.seed, overwrite=args.force)
    note(f"test set of {min(args.n, 2 * len(part))} samples from {len(part)} clips: {index}")
    return 0
