"""The run folder base writes the checkpoint names the trainers wrote before it existed (old
run folders resume unchanged), resumes every registered part, keeps a run's own config and
runs step callbacks on schedule."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from ambisketch.training.checkpoint import load_checkpoint
from ambisketch.training.codec.config import TRAIN_PRESETS, TrainingConfigError
from ambisketch.training.codec.data import SyntheticFoaSource
from ambisketch.training.codec.trainer import CodecTrainer

TINY = replace(
    TRAIN_PRESETS["tiny"],
    batch_size=1,
    crop_seconds=0.25,
    adversarial_after=0,
    log_every=1,
    checkpoint_every=2,
    num_workers=0,
)


def _trainer(run: Path, config=TINY) -> CodecTrainer:  # type: ignore[no-untyped-def]
    return CodecTrainer(
        config, run, SyntheticFoaSource(2, 0.5), accelerator="cpu", log=lambda m: None
    )


def test_checkpoint_names_are_the_codec_trainers_own(tmp_path: Path) -> None:
    trainer = _trainer(tmp_path / "run")
    seen: list[int] = []
    trainer.every(2, seen.append)
    trainer.fit(3, progress=False)
    assert seen == [2]
    tensors, meta = load_checkpoint(tmp_path / "run")  # type: ignore[misc]
    prefixes = {k.split(".", 1)[0] for k in tensors}
    assert prefixes == {"codec", "disc", "ema", "opt_g", "opt_d", "rng"}
    assert set(meta) == {"step", "opt_g", "opt_d", "rng", "skipped", "ema_updates", "config"}
    assert meta["step"] == 3 and meta["ema_updates"] == 3

    again = _trainer(tmp_path / "run")
    assert again.step == 3 and again.ema.updates == 3
    for name, module in (("codec", again.codec), ("disc", again.disc)):
        for k, v in module.state_dict().items():
            assert torch.equal(v.cpu(), tensors[f"{name}.{k}"]), k
    for k, v in again.ema.state_dict().items():
        assert torch.equal(v, tensors[f"ema.{k}"]), k
    assert again.opt_g.state_dict()["state"].keys() == trainer.opt_g.state_dict()["state"].keys()


def test_a_run_keeps_its_config_and_refuses_another_size(tmp_path: Path) -> None:
    _trainer(tmp_path / "run")
    changed = replace(TINY, lr=TINY.lr * 2)
    assert _trainer(tmp_path / "run", changed).config.lr == TINY.lr
    saved = json.loads((tmp_path / "run" / "config.json").read_text(encoding="utf-8"))
    assert saved["lr"] == TINY.lr
    bigger = replace(TINY, codec=TRAIN_PRESETS["small"].codec)
    with pytest.raises(TrainingConfigError, match="another codec size"):
        _trainer(tmp_path / "run", bigger)


def test_an_existing_codec_run_and_its_compact_copy_both_resume(tmp_path: Path) -> None:
    from ambisketch.training.run_folder import compact_run

    _trainer(tmp_path / "run").fit(2, progress=False)
    exact = _trainer(tmp_path / "run")  # a full checkpoint: every part, no re-warm
    assert exact.step == 2 and exact.rewarm_from is None and exact.rewarm_factor() == 1.0
    compact_run(tmp_path / "run", tmp_path / "small")
    tensors, meta = load_checkpoint(tmp_path / "small")  # type: ignore[misc]
    assert {k.split(".", 1)[0] for k in tensors} == {"codec", "disc", "ema", "rng"}
    assert meta["compact"] == {"dropped": ["opt_g", "opt_d"], "half": True}
    small = _trainer(tmp_path / "small")
    assert small.step == 2 and small.rewarm_from == 2
    small.fit(3, progress=False)
    for opt in (small.opt_g, small.opt_d):
        group = opt.param_groups[0]
        assert 0 < group["lr"] < group["base_lr"]  # ramping up from the fresh optimizer
    with pytest.raises(TrainingConfigError, match="no checkpoint"):
        compact_run(tmp_path / "empty", tmp_path / "x")
