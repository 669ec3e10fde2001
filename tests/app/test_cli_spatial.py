"""The CLI spine: spatialize, analyze, path, bench, and every bad-input case."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from helpers.cli import run

from ambisketch import __version__
from ambisketch.app.cli import main
from ambisketch.engine.spatial import preset
from ambisketch.engine.spatial.ambisonics import encode


def assert_one_line_error(code: int, err: str, *words: str) -> None:
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ambisketch: error: ")
    assert "Traceback" not in err
    for w in words:
        assert w in lines[0], lines[0]


def test_spatialize_with_a_preset_writes_ambix_and_sidecar(
    capsys, noise_wav: Path, tmp_path: Path
) -> None:
    out = tmp_path / "orbit.wav"
    code, stdout, _ = run(capsys, "spatialize", noise_wav, "-o", out, "--path", "orbit")
    assert code == 0 and "counter-clockwise" in stdout
    data, rate = sf.read(out, dtype="float32", always_2d=True)
    assert data.shape == (96000, 4) and rate == 48000 and sf.info(out).subtype == "PCM_24"
    mono, _ = sf.read(noise_wav, dtype="float32")
    expected = encode(mono, preset("orbit", 2.0), 48000)  # preset stretched to the input
    np.testing.assert_allclose(data.T, expected, atol=2e-6)
    meta = json.loads((tmp_path / "orbit.wav.json").read_text())
    assert meta["format"] == "ambix" and meta["path"]["name"] == "orbit"
    assert meta["input"] == str(noise_wav.resolve()) and meta["ambisketch_version"] == __version__


def test_spatialize_fuma_rate_bits_and_json_path(capsys, noise_wav: Path, tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(
        json.dumps(
            {
                "duration": 2,
                "keyframes": [
                    {"time": 0, "azimuth": 90},
                    {"time": 2, "azimuth": -90, "direction": "cw"},
                ],
            }
        )
    )
    out = tmp_path / "o.wav"
    code, _, _ = run(
        capsys,
        "spatialize",
        noise_wav,
        "-o",
        out,
        "--path",
        path,
        "--format",
        "fuma",
        "--rate",
        "16000",
        "--bits",
        "16",
    )
    assert code == 0
    info = sf.info(out)
    assert (info.samplerate, info.subtype, info.channels) == (16000, "PCM_16", 4)
    data, _ = sf.read(out, always_2d=True)
    # FuMa: W at -3 dB, then X, Y, Z. At t=0 the source is left: Y ≈ √2·W.
    w, y = data[:1600, 0], data[:1600, 2]
    assert np.dot(y, w) / np.dot(w, w) == pytest.approx(np.sqrt(2), rel=0.05)


def test_spatialize_multichannel_says_what_it_did(
    capsys, stereo_flac: Path, tmp_path: Path
) -> None:
    code, _, err = run(
        capsys, "spatialize", stereo_flac, "-o", tmp_path / "a.wav", "--path", "static"
    )
    assert code == 0 and "2 channels mixed down to mono" in err
    code, _, err = run(
        capsys,
        "spatialize",
        stereo_flac,
        "-o",
        tmp_path / "b.wav",
        "--path",
        "static",
        "--channel",
        "1",
    )
    assert code == 0 and "took channel 1 of 2" in err


def test_spatialize_notes_a_path_shorter_than_the_sound(
    capsys, noise_wav: Path, tmp_path: Path
) -> None:
    path = tmp_path / "short.json"
    path.write_text(json.dumps({"duration": 1, "keyframes": [{"time": 0, "azimuth": 0}]}))
    code, _, err = run(capsys, "spatialize", noise_wav, "-o", tmp_path / "o.wav", "--path", path)
    assert code == 0 and "last position holds" in err and "--fit" in err


def _bad_inputs(tmp: Path, noise_wav: Path) -> dict[str, tuple[list[str], tuple[str, ...]]]:
    corrupt = tmp / "corrupt.wav"
    corrupt.write_bytes(b"RIFF" + os.urandom(500))
    empty = tmp / "empty.wav"
    empty.write_bytes(b"")
    range_json = tmp / "range.json"
    range_json.write_text(json.dumps({"duration": 2, "keyframes": [{"time": 0, "azimuth": 200}]}))
    broken_json = tmp / "broken.json"
    broken_json.write_text('{"duration": 2, "keyframes": [{"time": 0,')
    unknown_key = tmp / "key.json"
    unknown_key.write_text(json.dumps({"duration": 2, "keyframes": [{"time": 0, "azimut": 20}]}))
    out = str(tmp / "out.wav")
    return {
        "missing input": (
            ["spatialize", str(tmp / "nope.wav"), "-o", out, "--path", "orbit"],
            ("nope.wav", "no such file"),
        ),
        "corrupt input": (
            ["spatialize", str(corrupt), "-o", out, "--path", "orbit"],
            ("corrupt.wav", "not a readable audio file"),
        ),
        "empty input": (
            ["spatialize", str(empty), "-o", out, "--path", "orbit"],
            ("empty.wav", "not a readable audio file"),
        ),
        "unknown preset": (
            ["spatialize", str(noise_wav), "-o", out, "--path", "zigzag"],
            ("unknown path preset 'zigzag'", "orbit", "fly-over"),
        ),
        "angle out of range": (
            ["spatialize", str(noise_wav), "-o", out, "--path", str(range_json)],
            ("range.json", "azimuth 200 is outside"),
        ),
        "broken JSON": (
            ["spatialize", str(noise_wav), "-o", out, "--path", str(broken_json)],
            ("broken.json", "not valid JSON"),
        ),
        "unknown key": (
            ["spatialize", str(noise_wav), "-o", out, "--path", str(unknown_key)],
            ("key.json", "unknown key 'azimut'"),
        ),
        "missing path file": (
            ["spatialize", str(noise_wav), "-o", out, "--path", str(tmp / "gone.json")],
            ("gone.json", "no such file"),
        ),
        "bad channel": (
            ["spatialize", str(noise_wav), "-o", out, "--path", "orbit", "--channel", "3"],
            ("noise.wav", "channel 3 does not exist"),
        ),
        "output is input": (
            ["spatialize", str(noise_wav), "-o", str(noise_wav), "--path", "orbit"],
            ("overwrite the input",),
        ),
    }


CASES = [
    "missing input",
    "corrupt input",
    "empty input",
    "unknown preset",
    "angle out of range",
    "broken JSON",
    "unknown key",
    "missing path file",
    "bad channel",
    "output is input",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_one_line_no_output(capsys, noise_wav: Path, tmp_path: Path, case: str) -> None:
    args, words = _bad_inputs(tmp_path, noise_wav)[case]
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    code, stdout, err = run(capsys, *args)
    assert_one_line_error(code, err, *words)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert after == before, "no output file left behind, existing files untouched"


def test_existing_output_is_kept_without_force(capsys, noise_wav: Path, tmp_path: Path) -> None:
    out = tmp_path / "take.wav"
    out.write_bytes(b"keep me")
    code, _, err = run(capsys, "spatialize", noise_wav, "-o", out, "--path", "orbit")
    assert_one_line_error(code, err, "take.wav", "already exists", "--force")
    assert out.read_bytes() == b"keep me" and not (tmp_path / "take.wav.json").exists()
    code, _, _ = run(capsys, "spatialize", noise_wav, "-o", out, "--path", "orbit", "--force")
    assert code == 0 and sf.info(out).channels == 4


def test_unwritable_folder(capsys, noise_wav: Path, unwritable_dir: Path) -> None:
    code, _, err = run(
        capsys, "spatialize", noise_wav, "-o", unwritable_dir / "x.wav", "--path", "orbit"
    )
    assert_one_line_error(code, err, "not writable")
    assert not (unwritable_dir / "x.wav").exists()


def test_missing_folder(capsys, noise_wav: Path, tmp_path: Path) -> None:
    code, _, err = run(
        capsys, "spatialize", noise_wav, "-o", tmp_path / "no" / "x.wav", "--path", "orbit"
    )
    assert_one_line_error(code, err, "does not exist")


def test_malformed_command_line_exits_2(capsys, noise_wav: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["spatialize", str(noise_wav), "--path", "orbit"])  # no -o
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "the following arguments are required: -o/--output" in err and "Traceback" not in err


def test_analyze_reports_small_errors_against_the_path(
    capsys, noise_wav: Path, tmp_path: Path
) -> None:
    out = tmp_path / "o.wav"
    assert (
        run(capsys, "spatialize", noise_wav, "-o", out, "--path", "orbit", "--bits", "32f")[0] == 0
    )
    code, stdout, _ = run(capsys, "analyze", out, "--path", "orbit", "--json")
    assert code == 0
    result = json.loads(stdout)
    assert result["errors"]["spatial_angle_median"] < 2.0
    assert result["errors"]["frames"] > 100
    # Without --path the sidecar's path is used, and the table is printed.
    code, stdout, err = run(capsys, "analyze", out)
    assert code == 0 and "o.wav.json" in err and "errors (mean / median" in stdout


def test_analyze_fuma_file(capsys, noise_wav: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.wav"
    run(capsys, "spatialize", noise_wav, "-o", out, "--path", "half-orbit", "--format", "fuma")
    code, stdout, _ = run(
        capsys, "analyze", out, "--path", "half-orbit", "--format", "fuma", "--json"
    )
    assert code == 0 and json.loads(stdout)["errors"]["azimuth_median"] < 2.0


def test_analyze_needs_four_channels(capsys, stereo_flac: Path) -> None:
    code, _, err = run(capsys, "analyze", stereo_flac)
    assert_one_line_error(code, err, "stereo.flac", "has 2 channel(s); FOA needs 4")


def test_path_list_show_describe(capsys, tmp_path: Path) -> None:
    code, stdout, _ = run(capsys, "path", "list")
    assert code == 0 and "rising-spiral" in stdout and "fly-over" in stdout
    code, stdout, _ = run(capsys, "path", "show", "fly-over", "--duration", "4")
    assert code == 0
    f = tmp_path / "fly.json"
    f.write_text(stdout)
    assert json.loads(stdout)["duration"] == 4
    code, stdout, _ = run(capsys, "path", "describe", f)
    assert (
        code == 0 and stdout.strip() == "moves at a moderate speed from front via overhead to back"
    )
    code, stdout, _ = run(capsys, "path", "describe", "orbit", "--json")
    assert json.loads(stdout)["parametric"]["speed"] == "slow"
    code, _, err = run(capsys, "path", "show", "nope")
    assert_one_line_error(code, err, "unknown path preset 'nope'")


def test_bench_json(capsys) -> None:
    code, stdout, _ = run(capsys, "bench", "--only", "encode", "--repeats", "1", "--json")
    assert code == 0
    names = {r["name"]: r for r in json.loads(stdout)["results"]}
    assert names["encode.moving"]["unit"] == "x real time" and names["encode.moving"]["value"] > 0
    code, _, err = run(capsys, "bench", "--only", "warp")
    assert_one_line_error(code, err, "unknown benchmark 'warp'")


def test_version_and_module_entry_point() -> None:
    res = subprocess.run(
        [sys.executable, "-m", "ambisketch", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0 and res.stdout.strip() == f"ambisketch {__version__}"
    res = subprocess.run(
        [sys.executable, "-m", "ambisketch", "path", "describe", "orbit"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0 and "counter-clockwise" in res.stdout


def test_help_has_examples(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["spatialize", "--help"])
    assert exc.value.code == 0
    assert "examples:" in capsys.readouterr().out
