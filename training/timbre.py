"""Train a bundle's timbre prior (:mod:`ambisketch.engine.models.timbre`) on a sound library.

For every clip of the library's train split: its time-averaged 32-band mel shape (measured,
:func:`~ambisketch.engine.models.timbre.shape_of`) and its caption — plain, and once more as
a spatial caption of a random path, as prompts in descriptive mode read — embedded by the
bundle's own text encoder and mean-pooled. A small MLP learns caption → shape (:func:`shape_loss`:
the KL divergence of the energy shares, and a little L1 in dB). A few percent of the clips are
held out; their error is reported beside that of predicting the library's mean shape.
Minutes on a CPU: the shapes of 16 695 clips take ≈ 1.5 min, the embeddings ≈ 2 min.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ambisketch.engine.errors import EngineError
from ambisketch.engine.models.bundle import ModelBundle, load_bundle, save_bundle
from ambisketch.engine.models.timbre import TimbreConfig, TimbreModel, pool, shape_of

Log = Callable[[str], None]


@dataclass(frozen=True)
class TimbreReport:
    clips: int
    held_out: int
    steps: int
    held_error_db: float  # mean |dB| error of the prior on held-out clips
    mean_shape_error_db: float  # … of the library's mean shape (the baseline)

    def to_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)


def library_shapes(
    library: object, rate: int, hop: int, bands: int, log: Log
) -> tuple[list[str], np.ndarray]:
    """Captions and measured shapes ``(clips, bands)`` of a library's records."""
    captions, shapes = [], []
    records = library.records  # type: ignore[attr-defined]
    for i, rec in enumerate(records):
        mono = np.asarray(library.load(i), dtype=np.float32).reshape(-1)  # type: ignore[attr-defined]
        if mono.size < hop or not np.isfinite(mono).all():
            continue
        captions.append(rec.caption)
        shapes.append(shape_of(mono, rate, hop, bands))
        if (i + 1) % 4000 == 0:
            log(f"shapes of {i + 1}/{len(records)} clips measured")
    if not captions:
        raise EngineError("the library has no clips to learn timbre from")
    return captions, np.stack(shapes).astype(np.float32)


def spatial_variants(captions: list[str], clip_seconds: float, seed: int = 0) -> list[str]:
    """One spatial caption per caption (a random static or moving path), as the DiT saw."""
    from ambisketch.training.data.augment import AugmentConfig, draw_moving, draw_static
    from ambisketch.training.data.captions import captions_for
    from ambisketch.training.latents import fit_augment

    augment = fit_augment(AugmentConfig(multi_segment_prob=0.2), clip_seconds)
    rng = np.random.default_rng(seed)
    out = []
    for i, cap in enumerate(captions):
        draw = draw_static(rng, augment) if i % 2 == 0 else draw_moving(rng, augment)
        out.append(captions_for(cap, draw, rng)["spatial_caption"])
    return out


def embed(encoder: object, texts: list[str], batch: int = 256) -> torch.Tensor:
    """Mean-pooled text embeddings ``(len(texts), dim)``."""
    rows = []
    for i in range(0, len(texts), batch):
        tokens, mask = encoder.encode(texts[i : i + batch])  # type: ignore[attr-defined]
        rows.append(pool(tokens.float().cpu(), mask.cpu()))
    return torch.cat(rows)


def shape_loss(log_shares: torch.Tensor, target_db: torch.Tensor) -> torch.Tensor:
    """KL divergence from the target's energy shares to the prediction's (it is where the
    energy is that matters: an L1 in dB alone let a prompt's energy sit in the wrong band
    while every quiet band was right), plus a little L1 in dB for the quiet bands."""
    target = torch.softmax(target_db * (np.log(10.0) / 10.0), dim=-1)
    kl = (target * (target.clamp_min(1e-12).log() - log_shares)).sum(-1).mean()
    l1 = (log_shares * (10.0 / np.log(10.0)) - target_db).clamp(-60.0, 60.0).abs().mean()
    return kl + 0.01 * l1


def fit(
    x: torch.Tensor,
    y: torch.Tensor,
    config: TimbreConfig,
    steps: int = 3000,
    batch: int = 256,
    lr: float = 1e-3,
    seed: int = 0,
) -> TimbreModel:
    """An MLP from pooled embeddings ``x`` to shapes ``y`` (dB), :func:`shape_loss`."""
    torch.manual_seed(seed)
    model = TimbreModel(config)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        idx = torch.randint(0, len(x), (min(batch, len(x)),), generator=gen)
        loss = shape_loss(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    return model.eval()


def train_timbre(
    library: object,
    bundle_path: str | Path,
    out: str | Path,
    *,
    bands: int = 32,
    steps: int = 3000,
    held_share: float = 0.05,
    overwrite: bool = False,
    log: Log = print,
) -> TimbreReport:
    """Train the prior for ``bundle_path`` on ``library`` and write the bundle with it."""
    bundle = load_bundle(bundle_path)
    rate, hop = bundle.sample_rate, bundle.codec.config.hop
    captions, shapes = library_shapes(library, rate, hop, bands, log)
    log(f"{len(captions)} clips measured; embedding their captions")
    from ambisketch.engine.models.text_encoder import TextEncoder

    encoder = TextEncoder(bundle.info.text_encoder, "cpu", bundle.info.text_max_tokens)
    texts = captions + spatial_variants(captions, bundle.info.clip_seconds)
    x = embed(encoder, texts)
    y = torch.from_numpy(np.concatenate([shapes, shapes]))
    n = len(captions)
    order = np.random.default_rng(0).permutation(n)
    held = order[: max(1, int(n * held_share))] if n > 20 else order[:0]
    train = np.setdiff1d(np.arange(n), held)
    rows = np.concatenate([train, train + n])
    config = TimbreConfig(text_dim=int(x.shape[1]), bands=bands)
    model = fit(x[rows], y[rows], config, steps=steps)
    if len(held):
        with torch.no_grad():
            pred = model.shape_db(x[held]).clamp_min(-60.0)
        err = float((pred - y[held]).abs().mean())
        base = float((y[train].mean(0) - y[held]).abs().mean())
    else:
        err = base = float("nan")
    log(f"held-out clips: {err:.2f} dB mean error (the library's mean shape: {base:.2f} dB)")
    tuned = ModelBundle(bundle.codec, bundle.model, bundle.info, bundle.card, timbre=model)
    half = _is_half(Path(bundle_path))
    save_bundle(out, tuned, overwrite=overwrite, half=half)
    return TimbreReport(n, len(held), steps, err, base)


def _is_half(folder: Path) -> bool:
    from ambisketch.engine.models.bundle import read_bundle_meta

    return read_bundle_meta(folder).get("dtype") == "float16"
