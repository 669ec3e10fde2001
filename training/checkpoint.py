"""Resumable training checkpoints as safetensors + JSON (never pickle).

A run folder holds ``checkpoints/step-NNNNNNN/{state.safetensors, state.json}`` and a pointer
``checkpoints/latest.json``. A checkpoint folder is complete before the pointer is replaced
(atomically), so a process killed at any moment — SIGKILL included — leaves the previous
checkpoint valid. Older checkpoint folders are then removed (one per run is kept).
"""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ambisketch.engine.errors import ModelLoadError
from ambisketch.engine.files import atomic_folder, atomic_target
from ambisketch.engine.json_types import JSONObject, JSONValue
from ambisketch.engine.models.weights import load_weights, save_weights

POINTER = "latest.json"


def _atomic_json(path: Path, data: JSONValue) -> None:
    with atomic_target(path) as tmp, tmp.open("w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)
        f.flush()
        os.fsync(f.fileno())


def save_checkpoint(
    run_dir: str | Path,
    step: int,
    tensors: dict[str, torch.Tensor],
    meta: JSONObject,
    keep: int = 1,
) -> Path:
    """Write the state of ``step``; keep the newest ``keep`` checkpoints."""
    root = Path(run_dir) / "checkpoints"
    root.mkdir(parents=True, exist_ok=True)
    name = f"step-{step:07d}"
    final = root / name
    with atomic_folder(final, overwrite=True) as staging:
        save_weights(staging / "state.safetensors", tensors, {"step": step})
        _atomic_json(staging / "state.json", {"step": step, **meta})
    _atomic_json(root / POINTER, {"dir": name, "step": step})
    done = sorted(p for p in root.glob("step-*") if p.is_dir())
    for old in done[:-keep] if keep > 0 else []:
        if old.name != name:
            shutil.rmtree(old, ignore_errors=True)
    for stale in root.glob(".step-*"):  # staging left by a killed process
        shutil.rmtree(stale, ignore_errors=True)
    return final


def has_checkpoint(run_dir: str | Path) -> bool:
    """Whether a run folder holds a checkpoint to resume (without reading it)."""
    return (Path(run_dir) / "checkpoints" / POINTER).is_file()


def load_checkpoint(run_dir: str | Path) -> tuple[dict[str, torch.Tensor], JSONObject] | None:
    """The newest complete checkpoint of a run, or ``None`` if it has none."""
    root = Path(run_dir) / "checkpoints"
    pointer = root / POINTER
    if not pointer.is_file():
        return None
    try:
        name = json.loads(pointer.read_text(encoding="utf-8"))["dir"]
        meta = json.loads((root / name / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError) as exc:
        raise ModelLoadError(f"{pointer}: damaged checkpoint pointer ({exc})") from None
    return load_weights(root / name / "state.safetensors"), meta


# --- optimizer state <-> flat tensors + JSON -------------------------------------------------
def optimizer_to_flat(
    opt: torch.optim.Optimizer, prefix: str
) -> tuple[dict[str, torch.Tensor], JSONObject]:
    sd = opt.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, JSONObject] = {}
    for idx, state in sd["state"].items():
        for key, value in state.items():
            if torch.is_tensor(value):
                tensors[f"{prefix}.{idx}.{key}"] = value
            else:
                scalars.setdefault(str(idx), {})[key] = value
    return tensors, {"param_groups": sd["param_groups"], "scalars": scalars}


def optimizer_from_flat(
    opt: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], meta: JSONObject, prefix: str
) -> None:
    state: dict[int, dict[str, Any]] = {}
    for name, value in tensors.items():
        if name.startswith(prefix + "."):
            idx, key = name[len(prefix) + 1 :].split(".", 1)
            state.setdefault(int(idx), {})[key] = value
    for idx, extra in meta.get("scalars", {}).items():
        state.setdefault(int(idx), {}).update(extra)
    opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


# --- random number generators --------------------------------------------------------------
def rng_state() -> tuple[dict[str, torch.Tensor], JSONObject]:
    tensors = {"rng.torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        tensors["rng.cuda"] = torch.cuda.get_rng_state()
    np_state = np.random.get_state()
    meta = {
        "numpy": [np_state[0], np_state[1].tolist(), *np_state[2:]],
        "python": _py_state_to_json(random.getstate()),
    }
    return tensors, meta


def set_rng_state(tensors: dict[str, torch.Tensor], meta: JSONObject) -> None:
    torch.set_rng_state(tensors["rng.torch"])
    if "rng.cuda" in tensors and torch.cuda.is_available():
        torch.cuda.set_rng_state(tensors["rng.cuda"])
    kind, keys, *rest = meta["numpy"]
    np.random.set_state((kind, np.array(keys, dtype=np.uint32), *rest))
    version, internal, gauss = meta["python"]
    random.setstate((version, tuple(internal), gauss))


def _py_state_to_json(state: tuple[int, tuple[int, ...], float | None]) -> list[JSONValue]:
    version, internal, gauss = state
    return [version, list(internal), gauss]
