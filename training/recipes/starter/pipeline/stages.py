"""The recipe's stages as functions of a :class:`Context`; each returns its output record.

corpus → testset → codec → codec-export → encode → dit → eval → export. The training stages
(codec, dit) run their trainer to a step target or a time budget and may pause at the
session's deadline (:class:`Paused`); everything they write resumes (run folders with
checkpoints, a latent cache that continues from its last shard). The orchestration — which
stage runs, skips or starts over — is :mod:`.recipe`'s.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ambisketch.engine.errors import Cancelled
from ambisketch.engine.json_types import JSONObject

from .sizes import RecipeError, RecipeSettings, codec_train_config, dit_train_config
from .state import RecipeState

LOG_EVERY_SECONDS = 30.0


class Paused(Exception):
    """The session's time (``stop_after``) ran out inside a stage; its work is saved."""


class WorkPaths:
    """Where each stage writes inside the work folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.corpus, self.testset = self.root / "corpus", self.root / "testset"
        self.codec_run, self.codec = self.root / "codec-run", self.root / "codec"
        self.latents, self.dit_run = self.root / "latents", self.root / "dit-run"
        self.eval, self.scan_cache = self.root / "eval", self.root / "scan-cache"


@dataclass
class Context:
    """What every stage needs: settings, state, device, paths, the log, shared objects."""

    settings: RecipeSettings
    state: RecipeState
    device: str
    hardware: JSONObject
    deadline: float | None  # time.monotonic() at which this session stops (None: never)
    text_encoder: Any = None
    _library: Any = None

    @property
    def paths(self) -> WorkPaths:
        return WorkPaths(self.settings.work)

    def log(self, message: str) -> None:
        self.state.log(message)

    def session_over(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def where(self, path: Path) -> str:
        """``path`` as recipe.json stores it: relative inside the work folder (so the
        folder can move to another machine), absolute outside it."""
        try:
            return str(Path(path).resolve().relative_to(self.settings.work.resolve()))
        except ValueError:
            return str(Path(path).resolve())

    def corpus_dir(self) -> Path:
        """``--corpus`` as given this session (it may have moved), else ``WORK/corpus``."""
        return Path(self.settings.corpus) if self.settings.corpus else self.paths.corpus

    def testset_dir(self) -> Path:
        return Path(self.settings.testset) if self.settings.testset else self.paths.testset

    def library(self) -> Any:
        """The corpus scanned at the model's rate and clip length (once per process)."""
        if self._library is None:
            from ambisketch.training.data import ScanConfig, scan_library

            root = self.corpus_dir().resolve()
            dit = dit_train_config(self.settings)
            rate = codec_train_config(self.settings).codec.sample_rate
            self.log(f"scanning {root} ({dit.clip_seconds:g} s clips at {rate} Hz)")
            self._library = scan_library(
                root,
                ScanConfig(rate=rate, clip_seconds=dit.clip_seconds),
                cache_dir=self.paths.scan_cache,
                progress=False,
            )
        return self._library

    def drop_library(self) -> None:
        self._library = None

    def train_part(self) -> tuple[Any, str]:
        """The clips to train on: the train split, or every clip when the corpus is too
        small to hold one out (with a note saying so)."""
        from ambisketch.training.data import split_library

        lib = self.library()
        train = split_library(lib)["train"]
        if len(train) == 0:
            return lib, "every clip (the corpus is too small for a train split)"
        return train, f"the train split ({len(train)} of {len(lib)} clips)"

    def text(self) -> Any:
        """The text encoder, loaded once and shared by DiT training and evaluation."""
        if self.text_encoder is None:
            from ambisketch.engine.models.text_encoder import TextEncoder

            cfg = dit_train_config(self.settings)
            self.text_encoder = TextEncoder(
                cfg.text_encoder, self.device, cfg.text_max_tokens, cache_size=4096
            )
        return self.text_encoder


