"""A cache of decoded library clips: safetensors shards plus a JSON index.

Each scanned file is keyed by its absolute path, modification time and size; the index is
per *fingerprint* of the scan settings (model rate, clip length, channel mode, trimming),
so changing a setting re-decodes and a touched file is decoded again. Clips are stored as
int16 with a per-clip scale (peak-normalised: 96 dB of range, half the size of float32).
Every write goes to a temporary file renamed into place; nothing is pickled.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from safetensors import safe_open
from safetensors.numpy import save_file

from ambisketch.engine.files import atomic_target
from ambisketch.engine.json_types import JSONObject

from .errors import DatasetError

ENV_VAR = "AMBISKETCH_CACHE_DIR"
INDEX_VERSION = 1
SHARD_BYTES = 64 * 1024 * 1024


def default_cache_dir() -> Path:
    """``$AMBISKETCH_CACHE_DIR`` or the platform's user cache folder, ``.../ambisketch/clips``."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("ambisketch")) / "clips"


def file_key(path: Path, stat: os.stat_result) -> str:
    """Identity of one version of a file: absolute path + mtime (ns) + size."""
    text = f"{path.resolve()}|{stat.st_mtime_ns}|{stat.st_size}"
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def to_int16(x: NDArray[np.float32]) -> tuple[NDArray[np.int16], float]:
    """Peak-normalised int16 and the scale that restores it (``x ≈ q * scale``)."""
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    scale = peak / 32767.0 if peak > 0 else 1.0
    return np.round(x / scale).astype(np.int16), scale


class ClipCache:
    """Index ``{key: meta}`` and shards of int16 clips for one settings fingerprint."""

    def __init__(self, folder: Path | None, fingerprint: str) -> None:
        self.folder = Path(folder) if folder is not None else default_cache_dir()
        self.fingerprint = fingerprint
        self.index_path = self.folder / f"index-{fingerprint}.json"
        self._pending: dict[str, NDArray[np.int16]] = {}
        self._pending_bytes = 0
        self._pending_shard = self._new_shard_name()
        self._dirty = False
        self.entries: dict[str, JSONObject] = self._load_index()
        self._shards = (
            {p.name for p in self.folder.glob("shard-*.safetensors")}
            if self.folder.is_dir()
            else set()
        )

    def _load_index(self) -> dict[str, JSONObject]:
        if not self.index_path.is_file():
            return {}
        try:
            data = json.loads(self.index_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # a damaged index only costs a re-scan
        if data.get("version") != INDEX_VERSION:
            return {}
        return dict(data.get("entries", {}))

    def _new_shard_name(self) -> str:
        return f"shard-{self.fingerprint[:12]}-{uuid.uuid4().hex[:12]}.safetensors"

    def get(self, key: str) -> JSONObject | None:
        meta = self.entries.get(key)
        if meta is None:
            return None
        shards = {c["shard"] for c in meta.get("clips", [])}
        if any(s not in self._shards and s != self._pending_shard for s in shards):
            return None  # a shard was deleted: decode again
        return meta

    def put(self, key: str, meta: JSONObject, clips: list[NDArray[np.float32]]) -> JSONObject:
        """Store ``meta`` and its clips; fills ``meta["clips"][i]`` with shard/tensor/scale."""
        for i, clip in enumerate(clips):
            q, scale = to_int16(clip)
            name = f"{key}/{i}"
            self._pending[name] = q
            self._pending_bytes += q.nbytes
            meta["clips"][i].update(shard=self._pending_shard, tensor=name, scale=scale)
        self.entries[key] = meta
        self._dirty = True
        if self._pending_bytes >= SHARD_BYTES:
            self.flush()
        return meta

    def load(self, clip: JSONObject) -> NDArray[np.float32]:
        """The float32 samples of one cached clip entry."""
        if clip["shard"] == self._pending_shard and clip["tensor"] in self._pending:
            q = self._pending[clip["tensor"]]
        else:
            path = self.folder / clip["shard"]
            try:
                with safe_open(str(path), framework="np") as f:
                    q = f.get_tensor(clip["tensor"])
            except (OSError, KeyError, Exception) as exc:  # safetensors raises its own types
                raise DatasetError(
                    f"{path}: cached clip unreadable ({exc}); "
                    "delete the cache folder and scan again"
                ) from None
        return q.astype(np.float32) * np.float32(clip["scale"])

    def flush(self) -> None:
        """Write the pending shard and the index (both atomically)."""
        if not self._dirty:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._pending:
            _atomic(
                self.folder / self._pending_shard,
                lambda tmp: save_file(
                    self._pending, str(tmp), metadata={"fingerprint": self.fingerprint}
                ),
            )
            self._shards.add(self._pending_shard)
            self._pending, self._pending_bytes = {}, 0
            self._pending_shard = self._new_shard_name()
        text = json.dumps(
            {"version": INDEX_VERSION, "fingerprint": self.fingerprint, "entries": self.entries}
        )
        _atomic(self.index_path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        self._dirty = False


def _atomic(path: Path, write: Any) -> None:
    with atomic_target(path) as tmp:
        write(tmp)
