"""``ambisketch generate`` end to end on a tiny untrained bundle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from helpers.cli import one_line_error, run

from ambisketch.engine.models.bundle import new_bundle, save_bundle
from ambisketch.engine.models.codec import CODEC_PRESETS
from ambisketch.engine.models.conditioners import CONDITIONER_PRESETS
from ambisketch.engine.models.dit import DIT_PRESETS


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    b = new_bundle(
        CODEC_PRESETS["tiny"],
        DIT_PRESETS["tiny"],
        CONDITIONER_PRESETS["tiny"],
        clip_seconds=0.5,
        name="tiny",
    )
    return save_bundle(tmp_path_factory.mktemp("models") / "tiny", b)


def test_generate_writes_take_and_sidecar(capsys, tmp_path: Path, bundle: Path) -> None:
    out = tmp_path / "bee.wav"
    code, stdout, err = run(
        capsys,
        "generate",
        "a bee buzzing",
        "-o",
        out,
        "--path",
        "orbit",
        "--seconds",
        0.3,
        "--seed",
        5,
        "--steps",
        3,
        "--model",
        bundle,
        "--device",
        "cpu",
        "--bits",
        "32f",
        "--no-progress",
    )
    assert code == 0, err
    assert "parametric, seed 5" in stdout
    data, rate = sf.read(out, dtype="float32")
    assert rate == 16000 and data.shape == (4800, 4)
    meta = json.loads((tmp_path / "bee.wav.json").read_text())
    assert meta["kind"] == "generate" and meta["request"]["seed"] == 5
    assert meta["request"]["prompt"] == "a bee buzzing" and meta["path"]["duration"] == 0.3
    # the sidecar is enough to make it again
    req = meta["request"]
    again = tmp_path / "again.wav"
    code, _, err = run(
        capsys,
        "generate",
        req["prompt"],
        "-o",
        again,
        "--path",
        "orbit",
        "--seconds",
        req["seconds"],
        "--seed",
        req["seed"],
        "--steps",
        req["steps"],
        "--model",
        bundle,
        "--device",
        "cpu",
        "--bits",
        "32f",
        "--no-progress",
    )
    assert code == 0, err
    assert np.array_equal(sf.read(again, dtype="float32")[0], data)
    assert meta["model"]["dtype"] == "float32"  # a CPU's default: exactly reproducible
    # bf16 when asked for (faster on CPUs that do it natively): recorded in the sidecar
    fast = tmp_path / "fast.wav"
    code, _, err = run(
        capsys,
        "generate",
        "a bee buzzing",
        "-o",
        fast,
        "--seconds",
        0.3,
        "--seed",
        5,
        "--steps",
        3,
        "--model",
        bundle,
        "--device",
        "cpu",
        "--precision",
        "bf16",
        "--no-progress",
    )
    assert code == 0, err
    assert json.loads((tmp_path / "fast.wav.json").read_text())["model"]["dtype"] == "bfloat16"


def test_variations_fuma_rate_and_lock(capsys, tmp_path: Path, bundle: Path) -> None:
    out = tmp_path / "x.wav"
    code, _, err = run(
        capsys,
        "generate",
        "wind",
        "-o",
        out,
        "--variations",
        2,
        "--steps",
        2,
        "--model",
        bundle,
        "--device",
        "cpu",
        "--format",
        "fuma",
        "--rate",
        8000,
        "--lock-path",
        "--path",
        "fly-over",
        "--param",
        "distance=3",
        "--sampler",
        "euler",
    )
    assert code == 0, err
    for name in ("x_1.wav", "x_2.wav"):
        info = sf.info(tmp_path / name)
        assert info.samplerate == 8000 and info.channels == 4 and abs(info.duration - 0.5) < 1e-3
    meta = json.loads((tmp_path / "x_2.wav.json").read_text())
    assert meta["variation"] == 1 and meta["request"]["lock_path"] is True
    assert meta["request"]["parametric"] == {"distance": 3.0}


def test_errors(capsys, tmp_path: Path, bundle: Path, monkeypatch) -> None:
    monkeypatch.setenv("AMBISKETCH_RESOURCES", str(tmp_path / "res"))
    code, _, err = run(capsys, "generate", "x", "-o", tmp_path / "a.wav", "--no-progress")
    one_line_error(code, err, "no generator model is installed", "--model")
    out = tmp_path / "b.wav"
    # (longer than the clip is a long take: tests/app/test_cli_audio_start.py)
    for extra, words in [
        (["--seconds", -3], ["seconds must be > 0"]),
        (["--param", "speed=3"], ["--param 'speed=3'"]),
        (["--steps", 0], ["steps must be at least 1"]),
        (["--lock-path"], ["path lock needs a path"]),
        (["--path", "nowhere"], ["nowhere"]),
    ]:
        code, _, err = run(
            capsys,
            "generate",
            "x",
            "-o",
            out,
            "--model",
            bundle,
            "--device",
            "cpu",
            "--no-progress",
            *extra,
        )
        one_line_error(code, err, *words)
    code, _, err = run(capsys, "generate", "x", "-o", out, "--model", tmp_path, "--no-progress")
    one_line_error(code, err, "not a model bundle")
    assert not out.exists()


def test_room_flags_become_the_conditioners_numbers(capsys, tmp_path: Path, bundle: Path) -> None:
    from ambisketch.engine.spatial.room import ROOM_PRESETS
    from ambisketch.training.dit.data import room_numbers

    out = tmp_path / "hall.wav"
    code, _, err = run(
        capsys,
        "generate",
        "footsteps",
        "-o",
        out,
        "--room",
        "medium",
        "--distance",
        4,
        "--seconds",
        0.3,
        "--steps",
        2,
        "--seed",
        1,
        "--model",
        bundle,
        "--device",
        "cpu",
        "--no-progress",
    )
    assert code == 0, err
    params = json.loads((tmp_path / "hall.wav.json").read_text())["request"]["parametric"]
    w, d, h, rt60 = ROOM_PRESETS["medium"]
    # the numbers training gives a sample rendered in that room (one convention)
    trained = room_numbers(
        {"in_room": True, "distance": 4.0, "room_volume": w * d * h, "rt60": rt60}
    )
    assert params["distance"] == 4.0
    assert params["room_size"] == pytest.approx(trained[1]) == pytest.approx(5.36, abs=0.01)
    assert params["decay_time"] == pytest.approx(rt60, abs=0.02)  # the preset's RT60


def test_room_flag_values_and_errors(capsys, tmp_path: Path, bundle: Path) -> None:
    from ambisketch.engine.spatial.room import room_conditioning as room_params

    assert room_params(None, "6x8x3", 1.5) == {
        "room_size": pytest.approx(144 ** (1 / 3)),
        "decay_time": 1.5,
    }
    edge = room_params(None, "10", None)
    assert edge["room_size"] == 10.0 and 0.3 <= edge["decay_time"] <= 2.5
    assert room_params(2.0, None, 0.0) == {"distance": 2.0, "room_size": 0.0, "decay_time": 0.0}
    assert room_params(None, None, None) == {}
    out = tmp_path / "x.wav"
    for extra, words in [
        (["--room", "cathedral"], ["unknown room 'cathedral'", "WxDxH"]),
        (["--room", "-3"], ["room -3", "> 0 m"]),
        (["--distance", 0], ["distance 0", "metres > 0"]),
        (["--decay", -1], ["decay -1"]),
        (["--distance", 4, "--param", "distance=3"], ["contradicts"]),
    ]:
        code, _, err = run(
            capsys,
            "generate",
            "x",
            "-o",
            out,
            "--model",
            bundle,
            "--device",
            "cpu",
            "--no-progress",
            *extra,
        )
        one_line_error(code, err, *words)
    assert not out.exists()


def test_the_models_own_sampler_settings_are_the_default(capsys, tmp_path: Path) -> None:
    b = new_bundle(
        CODEC_PRESETS["tiny"],
        DIT_PRESETS["tiny"],
        CONDITIONER_PRESETS["tiny"],
        clip_seconds=0.5,
        name="tiny",
    )
    b.info.defaults.update(steps=3, cfg_scale=2.5, sampler="euler")
    model = save_bundle(tmp_path / "m", b)
    out = tmp_path / "a.wav"
    code, _, err = run(
        capsys,
        "generate",
        "rain",
        "-o",
        out,
        "--model",
        model,
        "--device",
        "cpu",
        "--threads",
        1,
        "--no-progress",
    )
    assert code == 0, err
    req = json.loads((tmp_path / "a.wav.json").read_text())["request"]
    assert (req["steps"], req["cfg_scale"], req["sampler"]) == (3, 2.5, "euler")
    code, _, err = run(
        capsys,
        "generate",
        "rain",
        "-o",
        tmp_path / "b.wav",
        "--model",
        model,
        "--sampler",
        "dpmpp-2m",
        "--cfg",
        5,
        "--no-progress",
        "--device",
        "cpu",
    )
    req = json.loads((tmp_path / "b.wav.json").read_text())["request"]
    assert code == 0 and (req["steps"], req["cfg_scale"], req["sampler"]) == (3, 5.0, "dpmpp-2m")
