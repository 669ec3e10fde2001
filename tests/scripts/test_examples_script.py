"""scripts/examples.py (the README's listening examples) on a tiny untrained bundle."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import soundfile as sf

from ambisketch.engine.models.bundle import new_bundle, save_bundle
from ambisketch.engine.models.codec import CODEC_PRESETS
from ambisketch.engine.models.conditioners import CONDITIONER_PRESETS
from ambisketch.engine.models.dit import DIT_PRESETS

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "examples.py"


def test_examples_write_binaural_wavs_pictures_and_an_index(tmp_path: Path) -> None:
    b = new_bundle(
        CODEC_PRESETS["tiny"],
        DIT_PRESETS["tiny"],
        CONDITIONER_PRESETS["tiny"],
        clip_seconds=0.5,
        name="tiny",
    )
    model = save_bundle(tmp_path / "m", b)
    out = tmp_path / "ex"
    res = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--model",
            str(model),
            "--out",
            str(out),
            "--steps",
            "2",
            "--only",
            "steps-keyframes",
            "bell-descriptive",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert res.returncode == 0, res.stderr[-2000:]
    for name in ("steps-keyframes", "bell-descriptive"):
        info = sf.info(out / f"{name}.wav")
        assert info.channels == 2 and abs(info.duration - 0.5) < 1e-3
        assert (out / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    index = (out / "README.md").read_text()
    assert "[steps-keyframes.wav](steps-keyframes.wav)" in index and "helicopter" not in index
    assert "--path steps-keyframes.path.json" in index  # the command makes it again
    assert (out / "steps-keyframes.path.json").is_file()
    assert not list(out.glob(".*tmp"))  # nothing half-written left behind
