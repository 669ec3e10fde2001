"""``ambisketch generate``'s start options: ``--init-audio``, ``--from-library``,
``--init-strength``, ``--library-top-k`` (audio-to-audio and retrieval), and the length
warning of long takes."""

from __future__ import annotations

import argparse
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from ambisketch.engine.errors import EngineError
from ambisketch.engine.generate import GenerationRequest
from ambisketch.engine.long_takes import RECOMMENDED_MAX
from ambisketch.engine.start_from import DEFAULT_STRENGTH, StartFrom

from .cli_support import note


def add_init_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(
        "starting from a sound (audio-to-audio)",
        "The sound is encoded, noised to --init-strength and denoised with the prompt and "
        "the path: 0 keeps it, 0.5 keeps its character and varies it, 1 ignores it. Mono is "
        "placed along the path, stereo mixed down, 4-channel read as AmbiX; looped or cut to "
        "the length.",
    )
    src = g.add_mutually_exclusive_group()
    src.add_argument("--init-audio", metavar="FILE", help="the sound to start from")
    src.add_argument(
        "--from-library",
        metavar="DIR",
        help="start from the recording in DIR whose caption is nearest the prompt",
    )
    g.add_argument(
        "--init-strength",
        type=float,
        metavar="S",
        help=f"0-1, how much is made new (default {DEFAULT_STRENGTH})",
    )
    g.add_argument(
        "--library-top-k",
        type=int,
        default=1,
        metavar="K",
        help="choose among the K nearest recordings by the seed (default 1: the nearest)",
    )


def check_init_args(args: argparse.Namespace) -> None:
    """Refuse bad start options before a model is loaded (one line, nothing written)."""
    s = args.init_strength
    if s is not None and not (math.isfinite(s) and 0.0 <= s <= 1.0):
        raise EngineError(f"--init-strength {s:g}: must be between 0 and 1")
    if s is not None and not (args.init_audio or args.from_library):
        raise EngineError("--init-strength needs --init-audio FILE or --from-library DIR")
    if args.init_audio:
        from ambisketch.engine.audio_io import read_audio
        from ambisketch.engine.start_from import check_init_audio

        # missing, unreadable, too short, silent: named now, not after loading the model
        check_init_audio(read_audio(args.init_audio))
    if args.from_library:
        from .library_retrieval import library_entries

        library_entries(args.from_library)  # no folder, or no audio in it


def default_seconds(args: argparse.Namespace, clip: float) -> float | None:
    """With --init-audio and no length asked for: the file's length, at most the clip."""
    if not args.init_audio:
        return None
    import soundfile as sf

    try:
        return min(clip, float(sf.info(args.init_audio).duration))
    except Exception:  # read_audio names the problem in check_init_args
        return None


def apply_init(
    args: argparse.Namespace, request: GenerationRequest, gen: Any, clip: float
) -> GenerationRequest:
    """The request with its start (the file, or the library's nearest recording) and notes
    for the user; warns about takes past :data:`RECOMMENDED_MAX`."""
    strength = DEFAULT_STRENGTH if args.init_strength is None else float(args.init_strength)
    if args.init_audio:
        request = replace(
            request, init=StartFrom(audio=str(Path(args.init_audio)), strength=strength)
        )
    elif args.from_library:
        from .library_retrieval import retrieve

        found = retrieve(
            args.from_library,
            request.prompt,
            gen.text_encoder,
            top_k=args.library_top_k,
            seed=request.seed,
            strength=strength,
        )
        for line in found.notes:
            note(line)
        request = replace(request, init=found.start)
    if request.seconds > clip + 1e-9:
        windows = _windows(request.seconds, gen)
        message = (
            f"{request.seconds:g} s is longer than the model's {clip:g} s clip: "
            f"{windows} overlapping windows"
        )
        if request.seconds > RECOMMENDED_MAX + 1e-9:
            message += (
                f"; past {RECOMMENDED_MAX:g} s takes are untested and take {windows}x a clip's time"
            )
            note(f"warning: {message}")
        else:
            note(message)
    return request


def _windows(seconds: float, gen: Any) -> int:
    from ambisketch.engine.long_takes import join_times

    b = gen.bundle
    return len(join_times(seconds, b.clip_frames, b.latent_rate)) + 1
