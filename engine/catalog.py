"""Where model bundles live and which ones are installed — without loading torch.

Bundles are found in the app's ``resources/models/`` (the shipped default) and in the user's
data folder (``~/.local/share/ambisketch/models`` on Linux: fine-tuned bundles land there).
Only ``model.json`` is read here, so listing is instant; loading is :mod:`.models.bundle`'s job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from .errors import ModelLoadError
from .resources import resources_dir

META_FILE = "model.json"
MODEL_HELP = (
    "no generator model is installed in {where}: pass --model BUNDLE_DIR (a folder "
    "with model.json, codec.safetensors, dit.safetensors) or open one in the app; "
    "training/recipes/README.md shows how to train one"
)


@dataclass(frozen=True)
class BundleEntry:
    """An installed bundle as a picker shows it."""

    path: Path
    name: str
    clip_seconds: float | None
    source: str  # "default", "user" or "opened"
    defaults: dict[str, Any] = field(default_factory=dict)  # model.json's steps, cfg, sampler

    @property
    def label(self) -> str:
        length = f", {self.clip_seconds:g} s" if self.clip_seconds else ""
        where = {"default": "built-in", "user": "yours", "opened": "opened"}[self.source]
        return f"{self.name} ({where}{length})"


def shipped_models_dir() -> Path:
    return resources_dir() / "models"


def user_models_dir() -> Path:
    """Where fine-tuned bundles go by default (created on demand by the writer)."""
    return Path(platformdirs.user_data_dir("ambisketch")) / "models"


def is_bundle(folder: str | Path) -> bool:
    return (Path(folder) / META_FILE).is_file()


def describe_bundle(folder: str | Path, source: str = "opened") -> BundleEntry:
    """Name and clip length from ``model.json``; :class:`ModelLoadError` if it is not a bundle."""
    folder = Path(folder)
    meta_path = folder / META_FILE
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelLoadError(f"{folder}: not a model bundle (no {META_FILE})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"{meta_path}: unreadable ({exc})") from None
    if not isinstance(meta, dict):
        raise ModelLoadError(f"{meta_path}: not a model description")
    seconds = meta.get("clip_seconds")
    name = str(meta.get("name") or folder.name)
    defaults = meta.get("defaults")
    return BundleEntry(
        folder,
        name,
        float(seconds) if isinstance(seconds, (int, float)) else None,
        source,
        dict(defaults) if isinstance(defaults, dict) else {},
    )


def _bundles_in(root: Path, source: str) -> list[BundleEntry]:
    if is_bundle(root):
        candidates = [root]
    elif root.is_dir():
        candidates = sorted(d for d in root.iterdir() if is_bundle(d))
    else:
        candidates = []
    found = []
    for folder in candidates:
        try:
            found.append(describe_bundle(folder, source))
        except ModelLoadError:
            continue  # a broken folder is not offered; loading it by hand names the problem
    return found


def installed_bundles() -> list[BundleEntry]:
    """The shipped default(s) first, then the user's bundles."""
    return _bundles_in(shipped_models_dir(), "default") + _bundles_in(user_models_dir(), "user")


def default_bundle() -> Path:
    """The bundle used when none is named: the first shipped one, else the user's first."""
    found = installed_bundles()
    if not found:
        raise ModelLoadError(MODEL_HELP.format(where=shipped_models_dir()))
    return found[0].path
