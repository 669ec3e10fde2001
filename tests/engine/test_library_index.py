"""The caption index: MiniLM sentence embeddings, nearest captions, the seeded top-k choice
and the cache (real text encoder)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ambisketch.engine.library_index import (
    CaptionIndex,
    LibraryEntry,
    LibraryError,
    cache_file,
    sentence_embeddings,
)
from ambisketch.engine.models.text_encoder import MINILM_ID, TextEncoder

CAPTIONS = [
    "a dog barking loudly",
    "heavy rain on a tin roof",
    "a wooden door slamming shut",
    "birds singing in a forest at dawn",
    "a car engine starting",
]


@pytest.fixture(scope="module")
def encoder() -> TextEncoder:
    return TextEncoder(MINILM_ID)


def _entries(root: Path) -> list[LibraryEntry]:
    return [LibraryEntry(root / f"{i}.wav", c) for i, c in enumerate(CAPTIONS)]


def test_nearest_caption_and_seeded_choice(encoder: TextEncoder, tmp_path: Path) -> None:
    emb = sentence_embeddings(encoder, CAPTIONS)
    assert emb.shape == (5, 384) and np.allclose(np.linalg.norm(emb, axis=1), 1, atol=1e-5)
    index = CaptionIndex.build(tmp_path, _entries(tmp_path), encoder)
    for prompt, want in (
        ("rain falling on a roof", 1),
        ("a puppy yapping", 0),
        ("somebody shuts a door hard", 2),
        ("a motor revving", 4),
    ):
        best = index.nearest(prompt, 2)
        assert best[0].entry.caption == CAPTIONS[want], (prompt, best)
        assert best[0].score > best[1].score and best[0].rank == 0
    assert index.pick("rain falling on a roof", 1, seed=5).entry.caption == CAPTIONS[1]
    picks = {index.pick("rain falling on a roof", 3, seed=s).entry.caption for s in range(12)}
    assert CAPTIONS[1] in picks and len(picks) > 1
    top3 = {m.entry.caption for m in index.nearest("rain falling on a roof", 3)}
    assert picks <= top3  # the choice stays among the k nearest
    assert index.pick("rain", 3, seed=7) == index.pick("rain", 3, seed=7)  # reproducible


def test_cache_reuses_and_refreshes(encoder: TextEncoder, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = CaptionIndex.build(tmp_path, _entries(tmp_path), encoder, cache)
    assert first.reused == 0 and cache_file(cache, tmp_path, encoder.id).is_file()
    again = CaptionIndex.build(tmp_path, _entries(tmp_path), encoder, cache)
    assert again.reused == 5 and np.allclose(again.embeddings, first.embeddings, atol=1e-6)
    changed = _entries(tmp_path)[:4] + [LibraryEntry(tmp_path / "x.wav", "thunder rumbling")]
    third = CaptionIndex.build(tmp_path, changed, encoder, cache)
    assert third.reused == 4
    assert third.nearest("a thunderstorm", 1)[0].entry.caption == "thunder rumbling"
    cache_file(cache, tmp_path, encoder.id).write_bytes(b"not safetensors")
    assert CaptionIndex.build(tmp_path, changed, encoder, cache).reused == 0  # rebuilt


def test_empty_library_is_refused(encoder: TextEncoder, tmp_path: Path) -> None:
    with pytest.raises(LibraryError, match="empty"):
        CaptionIndex.build(tmp_path, [], encoder)
