"""The latent cache: augmented FOA samples encoded once by a frozen codec, with their
conditioning, so that DiT training reads latents instead of rendering and encoding audio.

A cache folder::

    CACHE/
      latents.json              format, version, settings, the shards written so far
      codec/                    the codec bundle the latents come from (a copy)
      shard-00000.safetensors   tensor "latents" (n, C, frames) float32 (the codec's mean);
                                the samples' conditioning as JSON in the file's metadata

Sample ``j`` is item ``j mod N`` of augmentation pass ``j div N`` of the library's
:class:`~ambisketch.training.data.dataset.SpatialDataset` (N = 2 × clips: the paper's static
and moving sample of every clip, drawn anew in every pass). Its conditioning is what the DiT
trainer needs: captions, path, length, kind, source file and (with rooms) the room values.

Writing is atomic and resumable: every shard is complete before it is renamed into place and
listed in ``latents.json`` (itself replaced atomically), so a killed ``dataset encode`` run
continues from its last shard when run again with the same settings; other settings (another
codec, library, augmentation) are an error naming what differs. Nothing is pickled.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from ambisketch.engine.errors import Cancelled, ModelLoadError
from ambisketch.engine.files import atomic_target
from ambisketch.engine.json_types import JSONObject
from ambisketch.engine.models.codec_bundle import load_codec_bundle, save_codec_bundle

from .data.augment import AugmentConfig
from .data.dataset import SpatialDataset
from .data.errors import DatasetError
from .data.library import Library
from .loop import quiet_worker

if TYPE_CHECKING:
    from ambisketch.engine.models.codec_kinds import AnyCodec

INDEX = "latents.json"
CODEC_DIR = "codec"
FORMAT = "ambisketch-latents"
FORMAT_VERSION = 1
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class EncodeSettings:
    """How a cache is made: ``augmentations`` passes over the library (2 samples per clip
    each), the augmentation's seed, samples per shard and per encoder batch."""

    augmentations: int = 4
    seed: int = 0
    shard_size: int = 256
    batch_size: int = 8

    def __post_init__(self) -> None:
        for name in ("augmentations", "shard_size", "batch_size"):
            if int(getattr(self, name)) < 1:
                raise DatasetError(f"latent cache: {name} must be at least 1")


def codec_fingerprint(codec: AnyCodec) -> str:
    """A hash of a codec's config and weights (which latents a cache holds)."""
    return _fingerprint(codec, codec.config.to_dict())


def w_fingerprint(codec: AnyCodec) -> str:
    """A hash of what a codec's W latents depend on: :func:`codec_fingerprint` without its
    envelope channels (measured from the audio, not encoded), so a W memo made for a codec
    serves the same codec with an envelope added."""
    strip = getattr(codec.config, "without_envelope", None)
    return _fingerprint(codec, (strip() if strip else codec.config).to_dict())


