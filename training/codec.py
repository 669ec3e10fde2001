"""Codec training with Lightning Fabric: GAN loop, EMA, NaN guard, resumable checkpoints.

One step: encode → sample → decode a batch of FOA crops; reconstruction losses (per-channel
MRSTFT, the six-beam direction MRSTFT, time L1) + KL; after ``adversarial_after`` steps also
a multi-scale STFT discriminator (hinge) and feature matching. AdamW (0.8, 0.99), gradient
clipping, EMA of the generator. A step whose loss is not finite is skipped and logged.
Precision is bf16-mixed on CUDA and fp32 on CPU; several GPUs train with DDP.

Either codec kind trains here. A factored codec learns only its W VAE (its direction
channels are measured, not learned): the losses, KL and discriminator then see W alone,
which is what makes its steps cheaper. ``cpu_seconds`` in ``metrics.csv`` is the process
CPU time per step (data included), the budget that compares runs on a shared machine.

The run folder holds ``config.json``, ``metrics.csv`` and ``checkpoints/`` (see
:mod:`.checkpoint`); training again into the same folder resumes from its last checkpoint.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from ambisketch.engine.models.codec_kinds import AnyCodec, build_codec
from ambisketch.engine.models.weights import load_state_strict

from .checkpoint import (load_checkpoint, optimizer_from_flat, optimizer_to_flat, rng_state,
                         save_checkpoint, set_rng_state)
from .codec_config import CodecTrainConfig, TrainingConfigError
from .codec_data import CropDataset, FoaSource, StepBatchSampler
from .discriminator import (MultiScaleStftDiscriminator, discriminator_hinge_loss,
                            feature_matching_loss, generator_adversarial_loss)
from .ema import Ema
from .loop import StepTrainer, make_fabric, optimizer_state_to, quiet_log, quiet_worker, unwrap
from .losses import FoaReconstructionLoss, ReconstructionWeights


def trained_channels(codec: AnyCodec) -> int:
    """Channels the codec's VAE reconstructs: 4 (AmbiX), or 1 (W) for a factored codec."""
    return int(getattr(codec.config, "mono", codec.config).in_channels)


