"""``ambisketch takes``: the project's takes from the command line (what the take list does).

``list``, ``add``, ``rename``, ``delete`` (to the trash), ``restore``, ``export``, ``measure``,
``path``, ``repath`` and ``inpaint`` work on the same folder the desktop app keeps its takes
in.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ambisketch.engine.audio_io import BIT_DEPTHS
from ambisketch.engine.errors import EngineError
from ambisketch.engine.takes import (
    EXPORT_FORMATS,
    TakeRecord,
    TakeStore,
    default_export_name,
    default_project_dir,
    export_take,
)

from .cli_support import command_group, note, output_file
from .cmd_inpaint import register_inpaint


def register(sub: argparse._SubParsersAction) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    group = command_group(
        sub, "takes", "list, rename, delete, export and measure the takes of a project folder"
    )

    def add(name: str, help_text: str, epilog: str) -> argparse.ArgumentParser:
        p = group.add_parser(
            name,
            help=help_text,
            description=help_text[0].upper() + help_text[1:] + ".",
            epilog=f"examples:\n{epilog}",
            formatter_class=fmt,
        )
        p.add_argument(
            "--project",
            metavar="DIR",
            help=f"the project folder (default: {default_project_dir()})",
        )
        return p

    p = add(
        "list",
        "list the takes, newest first",
        "  ambisketch takes list\n  ambisketch takes list --project ~/Sounds/takes --json",
    )
    p.add_argument("--json", action="store_true", help="print every take's details as JSON")
    p.set_defaults(func=cmd_list)

    p = add(
        "add",
        "copy an FOA file (with its sidecar) into the project",
        '  ambisketch generate "rain" -o rain.wav && ambisketch takes add rain.wav',
    )
    p.add_argument("file", help="4-channel AmbiX WAV (FuMa when its .json sidecar says so)")
    p.add_argument("--name", help="the take's name (default: the file's)")
    p.set_defaults(func=cmd_add)

    p = add(
        "rename",
        "rename a take (its WAV and sidecar)",
        "  ambisketch takes rename a-bee-buzzing_s42 bee-close",
    )
    p.add_argument("name", help="the take (see 'takes list')")
    p.add_argument("new", help="its new name")
    p.set_defaults(func=cmd_rename)

    p = add(
        "delete",
        "move a take to the project's .trash folder",
        "  ambisketch takes delete bee-close\n  ambisketch takes restore bee-close",
    )
    p.add_argument("name", help="the take")
    p.set_defaults(func=cmd_delete)

    p = add(
        "restore",
        "bring a deleted take back from the trash",
        "  ambisketch takes restore bee-close",
    )
    p.add_argument("name", help="the take's name in the trash")
    p.set_defaults(func=cmd_restore)

    p = add(
        "export",
        "write a take as AmbiX, FuMa or binaural WAV",
        "  ambisketch takes export bee -o bee_48k.wav --rate 48000\n"
        "  ambisketch takes export bee -o bee_fuma.wav --format fuma --bits 16\n"
        "  ambisketch takes export bee -o bee_phones.wav --format binaural --yaw 30",
    )
    p.add_argument("name", help="the take")
    p.add_argument(
        "-o",
        "--output",
        type=output_file,
        help="WAV file to write (default: NAME[_fuma|_binaural].wav here)",
    )
    p.add_argument(
        "--format",
        choices=EXPORT_FORMATS,
        default="ambix",
        help="AmbiX (ACN/SN3D), FuMa (W X Y Z), binaural or speakers (with "
        "--layout) (default: ambix)",
    )
    p.add_argument(
        "--layout",
        metavar="stereo|quad|5.1|7.1|7.1.4|FILE.json",
        help="speakers: the loudspeaker layout (AllRAD decode)",
    )
    p.add_argument("--lfe", action="store_true", help="speakers: feed the LFE channel")
    p.add_argument(
        "--loudness",
        metavar="LUFS",
        help="normalise to this integrated loudness (-70…0; gain only, a "
        "-1 dBTP true-peak ceiling wins and says so)",
    )
    p.add_argument(
        "--bits",
        choices=tuple(BIT_DEPTHS),
        default="24",
        help="16- or 24-bit PCM, or 32f float (default: 24)",
    )
    p.add_argument(
        "--rate", type=int, metavar="HZ", help="resample to this rate (default: the take's own)"
    )
    p.add_argument(
        "--no-highs",
        action="store_true",
        help="at 32 kHz or more, leave a 16 kHz take's band above 7.6 kHz empty instead of "
        "estimating it (see README: the high band)",
    )
    p.add_argument(
        "--hrtf", metavar="FILE.sofa", help="binaural: your own HRTF (default: MIT KEMAR)"
    )
    p.add_argument(
        "--yaw",
        type=float,
        default=0.0,
        metavar="DEG",
        help="binaural: head yaw (positive = head turns left)",
    )
    p.add_argument(
        "--pitch",
        type=float,
        default=0.0,
        metavar="DEG",
        help="binaural: head pitch (positive = looks up)",
    )
    p.add_argument("--force", action="store_true", help="overwrite OUTPUT if it exists")
    p.set_defaults(func=cmd_export)

    p = add(
        "measure",
        "measured direction of a take against its drawn path",
        "  ambisketch takes measure bee\n  ambisketch takes measure bee --json",
    )
    p.add_argument("name", help="the take")
    p.add_argument("--json", action="store_true", help="the full track and errors as JSON")
    p.set_defaults(func=cmd_measure)

    p = add(
        "path",
        "print a take's path as JSON (to generate again along it)",
        "  ambisketch takes path bee > bee_path.json\n"
        '  ambisketch generate "a wasp" -o wasp.wav --path bee_path.json',
    )
    p.add_argument("name", help="the take")
    p.set_defaults(func=cmd_path)

    p = add(
        "repath",
        "make a new take with the same sound on another path (no regenerating)",
        "  ambisketch takes repath bee --path orbit\n"
        "  ambisketch takes repath bee --path fly.json -o bee-fly\n\n"
        "From the take's latents (exact, milliseconds) when it has them; an imported or "
        "4-channel-model take is path-locked instead. Presets are stretched to the take.",
    )
    p.add_argument("name", help="the take")
    p.add_argument(
        "--path",
        required=True,
        metavar="PRESET|FILE.json",
        help="the new path (a preset, or a path file; stretched to the take)",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="NAME",
        help="the new take's name (default: NAME_repath, -2, -3 … when taken)",
    )
    p.add_argument(
        "--model",
        metavar="BUNDLE_DIR",
        help="a path-locked take's model, to decode its W (default: the one that made it)",
    )
    p.set_defaults(func=cmd_repath)

    register_inpaint(add)


def _store(args: argparse.Namespace) -> TakeStore:
    return TakeStore(Path(args.project).expanduser() if args.project else None)


def _placed(r: TakeRecord) -> str:
    """How a take was placed and its measured error against its own path: "held 0.3°"."""
    if r.placement is None:
        return "-"
    err = r.path_error_deg
    return r.placement + (f" {err:.1f}°" if err is not None else "")


def _line(r: TakeRecord, width: int) -> str:
    prompt = r.prompt if len(r.prompt) <= 36 else r.prompt[:35] + "…"
    seed = "-" if r.seed is None else str(r.seed)
    when = r.created.astimezone().strftime("%Y-%m-%d %H:%M")
    return (
        f"{r.name:<{width}}  {prompt:<36}  {seed:>10}  {r.seconds:7.2f} s  {r.mode:<11}  "
        f"{_placed(r):<13}  {r.model or '-':<12}  {when}"
    )


def cmd_list(args: argparse.Namespace) -> int:
    store = _store(args)
    records = store.list()
    for problem in store.problems:
        note(f"skipped {problem}")
    if args.json:
        print(
            json.dumps(
                {
                    "project": str(store.folder),
                    "takes": [r.to_dict() for r in records],
                    "problems": [str(p) for p in store.problems],
                },
                indent=2,
            )
        )
        return 0
    if not records:
        note(f"no takes in {store.folder}")
        return 0
    width = max(4, *(len(r.name) for r in records))
    print(
        f"{'NAME':<{width}}  {'PROMPT':<36}  {'SEED':>10}  {'LENGTH':>9}  {'MODE':<11}  "
        f"{'PLACED':<13}  {'MODEL':<12}  CREATED"
    )
    for r in records:
        print(_line(r, width))
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    record = _store(args).add_file(args.file, args.name)
    print(f"added {record.name} ({record.seconds:.2f} s, {record.rate} Hz) to {record.path.parent}")
    return 0


def cmd_rename(args: argparse.Namespace) -> int:
    store = _store(args)
    record = store.rename(store.get(args.name), args.new)
    print(f"renamed {args.name} to {record.name}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    store = _store(args)
    where = store.delete(store.get(args.name))
    print(
        f"moved {args.name} to {where.parent} ('ambisketch takes restore {where.stem}' "
        "brings it back)"
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    store = _store(args)
    name = args.name[:-4] if args.name.lower().endswith(".wav") else args.name
    matches = [p for p in store.trashed() if p.stem == name]
    if not matches:
        raise EngineError(f"no take named {name!r} in the trash of {store.folder}")
    record = store.restore(matches[0])
    print(f"restored {record.name}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .cmd_monitor import loudness_target

    store = _store(args)
    record = store.get(args.name)
    out = (
        Path(args.output)
        if args.output
        else Path(default_export_name(record, args.format, args.layout))
    )
    result = export_take(
        record,
        out,
        args.format,
        args.bits,
        args.rate,
        args.hrtf,
        overwrite=args.force,
        yaw=args.yaw,
        pitch=args.pitch,
        layout=args.layout,
        lfe=args.lfe,
        loudness_lufs=loudness_target(args.loudness),
        highs=not args.no_highs,
    )
    for n in result.notes:
        note(n)
    highs = "; band above 7.6 kHz estimated" if result.highs_estimated else ""
    print(
        f"wrote {result.path} ({result.format}, {result.rate} Hz, {result.bits}, "
        f"{result.seconds:.2f} s{highs})"
    )
    return 0


def cmd_measure(args: argparse.Namespace) -> int:
    store = _store(args)
    record = store.get(args.name)
    track, errors = store.measure(record)
    if args.json:
        out = {
            "name": record.name,
            "track": track.to_dict(),
            "path": None if record.trajectory is None else record.trajectory.to_dict(),
            "errors": None if errors is None else errors.to_dict(),
        }
        print(json.dumps(out))
        return 0
    valid = int(track.valid.sum())
    print(
        f"{record.name}: {record.seconds:.2f} s, {valid} of {track.valid.size} frames above "
        "the gate"
    )
    if errors is None:
        print("no path: a descriptive take (placed by its prompt), nothing to compare with")
    elif errors.frames == 0:
        print("no frame loud enough to measure against the path")
    else:
        print(
            f"vs its path (mean / median): spatial angle {errors.spatial_angle:.1f}° / "
            f"{errors.spatial_angle_median:.1f}°, azimuth {errors.azimuth_l1:.1f}° / "
            f"{errors.azimuth_median:.1f}°, elevation {errors.elevation_l1:.1f}° / "
            f"{errors.elevation_median:.1f}°"
        )
    return 0


def cmd_path(args: argparse.Namespace) -> int:
    store = _store(args)
    record = store.get(args.name)
    path = store.trajectory(record)
    if path is None:
        raise EngineError(f"{record.name}: a descriptive take (made from text only) has no path")
    sys.stdout.write(path.to_json() + "\n")
    return 0


def _codec_for(record: TakeRecord, model: str | None):
    """The codec of the model that made a path-locked take (to decode its W)."""
    from ambisketch.engine.models.bundle import load_bundle

    where = model or (record.sidecar.get("model") or {}).get("path")
    if not where or not Path(where).is_dir():
        raise EngineError(
            f"{record.name}: a path-locked take; re-pathing it decodes W with its "
            "model, which is not at "
            f"{where or '(no model path in its sidecar)'}; give --model"
        )
    return load_bundle(where, "cpu").codec


def cmd_repath(args: argparse.Namespace) -> int:
    from ambisketch.engine.takes.repath import repath_take

    from .cmd_spatial import resolve_path

    store = _store(args)
    record = store.get(args.name)
    trajectory = resolve_path(args.path, record.seconds)
    codec = None
    if record.has_latents and record.placement == "locked":
        codec = _codec_for(record, args.model)
    new = repath_take(store, record, trajectory, args.output, codec=codec)
    how = (
        "from its latents"
        if new.placement == "held"
        else "by the path lock (the take keeps no latents)"
    )
    err = new.path_error_deg
    print(
        f"wrote {new.name} ({new.seconds:.2f} s, {how}; measured "
        f"{'-' if err is None else f'{err:.1f}°'} from the path)"
    )
    return 0
