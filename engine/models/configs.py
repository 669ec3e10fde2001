"""Model configs as JSON: strict readers for config dataclasses and versioned model files."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

from ..errors import ModelLoadError

T = TypeVar("T")


def config_from_dict(cls: type[T], data: dict[str, Any], what: str) -> T:
    """``cls(**data)``, refusing unknown keys by name (``ValueError``)."""
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown {what} config key {unknown[0]!r}")
    return cls(**data)


def read_versioned_json(path: Path, fmt: str, max_version: int, kind: str) -> dict[str, Any]:
    """A model file's JSON header: it must parse, name ``fmt`` and a version this code reads.

    Every problem is a one-line :class:`ModelLoadError` naming ``path``.
    """
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != fmt:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise ModelLoadError(f"{path}: not an Ambisketch {kind} (format {found!r})")
    version = meta.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelLoadError(f"{path}: invalid format version {version!r}")
    if version > max_version:
        raise ModelLoadError(
            f"{path}: {kind} format version {version} is newer than this "
            f"Ambisketch reads ({max_version}); update Ambisketch"
        )
    return meta
