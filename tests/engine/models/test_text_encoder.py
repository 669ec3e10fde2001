"""The real MiniLM text encoder, loaded from its package offline."""

from __future__ import annotations

import pytest
import torch

from ambisketch.engine.errors import ModelLoadError
from ambisketch.engine.models.text_encoder import MINILM_ID, TextEncoder


@pytest.fixture(scope="module")
def encoder() -> TextEncoder:
    return TextEncoder(MINILM_ID, cache_size=4)


def _pooled(tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask[..., None].float()
    v = (tokens * m).sum(1) / m.sum(1)
    return torch.nn.functional.normalize(v, dim=-1)


def test_tokens_and_mask(encoder: TextEncoder) -> None:
    tokens, mask = encoder.encode(["a dog barks", "rain falls on a tin roof in the night"])
    assert encoder.dim == 384
    assert tokens.shape[0] == 2 and tokens.shape[2] == 384 and tokens.dtype == torch.float32
    assert mask.shape == tokens.shape[:2] and mask.dtype == torch.bool
    assert mask[1].all() and not mask[0].all()  # the short prompt is padded
    assert torch.all(tokens[0][~mask[0]] == 0)


def test_similar_prompts_are_closer(encoder: TextEncoder) -> None:
    v = _pooled(*encoder.encode(["a dog barks", "a puppy barking loudly", "a jet engine roars"]))
    assert float(v[0] @ v[1]) > float(v[0] @ v[2]) + 0.1


def test_cache_hits_and_identical_results(encoder: TextEncoder) -> None:
    first, _ = encoder.encode(["footsteps on gravel"])
    hits = encoder.hits
    again, _ = encoder.encode(["footsteps on gravel"])
    assert encoder.hits == hits + 1
    assert torch.equal(first, again)
    for i in range(6):  # the LRU cache keeps at most cache_size prompts
        encoder.encode([f"prompt {i}"])
    assert len(encoder._cache) == 4


def test_long_prompts_are_cut(encoder: TextEncoder) -> None:
    tokens, mask = encoder.encode(["word " * 500])
    assert tokens.shape[1] == encoder.max_tokens


def test_unknown_encoder_and_missing_t5(tmp_path) -> None:
    with pytest.raises(ModelLoadError, match="unknown text encoder 'bert'"):
        TextEncoder("bert")
    with pytest.raises(ModelLoadError, match="without the network"):
        TextEncoder(f"t5:{tmp_path / 'no-such-t5'}")
