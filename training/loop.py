"""What every training loop here shares: Fabric set-up, the step loop with its logging,
checkpoint cadence, cancellation and progress bar, and the CSV log.

A trainer subclasses :class:`StepTrainer` (through :class:`~.run_folder.RunFolderTrainer`,
which owns the run folder and ``save()``) and provides ``train_step(batch) -> metrics``,
``_loader()`` (batches from the resumed step on), ``save()``, ``train_mode()``, the
``METRICS`` columns of its ``metrics.csv`` and a ``LABEL`` for the progress bar; it sets
``fabric``, ``config`` (with ``log_every`` and ``checkpoint_every``), ``run_dir``, ``step``,
``skipped`` and ``log``.

Several processes (DDP, gloo on CPUs, NCCL on GPUs) train as one: each rank takes its own
slice of every global batch (:class:`~.codec.data.StepBatchSampler`), draws its slice of the
global batch's noise (``shard``), so N processes with batch B step exactly like one process
with batch N·B; they agree on skipping a non-finite step and on stopping, the logged metrics
are means over the ranks, and only rank 0 writes files and log lines. A launcher started the
processes (``torchrun``, SLURM's ``srun``) or Fabric does (``--gpus N`` on one machine); see
:func:`launcher_layout` and ``training/recipes/README.md``.
"""

from __future__ import annotations

import csv
import math
import os
import signal
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import torch

if TYPE_CHECKING:
    from lightning.fabric import Fabric
    from tqdm import tqdm

from ambisketch.engine.errors import Cancelled

T = TypeVar("T")


def launcher_layout(env: dict[str, str] | None = None) -> tuple[int, int] | None:
    """``(processes per node, nodes)`` when an external launcher started this process:
    ``torchrun`` (``WORLD_SIZE``, ``LOCAL_WORLD_SIZE``) or SLURM's ``srun`` (``SLURM_NTASKS``,
    ``SLURM_NNODES``); None otherwise. Fabric must be told the launcher's layout: left at its
    defaults (one node, ``--gpus 1``), one process per node trained alone, unsynchronised."""
    env = dict(os.environ if env is None else env)
    if "WORLD_SIZE" in env and "LOCAL_WORLD_SIZE" in env and "RANK" in env:
        world, local = int(env["WORLD_SIZE"]), int(env["LOCAL_WORLD_SIZE"])
    elif "SLURM_NTASKS" in env and env.get("SLURM_JOB_NAME") not in ("bash", "interactive"):
        world = int(env["SLURM_NTASKS"])
        nodes = int(env.get("SLURM_NNODES") or env.get("SLURM_JOB_NUM_NODES") or 1)
        local = world // max(nodes, 1)
    else:
        return None
    if local < 1 or world % local:
        raise ValueError(f"launcher layout of {world} processes, {local} per node, is uneven")
    return local, world // local


def launched_rank(env: dict[str, str] | None = None) -> int:
    """This process's rank as its launcher set it (``torchrun``: ``RANK``; SLURM:
    ``SLURM_PROCID``; Fabric's own launcher for ``--gpus N``: ``LOCAL_RANK`` on one machine),
    known before Fabric starts; 0 for a process nobody launched. The commands use it to leave
    checks of the run folder and their output to rank 0: the others start when rank 0 may
    already have written there."""
    env = dict(os.environ if env is None else env)
    for name in ("RANK", "SLURM_PROCID", "LOCAL_RANK"):
        if env.get(name, "").strip().isdigit():
            return int(env[name])
    return 0


def make_fabric(accelerator: str, devices: int | str, strategy: str) -> Fabric:
    """Lightning Fabric with bf16-mixed precision on CUDA and fp32 elsewhere. Under an
    external launcher its layout (:func:`launcher_layout`) replaces ``devices``, and DDP is
    the strategy when there is more than one process."""
    from lightning.fabric import Fabric

    cuda = accelerator in ("cuda", "gpu") or (accelerator == "auto" and torch.cuda.is_available())
    precision = "bf16-mixed" if cuda else "32-true"
    num_nodes = 1
    layout = launcher_layout()
    if layout is not None:
        devices, num_nodes = layout
        if strategy == "auto" and devices * num_nodes > 1:
            strategy = "ddp"
    return Fabric(
        accelerator=accelerator,
        devices=devices,
        num_nodes=num_nodes,
        strategy=strategy,
        precision=precision,
    )


