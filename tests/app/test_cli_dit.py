"""Generator training commands end to end on tiny configs: train, resume, export, generate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import soundfile as sf
from helpers.cli import one_line_error, run

from ambisketch.engine.models.codec import CODEC_PRESETS, FoaCodec
from ambisketch.engine.models.codec_bundle import save_codec_bundle


@pytest.fixture(scope="module")
def codec_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_codec_bundle(
        tmp_path_factory.mktemp("models") / "codec", FoaCodec(CODEC_PRESETS["tiny"]).eval()
    )


def test_train_resume_export_generate(capsys, tmp_path: Path, codec_bundle: Path) -> None:
    out = tmp_path / "dit"
    train = (
        "train",
        "dit",
        "--data",
        "synthetic",
        "--out",
        out,
        "--batch",
        2,
        "--device",
        "cpu",
        "--no-progress",
    )
    code, stdout, err = run(
        capsys, *train, "--codec", codec_bundle, "--steps", 2, "--config", "tiny"
    )
    assert code == 0, err
    assert stdout.startswith("step 2:") and (out / "codec" / "codec.json").is_file()
    code, _, err = run(capsys, *train, "--steps", 3)
    one_line_error(code, err, "already holds a training run", "--resume")
    # its own codec and settings
    code, stdout, err = run(capsys, *train, "--steps", 3, "--resume")
    assert code == 0 and "resumed" in err and stdout.startswith("step 3:"), err
    assert json.loads((out / "checkpoints" / "latest.json").read_text())["step"] == 3

    bundle = tmp_path / "model"
    code, stdout, err = run(capsys, "export", "dit", out, "-o", bundle)
    assert code == 0 and (bundle / "dit.safetensors").is_file(), err
    code, _, err = run(capsys, "export", "dit", out, "-o", bundle)
    one_line_error(code, err, "already exists")
    assert run(capsys, "export", "dit", out, "-o", bundle, "--force")[0] == 0

    # A new run from the exported model: its weights and its codec, a fresh optimizer.
    tuned = tmp_path / "tuned"
    code, stdout, err = run(
        capsys,
        *train[:5],
        tuned,
        *train[6:],
        "--init-from",
        bundle,
        "--steps",
        1,
        "--config",
        "tiny",
    )
    assert code == 0 and stdout.startswith("step 1:"), err
    assert (tuned / "codec" / "codec.json").read_text() == (
        out / "codec" / "codec.json"
    ).read_text()
    # its bundle says where it came from and counts the steps in all; --half halves the file
    half = tmp_path / "tuned-model"
    assert run(capsys, "export", "dit", tuned, "-o", half, "--half")[0] == 0
    meta = json.loads((half / "model.json").read_text())
    assert meta["training_data"]["init_from"]["steps"] == 3
    assert meta["training_data"]["step"] == 1 and meta["dtype"] == "float16"
    assert "continued from `" in (half / "MODEL_CARD.md").read_text()
    assert "4 in all" in (half / "MODEL_CARD.md").read_text()
    size = (half / "dit.safetensors").stat().st_size
    assert size < 0.6 * (bundle / "dit.safetensors").stat().st_size
    code, _, err = run(
        capsys,
        *train[:5],
        tmp_path / "t2",
        *train[6:],
        "--init-from",
        bundle,
        "--config",
        "default",
    )
    one_line_error(code, err, "latent channels")
    code, _, err = run(
        capsys, *train[:5], tmp_path / "t3", *train[6:], "--init-from", tmp_path / "nothing"
    )
    one_line_error(code, err, "nothing")
    code, _, err = run(capsys, *train[:5], tmp_path / "t4", *train[6:], "--rooms", 1.5)
    one_line_error(code, err, "--rooms", "between 0 and 1")

    # A compact copy to commit: it resumes (optimizer re-warmed).
    small = tmp_path / "small"
    code, stdout, err = run(capsys, "export", "run", out, "-o", small)
    assert code == 0 and stdout.startswith(f"wrote {small}"), err
    code, _, err = run(capsys, "export", "run", out, "-o", small)
    one_line_error(code, err, "already exists")
    code, _, err = run(capsys, "export", "run", tmp_path / "nothing", "-o", tmp_path / "s2")
    one_line_error(code, err, "not a training run folder")
    code, stdout, err = run(capsys, *train[:5], small, *train[6:], "--steps", 4, "--resume")
    assert code == 0 and "re-warmed" in err and stdout.startswith("step 4:"), err

    wav = tmp_path / "take.wav"
    code, _, err = run(
        capsys,
        "generate",
        "a bee",
        "-o",
        wav,
        "--path",
        "orbit",
        "--seconds",
        0.2,
        "--seed",
        1,
        "--steps",
        2,
        "--model",
        bundle,
        "--device",
        "cpu",
        "--no-progress",
    )
    assert code == 0, err
    info = sf.info(wav)
    assert (info.channels, info.samplerate, info.frames) == (4, 16000, 3200)


def test_dit_command_errors(capsys, tmp_path: Path, codec_bundle: Path) -> None:
    base = (
        "train",
        "dit",
        "--data",
        "synthetic",
        "--config",
        "tiny",
        "--device",
        "cpu",
        "--no-progress",
    )
    code, _, err = run(capsys, *base, "--out", tmp_path / "a")
    one_line_error(code, err, "--codec is required")
    code, _, err = run(capsys, *base, "--out", tmp_path / "a", "--codec", tmp_path / "nope")
    one_line_error(code, err, "nope")
    code, _, err = run(
        capsys, *base, "--out", tmp_path / "a", "--codec", codec_bundle, "--config", "default"
    )
    one_line_error(code, err, "latent channels")
    code, _, err = run(
        capsys, *base, "--out", tmp_path / "a", "--codec", codec_bundle, "--config", "huge"
    )
    one_line_error(code, err, "not a preset")
    code, _, err = run(
        capsys,
        *base,
        "--out",
        tmp_path / "a",
        "--codec",
        codec_bundle,
        "--data",
        tmp_path / "no-library",
    )
    one_line_error(code, err, "no such folder")
    code, _, err = run(
        capsys, *base, "--out", tmp_path / "a", "--codec", codec_bundle, "--steps", 0
    )
    one_line_error(code, err, "--steps")
    code, _, err = run(capsys, "export", "dit", tmp_path / "nothing", "-o", tmp_path / "m")
    one_line_error(code, err, "no such run folder")
    (tmp_path / "empty" / "codec").mkdir(parents=True)
    code, _, err = run(capsys, "export", "dit", tmp_path / "empty", "-o", tmp_path / "m")
    one_line_error(code, err, "no checkpoint")


# --- latent cache → training → evaluation, and a killed run -----------------------------------
TINY_05 = {
    "dit": "tiny",
    "conditioner": "tiny",
    "clip_seconds": 0.5,
    "batch_size": 2,
    "lr": 1e-3,
    "warmup": 0.9,
    "text_max_tokens": 16,
    "checkpoint_every": 5,
    "log_every": 5,
}


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "messy_library", Path(__file__).parents[1] / "training" / "messy_library.py"
    )
    messy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(messy)
    return messy.make_messy_library(tmp_path_factory.mktemp("sounds") / "library")


def test_encode_train_from_cache_export_and_eval(
    capsys, tmp_path: Path, codec_bundle: Path, library: Path
) -> None:
    cache, scan = tmp_path / "cache", ("--seconds", 0.5, "--cache-dir", tmp_path / "clips")
    code, stdout, err = run(
        capsys,
        "dataset",
        "encode",
        library,
        "--codec",
        codec_bundle,
        "-o",
        cache,
        "--split",
        "all",
        "--augmentations",
        1,
        "--room-prob",
        0.5,
        "--device",
        "cpu",
        *scan,
    )
    assert code == 0, err
    assert stdout.startswith("12 samples from 6 clips (all split)") and "5 file(s) skipped" in err
    code, _, err = run(
        capsys,
        "dataset",
        "encode",
        library,
        "--codec",
        codec_bundle,
        "-o",
        cache,
        "--split",
        "all",
        "--augmentations",
        2,
        "--device",
        "cpu",
        *scan,
    )
    assert err.startswith("ambisketch: 5 file(s) skipped")  # the scan's note, then the error
    one_line_error(code, err.split("\n", 1)[1], "other settings", "augmentations", "--force")

    config = tmp_path / "tiny.json"
    config.write_text(json.dumps(TINY_05))
    run_dir = tmp_path / "run"
    code, stdout, err = run(
        capsys,
        "train",
        "dit",
        "--data",
        cache,
        "--out",
        run_dir,
        "--config",
        config,
        "--steps",
        3,
        "--device",
        "cpu",
        "--no-progress",
    )
    assert code == 0 and stdout.startswith("step 3:"), err
    bundle = tmp_path / "model"
    assert run(capsys, "export", "dit", run_dir, "-o", bundle)[0] == 0

    test_set = tmp_path / "testset"
    code, _, err = run(
        capsys,
        "dataset",
        "test-set",
        library,
        "-o",
        test_set,
        "-n",
        4,
        "--split",
        "train",
        "--room-prob",
        1,
        *scan,
    )
    assert code == 0, err
    entries = json.loads((test_set / "testset.json").read_text())["clips"]
    assert all(e["room"]["in_room"] and e["room"]["rt60"] > 0 for e in entries)
    code, stdout, err = run(
        capsys,
        "eval",
        "generator",
        bundle,
        "--test-set",
        test_set,
        "--steps",
        2,
        "--device",
        "cpu",
        "--no-progress",
    )
    assert code == 0, err
    for needle in (
        "descriptive",
        "parametric",
        "paper SM-P",
        "FD log-mel (W)",
        "FD codec latents",
        "RT60 asked",
        "of 4 takes",
    ):
        assert needle in stdout, needle
    code, stdout, err = run(
        capsys,
        "eval",
        "generator",
        run_dir,
        "--test-set",
        test_set,
        "--steps",
        2,
        "--device",
        "cpu",
        "--no-progress",
        "--json",
        "--modes",
        "parametric",
        "--limit",
        2,
    )
    assert code == 0, err
    scores = json.loads(stdout)
    assert list(scores["modes"]) == ["parametric"] and scores["clips"] == 2
    assert scores["settings"]["model"] == "run (step 3)"
    code, _, err = run(
        capsys, "eval", "generator", bundle, "--test-set", tmp_path / "nope", "--device", "cpu"
    )
    one_line_error(code, err, "no such test-set folder")
    code, _, err = run(
        capsys,
        "eval",
        "generator",
        bundle,
        "--test-set",
        test_set,
        "--device",
        "cpu",
        "--clap",
        tmp_path,
    )
    one_line_error(code, err, "not a CLAP checkpoint")


def test_a_killed_training_run_resumes(
    capsys, tmp_path: Path, codec_bundle: Path, library: Path
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    cache = tmp_path / "cache"
    assert (
        run(
            capsys,
            "dataset",
            "encode",
            library,
            "--codec",
            codec_bundle,
            "-o",
            cache,
            "--split",
            "all",
            "--augmentations",
            1,
            "--seconds",
            0.5,
            "--device",
            "cpu",
            "--cache-dir",
            tmp_path / "clips",
        )[0]
        == 0
    )
    config = tmp_path / "tiny.json"
    config.write_text(json.dumps(TINY_05))
    run_dir = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ambisketch",
            "train",
            "dit",
            "--data",
            str(cache),
            "--out",
            str(run_dir),
            "--config",
            str(config),
            "--steps",
            "100000",
            "--device",
            "cpu",
            "--no-progress",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    pointer = run_dir / "checkpoints" / "latest.json"
    try:
        deadline = time.monotonic() + 120
        while not (pointer.is_file() and json.loads(pointer.read_text())["step"] >= 10):
            assert proc.poll() is None, proc.communicate()[1].decode()
            assert time.monotonic() < deadline, "no checkpoint within 2 minutes"
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)  # no chance to save anything more
        proc.communicate()
    saved = json.loads(pointer.read_text())["step"]
    code, stdout, err = run(
        capsys,
        "train",
        "dit",
        "--data",
        cache,
        "--out",
        run_dir,
        "--steps",
        saved + 5,
        "--resume",
        "--device",
        "cpu",
        "--no-progress",
    )
    assert code == 0, err
    assert f"resumed {run_dir} at step {saved}" in err
    assert stdout.startswith(f"step {saved + 5}:")
    assert json.loads(pointer.read_text())["step"] == saved + 5
