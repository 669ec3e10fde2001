"""Designed decoders, cached in memory and on disk per (HRTF, rate, design options).

The disk cache is a folder of ``.npz`` files (read with ``allow_pickle=False``) under the
user's cache directory: ``$AMBISKETCH_CACHE_DIR`` when set, else platformdirs'
``user_cache_dir("ambisketch")``, in a ``binaural/`` sub-folder. A damaged or foreign cache
file is ignored and rewritten: the cache only saves time, it never changes a result.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

from .decoder import DESIGN_VERSION, BinauralDecoder, make_decoder
from .hrirs import HrirSet

CACHE_ENV = "AMBISKETCH_CACHE_DIR"
log = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env) / "binaural"
    import platformdirs

    return Path(platformdirs.user_cache_dir("ambisketch")) / "binaural"


class DecoderCache:
    """Decoders by (HRTF identity, rate, equalisation), in memory (LRU) and on disk.

    Args:
        folder: where the ``.npz`` files go; None = :func:`default_cache_dir` (read when
            first needed, so tests can set ``$AMBISKETCH_CACHE_DIR``); False = memory only.
        size: decoders kept in memory.
    """

    def __init__(self, folder: Path | str | None | bool = None, size: int = 8) -> None:
        self._folder = folder
        self._size = size
        self._memory: OrderedDict[str, BinauralDecoder] = OrderedDict()
        self.designed = 0  # how many decoders this cache had to design (tests read it)

    @property
    def folder(self) -> Path | None:
        if self._folder is False:
            return None
        return default_cache_dir() if self._folder in (None, True) else Path(str(self._folder))

    def get(
        self, hrirs: HrirSet, rate: int | None = None, *, diffuse_eq: bool = True
    ) -> BinauralDecoder:
        """A decoder for ``hrirs`` at ``rate`` (default: the set's own), designed once."""
        rate = int(rate or hrirs.rate)
        key = hashlib.sha256(
            f"{hrirs.identity}|{rate}|{int(diffuse_eq)}|v{DESIGN_VERSION}".encode()
        ).hexdigest()[:24]
        dec = self._memory.get(key)
        if dec is None:
            dec = self._load(key, hrirs.name)
        if dec is None:
            dec = make_decoder(hrirs.resampled(rate), diffuse_eq=diffuse_eq)
            dec = BinauralDecoder(dec.filters, rate, hrirs.name, hrirs.identity, diffuse_eq)
            self.designed += 1
            self._save(key, dec)
        self._memory[key] = dec
        self._memory.move_to_end(key)
        while len(self._memory) > self._size:
            self._memory.popitem(last=False)
        return dec

    def _file(self, key: str) -> Path | None:
        folder = self.folder
        return folder / f"magls-{key}.npz" if folder is not None else None

    def _load(self, key: str, name: str) -> BinauralDecoder | None:
        path = self._file(key)
        if path is None or not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as z:
                if str(z["key"]) != key:
                    return None
                filters = np.asarray(z["filters"], dtype=np.float32)
                if (
                    filters.ndim != 3
                    or filters.shape[:2] != (2, 4)
                    or not np.isfinite(filters).all()
                ):
                    return None
                return BinauralDecoder(
                    filters, int(z["rate"]), name, str(z["hrtf_identity"]), bool(z["diffuse_eq"])
                )
        except Exception as exc:  # damaged cache file: design again and overwrite it
            log.warning("ignoring the damaged decoder cache file %s (%s)", path, exc)
            return None

    def _save(self, key: str, dec: BinauralDecoder) -> None:
        path = self._file(key)
        if path is None:
            return
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".magls-", suffix=".npz", dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                np.savez(
                    fh,
                    key=np.array(key),
                    filters=dec.filters,
                    rate=np.array(dec.rate),
                    hrtf_identity=np.array(dec.hrtf_identity),
                    diffuse_eq=np.array(dec.diffuse_eq),
                )
            os.replace(tmp, path)
            tmp = None
        except OSError as exc:  # a read-only cache only costs design time next run
            log.warning("cannot write the decoder cache %s (%s)", path, exc)
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)


_shared: DecoderCache | None = None


def shared_cache() -> DecoderCache:
    """The process's decoder cache (created on first use, disk folder from the environment)."""
    global _shared
    if _shared is None:
        _shared = DecoderCache()
    return _shared


def decoder_for(
    hrirs: HrirSet,
    rate: int | None = None,
    *,
    diffuse_eq: bool = True,
    cache: DecoderCache | None = None,
) -> BinauralDecoder:
    """Shorthand: ``(cache or shared_cache()).get(hrirs, rate, diffuse_eq=diffuse_eq)``."""
    return (cache or shared_cache()).get(hrirs, rate, diffuse_eq=diffuse_eq)
