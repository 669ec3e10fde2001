"""Binaural preview commands: ``binaural`` (export), ``play`` (audition) and ``devices``."""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
import threading
import time
from pathlib import Path

from ambisketch.engine import audio_io
from ambisketch.engine.binaural import (
    Transport,
    decoder_for,
    load_hrtf,
    output_devices,
    pick_output_device,
    render,
)
from ambisketch.engine.binaural.devices import NO_DEVICE
from ambisketch.engine.binaural.hrirs import HrirSet
from ambisketch.engine.errors import AudioDeviceError, AudioFileError, EngineError
from ambisketch.engine.json_types import JSONObject
from ambisketch.engine.monitoring import (
    DEFAULT_PREFIX,
    LAYOUT_NAMES,
    OscHeadTracker,
    design,
    get_layout,
)
from ambisketch.engine.monitoring.osc_tracker import DEFAULT_SMOOTHING_MS
from ambisketch.engine.spatial.ambisonics import fuma_to_ambix
from ambisketch.engine.takes.metadata import binaural_metadata as _binaural_metadata
from ambisketch.engine.takes.metadata import hrtf_fields, read_sidecar

from .cli_support import add_output_args, note
from .cmd_monitor import add_loudness_arg, apply_loudness, loudness_target

ROTATION_HELP = (
    "head rotation in degrees: positive --yaw turns the head LEFT (a source in "
    "front moves to the right ear), positive --pitch looks up, positive --roll "
    "tilts the head right (left ear up)"
)


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="4-channel FOA file (AmbiX unless --format fuma)")
    p.add_argument(
        "--hrtf",
        metavar="FILE.sofa",
        help="your own HRTF (SOFA, SimpleFreeFieldHRIR); default: MIT KEMAR",
    )
    p.add_argument("--yaw", type=float, default=0.0, metavar="DEG", help=ROTATION_HELP)
    p.add_argument(
        "--pitch",
        type=float,
        default=0.0,
        metavar="DEG",
        help="head pitch in degrees (positive = looks up)",
    )
    p.add_argument(
        "--roll",
        type=float,
        default=0.0,
        metavar="DEG",
        help="head roll in degrees (positive = tilts right, left ear up)",
    )
    p.add_argument(
        "--format",
        choices=("ambix", "fuma"),
        default="ambix",
        help="channel convention of the input (default: ambix)",
    )
    p.add_argument(
        "--no-eq",
        action="store_true",
        help="no diffuse-field equalisation of the decoder (default: equalised)",
    )


