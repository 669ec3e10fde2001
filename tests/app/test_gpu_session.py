"""The GPU session kit end to end on the CPU, with a codec that has envelope channels: a DiT
run and its W memo (`train dit`, `train encode-w`), a latent pack of it (scripts/gpu_pack.py),
training from the pack alone (scripts/gpu_train.py), a bundle of what it wrote
(scripts/gpu_import.py) that generates. A lent GPU's minutes are few: what would break there
is caught here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from safetensors.torch import load_file, save_file

from ambisketch.app.cli import main
from ambisketch.engine.models.codec_bundle import save_codec_bundle
from ambisketch.engine.models.factored_codec import FactoredCodec, FactoredCodecConfig, _mono

ROOT = Path(__file__).resolve().parents[2]
RATE = 16000
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}


def _script(name: str, *args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / name), *map(str, args)],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=600,
    )


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 3-step DiT run on a codec with 8 envelope bands (the latent pack's hop, 2048), its W
    memo encoded, and the library it trained on."""
    base = tmp_path_factory.mktemp("gpu-session")
    lib = base / "lib"
    lib.mkdir()
    rng = np.random.default_rng(0)
    t = np.arange(int(1.5 * RATE)) / RATE
    for i, name in enumerate(("dog bark", "door slam", "bird song", "rain on a roof")):
        gate = np.sin(2 * np.pi * (2 + i) * t) > 0
        x = 0.3 * np.sin(2 * np.pi * (300 + 200 * i) * t) * gate
        sf.write(lib / f"{name}.wav", (x + 0.05 * rng.standard_normal(t.size)).astype("f4"), RATE)
    torch.manual_seed(0)
    mono = _mono(2, base_channels=4, multipliers=(1, 1, 1, 1, 1), strides=(2, 4, 4, 8, 8))
    cfg = FactoredCodecConfig(mono, band_edges=(1000.0,), envelope_bands=8)
    save_codec_bundle(base / "codec", FactoredCodec(cfg).eval())
    config = json.loads((ROOT / "training/recipes/configs/dit-tiny.json").read_text())
    config["dit"]["latent_channels"] = cfg.latent_channels
    config["clip_seconds"] = 1.024  # 8 frames of 2048 samples
    (base / "dit.json").write_text(json.dumps(config))
    out = base / "run"
    train = ["train", "dit", "--data", lib, "--codec", base / "codec", "--config"]
    train += [base / "dit.json", "--out", out, "--steps", 3, "--batch", 2, "--device", "cpu"]
    assert main([str(a) for a in [*train, "--no-progress"]]) == 0
    assert main(["train", "encode-w", str(out), "--data", str(lib)]) == 0
    return out, lib


def test_a_run_with_envelope_channels_trains_from_its_pack_and_imports(
    run_dir: tuple[Path, Path], tmp_path: Path
) -> None:
    run_folder, lib = run_dir
    pack = tmp_path / "pack"
    built = _script("gpu_pack.py", run_folder, lib, pack, "--check", 3)
    assert built.returncode == 0, built.stderr[-2000:]
    report = json.loads(built.stdout)
    assert report["clips"] >= 1 and report["clips_without_memo"] == 0
    assert report["envelope_abs_error_db"] <= 1.0  # codes in 2 dB steps: within half of one
    meta = json.loads((pack / "pack.json").read_text())
    tensors = load_file(str(pack / "pack.safetensors"))
    assert meta["envelope_bands"] == 8 and tensors["envelope"].shape[1:] == (8, 8)

    out = tmp_path / "gpu-out"
    trained = _script(
        "gpu_train.py", pack, out, "--seconds", 2, "--batch", 2, "--workers", 0, "--device", "cpu"
    )
    assert trained.returncode == 0, trained.stderr[-2000:]
    steps = json.loads((out / "info.json").read_text())["steps"]
    assert steps >= 1 and (out / "ema-0.safetensors").is_file()

    bundle = tmp_path / "bundle"
    imported = _script("gpu_import.py", out, run_folder, bundle, "--steps-before", 3)
    assert imported.returncode == 0, imported.stderr[-2000:]
    from ambisketch.engine.generate import GenerationRequest, Generator

    take = Generator(bundle, device="cpu").generate(
        GenerationRequest("a dog bark", None, 1.0, 1, 4, 3.0, timbre=0.0)
    )[0]
    assert take.foa.shape == (4, RATE) and np.isfinite(take.foa).all()

    # A pack without the envelope the DiT needs (one from before envelopes) is refused.
    del tensors["envelope"]
    save_file(tensors, str(pack / "pack.safetensors"))
    refused = _script("gpu_train.py", pack, tmp_path / "no", "--seconds", 1, "--workers", 0,
                      "--device", "cpu")  # fmt: skip
    assert refused.returncode != 0 and "latent channels" in refused.stderr, refused.stderr[-500:]
