#!/usr/bin/env python3
"""Fine-tune study (issue 22.1): how fast does each way of fine-tuning move the model toward a
small library, per CPU-second? One variant per call, one torch thread:

    scripts/finetune_study.py '{"name": "B", "budget": 75, "lr": 5e-4, "accum": 1}'
    scripts/finetune_study.py '{"name": "base"}'          # the base model, no training

The library (LIB) is scanned at the base model's rate; two files per caption are held out
(seeded), the rest encoded once (4 augmentation passes; the cache is reused by later calls),
the DiT trained from the base weights for ``budget`` seconds of process CPU time, and the EMA
model judged on the held-out files with the aiSFX content metric (FD and class accuracy of
2 takes per caption at 25 steps). Keys: lr, batch, accum, method (full | attn | xattn),
augmentations, and any DitTrainConfig field (caption_mode, text_dropout, ...).
The fine-tune defaults in training/finetune.py (FINETUNE_LR, pick_batch, steps) come from it.
"""

import json
import os
import random
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from ambisketch.engine.errors import Cancelled
from ambisketch.engine.generate import Generator
from ambisketch.engine.models.bundle import ModelBundle, load_bundle
from ambisketch.engine.models.text_encoder import TextEncoder
from ambisketch.training.content_metric.aisfx import AisfxEmbedder
from ambisketch.training.content_metric.realset import RealClip
from ambisketch.training.content_metric.score import (
    content_scores,
    embed_real,
    generator_take_maker,
)
from ambisketch.training.data.library import ScanConfig
from ambisketch.training.dit.trainer import DitTrainer
from ambisketch.training.finetune import FinetuneJob, FinetuneSettings, scan_library
from ambisketch.training.latents import (
    EncodeSettings,
    encode_library,
    is_latent_cache,
    open_latent_cache,
)

W = Path(os.environ.get("STUDY_DIR", "/tmp/ftstudy"))
LIB = Path(os.environ.get("STUDY_LIB", "/work/ft-lib"))
BASE = Path(__file__).resolve().parents[1] / "resources" / "models" / "starter"
variant = json.loads(sys.argv[1])
name = variant.pop("name")
budget = float(variant.pop("budget", 300))
EVAL_STEPS, TAKES = 25, 2
torch.set_num_threads(1)
t0 = time.time()
bundle = load_bundle(BASE)
scan = scan_library(
    LIB,
    ScanConfig(rate=bundle.sample_rate, clip_seconds=bundle.info.clip_seconds),
    cache_dir=W / "scancache",
)
lib = scan.library
groups = {}
for i, r in enumerate(lib.records):
    groups.setdefault(r.caption, []).append(i)
rng = random.Random(0)
held = sorted(i for g in groups.values() for i in rng.sample(g, 2))
train = [i for i in range(len(lib)) if i not in held]
real_clips = [
    RealClip(lib.root / lib.records[i].rel_path, lib.records[i].caption, lib.records[i].caption)
    for i in held
]
emb = AisfxEmbedder()
real = embed_real(emb, real_clips, bundle.sample_rate)
text = TextEncoder(
    bundle.info.text_encoder["id"]
    if isinstance(bundle.info.text_encoder, dict)
    else bundle.info.text_encoder,
    "cpu",
    bundle.info.text_max_tokens,
    cache_size=4096,
)
print(
    f"{len(lib)} usable, {len(train)} train, {len(held)} held out; {time.time() - t0:.0f}s",
    flush=True,
)


def score(model_bundle, tag):
    gen = Generator(model_bundle, device="cpu", text_encoder=text)
    s = content_scores(generator_take_maker(gen, EVAL_STEPS, 7.0, "dpmpp-3m-sde"), real, emb, TAKES)
    print(tag, s.line(), json.dumps(s.per_label), flush=True)
    return s


if name.startswith("base"):
    s = score(bundle, "base")
    json.dump({"name": name, **s.to_dict()}, open(W / f"{name}.json", "w"))
    sys.exit()

aug = variant.pop("augmentations", 4)
lat = W / f"latents-a{aug}"
if not is_latent_cache(lat):
    t = time.time()
    encode_library(
        lib.subset(train),
        bundle.codec,
        lat,
        device="cpu",
        overwrite=True,
        settings=EncodeSettings(aug, seed=0, shard_size=64),
    )
    print(f"encoded in {time.time() - t:.0f}s", flush=True)
cache = open_latent_cache(lat)
job = FinetuneJob(
    FinetuneSettings(
        library=LIB,
        out=W / "x",
        steps=100000,
        lr=variant.pop("lr", None),
        batch_size=variant.pop("batch", None),
        accumulate=variant.pop("accum", None),
    )
)
cfg = job._train_config(bundle, "cpu")
method = variant.pop("method", "full")
cfg = replace(cfg, **variant)
run = W / f"run-{name}"
shutil.rmtree(run, ignore_errors=True)
trainer = DitTrainer(
    cfg,
    run,
    cache,
    bundle.codec,
    accelerator="cpu",
    log=lambda m: None,
    text_encoder=text,
    init_model=bundle.model,
)
n_train = 0
for n, p in trainer.diffusion.named_parameters():
    if method == "full":
        keep = True
    elif method == "attn":  # attention + cross-attention projections only
        keep = "attn" in n or "attention" in n
    elif method == "cond":  # conditioner + cross-attention
        keep = n.startswith("conditioner") or "cross" in n
    elif method == "xattn":  # cross-attention + text/global projections (prompt → sound)
        keep = (
            "cross_attn" in n
            or n.startswith("conditioner.text_proj")
            or n.startswith("conditioner.global_proj")
        )
    elif False:
        k = int(method[4:])
        keep = False
        import re

        m = re.search(r"blocks\.(\d+)\.", n)
        depth = cfg.dit.depth
        keep = (m is not None and int(m.group(1)) >= depth - k) or "out" in n.split(".")[-2:][0]
    p.requires_grad_(keep)
    n_train += p.numel() * keep
print(
    f"{method}: {n_train / 1e6:.2f} M trainable of {sum(p.numel() for p in trainer.diffusion.parameters()) / 1e6:.2f} M; batch {cfg.batch_size}x{cfg.grad_accum} lr {cfg.lr:g} captions {cfg.caption_mode}",
    flush=True,
)
start = time.time()
cpu0 = time.process_time()
losses = []
try:
    trainer.fit(
        100000,
        progress=False,
        should_stop=lambda: time.process_time() - cpu0 > budget,
        on_log=lambda row: losses.append(row.get("loss")),
    )
except Cancelled:
    pass
steps = trainer.step
print(
    f"trained {steps} steps in {time.time() - start:.0f}s wall {time.process_time() - cpu0:.0f}s cpu; loss first {np.mean([x for x in losses[:5] if x is not None]):.4f} last {np.mean([x for x in losses[-5:] if x is not None]):.4f}",
    flush=True,
)
model = (
    trainer.ema_model().cpu().eval()
    if variant.get("use_ema", True)
    else trainer.diffusion.cpu().eval()
)
s = score(ModelBundle(bundle.codec, model, bundle.info), name)
json.dump(
    {
        "name": name,
        "steps": steps,
        "method": method,
        "lr": cfg.lr,
        "batch": cfg.batch_size,
        "accum": cfg.grad_accum,
        "captions": cfg.caption_mode,
        "budget": budget,
        **s.to_dict(),
    },
    open(W / f"{name}.json", "w"),
)
print(f"total {time.time() - t0:.0f}s")
