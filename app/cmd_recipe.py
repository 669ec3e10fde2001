"""``ambisketch train starter``: the starter model from nothing to a bundle in one command."""

from __future__ import annotations

import argparse
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ambisketch.training.recipes.starter.pipeline.sizes import CODEC_KINDS, SIZES, STAGES

from .cli_support import command_group

FMT = argparse.RawDescriptionHelpFormatter


def register(sub: argparse._SubParsersAction) -> None:
    train = command_group(sub, "train", "train the codec (and later the generator)")
    p = train.add_parser(
        "starter",
        formatter_class=FMT,
        help="the starter model in one command (all stages)",
        description="Build the starter corpus, write a test set, train the codec, encode "
        "latents, train the DiT (parametric and descriptive in one model), evaluate "
        "and export the bundle. Every stage is skipped when done and resumes when "
        "interrupted: run the same command again (also on another machine, with the "
        "work folder) to continue. Progress goes to stderr and WORK/recipe.log; the "
        "state, timings and metrics to WORK/recipe.json.",
        epilog="sizes:\n"
        + "".join(f"  {name:<5} {s.note}\n" for name, s in SIZES.items())
        + f"stages: {' → '.join(STAGES)}\n\n"
        "examples:\n"
        "  ambisketch train starter --work runs/starter --size tiny --out /tmp/starter\n"
        "  ambisketch train starter --work runs/starter --size gpu --device cuda\n"
        "  ambisketch train starter --work runs/starter --size cpu --stop-after 3\n"
        "  ambisketch train starter --work runs/starter --dit-steps 12000   # train on\n"
        "  ambisketch train starter --work runs/starter --corpus ~/corpus-starter "
        "--only corpus testset codec",
    )
    p.add_argument(
        "--work",
        required=True,
        metavar="DIR",
        help="work folder: corpus, runs, latents, evaluation, recipe.json",
    )
    p.add_argument(
        "--size", choices=tuple(SIZES), default="cpu", help="model and budget size (default: cpu)"
    )
    p.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda", "mps"),
        default="auto",
        help="where to train (default: a GPU when there is one)",
    )
    p.add_argument(
        "--out", metavar="BUNDLE", help="bundle folder to write (default: resources/models/starter)"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace a bundle at --out that this work folder did not write",
    )
    p.add_argument(
        "--corpus",
        metavar="DIR",
        help="an already built corpus (default: build the starter corpus in WORK)",
    )
    p.add_argument(
        "--testset",
        metavar="DIR",
        help="an already written test set (default: write one from the corpus)",
    )
    p.add_argument(
        "--codec-kind",
        choices=CODEC_KINDS,
        help="the codec: factored (mono VAE + DirAC direction, the default) or the "
        "papers' 4-channel VAE",
    )
    p.add_argument(
        "--codec-steps",
        type=int,
        metavar="N",
        help="train the codec to this step (default: the size's)",
    )
    p.add_argument(
        "--dit-steps",
        type=int,
        metavar="N",
        help="train the DiT to this step (default: the size's); a larger value "
        "later continues the DiT and redoes eval and export",
    )
    p.add_argument(
        "--hours",
        type=float,
        metavar="H",
        help="total training time for codec and DiT (about 30 %% / 70 %%), counted "
        "over all sessions; with it the steps are limits only if given",
    )
    p.add_argument(
        "--stop-after",
        type=float,
        metavar="H",
        help="end this session after H hours of wall time (the running stage saves "
        "its progress; run the command again to continue)",
    )
    p.add_argument(
        "--only",
        nargs="+",
        choices=STAGES,
        metavar="STAGE",
        help="run only these stages (the ones they need must be done)",
    )
    p.add_argument(
        "--force-stage",
        nargs="+",
        choices=STAGES,
        default=[],
        metavar="STAGE",
        help="redo these stages from nothing, and every stage after them "
        "(also allows changed --size/--corpus/--codec-kind/--seed)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="torch threads on a CPU (default: OMP_NUM_THREADS, else half the cores: "
        "the rest render training samples)",
    )
    p.set_defaults(func=cmd_train_starter)


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """A batch system's SIGTERM stops the recipe like Ctrl-C: the running training stage
    writes a checkpoint first."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave the signal alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def cmd_train_starter(args: argparse.Namespace) -> int:
    from ambisketch.training.recipes.starter.pipeline import StarterRecipe

    recipe = StarterRecipe(
        args.work,
        size=args.size,
        device=args.device,
        corpus=args.corpus,
        codec_kind=args.codec_kind,
        testset=args.testset,
        codec_steps=args.codec_steps,
        dit_steps=args.dit_steps,
        hours=args.hours,
        stop_after=args.stop_after,
        out=args.out,
        overwrite_out=args.force,
        only=tuple(args.only or ()),
        force_stages=tuple(args.force_stage),
        seed=args.seed,
        threads=args.threads,
    )
    with _sigterm_interrupts():
        result = recipe.run()
    if result.status == "paused":
        print(f"{result.message}; run the same command again to continue")
    elif result.bundle is not None and "export" in result.ran:
        print(f"wrote {result.bundle} (report: {recipe.work / 'eval' / 'report.txt'})")
    elif result.bundle is not None:
        print(f"{result.bundle} is up to date (every stage was done)")
    else:
        print(f"ran {', '.join(result.ran) or 'nothing'}; state in {recipe.work / 'recipe.json'}")
    return 0
