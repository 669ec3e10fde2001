"""The recipe's memory: ``WORK/recipe.json`` (settings, each stage's record, metrics) and
``WORK/recipe.log``.

A stage record says whether the stage is done, the outputs of the stages it used
(``inputs``: a done stage is skipped only while they are unchanged), what it produced
(``output``), its training step and seconds, when it ran and on what hardware. The file
is replaced atomically after every change, so a process killed at any point leaves the
last complete record.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ambisketch.engine.files import atomic_target
from ambisketch.engine.json_types import JSONObject

from .sizes import STAGES, RecipeError

FORMAT = "ambisketch-starter-recipe"
FORMAT_VERSION = 1
STATE_FILE, LOG_FILE = "recipe.json", "recipe.log"


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def hardware(device: str) -> JSONObject:
    """What this session runs on: CPU model and cores, memory, torch threads and the GPU."""
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info: JSONObject = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "device": device,
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        info["memory_gib"] = round(pages * size / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    if device == "cuda":
        props = torch.cuda.get_device_properties(torch.cuda.current_device())
        info["gpu"] = props.name
        info["gpu_memory_gib"] = round(props.total_memory / 2**30, 1)
    return info


def describe_hardware(hw: JSONObject) -> str:
    """One line: "NVIDIA H100 (80 GiB) + 16 × AMD EPYC …" or "2 × Intel … (CPU, 2 threads)"."""
    cpu = f"{hw.get('cores')} × {hw.get('cpu')}"
    if hw.get("gpu"):
        return f"{hw['gpu']} ({hw.get('gpu_memory_gib')} GiB) with {cpu}"
    return f"{cpu} (CPU, {hw.get('torch_threads')} torch thread(s))"


class RecipeState:
    """``WORK/recipe.json`` in memory; :meth:`save` writes it (atomically)."""

    def __init__(self, work: Path, echo: Callable[[str], None] | None = None) -> None:
        self.work = Path(work)
        self.path = self.work / STATE_FILE
        self._echo = echo
        self.data: JSONObject = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "settings": None,
            "budget": {},
            "stages": {},
            "metrics": {},
            "sessions": [],
        }
        if self.path.is_file():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise RecipeError(f"{self.path}: unreadable recipe state ({exc})") from None
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise RecipeError(f"{self.path}: not a starter-recipe state file")
            if data.get("version") != FORMAT_VERSION:
                raise RecipeError(
                    f"{self.path}: unknown recipe state version {data.get('version')!r}"
                )
            self.data = data

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    @property
    def stages(self) -> dict[str, JSONObject]:
        return self.data["stages"]

    def record(self, stage: str) -> JSONObject:
        """The stage's record (created empty on first use)."""
        if stage not in STAGES:
            raise KeyError(stage)
        return self.stages.setdefault(stage, {"done": False, "seconds": 0.0})

    def done(self, stage: str) -> bool:
        return bool(self.stages.get(stage, {}).get("done"))

    def output(self, stage: str) -> Any:
        return self.stages.get(stage, {}).get("output")

    def clear(self, stage: str) -> None:
        self.stages.pop(stage, None)

    def save(self) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        with atomic_target(self.path) as tmp:
            tmp.write_text(json.dumps(self.data, indent=1) + "\n", encoding="utf-8")

    def log(self, message: str) -> None:
        """A progress line to stderr (through ``echo``) and to ``WORK/recipe.log``."""
        if self._echo is not None:
            self._echo(message)
        self.work.mkdir(parents=True, exist_ok=True)
        stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        with (self.work / LOG_FILE).open("a", encoding="utf-8") as f:
            f.write(f"{stamp} {message}\n")
