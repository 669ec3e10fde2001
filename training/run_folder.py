"""The run folder a trainer owns: its settled config, its checkpoints and exact resume.

A trainer built on :class:`RunFolderTrainer` registers its parts by name — modules (the
model, a discriminator; a DiT's latent statistics are its buffers), EMAs, optimizers, and the
random generators — and this base writes and reads all of them once, for every trainer:

- ``config.json``: written by the first run, kept by every resume (another model size is an
  error, other settings are the run's own);
- ``checkpoints/step-N/{state.safetensors, state.json}`` (:mod:`.checkpoint`): module ``m``'s
  tensors as ``m.<key>``, EMA ``e``'s as ``e.<key>`` with ``ema_updates`` in the JSON,
  optimizer ``o``'s as ``o.<index>.<key>`` with ``o`` (groups, scalars) in the JSON, the RNGs
  as ``rng.*`` / ``rng``, and ``step``, ``skipped``, ``config``. Those names are the ones the
  trainers wrote before this base existed: older run folders resume unchanged;
- step callbacks (validation takes every N steps) run after each optimizer step;
- a *compact* checkpoint (:func:`compact_run`: weights in float16, no optimizer state — small
  enough to commit) resumes too: the optimizers start fresh and the learning rate is
  re-warmed linearly over :data:`REWARM_STEPS` steps (``rewarm_from`` in the JSON keeps the
  ramp across later checkpoints).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

import torch

from ambisketch.engine.models.weights import load_state_strict

from .checkpoint import (
    load_checkpoint,
    optimizer_from_flat,
    optimizer_to_flat,
    rng_state,
    save_checkpoint,
    set_rng_state,
)
from .codec.config import TrainingConfigError
from .ema import Ema
from .loop import StepTrainer, unwrap


class RunConfig(Protocol):
    def to_dict(self) -> dict[str, object]: ...


C = TypeVar("C", bound=RunConfig)
Tensors = dict[str, torch.Tensor]
REWARM_STEPS = 500  # after a resume without optimizer state: lr ramps up over these steps


@dataclass(frozen=True)
class _Part:
    kind: str  # "module", "ema" or "optimizer"
    attribute: str  # the trainer attribute holding it (Fabric may wrap it after registering)
    defaults: Callable[[], Tensors] | None = None  # EMA keys a run from before them lacks


def _prefixed(tensors: Tensors, name: str) -> Tensors:
    prefix = name + "."
    return {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}


class RunFolderTrainer(StepTrainer):
    """A :class:`StepTrainer` whose parts are registered by name (see the module notes)."""

    config: RunConfig

    def launch(
        self,
        run_dir: str | Path,
        accelerator: str,
        devices: int | str,
        strategy: str,
        log: Callable[[str], None],
    ) -> None:
        """Start Fabric (every process of a DDP run gets here) and set the run folder and the
        log: rank 0 speaks, the other ranks train silently."""
        from .loop import make_fabric, quiet_log

        self.run_dir = Path(run_dir)
        self.fabric = make_fabric(accelerator, devices, strategy)
        self.fabric.launch()
        self.log = log if self.fabric.global_rank == 0 else quiet_log

    def init_run_folder(self) -> None:
        self._parts: dict[str, _Part] = {}
        self.step_callbacks: list[Callable[[int], object]] = []
        self.step, self.skipped = 0, 0
        self.rewarm_from: int | None = None  # the step a compact checkpoint resumed at

    def rewarm_factor(self) -> float:
        """The learning rate's share while fresh optimizer moments settle after a resume
        from a compact checkpoint (1 otherwise)."""
        if self.rewarm_from is None:
            return 1.0
        return min(1.0, (self.step - self.rewarm_from + 1) / REWARM_STEPS)

    def rewarm_constant_lr(self, *optimizers: torch.optim.Optimizer) -> None:
        """For optimizers at a constant learning rate: scale each group's rate (kept as
        ``base_lr``) by :meth:`rewarm_factor`."""
        factor = self.rewarm_factor()
        for opt in optimizers:
            for group in opt.param_groups:
                group["lr"] = group.setdefault("base_lr", group["lr"]) * factor

    # --- registration ----------------------------------------------------------------
    def register_module(self, name: str, attribute: str) -> None:
        """The module at ``self.<attribute>`` is saved as ``<name>.<key>``."""
        self._parts[name] = _Part("module", attribute)

    def register_ema(
        self, name: str, attribute: str, defaults: Callable[[], Tensors] | None = None
    ) -> None:
        """The :class:`Ema` at ``self.<attribute>``; ``defaults()`` fills keys it lacks."""
        self._parts[name] = _Part("ema", attribute, defaults)

    def register_optimizer(self, name: str, attribute: str) -> None:
        self._parts[name] = _Part("optimizer", attribute)

    def every(self, steps: int, callback: Callable[[int], object]) -> None:
        """``callback(step)`` after every ``steps``-th optimizer step (0: never)."""
        if steps > 0:
            self.step_callbacks.append(lambda step: callback(step) if step % steps == 0 else None)

    # --- config ------------------------------------------------------------------------
    def settle_config(
        self,
        config: C,
        load: Callable[[dict[str, object]], C],
        same_size: Callable[[C, C], bool],
        what: str,
    ) -> C:
        """A run keeps the config it started with; another ``what`` (size) is an error."""
        if self.fabric.global_rank == 0:
            self.run_dir.mkdir(parents=True, exist_ok=True)
        path = self.run_dir / "config.json"
        if path.is_file():
            saved = load(json.loads(path.read_text(encoding="utf-8")))
            if not same_size(saved, config):
                raise TrainingConfigError(
                    f"{self.run_dir}: holds a run of another {what}; choose a new --out"
                )
            if saved != config:
                self.log(f"{self.run_dir}: resuming with the run's own settings")
            return saved
        path.write_text(json.dumps(config.to_dict(), indent=2), encoding="utf-8")
        return config

    # --- checkpoints -------------------------------------------------------------------
    def save(self) -> Path | None:
        """Write a checkpoint of the current step (rank 0 only)."""
        if self.fabric.global_rank != 0:
            return None
        tensors: Tensors = {}
        meta: dict[str, object] = {}
        for name, part in self._parts.items():
            held = getattr(self, part.attribute)
            if part.kind == "module":
                tensors.update({f"{name}.{k}": v for k, v in unwrap(held).state_dict().items()})
            elif part.kind == "ema":
                tensors.update({f"{name}.{k}": v for k, v in held.state_dict().items()})
                meta["ema_updates" if name == "ema" else f"{name}_updates"] = held.updates
            else:
                flat, opt_meta = optimizer_to_flat(held, name)
                tensors.update(flat)
                meta[name] = opt_meta
        r_t, r_meta = rng_state()
        tensors.update(r_t)
        meta.update(rng=r_meta, skipped=self.skipped, config=self.config.to_dict())
        if self.rewarm_factor() < 1.0:
            meta["rewarm_from"] = self.rewarm_from
        return save_checkpoint(self.run_dir, self.step, tensors, meta)

    def resume(self) -> bool:
        """Load the newest checkpoint into every registered part; False if there is none."""
        found = load_checkpoint(self.run_dir)
        if found is None:
            return False
        tensors, meta = found
        source = str(self.run_dir / "checkpoints")
        for name, part in self._parts.items():
            held = getattr(self, part.attribute)
            if part.kind == "module":
                load_state_strict(unwrap(held), _prefixed(tensors, name), source)
            elif part.kind == "ema":
                state = _prefixed(tensors, name)
                for key, value in (part.defaults() if part.defaults else {}).items():
                    state.setdefault(key, value)
                assert isinstance(held, Ema)
                held.load_state_dict(
                    state, meta["ema_updates" if name == "ema" else f"{name}_updates"]
                )
            elif name in meta:
                optimizer_from_flat(held, tensors, meta[name], name)
            else:  # a compact checkpoint: this optimizer starts fresh
                self.rewarm_from = int(meta["step"])
        set_rng_state(tensors, meta["rng"])
        self.step, self.skipped = int(meta["step"]), int(meta.get("skipped", 0))
        if "rewarm_from" in meta:
            self.rewarm_from = int(meta["rewarm_from"])
        note = ""
        if self.rewarm_from is not None and self.rewarm_factor() < 1.0:
            note = (
                " (compact checkpoint: optimizer state fresh, learning rate re-warmed until "
                f"step {self.rewarm_from + REWARM_STEPS})"
            )
        self.log(f"resumed {self.run_dir} at step {self.step}{note}")
        return True


# --- a run small enough to commit -------------------------------------------------------------
SKIPPED = ("checkpoints", "w-latents", "validation")  # rebuilt, or only for listening


def compact_run(run_dir: str | Path, out_dir: str | Path, *, half: bool = True) -> Path:
    """Copy a run folder as a compact resumable state: its settings, codec and log, and its
    newest checkpoint with the model and EMA weights (float16 when ``half``) and without
    optimizer state (a resume re-warms it, see the module notes). ``out_dir`` is replaced
    atomically. Returns it."""
    import shutil

    from ambisketch.engine.files import atomic_folder

    src = Path(run_dir)
    found = load_checkpoint(src)
    if found is None:
        raise TrainingConfigError(f"{src}: holds no checkpoint to compact")
    tensors, meta = found
    optimizers = [k for k, v in meta.items() if isinstance(v, dict) and "param_groups" in v]
    kept: Tensors = {}
    for key, value in tensors.items():
        if key.split(".", 1)[0] in optimizers:
            continue
        if half and value.is_floating_point() and not key.startswith("rng."):
            value = value.half()
        kept[key] = value
    small = {k: v for k, v in meta.items() if k not in optimizers}
    small["compact"] = {"dropped": optimizers, "half": half}
    out = Path(out_dir)
    with atomic_folder(out, overwrite=True) as staging:
        for item in src.iterdir():
            if item.name in SKIPPED or item.name.startswith("."):
                continue
            if item.is_dir():
                shutil.copytree(item, staging / item.name)
            else:
                shutil.copy2(item, staging / item.name)
        save_checkpoint(staging, int(meta["step"]), kept, small)
    return out
