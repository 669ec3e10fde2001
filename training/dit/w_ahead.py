"""Encode a DiT run's W memo ahead of training, on a spare core.

A run on a sound library encodes each clip's W the first time a sample of it is drawn
(:mod:`.w_memo`); until every clip has been drawn once, most of a step's time on a CPU is
that encoding (≈ 6.5 s per step of 8 × 10 s on one thread instead of ≈ 1 s). Because a dry
sample's W is the clip itself, the W latents can be made without the trainer: this module
walks the run's training clips in order (one shard of them per process), encodes the ones
the memo lacks in small batches with the run's own codec and writes them as
``w-latents/part-ahead-I-of-N-NNNNN.safetensors`` every ``save_every`` clips. The trainer
reads new parts at each checkpoint, so the two can run side by side; a stopped encoder
continues where it stopped.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ambisketch.engine.errors import EngineError

from .data import crop_frames
from .w_memo import WLatentMemo, w_key


@dataclass
class AheadReport:
    """What one ``encode_ahead`` call did."""

    clips: int  # clips of this shard
    already: int  # of them, already in the memo
    encoded: int  # encoded now
    parts: int  # part files written
    seconds: float

    def line(self) -> str:
        rate = self.encoded / self.seconds if self.seconds > 0 else 0.0
        return (
            f"{self.clips} clips in this shard: {self.already} were in the memo, "
            f"{self.encoded} encoded now ({rate:.2f} clips/s) into {self.parts} parts"
        )


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` (1-based, as users count) → ``(i, n)`` with ``0 <= i < n``."""
    try:
        left, right = text.split("/")
        i, n = int(left), int(right)
    except ValueError:
        raise EngineError(f"--shard {text!r}: expected I/N, e.g. 1/2") from None
    if not 1 <= i <= n:
        raise EngineError(f"--shard {text!r}: I must be between 1 and N")
    return i - 1, n


def encode_ahead(
    run_dir: str | Path,
    library,  # noqa: ANN001 - training.data.library.Library (the run's training split)
    *,
    shard: tuple[int, int] = (0, 1),
    batch: int = 4,
    save_every: int = 256,
    limit: int | None = None,
    log: Callable[[str], None] = print,
) -> AheadReport:
    """Encode the W latents of ``library``'s clips of ``shard`` that the run's memo lacks
    (at most ``limit`` of them) and write them into the run's memo folder."""
    from ambisketch.engine.models.codec_bundle import load_codec_bundle

    from ..latents import w_fingerprint
    from .config import DitTrainConfig

    run = Path(run_dir)
    if not (run / "config.json").is_file() or not (run / "codec").is_dir():
        raise EngineError(f"{run}: not a DiT run folder (no config.json or codec/)")
    config = DitTrainConfig.from_dict(json.loads((run / "config.json").read_text()))
    codec = load_codec_bundle(run / "codec").eval()
    memo = WLatentMemo(codec, w_fingerprint(codec))
    if not memo.enabled:
        raise EngineError(f"{run}: its codec is not a factored codec; there is no W memo")
    if codec.config.sample_rate != library.config.rate:
        raise EngineError(
            f"{library.root}: scanned at {library.config.rate} Hz, the run's codec works at "
            f"{codec.config.sample_rate} Hz"
        )
    memo.load(run)
    hop = codec.hop
    samples = crop_frames(config.clip_seconds, codec.config.sample_rate, hop) * hop
    i0, n = shard
    todo: list[tuple[int, str]] = []
    clips = already = 0
    for i in range(i0, len(library), n):
        key = w_key({"clip_id": library.records[i].clip_id}, 0, samples)
        clips += 1
        if key in memo.entries:
            already += 1
        else:
            todo.append((i, key))
    if limit is not None:
        todo = todo[:limit]
    prefix = f"part-ahead-{i0 + 1}-of-{n}-"
    parts = encoded = unsaved = 0
    t0 = time.perf_counter()
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        audio = np.zeros((len(chunk), 1, samples), np.float32)
        for row, (i, _) in enumerate(chunk):
            mono = library.load(i)[:samples]
            audio[row, 0, : mono.shape[-1]] = mono
        with torch.no_grad():
            w = codec.posterior(torch.from_numpy(audio)).mean.float()
        for row, (_, key) in enumerate(chunk):
            memo.add(key, w[row])
        encoded += len(chunk)
        unsaved += len(chunk)
        if unsaved >= save_every:
            parts += memo.save(run, prefix) is not None
            unsaved = 0
            elapsed = time.perf_counter() - t0
            log(f"{encoded} of {len(todo)} clips encoded ({encoded / elapsed:.2f} clips/s)")
    parts += memo.save(run, prefix) is not None
    return AheadReport(clips, already, encoded, parts, time.perf_counter() - t0)
