"""``ambisketch dataset``: scan a sound library, preview augmented samples, write a fixed
test set, encode a latent cache for DiT training, build the starter corpus."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from ambisketch.training.data import (
    AugmentConfig,
    Library,
    ScanConfig,
    SpatialDataset,
    scan_library,
    split_library,
    write_test_set,
)
from ambisketch.training.data.errors import DatasetError
from ambisketch.training.data.testset import write_samples
from ambisketch.training.recipes.starter.build import (
    add_arguments,
    build_starter,
    options_from_args,
)

from .cli_support import note


def _scan_options(p: argparse.ArgumentParser, rate: bool = True) -> None:
    p.add_argument(
        "library", metavar="LIBRARY", help="folder of sound files (searched recursively)"
    )
    if rate:
        p.add_argument(
            "--rate", type=int, default=16000, help="model sample rate in Hz (default: 16000)"
        )
    p.add_argument("--seconds", type=float, default=10.0, help="clip length (default: 10)")
    p.add_argument(
        "--channels",
        choices=("mix", "each"),
        default="mix",
        help="multichannel files: mix to mono (default) or one clip per channel",
    )
    p.add_argument(
        "--min-seconds",
        type=float,
        default=0.3,
        help="drop clips shorter than this after trimming silence (default: 0.3)",
    )
    p.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="decoded-clip cache (default: $AMBISKETCH_CACHE_DIR or the user cache folder)",
    )
    p.add_argument(
        "--progress", action="store_true", help="show a progress bar even when not a TTY"
    )


def register(sub: argparse._SubParsersAction) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    d = sub.add_parser(
        "dataset",
        help="training data: scan a library, preview, test set, starter corpus",
        formatter_class=fmt,
        description="Prepare training data: scan a folder of sounds into captioned clips, "
        "listen to augmented FOA samples, write a fixed test set, or build the "
        "starter corpus from offline sources.",
        epilog="examples:\n  ambisketch dataset scan ~/sfx --report scan.json\n"
        "  ambisketch dataset preview ~/sfx -o preview/ -n 8\n"
        "  ambisketch dataset test-set ~/sfx -o testset/ -n 200\n"
        "  ambisketch dataset encode ~/sfx --codec models/codec -o cache/sfx\n"
        "  ambisketch dataset build-starter /data/corpus-starter",
    )
    d.set_defaults(_parser=d)
    ds = d.add_subparsers(dest="dataset_command", metavar="ACTION", parser_class=type(d))

    s = ds.add_parser(
        "scan",
        help="scan a library and report what is usable",
        formatter_class=fmt,
        description="Decode every wav/flac/ogg/mp3/aiff file once (cached), caption it "
        "(sidecar NAME.txt, captions.csv/captions.jsonl/metadata.csv, or the "
        "file name) and report what was used and what was skipped and why.",
        epilog="examples:\n  ambisketch dataset scan ~/sfx\n"
        "  ambisketch dataset scan ~/sfx --report scan.json --channels each",
    )
    _scan_options(s)
    s.add_argument("--report", metavar="FILE", help="also write the report as JSON here")
    s.add_argument("--json", action="store_true", help="print the report as JSON")
    s.set_defaults(func=cmd_scan)

    b = ds.add_parser(
        "build-starter",
        help="build the starter corpus from offline sources",
        formatter_class=fmt,
        description="Build a varied, legally clean corpus: procedural sounds, General "
        "MIDI instruments (fluidsynth), espeak-ng speech and Debian sound "
        "packages (installed with apt-get when run as root; otherwise "
        "skipped with the reason). Writes audio/, captions.csv, "
        "manifest.json and LICENSES.md.",
        epilog="examples:\n  ambisketch dataset build-starter /data/corpus-starter\n"
        "  ambisketch dataset build-starter /tmp/c --only procedural --limit 2",
    )
    add_arguments(b)
    b.set_defaults(func=cmd_build_starter)

    pv = ds.add_parser(
        "preview",
        help="write a few augmented FOA samples to listen to",
        formatter_class=fmt,
        description="Write N augmented samples (AmbiX WAV + .json sidecar with the "
        "captions, path and parametric fields) and captions.txt.",
        epilog="examples:\n  ambisketch dataset preview ~/sfx -o preview/ -n 8\n"
        "  ambisketch dataset preview ~/sfx -o p/ --multi-segment 0.5 --seed 3",
    )
    _scan_options(pv)
    _sample_options(pv, default_n=8)
    pv.add_argument(
        "--multi-segment",
        type=float,
        default=0.0,
        metavar="P",
        help="probability of a 2–4 segment path for moving samples (default: 0, the paper)",
    )
    pv.set_defaults(func=cmd_preview)

    t = ds.add_parser(
        "test-set",
        help="write the fixed evaluation set once",
        formatter_class=fmt,
        description="Write N samples of the library's test split (by source file, so "
        "nothing leaks from training) as WAV + testset.json.",
        epilog="examples:\n  ambisketch dataset test-set ~/sfx -o testset/ -n 200",
    )
    _scan_options(t)
    _sample_options(t, default_n=100)
    t.add_argument(
        "--split",
        default="test",
        choices=("train", "valid", "test"),
        help="which split to draw from (default: test)",
    )
    t.add_argument(
        "--room-prob",
        type=float,
        default=0.0,
        metavar="P",
        help="share of clips placed in a random room at a random distance; their "
        "room values go into testset.json for 'eval generator' (default 0)",
    )
    t.set_defaults(func=cmd_test_set)

    e = ds.add_parser(
        "encode",
        help="pre-encode augmented samples to latents for DiT training",
        formatter_class=fmt,
        description="Spatialise every clip of the library's training split "
        "AUGMENTATIONS times (a static and a moving sample each, as in "
        "the paper) and encode them with the codec into a latent cache "
        "(safetensors shards + latents.json, with each sample's "
        "captions, path and room values), which 'ambisketch train dit "
        "--data CACHE' reads instead of audio. An interrupted run "
        "continues when started again with the same options.",
        epilog="examples:\n  ambisketch dataset encode ~/sfx --codec models/codec "
        "-o cache/sfx\n"
        "  ambisketch dataset encode ~/sfx --codec models/codec "
        "-o cache/rooms --augmentations 8 --room-prob 0.5 "
        "--multi-segment 0.3",
    )
    _scan_options(e, rate=False)
    e.add_argument(
        "--codec",
        required=True,
        metavar="CODEC_BUNDLE|CODEC_RUN",
        help="the trained codec (its sample rate is the scan's)",
    )
    e.add_argument("-o", "--output", required=True, metavar="CACHE", help="cache folder")
    e.add_argument(
        "--augmentations",
        type=int,
        default=4,
        metavar="N",
        help="augmented passes over the library, 2 samples per clip each (default 4)",
    )
    e.add_argument(
        "--split",
        default="train",
        choices=("train", "valid", "test", "all"),
        help="which split to encode (default: train; the test split stays unseen)",
    )
    e.add_argument(
        "--multi-segment",
        type=float,
        default=0.0,
        metavar="P",
        help="probability of a 2–4 segment path for moving samples (default 0)",
    )
    e.add_argument(
        "--room-prob",
        type=float,
        default=0.0,
        metavar="P",
        help="share of samples placed in a random room at a random distance "
        "(default 0: dry, as the paper)",
    )
    e.add_argument("--seed", type=int, default=0, help="augmentation seed (default: 0)")
    e.add_argument("--batch", type=int, default=8, help="clips per encoder batch (default: 8)")
    e.add_argument(
        "--workers",
        type=int,
        default=0,
        help="processes rendering the augmented samples (default: 0, in this one)",
    )
    e.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda", "mps"),
        default="auto",
        help="where the codec runs (default: a GPU when there is one)",
    )
    e.add_argument("--force", action="store_true", help="replace a cache made with other settings")
    e.set_defaults(func=cmd_encode)


def _sample_options(p: argparse.ArgumentParser, default_n: int) -> None:
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder to write into")
    p.add_argument(
        "-n", type=int, default=default_n, help=f"number of samples (default: {default_n})"
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--force", action="store_true", help="overwrite files that exist")


def _scan(args: argparse.Namespace, rate: int | None = None) -> Library:
    cfg = ScanConfig(
        rate=rate or args.rate,
        clip_seconds=args.seconds,
        channels=args.channels,
        min_seconds=args.min_seconds,
    )
    return scan_library(
        args.library, cfg, cache_dir=args.cache_dir, progress=True if args.progress else None
    )


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
    manifest = build_starter(
        args.out, options_from_args(args), progress=True if args.progress else None, log=note
    )
    print(
        f"{manifest['files']} files, {manifest['concept_count']} concepts, "
        f"{manifest['hours']:.2f} h, {manifest['size_bytes'] / 1e6:.1f} MB in "
        f"{manifest['build_seconds']:.0f} s → {args.out}"
    )
    for name, st in manifest["sources"].items():
        line = f"  {name:<12} {st['status']}"
        line += f", {st['files']} files" if st["status"] == "built" else f": {st['reason']}"
        if st.get("errors"):
            line += f" ({len(st['errors'])} task(s) failed: {st['errors'][0]})"
        print(line)
    return 0


def _augment(augment: AugmentConfig, seconds: float) -> AugmentConfig:
    """The paper's rules for clips of ``seconds`` (speed classes scaled for clips too short
    for them; see training/latents.fit_augment)."""
    from ambisketch.training.latents import fit_augment

    return fit_augment(augment, seconds)


def _check_n(n: int) -> None:
    if n < 1:
        raise DatasetError(f"-n must be at least 1, got {n}")


def cmd_preview(args: argparse.Namespace) -> int:
    _check_n(args.n)
    lib = _scan(args)
    ds = SpatialDataset(
        lib,
        _augment(AugmentConfig(multi_segment_prob=args.multi_segment), args.seconds),
        seed=args.seed,
    )
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
        raise DatasetError(
            f"{args.library}: the {args.split} split is empty "
            f"({len(lib)} clips in all; it holds about 5 % of the source files)"
        )
    if not 0 <= args.room_prob <= 1:
        raise DatasetError(f"--room-prob must be between 0 and 1, got {args.room_prob:g}")
    augment = _augment(AugmentConfig(room_prob=args.room_prob), args.seconds)
    ds = SpatialDataset(part, augment, seed=args.seed)
    index = write_test_set(ds, args.output, args.n, seed=args.seed, overwrite=args.force)
    if args.room_prob > 0:
        _add_rooms(index, ds)
    note(f"test set of {min(args.n, 2 * len(part))} samples from {len(part)} clips: {index}")
    return 0


def _add_rooms(index: Path, ds: SpatialDataset) -> None:
    """Each entry's room values (as a sample carries them; dry ones too) in ``testset.json``,
    which the test-set writer does not copy: 'eval generator' asks for them and measures
    the takes' RT60 and DRR against them."""
    from ambisketch.engine.files import atomic_target
    from ambisketch.training.data.augment import DRY

    data = json.loads(index.read_text(encoding="utf-8"))
    for entry in data["clips"]:
        _, room, _ = ds.draw_all(int(entry["index"]))  # the draw, without rendering audio
        entry["room"] = dict(DRY) if room is None else room.to_dict()
    with atomic_target(index) as tmp:
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def cmd_encode(args: argparse.Namespace) -> int:
    from ambisketch.engine.generate import pick_device
    from ambisketch.training.latents import EncodeSettings, encode_library

    from .cmd_codec import _load_codec

    if args.workers < 0:
        raise DatasetError(f"--workers must be >= 0, got {args.workers}")
    settings = EncodeSettings(
        augmentations=args.augmentations, seed=args.seed, batch_size=args.batch
    )
    if not 0 <= args.room_prob <= 1 or not 0 <= args.multi_segment <= 1:
        raise DatasetError("--room-prob and --multi-segment must be between 0 and 1")
    augment = AugmentConfig(multi_segment_prob=args.multi_segment, room_prob=args.room_prob)
    device = pick_device(args.device)
    codec = _load_codec(args.codec)
    lib = _scan(args, rate=codec.config.sample_rate)
    part = lib if args.split == "all" else split_library(lib)[args.split]
    if len(part) == 0:
        raise DatasetError(
            f"{args.library}: the {args.split} split is empty ({len(lib)} clips in all)"
        )
    if lib.report.skipped:
        note(f"{len(lib.report.skipped)} file(s) skipped (see 'ambisketch dataset scan')")
    bar = None
    if args.progress or sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(desc="encoding", unit="sample", leave=False)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.total = total
            bar.update(done - bar.n)

    try:
        cache = encode_library(
            part,
            codec,
            args.output,
            augment=augment,
            settings=settings,
            device=device,
            workers=args.workers,
            overwrite=args.force,
            progress=progress,
        )
    finally:
        if bar is not None:
            bar.close()
    stats = cache.stats
    print(
        f"{len(cache)} samples from {len(part)} clips ({args.split} split) → {args.output}: "
        f"{cache.latent_channels} latent channels, mean {stats['mean']:+.3f}, "
        f"std {stats['std']:.3f}"
    )
    return 0