def shard_draw(
    draw: Callable[..., torch.Tensor],
    shape: tuple[int, ...],
    shard: tuple[int, int],
    device: torch.device | str,
) -> torch.Tensor:
    """``draw(shape)`` (``torch.rand``, ``torch.randn``) for a data-parallel step: every rank
    draws for the whole global batch (``world`` × ``shape[0]`` rows, the same numbers on
    every rank, whose generators stay in step) and keeps its own rows; one process with the
    whole batch draws exactly the same numbers."""
    rank, world = shard
    b = shape[0]
    return draw((world * b, *shape[1:]), device=device)[rank * b : (rank + 1) * b]


def quiet_log(message: str) -> None:
    """The log of ranks other than 0: they train, rank 0 speaks."""
    del message


class StepTrainer:
    """The shared step loop (see the module notes)."""

    METRICS: tuple[str, ...] = ("step", "seconds", "loss", "skipped")
    LABEL = "train"
    fabric: Fabric
    config: Any
    run_dir: Path
    step: int
    skipped: int
    log: Callable[[str], None]
    step_callbacks: Sequence[Callable[[int], object]] = ()  # after each step (validation)

    def train_step(self, batch: Any) -> dict[str, float]:
        raise NotImplementedError

    def _loader(self) -> Any:
        raise NotImplementedError

    def step_loader(self, data: Any, batch: int, seed: int, workers: int) -> Any:
        """Batches of ``batch`` items of ``data`` from the resumed step on, this rank's slice
        of each global batch (:class:`~.codec.data.StepBatchSampler`). The loader has its own
        generator: it would otherwise draw its workers' base seed from the global RNG, which
        would shift the training noise of a resumed run."""
        from torch.utils.data import DataLoader

        from .codec.data import StepBatchSampler

        sampler = StepBatchSampler(
            batch, self.step, self.fabric.global_rank, self.fabric.world_size
        )
        loader = DataLoader(
            data,
            batch_sampler=sampler,
            num_workers=workers,
            persistent_workers=workers > 0,
            worker_init_fn=quiet_worker,
            generator=torch.Generator().manual_seed(seed),
        )
        return self.fabric.setup_dataloaders(loader, use_distributed_sampler=False)

    def save(self) -> Path | None:
        raise NotImplementedError

    def train_mode(self) -> None:
        raise NotImplementedError

    # --- several processes --------------------------------------------------------------
    @property
    def shard(self) -> tuple[int, int]:
        """``(rank, world size)``: which slice of each global batch's draws is this one's."""
        return int(self.fabric.global_rank), int(self.fabric.world_size)

    def rank0_first(self, settle: Callable[[], T]) -> T:
        """``settle()`` on rank 0 (which may write the run folder), then on the other ranks,
        which find what rank 0 wrote. An error on rank 0 is raised after the others were
        released (they then meet the same error), not left for them to wait on."""
        if self.fabric.world_size == 1:
            return settle()
        result: T | None = None
        error: Exception | None = None
        if self.fabric.global_rank == 0:
            try:
                result = settle()
            except Exception as exc:  # noqa: BLE001 - re-raised below, after the barrier
                error = exc
        self.fabric.barrier()
        if error is not None:
            raise error
        return result if self.fabric.global_rank == 0 else settle()

    def agree(self, flag: bool) -> bool:
        """True on every rank when ``flag`` is True on any (a collective: all ranks call it
        at the same point). One process: ``flag``."""
        if self.fabric.world_size == 1:
            return bool(flag)
        total = self.fabric.all_reduce(
            torch.tensor(float(flag), device=self.fabric.device), reduce_op="sum"
        )
        return bool(float(total) > 0)

    def all_finite(self, value: torch.Tensor) -> bool:
        """Whether ``value`` is finite on every rank: a step one rank skips, all skip (a rank
        that went on to backward alone would wait for the others forever)."""
        return not self.agree(not bool(torch.isfinite(value.detach()).all()))

    def close(self) -> None:
        """Leave together: every rank waits for the others, then the process group is torn
        down before the process exits (a rank whose peer's store has already gone otherwise
        may abort in gloo's threads at exit). One process: nothing to do."""
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            dist.barrier()
            dist.destroy_process_group()

    def skip_if_not_finite(self, loss: torch.Tensor, optimizer: Any) -> bool:
        """True (the step is skipped, counted, logged and its gradients dropped) when the
        loss is not finite on any rank; all ranks skip together."""
        if self.all_finite(loss):
            return False
        self.skipped += 1
        optimizer.zero_grad(set_to_none=True)
        self.log(
            f"step {self.step}: loss is {float(loss.detach())}, step skipped "
            f"({self.skipped} so far)"
        )
        return True

    def _mean_over_ranks(self, row: dict[str, float]) -> dict[str, float]:
        """The logged metrics as means over the ranks (each rank has only its slice); a
        metric a rank has not got (all its values were NaN) counts on the others."""
        if self.fabric.world_size == 1:
            return row
        keys = [k for k in self.METRICS if k not in ("step", "seconds", "skipped")]
        have = [k in row for k in keys]
        values = torch.tensor(
            [[row.get(k, 0.0) for k in keys], [float(h) for h in have]],
            dtype=torch.float64,
            device=self.fabric.device,
        )
        total = self.fabric.all_reduce(values, reduce_op="sum")
        return {
            k: float(total[0, i] / total[1, i])
            for i, k in enumerate(keys)
            if float(total[1, i]) > 0
        }

    def fit(
        self,
        steps: int,
        *,
        progress: bool = True,
        should_stop: Callable[[], bool] | None = None,
        on_log: Callable[[dict[str, float]], None] | None = None,
    ) -> dict[str, float]:
        """Train until the run reaches ``steps`` steps in all; returns the last logged metrics."""
        cfg = self.config
        if self.step >= steps:
            self.log(f"{self.run_dir} is already at step {self.step} (asked for {steps})")
            return {}
        bar = progress_bar(progress and self.fabric.global_rank == 0, self.step, steps, self.LABEL)
        last: dict[str, float] = {}
        sums: dict[str, float] = {}
        count, t0 = 0, time.perf_counter()
        self.train_mode()
        try:
            for batch in self._loader():
                metrics = self.train_step(batch)
                self.step += 1
                for callback in self.step_callbacks:
                    callback(self.step)
                for k, v in metrics.items():
                    if math.isfinite(v):
                        sums[k] = sums.get(k, 0.0) + v
                count += 1
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{metrics['loss']:.3f}")
                if self.step % cfg.log_every == 0 or self.step == steps:
                    last = self._mean_over_ranks({k: v / count for k, v in sums.items()})
                    last.update(
                        step=self.step, seconds=time.perf_counter() - t0, skipped=self.skipped
                    )
                    self._write_metrics(last)
                    if on_log is not None:
                        on_log(last)
                    sums, count, t0 = {}, 0, time.perf_counter()
                if self.step % cfg.checkpoint_every == 0 or self.step >= steps:
                    self.save()
                if self.step >= steps:
                    break
                # All ranks decide together (one rank's CPU budget may run out first).
                if should_stop is not None and self.agree(should_stop()):
                    self.save()
                    raise Cancelled(
                        f"training stopped at step {self.step}; "
                        f"run again with the same --out to resume"
                    )
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
            writer.writerow(
                {
                    k: (f"{row[k]:.6g}" if isinstance(row.get(k), float) else row.get(k, ""))
                    for k in self.METRICS
                }
            )


def quiet_worker(worker_id: int) -> None:
    """DataLoader ``worker_init_fn``: workers ignore SIGTERM and SIGINT, so stopping a run
    (Ctrl-C, ``kill``, even ``pkill -f`` that reaches them too) lets the main process save its
    checkpoint and shut them down, instead of a killed worker aborting the step. Workers
    still exit when the main process dies."""
    del worker_id
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def unwrap(module: torch.nn.Module) -> torch.nn.Module:
    """The plain module inside Fabric's (and DDP's) wrappers."""
    inner = getattr(module, "module", module)
    return getattr(inner, "module", inner)


def optimizer_state_to(opt: torch.optim.Optimizer, device: torch.device) -> None:
    for state in getattr(opt, "optimizer", opt).state.values():
        for key, value in state.items():
            if torch.is_tensor(value) and key != "step":
                state[key] = value.to(device)


def progress_bar(enabled: bool, start: int, total: int, label: str) -> tqdm | None:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=start, unit="step", dynamic_ncols=True, desc=label)