def _digest(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()[:16]


# --- corpus and test set ------------------------------------------------------------------
def corpus(ctx: Context) -> JSONObject:
    """Use ``--corpus`` as it is, or build the size's starter corpus into ``WORK/corpus``."""
    from ..build import build_starter

    given = ctx.settings.corpus
    if given is not None:
        root = Path(given)
        if not root.is_dir():
            raise RecipeError(f"{root}: no such corpus folder")
        manifest = root / "manifest.json"
        if manifest.is_file():
            data = json.loads(manifest.read_text(encoding="utf-8"))
            return {
                "path": ctx.where(root),
                "built": False,
                "files": data.get("files"),
                "hours": data.get("hours"),
                "id": _digest(manifest),
            }
        ctx.log(
            f"{root}: no manifest.json (not a starter corpus): its licences are unknown; "
            "say what they are in the model card"
        )
        return {
            "path": ctx.where(root),
            "built": False,
            "files": None,
            "hours": None,
            "id": str(root.resolve()),
        }
    out = ctx.paths.corpus
    options = ctx.settings.spec.corpus
    ctx.log(f"building the starter corpus in {out} (sources: {', '.join(options.only)})")
    manifest = build_starter(
        out, replace(options, seed=ctx.settings.seed, force=True), progress=False, log=ctx.log
    )
    for name, st in manifest["sources"].items():
        ctx.log(
            f"  {name}: {st['status']}"
            + (f", {st['files']} files" if "files" in st else f" ({st.get('reason', '')})")
        )
    return {
        "path": ctx.where(out),
        "built": True,
        "files": manifest["files"],
        "hours": manifest["hours"],
        "id": _digest(out / "manifest.json"),
    }


def testset(ctx: Context) -> JSONObject:
    """Use ``--testset``, or write the fixed test set from the corpus's held-out clips."""
    from ambisketch.training.data import (
        AugmentConfig,
        SpatialDataset,
        load_test_set,
        split_library,
        write_test_set,
    )
    from ambisketch.training.latents import fit_augment

    given = ctx.settings.testset
    if given is not None:
        clips = load_test_set(given)
        return {
            "path": ctx.where(Path(given)),
            "clips": len(clips),
            "split": "given",
            "id": _digest(Path(given) / "testset.json"),
        }
    lib = ctx.library()
    parts = split_library(lib)
    split = next((s for s in ("test", "valid") if len(parts[s]) > 0), "all")
    part = lib if split == "all" else parts[split]
    if split != "test":
        ctx.log(
            f"the corpus has no test split ({len(lib)} clips): the test set comes from "
            f"{'the valid split' if split == 'valid' else 'every clip, training ones too'}"
        )
    clip = lib.config.clip_seconds
    data = SpatialDataset(part, fit_augment(AugmentConfig(), clip), seed=ctx.settings.seed)
    n = min(ctx.settings.spec.testset_clips, len(data))
    index = write_test_set(data, ctx.paths.testset, n, seed=ctx.settings.seed, overwrite=True)
    ctx.log(f"test set: {n} clips of {clip:g} s from the {split} split → {ctx.paths.testset}")
    return {"path": ctx.where(ctx.paths.testset), "clips": n, "split": split, "id": _digest(index)}


# --- training -------------------------------------------------------------------------------
def budget_seconds(ctx: Context, stage: str) -> float | None:
    """The stage's share of ``--hours`` in seconds (the DiT gets what the codec left)."""
    hours = ctx.settings.hours
    if hours is None:
        return None
    if stage == "codec":
        return hours * 3600.0 * ctx.settings.spec.codec_share
    used = ctx.state.stages.get("codec", {}).get("seconds", 0.0)
    return max(0.0, hours * 3600.0 - used)


def training_complete(ctx: Context, stage: str) -> bool:
    """At the step target, or past the stage's time share (and at least one step done)."""
    rec = ctx.state.stages.get(stage, {})
    step = int(rec.get("step", 0))
    target = ctx.settings.target(stage)
    share = budget_seconds(ctx, stage)
    if step < 1:
        return False
    return (target is not None and step >= target) or (
        share is not None and rec.get("seconds", 0.0) >= share
    )


def train(ctx: Context, stage: str, trainer: Any) -> JSONObject:
    """Run ``trainer`` (a resumed or new run) to the stage's target or time share; pause
    at the session's deadline. Returns the stage's output (its step)."""
    rec = ctx.state.record(stage)
    target = ctx.settings.target(stage)
    share = budget_seconds(ctx, stage)
    spent, t0 = float(rec.get("seconds", 0.0)), time.monotonic()
    last_log = [t0, trainer.step]

    def elapsed() -> float:
        return spent + time.monotonic() - t0

    def over_share() -> bool:
        return share is not None and elapsed() >= share

    def on_log(row: dict[str, float]) -> None:
        t = time.monotonic()
        rec.update(step=int(row["step"]), seconds=elapsed())
        if t - last_log[0] >= LOG_EVERY_SECONDS or row["step"] == target:
            rate = (row["step"] - last_log[1]) / max(t - last_log[0], 1e-9)
            left = f" of {target}" if target else ""
            loss = row.get("loss", float("nan"))
            ctx.log(f"{stage}: step {int(row['step'])}{left}, loss {loss:.4f}, {rate:.2f} steps/s")
            last_log[:] = [t, row["step"]]
            ctx.state.save()

    where = f"from step {trainer.step}" if trainer.step else "from scratch"
    limits = [f"step {target}"] if target else []
    if share is not None:
        limits.append(f"{share / 3600:.2f} h of training ({spent / 3600:.2f} h done)")
    ctx.log(f"{stage}: training {where} on {ctx.device} until {' or '.join(limits)}")
    paused = False
    try:
        trainer.fit(
            target or 2**62,
            progress=False,
            on_log=on_log,
            should_stop=lambda: over_share() or ctx.session_over(),
        )
    except Cancelled:
        paused = not over_share()
    finally:
        rec.update(step=int(trainer.step), seconds=elapsed())
        ctx.state.save()
    if paused:
        raise Paused(
            f"{stage} paused at step {trainer.step}"
            + (f" of {target}" if target else "")
            + " (this session's time is up)"
        )
    why = "its target" if target is not None and trainer.step >= target else "its time share"
    ctx.log(f"{stage}: done at step {trainer.step} ({why})")
    return {"step": int(trainer.step), "started": rec.get("started"), "ended_by": why}


def codec(ctx: Context) -> JSONObject:
    """Train the codec (of the asked kind) on the train split, spatialised on the fly."""
    from ambisketch.training.codec.trainer import CodecTrainer
    from ambisketch.training.data import AugmentConfig, SpatialDataset
    from ambisketch.training.latents import fit_augment

    part, what = ctx.train_part()
    ctx.log(f"codec: training on {what}")
    data = SpatialDataset(
        part, fit_augment(AugmentConfig(), part.config.clip_seconds), seed=ctx.settings.seed
    )
    trainer = CodecTrainer(
        codec_train_config(ctx.settings),
        ctx.paths.codec_run,
        data,
        accelerator=ctx.device,
        log=ctx.log,
    )
    return train(ctx, "codec", trainer)


def codec_export(ctx: Context) -> JSONObject:
    """The codec run's EMA weights as a codec bundle (what the latents and the model use)."""
    from ambisketch.engine.models.codec_bundle import load_codec_bundle
    from ambisketch.training.export import export_codec
    from ambisketch.training.latents import codec_fingerprint

    export_codec(ctx.paths.codec_run, ctx.paths.codec, overwrite=True)
    fingerprint = codec_fingerprint(load_codec_bundle(ctx.paths.codec))
    return {"path": ctx.where(ctx.paths.codec), "fingerprint": fingerprint}


def encode(ctx: Context) -> JSONObject:
    """Encode augmented passes over the train split into the latent cache (resumable)."""
    from ambisketch.engine.models.codec_bundle import load_codec_bundle
    from ambisketch.training.data import AugmentConfig
    from ambisketch.training.latents import EncodeSettings, encode_library

    spec = ctx.settings.spec
    part, what = ctx.train_part()
    codec = load_codec_bundle(ctx.paths.codec)
    settings = EncodeSettings(
        augmentations=spec.augmentations,
        seed=ctx.settings.seed,
        shard_size=spec.shard_size,
        batch_size=spec.encode_batch,
    )
    augment = AugmentConfig(multi_segment_prob=spec.multi_segment, room_prob=spec.room_prob)
    total = 2 * len(part) * spec.augmentations
    ctx.log(
        f"encode: {total} augmented samples of {what} ({spec.augmentations} "
        f"pass{'es' * (spec.augmentations != 1)}, "
        f"rooms {spec.room_prob:g}, multi-segment paths {spec.multi_segment:g})"
    )
    marks = [time.monotonic()]

    def progress(done: int, n: int) -> None:
        if time.monotonic() - marks[0] >= LOG_EVERY_SECONDS:
            ctx.log(f"encode: {done} of {n} samples")
            marks[0] = time.monotonic()

    try:
        cache = encode_library(
            part,
            codec,
            ctx.paths.latents,
            augment=augment,
            settings=settings,
            device=ctx.device,
            workers=spec.encode_workers,
            overwrite=True,
            progress=progress,
            cancel=ctx.session_over,
        )
    except Cancelled:
        raise Paused(
            "encode paused (this session's time is up); its finished shards are kept"
        ) from None
    ctx.drop_library()  # the DiT reads latents: free the decoded clips
    stats = cache.stats
    ctx.log(
        f"encode: {len(cache)} samples, latent mean {stats['mean']:+.3f}, std {stats['std']:.3f}"
    )
    return {
        "path": ctx.where(ctx.paths.latents),
        "samples": len(cache),
        "codec": cache.codec_fingerprint,
        "clips": len(part),
        "augmentations": spec.augmentations,
        "room_prob": spec.room_prob,
    }


def dit(ctx: Context) -> JSONObject:
    """Train the DiT (parametric and descriptive in one model) on the latent cache."""
    from ambisketch.training.dit.trainer import DitTrainer
    from ambisketch.training.latents import open_latent_cache

    cache = open_latent_cache(ctx.paths.latents)
    trainer = DitTrainer(
        dit_train_config(ctx.settings),
        ctx.paths.dit_run,
        cache,
        None,
        accelerator=ctx.device,
        log=ctx.log,
        text_encoder=ctx.text(),
    )
    return train(ctx, "dit", trainer)


def stage_functions() -> dict[str, Callable[[Context], JSONObject]]:
    """Every stage's function by name (eval and export live in :mod:`.finish`)."""
    from .finish import evaluate, export

    return {
        "corpus": corpus,
        "testset": testset,
        "codec": codec,
        "codec-export": codec_export,
        "encode": encode,
        "dit": dit,
        "eval": evaluate,
        "export": export,
    }
