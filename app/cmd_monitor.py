"""Monitoring commands: ``decode`` (FOA → loudspeaker WAV) and ``loudness`` (BS.1770 meter),
plus the ``--loudness LUFS`` option the writing commands share."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ambisketch.engine import audio_io
from ambisketch.engine.errors import AudioFileError, EngineError
from ambisketch.engine.json_types import JSONObject
from ambisketch.engine.loudness import (
    DEFAULT_TARGET_LUFS,
    TRUE_PEAK_CEILING_DBTP,
    Loudness,
    check_target,
    measure,
    normalise,
    speaker_weights,
)
from ambisketch.engine.monitoring.layouts import (
    LAYOUT_NAMES,
    SPEAKER_BITS,
    STANDARD_LAYOUTS,
    Layout,
    get_layout,
)

from .cli_support import add_output_args, note

LOUDNESS_HELP = (
    f"normalise to this integrated loudness (LUFS, -70…0; gain only: a true-peak "
    f"ceiling of {TRUE_PEAK_CEILING_DBTP:g} dBTP wins, and the command says so)"
)


def add_loudness_arg(parser: argparse.ArgumentParser, default_text: str = "") -> None:
    """``--loudness LUFS`` for a command that writes audio."""
    parser.add_argument(
        "--loudness",
        metavar="LUFS",
        default=None,
        help=LOUDNESS_HELP + (f"; {default_text}" if default_text else ""),
    )


def loudness_target(value: str | None, allow_off: bool = False) -> float | None:
    """The ``--loudness`` value as LUFS (None: not asked / 'off'); EngineError when bad."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if allow_off and text in ("off", "none"):
        return None
    try:
        number = float(text)
    except ValueError:
        extra = " or 'off'" if allow_off else ""
        raise EngineError(f"--loudness {value!r}: expected LUFS (-70…0){extra}") from None
    return check_target(number, "--loudness")


def apply_loudness(
    samples: np.ndarray,
    rate: int,
    target: float | None,
    name: str,
    *,
    ambix: bool = False,
    weights: NDArray[np.float64] | None = None,
) -> tuple[np.ndarray, float | None]:
    """Normalise when ``target`` is given, say so on stderr; returns (samples, LUFS or None)."""
    if target is None:
        return samples, None
    result = normalise(samples, rate, target, ambix=ambix, weights=weights, name=name)
    note(f"{name}: {result.message()}")
    return result.samples, round(result.after.integrated_lufs, 2)