class CodecTrainer(StepTrainer):
    """Trains a codec of either kind on ``source`` into ``run_dir`` (resuming if it holds a run)."""

    METRICS = ("step", "seconds", "loss", "spectral", "direction", "time", "kl", "adversarial",
               "feature_matching", "disc", "skipped", "cpu_seconds")
    LABEL = "codec"

    def __init__(self, config: CodecTrainConfig, run_dir: str | Path, source: FoaSource, *,
                 accelerator: str = "auto", devices: int | str = 1, strategy: str = "auto",
                 log: Callable[[str], None] = print, init_from: AnyCodec | None = None) -> None:
        self.run_dir = Path(run_dir)
        self.fabric = make_fabric(accelerator, devices, strategy)
        self.fabric.launch()
        self.source = source
        self.log = log if self.fabric.global_rank == 0 else quiet_log
        self.config = self.rank0_first(lambda: self._settle_config(config))
        torch.manual_seed(self.config.seed)
        cfg = self.config
        self.codec = build_codec(cfg.codec)
        self.disc = MultiScaleStftDiscriminator(trained_channels(self.codec), cfg.disc_channels)
        self.ema = Ema(self.codec, cfg.ema_decay)
        self.opt_g = torch.optim.AdamW(self.codec.parameters(), cfg.lr, cfg.betas,
                                       weight_decay=cfg.weight_decay)
        self.opt_d = torch.optim.AdamW(self.disc.parameters(), cfg.disc_lr, cfg.betas,
                                       weight_decay=cfg.weight_decay)
        self.recon_loss = FoaReconstructionLoss(cfg.codec.sample_rate, ReconstructionWeights(
            cfg.spectral_weight, cfg.direction_weight, cfg.time_weight))
        self.step, self.skipped = 0, 0
        self._resume()
        if init_from is not None and self.step == 0:
            self._init_weights(init_from)
        self.codec, self.opt_g = self.fabric.setup(self.codec, self.opt_g)
        self.disc, self.opt_d = self.fabric.setup(self.disc, self.opt_d)
        for opt in (self.opt_g, self.opt_d):  # resumed state follows the parameters' device
            optimizer_state_to(opt, self.fabric.device)
        self.recon_loss = self.recon_loss.to(self.fabric.device)
        self._cpu_mark = time.process_time()

    # --- run folder -------------------------------------------------------------------
    def _settle_config(self, config: CodecTrainConfig) -> CodecTrainConfig:
        """A run keeps the config it started with; a different codec size is an error."""
        if self.fabric.global_rank == 0:
            self.run_dir.mkdir(parents=True, exist_ok=True)
        path = self.run_dir / "config.json"
        if path.is_file():
            saved = CodecTrainConfig.from_dict(json.loads(path.read_text(encoding="utf-8")))
            if saved.codec != config.codec:
                raise TrainingConfigError(
                    f"{self.run_dir}: holds a run of another codec size; choose a new --out")
            if saved != config:
                self.log(f"{self.run_dir}: resuming with the run's own settings")
            return saved
        path.write_text(json.dumps(config.to_dict(), indent=2), encoding="utf-8")
        return config

    def _resume(self) -> None:
        found = load_checkpoint(self.run_dir)
        if found is None:
            return
        tensors, meta = found
        part = lambda prefix: {k[len(prefix):]: v for k, v in tensors.items()  # noqa: E731
                               if k.startswith(prefix)}
        source = str(self.run_dir / "checkpoints")
        load_state_strict(self.codec, part("codec."), source)
        load_state_strict(self.disc, part("disc."), source)
        self.ema.load_state_dict(part("ema."), meta["ema_updates"])
        optimizer_from_flat(self.opt_g, tensors, meta["opt_g"], "opt_g")
        optimizer_from_flat(self.opt_d, tensors, meta["opt_d"], "opt_d")
        set_rng_state(tensors, meta["rng"])
        self.step, self.skipped = int(meta["step"]), int(meta.get("skipped", 0))
        self.log(f"resumed {self.run_dir} at step {self.step}")

    def _init_weights(self, codec: AnyCodec) -> None:
        """Start a new run from a trained codec's weights (generator and EMA; the
        discriminator and the optimizers start fresh and re-warm)."""
        if codec.config != self.config.codec:
            raise TrainingConfigError(f"{self.run_dir}: --init-from holds a codec of another "
                                      "size or kind than the run's config")
        load_state_strict(self.codec, codec.state_dict(), "--init-from")
        floats = {k: v for k, v in self.codec.state_dict().items() if v.dtype.is_floating_point}
        self.ema.load_state_dict(floats, updates=10_000)  # the full decay from the first step
        self.log(f"{self.run_dir}: weights from --init-from (step 0 of this run)")

    def save(self) -> Path | None:
        """Write a checkpoint of the current step (rank 0 only)."""
        if self.fabric.global_rank != 0:
            return None
        tensors: dict[str, torch.Tensor] = {}
        tensors.update({f"codec.{k}": v for k, v in unwrap(self.codec).state_dict().items()})
        tensors.update({f"disc.{k}": v for k, v in unwrap(self.disc).state_dict().items()})
        tensors.update({f"ema.{k}": v for k, v in self.ema.state_dict().items()})
        g_t, g_meta = optimizer_to_flat(self.opt_g, "opt_g")
        d_t, d_meta = optimizer_to_flat(self.opt_d, "opt_d")
        r_t, r_meta = rng_state()
        tensors.update({**g_t, **d_t, **r_t})
        meta = {"opt_g": g_meta, "opt_d": d_meta, "rng": r_meta, "skipped": self.skipped,
                "ema_updates": self.ema.updates, "config": self.config.to_dict()}
        return save_checkpoint(self.run_dir, self.step, tensors, meta)

    # --- training ---------------------------------------------------------------------
    def train_mode(self) -> None:
        self.codec.train()
        self.disc.train()

    def _loader(self) -> DataLoader:
        cfg = self.config
        data = CropDataset(self.source, cfg.crop_samples, cfg.seed)
        sampler = StepBatchSampler(cfg.batch_size, self.step, self.fabric.global_rank,
                                   self.fabric.world_size)
        # Its own generator: a DataLoader otherwise draws its workers' base seed from the
        # global RNG, which would shift the training noise of a resumed run.
        loader = DataLoader(data, batch_sampler=sampler, num_workers=cfg.num_workers,
                            persistent_workers=cfg.num_workers > 0, worker_init_fn=quiet_worker,
                            generator=torch.Generator().manual_seed(cfg.seed))
        return self.fabric.setup_dataloaders(loader, use_distributed_sampler=False)

    def _reconstruction(self, recon: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
        """The weighted reconstruction terms; W alone has no direction (beam) term."""
        if recon.shape[1] == 4:
            return self.recon_loss(recon, target)
        loss, w = self.recon_loss, self.recon_loss.weights
        terms = {"spectral": w.spectral * loss.mrstft(recon.float(), target.float()),
                 "time": w.time * (recon.float() - target.float()).abs().mean()}
        terms["total"] = terms["spectral"] + terms["time"]
        return terms

    def train_step(self, batch: torch.Tensor) -> dict[str, float]:
        out = self._train_step(batch)
        now = time.process_time()
        out["cpu_seconds"], self._cpu_mark = now - self._cpu_mark, now
        return out

    def _train_step(self, batch: torch.Tensor) -> dict[str, float]:
        cfg = self.config
        adversarial = self.step >= cfg.adversarial_after
        recon, post = self.codec(batch, shard=self.shard)
        # What the VAE rebuilds: all of AmbiX, or W (channel 0) for a factored codec.
        batch = batch[:, : recon.shape[1]]
        terms = self._reconstruction(recon, batch)
        kl = post.kl()
        loss = terms["total"] + cfg.kl_weight * kl
        out = {k: float(v.detach()) for k, v in terms.items() if k != "total"}
        out["kl"] = float(kl.detach())
        if adversarial:
            real = self.disc(batch)
            d_loss = discriminator_hinge_loss(real, self.disc(recon.detach()))
            if self.all_finite(d_loss):
                self.opt_d.zero_grad(set_to_none=True)
                self.fabric.backward(d_loss)
                self.fabric.clip_gradients(self.disc, self.opt_d, max_norm=cfg.grad_clip)
                self.opt_d.step()
            fake = self.disc(recon)
            adv, fm = generator_adversarial_loss(fake), feature_matching_loss(real, fake)
            loss = loss + cfg.adversarial_weight * adv + cfg.feature_matching_weight * fm
            out.update(adversarial=float(adv.detach()), feature_matching=float(fm.detach()),
                       disc=float(d_loss.detach()))
        if not self.all_finite(loss):
            self.skipped += 1
            self.opt_g.zero_grad(set_to_none=True)
            self.log(f"step {self.step}: loss is {float(loss.detach())}, step skipped "
                     f"({self.skipped} so far)")
            return {**out, "loss": float("nan")}
        self.opt_g.zero_grad(set_to_none=True)
        self.fabric.backward(loss)
        self.fabric.clip_gradients(self.codec, self.opt_g, max_norm=cfg.grad_clip)
        self.opt_g.step()
        self.ema.update(unwrap(self.codec))
        out["loss"] = float(loss.detach())
        return out

    def ema_codec(self) -> AnyCodec:
        """A fresh codec (CPU, eval mode) holding the EMA weights."""
        model = build_codec(self.config.codec)
        model.load_state_dict(self.ema.model_state(model))
        return model.eval()

