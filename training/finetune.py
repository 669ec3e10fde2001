"""Fine-tuning a generator on a user's sound library: the job API the GUI and the CLI share.

``FinetuneJob(settings, progress, cancel).run()`` goes through four stages, each reported
through ``progress`` (:class:`FinetuneProgress`):

1. **scan** — the library with the training-data report: unreadable, silent, too short and
   duplicate files are named with their reason and skipped (not fatal);
2. **encode** — the usable clips, spatialised by the paper's augmentation (several passes),
   into a latent cache with the base bundle's codec (first fine-tuned on the library with
   ``codec_too``: reconstruction and direction losses, no discriminator);
3. **train** — the base bundle's DiT, from its weights, on the cached latents (AdamW at a
   fine-tuning rate, batch and accumulation picked for the device's memory);
4. **export** — a complete bundle (codec, EMA weights, model card saying what it was tuned
   on) written atomically to ``settings.out``.

The work lives in a folder beside the output (``.NAME.finetune``); a job killed or cancelled
at any point continues from its last checkpoint when run again with the same settings, and
the folder is removed after a successful export. Nothing is written to ``out`` before the
bundle is complete. No Qt here; the GUI runs :meth:`FinetuneJob.run` off its thread.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ambisketch.engine.errors import Cancelled, EngineError, ModelLoadError

from .data.library import Library, ScanConfig
from .data.library import scan_library as _scan_folder
from .data.report import ScanReport

if TYPE_CHECKING:
    import torch

    from ambisketch.engine.json_types import JSONObject
    from ambisketch.engine.models.bundle import ModelBundle
    from ambisketch.engine.models.codec_kinds import AnyCodec
    from ambisketch.engine.models.diffusion import DiffusionModel
    from ambisketch.engine.models.text_encoder import TextEncoder

    from .dit.config import DitTrainConfig
    from .finetune_eval import HeldOut
    from .latents import LatentCache
    from .loop import StepTrainer

STAGES = ("scan", "evaluate", "encode", "train", "export")
METHODS = ("full", "attention", "cross-attention")  # which DiT weights train (see _freeze)
TARGET_BATCH = 16  # samples per optimiser step the defaults aim for
FINETUNE_LR = 5e-4  # measured (issue 22): 10x Stable Audio Open's 5e-5 moves a small DiT
#                      toward a library within CPU-minutes; 5e-5 barely does


@dataclass
class FinetuneSettings:
    """What to fine-tune on, from which model, into which bundle (None: picked for you)."""

    library: Path
    out: Path
    base: Path | None = None  # None → the installed default bundle
    steps: int = 600  # ~5 CPU-minutes of training for the starter model
    lr: float | None = None  # None → FINETUNE_LR (5e-4)
    codec_too: bool = False
    device: str = "auto"
    batch_size: int | None = None  # None → picked for the device
    accumulate: int | None = None  # None → picked for the device
    codec_steps: int | None = None  # with codec_too; None → steps // 2
    augmentations: int = 4  # passes of the augmentation over the library (2 samples per clip)
    name: str | None = None
    overwrite: bool = False
    cache_dir: Path | None = None  # decoded-clip cache of the scan (None: the user cache)
    work_dir: Path | None = None  # None → OUT's folder / ".OUT.finetune"
    keep_work: bool = False
    seed: int = 0
    holdout: float = 0.2  # share of the library kept out of training for the content test
    eval_takes: int = 2  # takes per held-out caption, before and after (0: no test)
    method: str = "full"


@dataclass(frozen=True)
class FinetuneProgress:
    """Where a job is: ``stage`` in :data:`STAGES`, ``step`` of ``total`` in that stage."""

    stage: str
    step: int
    total: int
    loss: float | None
    message: str


@dataclass
class LibraryReport:
    """What a scan found: usable clips and the files skipped with their reason."""

    library: Library = field(repr=False)
    report: ScanReport = field(repr=False)

    @property
    def usable(self) -> int:
        """Usable clips (one per file, or per channel when channels are split)."""
        return len(self.library)

    @property
    def problems(self) -> list[tuple[str, str]]:
        """``(file, reason)`` of every skipped file, the reason in words."""
        return [(s["file"], f"{s['reason']}: {s['detail']}") for s in self.report.skipped]

    def summary(self) -> str:
        return self.report.format()


def scan_library(
    library: Path, config: ScanConfig | None = None, *, cache_dir: Path | None = None
) -> LibraryReport:
    """Scan a folder of sounds (recursively) with the training-data report."""
    lib = _scan_folder(Path(library), config, cache_dir=cache_dir, progress=False)
    return LibraryReport(lib, lib.report)


def default_base_bundle() -> Path | None:
    """The installed default bundle (the app's ``resources/models/``), or None if missing."""
    from ambisketch.engine.catalog import installed_bundles

    shipped = [e.path for e in installed_bundles() if e.source == "default"]
    return shipped[0] if shipped else None


def pick_batch(
    params: int,
    tokens: int,
    width: int,
    depth: int,
    device: str,
    memory_bytes: int | None,
    target: int = TARGET_BATCH,
) -> tuple[int, int]:
    """Batch size and gradient accumulation for fine-tuning a DiT on ``device``.

    On a GPU with ``memory_bytes`` free: weights, gradients, AdamW moments and the EMA cost
    about 20 bytes per parameter; each sample's activations about 64 bytes per token, width
    unit and block in bf16 (attention through fused kernels holds no score matrix); 70 % of
    the memory is used, and accumulation makes up ``target`` samples per optimiser step.
    On a CPU: 4 samples per step, no accumulation.
    """
    if device == "cpu" or memory_bytes is None:
        # Time, not memory, is the limit: 4 samples per optimiser step without accumulation
        # learned a library faster per CPU-second than accumulating to 16 (issue 22).
        return 4, 1
    per_sample = 64 * tokens * width * depth
    free = 0.7 * memory_bytes - 20 * params - 256 * 2**20  # + the codec and text encoder
    batch = int(max(1, min(target, free // max(per_sample, 1))))
    batch = min(batch, target)
    return batch, max(1, math.ceil(target / batch))


def _device_memory(device: str) -> int | None:
    import torch

    if device == "cuda":
        return int(torch.cuda.mem_get_info()[0])
    return None


class FinetuneJob:
    """One fine-tuning run (see the module doc). ``progress`` gets a
    :class:`FinetuneProgress` at every stage change and log step; ``cancel()`` returning True
    stops the job at the next check with :class:`~ambisketch.engine.errors.Cancelled`.
    ``text_encoder`` may be an already loaded encoder to share."""

    def __init__(
        self,
        settings: FinetuneSettings,
        progress: Callable[[FinetuneProgress], None] | None = None,
        cancel: Callable[[], bool] | None = None,
        *,
        text_encoder: TextEncoder | None = None,
    ) -> None:
        self.settings = settings
        self._progress = progress
        self._cancel = cancel
        self._text = text_encoder

    # --- helpers ---------------------------------------------------------------------
    def _report(
        self, stage: str, step: int, total: int, message: str, loss: float | None = None
    ) -> None:
        if self._progress is not None:
            self._progress(FinetuneProgress(stage, step, total, loss, message))

    def _check_cancel(self, where: str) -> None:
        if self._cancel is not None and self._cancel():
            raise Cancelled(
                f"fine-tuning cancelled {where}; run it again with the same settings to continue"
            )

    def _check(self) -> Path:
        s = self.settings
        out = Path(s.out)
        if s.steps < 1:
            raise EngineError(f"steps must be at least 1, got {s.steps}")
        if s.lr is not None and not (s.lr > 0 and math.isfinite(s.lr)):
            raise EngineError(f"learning rate must be > 0, got {s.lr:g}")
        for name in ("batch_size", "accumulate", "codec_steps"):
            v = getattr(s, name)
            if v is not None and v < 1:
                raise EngineError(f"{name.replace('_', ' ')} must be at least 1, got {v}")
        if s.augmentations < 1:
            raise EngineError(f"augmentations must be at least 1, got {s.augmentations}")
        if not 0 <= s.holdout <= 0.5:
            raise EngineError(f"holdout must be between 0 and 0.5, got {s.holdout:g}")
        if s.eval_takes < 0:
            raise EngineError(f"eval takes must be 0 or more, got {s.eval_takes}")
        if s.method not in METHODS:
            raise EngineError(f"unknown method {s.method!r} (choose from {', '.join(METHODS)})")
        if out.exists() and not s.overwrite:
            raise ModelLoadError(f"{out}: already exists (use --force to replace it)")
        parent = out.parent if str(out.parent) else Path(".")
        if not parent.is_dir():
            raise ModelLoadError(f"{out}: folder {parent} does not exist")
        if not Path(s.library).is_dir():
            raise EngineError(f"{s.library}: no such library folder")
        return out

    def work_dir(self) -> Path:
        s = self.settings
        out = Path(s.out)
        return Path(s.work_dir) if s.work_dir else out.parent / f".{out.name}.finetune"

    def _settle_work(self, work: Path, base: Path, batch: int, accum: int) -> None:
        """A work folder of other settings is started over (its runs would not match)."""
        s = self.settings
        key = {
            "library": str(Path(s.library).resolve()),
            "base": str(base.resolve()),
            "codec_too": s.codec_too,
            "codec_steps": s.codec_steps,
            "lr": s.lr,
            "batch": batch,
            "accumulate": accum,
            "augmentations": s.augmentations,
            "seed": s.seed,
            "holdout": s.holdout,
            "method": s.method,
        }
        path = work / "job.json"
        if path.is_file():
            try:
                same = json.loads(path.read_text(encoding="utf-8")) == key
            except (OSError, ValueError):
                same = False
            if same:
                return
            self._report("scan", 0, 0, f"{work}: other settings than last time; starting over")
            shutil.rmtree(work)
        work.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(key, indent=1), encoding="utf-8")

    # --- the job ---------------------------------------------------------------------
    def run(self) -> Path:
        """Run every stage; returns the written bundle folder."""
        from ambisketch.engine.generate import pick_device
        from ambisketch.engine.models.bundle import load_bundle

        s = self.settings
        out = self._check()
        base = Path(s.base) if s.base is not None else default_base_bundle()
        if base is None:
            raise ModelLoadError(
                "no default model is installed (resources/models/starter); "
                "pass --base BUNDLE_DIR with the model to fine-tune"
            )
        device = pick_device(s.device)
        bundle = load_bundle(base)
        self._report("scan", 0, 1, f"scanning {s.library}")
        scan = scan_library(
            Path(s.library),
            ScanConfig(rate=bundle.sample_rate, clip_seconds=bundle.info.clip_seconds),
            cache_dir=s.cache_dir,
        )
        n = len(scan.problems)
        self._report(
            "scan",
            1,
            1,
            f"{scan.usable} usable clips, {n} file{'s' * (n != 1)} "
            "skipped" + "".join(f"\n  {f}: {r}" for f, r in scan.problems),
        )
        if scan.usable == 0:
            raise EngineError(
                f"{s.library}: no usable sound files "
                f"({len(scan.problems)} skipped; see the scan report)"
            )
        self._check_cancel("after the scan")
        config = self._train_config(bundle, device)
        work = self.work_dir()
        self._settle_work(work, base, config.batch_size, config.grad_accum)
        from .finetune_eval import split_holdout

        train_idx, held_idx = split_holdout(scan.library, s.holdout, s.seed)
        library = scan.library.subset(train_idx) if held_idx else scan.library
        held = self._held_out(scan.library, held_idx, bundle.sample_rate)
        self.content: JSONObject = {
            "held_out": [scan.library.records[i].rel_path for i in held_idx]
        }
        if held is not None:
            self.content["before"] = self._evaluate(
                held, bundle, work / "content-before.json", "the base model"
            )
        codec = bundle.codec
        if s.codec_too:
            codec = self._tune_codec(library, codec, work / "codec-run", device)
        cache = self._encode(library, codec, work / "latents", device)
        model, step = self._train(config, cache, codec, bundle.model, work / "dit-run", device)
        if held is not None:
            from ambisketch.engine.models.bundle import ModelBundle

            tuned = ModelBundle(codec.eval(), model.eval(), bundle.info, timbre=bundle.timbre)
            self.content["after"] = self._evaluate(held, tuned, None, "the tuned model")
        self._report("export", 0, 1, f"writing {out}")
        path = self._export(bundle, codec, model, step, scan, out, base)
        self._report("export", 1, 1, f"wrote {path}")
        if not s.keep_work:
            shutil.rmtree(work, ignore_errors=True)
        return path

    def _held_out(self, library: Library, held_idx: list[int], rate: int) -> HeldOut | None:
        """The held-out files embedded for the content test (None: no test)."""
        from .finetune_eval import HeldOut

        if not held_idx or self.settings.eval_takes == 0:
            return None
        try:
            return HeldOut.build(library, held_idx, rate, self.settings.eval_takes)
        except ModelLoadError as exc:  # aisfx missing: tune anyway, say why there is no test
            self._report("evaluate", 0, 0, f"no held-out content test: {exc}")
            return None

    def _evaluate(
        self, held: HeldOut, bundle: ModelBundle, cache: Path | None, who: str
    ) -> JSONObject:
        """The content scores of ``bundle`` on the held-out files (cached in ``cache``)."""
        if cache is not None and cache.is_file():
            try:
                return dict(json.loads(cache.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                pass
        total = held.takes * len(held.real.prompts)
        self._report(
            "evaluate",
            0,
            total,
            f"testing {who} on {len(held.clips)} held-out files ({total} takes)",
        )

        def tick(done: int, n: int) -> None:
            self._check_cancel("during the held-out test")
            self._report("evaluate", done, n, f"testing {who}: take {done} of {n}")

        scores = held.score(bundle, self._text, self.settings.seed, tick)
        if cache is not None:
            cache.write_text(json.dumps(scores), encoding="utf-8")
        self._report(
            "evaluate",
            total,
            total,
            f"{who}: FD aiSFX {scores['fd_aisfx_w']:.1f}, class accuracy "
            f"{scores['class_accuracy']:.0%} (chance {scores['chance']:.0%})",
        )
        return scores

    def _train_config(self, bundle: ModelBundle, device: str) -> DitTrainConfig:
        from ambisketch.engine.models.codec import count_parameters

        from .dit.config import DitTrainConfig

        s = self.settings
        model = bundle.model
        dit = model.dit.config
        frames = bundle.clip_frames
        auto_batch, auto_accum = pick_batch(
            count_parameters(model),
            frames + 1,
            dit.width,
            dit.depth,
            device,
            _device_memory(device),
        )
        batch = s.batch_size or auto_batch
        accum = s.accumulate or (
            auto_accum if s.batch_size is None else max(1, math.ceil(TARGET_BATCH / batch))
        )
        every = max(1, min(10, s.steps // 20))
        return DitTrainConfig(
            dit=dit,
            conditioner=model.conditioner.config,
            text_encoder=bundle.info.text_encoder,
            text_max_tokens=bundle.info.text_max_tokens,
            batch_size=batch,
            grad_accum=accum,
            clip_seconds=bundle.info.clip_seconds,
            lr=s.lr or FINETUNE_LR,
            warmup=0.9,
            checkpoint_every=max(10, min(250, s.steps // 4)),
            log_every=every,
            seed=s.seed,
        )

    def _tune_codec(self, library: Library, codec: AnyCodec, run: Path, device: str) -> AnyCodec:
        from .codec.config import TRAIN_PRESETS
        from .codec.trainer import CodecTrainer
        from .data.augment import AugmentConfig
        from .data.dataset import SpatialDataset
        from .latents import fit_augment
        from .loop import unwrap

        s = self.settings
        steps = s.codec_steps or max(1, s.steps // 2)
        cfg = replace(
            TRAIN_PRESETS["small"],
            codec=codec.config,
            batch_size=4,
            crop_seconds=min(2.0, library.config.clip_seconds),
            lr=s.lr or FINETUNE_LR,
            adversarial_after=10**9,
            checkpoint_every=max(10, min(250, steps // 4)),
            log_every=max(1, min(10, steps // 20)),
            seed=s.seed,
        )
        data = SpatialDataset(
            library, fit_augment(AugmentConfig(), library.config.clip_seconds), seed=s.seed
        )
        trainer = CodecTrainer(cfg, run, data, accelerator=device, log=lambda m: None)
        if trainer.step == 0:  # a new run starts from the base codec, not at random
            state = codec.state_dict()
            unwrap(trainer.codec).load_state_dict(state)
            trainer.ema.load_state_dict(state, 0)
        self._report("train", trainer.step, steps, "fine-tuning the codec")
        self._fit(trainer, steps, "the codec")
        return trainer.ema_codec()

    def _encode(self, library: Library, codec: AnyCodec, folder: Path, device: str) -> LatentCache:
        from .latents import EncodeSettings, encode_library

        s = self.settings
        total = 2 * len(library) * s.augmentations
        self._report("encode", 0, total, f"encoding {total} augmented samples")

        def tick(done: int, n: int) -> None:
            self._report("encode", done, n, f"encoded {done} of {n} samples")

        return encode_library(
            library,
            codec,
            folder,
            device=device,
            overwrite=True,
            settings=EncodeSettings(s.augmentations, seed=s.seed, shard_size=64),
            progress=tick,
            cancel=self._cancel,
        )

    def _fit(self, trainer: StepTrainer, steps: int, what: str) -> dict[str, float]:
        def on_log(row: dict[str, float]) -> None:
            loss = row.get("loss")
            self._report(
                "train",
                int(row["step"]),
                steps,
                f"{what}: step {int(row['step'])} of {steps}",
                loss,
            )

        try:
            return trainer.fit(steps, progress=False, should_stop=self._cancel, on_log=on_log)
        except Cancelled:
            raise Cancelled(
                f"fine-tuning cancelled at step {trainer.step} of {what}; run it "
                "again with the same settings to continue"
            ) from None

    def _train(
        self,
        config: DitTrainConfig,
        cache: LatentCache,
        codec: AnyCodec,
        base_model: DiffusionModel,
        run: Path,
        device: str,
    ) -> tuple[DiffusionModel, int]:
        from .dit.trainer import DitTrainer

        s = self.settings
        trainer = DitTrainer(
            config,
            run,
            cache,
            codec,
            accelerator=device,
            log=lambda m: None,
            text_encoder=self._text,
            init_model=base_model,
        )
        self._report(
            "train",
            trainer.step,
            s.steps,
            f"fine-tuning the generator: batch {config.batch_size} × "
            f"{config.grad_accum} on {device}",
        )
        self._check_cancel("before training")
        _freeze(trainer.diffusion, s.method)
        self._fit(trainer, s.steps, "the generator")
        return trainer.ema_model(), trainer.step

    def _export(
        self,
        base_bundle: ModelBundle,
        codec: AnyCodec,
        model: DiffusionModel,
        step: int,
        scan: LibraryReport,
        out: Path,
        base: Path,
    ) -> Path:
        from ambisketch.engine.models.bundle import BundleInfo, ModelBundle, save_bundle

        s = self.settings
        info0 = base_bundle.info
        name = s.name or f"{info0.name or base.name} + {Path(s.library).name}"
        when = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        tuned = {
            "library": str(Path(s.library).resolve()),
            "clips": scan.usable,
            "skipped": len(scan.problems),
            "steps": step,
            "lr": s.lr or FINETUNE_LR,
            "codec_too": s.codec_too,
            "augmentations": s.augmentations,
            "method": s.method,
            "base": str(base.resolve()),
            "base_name": info0.name,
            "finished": when,
            **self._content_record(),
        }
        info = BundleInfo(
            clip_seconds=info0.clip_seconds,
            text_encoder=info0.text_encoder,
            text_max_tokens=info0.text_max_tokens,
            name=name,
            training_data={**info0.training_data, "finetune": tuned},
            defaults=dict(info0.defaults),
        )
        card = (
            f"# {name}\n\nFine-tuned from `{info0.name or base.name}` on "
            f"{scan.usable} clips of `{Path(s.library).name}` ({scan.report.hours:.2f} h; "
            f"{len(scan.problems)} files skipped) for {step} steps at lr "
            f"{s.lr or FINETUNE_LR:g}, {s.augmentations} augmentation passes"
            f"{', codec fine-tuned too' if s.codec_too else ''}; EMA weights.\n\n"
            f"{self._content_card()}"
            f"## The base model\n\n{base_bundle.card}"
        )
        return save_bundle(
            out,
            ModelBundle(
                codec.cpu().eval(), model.cpu().eval(), info, card, timbre=base_bundle.timbre
            ),
            overwrite=s.overwrite,
        )

    def _content_record(self) -> JSONObject:
        from .finetune_eval import summary

        c = getattr(self, "content", {})
        if "after" not in c:
            return {}
        return {"content": {**c, "summary": summary(c.get("before"), c["after"])}}

    def _content_card(self) -> str:
        from .finetune_eval import summary

        c = getattr(self, "content", {})
        text = summary(c.get("before"), c.get("after"))
        return f"## Held-out test\n\n```\n{text}\n```\n\n" if text else ""


def _freeze(diffusion: torch.nn.Module, method: str) -> None:
    """Train only part of the DiT: ``attention`` (self- and cross-attention projections of
    every block and of the path fusion), ``cross-attention`` (the cross-attention of the
    blocks and the text and global projections: how the prompt steers the sound), or all of
    it (``full``)."""
    for name, p in diffusion.named_parameters():
        if method == "attention":
            keep = "attn" in name
        elif method == "cross-attention":
            keep = (
                "cross_attn" in name
                or name.startswith("conditioner.text_proj")
                or name.startswith("conditioner.global_proj")
            )
        else:
            keep = True
        p.requires_grad_(keep)
