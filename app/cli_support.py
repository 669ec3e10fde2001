"""What the command modules share: the parser class, command groups, output options, notes."""

from __future__ import annotations

import argparse
import math
import os
import sys


def finite_float(text: str) -> float:
    """The ``type`` of every float option (see :class:`Parser`): NaN and infinity are refused
    the same way everywhere (``--gate nan`` would make every frame "quiet")."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def output_file(text: str) -> str:
    """The ``type`` of ``-o/--output`` for a file: a name that is empty, ends in a slash or
    names an existing folder is refused (``-o out/`` wrote a *file* called ``out``)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the output file name is empty")
    base = os.path.basename(text)
    if text.endswith(("/", os.sep)) or base in (".", "..") or os.path.isdir(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} names a folder; give a file name (e.g. {os.path.join(text, 'take.wav')!r})"
        )
    return text


class Parser(argparse.ArgumentParser):
    """argparse that prints one usage line and the error, exit 2 (no wall of usage).

    Every ``type=float`` option goes through :func:`finite_float` (argparse looks types up
    in its registry first), so no command can be given NaN or infinity.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.register("type", float, finite_float)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n(see '{self.prog} --help')\n")


def command_group(
    sub: argparse._SubParsersAction, name: str, help_text: str
) -> argparse._SubParsersAction:
    """The sub-commands of a group such as ``train`` (``ambisketch train codec``), created on
    first use so that several command modules can add to one group."""
    groups: dict[str, argparse._SubParsersAction] = sub.__dict__.setdefault("_groups", {})
    if name not in groups:
        parser = sub.add_parser(name, help=help_text, description=help_text)
        parser.set_defaults(_parser=parser)
        groups[name] = parser.add_subparsers(
            dest=f"{name}_command", metavar="WHAT", parser_class=Parser
        )
    return groups[name]


def add_output_args(parser: argparse.ArgumentParser, *, rate: bool = True) -> None:
    """``-o/--output``, ``--rate``, ``--bits`` and ``--force``, the same for every command
    that writes a WAV file."""
    from ambisketch.engine.audio_io import BIT_DEPTHS

    parser.add_argument("-o", "--output", required=True, type=output_file, help="WAV file to write")
    if rate:
        parser.add_argument("--rate", type=int, metavar="HZ", help="resample to this rate first")
    parser.add_argument(
        "--bits",
        choices=tuple(BIT_DEPTHS),
        default="24",
        help="16- or 24-bit PCM, or 32f float (default: 24)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite OUTPUT if it exists")


def note(message: str) -> None:
    """A remark for the user that is not the command's output (stderr)."""
    print(f"ambisketch: {message}", file=sys.stderr)


def add_training_args(parser: argparse.ArgumentParser) -> None:
    """The options every ``ambisketch train X`` command shares."""
    parser.add_argument("--batch", type=int, help="batch size (overrides the config)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out")
    parser.add_argument(
        "--device",
        default="auto",
        choices=("auto", "cpu", "cuda", "mps"),
        help="where to train (default: a GPU when there is one)",
    )
    parser.add_argument(
        "--gpus", type=int, default=1, help="GPUs to train on with DDP (default: 1)"
    )
    parser.add_argument("--workers", type=int, help="data loader processes (overrides the config)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
