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

The run folder holds ``config.json``, ``metrics.csv`` and ``checkpoints/``; the codec,
discriminator, EMA, both optimizers and the RNGs are registered with the run folder base
(:mod:`..run_folder`), which settles the config, writes checkpoints and resumes exactly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from ambisketch.engine.models.codec_kinds import AnyCodec, build_codec
from ambisketch.engine.models.weights import load_state_strict

from ..discriminator import (
    MultiScaleStftDiscriminator,
    discriminator_hinge_loss,
    feature_matching_loss,
    generator_adversarial_loss,
)
from ..ema import Ema
from ..loop import optimizer_state_to, unwrap
from ..losses import FoaReconstructionLoss, ReconstructionWeights
from ..run_folder import RunFolderTrainer
from .config import CodecTrainConfig, TrainingConfigError
from .data import CropDataset, FoaSource


def trained_channels(codec: AnyCodec) -> int:
    """Channels the codec's VAE reconstructs: 4 (AmbiX), or 1 (W) for a factored codec."""
    return int(getattr(codec.config, "mono", codec.config).in_channels)


class CodecTrainer(RunFolderTrainer):
    """Trains a codec of either kind on ``source`` into ``run_dir`` (resuming if it holds a run)."""

    METRICS = (
        "step",
        "seconds",
        "loss",
        "spectral",
        "direction",
        "time",
        "kl",
        "adversarial",
        "feature_matching",
        "disc",
        "skipped",
        "cpu_seconds",
    )
    LABEL = "codec"

    def __init__(
        self,
        config: CodecTrainConfig,
        run_dir: str | Path,
        source: FoaSource,
        *,
        accelerator: str = "auto",
        devices: int | str = 1,
        strategy: str = "auto",
        log: Callable[[str], None] = print,
        init_from: AnyCodec | None = None,
    ) -> None:
        self.launch(run_dir, accelerator, devices, strategy, log)
        self.source = source
        self.init_run_folder()
        self.config: CodecTrainConfig = self.rank0_first(
            lambda: self.settle_config(
                config, CodecTrainConfig.from_dict, lambda a, b: a.codec == b.codec, "codec size"
            )
        )
        torch.manual_seed(self.config.seed)
        cfg = self.config
        self.codec = build_codec(cfg.codec)
        self.disc = MultiScaleStftDiscriminator(trained_channels(self.codec), cfg.disc_channels)
        self.ema = Ema(self.codec, cfg.ema_decay)
        self.opt_g = torch.optim.AdamW(
            self.codec.parameters(), cfg.lr, cfg.betas, weight_decay=cfg.weight_decay
        )
        self.opt_d = torch.optim.AdamW(
            self.disc.parameters(), cfg.disc_lr, cfg.betas, weight_decay=cfg.weight_decay
        )
        self.recon_loss = FoaReconstructionLoss(
            cfg.codec.sample_rate,
            ReconstructionWeights(cfg.spectral_weight, cfg.direction_weight, cfg.time_weight),
        )
        self.register_module("codec", "codec")
        self.register_module("disc", "disc")
        self.register_ema("ema", "ema")
        self.register_optimizer("opt_g", "opt_g")
        self.register_optimizer("opt_d", "opt_d")
        self.resume()
        if init_from is not None and self.step == 0:
            self._init_weights(init_from)
        self.codec, self.opt_g = self.fabric.setup(self.codec, self.opt_g)
        self.disc, self.opt_d = self.fabric.setup(self.disc, self.opt_d)
        for opt in (self.opt_g, self.opt_d):  # resumed state follows the parameters' device
            optimizer_state_to(opt, self.fabric.device)
        self.recon_loss = self.recon_loss.to(self.fabric.device)
        self._cpu_mark = time.process_time()

    # --- run folder -------------------------------------------------------------------
    def _init_weights(self, codec: AnyCodec) -> None:
        """Start a new run from a trained codec's weights (generator and EMA; the
        discriminator and the optimizers start fresh and re-warm)."""
        if codec.config != self.config.codec:
            raise TrainingConfigError(
                f"{self.run_dir}: --init-from holds a codec of another "
                "size or kind than the run's config"
            )
        load_state_strict(self.codec, codec.state_dict(), "--init-from")
        floats = {k: v for k, v in self.codec.state_dict().items() if v.dtype.is_floating_point}
        self.ema.load_state_dict(floats, updates=10_000)  # the full decay from the first step
        self.log(f"{self.run_dir}: weights from --init-from (step 0 of this run)")

    # --- training ---------------------------------------------------------------------
    def train_mode(self) -> None:
        self.codec.train()
        self.disc.train()

    def _loader(self) -> DataLoader:
        cfg = self.config
        data = CropDataset(self.source, cfg.crop_samples, cfg.seed)
        return self.step_loader(data, cfg.batch_size, cfg.seed, cfg.num_workers)

    def _reconstruction(self, recon: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
        """The weighted reconstruction terms; W alone has no direction (beam) term."""
        if recon.shape[1] == 4:
            return self.recon_loss(recon, target)
        loss, w = self.recon_loss, self.recon_loss.weights
        terms = {
            "spectral": w.spectral * loss.mrstft(recon.float(), target.float()),
            "time": w.time * (recon.float() - target.float()).abs().mean(),
        }
        terms["total"] = terms["spectral"] + terms["time"]
        return terms

    def train_step(self, batch: torch.Tensor) -> dict[str, float]:
        self.rewarm_constant_lr(self.opt_g, self.opt_d)
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
            out.update(
                adversarial=float(adv.detach()),
                feature_matching=float(fm.detach()),
                disc=float(d_loss.detach()),
            )
        if self.skip_if_not_finite(loss, self.opt_g):
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
