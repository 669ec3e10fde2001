"""Commands on paths and FOA files: ``spatialize``, ``analyze`` and ``path``."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import numpy as np

from ambisketch.engine import audio_io
from ambisketch.engine.errors import AudioFileError, RoomError, TrajectoryError
from ambisketch.engine.json_types import JSONObject
from ambisketch.engine.spatial import (
    Trajectory,
    describe,
    parametric_from_trajectory,
    preset,
    preset_description,
    preset_names,
)
from ambisketch.engine.spatial.ambisonics import ambix_to_fuma, encode, fuma_to_ambix
from ambisketch.engine.spatial.doa import direction_errors, intensity_doa
from ambisketch.engine.spatial.room import ROOM_PRESETS, Room
from ambisketch.engine.spatial.room_metrics import room_report
from ambisketch.engine.spatial.room_render import render_in_room
from ambisketch.engine.takes.metadata import take_metadata

from .cli_support import add_output_args, note
from .cmd_monitor import add_loudness_arg, apply_loudness, loudness_target


def resolve_path(spec: str, duration: float | None = None) -> Trajectory:
    """A preset name or a JSON file. Presets are stretched to ``duration`` when given."""
    if spec.lower().endswith(".json") or Path(spec).is_file():
        return Trajectory.load(spec)
    return preset(spec, duration if duration else 10.0)


def register(sub: argparse._SubParsersAction) -> None:
    fmt = argparse.RawDescriptionHelpFormatter

    p = sub.add_parser(
        "spatialize",
        help="encode a mono sound moving along a path into an FOA WAV",
        formatter_class=fmt,
        description="Encode INPUT (mixed to mono, or one --channel) along a path into a "
        "4-channel First-Order Ambisonics WAV, plus OUT.json describing the take.",
        epilog="examples:\n  ambisketch spatialize bell.wav -o bell_orbit.wav --path orbit\n"
        "  ambisketch spatialize car.flac -o car.wav --path pass-by --distance --air\n"
        "  ambisketch spatialize voice.wav -o hall.wav --path orbit --room hall --distance 8\n"
        "  ambisketch spatialize fx.wav -o fx.amb.wav --path path.json --format fuma\n\n"
        f"presets: {', '.join(preset_names())} (or a JSON file; see 'ambisketch path')",
    )
    p.add_argument("input", help="audio file (wav, flac, ogg, aiff, mp3)")
    add_output_args(p)
    p.add_argument(
        "--path",
        required=True,
        metavar="PRESET|FILE.json",
        help="a preset (stretched to the input's length) or a path JSON file",
    )
    p.add_argument(
        "--format",
        choices=("ambix", "fuma"),
        default="ambix",
        help="channel order/normalisation of the output (default: ambix)",
    )
    p.add_argument(
        "--channel",
        type=int,
        metavar="N",
        help="use channel N (0-based) of a multichannel input instead of the mix",
    )
    p.add_argument(
        "--fit", action="store_true", help="stretch a JSON path's duration to the input's length"
    )
    p.add_argument(
        "--distance",
        nargs="?",
        const=True,
        default=False,
        type=_metres,
        metavar="M",
        help="apply the path's distances as 1/r gain; with M, place "
        "the source M metres away throughout (overrides the path's distances)",
    )
    p.add_argument(
        "--air",
        action="store_true",
        help="apply air absorption (a low-pass that falls with distance)",
    )
    p.add_argument(
        "--room",
        metavar="SIZE",
        help=f"place the sound in a room: {', '.join(ROOM_PRESETS)} or WxDxH in "
        "metres (image-source reflections and a diffuse tail; the output "
        "rings out)",
    )
    p.add_argument(
        "--rt60",
        type=float,
        metavar="S",
        help="reverberation time of --room at 1 kHz (default: the preset's)",
    )
    p.add_argument(
        "--doppler",
        action="store_true",
        help="in a room, keep the pitch shift of a moving source's changing delay",
    )
    add_loudness_arg(p, "measured on W, the omni channel")
    p.set_defaults(func=cmd_spatialize)

    a = sub.add_parser(
        "analyze",
        help="measure where the sound is in an FOA file, over time",
        formatter_class=fmt,
        description="Intensity-vector direction of arrival per frame; with --path (or a "
        "path in the file's .json sidecar) the papers' errors against it.",
        epilog="examples:\n  ambisketch analyze take.wav\n"
        "  ambisketch analyze take.wav --path orbit --json > take_doa.json",
    )
    a.add_argument("input", help="4-channel FOA file")
    a.add_argument("--path", metavar="PRESET|FILE.json", help="intended path to compare with")
    a.add_argument(
        "--format",
        choices=("ambix", "fuma"),
        default="ambix",
        help="channel convention of the input (default: ambix)",
    )
    a.add_argument("--json", action="store_true", help="print the full track and errors as JSON")
    a.add_argument(
        "--gate",
        type=float,
        default=40.0,
        metavar="DB",
        help="ignore frames this far below the loudest (default: 40)",
    )
    a.set_defaults(func=cmd_analyze)

    pp = sub.add_parser(
        "path",
        help="list, show and describe paths",
        description="Paths: presets and JSON files.",
        formatter_class=fmt,
        epilog="examples:\n  ambisketch path list\n"
        "  ambisketch path show orbit --duration 6 > orbit.json\n"
        "  ambisketch path describe orbit.json",
    )
    pp.set_defaults(_parser=pp)
    psub = pp.add_subparsers(dest="path_command", metavar="ACTION")
    pl = psub.add_parser("list", help="the presets")
    pl.set_defaults(func=cmd_path_list)
    ps = psub.add_parser("show", help="print a preset (or a file, checked) as JSON")
    ps.add_argument("name", metavar="PRESET|FILE.json")
    ps.add_argument("--duration", type=float, default=10.0, help="seconds (default: 10)")
    ps.set_defaults(func=cmd_path_show)
    pd = psub.add_parser("describe", help="the spatial caption (papers' Table 1 words)")
    pd.add_argument("name", metavar="PRESET|FILE.json")
    pd.add_argument("--json", action="store_true", help="also the papers' parametric fields")
    pd.set_defaults(func=cmd_path_describe)


# --- spatialize -------------------------------------------------------------------------
def cmd_spatialize(args: argparse.Namespace) -> int:
    src, out = Path(args.input), Path(args.output)
    if src.resolve() == out.resolve():
        raise AudioFileError(f"{out}: output would overwrite the input")
    audio_io.check_writable(out, args.force, sidecar=True)
    if args.rate is not None and not 8000 <= args.rate <= 384000:
        raise AudioFileError(f"--rate {args.rate}: choose a rate between 8000 and 384000 Hz")
    target = loudness_target(args.loudness)
    mono, mixed = audio_io.read_mono(src, args.rate, args.channel)
    if mixed:
        note(mixed)
    traj = resolve_path(args.path, mono.duration)
    if args.fit:
        traj = traj.with_duration(mono.duration)
    elif abs(traj.duration - mono.duration) > 0.01:
        note(
            f"path lasts {traj.duration:g} s, sound {mono.duration:.2f} s "
            + (
                "(the last position holds)"
                if traj.duration < mono.duration
                else "(the path is cut)"
            )
            + "; --fit stretches it"
        )
    metres = None if isinstance(args.distance, bool) else args.distance
    room = None
    if args.room is not None:
        room = Room.parse(args.room, args.rt60)
    elif args.rt60 is not None or args.doppler:
        raise RoomError("--rt60 and --doppler need --room (e.g. --room medium)")
    if room is not None:
        rendered = render_in_room(
            mono.samples[0],
            traj,
            mono.rate,
            room,
            distance=metres,
            air=args.air,
            doppler=args.doppler,
        )
        if rendered.clamped:
            note(
                f"the {room.size_text} m room is too small for the distance: the source "
                "stays inside its walls"
            )
        foa = rendered.foa
    else:
        if metres is not None:
            traj = Trajectory(
                traj.duration,
                tuple(replace(k, distance=metres) for k in traj.keyframes),
                name=traj.name,
            )
        foa = encode(mono.samples[0], traj, mono.rate, distance=bool(args.distance), air=args.air)
    foa, lufs = apply_loudness(foa, mono.rate, target, str(out), ambix=True)
    data = ambix_to_fuma(foa) if args.format == "fuma" else foa
    peak = audio_io.peak_dbfs(data)
    if args.bits != "32f" and peak > 0.0:
        note(f"peak {peak:+.1f} dBFS: clipped in {args.bits}-bit PCM; use --bits 32f to keep it")
    meta = take_metadata(
        "spatialize",
        traj,
        args.format,
        mono.rate,
        args.bits,
        {
            "input": str(src.resolve()),
            "channel": args.channel,
            "mixed_to_mono": bool(mixed),
            "distance_gain": bool(args.distance) or room is not None,
            "air_absorption": args.air,
            "distance": metres,
            "room": None if room is None else room.to_dict(),
            "doppler": args.doppler,
            **({"loudness_lufs": lufs} if lufs is not None else {}),
        },
    )
    audio_io.write_audio(out, data, mono.rate, bits=args.bits, overwrite=args.force, sidecar=meta)
    where = "" if room is None else f", in the {room.name} room (RT60 {room.rt60:.2f} s)"
    print(
        f"wrote {out} ({args.format}, {mono.rate} Hz, {args.bits}, "
        f"{data.shape[1] / mono.rate:.2f} s): {describe(traj)}{where}"
    )
    return 0


def _metres(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected metres, got {text!r}") from None
    if not (value > 0 and np.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be > 0 m, got {text}")
    return value


# --- analyze ----------------------------------------------------------------------------
def _sidecar_path_of(src: Path) -> Trajectory | None:
    side = audio_io.sidecar_path(src)
    if not side.is_file():
        return None
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
        return (
            Trajectory.from_dict(data["path"])
            if isinstance(data, dict) and "path" in data
            else None
        )
    except (json.JSONDecodeError, TrajectoryError, OSError, UnicodeDecodeError) as exc:
        note(f"{side}: ignored ({exc})")
        return None


def _sidecar_room_of(src: Path) -> tuple[Room, float | None, Trajectory | None] | None:
    """The room, distance and path a take was rendered with, from its sidecar (if any)."""
    side = audio_io.sidecar_path(src)
    if not side.is_file():
        return None
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not data.get("room"):
            return None
        path = Trajectory.from_dict(data["path"]) if "path" in data else None
        dist = data.get("distance")
        return Room.from_dict(data["room"]), (float(dist) if dist else None), path
    except (
        json.JSONDecodeError,
        RoomError,
        TrajectoryError,
        OSError,
        UnicodeDecodeError,
        TypeError,
        ValueError,
    ) as exc:
        note(f"{side}: room ignored ({exc})")
        return None


def _room_line(report: JSONObject) -> str:
    m = report["measured"]
    if m["rt60"] is None:
        return "reverberation: no free decay at the end of the take to measure"
    line = f"reverberation (W, 500 Hz-1 kHz): RT60 {m['rt60']:.2f} s"
    req, err = report.get("requested"), report.get("errors", {})
    if req:
        line += f" (requested {req['rt60']:.2f} s, {100 * err['rt60_relative']:+.0f} %)"
    if m["drr_db"] is not None:
        line += f", DRR {m['drr_db']:+.1f} dB"
    elif req:
        line += ", DRR not measurable (no level drop where the sound stops)"
    if req and req["drr_db"] is not None:
        line += f" (expected {req['drr_db']:+.1f} dB at {req['distance']:g} m)"
    return line


def cmd_analyze(args: argparse.Namespace) -> int:
    src = Path(args.input)
    audio = audio_io.read_audio(src)
    if audio.channels != 4:
        raise AudioFileError(f"{src}: has {audio.channels} channel(s); FOA needs 4")
    foa = fuma_to_ambix(audio.samples) if args.format == "fuma" else audio.samples
    track = intensity_doa(foa, audio.rate, gate_db=args.gate)
    traj = None
    if args.path:
        traj = resolve_path(args.path, audio.duration)
    else:
        traj = _sidecar_path_of(src)
        if traj is not None:
            note(f"comparing with the path in {audio_io.sidecar_path(src).name}")
    errors = direction_errors(track, traj) if traj is not None else None
    requested = _sidecar_room_of(src)
    reverb = room_report(foa, audio.rate, *(requested or (None, None, None)))
    if args.json:
        out: JSONObject = {
            "file": str(src),
            "sample_rate": audio.rate,
            "duration": audio.duration,
            "track": track.to_dict(),
            "room": reverb,
        }
        if errors is not None and traj is not None:
            out["path"] = traj.to_dict()
            out["errors"] = errors.to_dict()
        print(json.dumps(out))
        return 0
    print(
        f"{src}: {audio.duration:.2f} s at {audio.rate} Hz, "
        f"{int(track.valid.sum())} of {track.valid.size} frames above the gate"
    )
    print(f"{'time s':>7} {'azimuth':>8} {'elev.':>6}" + ("  path az   el" if traj else ""))
    step = (
        max(1, int(round(0.5 / max(track.times[1] - track.times[0], 1e-9))))
        if track.times.size > 1
        else 1
    )
    for i in range(0, track.times.size, step):
        if not track.valid[i]:
            print(f"{track.times[i]:7.2f}  (quiet)")
            continue
        line = f"{track.times[i]:7.2f} {track.azimuth[i]:8.1f} {track.elevation[i]:6.1f}"
        if traj is not None:
            az, el, _ = traj.sample(np.array([track.times[i]]))
            line += f"  {az[0]:7.1f} {el[0]:4.1f}"
        print(line)
    if errors is not None:
        print(
            f"errors (mean / median over {errors.frames} frames): "
            f"azimuth {errors.azimuth_l1:.2f}° / {errors.azimuth_median:.2f}°, "
            f"elevation {errors.elevation_l1:.2f}° / {errors.elevation_median:.2f}°, "
            f"spatial angle {errors.spatial_angle:.2f}° / {errors.spatial_angle_median:.2f}°"
        )
    print(_room_line(reverb))
    return 0


# --- path -------------------------------------------------------------------------------
def cmd_path_list(args: argparse.Namespace) -> int:
    width = max(len(n) for n in preset_names())
    for name in preset_names():
        print(f"{name:<{width}}  {preset_description(name)}")
    return 0


def cmd_path_show(args: argparse.Namespace) -> int:
    if not args.duration > 0:
        raise TrajectoryError(f"--duration must be > 0 s, got {args.duration:g}")
    print(resolve_path(args.name, args.duration).to_json())
    return 0


def cmd_path_describe(args: argparse.Namespace) -> int:
    traj = resolve_path(args.name)
    if args.json:
        print(
            json.dumps(
                {
                    "caption": describe(traj),
                    "parametric": parametric_from_trajectory(traj).to_dict(),
                },
                indent=2,
            )
        )
    else:
        print(describe(traj))
    return 0
