"""Codec commands end to end on a tiny run: train, resume, export, roundtrip, eval, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from helpers.cli import one_line_error, run

from ambisketch.app.cli import main
from ambisketch.engine.audio_io import write_audio
from ambisketch.training.codec.data import SyntheticFoaSource


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("runs") / "tiny"
    code = main(
        [
            "train",
            "codec",
            "--data",
            "synthetic",
            "--out",
            str(run_dir),
            "--config",
            "tiny",
            "--steps",
            "4",
            "--device",
            "cpu",
            "--no-progress",
        ]
    )
    assert code == 0
    return run_dir


@pytest.fixture(scope="module")
def test_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("testset")
    source = SyntheticFoaSource(2, 1.0, seed=9)
    for i in range(2):
        write_audio(folder / f"clip{i}.wav", source[i]["foa"].numpy(), 16000, bits="32f")
    return folder


def test_train_needs_resume_for_an_existing_run(capsys, tiny_run: Path) -> None:
    code, _, err = run(
        capsys,
        "train",
        "codec",
        "--data",
        "synthetic",
        "--out",
        tiny_run,
        "--config",
        "tiny",
        "--steps",
        "6",
    )
    one_line_error(code, err, "already holds a training run", "--resume")
    code, out, err = run(
        capsys,
        "train",
        "codec",
        "--data",
        "synthetic",
        "--out",
        tiny_run,
        "--config",
        "tiny",
        "--steps",
        "6",
        "--resume",
        "--device",
        "cpu",
        "--no-progress",
    )
    assert code == 0 and "resumed" in err and out.startswith("step 6:")


def test_export_roundtrip_and_eval(capsys, tiny_run: Path, test_set: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "codec"
    code, out, _ = run(capsys, "export", "codec", tiny_run, "-o", bundle)
    assert code == 0 and (bundle / "codec.safetensors").is_file()
    code, _, err = run(capsys, "export", "codec", tiny_run, "-o", bundle)
    one_line_error(code, err, "already exists")

    out_wav = tmp_path / "rt.wav"
    code, out, _ = run(
        capsys, "codec", "roundtrip", test_set / "clip0.wav", "-o", out_wav, "--model", bundle
    )
    assert code == 0
    info = sf.info(out_wav)
    assert (info.channels, info.samplerate, info.frames) == (4, 16000, 16000)

    code, out, _ = run(capsys, "eval", "codec", bundle, "--test-set", test_set, "--json")
    assert code == 0
    scores = json.loads(out)
    assert scores["clips"] == 2 and all(
        np.isfinite(scores[k]) for k in ("stft", "mel", "spatial_angle")
    )
    code, out, _ = run(capsys, "eval", "codec", tiny_run, "--test-set", test_set)  # a run folder
    assert code == 0 and "MEL distance" in out and "3.72" in out


def test_codec_command_errors(capsys, tiny_run: Path, tmp_path: Path) -> None:
    stereo = tmp_path / "st.wav"
    sf.write(stereo, np.zeros((1600, 2), np.float32), 16000)
    code, _, err = run(
        capsys, "codec", "roundtrip", stereo, "-o", tmp_path / "o.wav", "--model", tiny_run
    )
    one_line_error(code, err, "st.wav", "FOA needs 4")
    assert not (tmp_path / "o.wav").exists()
    code, _, err = run(
        capsys,
        "codec",
        "roundtrip",
        stereo,
        "-o",
        tmp_path / "o.wav",
        "--model",
        tmp_path / "nomodel",
    )
    one_line_error(code, err, "nomodel")
    (tmp_path / "empty").mkdir()
    code, _, err = run(capsys, "eval", "codec", tiny_run, "--test-set", tmp_path / "empty")
    one_line_error(code, err, "holds no test clips")
    code, _, err = run(
        capsys,
        "train",
        "codec",
        "--data",
        tmp_path / "nolib",
        "--out",
        tmp_path / "r",
        "--config",
        "tiny",
        "--steps",
        "2",
    )
    one_line_error(code, err, "nolib", "no such folder")
    code, _, err = run(
        capsys,
        "train",
        "codec",
        "--data",
        "synthetic",
        "--out",
        tmp_path / "r2",
        "--config",
        "giant",
        "--steps",
        "2",
    )
    one_line_error(code, err, "unknown config 'giant'")


def test_factored_codec_train_export_roundtrip_and_eval(
    capsys, test_set: Path, tmp_path: Path
) -> None:
    run_dir = tmp_path / "factored"
    code, out, _ = run(
        capsys,
        "train",
        "codec",
        "--data",
        "synthetic",
        "--out",
        run_dir,
        "--config",
        "factored-tiny",
        "--steps",
        "3",
        "--device",
        "cpu",
        "--no-progress",
    )
    assert code == 0 and out.startswith("step 3:") and "direction" not in out
    bundle = tmp_path / "fcodec"
    code, _, _ = run(capsys, "export", "codec", run_dir, "-o", bundle)
    assert code == 0 and json.loads((bundle / "codec.json").read_text())["kind"] == "factored"
    for model in (bundle, run_dir):  # a bundle or the run folder
        out_wav = tmp_path / f"rt_{model.name}.wav"
        code, out, _ = run(
            capsys, "codec", "roundtrip", test_set / "clip0.wav", "-o", out_wav, "--model", model
        )
        assert code == 0
        info = sf.info(out_wav)
        assert (info.channels, info.samplerate, info.frames) == (4, 16000, 16000)
    code, out, _ = run(capsys, "eval", "codec", bundle, "--test-set", test_set, "--json")
    scores = json.loads(out)
    assert code == 0 and scores["spatial_angle"] < 3.0  # direction is measured, not learned
    # the same codec with W's envelope channels: a version-3 bundle that decodes
    env = tmp_path / "fcodec-env"
    code, out, _ = run(capsys, "codec", "add-envelope", bundle, "-o", env, "--bands", "8")
    meta = json.loads((env / "codec.json").read_text())
    assert code == 0 and "8 envelope" in out
    assert meta["version"] == 3 and meta["config"]["envelope_bands"] == 8
    out_wav = tmp_path / "rt_env.wav"
    code, _, _ = run(
        capsys, "codec", "roundtrip", test_set / "clip0.wav", "-o", out_wav, "--model", env
    )
    assert code == 0 and sf.info(out_wav).channels == 4
    code, _, err = run(
        capsys, "codec", "add-envelope", bundle, "-o", tmp_path / "x", "--bands", "2"
    )
    one_line_error(code, err, "--bands")
    assert not (tmp_path / "x").exists()
    code, _, err = run(capsys, "codec", "add-envelope", bundle, "-o", env)
    one_line_error(code, err, "already exists")


def test_cpu_budget_stops_with_a_resumable_checkpoint(capsys, tmp_path: Path) -> None:
    run_dir = tmp_path / "budget"
    code, out, _ = run(
        capsys,
        "train",
        "codec",
        "--data",
        "synthetic",
        "--out",
        run_dir,
        "--config",
        "factored-tiny",
        "--steps",
        "100000",
        "--cpu-minutes",
        "0.001",
        "--device",
        "cpu",
        "--no-progress",
    )
    assert code == 0 and "stopped after 0.001 CPU minutes" in out and "--resume" in out
    assert any((run_dir / "checkpoints").iterdir())
    code, _, err = run(
        capsys,
        "train",
        "codec",
        "--data",
        "synthetic",
        "--out",
        tmp_path / "b2",
        "--config",
        "factored-tiny",
        "--cpu-minutes",
        "0",
    )
    one_line_error(code, err, "--cpu-minutes must be > 0")
