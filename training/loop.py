"""What every training loop here shares: Fabric set-up, the step loop with its logging,
checkpoint cadence, cancellation and progress bar, and the CSV log.

A trainer subclasses :class:`StepTrainer` and provides ``train_step(batch) -> metrics``,
``_loader()`` (batches from the resumed step on), ``save()``, ``train_mode()``, the
``METRICS`` columns of its ``metrics.csv`` and a ``LABEL`` for the progress bar; it sets
``fabric``, ``config`` (with ``log_every`` and ``checkpoint_every``), ``run_dir``, ``step``,
``skipped`` and ``log``.
"""

from __future__ import annotations

import csv
import math
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from ambisketch.engine.errors import Cancelled


def make_fabric(accelerator: str, devices: int | str, strategy: str) -> Any:
    """Lightning Fabric with bf16-mixed precision on CUDA and fp32 elsewhere."""
    from lightning.fabric import Fabric

    cuda = accelerator in ("cuda", "gpu") or (accelerator == "auto" and torch.cuda.is_available())
    precision = "bf16-mixed" if cuda else "32-true"
    return Fabric(accelerator=accelerator, devices=devices, strategy=strategy, precision=precision)


class StepTrainer:
    """The shared step loop (see the module notes)."""

    METRICS: tuple[str, ...] = ("step", "seconds", "loss", "skipped")
    LABEL = "train"
    fabric: Any
    config: Any
    run_dir: Path
    step: int
    skipped: int
    log: Callable[[str], None]

    def train_step(self, batch: Any) -> dict[str, float]:
        raise NotImplementedError

    def _loader(self) -> Any:
        raise NotImplementedError

    def save(self) -> Path | None:
        raise NotImplementedError

    def train_mode(self) -> None:
        raise NotImplementedError

    def fit(self, steps: int, *, progress: bool = True, should_stop: Callable[[], bool] | None = None,
            on_log: Callable[[dict[str, float]], None] | None = None) -> dict[str, float]:
        """Train until the run reaches ``steps`` steps in all; returns the last logged metrics."""
        cfg = self.config
        if self.step >= steps:
            self.log(f"{self.run_dir} is already at step {self.step} (asked for {steps})")
            return {}
        bar = progress_bar(progress and self.fabric.global_rank == 0, self.step, steps,
                           self.LABEL)
        last: dict[str, float] = {}
        sums: dict[str, float] = {}
        count, t0 = 0, time.perf_counter()
        self.train_mode()
        try:
            for batch in self._loader():
                metrics = self.train_step(batch)
                self.step += 1
                for k, v in metrics.items():
                    if math.isfinite(v):
                        sums[k] = sums.get(k, 0.0) + v
                count += 1
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{metrics['loss']:.3f}")
                if self.step % cfg.log_every == 0 or self.step == steps:
                    last = {k: v / count for k, v in sums.items()}
                    last.update(step=self.step, seconds=time.perf_counter() - t0,
                                skipped=self.skipped)
                    self._write_metrics(last)
                    if on_log is not None:
                        on_log(last)
                    sums, count, t0 = {}, 0, time.perf_counter()
                if self.step % cfg.checkpoint_every == 0 or self.step >= steps:
                    self.save()
                if self.step >= steps:
                    break
                if should_stop is not None and should_stop():
                    self.save()
                    raise Cancelled(f"training stopped at step {self.step}; "
                                    f"run again with the same --out to resume")
        except KeyboardInterrupt:
            self.save()
            raise
        finally:
            if bar is not None:
                bar.close()
        return last

    def _write_metrics(self, row: dict[str, float]) -> None:
        if self.fabric.global_rank != 0:
            return
        path = self.run_dir / "metrics.csv"
        new = not path.exists()
        with path.open("a", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=self.METRICS, extrasaction="ignore")
            if new:
                writer.writeheader()
            writer.writerow({k: (f"{row[k]:.6g}" if isinstance(row.get(k), float) else row.get(k, ""))
                             for k in self.METRICS})


def quiet_worker(worker_id: int) -> None:
    """DataLoader ``worker_init_fn``: workers ignore SIGTERM and SIGINT, so stopping a run
    (Ctrl-C, ``kill``, even ``pkill -f`` that reaches them too) lets the main process save its
    checkpoint and shut them down, instead of a killed worker aborting the step. Workers
    still exit when the main process dies."""
    del worker_id
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def unwrap(module: Any) -> torch.nn.Module:
    """The plain module inside Fabric's (and DDP's) wrappers."""
    inner = getattr(module, "module", module)
    return getattr(inner, "module", inner)


def optimizer_state_to(opt: Any, device: torch.device) -> None:
    for state in getattr(opt, "optimizer", opt).state.values():
        for key, value in state.items():
            if torch.is_tensor(value) and key != "step":
                state[key] = value.to(device)


def progress_bar(enabled: bool, start: int, total: int, label: str) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=start, unit="step", dynamic_ncols=True, desc=label)
