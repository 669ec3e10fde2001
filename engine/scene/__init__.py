"""Scenes: several sources, each on its own path, layered into one soundscape.

Typical use::

    loaded = load_scene("forest.json")          # missing media listed in loaded.missing
    history = SceneHistory(loaded.scene)         # every edit undoable
    history.apply("Move bird", history.scene.edit_track(tid, start=2.0))
    save_scene(history.scene, "forest.json")     # atomic, previous version in .bak
    export_scene(history.scene, "mix.wav", stems_dir="stems")   # AmbiX 48 kHz + stems
    player = SceneTransport(history.scene); player.play(); player.set_rotation(yaw=30)

Nothing here needs Qt or an audio device (until :meth:`SceneTransport.play`).
"""

from .export import SceneExport, export_scene, stem_name
from .history import SceneHistory
from .media import MediaCache, MediaInfo, media_info
from .mixer import BlockMixer, prepare_scene, render_scene
from .project_file import (
    FORMAT,
    VERSION,
    LoadedScene,
    backup_path,
    load_scene,
    relink,
    relink_folder,
    save_scene,
)
from .scene import SCENE_RATE, Scene
from .tracks import PALETTE, Track

__all__ = [
    "FORMAT",
    "PALETTE",
    "SCENE_RATE",
    "VERSION",
    "BlockMixer",
    "LoadedScene",
    "MediaCache",
    "MediaInfo",
    "Scene",
    "SceneExport",
    "SceneHistory",
    "Track",
    "backup_path",
    "export_scene",
    "load_scene",
    "media_info",
    "prepare_scene",
    "relink",
    "relink_folder",
    "render_scene",
    "save_scene",
    "stem_name",
    "new_track",
]


def new_track(scene: Scene, media: str, *, name: str | None = None, **fields: object) -> Track:
    """A track for ``media`` (its header read now) with the scene's next colour."""
    from pathlib import Path

    info = media_info(media)
    fields.setdefault("colour", scene.next_colour())
    return Track(
        media=Path(media).resolve(),
        name=name or Path(media).stem,
        channels=info.channels,
        media_duration=info.duration,
        **fields,  # type: ignore[arg-type]
    )
