"""``ambisketch takes``: list, add, rename, delete/restore, export, measure and path, and one-line
errors, on a real project folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ambisketch.app.cli import main
from ambisketch.engine.generate import GenerationRequest, Take
from ambisketch.engine.spatial import Trajectory, preset
from ambisketch.engine.spatial.ambisonics import encode, encode_static
from ambisketch.engine.takes import TakeStore

RATE = 16000


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMBISKETCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    store = TakeStore(tmp_path / "proj")
    x = (np.random.default_rng(0).standard_normal(RATE) * 0.1).astype(np.float32)
    orbit = preset("orbit", 1.0)
    store.add(
        Take(
            encode(x, orbit, RATE),
            RATE,
            GenerationRequest("a bee buzzing", orbit, 1.0, seed=42),
            0,
            {},
            {"name": "tiny"},
        )
    )
    store.add(
        Take(
            encode_static(x, 90.0),
            RATE,
            GenerationRequest("a dog on the left", None, 1.0, seed=7),
            0,
            {},
            {"name": "tiny"},
        )
    )
    return store.folder


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, _, err = _run(capsys, *argv)
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and lines[0].startswith("ambisketch: error: "), err
    return lines[0]


def test_list_table_and_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "takes", "list", "--project", str(project))
    lines = out.strip().splitlines()
    assert code == 0 and lines[0].startswith("NAME") and len(lines) == 3 and not err
    assert lines[1].startswith("a-dog-on-the-left_s7") and "descriptive" in lines[1]
    assert "a bee buzzing" in lines[2] and "42" in lines[2] and "1.00 s" in lines[2]
    (project / "junk.wav").write_bytes(b"not audio")
    code, out, err = _run(capsys, "takes", "list", "--project", str(project), "--json")
    data = json.loads(out)
    assert code == 0 and [t["seed"] for t in data["takes"]] == [7, 42]
    assert data["takes"][1]["request"]["prompt"] == "a bee buzzing" and data["problems"]
    assert "junk.wav" in err and "not a readable WAV" in err  # reported, not fatal


def test_default_project_folder_and_empty(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = _run(capsys, "takes", "list")
    assert code == 0 and out == "" and str(tmp_path / "data" / "ambisketch" / "takes") in err


def test_rename_delete_restore(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = ["--project", str(project)]
    code, out, _ = _run(capsys, "takes", "rename", "a-bee-buzzing_s42", "bee close", *p)
    assert code == 0 and (project / "bee close.wav").is_file()
    assert (project / "bee close.wav.json").is_file() and not (
        project / "a-bee-buzzing_s42.wav"
    ).exists()
    assert "already exists" in _error(
        capsys, "takes", "rename", "bee close", "a-dog-on-the-left_s7", *p
    )
    assert "characters" in _error(capsys, "takes", "rename", "bee close", "a/b", *p)
    code, out, _ = _run(capsys, "takes", "delete", "bee close", *p)
    assert code == 0 and (project / ".trash" / "bee close.wav").is_file()
    assert not (project / "bee close.wav").exists() and "restore" in out
    code, out, _ = _run(capsys, "takes", "restore", "bee close", *p)
    assert code == 0 and (project / "bee close.wav").is_file()
    assert "no take named" in _error(capsys, "takes", "restore", "bee close", *p)


def test_export_formats_bits_and_rates(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = ["--project", str(project)]
    out = tmp_path / "bee_fuma.wav"
    code, text, _ = _run(
        capsys,
        "takes",
        "export",
        "a-bee-buzzing_s42",
        "-o",
        str(out),
        "--format",
        "fuma",
        "--bits",
        "16",
        "--rate",
        "48000",
        *p,
    )
    info = sf.info(out)
    assert code == 0 and "wrote" in text and "band above 7.6 kHz estimated" in text
    assert (info.channels, info.samplerate, info.subtype) == (4, 48000, "PCM_16")
    plain = tmp_path / "bee_plain.wav"
    code, text, _ = _run(
        capsys,
        "takes",
        "export",
        "a-bee-buzzing_s42",
        "-o",
        str(plain),
        "--rate",
        "48000",
        "--no-highs",
        *p,
    )
    assert code == 0 and "estimated" not in text
    assert "high_band" not in json.loads(Path(str(plain) + ".json").read_text())
    phones = tmp_path / "phones.wav"
    code, _, _ = _run(
        capsys,
        "takes",
        "export",
        "a-dog-on-the-left_s7",
        "-o",
        str(phones),
        "--format",
        "binaural",
        "--bits",
        "32f",
        *p,
    )
    info = sf.info(phones)
    assert code == 0 and (info.channels, info.samplerate, info.subtype) == (2, RATE, "FLOAT")
    assert (
        json.loads(Path(str(phones) + ".json").read_text())["source_take"]["request"]["seed"] == 7
    )
    assert "already exists" in _error(
        capsys, "takes", "export", "a-dog-on-the-left_s7", "-o", str(phones), *p
    )
    assert "rate 100" in _error(
        capsys,
        "takes",
        "export",
        "a-dog-on-the-left_s7",
        "-o",
        str(tmp_path / "x.wav"),
        "--rate",
        "100",
        *p,
    )


def test_measure_and_path(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = ["--project", str(project)]
    code, out, _ = _run(capsys, "takes", "measure", "a-bee-buzzing_s42", *p)
    assert code == 0 and "spatial angle" in out
    code, out, _ = _run(capsys, "takes", "measure", "a-dog-on-the-left_s7", "--json", *p)
    data = json.loads(out)
    assert data["errors"] is None and data["path"] is None and len(data["track"]["times"]) > 50
    code, out, _ = _run(capsys, "takes", "path", "a-bee-buzzing_s42", *p)
    assert code == 0 and Trajectory.from_json(out) == preset("orbit", 1.0)
    assert "has no path" in _error(capsys, "takes", "path", "a-dog-on-the-left_s7", *p)


def test_add_a_generated_file(
    project: Path, tmp_path: Path, noise_wav: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spatial = tmp_path / "noise_orbit.wav"
    assert (
        main(
            [
                "spatialize",
                str(noise_wav),
                "-o",
                str(spatial),
                "--path",
                "orbit",
                "--format",
                "fuma",
            ]
        )
        == 0
    )
    code, out, _ = _run(capsys, "takes", "add", str(spatial), "--project", str(project))
    assert code == 0 and "added noise_orbit" in out
    data = json.loads(_run(capsys, "takes", "list", "--json", "--project", str(project))[1])
    added = next(t for t in data["takes"] if t["name"] == "noise_orbit")
    assert added["mode"] == "spatialize" and added["path_keyframes"] is not None
    assert "FOA" in _error(capsys, "takes", "add", str(noise_wav), "--project", str(project))


def test_bad_names_are_one_line_errors(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = ["--project", str(project)]
    for argv in (
        ("takes", "delete", "nope"),
        ("takes", "measure", "../escape"),
        ("takes", "export", "nope", "-o", "x.wav"),
        ("takes", "rename", "nope", "x"),
    ):
        assert "no take named" in _error(capsys, *argv, *p)
    (project.parent / "file").write_text("x")
    assert "not a take folder" in _error(
        capsys, "takes", "list", "--project", str(project.parent / "file")
    )
