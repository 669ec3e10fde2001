"""The scene file: round trip, relative paths, versions, corrupt files, backups, crashes,
missing media and relinking."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from ambisketch.engine.errors import SceneError
from ambisketch.engine.scene import (
    Scene,
    backup_path,
    load_scene,
    new_track,
    project_file,
    relink,
    relink_folder,
    save_scene,
)
from ambisketch.engine.spatial.presets import preset


def _scene(media: dict[str, Path]) -> Scene:
    s = Scene(name="forest")
    s = s.with_track(
        new_track(
            s,
            str(media["mono"]),
            path=preset("fly-over", 2.0),
            start=0.5,
            gain_db=-3.0,
            room="small",
            distance=2.0,
        )
    )
    s = s.with_track(new_track(s, str(media["foa"]), rotation=(30.0, 0.0, 0.0), mute=True))
    return s


def test_round_trip_with_paths_relative_to_the_file(media: dict[str, Path], tmp_path: Path) -> None:
    scene = _scene(media)
    target = tmp_path / "forest.json"
    save_scene(scene, target)
    data = json.loads(target.read_text())
    assert data["format"] == "ambisketch-scene" and data["version"] == 1
    assert [t["media"] for t in data["tracks"]] == ["media/bird.wav", "media/rain.wav"]
    assert load_scene(target).scene == scene
    # The project folder moves as a whole: the media move with it.
    moved = tmp_path / "elsewhere"
    shutil.copytree(tmp_path, moved, ignore=shutil.ignore_patterns("elsewhere"))
    loaded = load_scene(moved / "forest.json")
    assert loaded.missing == []
    assert loaded.scene.tracks[0].media == (moved / "media" / "bird.wav").resolve()


def test_save_keeps_the_previous_version_as_backup(media: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "s.json"
    first = _scene(media)
    save_scene(first, target)
    assert not backup_path(target).exists()
    before = target.read_bytes()
    save_scene(first.renamed("second"), target)
    assert backup_path(target).read_bytes() == before
    assert load_scene(target).scene.name == "second"


def test_a_crash_while_saving_leaves_the_previous_scene(
    media: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "s.json"
    scene = _scene(media)
    save_scene(scene, target)
    before = target.read_bytes()

    def crash(fd: int) -> None:  # the process dies after writing, before the rename
        raise KeyboardInterrupt

    monkeypatch.setattr(project_file.os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        save_scene(scene.renamed("new"), target)
    monkeypatch.undo()
    assert target.read_bytes() == before
    assert load_scene(target).scene == scene
    assert sorted(p.name for p in tmp_path.iterdir()) == ["media", "s.json", "s.json.bak"]


@pytest.mark.parametrize(
    "text, words",
    [
        ("{not json", "not valid JSON"),
        ('{"format": "ambisketch-scene", "version": 7, "tracks": []}', "version 7 is newer"),
        ('{"format": "something-else", "version": 1}', "not an Ambisketch scene"),
        (
            '{"format": "ambisketch-scene", "version": 1, "tracks": [{"name": "x"}]}',
            "track 1 is missing 'media'",
        ),
    ],
)
def test_bad_scene_files_are_one_line_errors(tmp_path: Path, text: str, words: str) -> None:
    p = tmp_path / "bad.json"
    p.write_text(text)
    with pytest.raises(SceneError) as err:
        load_scene(p)
    msg = str(err.value)
    assert msg.startswith(str(p)) and words in msg and "\n" not in msg


def test_a_path_that_does_not_parse(media: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "s.json"
    save_scene(_scene(media), target)
    data = json.loads(target.read_text())
    data["tracks"][0]["path"]["keyframes"][0]["azimuth"] = 400
    target.write_text(json.dumps(data))
    with pytest.raises(SceneError, match=r"s.json: track 1: path: .*azimuth 400"):
        load_scene(target)


def test_missing_media_are_listed_and_relinked(media: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "s.json"
    save_scene(_scene(media), target)
    archive = tmp_path / "archive" / "deep"
    archive.mkdir(parents=True)
    os.replace(media["mono"], archive / "bird.wav")
    loaded = load_scene(target)
    assert [t.name for t in loaded.missing] == ["bird"]
    fixed, still = relink_folder(loaded.scene, tmp_path / "archive")
    assert still == [] and fixed.tracks[0].media == (archive / "bird.wav").resolve()
    with pytest.raises(SceneError, match="rain.wav: has 4 channel"):
        relink(fixed, fixed.tracks[0].id, media["foa"])


def test_a_killed_process_while_saving_leaves_the_previous_scene(
    media: dict[str, Path], tmp_path: Path
) -> None:
    """A real crash: the saving process dies (os._exit) after writing the new file's bytes."""
    import subprocess
    import sys

    target = tmp_path / "s.json"
    scene = _scene(media)
    save_scene(scene, target)
    before = target.read_bytes()
    code = (
        "import os, sys\n"
        "from ambisketch.engine.scene import load_scene, save_scene\n"
        "from ambisketch.engine.scene import project_file\n"
        "scene = load_scene(sys.argv[1]).scene\n"
        "project_file.os.fsync = lambda fd: os._exit(9)\n"
        "save_scene(scene.renamed('never'), sys.argv[1])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True)
    assert proc.returncode == 9, proc.stderr
    assert target.read_bytes() == before
    assert load_scene(target).scene == scene
