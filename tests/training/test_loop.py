"""Shared training-loop helpers."""

from __future__ import annotations

import os
import signal

import torch

from ambisketch.training.loop import quiet_worker


class _Pids(torch.utils.data.Dataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int) -> int:
        return os.getpid()


def test_data_workers_ignore_a_stop_signal_meant_for_the_run() -> None:
    """`kill`/`pkill -f` reaching the workers must not abort the step the main process is
    saving (the run checkpoints on SIGTERM and shuts its workers down itself)."""
    loader = torch.utils.data.DataLoader(
        _Pids(), batch_size=1, num_workers=1, worker_init_fn=quiet_worker, persistent_workers=True
    )
    it = iter(loader)
    worker = int(next(it)[0])
    assert worker != os.getpid()
    os.kill(worker, signal.SIGTERM)
    os.kill(worker, signal.SIGINT)
    assert [int(b[0]) for b in it] == [worker] * 3  # the same worker carried on
    assert [int(b[0]) for b in loader] == [worker] * 4
    del it, loader
