"""A text index over a sound library's captions: which recording is nearest to a prompt.

Sentence embeddings come from the model's own text encoder (MiniLM by default): the mean of
its token embeddings over the prompt's tokens, L2-normalised (how sentence-transformers
pools all-MiniLM-L6-v2), so the prompt and the captions meet in the space the generator
was conditioned in. Nearness is the cosine. ``top_k`` nearest captions with a seeded choice
among them gives variations that start from different, still fitting, recordings.

Embeddings are cached in one safetensors file per library (with the captions and the
encoder id in its metadata) in the folder the caller names — the app keeps it beside the
library scan cache — and only captions not in the cache are encoded again.

The index takes ``(file, caption)`` entries; finding a library's captions is the library
scan's business (training's caption rules), handed in by the app.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from .errors import EngineError
from .files import atomic_target

if TYPE_CHECKING:
    from .models.text_encoder import TextEncoder

INDEX_FORMAT = "ambisketch-caption-index"
INDEX_VERSION = 1
BATCH = 32


class LibraryError(EngineError):
    """A library to retrieve from is missing, empty or its index is unusable."""


@dataclass(frozen=True)
class LibraryEntry:
    """One recording of a library and its caption."""

    path: Path
    caption: str


@dataclass(frozen=True)
class Match:
    """A retrieved recording: the entry, its cosine to the prompt and its rank (0 = best)."""

    entry: LibraryEntry
    score: float
    rank: int


def sentence_embeddings(encoder: TextEncoder, texts: Sequence[str]) -> NDArray[np.float32]:
    """``(len(texts), dim)`` L2-normalised mean-pooled token embeddings."""
    out = []
    for i in range(0, len(texts), BATCH):
        tokens, mask = encoder.encode(list(texts[i : i + BATCH]))
        m = mask.float()[..., None]
        mean = (tokens * m).sum(1) / m.sum(1).clamp_min(1.0)
        out.append(mean.numpy())
    emb = (
        np.concatenate(out, axis=0).astype(np.float32)
        if out
        else np.zeros((0, encoder.dim), np.float32)
    )
    norm = np.linalg.norm(emb, axis=1, keepdims=True)
    return emb / np.maximum(norm, 1e-12)


def cache_file(cache_dir: Path, root: Path, encoder_id: str) -> Path:
    """The index file of one library and encoder in ``cache_dir``."""
    key = hashlib.sha1(f"{Path(root).resolve()}|{encoder_id}".encode()).hexdigest()[:16]
    return Path(cache_dir) / f"captions-{key}.safetensors"


class CaptionIndex:
    """Sentence embeddings of a library's captions (see the module)."""

    def __init__(
        self,
        entries: list[LibraryEntry],
        embeddings: NDArray[np.float32],
        encoder: TextEncoder,
        reused: int = 0,
    ) -> None:
        self.entries = entries
        self.embeddings = embeddings
        self.encoder = encoder
        self.reused = reused  # captions whose embedding came from the cache

    @classmethod
    def build(
        cls,
        root: str | Path,
        entries: Sequence[LibraryEntry],
        encoder: TextEncoder,
        cache_dir: str | Path | None = None,
    ) -> CaptionIndex:
        """Embed the entries' captions (cached ones reused) and write the cache back."""
        entries = list(entries)
        if not entries:
            raise LibraryError(f"{root}: no recordings to start from (the library is empty)")
        cached: dict[str, NDArray[np.float32]] = {}
        target = cache_file(Path(cache_dir), Path(root), encoder.id) if cache_dir else None
        if target is not None and target.is_file():
            cached = _read_cache(target, encoder.id)
        captions = list(dict.fromkeys(e.caption for e in entries))
        todo = [c for c in captions if c not in cached]
        if todo:
            cached.update(zip(todo, sentence_embeddings(encoder, todo), strict=True))
        if target is not None and todo:
            _write_cache(target, encoder.id, {c: cached[c] for c in captions})
        emb = np.stack([cached[e.caption] for e in entries]).astype(np.float32)
        return cls(entries, emb, encoder, reused=len(captions) - len(todo))

    def nearest(self, prompt: str, k: int = 1) -> list[Match]:
        """The ``k`` entries whose captions are nearest to ``prompt``, best first."""
        q = sentence_embeddings(self.encoder, [prompt])[0]
        scores = self.embeddings @ q
        order = np.argsort(-scores, kind="stable")[: max(1, k)]
        return [Match(self.entries[i], float(scores[i]), r) for r, i in enumerate(order)]

    def pick(self, prompt: str, k: int = 1, seed: int | None = None) -> Match:
        """One of the ``k`` nearest, chosen by ``seed`` (the nearest when ``k`` is 1)."""
        matches = self.nearest(prompt, k)
        if len(matches) == 1 or seed is None:
            return matches[0]
        return matches[random.Random(int(seed)).randrange(len(matches))]


def _read_cache(path: Path, encoder_id: str) -> dict[str, NDArray[np.float32]]:
    """Caption → embedding from a cache file; an unreadable or foreign one is ignored (it
    is only a cache: everything in it can be computed again)."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
            if (
                meta.get("format") != INDEX_FORMAT
                or meta.get("encoder") != encoder_id
                or meta.get("version") != str(INDEX_VERSION)
            ):
                return {}
            captions = json.loads(meta.get("captions", "[]"))
            emb = f.get_tensor("embeddings")
    except (SafetensorError, OSError, ValueError, TypeError):
        return {}
    if not isinstance(captions, list) or emb.ndim != 2 or emb.shape[0] != len(captions):
        return {}
    return {str(c): emb[i] for i, c in enumerate(captions)}


def _write_cache(path: Path, encoder_id: str, table: dict[str, NDArray[np.float32]]) -> None:
    from safetensors.numpy import save_file

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        emb = np.stack(list(table.values())).astype(np.float32)
        meta = {
            "format": INDEX_FORMAT,
            "version": str(INDEX_VERSION),
            "encoder": encoder_id,
            "captions": json.dumps(list(table)),
        }
        with atomic_target(path) as tmp:
            save_file({"embeddings": emb}, str(tmp), metadata=meta)
    except OSError:
        pass  # a read-only cache folder costs the next call the encoding, nothing else
