"""``ambisketch finetune`` end to end: a library with broken files → a bundle that
``generate --model`` uses; clear one-line errors."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import soundfile as sf
from helpers.cli import one_line_error, run

from ambisketch.engine.models.bundle import new_bundle, save_bundle
from ambisketch.engine.models.codec import CODEC_PRESETS
from ambisketch.engine.models.conditioners import CONDITIONER_PRESETS
from ambisketch.engine.models.dit import DIT_PRESETS


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    b = new_bundle(
        CODEC_PRESETS["tiny"],
        DIT_PRESETS["tiny"],
        CONDITIONER_PRESETS["tiny"],
        clip_seconds=0.5,
        name="tiny",
    )
    return save_bundle(tmp_path_factory.mktemp("models") / "base", b)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = importlib.util.spec_from_file_location(
        "messy_library", Path(__file__).parents[1] / "training" / "messy_library.py"
    )
    messy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(messy)
    return messy.make_messy_library(tmp_path_factory.mktemp("sounds") / "library")


def test_finetune_then_generate_with_the_new_bundle(
    capsys, tmp_path: Path, base: Path, library: Path
) -> None:
    out = tmp_path / "mine"
    args = (
        "finetune",
        library,
        "--base",
        base,
        "-o",
        out,
        "--steps",
        4,
        "--batch",
        2,
        "--accumulate",
        1,
        "--augmentations",
        1,
        "--device",
        "cpu",
        "--cache-dir",
        tmp_path / "cache",
    )
    code, stdout, err = run(capsys, *args)
    assert code == 0, err
    assert stdout.strip() == f"wrote {out}"
    assert "6 usable clips, 5 files skipped" in err and "broken.wav: unreadable" in err
    assert "encoding 12 augmented samples" in err and "fine-tuning the generator" in err
    assert f"writing {out}" in err and "Traceback" not in err
    assert json.loads((out / "model.json").read_text())["training_data"]["finetune"]["steps"] == 4

    wav = tmp_path / "take.wav"
    code, stdout, err = run(
        capsys,
        "generate",
        "a bell",
        "-o",
        wav,
        "--path",
        "orbit",
        "--seconds",
        0.5,
        "--seed",
        2,
        "--steps",
        2,
        "--model",
        out,
        "--device",
        "cpu",
        "--no-progress",
    )
    assert code == 0, err
    info = sf.info(wav)
    assert (info.channels, info.frames) == (4, 8000)
    assert json.loads((tmp_path / "take.wav.json").read_text())["model"]["name"] == "tiny + library"

    code, _, err = run(capsys, *args)
    one_line_error(code, err, str(out), "already exists", "--force")


def test_finetune_errors(capsys, tmp_path: Path, base: Path, library: Path, monkeypatch) -> None:
    monkeypatch.setenv("AMBISKETCH_RESOURCES", str(tmp_path / "no-resources"))
    common = ("--device", "cpu", "--no-progress")
    code, _, err = run(capsys, "finetune", library, "-o", tmp_path / "x", *common)
    one_line_error(code, err, "no default model is installed", "--base")
    code, _, err = run(
        capsys, "finetune", tmp_path / "nope", "--base", base, "-o", tmp_path / "x", *common
    )
    one_line_error(code, err, "nope", "no such library")
    code, _, err = run(
        capsys, "finetune", library, "--base", tmp_path, "-o", tmp_path / "x", *common
    )
    one_line_error(code, err, "not a model bundle")
    code, _, err = run(
        capsys, "finetune", library, "--base", base, "-o", tmp_path / "x", "--lr", "-1", *common
    )
    one_line_error(code, err, "learning rate must be > 0")
    code, _, err = run(
        capsys, "finetune", library, "--base", base, "-o", tmp_path / "no" / "x", *common
    )
    one_line_error(code, err, "does not exist")
    assert not (tmp_path / "x").exists()
