"""Generator training commands end to end on tiny configs: train, resume, export, generate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import soundfile as sf

from ambisketch.app.cli import main
from ambisketch.engine.models.codec import CODEC_PRESETS, FoaCodec
from ambisketch.engine.models.codec_bundle import save_codec_bundle


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, err: str, *words: str) -> None:
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    for w in words:
        assert w in err, err


@pytest.fixture(scope="module")
def codec_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_codec_bundle(tmp_path_factory.mktemp("models") / "codec",
                             FoaCodec(CODEC_PRESETS["tiny"]).eval())


def test_train_resume_export_generate(capsys, tmp_path: Path, codec_bundle: Path) -> None:
    out = tmp_path / "dit"
    train = ("train", "dit", "--data", "synthetic", "--out", out, "--batch", 2,
             "--device", "cpu", "--no-progress")
    code, stdout, err = run(capsys, *train, "--codec", codec_bundle, "--steps", 2,
                            "--config", "tiny")
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

    wav = tmp_path / "take.wav"
    code, _, err = run(capsys, "generate", "a bee", "-o", wav, "--path", "orbit",
                       "--seconds", 0.2, "--seed", 1, "--steps", 2, "--model", bundle,
                       "--device", "cpu", "--no-progress")
    assert code == 0, err
    info = sf.info(wav)
    assert (info.channels, info.samplerate, info.frames) == (4, 16000, 3200)


def test_dit_command_errors(capsys, tmp_path: Path, codec_bundle: Path) -> None:
    base = ("train", "dit", "--data", "synthetic", "--config", "tiny", "--device", "cpu",
            "--no-progress")
    code, _, err = run(capsys, *base, "--out", tmp_path / "a")
    one_line_error(code, err, "--codec is required")
    code, _, err = run(capsys, *base, "--out", tmp_path / "a", "--codec", tmp_path / "nope")
    one_line_error(code, err, "nope")
    code, _, err = run(capsys, *base, "--out", tmp_path / "a", "--codec", codec_bundle,
                       "--config", "default")
    one_line_error(code, err, "latent channels")
    code, _, err = run(capsys, *base, "--out", tmp_path / "a", "--codec", codec_bundle,
                       "--config", "huge")
    one_line_error(code, err, "not a preset")
    code, _, err = run(capsys, *base, "--out", tmp_path / "a", "--codec", codec_bundle,
                       "--data", tmp_path / "no-library")
    one_line_error(code, err, "no such folder")
    code, _, err = run(capsys, *base, "--out", tmp_path / "a", "--codec", codec_bundle,
                       "--steps", 0)
    one_line_error(code, err, "--steps")
    code, _, err = run(capsys, "export", "dit", tmp_path / "nothing", "-o", tmp_path / "m")
    one_line_error(code, err, "no such run folder")
    (tmp_path / "empty" / "codec").mkdir(parents=True)
    code, _, err = run(capsys, "export", "dit", tmp_path / "empty", "-o", tmp_path / "m")
    one_line_error(code, err, "no checkpoint")