def register(sub: argparse._SubParsersAction) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    b = sub.add_parser(
        "binaural",
        help="decode an FOA take to a binaural (headphone) WAV",
        formatter_class=fmt,
        description="Decode a First-Order Ambisonics take to 2-channel binaural audio for "
        "headphones (MagLS decoder on an HRTF), with an optional fixed head "
        "rotation, plus OUT.json describing how it was made.",
        epilog="examples:\n  ambisketch binaural take.wav -o take_bin.wav\n"
        "  ambisketch binaural take.wav -o turned.wav --yaw 90   # front → right ear\n"
        "  ambisketch binaural take.wav -o mine.wav --hrtf my_hrtf.sofa --rate 48000 "
        "--bits 32f",
    )
    _add_common(b)
    add_output_args(b)
    add_loudness_arg(b, "measured on both ears")
    b.set_defaults(func=cmd_binaural)

    p = sub.add_parser(
        "play",
        help="listen to an FOA take on headphones (binaural)",
        formatter_class=fmt,
        description="Play an FOA take binaurally on an output device; Ctrl+C stops.",
        epilog="examples:\n  ambisketch play take.wav\n"
        "  ambisketch play take.wav --device 3 --yaw -45 --loop\n"
        "  ambisketch play take.wav --osc 7000 --loop    # a head tracker turns the scene\n"
        "  ambisketch play take.wav --layout 5.1 --device 4   # loudspeakers\n"
        "  ambisketch devices          # lists the device numbers\n\n"
        "head tracking: --osc PORT listens for IEM SceneRotator's OSC messages "
        "(PREFIX/ypr in degrees, PREFIX/quaternions w x y z, PREFIX/yaw, /pitch, /roll, "
        "and the bare /ypr) with SceneRotator's signs: +yaw turns the scene left, +pitch "
        "turns its front down, +roll lifts its left. Press Enter to reset to front.",
    )
    _add_common(p)
    p.add_argument(
        "--device",
        metavar="N|NAME",
        help="output device number or part of its name (default: the system's)",
    )
    p.add_argument("--loop", action="store_true", help="play in a loop until Ctrl+C")
    p.add_argument("--start", type=float, default=0.0, metavar="S", help="start at S seconds")
    p.add_argument(
        "--osc",
        type=int,
        metavar="PORT",
        help="follow a head tracker sending IEM SceneRotator OSC messages to PORT",
    )
    p.add_argument(
        "--osc-prefix",
        default=DEFAULT_PREFIX,
        metavar="/PREFIX",
        help=f"OSC address prefix (default: {DEFAULT_PREFIX})",
    )
    p.add_argument(
        "--invert",
        default="",
        metavar="yaw,pitch,roll",
        help="negate these received axes (SceneRotator's invert switches)",
    )
    p.add_argument(
        "--smoothing",
        type=float,
        default=DEFAULT_SMOOTHING_MS,
        metavar="MS",
        help=f"head-tracker smoothing time constant (default {DEFAULT_SMOOTHING_MS:g}"
        " ms; 0 = none)",
    )
    p.add_argument(
        "--layout",
        metavar="|".join(LAYOUT_NAMES) + "|FILE.json",
        help="play on loudspeakers (AllRAD decode) instead of binaural",
    )
    p.add_argument("--lfe", action="store_true", help="with --layout: feed the LFE channel")
    p.set_defaults(func=cmd_play)

    d = sub.add_parser(
        "devices",
        help="list audio output devices",
        description="List the audio output devices 'play --device' accepts.",
    )
    d.set_defaults(func=cmd_devices)


def _read_foa(path: Path, fmt: str, rate: int | None = None) -> audio_io.Audio:
    audio = audio_io.read_audio(path, rate)
    if audio.channels != 4:
        raise AudioFileError(f"{path}: has {audio.channels} channel(s); FOA needs 4")
    if fmt == "fuma":
        return audio_io.Audio(fuma_to_ambix(audio.samples), audio.rate, audio.path)
    return audio


def _check_angles(args: argparse.Namespace) -> None:
    for name in ("yaw", "pitch", "roll"):
        if not math.isfinite(getattr(args, name)):
            raise EngineError(f"--{name} must be a number of degrees")


def _hrtf(args: argparse.Namespace) -> HrirSet:
    return load_hrtf(args.hrtf)


# --- binaural ---------------------------------------------------------------------------
def cmd_binaural(args: argparse.Namespace) -> int:
    src, out = Path(args.input), Path(args.output)
    _check_angles(args)
    target = loudness_target(args.loudness)
    if out.exists() and src.exists() and src.resolve() == out.resolve():
        raise AudioFileError(f"{out}: output would overwrite the input")
    audio_io.check_writable(out, args.force, sidecar=True)
    if args.rate is not None and not 8000 <= args.rate <= 384000:
        raise AudioFileError(f"--rate {args.rate}: choose a rate between 8000 and 384000 Hz")
    foa = _read_foa(src, args.format, args.rate)
    hrirs = _hrtf(args)
    decoder = decoder_for(hrirs, foa.rate, diffuse_eq=not args.no_eq)
    stereo = render(foa.samples, decoder, args.yaw, args.pitch, args.roll)
    stereo, lufs = apply_loudness(stereo, foa.rate, target, str(out))
    peak = audio_io.peak_dbfs(stereo)
    if args.bits != "32f" and peak > 0.0:
        note(f"peak {peak:+.1f} dBFS: clipped in {args.bits}-bit PCM; use --bits 32f to keep it")
    meta = binaural_metadata(src, hrirs, decoder.describe(), foa.rate, args)
    if lufs is not None:
        meta["loudness_lufs"] = lufs
    audio_io.write_audio(out, stereo, foa.rate, bits=args.bits, overwrite=args.force, sidecar=meta)
    print(
        f"wrote {out} (binaural, {foa.rate} Hz, {args.bits}, {foa.duration:.2f} s, "
        f"HRTF {hrirs.name}, yaw {args.yaw:g} pitch {args.pitch:g} roll {args.roll:g})"
    )
    return 0


