"""One process of a distributed training test (tests/training/test_ddp.py): started by
``torchrun``, by a simulated SLURM step, or alone.

``python ddp_worker.py KIND RUN RECORD STEPS BATCH`` trains the tiny ``KIND`` (codec or dit)
into RUN for STEPS steps in all, BATCH items per process per step, on the CPU (gloo). It
writes RECORD/rank{R}.json: the items its sampler gave it, its log lines and its layout.
Ranks other than 0 run under umask 077, so a file they wrote would show as mode 0600.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from pathlib import Path

import torch


def codec_config(config, batch: int):  # type: ignore[no-untyped-def]
    """The tiny codec's settings for the test: the losses that are means over the batch's
    items (time L1, KL). auraloss's spectral convergence is one norm ratio over a process's
    batch, so with it N processes train on N per-process ratios, not the ratio of the whole
    batch (as in stable-audio-tools): close, but not the same objective."""
    return replace(
        config,
        batch_size=batch,
        checkpoint_every=2,
        log_every=1,
        num_workers=0,
        spectral_weight=0.0,
        direction_weight=0.0,
    )


def main(kind: str, run: str, record: str, steps: int, batch: int) -> None:
    from ambisketch.training.codec import data as codec_data
    from ambisketch.training.codec.data import SyntheticFoaSource

    torch.set_num_threads(1)
    rank = int(os.environ.get("RANK", os.environ.get("SLURM_PROCID", "0")))
    if rank != 0:
        os.umask(0o077)
    seen: list[list[int]] = []
    plain_iter = codec_data.StepBatchSampler.__iter__

    def recording_iter(self):  # type: ignore[no-untyped-def]
        for items in plain_iter(self):
            seen.append(list(items))
            yield items

    codec_data.StepBatchSampler.__iter__ = recording_iter  # type: ignore[method-assign]
    logs: list[str] = []
    if kind == "codec":
        from ambisketch.training.codec.config import resolve_train_config
        from ambisketch.training.codec.trainer import CodecTrainer

        config = codec_config(resolve_train_config("tiny"), batch)
        trainer = CodecTrainer(
            config, run, SyntheticFoaSource(8, 0.5, seed=1), accelerator="cpu", log=logs.append
        )
    else:
        from ambisketch.engine.models.codec import CODEC_PRESETS, FoaCodec
        from ambisketch.training.dit.config import DIT_TRAIN_PRESETS
        from ambisketch.training.dit.trainer import DitTrainer

        torch.manual_seed(3)  # the same frozen codec in every process
        codec = FoaCodec(CODEC_PRESETS["tiny"]).eval()
        config = replace(
            DIT_TRAIN_PRESETS["tiny"],
            batch_size=batch,
            checkpoint_every=2,
            log_every=1,
            num_workers=0,
        )
        trainer = DitTrainer(
            config,
            run,
            SyntheticFoaSource(6, 0.3, seed=1),
            codec,
            accelerator="cpu",
            log=logs.append,
        )
    trainer.fit(steps, progress=False)
    trainer.close()
    out = Path(record) / f"rank{trainer.fabric.global_rank}.json"
    out.write_text(
        json.dumps(
            {
                "rank": trainer.fabric.global_rank,
                "world": trainer.fabric.world_size,
                "node_rank": trainer.fabric.node_rank,
                "strategy": type(trainer.fabric.strategy).__name__,
                "items": seen,
                "logs": logs,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
