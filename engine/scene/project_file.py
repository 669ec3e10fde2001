"""The scene project file: versioned JSON, media paths relative to the file.

Saving writes the new file under a temporary name and renames it over the old one, after
copying the old one to ``NAME.json.bak`` (itself written atomically): a crash at any moment
leaves a readable scene — the old one, the new one, or the old one in the backup.

Loading lists the tracks whose media are missing instead of failing, so the user can relink
them (:func:`relink`, :func:`relink_folder`). A file from a newer Ambisketch, a corrupt file
or a bad value is one :class:`SceneError` naming the file and the problem.

Format (version 1)::

    {"format": "ambisketch-scene", "version": 1, "name": "forest", "rate": 48000,
     "tracks": [{"id": "…", "name": "bird", "media": "takes/bird.wav", "channels": 1,
                 "media_duration": 10.0, "path": {…trajectory…}, "start": 2.0, …}]}
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AudioFileError, EngineError, SceneError, TrajectoryError
from ..files import atomic_target
from ..spatial.trajectory import Trajectory
from .media import media_info
from .scene import SCENE_RATE, Scene
from .tracks import Track

FORMAT = "ambisketch-scene"
VERSION = 1
_TOP = {"format", "version", "name", "rate", "tracks"}
_TRACK = {
    "id",
    "name",
    "media",
    "channels",
    "media_duration",
    "path",
    "rotation",
    "start",
    "trim_start",
    "length",
    "gain_db",
    "mute",
    "solo",
    "colour",
    "distance",
    "room",
    "rt60",
}


def backup_path(path: str | Path) -> Path:
    p = Path(path)
    return p.with_name(p.name + ".bak")


# --- writing --------------------------------------------------------------------------
def _media_ref(media: Path, folder: Path) -> str:
    """The media path as stored: relative to the scene's folder where one exists."""
    try:
        return Path(os.path.relpath(media.resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return media.resolve().as_posix()


def track_to_dict(track: Track, folder: Path) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": track.id,
        "name": track.name,
        "media": _media_ref(track.media, folder),
        "channels": track.channels,
        "media_duration": track.media_duration,
        "start": track.start,
        "trim_start": track.trim_start,
        "length": track.length,
        "gain_db": track.gain_db,
        "mute": track.mute,
        "solo": track.solo,
        "colour": track.colour,
    }
    out["path"] = None if track.path is None else track.path.to_dict()
    if track.kind == "mono":
        out.update(distance=track.distance, room=track.room, rt60=track.rt60)
    else:
        out["rotation"] = list(track.rotation)
    return out


def scene_to_json(scene: Scene, path: str | Path) -> str:
    folder = Path(path).parent
    data = {
        "format": FORMAT,
        "version": VERSION,
        "name": scene.name,
        "rate": scene.rate,
        "tracks": [track_to_dict(t, folder) for t in scene.tracks],
    }
    return json.dumps(data, indent=2) + "\n"


def save_scene(scene: Scene, path: str | Path, *, backup: bool = True) -> Path:
    """Write ``scene`` to ``path`` atomically; the previous file becomes ``path.bak``."""
    p = Path(path)
    if p.is_dir():
        raise SceneError(f"{p}: is a folder")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise SceneError(f"{p}: folder {parent} does not exist")
    text = scene_to_json(scene, p)
    try:
        if backup and p.is_file():
            with atomic_target(backup_path(p)) as tmp:
                shutil.copyfile(p, tmp)
        with atomic_target(p) as tmp:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
    except OSError as exc:
        raise SceneError(f"{p}: cannot write ({exc.strerror or exc})") from None
    return p


# --- reading --------------------------------------------------------------------------
@dataclass
class LoadedScene:
    """A scene read from ``path`` and the tracks whose media could not be found."""

    scene: Scene
    path: Path
    missing: list[Track] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # media present but changed/unusable


def _get(
    item: dict[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    where: str,
    default: Any = None,
    optional: bool = True,
) -> Any:
    if key not in item or item[key] is None:
        if not optional:
            raise SceneError(f"{where} is missing {key!r}")
        return default
    value = item[key]
    if not isinstance(value, kind) or (
        isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,))
    ):
        raise SceneError(f"{where}: {key!r} has the wrong type ({type(value).__name__})")
    return value


