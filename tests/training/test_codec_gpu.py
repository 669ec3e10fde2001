"""Codec training on CUDA: bf16-mixed precision, Snake in fp32, checkpoints back on the CPU."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from ambisketch.training.codec.config import TRAIN_PRESETS
from ambisketch.training.codec.data import SyntheticFoaSource
from ambisketch.training.codec.trainer import CodecTrainer
from ambisketch.training.export import codec_from_run


@pytest.mark.gpu
def test_tiny_run_trains_and_resumes_on_cuda(tmp_path: Path) -> None:
    cfg = replace(TRAIN_PRESETS["tiny"], adversarial_after=3, checkpoint_every=5)
    trainer = CodecTrainer(
        cfg, tmp_path / "run", SyntheticFoaSource(4, 1.0), accelerator="cuda", log=lambda m: None
    )
    assert str(trainer.fabric.precision.precision) == "bf16-mixed"
    last = trainer.fit(10, progress=False)
    assert torch.isfinite(torch.tensor(last["loss"])) and trainer.skipped == 0
    again = CodecTrainer(
        cfg, tmp_path / "run", SyntheticFoaSource(4, 1.0), accelerator="cuda", log=lambda m: None
    )
    assert again.step == 10
    again.fit(12, progress=False)
    model, step = codec_from_run(tmp_path / "run")
    assert step == 12 and next(model.parameters()).device.type == "cpu"