# --- decode -----------------------------------------------------------------------------
def register(sub: argparse._SubParsersAction) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    d = sub.add_parser(
        "decode",
        help="decode an FOA take to loudspeakers (stereo … 7.1.4, or your layout)",
        formatter_class=fmt,
        description="Decode a First-Order Ambisonics take to loudspeaker feeds with AllRAD "
        "(spaudiopy) and max-rE weighting, written as a WAVE_FORMAT_EXTENSIBLE WAV "
        "whose channel order and channel mask are the layout's (5.1 = L R C LFE Ls "
        "Rs), plus OUT.json describing how it was made.",
        epilog="layouts:\n"
        + "".join(
            f"  {n:7s} {' '.join(STANDARD_LAYOUTS[n].names)}  (mask 0x"
            f"{STANDARD_LAYOUTS[n].channel_mask:X})\n"
            for n in LAYOUT_NAMES
        )
        + '  FILE.json  your layout: [{"name": "L", "azimuth": 30, "elevation": 0}'
        ', …] (at least 4 speakers; "lfe": true marks an LFE; azimuth +90 = left)\n\n'
        "examples:\n  ambisketch decode take.wav -o take_714.wav --layout 7.1.4\n"
        "  ambisketch decode take.wav -o take_51.wav --layout 5.1 --lfe --loudness -23\n"
        "  ambisketch decode take.wav -o studio.wav --layout my_room.json --bits 32f",
    )
    d.add_argument("input", help="4-channel FOA file (AmbiX unless --format fuma)")
    d.add_argument(
        "--layout",
        required=True,
        metavar="|".join(LAYOUT_NAMES) + "|FILE.json",
        help="loudspeaker layout",
    )
    d.add_argument(
        "--lfe",
        action="store_true",
        help="feed the LFE with W low-passed at 120 Hz, -10 dB (default: silent)",
    )
    d.add_argument(
        "--format",
        choices=("ambix", "fuma"),
        default="ambix",
        help="channel convention of the input (default: ambix)",
    )
    add_output_args(d)
    add_loudness_arg(d, "measured on the feeds with BS.1770's loudspeaker weights, LFE left out")
    d.set_defaults(func=cmd_decode)

    m = sub.add_parser(
        "loudness",
        help="measure integrated loudness, loudness range and true peak",
        formatter_class=fmt,
        description="Measure a file after ITU-R BS.1770-4 / EBU R 128: integrated loudness "
        "(LUFS), loudness range (LU, EBU Tech 3342) and true peak (dBTP). An AmbiX "
        "file (4 channels, no speaker mask) is measured on W, the omnidirectional "
        "channel, so turning the scene does not change it; its true peak is the "
        "highest of all four channels. A multichannel WAV with a speaker mask gets "
        "BS.1770's loudspeaker weights (LFE left out); other files weight every "
        "channel 1.",
        epilog="examples:\n  ambisketch loudness take.wav\n  ambisketch loudness take.wav --json",
    )
    m.add_argument("input", help="audio file")
    m.add_argument(
        "--json",
        action="store_true",
        help="print JSON (keys integrated_lufs, lra, true_peak_dbtp, …)",
    )
    m.add_argument(
        "--as",
        dest="kind",
        choices=("auto", "ambix", "fuma", "channels"),
        default="auto",
        help="how to read the channels (default auto: 4 channels without a speaker mask are AmbiX)",
    )
    m.add_argument(
        "--layout",
        metavar="|".join(LAYOUT_NAMES) + "|FILE.json",
        help="the loudspeaker layout of the file's channels, for BS.1770's weights "
        "(default: from the WAV's speaker mask)",
    )
    m.set_defaults(func=cmd_loudness)


def cmd_decode(args: argparse.Namespace) -> int:
    from ambisketch.engine.monitoring.speaker_decoder import design
    from ambisketch.engine.monitoring.wavex import write_speaker_wav
    from ambisketch.engine.takes.metadata import now_iso, read_sidecar

    from .cmd_binaural import _read_foa

    src, out = Path(args.input), Path(args.output)
    layout = get_layout(args.layout)  # an unknown or malformed layout: before any work
    target = loudness_target(args.loudness)
    if args.rate is not None and not 8000 <= args.rate <= 384000:
        raise AudioFileError(f"--rate {args.rate}: choose a rate between 8000 and 384000 Hz")
    if out.exists() and src.exists() and src.resolve() == out.resolve():
        raise AudioFileError(f"{out}: output would overwrite the input")
    audio_io.check_writable(out, args.force, sidecar=True)
    foa = _read_foa(src, args.format, args.rate)
    decoder = design(layout)
    feeds = decoder.decode(foa.samples, foa.rate, lfe=args.lfe)
    weights = _weights(layout)
    feeds, lufs = apply_loudness(feeds, foa.rate, target, str(out), weights=weights)
    peak = audio_io.peak_dbfs(feeds)
    if args.bits != "32f" and peak > 0.0:
        note(f"{out}: peak {peak:+.1f} dBFS clipped in {args.bits}-bit PCM; --bits 32f keeps it")
    source = None
    try:
        source = read_sidecar(src)
    except AudioFileError as exc:
        note(f"ignored: {exc}")
    meta: JSONObject = {
        "kind": "decode",
        "source": str(src.resolve()),
        "created": now_iso(),
        "decoder": decoder.describe(),
        "lfe": bool(args.lfe and layout.lfe_index is not None),
        "rate": foa.rate,
        "bits": args.bits,
        "input_format": args.format,
        "loudness_lufs": lufs,
        "source_take": source,
    }
    write_speaker_wav(
        out,
        feeds,
        foa.rate,
        layout.channel_mask,
        bits=args.bits,
        overwrite=args.force,
        sidecar=meta,
    )
    print(
        f"wrote {out} ({layout.name}: {' '.join(layout.names)}; channel mask "
        f"0x{layout.channel_mask:X}; {foa.rate} Hz, {args.bits}, {foa.duration:.2f} s"
        f"{', LFE fed' if meta['lfe'] else ''})"
    )
    return 0