def track_from_dict(item: Any, folder: Path, i: int) -> Track:
    where = f"track {i + 1}"
    if not isinstance(item, dict):
        raise SceneError(f"{where} must be an object")
    unknown = sorted(set(item) - _TRACK)
    if unknown:
        raise SceneError(f"{where}: unknown key {unknown[0]!r}")
    num = (int, float)
    media_ref = _get(item, "media", str, where, optional=False)
    media = Path(media_ref)
    media = media if media.is_absolute() else folder / media
    path_data = item.get("path")
    try:
        path = None if path_data is None else Trajectory.from_dict(path_data)
    except TrajectoryError as exc:
        raise SceneError(f"{where}: path: {exc}") from None
    rotation = _get(item, "rotation", list, where, [0.0, 0.0, 0.0])
    return Track(
        media=media.resolve(),
        name=_get(item, "name", str, where, optional=False),
        channels=_get(item, "channels", int, where, optional=False),
        media_duration=_get(item, "media_duration", num, where, optional=False),
        path=path,
        rotation=tuple(rotation),
        start=_get(item, "start", num, where, 0.0),
        trim_start=_get(item, "trim_start", num, where, 0.0),
        length=_get(item, "length", num, where),
        gain_db=_get(item, "gain_db", num, where, 0.0),
        mute=_get(item, "mute", bool, where, False),
        solo=_get(item, "solo", bool, where, False),
        colour=_get(item, "colour", str, where, "#4e79a7"),
        distance=_get(item, "distance", num, where),
        room=_get(item, "room", str, where),
        rt60=_get(item, "rt60", num, where),
        id=_get(item, "id", str, where, optional=False),
    )


def scene_from_json(text: str, path: Path) -> Scene:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SceneError(
            f"not valid JSON ({exc.msg} at line {exc.lineno}); "
            f"the previous version may be in {backup_path(path).name}"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SceneError(f'not an Ambisketch scene (no "format": "{FORMAT}")')
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise SceneError(f"scene version {version!r} is not a positive integer")
    if version > VERSION:
        raise SceneError(
            f"scene file version {version} is newer than this Ambisketch reads "
            f"(up to {VERSION}); update Ambisketch to open it"
        )
    unknown = sorted(set(data) - _TOP)
    if unknown:
        raise SceneError(f"unknown key {unknown[0]!r}")
    tracks = data.get("tracks", [])
    if not isinstance(tracks, list):
        raise SceneError("'tracks' must be a list")
    name = data.get("name", "")
    if not isinstance(name, str):
        raise SceneError("'name' must be text")
    folder = path.resolve().parent
    return Scene(
        tuple(track_from_dict(t, folder, i) for i, t in enumerate(tracks)),
        name,
        data.get("rate", SCENE_RATE),
    )


def load_scene(path: str | Path) -> LoadedScene:
    """Read a scene file; errors name the file. Missing media are listed, not fatal."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SceneError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise SceneError(f"{p}: is a folder, not a scene file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SceneError(f"{p}: cannot read ({exc.__class__.__name__})") from None
    try:
        scene = scene_from_json(text, p)
    except EngineError as exc:
        raise SceneError(f"{p}: {exc}") from None
    loaded = LoadedScene(scene, p)
    for t in scene.tracks:
        if not t.media.exists():
            loaded.missing.append(t)
            continue
        try:
            info = media_info(t.media)
        except EngineError as exc:
            loaded.problems.append(str(exc))
            continue
        if info.channels != t.channels:
            loaded.problems.append(
                f"{t.media}: now has {info.channels} channels, the track "
                f"{t.name!r} was made with {t.channels}"
            )
    return loaded


# --- relinking --------------------------------------------------------------------------
def relink(scene: Scene, track_id: str, media: str | Path) -> Scene:
    """Point a track at another file (a moved or renamed one) with the same channel count."""
    track = scene.track(track_id)
    info = media_info(media)
    if info.channels != track.channels:
        raise SceneError(
            f"{media}: has {info.channels} channel(s); track {track.name!r} needs "
            f"{track.channels} ({track.kind})"
        )
    trim = min(track.trim_start, max(info.duration - 1e-3, 0.0))
    return scene.replace_track(
        track.edited(media=Path(media).resolve(), media_duration=info.duration, trim_start=trim)
    )


def relink_folder(scene: Scene, folder: str | Path) -> tuple[Scene, list[str]]:
    """Relink every track whose media is missing to a file of the same name in ``folder``
    (searched recursively); returns the scene and the names still missing."""
    root = Path(folder)
    if not root.is_dir():
        raise AudioFileError(f"{root}: no such folder")
    still: list[str] = []
    for t in scene.tracks:
        if t.media.exists():
            continue
        found = next(iter(sorted(root.rglob(t.media.name))), None)
        if found is None:
            still.append(t.media.name)
            continue
        scene = relink(scene, t.id, found)
    return scene, still
