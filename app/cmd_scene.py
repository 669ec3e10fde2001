"""``ambisketch scene``: build, edit, list and render a scene (what the arrangement view does).

Every edit reads the scene file, checks everything, and writes it back atomically (the
previous version kept as ``SCENE.json.bak``); a failed command leaves the file byte for byte.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ambisketch.engine.audio_io import BIT_DEPTHS
from ambisketch.engine.errors import SceneError
from ambisketch.engine.json_types import JSONObject
from ambisketch.engine.scene import (
    FORMAT,
    VERSION,
    MediaCache,
    Scene,
    export_scene,
    load_scene,
    new_track,
    relink,
    relink_folder,
    save_scene,
)
from ambisketch.engine.scene.media import repath_method
from ambisketch.engine.scene.tracks import Track
from ambisketch.engine.spatial import describe
from ambisketch.engine.spatial.room import ROOM_PRESETS

from .cli_support import command_group, note, output_file
from .cmd_spatial import resolve_path


def _rotation(text: str) -> tuple[float, float, float]:
    try:
        parts = [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected YAW[,PITCH[,ROLL]] in degrees, got {text!r}"
        ) from None
    if not 1 <= len(parts) <= 3:
        raise argparse.ArgumentTypeError(f"expected YAW[,PITCH[,ROLL]], got {text!r}")
    return tuple(parts + [0.0] * (3 - len(parts)))  # type: ignore[return-value]


def _placement_args(p: argparse.ArgumentParser, editing: bool) -> None:
    """The options ``add`` and ``set`` share."""
    p.add_argument(
        "--path",
        metavar="PRESET|FILE.json",
        help="where the source travels: a preset (stretched to the file's length) "
        "or a path JSON file. A mono file follows it (default: static in front); an "
        "FOA take is re-pathed onto it — exactly from its latents when it has them, "
        "else by the DSP path lock (default: the file as it is)",
    )
    p.add_argument("--start", type=float, metavar="S", help="seconds on the scene's timeline")
    p.add_argument("--gain", type=float, metavar="DB", help="clip gain in dB")
    p.add_argument(
        "--name", help="the track's name" + ("" if editing else " (default: the file's)")
    )
    p.add_argument("--trim", type=float, metavar="S", help="seconds skipped at the file's head")
    p.add_argument("--length", type=float, metavar="S", help="seconds played (default: to the end)")
    p.add_argument(
        "--rotate",
        type=_rotation,
        metavar="YAW[,PITCH,ROLL]",
        help="rotate an FOA file (degrees; positive yaw moves front to the left)",
    )
    p.add_argument(
        "--distance",
        type=float,
        metavar="M",
        help="metres from the listener (1/r gain and air; in --room the distance)",
    )
    p.add_argument(
        "--room",
        metavar="SIZE",
        help=f"place a mono source in a room: {', '.join(ROOM_PRESETS)} or WxDxH",
    )
    p.add_argument("--rt60", type=float, metavar="S", help="reverberation time of --room")
    p.add_argument("--colour", metavar="#RRGGBB", help="the lane's and the path's colour")
    p.add_argument("--mute", action=argparse.BooleanOptionalAction, default=None)
    p.add_argument("--solo", action=argparse.BooleanOptionalAction, default=None)


def register(sub: argparse._SubParsersAction) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    group = command_group(
        sub,
        "scene",
        "layer several sources, each on its own path, into one "
        "soundscape (a scene file) and render it",
    )

    def add(name: str, help_text: str, epilog: str) -> argparse.ArgumentParser:
        p = group.add_parser(
            name,
            help=help_text,
            description=help_text[0].upper() + help_text[1:] + ".",
            epilog=f"examples:\n{epilog}",
            formatter_class=fmt,
        )
        p.add_argument("scene", metavar="SCENE.json", help="the scene file")
        return p

    p = add(
        "new",
        "create an empty scene file",
        "  ambisketch scene new forest.json --name 'forest at dawn'",
    )
    p.add_argument("--name", default="", help="the scene's name")
    p.add_argument("--force", action="store_true", help="replace an existing scene file")
    p.set_defaults(func=cmd_new)

    p = add(
        "add",
        "add a track: a mono file placed along a path, or an FOA file",
        "  ambisketch scene add forest.json bird.wav --path fly-over --start 2 --gain -3\n"
        "  ambisketch scene add forest.json rain_foa.wav --rotate 30 --name rain\n"
        "  ambisketch scene add forest.json car.wav --path pass-by --room large --distance 8",
    )
    p.add_argument("file", help="mono audio file, or 4-channel AmbiX FOA (any rate)")
    _placement_args(p, editing=False)
    p.set_defaults(func=cmd_add)

    p = add(
        "set",
        "change a track's placement, timing, gain, mute or solo",
        "  ambisketch scene set forest.json 2 --gain -6 --solo\n"
        "  ambisketch scene set forest.json bird --path orbit --start 0.5",
    )
    p.add_argument("track", help="the track's number (see 'scene list') or name")
    _placement_args(p, editing=True)
    p.add_argument(
        "--no-path",
        action="store_true",
        help="clear the path: a mono source static in front, an FOA file as it is",
    )
    p.set_defaults(func=cmd_set)

    p = add("remove", "remove a track", "  ambisketch scene remove forest.json 3")
    p.add_argument("track", help="the track's number or name")
    p.set_defaults(func=cmd_remove)

    p = add(
        "relink",
        "point tracks whose media moved at the files' new place",
        "  ambisketch scene relink forest.json 2 ~/Sounds/bird_v2.wav\n"
        "  ambisketch scene relink forest.json --folder ~/Archive",
    )
    p.add_argument("track", nargs="?", help="the track's number or name")
    p.add_argument("file", nargs="?", help="its new media file")
    p.add_argument("--folder", help="find every missing file by name in this folder")
    p.set_defaults(func=cmd_relink)

    p = add(
        "list",
        "list the tracks (missing media flagged)",
        "  ambisketch scene list forest.json\n  ambisketch scene list forest.json --json",
    )
    p.add_argument("--json", action="store_true", help="print the scene file's data and status")
    p.set_defaults(func=cmd_list)

    p = add(
        "render",
        "render the AmbiX mix (48 kHz), optionally stems and a binaural mix",
        "  ambisketch scene render forest.json -o forest.wav --stems stems/\n"
        "  ambisketch scene render forest.json -o forest_bin.wav --binaural --yaw 30",
    )
    p.add_argument("-o", "--output", required=True, type=output_file, help="WAV file of the mix")
    p.add_argument(
        "--stems",
        metavar="DIR",
        help="also write one AmbiX stem per audible track, each the full length",
    )
    p.add_argument(
        "--bits",
        choices=tuple(BIT_DEPTHS),
        default="24",
        help="16- or 24-bit PCM, or 32f float (default: 24)",
    )
    p.add_argument(
        "--binaural",
        action="store_true",
        help="the mix as binaural stereo for headphones (stems stay AmbiX)",
    )
    p.add_argument("--yaw", type=float, default=0.0, help="head yaw of --binaural, degrees")
    p.add_argument("--pitch", type=float, default=0.0, help="head pitch of --binaural")
    p.add_argument(
        "--no-highs",
        action="store_true",
        help="leave 16 kHz takes without the band above 7.6 kHz (by default it is estimated)",
    )
    p.add_argument("--force", action="store_true", help="overwrite existing outputs")
    p.set_defaults(func=cmd_render)


# --- helpers --------------------------------------------------------------------------
def _load(path: str) -> Scene:
    return load_scene(path).scene


def _save(scene: Scene, path: str, what: str) -> int:
    save_scene(scene, path)
    print(f"{path}: {what} ({len(scene)} track{'s' if len(scene) != 1 else ''})")
    return 0


def _changes(
    args: argparse.Namespace, track: Track | None, media_duration: float, channels: int
) -> JSONObject:
    """The track fields the options ask for (``track`` None when adding)."""
    out: JSONObject = {}
    if args.path is not None:
        out["path"] = resolve_path(args.path, media_duration)
        if channels == 4 and track is not None and any(track.rotation) and args.rotate is None:
            out["rotation"] = (0.0, 0.0, 0.0)  # a re-pathed FOA track follows its path
    if getattr(args, "no_path", False):
        out["path"] = None
    for opt, key in (
        ("start", "start"),
        ("gain", "gain_db"),
        ("trim", "trim_start"),
        ("length", "length"),
        ("rotate", "rotation"),
        ("distance", "distance"),
        ("room", "room"),
        ("rt60", "rt60"),
        ("colour", "colour"),
        ("mute", "mute"),
        ("solo", "solo"),
        ("name", "name"),
    ):
        value = getattr(args, opt)
        if value is not None:
            out[key] = value
    return out


def _summary(scene: Scene, t: Track) -> str:
    flags = ("M" if t.mute else "-") + ("S" if t.solo else "-")
    if t.kind == "foa" and t.path is not None:
        how = repath_method(t.media)
        where = f"FOA re-pathed ({how}): {describe(t.trajectory)}"
    elif t.kind == "foa":
        where = "FOA" + (
            " rotated " + ",".join(f"{v:g}" for v in t.rotation) if any(t.rotation) else ""
        )
    else:
        where = describe(t.trajectory) if t.path is not None else "static front"
        if t.distance is not None:
            where += f", {t.distance:g} m"
        if t.room is not None:
            where += f", room {t.room}"
    return f"{t.start:7.2f} {t.clip_length:7.2f} {t.gain_db:+6.1f} {flags}  {t.name}  [{where}]"


# --- commands -------------------------------------------------------------------------
def cmd_new(args: argparse.Namespace) -> int:
    p = Path(args.scene)
    if p.exists() and not args.force:
        raise SceneError(f"{p}: already exists (use --force to replace it)")
    return _save(Scene(name=args.name), args.scene, "new scene")


def cmd_add(args: argparse.Namespace) -> int:
    scene = _load(args.scene)
    from ambisketch.engine.scene import media_info

    info = media_info(args.file)
    fields = _changes(args, None, info.duration, info.channels)
    track = new_track(scene, args.file, **fields)
    return _save(
        scene.with_track(track),
        args.scene,
        f"added {track.name!r} as track {len(scene) + 1} ({track.kind}, {track.clip_length:.2f} s)",
    )


def cmd_set(args: argparse.Namespace) -> int:
    scene = _load(args.scene)
    track = scene.find(args.track)
    args.file = track.media
    fields = _changes(args, track, track.media_duration, track.channels)
    if not fields:
        raise SceneError("nothing to change: give an option such as --gain or --start")
    edited = track.edited(**fields)
    return _save(scene.replace_track(edited), args.scene, f"changed {edited.name!r}")


def cmd_remove(args: argparse.Namespace) -> int:
    scene = _load(args.scene)
    track = scene.find(args.track)
    return _save(scene.without_track(track.id), args.scene, f"removed {track.name!r}")


def cmd_relink(args: argparse.Namespace) -> int:
    scene = _load(args.scene)
    if args.folder:
        if args.track or args.file:
            raise SceneError("give either TRACK FILE or --folder DIR")
        scene, still = relink_folder(scene, args.folder)
        for name in still:
            note(f"{name}: not found under {args.folder}")
        return _save(scene, args.scene, "relinked")
    if not (args.track and args.file):
        raise SceneError("give TRACK FILE (or --folder DIR)")
    track = scene.find(args.track)
    return _save(relink(scene, track.id, args.file), args.scene, f"relinked {track.name!r}")


def cmd_list(args: argparse.Namespace) -> int:
    loaded = load_scene(args.scene)
    scene = loaded.scene
    missing = {t.id for t in loaded.missing}
    if args.json:
        data = json.loads(Path(args.scene).read_text(encoding="utf-8"))
        data["status"] = {
            "missing": [str(t.media) for t in loaded.missing],
            "problems": loaded.problems,
            "duration": scene.duration,
        }
        print(json.dumps(data, indent=2))
        return 0
    print(
        f"{args.scene}: {scene.name or '(unnamed)'} — {len(scene)} track(s), "
        f"{scene.duration:.2f} s, {scene.rate} Hz ({FORMAT} v{VERSION})"
    )
    if scene.tracks:
        print(f"  # {'start':>7} {'length':>7} {'gain':>6} MS  name  [placement]")
    for i, t in enumerate(scene.tracks, 1):
        print(
            f"{i:3d} {_summary(scene, t)}"
            + ("  MISSING: " + str(t.media) if t.id in missing else "")
        )
    for t in loaded.missing:
        note(
            f"{t.media}: missing (track {t.name!r}); 'ambisketch scene relink' points it "
            "at the file's new place"
        )
    for problem in loaded.problems:
        note(problem)
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    loaded = load_scene(args.scene)
    if loaded.missing:
        t = loaded.missing[0]
        raise SceneError(
            f"{t.media}: missing (track {t.name!r}"
            + (f" and {len(loaded.missing) - 1} more" if len(loaded.missing) > 1 else "")
            + "); relink it with 'ambisketch scene relink'"
        )
    if loaded.problems:
        raise SceneError(loaded.problems[0])
    scene = loaded.scene
    media = MediaCache(scene.rate, highs=not args.no_highs)
    result = export_scene(
        scene,
        args.output,
        media,
        stems_dir=args.stems,
        bits=args.bits,
        binaural=args.binaural,
        head=(args.yaw, args.pitch, 0.0),
        overwrite=args.force,
    )
    kind = "binaural stereo" if args.binaural else "AmbiX"
    print(
        f"{result.mix}: {kind} mix, {result.frames / result.rate:.2f} s at {result.rate} Hz, "
        f"{args.bits}-bit, peak {result.peak_db:+.1f} dBFS"
    )
    estimated = [
        t.name
        for t in scene.tracks
        if scene.audible(t) and str(Path(t.media).resolve()) in media.estimated
    ]
    if estimated:
        print(f"band above 7.6 kHz estimated for {len(estimated)} track(s): {', '.join(estimated)}")
    for p in result.stems:
        print(f"{p}: stem")
    if result.clipped:
        note(
            f"the mix peaks at {result.peak_db:+.1f} dBFS and was clipped in {args.bits}-bit; "
            "lower the gains or use --bits 32f"
        )
    return 0