def _weights(layout: Layout) -> np.ndarray:
    return speaker_weights(
        [s.azimuth for s in layout.speakers],
        [s.elevation for s in layout.speakers],
        [s.lfe for s in layout.speakers],
    )


# --- loudness ---------------------------------------------------------------------------
def _mask_weights(mask: int, channels: int) -> tuple[np.ndarray, str] | None:
    """BS.1770 weights of a WAV's speaker mask (None when the mask does not fit)."""
    for layout in STANDARD_LAYOUTS.values():
        if layout.channel_mask == mask and layout.channels == channels:
            return _weights(layout), layout.name
    bits = [b for b in sorted(SPEAKER_BITS.values()) if mask & b]
    if len(bits) != channels:
        return None
    sides = {SPEAKER_BITS["SL"], SPEAKER_BITS["SR"], SPEAKER_BITS["BL"], SPEAKER_BITS["BR"]}
    w = [0.0 if b == SPEAKER_BITS["LFE"] else 1.41 if b in sides else 1.0 for b in bits]
    return np.asarray(w), f"mask 0x{mask:X}"


def measure_file(
    path: Path, kind: str = "auto", layout: Layout | None = None
) -> tuple[Loudness, audio_io.Audio]:
    from ambisketch.engine.monitoring.wavex import read_wavex_header
    from ambisketch.engine.spatial.ambisonics import fuma_to_ambix

    audio = audio_io.read_audio(path)
    mask = 0
    if path.suffix.lower() == ".wav":
        try:
            mask = read_wavex_header(path).channel_mask
        except (AudioFileError, OSError, ValueError):
            mask = 0
    if layout is not None:
        if layout.channels != audio.channels:
            raise AudioFileError(
                f"{path}: has {audio.channels} channel(s); layout "
                f"{layout.name!r} has {layout.channels}"
            )
        return measure(audio.samples, audio.rate, weights=_weights(layout)), audio
    if kind in ("ambix", "fuma") or (kind == "auto" and audio.channels == 4 and not mask):
        if audio.channels != 4:
            raise AudioFileError(f"{path}: has {audio.channels} channel(s); FOA needs 4")
        foa = fuma_to_ambix(audio.samples) if kind == "fuma" else audio.samples
        return measure(foa, audio.rate, ambix=True), audio
    fitted = _mask_weights(mask, audio.channels) if mask and kind == "auto" else None
    if fitted is not None:
        weights, _ = fitted
        return measure(audio.samples, audio.rate, weights=weights), audio
    return measure(audio.samples, audio.rate), audio


def cmd_loudness(args: argparse.Namespace) -> int:
    path = Path(args.input)
    layout = get_layout(args.layout) if args.layout else None
    result, audio = measure_file(path, args.kind, layout)
    if args.json:
        data = {
            "file": str(path),
            **result.to_dict(),
            "channels": audio.channels,
            "rate": audio.rate,
            "seconds": round(audio.duration, 4),
        }
        print(json.dumps(data, indent=2))
    else:
        print(f"{path}: {result.line()}")
    return 0


def target_note(name: str, lufs: float | None, target: float | None) -> None:
    """Say so when a take came out quieter than asked (the true-peak ceiling won)."""
    if lufs is None or target is None or not math.isfinite(lufs):
        return
    if lufs < target - 0.05:
        note(
            f"{name}: {lufs:.1f} LUFS instead of {target:g}: the true-peak ceiling of "
            f"{TRUE_PEAK_CEILING_DBTP:g} dBTP wins over the loudness target"
        )


__all__ = [
    "DEFAULT_TARGET_LUFS",
    "add_loudness_arg",
    "apply_loudness",
    "loudness_target",
    "measure_file",
    "register",
    "target_note",
]
