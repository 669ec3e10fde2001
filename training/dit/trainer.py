"""DiT (generator) training with Lightning Fabric: v-objective, CFG dropout, EMA, resume.

One step: random crops of ``clip_seconds`` (whole latent frames) of FOA clips → the frozen
codec's latents (its mean, or a posterior sample; or read from a latent cache, see
:mod:`..latents`) → the frozen text encoder's tokens of each clip's caption (cached), the
clip's path as a state matrix and its room numbers (distance, room size, decay time; see
:mod:`.data`) → the conditioner + DiT's v-objective loss at random times. Text and path
are dropped for classifier-free guidance independently (zeroed tokens, as
:meth:`Conditioning.null` does at inference), each room number on its own (to "unknown").
AdamW with the trajectory conditioner at ``trajectory_lr_mult`` × lr, inverse LR schedule
with warm-up, gradient clipping and accumulation, EMA, NaN guard. bf16-mixed on CUDA, fp32
on CPU, DDP. Every ``validate_every`` steps a few takes are generated with the EMA weights
and written with their direction errors (:mod:`.validation`).

The run folder holds ``config.json``, ``codec/`` (the frozen codec, a codec bundle),
``metrics.csv``, ``checkpoints/`` and ``validation/``; training again into it resumes exactly
(the model with its latent statistics, the EMA, the optimizer and the RNGs are registered with
the run folder base, :mod:`..run_folder`; validation is its step callback).
A run may start from a trained model's weights (``init_model``: fine-tuning).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch.utils.data import DataLoader

from ambisketch.engine.models.codec_bundle import load_codec_bundle, save_codec_bundle
from ambisketch.engine.models.codec_kinds import AnyCodec
from ambisketch.engine.models.conditioners import Conditioning
from ambisketch.engine.models.diffusion import DiffusionModel
from ambisketch.engine.models.weights import load_state_strict

from ..checkpoint import has_checkpoint
from ..codec.config import TrainingConfigError
from ..codec.data import FoaSource
from ..ema import Ema
from ..latents import LatentCache, codec_fingerprint, w_fingerprint
from ..loop import optimizer_state_to, shard_draw
from ..run_folder import RunFolderTrainer
from .config import DitTrainConfig
from .data import ROOM_NUMBERS, DitClipDataset, drop_room_numbers
from .expand import can_expand, expand_into
from .w_memo import WLatentMemo

if TYPE_CHECKING:
    from ambisketch.engine.generate import GenerationRequest
    from ambisketch.engine.models.text_encoder import TextEncoder

__all__ = ["DitClipDataset", "DitTrainer", "apply_cfg_dropout", "cfg_drop_masks"]

CODEC_DIR = "codec"


def cfg_drop_masks(
    batch: int,
    p_text: float,
    p_path: float,
    device: torch.device | str = "cpu",
    shard: tuple[int, int] = (0, 1),
) -> tuple[torch.Tensor, torch.Tensor]:
    """Independent (B,) bool masks: which items lose their text, which their path
    (``shard``: this rank's items of the global batch, see :func:`.loop.shard_draw`)."""
    rank, world = shard
    draws = torch.rand(2, world * batch, device=device)[:, rank * batch : (rank + 1) * batch]
    return draws[0] < p_text, draws[1] < p_path


def apply_cfg_dropout(
    cond: Conditioning, drop_text: torch.Tensor, drop_path: torch.Tensor
) -> Conditioning:
    """Zero the text tokens of ``drop_text`` items, the path tokens of ``drop_path`` items
    (the slots the conditioner reports), and every token of items that lose both (exactly
    :meth:`Conditioning.null` at inference)."""
    slot = cond.slots.slot_of(cond.tokens.shape[1], cond.tokens.device)
    zero = (
        (drop_text[:, None] & slot["text"][None])
        | (drop_path[:, None] & slot["path"][None])
        | (drop_text & drop_path)[:, None]
    )
    tokens = cond.tokens * (~zero).to(cond.tokens.dtype)[..., None]
    return Conditioning(tokens, cond.mask, cond.global_embed, cond.slots)


class _DitLoss(torch.nn.Module):
    """Conditioning, CFG dropout and the v-objective loss as one ``forward``, so that DDP
    sees every parameter used inside its wrapper's forward."""

    def __init__(
        self,
        model: DiffusionModel,
        text_dropout: float,
        path_dropout: float,
        room_dropout: float,
        shard: tuple[int, int] = (0, 1),
    ) -> None:
        super().__init__()
        self.model, self.text_dropout, self.path_dropout = model, text_dropout, path_dropout
        self.room_dropout, self.shard = room_dropout, shard

    def forward(
        self,
        x0: torch.Tensor,
        text: torch.Tensor,
        text_mask: torch.Tensor,
        seconds: torch.Tensor,
        states: torch.Tensor,
        has_path: torch.Tensor,
        room: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        b = x0.shape[0]
        numbers = {"seconds_start": torch.zeros(b, device=x0.device), "seconds_total": seconds}
        # Every draw is this rank's slice of the global batch's (see StepTrainer.shard).
        room = drop_room_numbers(room, self.room_dropout if self.training else 0.0, self.shard)
        numbers.update({name: room[:, i] for i, name in enumerate(ROOM_NUMBERS)})
        cond = self.model.condition(text, text_mask, numbers, states, has_path)
        drop_text, drop_path = cfg_drop_masks(
            b, self.text_dropout, self.path_dropout, x0.device, self.shard
        )
        cond = apply_cfg_dropout(cond, drop_text, drop_path)
        t = shard_draw(torch.rand, (b,), self.shard, x0.device)
        noise = shard_draw(torch.randn, tuple(x0.shape), self.shard, x0.device)
        return self.model.loss(x0, cond, t=t, noise=noise), drop_text, drop_path


class DitTrainer(RunFolderTrainer):
    """Trains a :class:`DiffusionModel` on latents of the frozen ``codec`` into ``run_dir``.

    ``source`` is an audio source (items with ``foa``) or a :class:`LatentCache` of
    ``codec``'s latents. ``codec`` may be None when ``run_dir`` already holds a run (its own
    codec is used) or ``source`` is a latent cache (the cache's codec). ``init_model`` gives
    the starting weights of a new run (fine-tuning); a resumed run ignores it.
    ``text_encoder`` may be an already loaded encoder to share (tests, fine-tuning).
    """

    METRICS = ("step", "seconds", "loss", "lr", "text_dropped", "path_dropped", "skipped")
    LABEL = "dit"

    def __init__(
        self,
        config: DitTrainConfig,
        run_dir: str | Path,
        source: FoaSource | LatentCache,
        codec: AnyCodec | None,
        *,
        accelerator: str = "auto",
        devices: int | str = 1,
        strategy: str = "auto",
        log: Callable[[str], None] = print,
        text_encoder: TextEncoder | None = None,
        init_model: DiffusionModel | None = None,
    ) -> None:
        self.launch(run_dir, accelerator, devices, strategy, log)
        self.source = source
        if isinstance(source, LatentCache):  # before anything is written into the run folder
            codec = _check_cache(source, codec, config)
        if codec is not None:
            _check_codec(codec, config)
        self.init_run_folder()
        # Rank 0 writes the run folder (config, codec); the other ranks read what it wrote.
        self.config: DitTrainConfig = self.rank0_first(
            lambda: self.settle_config(
                config,
                DitTrainConfig.from_dict,
                lambda a, b: (a.dit, a.conditioner) == (b.dit, b.conditioner),
                "model size",
            )
        )
        cfg = self.config
        self.codec = self.rank0_first(lambda: self._settle_codec(codec))
        torch.manual_seed(cfg.seed)
        self.diffusion = DiffusionModel(cfg.dit, cfg.conditioner)  # what is saved
        if init_model is not None and can_expand(init_model, cfg):  # an envelope added
            mean, std = self._latent_stats()
            added = expand_into(self.diffusion, init_model, mean, std)
            self.log(f"the starting model grown by {added} latent channels (zero weights)")
        elif init_model is not None:  # fine-tuning keeps the statistics it was trained with
            load_state_strict(self.diffusion, init_model.state_dict(), "the starting model")
        elif cfg.normalise_latents and not has_checkpoint(self.run_dir):
            mean, std = self._latent_stats()
            self.diffusion.set_latent_stats(mean, std)
            self.log(
                f"latents: per-channel std {float(std.min()):.3f}–{float(std.max()):.3f}, "
                f"|mean| ≤ {float(mean.abs().max()):.3f}; the DiT works on them "
                "standardised"
            )
        self.ema = Ema(self.diffusion, cfg.ema_decay)
        traj = list(self.diffusion.conditioner.trajectory.parameters())
        traj_ids = {id(p) for p in traj}
        rest = [p for p in self.diffusion.parameters() if id(p) not in traj_ids]
        self.opt = torch.optim.AdamW(
            [
                {"params": rest, "lr": cfg.lr, "lr_mult": 1.0},
                {
                    "params": traj,
                    "lr": cfg.lr * cfg.trajectory_lr_mult,
                    "lr_mult": cfg.trajectory_lr_mult,
                },
            ],
            cfg.lr,
            cfg.betas,
            weight_decay=cfg.weight_decay,
        )
        self.register_module("model", "diffusion")
        self.register_ema("ema", "ema", self._ema_defaults)
        self.register_optimizer("opt", "opt")
        self.resume()
        self.every(cfg.validate_every, self.validate)
        self.w_memo = WLatentMemo(self.codec, w_fingerprint(self.codec))
        if not isinstance(source, LatentCache) and not cfg.sample_latents:
            loaded = self.w_memo.load(self.run_dir)
            if loaded:
                self.log(f"W latents of {loaded} clips read back from {self.run_dir / 'w-latents'}")
            self.every(cfg.checkpoint_every, self._save_w_memo)
        self.model, self.opt = self.fabric.setup(
            _DitLoss(
                self.diffusion,
                cfg.text_dropout,
                cfg.trajectory_dropout,
                cfg.room_dropout,
                self.shard,
            ),
            self.opt,
        )
        optimizer_state_to(self.opt, self.fabric.device)
        self.codec = self.codec.to(self.fabric.device).eval().requires_grad_(False)
        if text_encoder is None:
            from ambisketch.engine.models.text_encoder import TextEncoder

            text_encoder = TextEncoder(
                cfg.text_encoder, self.fabric.device, cfg.text_max_tokens, cache_size=4096
            )
        if text_encoder.id != cfg.text_encoder or text_encoder.dim != cfg.conditioner.text_dim:
            raise TrainingConfigError(
                f"text encoder {text_encoder.id!r} ({text_encoder.dim}-d) does not fit the "
                f"config ({cfg.text_encoder!r}, text_dim {cfg.conditioner.text_dim})"
            )
        self.text = text_encoder
        self._validation: list[GenerationRequest] | None = None

    # --- run folder -------------------------------------------------------------------
    def _settle_codec(self, codec: AnyCodec | None) -> AnyCodec:
        """The run keeps the codec it started with (``run/codec``); another one is an error."""
        folder = self.run_dir / CODEC_DIR
        if folder.is_dir():
            saved = load_codec_bundle(folder)
            if codec is not None and not _same_weights(saved, codec):
                raise TrainingConfigError(
                    f"{self.run_dir}: was trained with another codec; "
                    "leave --codec out to resume, or choose a new --out"
                )
            return saved
        if codec is None:
            raise TrainingConfigError(f"{self.run_dir}: holds no codec; pass --codec")
        save_codec_bundle(folder, codec.cpu().eval())
        return codec

    def _ema_defaults(self) -> dict[str, torch.Tensor]:
        """The latent statistics for an EMA saved before the model had them."""
        state = self.diffusion.state_dict()
        return {name: state[name].float() for name in DiffusionModel.OPTIONAL_STATE}

    # --- training ---------------------------------------------------------------------
    def _loader(self) -> DataLoader:
        cfg = self.config
        data = DitClipDataset(
            self.source,
            cfg,
            self.codec.hop,
            self.codec.config.sample_rate,
            cfg.batch_size * cfg.grad_accum * self.fabric.world_size,
        )
        return self.step_loader(data, cfg.batch_size * cfg.grad_accum, cfg.seed, cfg.num_workers)

    @torch.no_grad()
    def _latent_stats(self, items: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-channel mean and std of the training latents over up to ``items`` evenly
        spaced source items (cached latents, or audio encoded by the run's codec)."""
        n = len(self.source)
        if n == 0:
            raise TrainingConfigError(f"{self.run_dir}: no training items")
        picks = sorted({int(i) for i in torch.linspace(0, n - 1, min(items, n))})
        total = total_sq = torch.zeros(())
        count = 0
        for i in picks:
            item = self.source[i]
            if "latents" in item:
                z = torch.as_tensor(item["latents"]).float()
            else:
                foa = torch.as_tensor(item["foa"]).float()[None]
                z = self.codec.encode(foa, sample=self.config.sample_latents)[0].float()
            z = z.double()
            if not torch.isfinite(z).all():  # a broken item; training skips its steps too
                continue
            total, total_sq = total + z.sum(-1), total_sq + (z * z).sum(-1)
            count += z.shape[-1]
        if count == 0:  # nothing finite to measure: the raw scale
            c = self.config.dit.latent_channels
            return torch.zeros(c), torch.ones(c)
        mean = total / count
        std = (total_sq / count - mean * mean).clamp_min(0).sqrt()
        return mean.float(), std.float()

    def latents(self, foa: torch.Tensor, keys: list[str] | None = None) -> torch.Tensor:
        """The codec's latents of ``foa``; ``keys`` name the items whose W is a clip's alone
        (their W latents are encoded once, see :mod:`.w_memo`)."""
        foa = foa.to(self.fabric.device).float()
        if self.config.sample_latents:
            return self.codec.encode(foa, sample=True)
        return self.w_memo.encode(foa, keys)

    def _save_w_memo(self, step: int) -> None:
        memo = self.w_memo
        ahead = memo.load(self.run_dir)  # parts encoded ahead by another process
        if self.fabric.global_rank != 0:
            return
        if ahead:
            self.log(f"step {step}: W latents of {ahead} more clips read from other processes")
        if memo.save(self.run_dir) is not None and memo.hits + memo.misses:
            self.log(
                f"step {step}: W latents of {len(memo)} clips kept; "
                f"{memo.hits / (memo.hits + memo.misses):.0%} of samples read W from them "
                "since the last checkpoint"
            )
        memo.hits = memo.misses = 0

    def _micro_loss(self, batch: dict[str, Any]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        dev = self.fabric.device
        if "latents" in batch:
            x0 = batch["latents"].to(dev).float()
        else:
            x0 = self.latents(batch["foa"], batch.get("w_key"))
        text, mask = self.text.encode(list(batch["caption"]))
        seconds = torch.as_tensor(batch["seconds"], dtype=torch.float32, device=dev)
        has_path = torch.as_tensor(batch["has_path"], device=dev)
        return self.model(
            x0,
            text.to(dev),
            mask.to(dev),
            seconds,
            batch["states"].to(dev),
            has_path,
            batch["room"].to(dev),
        )

    def train_step(self, batch: dict[str, Any]) -> dict[str, float]:
        cfg = self.config
        for group in self.opt.param_groups:
            group["lr"] = (
                cfg.lr * group["lr_mult"] * cfg.lr_factor(self.step) * self.rewarm_factor()
            )
        self.opt.zero_grad(set_to_none=True)
        total, dropped_t, dropped_p = 0.0, 0.0, 0.0
        n = cfg.batch_size
        for i in range(cfg.grad_accum):
            micro = {k: v[i * n : (i + 1) * n] for k, v in batch.items()}
            last = i == cfg.grad_accum - 1
            with self.fabric.no_backward_sync(self.model, enabled=not last):
                loss, dt, dp = self._micro_loss(micro)
                if self.skip_if_not_finite(loss, self.opt):
                    return {"loss": float("nan")}
                self.fabric.backward(loss / cfg.grad_accum)
            total += float(loss.detach()) / cfg.grad_accum
            dropped_t += float(dt.float().mean()) / cfg.grad_accum
            dropped_p += float(dp.float().mean()) / cfg.grad_accum
        if cfg.grad_clip > 0:
            self.fabric.clip_gradients(self.model, self.opt, max_norm=cfg.grad_clip)
        self.opt.step()
        self.ema.update(self.diffusion)
        return {
            "loss": total,
            "lr": self.opt.param_groups[0]["lr"],
            "text_dropped": dropped_t,
            "path_dropped": dropped_p,
        }

    def validate(self, step: int) -> list[dict[str, Any]]:
        """Write the validation takes of ``step`` (EMA weights) with their direction errors
        (rank 0 only; see :mod:`.validation`)."""
        from ambisketch.engine.models.bundle import BundleInfo

        from .validation import validation_requests, write_validation

        cfg = self.config
        if self.fabric.global_rank != 0:
            return []
        if self._validation is None:
            self._validation = validation_requests(
                self.source,
                cfg.validate_takes,
                cfg.clip_seconds,
                cfg.validate_steps,
                cfg.default_caption,
            )
        info = BundleInfo(
            clip_seconds=cfg.clip_seconds,
            text_encoder=cfg.text_encoder,
            text_max_tokens=cfg.text_max_tokens,
            name=self.run_dir.name,
        )
        device = self.fabric.device
        # A fresh model initialises its weights from the global RNG: keep it out of training's.
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            model = self.ema_model().to(device)
            return write_validation(
                self.run_dir,
                step,
                model,
                self.codec,
                self.text,
                info,
                self._validation,
                device,
                self.log,
            )

    def train_mode(self) -> None:
        self.model.train()

    def ema_model(self) -> DiffusionModel:
        """A fresh :class:`DiffusionModel` (CPU, eval mode) holding the EMA weights."""
        model = DiffusionModel(self.config.dit, self.config.conditioner)
        model.load_state_dict(self.ema.model_state(model))
        return model.eval()


def _check_cache(cache: LatentCache, codec: AnyCodec | None, config: DitTrainConfig) -> AnyCodec:
    """The codec of a latent cache (the given one must be the same); its clips must be at
    least the model's clip length, and cached latents are means (no posterior samples)."""
    if config.sample_latents:
        raise TrainingConfigError(
            f"{cache.folder}: a latent cache holds the codec's means; "
            "sample_latents needs audio (encoding on the fly)"
        )
    if cache.clip_seconds + 1e-9 < config.clip_seconds:
        raise TrainingConfigError(
            f"{cache.folder}: holds {cache.clip_seconds:g} s clips, the "
            f"model trains on {config.clip_seconds:g} s"
        )
    if codec is not None and codec_fingerprint(codec) != cache.codec_fingerprint:
        raise TrainingConfigError(
            f"{cache.folder}: was encoded with another codec than the "
            "one given; leave --codec out to use the cache's"
        )
    return codec if codec is not None else cache.codec()


def _check_codec(codec: AnyCodec, config: DitTrainConfig) -> None:
    if codec.config.latent_channels != config.dit.latent_channels:
        raise TrainingConfigError(
            f"the codec has {codec.config.latent_channels} latent channels, the DiT "
            f"config expects {config.dit.latent_channels}; choose a matching --config"
        )


def _same_weights(a: AnyCodec, b: AnyCodec) -> bool:
    if a.config != b.config:
        return False
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(
        torch.equal(sa[k].float().cpu(), sb[k].float().cpu()) for k in sa
    )
