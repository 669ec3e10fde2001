"""Where a DiT run started: the model ``train dit --init-from`` continued, kept in the run
folder (``init.json``) so an exported bundle can say how many steps it had in all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ambisketch.engine.files import atomic_target
from ambisketch.engine.models.bundle import BundleInfo

INIT_FILE = "init.json"


def bundle_steps(training_data: dict[str, Any]) -> int | None:
    """A bundle's DiT steps in all (its own run's and those of the models it continued), from
    its ``model.json`` ``training_data``; None when it does not say."""
    own = training_data.get("step")
    if own is None:
        own = (training_data.get("recipe") or {}).get("dit_step")
    if own is None:
        return None
    before = (training_data.get("init_from") or {}).get("steps", 0) or 0
    return int(own) + int(before)


def write_init_record(run_dir: str | Path, source: str | Path, info: BundleInfo) -> None:
    """Record in a new run that it starts from the generator at ``source``."""
    record = {"name": info.name, "path": str(source), "steps": bundle_steps(info.training_data)}
    path = Path(run_dir) / INIT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_target(path) as tmp:
        tmp.write_text(json.dumps(record, indent=2) + "\n", "utf-8")


def read_init_record(run_dir: str | Path) -> dict[str, Any] | None:
    """The run's :data:`INIT_FILE`, or None for a run trained from scratch."""
    path = Path(run_dir) / INIT_FILE
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None
