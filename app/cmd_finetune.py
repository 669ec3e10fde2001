"""``ambisketch finetune``: tune a generator bundle on a sound library (the GUI's job API)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from .cli_support import note

if TYPE_CHECKING:
    from tqdm import tqdm

    from ambisketch.training.finetune import FinetuneProgress


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "finetune",
        help="fine-tune a generator on your own sound library",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Scan LIBRARY (files that cannot be used are listed with the reason and "
        "skipped), spatialise its sounds with the paper's augmentation, encode them "
        "with the model's codec, train the model's generator from its weights, and "
        "write a complete new model bundle for 'ambisketch generate --model'. "
        "Batch and accumulation are picked for the device unless given. An "
        "interrupted run continues when started again with the same options.",
        epilog="examples:\n"
        "  ambisketch finetune ~/Sounds/foley -o models/foley\n"
        "  ambisketch finetune ~/Sounds/foley --base models/starter -o models/foley "
        "--steps 5000 --lr 3e-5\n"
        "  ambisketch finetune ~/Sounds/rain -o models/rain --codec-too --device cuda\n"
        '  ambisketch generate "rain on a tin roof" -o rain.wav --model models/rain',
    )
    p.add_argument(
        "library", metavar="LIBRARY", help="folder of sound files (searched recursively)"
    )
    p.add_argument(
        "-o", "--output", required=True, metavar="NEW_BUNDLE", help="model bundle folder to write"
    )
    p.add_argument(
        "--base",
        metavar="BUNDLE",
        help="the model to start from (default: the installed default model)",
    )
    p.add_argument(
        "--steps",
        type=int,
        help="generator training steps (default 600: about 5 minutes of one CPU "
        "core for the starter model)",
    )
    p.add_argument("--lr", type=float, metavar="X", help="learning rate (default 5e-4)")
    p.add_argument(
        "--codec-too",
        action="store_true",
        help="fine-tune the codec on the library first (reconstruction losses)",
    )
    p.add_argument(
        "--codec-steps",
        type=int,
        metavar="N",
        help="codec steps with --codec-too (default: half of --steps)",
    )
    p.add_argument("--batch", type=int, metavar="N", help="batch size (default: for the device)")
    p.add_argument(
        "--accumulate",
        type=int,
        metavar="N",
        help="gradient accumulation steps (default: for the device)",
    )
    p.add_argument(
        "--augmentations",
        type=int,
        default=4,
        metavar="N",
        help="augmented passes over the library, 2 samples per clip each (default 4)",
    )
    p.add_argument(
        "--method",
        choices=("full", "attention", "cross-attention"),
        default="full",
        help="which generator weights train: all (default), the attention "
        "projections, or the cross-attention that ties the prompt to the sound",
    )
    p.add_argument(
        "--holdout",
        type=float,
        default=0.2,
        metavar="SHARE",
        help="share of the library kept out of training and used to test the model "
        "before and after (per caption; default 0.2, 0 to train on all)",
    )
    p.add_argument(
        "--eval-takes",
        type=int,
        default=2,
        metavar="N",
        help="takes per held-out caption in that test (default 2; 0 skips it)",
    )
    p.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda", "mps"),
        default="auto",
        help="where to train (default: a GPU when there is one)",
    )
    p.add_argument("--name", help="the new model's name (default: base + library)")
    p.add_argument(
        "--work", metavar="DIR", help="work folder (default: .NEW_BUNDLE.finetune beside it)"
    )
    p.add_argument(
        "--keep-work",
        action="store_true",
        help="keep the work folder (latents, checkpoints) after the export",
    )
    p.add_argument("--cache-dir", metavar="DIR", help="decoded-clip cache of the scan")
    p.add_argument("--force", action="store_true", help="replace NEW_BUNDLE if it exists")
    p.add_argument("--no-progress", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_finetune)


def cmd_finetune(args: argparse.Namespace) -> int:
    from ambisketch.training.finetune import FinetuneJob, FinetuneSettings

    def opt(v: str | None) -> Path | None:
        return Path(v) if v else None

    settings = FinetuneSettings(
        library=Path(args.library),
        out=Path(args.output),
        base=opt(args.base),
        **({} if args.steps is None else {"steps": args.steps}),
        lr=args.lr,
        codec_too=args.codec_too,
        device=args.device,
        batch_size=args.batch,
        accumulate=args.accumulate,
        codec_steps=args.codec_steps,
        augmentations=args.augmentations,
        name=args.name,
        overwrite=args.force,
        cache_dir=opt(args.cache_dir),
        work_dir=opt(args.work),
        keep_work=args.keep_work,
        holdout=args.holdout,
        eval_takes=args.eval_takes,
        method=args.method,
    )
    bars: dict[str, tqdm | None] = {}

    def close_bars() -> None:
        for bar in bars.values():
            if bar is not None:
                bar.close()
        bars.clear()

    def progress(p: FinetuneProgress) -> None:
        # The scan's findings and the first line of every stage (and training phase: codec,
        # generator — their first report has no loss yet) always show; the steps of the
        # encode and train stages as one progress bar at a time, unless --no-progress.
        if p.stage == "scan":
            if p.total and p.step == p.total:
                note(p.message)
            return
        if p.stage not in bars or (p.stage == "train" and p.loss is None):
            close_bars()
            note(p.message)
            bars[p.stage] = _bar(p, args.no_progress)
        bar = bars[p.stage]
        if bar is not None and p.total:
            bar.total = p.total
            bar.update(max(0, p.step - bar.n))
            if p.loss is not None:
                bar.set_postfix(loss=f"{p.loss:.4f}")

    job = FinetuneJob(settings, progress)
    try:
        bundle = job.run()
    except KeyboardInterrupt:
        note("stopped; run the same command again to continue from the last checkpoint")
        raise
    finally:
        close_bars()
    from ambisketch.training.finetune_eval import summary

    content = getattr(job, "content", {})
    text = summary(content.get("before"), content.get("after"))
    if text:
        print(text)
    elif settings.holdout > 0 and settings.eval_takes > 0:
        note(
            "no held-out test: the library is too small to keep files out (5 or more files, "
            "3 or more with one caption)"
        )
    print(f"wrote {bundle}")
    return 0


def _bar(p: FinetuneProgress, disabled: bool) -> tqdm | None:
    if disabled or p.stage not in ("encode", "train"):
        return None
    from tqdm import tqdm

    return tqdm(
        total=p.total,
        initial=p.step,
        desc=p.stage,
        leave=False,
        unit="sample" if p.stage == "encode" else "step",
        dynamic_ncols=True,
    )