def _fingerprint(codec: AnyCodec, config: dict[str, object]) -> str:
    h = hashlib.sha1(json.dumps(config, sort_keys=True).encode())
    for name, tensor in sorted(codec.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def library_fingerprint(library: Library) -> str:
    """A hash of the scan settings and the clips (file, channel, caption, length)."""
    h = hashlib.sha1(library.config.fingerprint().encode())
    for r in library.records:
        h.update(f"{r.rel_path}|{r.channel}|{r.caption}|{r.seconds:.4f}\n".encode())
    return h.hexdigest()


def _settings(
    library: Library, codec: AnyCodec, augment: AugmentConfig, enc: EncodeSettings
) -> JSONObject:
    return {
        "codec": codec_fingerprint(codec),
        "library": library_fingerprint(library),
        "augment": json.loads(json.dumps(asdict(augment))),
        "augmentations": enc.augmentations,
        "seed": enc.seed,
        "shard_size": enc.shard_size,
        "samples": 2 * len(library) * enc.augmentations,
        "rate": int(codec.config.sample_rate),
        "clip_seconds": library.config.clip_seconds,
        "latent_channels": int(codec.config.latent_channels),
        "hop": int(codec.hop),
    }


def fit_augment(augment: AugmentConfig, clip_seconds: float) -> AugmentConfig:
    """``augment`` for clips of ``clip_seconds``: the paper's speed classes (1–3, 3.5–6.5,
    7–10 s of movement) are meant for 10 s clips; when none fits a shorter clip, all of them
    are scaled by ``clip_seconds / 10`` (a fast move takes 10–30 % of the clip, as in the
    paper)."""
    classes = dict(augment.speed_classes)
    if not any(lo <= clip_seconds for lo, _ in classes.values()):
        k = clip_seconds / 10.0
        classes = {name: (lo * k, hi * k) for name, (lo, hi) in classes.items()}
    return replace(augment, duration=clip_seconds, speed_classes=classes)


def _write_json(path: Path, data: JSONObject) -> None:
    with atomic_target(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")


def _read_index(folder: Path) -> JSONObject:
    path = folder / INDEX
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatasetError(
            f"{folder}: not a latent cache (no {INDEX}; make one with 'ambisketch dataset encode')"
        ) from None
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{path}: cannot read ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DatasetError(f"{path}: not an Ambisketch latent cache index")
    if data.get("version") != FORMAT_VERSION:
        raise DatasetError(f"{path}: unknown latent cache version {data.get('version')!r}")
    return data


def is_latent_cache(path: str | Path) -> bool:
    return (Path(path) / INDEX).is_file()


def _sample_meta(item: JSONObject, rate: int, pass_: int) -> JSONObject:
    keep = (
        "caption",
        "spatial_caption",
        "kind",
        "source",
        "channel",
        "trajectory",
        "index",
        "room",
    )
    meta = {k: item[k] for k in keep if k in item}
    meta.update(seconds=item["foa"].shape[-1] / rate, augmentation=pass_)
    return meta


def encode_library(
    library: Library,
    codec: AnyCodec,
    out: str | Path,
    *,
    augment: AugmentConfig | None = None,
    settings: EncodeSettings | None = None,
    device: str = "cpu",
    workers: int = 0,
    overwrite: bool = False,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> LatentCache:
    """Encode ``settings.augmentations`` augmented passes over ``library`` with ``codec``
    into the cache folder ``out`` (resuming one made with the same settings).

    Args:
        codec: a loaded codec bundle (anything with the codec interface: ``encode``,
            ``hop``, ``config``), used frozen and in eval mode.
        augment: the augmentation rules (default: the paper's, no rooms).
        workers: data loader processes rendering the samples.
        overwrite: start over when ``out`` holds a cache of other settings.
        progress: ``progress(done, total)`` in samples; ``cancel()`` True stops after the
            current shard with :class:`~ambisketch.engine.errors.Cancelled` (what is written
            stays valid; running again continues).
    """
    enc = settings or EncodeSettings()
    augment = fit_augment(augment or AugmentConfig(), library.config.clip_seconds)
    folder = Path(out)
    if len(library) == 0:
        raise DatasetError(f"{library.root}: no usable clips to encode (see the scan report)")
    if library.config.rate != codec.config.sample_rate:
        raise DatasetError(
            f"{library.root}: scanned at {library.config.rate} Hz, the codec "
            f"works at {codec.config.sample_rate} Hz"
        )
    wanted = _settings(library, codec, augment, enc)
    shards: list[JSONObject] = []
    if (folder / INDEX).is_file():
        index = _read_index(folder)
        if index["settings"] != wanted:
            if not overwrite:
                diff = sorted(k for k in wanted if index["settings"].get(k) != wanted[k])
                raise DatasetError(
                    f"{folder}: holds a latent cache of other settings "
                    f"({', '.join(diff)} differ); choose another output or "
                    "use --force to replace it"
                )
            shutil.rmtree(folder)
        else:
            shards = list(index["shards"])
    elif folder.exists() and any(folder.iterdir()):
        raise DatasetError(f"{folder}: exists and is not a latent cache; choose another output")
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(".*.tmp"):  # left by a killed run
        stale.unlink(missing_ok=True)
    if not (folder / CODEC_DIR / "codec.json").is_file():
        shutil.rmtree(folder / CODEC_DIR, ignore_errors=True)
        save_codec_bundle(folder / CODEC_DIR, codec)
    index = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "settings": wanted,
        "library_root": str(library.root),
        "shards": shards,
        "complete": False,
    }
    total = wanted["samples"]
    n_shards = -(-total // enc.shard_size)
    done = sum(s["count"] for s in shards)
    if progress is not None:
        progress(done, total)
    codec = codec.to(device).eval()
    per_pass = 2 * len(library)
    datasets = [
        SpatialDataset(library, augment, seed=enc.seed, epoch=p) for p in range(enc.augmentations)
    ]
    for s in range(len(shards), n_shards):
        first, count = s * enc.shard_size, min(enc.shard_size, total - s * enc.shard_size)
        ids = list(range(first, first + count))
        loader = torch.utils.data.DataLoader(
            _Samples(datasets, ids, per_pass),
            batch_size=enc.batch_size,
            num_workers=workers,
            collate_fn=list,
            worker_init_fn=quiet_worker,
        )
        latents, metas = [], []
        for batch in loader:
            if cancel is not None and cancel():  # the shard in progress is dropped
                raise Cancelled(
                    f"encoding stopped after {first} of {total} samples; run again to continue"
                )
            foa = torch.stack([b[1]["foa"] for b in batch]).to(device)
            with torch.no_grad():
                z = codec.encode(foa.float())
            latents.append(z.float().cpu())
            metas += [_sample_meta(item, codec.config.sample_rate, p) for p, item in batch]
            done += len(batch)
            if progress is not None:
                progress(done, total)
        name = f"shard-{s:05d}.safetensors"
        block = torch.cat(latents).contiguous()
        with atomic_target(folder / name) as tmp:
            save_file(
                {"latents": block},
                str(tmp),
                metadata={"format": FORMAT, "items": json.dumps(metas)},
            )
        z = block.double()
        shards.append(
            {
                "file": name,
                "first": first,
                "count": count,
                "values": z.numel(),
                "sum": float(z.sum()),
                "sum_sq": float((z * z).sum()),
            }
        )
        index["shards"] = shards
        _write_json(folder / INDEX, index)
    index["complete"] = True
    _write_json(folder / INDEX, index)
    return LatentCache(folder)


class _Samples(torch.utils.data.Dataset):
    """Sample ids → (pass, dataset item), for the loader that renders them."""

    def __init__(self, datasets: list[SpatialDataset], ids: list[int], per_pass: int) -> None:
        self.datasets, self.ids, self.per_pass = datasets, ids, per_pass

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> tuple[int, dict[str, Any]]:
        p, k = divmod(self.ids[i], self.per_pass)
        return p, self.datasets[p][k]


class LatentCache:
    """A complete latent cache, read lazily: item ``j`` is ``{"latents": (C, frames) float32
    tensor, "caption", "spatial_caption", "trajectory", "seconds", "kind", "source", ["room"]}``.

    A DiT training source (see :class:`~ambisketch.training.dit.data.DitClipDataset`);
    shards are memory-mapped on first use in each process.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        index = _read_index(self.folder)
        if not index.get("complete"):
            n = sum(s["count"] for s in index["shards"])
            raise DatasetError(
                f"{self.folder}: incomplete latent cache ({n} of "
                f"{index['settings']['samples']} samples); run "
                "'ambisketch dataset encode' again to finish it"
            )
        self.settings: JSONObject = index["settings"]
        self.shards = index["shards"]
        self.items: list[JSONObject] = []
        self._where: list[tuple[int, int]] = []
        for s, shard in enumerate(self.shards):
            path = self.folder / shard["file"]
            try:
                with safe_open(str(path), framework="pt") as f:
                    items = json.loads((f.metadata() or {})["items"])
                    rows = f.get_slice("latents").get_shape()[0]
            except Exception as exc:  # safetensors raises its own types
                raise DatasetError(
                    f"{path}: unreadable latent shard ({exc}); encode the cache again"
                ) from None
            if len(items) != shard["count"] or rows != shard["count"]:
                raise DatasetError(
                    f"{path}: holds {rows} samples, the index says "
                    f"{shard['count']}; encode the cache again"
                )
            self.items += items
            self._where += [(s, i) for i in range(len(items))]
        self._handles: dict[int, Any] = {}

    @property
    def sample_rate(self) -> int:
        return int(self.settings["rate"])

    @property
    def latent_channels(self) -> int:
        return int(self.settings["latent_channels"])

    @property
    def hop(self) -> int:
        return int(self.settings["hop"])

    @property
    def clip_seconds(self) -> float:
        return float(self.settings["clip_seconds"])

    @property
    def stats(self) -> dict[str, float]:
        """Mean and standard deviation of all latents (is the codec's latent space sane?)."""
        n = sum(s["values"] for s in self.shards)
        mean = sum(s["sum"] for s in self.shards) / max(n, 1)
        var = sum(s["sum_sq"] for s in self.shards) / max(n, 1) - mean * mean
        return {"mean": mean, "std": float(np.sqrt(max(var, 0.0)))}

    @property
    def codec_fingerprint(self) -> str:
        return str(self.settings["codec"])

    def codec(self, device: str = "cpu") -> AnyCodec:
        """The codec the latents come from (its bundle in ``CACHE/codec``)."""
        try:
            return load_codec_bundle(self.folder / CODEC_DIR, device)
        except ModelLoadError as exc:
            raise DatasetError(f"{self.folder}: its codec cannot be loaded ({exc})") from None

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, j: int) -> dict[str, Any]:
        s, i = self._where[j]
        f = self._handles.get(s)
        if f is None:
            f = self._handles[s] = safe_open(
                str(self.folder / self.shards[s]["file"]), framework="pt"
            )
        return {"latents": f.get_slice("latents")[i], **self.items[j]}

    def __getstate__(self) -> dict[str, Any]:  # loader workers open their own handles
        state = dict(self.__dict__)
        state["_handles"] = {}
        return state


def open_latent_cache(path: str | Path) -> LatentCache:
    """A complete latent cache folder (one-line :class:`DatasetError` otherwise)."""
    folder = Path(path)
    if not folder.is_dir():
        raise DatasetError(f"{folder}: no such latent cache folder")
    return LatentCache(folder)
