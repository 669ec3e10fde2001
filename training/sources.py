"""Where training audio comes from: a user's library, the starter corpus, or synthesis.

``--data`` on the command line takes a folder (a sound library, scanned and spatialised on
the fly by :mod:`.data`), ``starter`` (the starter corpus at :func:`starter_corpus_dir`,
built by ``ambisketch dataset build-starter``) or ``synthetic`` (FOA made here, no files).
"""

from __future__ import annotations

import os
from pathlib import Path

from ambisketch.engine.errors import EngineError

from .codec.data import FoaSource, SyntheticFoaSource
from .data.augment import AugmentConfig


def starter_corpus_dir() -> Path:
    """``$AMBISKETCH_STARTER_CORPUS``, else the user data folder's ``corpus/starter``."""
    env = os.environ.get("AMBISKETCH_STARTER_CORPUS")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("ambisketch")) / "corpus" / "starter"


def resolve_source(
    spec: str,
    *,
    rate: int,
    split: str = "train",
    seed: int = 0,
    cache_dir: str | Path | None = None,
    progress: bool | None = None,
    augment: AugmentConfig | None = None,
) -> FoaSource:
    """A training source for ``spec`` (a folder, ``starter`` or ``synthetic``) at ``rate``;
    ``augment`` is how a library's clips are placed (default: the paper's, dry, one
    segment)."""
    if spec == "synthetic":
        return SyntheticFoaSource(count=512, seconds=4.0, rate=rate, seed=seed)
    root = starter_corpus_dir() if spec == "starter" else Path(spec)
    if not root.is_dir():
        if spec == "starter":
            raise EngineError(
                f"{root}: the starter corpus is not built yet; run "
                f"'ambisketch dataset build-starter {root}' first"
            )
        raise EngineError(
            f"{root}: no such folder (give a sound library, 'starter' or 'synthetic')"
        )
    from .data.dataset import SpatialDataset, split_library
    from .data.library import ScanConfig, scan_library

    library = scan_library(root, ScanConfig(rate=rate), cache_dir=cache_dir, progress=progress)
    part = split_library(library)[split]
    if len(part) == 0:
        raise EngineError(
            f"{root}: no usable clips in the {split} split "
            f"({len(library)} clips in all; see the scan report)"
        )
    return SpatialDataset(part, augment, seed=seed)
