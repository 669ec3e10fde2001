"""Continue a DiT run from a latent pack (``scripts/gpu_pack.py``) for a fixed wall-clock time,
on a machine that holds neither the corpus nor the app's packages (a lent GPU machine).

Samples are made as the run's own (``training.dit``) dry samples are: a random training clip,
a static or moving path (the paper's pair, multi-segment paths at 0.2), its plain or spatial
caption (``captions_for``, "mixed"), the path's state matrix, the DirAC direction channels of
the clip along that path (:func:`gpu_pack.directions`) after its W latents, then W's envelope
channels when the run's codec has them (the same for any path: packed once per clip); the loss, the
classifier-free dropout of text, path and room numbers are the trainer's (``_DitLoss``).
AdamW (the path conditioner at ``trajectory_lr_mult`` × lr), linear warm-up, cosine decay over
the last part of the time, gradient clipping, EMA, bf16 autocast on CUDA.

Writes the model and EMA weights as fp16 safetensors, each cut into files under 16 MiB, and a
``metrics.csv``, into ``OUT`` — at every ``--save-every`` seconds and at the end (atomically).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch.utils.data import DataLoader, Dataset

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gpu_pack  # noqa: E402

SEED = 1
SPATIAL_P = 0.5  # "mixed" caption mode


class PackSamples(Dataset):
    """Item ``k`` (a function of ``k`` alone): a dry sample of a random pack clip."""

    def __init__(
        self, meta: dict, energy: np.ndarray, scale: np.ndarray, multi_segment: float
    ) -> None:
        from ambisketch.training.data.augment import AugmentConfig
        from ambisketch.training.dit.config import DitTrainConfig
        from ambisketch.training.latents import fit_augment

        self.meta, self.energy = meta, energy
        self.config = DitTrainConfig.from_dict(meta["config"])
        self.augment = fit_augment(
            AugmentConfig(multi_segment_prob=multi_segment), self.config.clip_seconds
        )
        self.scale = np.asarray(scale, dtype=np.float32).reshape(
            -1
        )  # the codec's, one or per channel

    def __len__(self) -> int:
        return 2**62

    def __getitem__(self, k: int) -> dict:
        from ambisketch.engine.models.conditioners import state_matrix
        from ambisketch.training.data.augment import draw_moving, draw_static
        from ambisketch.training.data.captions import captions_for

        m = self.meta
        c = self.config.conditioner
        rng = np.random.default_rng([SEED, k])
        i = int(rng.integers(len(m["captions"])))
        draw = (
            draw_static(rng, self.augment) if rng.random() < 0.5 else draw_moving(rng, self.augment)
        )
        caps = captions_for(m["captions"][i], draw, rng)
        spatial = rng.random() < SPATIAL_P
        caption = (
            caps["spatial_caption"] if spatial else caps["caption"]
        ) or self.config.default_caption
        frames = m["frames"]
        states = state_matrix(
            draw.trajectory,
            frames,
            m["rate"] / m["hop"],
            c.azimuth_bins,
            c.elevation_bins,
            c.bin_sigma,
        )
        v = gpu_pack.directions(
            gpu_pack.energy_values(self.energy[i]),
            draw.trajectory,
            m["rate"],
            m["hop"],
            frames,
            m["window_frames"],
        )
        dirs = v.reshape(-1, frames).astype(np.float32) * self.scale[:, None]
        return {
            "index": i,
            "dirs": torch.from_numpy(dirs),
            "states": torch.from_numpy(states),
            "caption": caption,
        }


class Collate:
    def __init__(self, tokenizer_dir: str, max_tokens: int) -> None:
        self.tokenizer_dir, self.max_tokens, self.tok = tokenizer_dir, max_tokens, None

    def __call__(self, items: list[dict]) -> dict:
        if self.tok is None:
            from transformers import AutoTokenizer

            self.tok = AutoTokenizer.from_pretrained(self.tokenizer_dir, local_files_only=True)
        b = self.tok(
            [it["caption"] for it in items],
            padding=True,
            truncation=True,
            max_length=self.max_tokens,
            return_tensors="pt",
        )
        return {
            "index": torch.tensor([it["index"] for it in items]),
            "dirs": torch.stack([it["dirs"] for it in items]),
            "states": torch.stack([it["states"] for it in items]),
            "ids": b["input_ids"],
            "mask": b["attention_mask"],
        }


def save_weights(
    state: dict[str, torch.Tensor], out: Path, name: str, limit: int = 15 * 2**20
) -> None:
    """``state`` as fp16 ``name-N.safetensors`` files of under ``limit`` bytes, atomically."""
    parts: list[dict[str, torch.Tensor]] = [{}]
    size = 0
    for k, t in state.items():
        t = t.detach().to("cpu")
        t = t.half() if t.is_floating_point() and not k.startswith("latent_") else t
        n = t.numel() * t.element_size()
        if size + n > limit and parts[-1]:
            parts.append({})
            size = 0
        parts[-1][k] = t.contiguous()
        size += n
    for old in out.glob(f"{name}-*.safetensors"):
        old.unlink()
    from ambisketch.engine.files import atomic_target

    for j, part in enumerate(parts):
        with atomic_target(out / f"{name}-{j}.safetensors") as tmp:
            save_file(part, str(tmp))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("pack")
    p.add_argument("out")
    p.add_argument("--seconds", type=float, default=420.0, help="training wall-clock time")
    p.add_argument("--batch", type=int, default=512)
    p.add_argument("--lr", type=float, default=4e-4)
    p.add_argument("--warmup", type=int, default=300)
    p.add_argument(
        "--decay-from", type=float, default=0.65, help="share of the time before the cosine decay"
    )
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) - 2))
    p.add_argument("--save-every", type=float, default=150.0)
    p.add_argument("--multi-segment", type=float, default=0.2)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    a = p.parse_args()
    t_start = time.time()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    dev = torch.device(a.device)
    torch.manual_seed(SEED)

    from ambisketch.engine.models.diffusion import DiffusionModel
    from ambisketch.training.data.augment import DRY
    from ambisketch.training.dit.config import DitTrainConfig
    from ambisketch.training.dit.data import room_numbers
    from ambisketch.training.dit.trainer import _DitLoss

    pack = Path(a.pack)
    meta = json.loads((pack / "pack.json").read_text())
    tensors = load_file(str(pack / "pack.safetensors"))
    cfg = DitTrainConfig.from_dict(meta["config"])
    model = DiffusionModel(cfg.dit, cfg.conditioner)
    model.load_state_dict(gpu_pack.unpack_state("dit", tensors), strict=True)
    model.to(dev).train()
    ema = {k: v.detach().clone().float() for k, v in model.state_dict().items()}

    tok_dir = tempfile.mkdtemp(prefix="minilm-tok-")
    for name, text in meta["tokenizer"].items():
        Path(tok_dir, name).write_text(text)
    text = gpu_pack.load_text_encoder(tensors, meta["text_config"])
    text.model.to(dev)  # type: ignore[attr-defined]

    w = tensors["w"].to(dev)  # (N, m, frames) int8
    w_mean, w_std = tensors["w_mean"].to(dev), tensors["w_std"].to(dev)
    energy = tensors["energy"].numpy()
    envelope = tensors["envelope"].to(dev) if "envelope" in tensors else None  # (N, bands, frames)
    env_step = float(meta.get("envelope_step_db", gpu_pack.ENV_STEP_DB))
    channels = w.shape[1] + 3 * (len(meta["band_edges"]) + 1)
    channels += 0 if envelope is None else envelope.shape[1]
    if channels != cfg.dit.latent_channels:
        raise SystemExit(
            f"{pack}: the pack makes {channels} latent channels, the DiT takes "
            f"{cfg.dit.latent_channels} (a pack from before envelope channels?)"
        )
    frames = meta["frames"]
    seconds_total = frames * meta["hop"] / meta["rate"]

    loss_fn = _DitLoss(model, cfg.text_dropout, cfg.trajectory_dropout, cfg.room_dropout).to(dev)
    traj = list(model.conditioner.trajectory.parameters())
    ids = {id(q) for q in traj}
    rest = [q for q in model.parameters() if id(q) not in ids]
    opt = torch.optim.AdamW(
        [{"params": rest, "mult": 1.0}, {"params": traj, "mult": cfg.trajectory_lr_mult}],
        lr=a.lr,
        betas=tuple(cfg.betas),
        weight_decay=cfg.weight_decay,
        fused=dev.type == "cuda",
    )
    data = PackSamples(meta, energy, tensors["direction_scale"].numpy(), a.multi_segment)
    loader = DataLoader(
        data,
        batch_size=a.batch,
        num_workers=a.workers,
        collate_fn=Collate(tok_dir, cfg.text_max_tokens),
        persistent_workers=a.workers > 0,
        prefetch_factor=4 if a.workers > 0 else None,
        pin_memory=dev.type == "cuda",
        sampler=range(2**40),
    )
    print(
        f"setup {time.time() - t_start:.1f} s: {w.shape[0]} clips, {sum(q.numel() for q in model.parameters()) / 1e6:.1f} M parameters, "
        f"batch {a.batch}, {a.workers} workers, {dev}",
        flush=True,
    )
    rows, step, t0, last_save, ema_loss = [], 0, time.time(), time.time(), None
    room = torch.tensor(room_numbers(dict(DRY)), device=dev)  # dry: distance unknown, no room
    params = [q for q in model.parameters()]
    ema_params = [ema[n] for n, _ in model.named_parameters()]
    for batch in loader:
        elapsed = time.time() - t0
        if elapsed >= a.seconds:
            break
        frac = elapsed / a.seconds
        lr = a.lr * min(1.0, (step + 1) / a.warmup)
        if frac > a.decay_from:
            lr *= 0.1 + 0.9 * 0.5 * (
                1 + math.cos(math.pi * (frac - a.decay_from) / (1 - a.decay_from))
            )
        for g in opt.param_groups:
            g["lr"] = lr * g["mult"]
        b = batch["index"].shape[0]
        idx = batch["index"].to(dev, non_blocking=True)
        wl = w[idx].float() * gpu_pack.W_STEP * w_std[:, None] + w_mean[:, None]
        parts = [wl, batch["dirs"].to(dev, non_blocking=True)]
        if envelope is not None:
            parts.append(gpu_pack.envelope_values(envelope[idx], env_step))
        x0 = torch.cat(parts, dim=1)
        tid, tmask = (
            batch["ids"].to(dev, non_blocking=True),
            batch["mask"].to(dev, non_blocking=True),
        )
        with torch.no_grad():  # fp32, as the app encodes prompts
            tokens = text(tid, tmask).float()
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=dev.type == "cuda"):
            loss, _, _ = loss_fn(
                x0,
                tokens,
                tmask.bool(),
                torch.full((b,), seconds_total, device=dev),
                batch["states"].to(dev, non_blocking=True),
                torch.ones(b, dtype=torch.bool, device=dev),
                room.expand(b, 3).clone(),
            )
        opt.zero_grad(set_to_none=True)
        if not torch.isfinite(loss):
            continue
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
        opt.step()
        with torch.no_grad():
            torch._foreach_lerp_(ema_params, [q.detach().float() for q in params], 1 - a.ema)
        step += 1
        if step % 25 == 0:
            lv = float(loss.detach())
            ema_loss = lv if ema_loss is None else 0.9 * ema_loss + 0.1 * lv
            rows.append({"step": step, "seconds": round(time.time() - t0, 1), "loss": lv, "lr": lr})
            if step % 200 == 0:
                print(
                    f"step {step} {time.time() - t0:.0f} s loss {ema_loss:.4f} lr {lr:.2e} "
                    f"({step / (time.time() - t0):.1f} steps/s)",
                    flush=True,
                )
        if time.time() - last_save > a.save_every:
            _save(out, model, ema, rows, step, meta, a)
            last_save = time.time()
    _save(out, model, ema, rows, step, meta, a)
    print(
        f"done: {step} steps in {time.time() - t0:.0f} s (total {time.time() - t_start:.0f} s)",
        flush=True,
    )
    os._exit(0)  # skip the loader's worker teardown


def _save(
    out: Path, model: torch.nn.Module, ema: dict, rows: list, step: int, meta: dict, a
) -> None:  # noqa: ANN001
    save_weights(model.state_dict(), out, "model")
    # buffers (latent statistics) are not averaged: take the model's
    names = dict(model.named_parameters())
    state = {k: (ema[k] if k in names else v) for k, v in model.state_dict().items()}
    save_weights(state, out, "ema")
    with open(out / "metrics.csv", "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=["step", "seconds", "loss", "lr"])
        wr.writeheader()
        wr.writerows(rows)
    (out / "info.json").write_text(
        json.dumps(
            {
                "pack_run_step": meta["run_step"],
                "steps": step,
                "batch": a.batch,
                "lr": a.lr,
                "ema": a.ema,
                "multi_segment": a.multi_segment,
                "seconds": a.seconds,
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
