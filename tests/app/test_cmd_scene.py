"""``ambisketch scene``: new, add, set, remove, relink, list, render — and bad input that
leaves the scene file byte for byte."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from helpers.cli import one_line_error, run
from helpers.scene_media import highs_db, media_set


@pytest.fixture
def media(tmp_path: Path) -> dict[str, Path]:
    return media_set(tmp_path / "media")


@pytest.fixture
def scene(tmp_path: Path, media: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "forest.json"
    assert run(capsys, "scene", "new", path, "--name", "forest")[0] == 0
    assert (
        run(
            capsys,
            "scene",
            "add",
            path,
            media["mono"],
            "--path",
            "fly-over",
            "--start",
            "0.5",
            "--gain",
            "-3",
            "--name",
            "bird",
        )[0]
        == 0
    )
    assert run(capsys, "scene", "add", path, media["foa"], "--rotate", "30")[0] == 0
    return path


def test_new_add_and_list(scene: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(scene.read_text())
    assert data["name"] == "forest"
    assert [(t["name"], t["channels"], t["start"], t["gain_db"]) for t in data["tracks"]] == [
        ("bird", 1, 0.5, -3.0),
        ("rain", 4, 0.0, 0.0),
    ]
    assert data["tracks"][0]["media"] == "media/bird.wav"
    assert data["tracks"][1]["rotation"] == [30.0, 0.0, 0.0]
    code, out, err = run(capsys, "scene", "list", scene)
    assert code == 0 and err == ""
    assert "2 track(s)" in out and "bird" in out and "FOA rotated 30,0,0" in out
    assert "overhead" in out  # the fly-over's caption
    code, out, _ = run(capsys, "scene", "list", scene, "--json")
    assert code == 0 and json.loads(out)["status"]["missing"] == []


def test_set_remove_and_backup(scene: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = scene.read_bytes()
    assert (
        run(capsys, "scene", "set", scene, "bird", "--gain", "-6", "--solo", "--trim", "0.25")[0]
        == 0
    )
    assert (scene.parent / "forest.json.bak").read_bytes() == before
    bird = json.loads(scene.read_text())["tracks"][0]
    assert (bird["gain_db"], bird["solo"], bird["trim_start"]) == (-6.0, True, 0.25)
    # An FOA file given a path is re-pathed (no latents here: the DSP path lock); its
    # rotation gives way to the path.
    assert run(capsys, "scene", "set", scene, "2", "--path", "orbit")[0] == 0
    rain = json.loads(scene.read_text())["tracks"][1]
    assert rain["path"] is not None and rain["rotation"] == [0.0, 0.0, 0.0]
    code, out, _ = run(capsys, "scene", "list", scene)
    assert code == 0 and "FOA re-pathed (path lock)" in out
    assert run(capsys, "scene", "remove", scene, "2")[0] == 0
    assert [t["name"] for t in json.loads(scene.read_text())["tracks"]] == ["bird"]


def test_render_mix_stems_and_binaural(
    scene: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mix = tmp_path / "mix.wav"
    code, out, err = run(
        capsys, "scene", "render", scene, "-o", mix, "--stems", tmp_path / "stems", "--bits", "32f"
    )
    assert code == 0, err
    data, rate = sf.read(mix, always_2d=True)
    assert rate == 48000 and data.shape == (int(2.5 * 48000), 4)  # bird: 0.5 s + 2 s
    stems = sorted((tmp_path / "stems").iterdir())
    assert [p.name for p in stems] == ["01-bird.wav", "02-rain.wav"]
    total = sum(sf.read(p, always_2d=True)[0] for p in stems)
    np.testing.assert_allclose(total, data, atol=1e-7)
    # the bird is at 16 kHz: its band above 7.6 kHz is estimated, unless --no-highs
    assert "band above 7.6 kHz estimated for 1 track(s): bird" in out

    assert highs_db(stems[0]) > -15.0
    plain = tmp_path / "plain"
    code, out, err = run(
        capsys,
        "scene",
        "render",
        scene,
        "-o",
        tmp_path / "plain.wav",
        "--stems",
        plain,
        "--no-highs",
    )
    assert code == 0 and "estimated" not in out, err
    assert highs_db(plain / "01-bird.wav") < -60.0
    code, out, err = run(
        capsys,
        "scene",
        "render",
        scene,
        "-o",
        tmp_path / "bin.wav",
        "--binaural",
        "--yaw",
        "30",
        "--bits",
        "16",
    )
    assert code == 0, err
    info = sf.info(tmp_path / "bin.wav")
    assert (info.channels, info.subtype, info.samplerate) == (2, "PCM_16", 48000)
    code, _, err = run(capsys, "scene", "render", scene, "-o", mix)
    one_line_error(code, err, "mix.wav", "already exists")


@pytest.mark.parametrize(
    "args, words",
    [
        (["add", "{scene}", "{media}/nope.wav"], ["nope.wav", "no such file"]),
        (["add", "{scene}", "{media}/stereo.wav"], ["stereo.wav", "2 channels"]),
        (["add", "{scene}", "{media}/three.wav"], ["three.wav", "3 channels"]),
        (["add", "{scene}", "{junk}"], ["junk.wav", "not a readable audio file"]),
        (
            ["add", "{scene}", "{media}/bird.wav", "--path", "{badpath}"],
            ["bad_path.json", "azimuth"],
        ),
        (["add", "{scene}", "{media}/bird.wav", "--path", "no-such-preset"], ["no-such-preset"]),
        (
            ["add", "{scene}", "{media}/rain.wav", "--path", "orbit", "--rotate", "20"],
            ["follows its path"],
        ),
        (["add", "{scene}", "{media}/rain.wav", "--distance", "3"], ["FOA", "mono file"]),
        (["set", "{scene}", "bird", "--gain", "99"], ["gain 99 dB"]),
        (["set", "{scene}", "7", "--gain", "1"], ["no track '7'"]),
        (["add", "{scene}", "{media}/bird.wav", "--room", "cathedralish"], ["unknown room"]),
        (["relink", "{scene}", "bird", "{media}/rain.wav"], ["rain.wav", "4 channel"]),
    ],
)
def test_bad_input_is_one_line_and_leaves_the_scene_as_it_was(
    scene: Path,
    tmp_path: Path,
    media: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    words: list[str],
) -> None:
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF nonsense" * 20)
    bad_path = tmp_path / "bad_path.json"
    bad_path.write_text('{"duration": 2, "keyframes": [{"time": 0, "azimuth": 500}]}')
    before = scene.read_bytes()
    backup = (scene.parent / "forest.json.bak").read_bytes()
    fill = {
        "scene": str(scene),
        "media": str(media["mono"].parent),
        "junk": str(junk),
        "badpath": str(bad_path),
    }
    code, _, err = run(capsys, "scene", *[a.format(**fill) for a in args])
    one_line_error(code, err, *words)
    assert scene.read_bytes() == before
    assert (scene.parent / "forest.json.bak").read_bytes() == backup


@pytest.mark.parametrize(
    "text, words",
    [
        ("{ broken", ["not valid JSON"]),
        ('{"format": "ambisketch-scene", "version": 99, "tracks": []}', ["version 99 is newer"]),
    ],
)
def test_corrupt_or_newer_scene_files(
    tmp_path: Path,
    media: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    text: str,
    words: list[str],
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    for args in (
        ["list", path],
        ["add", path, media["mono"]],
        ["render", path, "-o", tmp_path / "x.wav"],
    ):
        code, _, err = run(capsys, "scene", *args)
        one_line_error(code, err, "bad.json", *words)
        assert path.read_text() == text
    assert not (tmp_path / "x.wav").exists()
    code, _, err = run(capsys, "scene", "list", tmp_path / "absent.json")
    one_line_error(code, err, "absent.json", "no such file")


def test_missing_media_listed_render_refused_then_relinked(
    scene: Path, tmp_path: Path, media: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    moved = tmp_path / "archive"
    moved.mkdir()
    os.replace(media["mono"], moved / "bird.wav")
    code, out, err = run(capsys, "scene", "list", scene)
    assert code == 0 and "MISSING" in out and "scene relink" in err
    code, _, err = run(capsys, "scene", "render", scene, "-o", tmp_path / "mix.wav")
    one_line_error(code, err, "bird.wav", "missing")
    assert not (tmp_path / "mix.wav").exists()
    assert run(capsys, "scene", "relink", scene, "--folder", moved)[0] == 0
    assert json.loads(scene.read_text())["tracks"][0]["media"] == "archive/bird.wav"
    assert run(capsys, "scene", "render", scene, "-o", tmp_path / "mix.wav")[0] == 0


def test_new_refuses_to_replace(scene: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = scene.read_bytes()
    code, _, err = run(capsys, "scene", "new", scene)
    one_line_error(code, err, "forest.json", "already exists")
    assert scene.read_bytes() == before
