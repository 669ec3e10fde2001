"""``ambisketch train timbre`` end to end on a small library and a tiny bundle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf
from helpers.cli import one_line_error, run
from helpers.tiny_model import saved_tiny_bundle

from ambisketch.engine.models.bundle import load_bundle


def _library(folder: Path) -> Path:
    """Hums (energy under 400 Hz) and hisses (energy over 4 kHz), named for what they are."""
    from scipy.signal import butter, sosfilt

    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(4):
        noise = rng.standard_normal(16000)
        low = sosfilt(butter(4, 400, "low", fs=16000, output="sos"), noise)
        high = sosfilt(butter(4, 4000, "high", fs=16000, output="sos"), noise)
        sf.write(folder / f"low hum {i}.wav", 0.3 * low / np.abs(low).max(), 16000)
        sf.write(folder / f"high hiss {i}.wav", 0.3 * high / np.abs(high).max(), 16000)
    return folder


def test_train_timbre_writes_a_bundle_whose_prior_knows_the_captions(capsys, tmp_path) -> None:
    lib = _library(tmp_path / "sounds")
    base = saved_tiny_bundle(tmp_path / "base", "factored")
    out = tmp_path / "with-timbre"
    code, stdout, _ = run(
        capsys,
        "train",
        "timbre",
        "--data",
        lib,
        "--model",
        base,
        "-o",
        out,
        "--steps",
        "300",
        "--json",
    )
    assert code == 0
    report = json.loads(stdout)
    assert report["clips"] == 8 and report["steps"] == 300
    bundle = load_bundle(out)
    assert bundle.timbre is not None
    from ambisketch.engine.models.text_encoder import TextEncoder
    from ambisketch.engine.models.timbre import pool

    enc = TextEncoder(bundle.info.text_encoder, "cpu", bundle.info.text_max_tokens)
    tokens, mask = enc.encode(["low hum", "high hiss"])
    shape = bundle.timbre.shape_db(pool(tokens, mask)).detach().numpy()
    bands = shape.shape[1]
    low, high = slice(0, bands // 4), slice(3 * bands // 4, bands)
    assert shape[0, low].mean() > shape[1, low].mean() + 10  # the hum's energy is low
    assert shape[1, high].mean() > shape[0, high].mean() + 10  # the hiss's is high
    # user mistakes: one line, exit 1, nothing written
    code, _, err = run(capsys, "train", "timbre", "--data", lib, "--model", base, "-o", out)
    one_line_error(code, err, "already exists")
    code, _, err = run(
        capsys,
        "train",
        "timbre",
        "--data",
        lib,
        "--model",
        base,
        "-o",
        tmp_path / "x",
        "--steps",
        "0",
    )
    one_line_error(code, err, "--steps")
    code, _, err = run(
        capsys,
        "train",
        "timbre",
        "--data",
        lib,
        "--model",
        tmp_path / "nothing",
        "-o",
        tmp_path / "y",
    )
    one_line_error(code, err, "nothing")
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
