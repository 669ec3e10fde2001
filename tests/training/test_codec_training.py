"""Codec training: overfitting lowers the losses and the direction error, resume after
SIGKILL reproduces the uninterrupted run, the NaN guard skips a step, export and loading."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from ambisketch.engine.errors import ModelLoadError
from ambisketch.engine.models.codec import roundtrip
from ambisketch.engine.models.codec_bundle import load_codec_bundle
from ambisketch.engine.spatial.doa import compare_tracks, intensity_doa
from ambisketch.training.codec.config import TRAIN_PRESETS, CodecTrainConfig, resolve_train_config
from ambisketch.training.codec.data import CropDataset, StepBatchSampler, SyntheticFoaSource
from ambisketch.training.codec.trainer import CodecTrainer
from ambisketch.training.export import codec_from_run, export_codec

TINY = TRAIN_PRESETS["tiny"]


def _trainer(run: Path, config: CodecTrainConfig, source=None) -> CodecTrainer:
    return CodecTrainer(
        config, run, source or SyntheticFoaSource(4, 1.0), accelerator="cpu", log=lambda m: None
    )


def _spatial_error(codec, foa: np.ndarray) -> float:
    recon = roundtrip(codec, foa)
    return compare_tracks(intensity_doa(recon, 16000), intensity_doa(foa, 16000)).spatial_angle


def test_crops_are_a_function_of_the_step() -> None:
    data = CropDataset(SyntheticFoaSource(3, 1.0), 4000, seed=5)
    a = [list(b) for _, b in zip(range(3), StepBatchSampler(2, start_step=0))]
    b = [list(b) for _, b in zip(range(2), StepBatchSampler(2, start_step=1))]
    assert a[1:] == b
    torch.testing.assert_close(
        data[a[2][0]], CropDataset(SyntheticFoaSource(3, 1.0), 4000, 5)[a[2][0]]
    )
    ranks = [next(iter(StepBatchSampler(2, 0, rank=r, world=2))) for r in (0, 1)]
    assert set(ranks[0]).isdisjoint(ranks[1])


def test_overfitting_one_clip_lowers_losses_and_direction_error(tmp_path: Path) -> None:
    source = SyntheticFoaSource(1, 1.0, seed=3)
    config = replace(
        TINY,
        batch_size=2,
        crop_seconds=0.25,
        adversarial_after=180,
        log_every=25,
        checkpoint_every=1000,
    )
    trainer = _trainer(tmp_path / "run", config, source)
    foa = source[0]["foa"].numpy()
    before = _spatial_error(trainer.ema_codec(), foa)
    logs: list[dict[str, float]] = []
    trainer.fit(200, progress=False, on_log=logs.append)
    first, last = logs[0], logs[-1]
    for term in ("spectral", "direction", "time"):
        assert last[term] < 0.7 * first[term], (term, first[term], last[term])
    assert np.isfinite(last["disc"]) and np.isfinite(last["adversarial"])
    after = _spatial_error(trainer.ema_codec(), foa)
    assert after < 0.75 * before, (before, after)  # measured: 46° -> 29°
    rows = (tmp_path / "run" / "metrics.csv").read_text().splitlines()
    assert rows[0].startswith("step,seconds,loss") and len(rows) == 1 + 200 // 25


def test_nan_guard_skips_the_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trainer = _trainer(tmp_path / "run", TINY)
    before = {k: v.clone() for k, v in trainer.codec.state_dict().items()}
    real = trainer.recon_loss.forward

    def poisoned(recon, target):
        terms = real(recon, target)
        terms["total"] = terms["total"] * float("nan")
        return terms

    monkeypatch.setattr(trainer.recon_loss, "forward", poisoned)
    out = trainer.train_step(torch.randn(2, 4, TINY.crop_samples) * 0.1)
    assert trainer.skipped == 1 and np.isnan(out["loss"])
    for k, v in trainer.codec.state_dict().items():
        torch.testing.assert_close(v, before[k])


def _run_cli(run: Path, steps: int, config: Path, resume: bool = False) -> subprocess.Popen:
    args = [
        sys.executable,
        "-m",
        "ambisketch",
        "train",
        "codec",
        "--data",
        "synthetic",
        "--out",
        str(run),
        "--config",
        str(config),
        "--steps",
        str(steps),
        "--device",
        "cpu",
        "--no-progress",
    ] + (["--resume"] if resume else [])
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_resume_after_sigkill_matches_the_uninterrupted_run(tmp_path: Path) -> None:
    config = tmp_path / "cfg.json"
    config.write_text(
        json.dumps(
            {**TINY.to_dict(), "checkpoint_every": 10, "log_every": 10, "adversarial_after": 15}
        )
    )
    # Uninterrupted: 40 steps.
    straight = _run_cli(tmp_path / "a", 40, config)
    assert straight.wait(timeout=300) == 0, straight.stderr.read()
    # Killed with SIGKILL after its first checkpoints, then resumed to 40.
    run = tmp_path / "b"
    proc = _run_cli(run, 10_000, config)
    pointer = run / "checkpoints" / "latest.json"
    deadline = time.time() + 240
    while time.time() < deadline:
        if pointer.exists() and json.loads(pointer.read_text())["step"] >= 20:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    killed_at = json.loads(pointer.read_text())["step"]
    assert 20 <= killed_at < 40
    resumed = _run_cli(run, 40, config, resume=True)
    assert resumed.wait(timeout=300) == 0, resumed.stderr.read()
    assert f"resumed {run} at step {killed_at}" in resumed.stderr.read()
    model_a, step_a = codec_from_run(tmp_path / "a")
    model_b, step_b = codec_from_run(run)
    assert step_a == step_b == 40
    for (name, a), b in zip(model_a.state_dict().items(), model_b.state_dict().values()):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4, msg=name)
    rows_b = (run / "metrics.csv").read_text().splitlines()
    assert rows_b[-1].split(",")[0] == "40"
    assert os.listdir(run / "checkpoints") == ["latest.json", "step-0000040"] or sorted(
        os.listdir(run / "checkpoints")
    ) == ["latest.json", "step-0000040"]


def test_a_run_keeps_its_codec_size(tmp_path: Path) -> None:
    _trainer(tmp_path / "run", TINY).fit(2, progress=False)
    other = replace(TINY, codec=replace(TINY.codec, latent_channels=4))
    with pytest.raises(Exception, match="another codec size"):
        _trainer(tmp_path / "run", other)


def test_export_and_load_bundle(tmp_path: Path) -> None:
    trainer = _trainer(tmp_path / "run", TINY)
    trainer.fit(3, progress=False)
    bundle = export_codec(tmp_path / "run", tmp_path / "codec", half=True)
    codec = load_codec_bundle(bundle)
    x = np.random.default_rng(0).standard_normal((4, 1600)).astype(np.float32) * 0.1
    expected = roundtrip(trainer.ema_codec(), x)
    np.testing.assert_allclose(roundtrip(codec, x), expected, atol=5e-2)
    assert "MODEL_CARD.md" in os.listdir(bundle)
    with pytest.raises(ModelLoadError, match="already exists"):
        export_codec(tmp_path / "run", tmp_path / "codec")
    meta = json.loads((bundle / "codec.json").read_text())
    meta["version"] = 99
    (bundle / "codec.json").write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="newer than this"):
        load_codec_bundle(bundle)


def test_config_files_are_checked(tmp_path: Path) -> None:
    bad = tmp_path / "c.json"
    bad.write_text(json.dumps({"batch": 3}))
    with pytest.raises(Exception, match="unknown training setting 'batch'"):
        resolve_train_config(str(bad))
    assert resolve_train_config("tiny", batch_size=7).batch_size == 7
    with pytest.raises(Exception, match="unknown config 'huge'"):
        resolve_train_config("huge")