def binaural_metadata(
    src: Path, hrirs: HrirSet, decoder: JSONObject, rate: int, args: argparse.Namespace
) -> JSONObject:
    """The sidecar of a binaural export: the source take, the HRTF, the rotation."""
    source_take = None
    try:  # keep how the FOA take was made, so the export can be made again
        source_take = read_sidecar(src)
    except AudioFileError as exc:
        note(f"ignored: {exc}")
    return _binaural_metadata(
        src,
        hrtf_fields(hrirs, bool(args.hrtf)),
        decoder,
        rate,
        args.bits,
        input_format=args.format,
        rotation=(args.yaw, args.pitch, args.roll),
        source_take=source_take,
    )


# --- play -------------------------------------------------------------------------------
def _invert_axes(text: str) -> tuple[bool, bool, bool]:
    names = [t.strip().lower() for t in text.split(",") if t.strip()]
    bad = [n for n in names if n not in ("yaw", "pitch", "roll")]
    if bad:
        raise EngineError(f"--invert {text!r}: name axes from yaw, pitch, roll (e.g. yaw,roll)")
    return "yaw" in names, "pitch" in names, "roll" in names


def _recentre_on_enter(tracker: OscHeadTracker) -> None:
    """Enter on the terminal resets the head tracker to front (a daemon thread)."""
    if not sys.stdin or not sys.stdin.isatty():
        return

    def read() -> None:
        for _ in sys.stdin:
            tracker.recentre()
            print("head tracker: reset to front", file=sys.stderr)

    threading.Thread(target=read, name="recentre-on-enter", daemon=True).start()


def cmd_play(args: argparse.Namespace) -> int:
    _check_angles(args)
    layout = get_layout(args.layout) if args.layout else None
    tracker = None
    if args.osc is not None:
        tracker = OscHeadTracker(
            args.osc, args.osc_prefix, invert=_invert_axes(args.invert), smoothing_ms=args.smoothing
        )
    foa = _read_foa(Path(args.input), args.format)
    with contextlib.ExitStack() as stack:
        if tracker is not None:
            tracker.start()  # a port in use: one line, before any sound
            stack.callback(tracker.stop)
        device = pick_output_device(args.device)  # fails early and clearly without a device
        speakers = design(layout) if layout is not None else None
        hrirs = _hrtf(args) if speakers is None else None
        player = stack.enter_context(
            Transport(
                foa.samples,
                foa.rate,
                hrirs,
                device=device.index,
                diffuse_eq=not args.no_eq,
                yaw=args.yaw,
                pitch=args.pitch,
                roll=args.roll,
                speakers=speakers,
                lfe=args.lfe,
                rotation_source=tracker.head_rotation if tracker is not None else None,
            )
        )
        player.set_loop(args.loop)
        player.seek(args.start)
        player.play()
        what = f"{layout.name} loudspeakers" if layout is not None else player.hrirs.name
        print(
            f"playing {args.input} on [{device.index}] {device.name} ({what}"
            f"{', loop' if args.loop else ''}); Ctrl+C stops",
            file=sys.stderr,
        )
        if tracker is not None:
            print(
                f"head tracker: listening for OSC on port {tracker.address[1]} "
                f"({tracker.prefix or '/'}/ypr, …); Enter resets to front",
                file=sys.stderr,
            )
            _recentre_on_enter(tracker)
        receiving = False
        while not player.finished.wait(0.2):
            if player.errors:
                raise AudioDeviceError(f"playback failed: {player.errors[0]}")
            if tracker is not None and tracker.status().receiving != receiving:
                receiving = not receiving
                print(
                    "head tracker: "
                    + ("messages arriving" if receiving else "no messages for 1 s"),
                    file=sys.stderr,
                )
        time.sleep(0.3)  # let the device play out its buffer (latency 'high')
    return 0


# --- devices ----------------------------------------------------------------------------
def cmd_devices(args: argparse.Namespace) -> int:
    devices = output_devices()
    if not devices:
        raise AudioDeviceError(NO_DEVICE)
    for d in devices:
        mark = "*" if d.is_default else " "
        print(
            f"{mark}{d.index:3d}  {d.name}  ({d.channels} ch, {d.default_rate:g} Hz, {d.host_api})"
        )
    return 0
