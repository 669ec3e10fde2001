"""The ``ambisketch`` command line: builds the parser from the command modules, runs one.

Every user mistake ends as one line ``ambisketch: error: …`` on stderr and a non-zero exit
(1 for a problem with a file, path or device; 2 for a malformed command line), never a
traceback. With no sub-command the desktop app opens.
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
import warnings
from collections.abc import Callable, Sequence

from ambisketch import __version__
from ambisketch.engine.errors import AudioFileWarning, EngineError
from ambisketch.engine.files import os_reason

from . import (
    cmd_bench,
    cmd_binaural,
    cmd_codec,
    cmd_dataset,
    cmd_dit,
    cmd_finetune,
    cmd_generate,
    cmd_highs,
    cmd_monitor,
    cmd_recipe,
    cmd_scene,
    cmd_spatial,
    cmd_takes,
    cmd_timbre,
)
from .cli_support import Parser

EXAMPLES = """\
examples:
  ambisketch spatialize dog.wav -o dog_orbit.wav --path orbit
  ambisketch spatialize voice.flac -o voice.wav --path my_path.json --bits 32f --rate 48000
  ambisketch analyze dog_orbit.wav --path orbit
  ambisketch path list
  ambisketch path show fly-over > fly.json
  ambisketch path describe fly.json
  ambisketch play dog_orbit.wav --yaw 30           # binaural, on headphones
  ambisketch play dog_orbit.wav --osc 7000         # head tracker (IEM SceneRotator OSC)
  ambisketch decode dog_orbit.wav -o dog_714.wav --layout 7.1.4
  ambisketch loudness dog_orbit.wav --json
  ambisketch binaural dog_orbit.wav -o dog_bin.wav
  ambisketch dataset scan ~/Sounds --report scan.json
  ambisketch train codec --data starter --out runs/codec
  ambisketch scene new forest.json && ambisketch scene add forest.json bird.wav --path fly-over
  ambisketch scene render forest.json -o forest.wav --stems stems/
  ambisketch bench
"""

# Modules that add sub-commands: each has register(subparsers) -> None and sets
# `func(args) -> int` on its parsers.
COMMAND_MODULES = (
    cmd_spatial,
    cmd_binaural,
    cmd_codec,
    cmd_dit,
    cmd_dataset,
    cmd_generate,
    cmd_bench,
    cmd_takes,
    cmd_finetune,
    cmd_recipe,
    cmd_scene,
    cmd_monitor,
    cmd_timbre,
    cmd_highs,
)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="ambisketch",
        description="Draw where a sound travels, get a moving First-Order Ambisonics (AmbiX) "
        "clip. With no command, the desktop app opens.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ambisketch {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation end to end (under a minute), print one "
        "summary line; exit status 0 when it passed",
    )
    parser.add_argument(
        "--model",
        dest="self_test_model",
        metavar="BUNDLE_DIR",
        help="with --self-test: check this model bundle instead of the default",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def _open_gui() -> int:
    try:
        import PySide6  # noqa: F401  (only the Qt binding itself may be absent: a CLI-only install)
    except ModuleNotFoundError:
        print(
            "ambisketch: the desktop app needs PySide6, which is not installed here "
            "(pip install 'PySide6-Essentials!=6.12.0'); the commands work without it "
            "(ambisketch --help)",
            file=sys.stderr,
        )
        return 1
    from . import gui

    return int(gui.main())


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command is, as SIGINT raises KeyboardInterrupt (which it
    is, so what stops cleanly on Ctrl-C does on ``kill`` too: training saves a checkpoint),
    so that every ``with`` block unwinds: atomic writes remove their temporary files."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: object = None,
    line: str | None = None,
) -> None:
    if issubclass(category, AudioFileWarning):
        print(f"ambisketch: warning: {message}", file=sys.stderr)
    else:
        _default_showwarning(message, category, filename, lineno, file, line)  # type: ignore[arg-type]


_default_showwarning = warnings.showwarning


class StdoutError(Exception):
    """Standard output could not take what a command printed (a full disk, a closed pipe)."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(str(cause))
        self.cause = cause


class _GuardedStdout:
    """``sys.stdout`` while a command runs: a failed write is a :class:`StdoutError`, told
    apart from the command's own file errors."""

    def __init__(self, stream: object) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)  # type: ignore[attr-defined,no-any-return]
        except OSError as exc:
            raise StdoutError(exc) from None

    def flush(self) -> None:
        try:
            self._stream.flush()  # type: ignore[attr-defined]
        except OSError as exc:
            raise StdoutError(exc) from None

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def _stdout_failed(exc: OSError) -> int:
    """One line for a stdout that cannot be written (exit 1); a closed pipe is quiet (0).
    Later writes go nowhere, so nothing is left for the interpreter to fail on at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
    if isinstance(exc, BrokenPipeError) or exc.errno == errno.EPIPE:
        return 0
    print(f"ambisketch: error: standard output: cannot write ({os_reason(exc)})", file=sys.stderr)
    return 1


def _finish_stdout() -> int | None:
    """Flush stdout; a stdout that cannot take the output (``> /dev/full``, a closed pipe)
    is one line and exit 1 (a closed pipe, ``| head``, is quiet and 0), never a traceback,
    and nothing is left for the interpreter to fail on at exit."""
    try:
        sys.stdout.flush()
        return None
    except OSError as exc:
        return _stdout_failed(exc)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list:
        return _open_gui()
    for stream in (sys.stdout, sys.stderr):  # file names that are not UTF-8, as on disk
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="surrogateescape")
    code = _run(args_list)
    finished = _finish_stdout()
    return code if finished is None else (finished if code == 0 else code)


def _run(args_list: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(args_list)
    if args.self_test_model and not args.self_test:
        parser.error(
            "--model before a command goes with --self-test "
            "(for 'generate', put --model after the command)"
        )
    if args.self_test:
        if args.command:
            parser.error("--self-test takes no command")
        from .self_test import run_self_test

        return run_self_test(args.self_test_model)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        # A command group without its sub-command (e.g. `ambisketch path`).
        sub_parser = getattr(args, "_parser", parser)
        sub_parser.print_help()
        return 2
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread (a test runner's worker): no handler
        pass
    real_stdout = sys.stdout
    sys.stdout = _GuardedStdout(real_stdout)  # type: ignore[assignment]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", AudioFileWarning)
            warnings.showwarning = _show_warning
            return int(func(args) or 0)
    except EngineError as exc:
        print(f"ambisketch: error: {exc}", file=sys.stderr)
        return 1
    except Terminated:
        print("ambisketch: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("ambisketch: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `ambisketch path show orbit | head -1`
        return 0
    except StdoutError as exc:
        return _stdout_failed(exc.cause)
    finally:
        sys.stdout = real_stdout
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
