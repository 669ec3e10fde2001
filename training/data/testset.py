"""A fixed evaluation set: N augmented FOA clips written once as WAV + JSON.

Every evaluation reads the same files (``testset.json`` lists each clip's captions, path
and parametric fields; each WAV also has its ``.wav.json`` sidecar), so numbers from
different runs and models compare. Writing refuses to replace an existing set unless asked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ambisketch.engine.audio_io import write_audio
from ambisketch.engine.json_types import JSONObject

from .dataset import SpatialDataset
from .errors import DatasetError

INDEX_NAME = "testset.json"
FORMAT_VERSION = 1


def write_samples(
    dataset: SpatialDataset,
    indices: list[int],
    out_dir: str | Path,
    *,
    overwrite: bool = False,
    prefix: str = "",
) -> list[JSONObject]:
    """Write samples ``indices`` of ``dataset`` as 24-bit AmbiX WAVs with JSON sidecars."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for n, i in enumerate(indices):
        item = dataset[i]
        name = f"{prefix}{n:04d}_{item['kind']}.wav"
        meta = {
            k: item[k]
            for k in (
                "caption",
                "spatial_caption",
                "spatial_description",
                "kind",
                "source",
                "channel",
                "parametric",
                "trajectory",
                "index",
            )
        }
        meta.update(
            rate=dataset.library.config.rate, format="ambix", seed=dataset.seed, epoch=dataset.epoch
        )
        write_audio(
            out / name,
            item["foa"].numpy(),
            dataset.library.config.rate,
            bits="24",
            overwrite=overwrite,
            sidecar=meta,
        )
        entries.append({"file": name, **meta})
    return entries


def write_test_set(
    dataset: SpatialDataset,
    out_dir: str | Path,
    n: int,
    *,
    seed: int = 1234,
    overwrite: bool = False,
) -> Path:
    """Pick ``n`` samples (a seeded choice, static and moving alike) and write them once.

    Pass a dataset over the *test split* (see :func:`~.dataset.split_library`). Returns the
    index file's path.
    """
    out = Path(out_dir)
    index = out / INDEX_NAME
    if index.exists() and not overwrite:
        raise DatasetError(
            f"{index}: a test set is already there (it is written once; use --force to replace it)"
        )
    if n < 1:
        raise DatasetError(f"the test set needs at least 1 clip, got {n}")
    n = min(n, len(dataset))
    picks = sorted(np.random.default_rng(seed).choice(len(dataset), n, replace=False).tolist())
    entries = write_samples(dataset, picks, out, overwrite=overwrite)
    data = {
        "version": FORMAT_VERSION,
        "seed": seed,
        "clips": entries,
        "library": str(dataset.library.root),
        "augment": _jsonable(vars(dataset.augment)),
    }
    tmp = index.with_name(index.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(index)
    return index


def load_test_set(out_dir: str | Path) -> list[JSONObject]:
    """The clips of a written test set (each entry's ``file`` made absolute)."""
    index = Path(out_dir) / INDEX_NAME
    try:
        data = json.loads(index.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatasetError(f"{index}: no such file (write the test set first)") from None
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{index}: cannot read ({exc})") from None
    if data.get("version") != FORMAT_VERSION:
        raise DatasetError(f"{index}: unknown test-set version {data.get('version')!r}")
    clips = []
    for entry in data["clips"]:
        path = index.parent / entry["file"]
        if not path.is_file():
            raise DatasetError(f"{path}: listed in {index.name} but missing")
        clips.append({**entry, "file": str(path)})
    return clips


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    return obj
