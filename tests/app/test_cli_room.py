"""`spatialize --room/--distance M` and the reverberation lines of `analyze`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from helpers.cli import run

from ambisketch.app.cli import main


@pytest.fixture
def burst_wav(tmp_path: Path) -> Path:
    """0.5 s of noise at 16 kHz: a take with a clear offset, cheap to render in a room."""
    path = tmp_path / "burst.wav"
    sf.write(
        path,
        (np.random.default_rng(5).standard_normal(8000) * 0.1).astype(np.float32),
        16000,
        subtype="PCM_24",
    )
    return path


def test_spatialize_in_a_room_rings_out_and_analyze_measures_it(
    capsys, burst_wav: Path, tmp_path: Path
) -> None:
    out = tmp_path / "room.wav"
    code, stdout, _ = run(
        capsys,
        "spatialize",
        burst_wav,
        "-o",
        out,
        "--path",
        "left-to-right",
        "--room",
        "small",
        "--distance",
        "2",
        "--bits",
        "32f",
    )
    assert code == 0 and "small room" in stdout
    data, rate = sf.read(out, dtype="float32", always_2d=True)
    assert rate == 16000 and data.shape[1] == 4 and data.shape[0] > 8000 + 0.3 * 16000
    meta = json.loads((tmp_path / "room.wav.json").read_text())
    assert meta["room"]["name"] == "small" and meta["distance"] == 2.0
    assert meta["room"]["rt60"] == pytest.approx(0.35, abs=1e-3)
    code, stdout, _ = run(capsys, "analyze", out, "--json")
    assert code == 0
    room = json.loads(stdout)["room"]
    assert room["measured"]["rt60"] == pytest.approx(0.35, rel=0.2)
    assert room["requested"]["rt60"] == pytest.approx(0.35, abs=1e-3)
    assert abs(room["errors"]["rt60_relative"]) < 0.2 and "drr_db" in room["errors"]
    code, stdout, _ = run(capsys, "analyze", out)
    assert code == 0 and "RT60" in stdout and "requested 0.35 s" in stdout


def test_distance_with_metres_overrides_the_path_and_alone_keeps_its_meaning(
    capsys, burst_wav: Path, tmp_path: Path
) -> None:
    near, far, flag = tmp_path / "near.wav", tmp_path / "far.wav", tmp_path / "flag.wav"
    assert (
        run(
            capsys,
            "spatialize",
            burst_wav,
            "-o",
            near,
            "--path",
            "static",
            "--distance",
            "2",
            "--bits",
            "32f",
        )[0]
        == 0
    )
    assert (
        run(
            capsys,
            "spatialize",
            burst_wav,
            "-o",
            far,
            "--path",
            "static",
            "--distance",
            "4",
            "--bits",
            "32f",
        )[0]
        == 0
    )
    assert (
        run(
            capsys,
            "spatialize",
            burst_wav,
            "-o",
            flag,
            "--path",
            "static",
            "--distance",
            "--bits",
            "32f",
        )[0]
        == 0
    )
    a, b, c = (sf.read(p, dtype="float64")[0][:, 0] for p in (near, far, flag))
    assert 20 * np.log10(np.abs(b).max() / np.abs(a).max()) == pytest.approx(-6.02, abs=0.01)
    mono = sf.read(burst_wav, dtype="float64")[0]
    np.testing.assert_allclose(c, mono, atol=1e-6)  # the preset's 1 m: unity gain
    assert json.loads((tmp_path / "far.wav.json").read_text())["distance"] == 4.0


@pytest.mark.parametrize(
    "args, words",
    [
        (("--room", "0x3x3"), ("width", "> 0")),
        (("--room", "cathedral"), ("unknown room", "hall")),
        (("--room", "small", "--rt60", "0.01"), ("too short",)),
        (("--rt60", "1.0"), ("--rt60", "--room")),
    ],
)
def test_bad_rooms_are_one_line_errors(
    capsys, burst_wav: Path, tmp_path: Path, args, words
) -> None:
    out = tmp_path / "x.wav"
    code, _, err = run(capsys, "spatialize", burst_wav, "-o", out, "--path", "static", *args)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert all(w in err for w in words), err
    assert not out.exists()


def test_negative_distance_is_a_usage_error(capsys, burst_wav: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(
            [
                "spatialize",
                str(burst_wav),
                "-o",
                str(tmp_path / "x.wav"),
                "--path",
                "static",
                "--distance",
                "-3",
            ]
        )
    assert info.value.code == 2 and "must be > 0 m" in capsys.readouterr().err
