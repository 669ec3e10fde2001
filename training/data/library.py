"""Scan a folder tree of sound files into captioned, trimmed, fixed-length mono clips.

SonicMotion (arXiv 2507.07318) data: resampled to 16 kHz, leading/trailing silence removed,
looped or truncated to 10 s. Each file is decoded once (the first ``max_read_seconds`` of
it), mixed to mono (``channels="mix"``, the default: safe for phasey stereo) or split into
one clip per channel (``channels="each"``: for multi-microphone recordings), resampled with
soxr, trimmed, cut to the clip length and cached (see :mod:`.cache`); clips are looped to
the clip length when loaded. Files are skipped as ``unreadable`` (corrupt, empty, not
audio), ``silent``, ``too-short`` or ``duplicate`` (same bytes as a file earlier in path
order), and the :class:`~.report.ScanReport` says which and why.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import soundfile as sf
from numpy.typing import NDArray

from ambisketch.engine.audio_io import resample
from ambisketch.engine.json_types import JSONObject

from .cache import ClipCache, file_key
from .caption_sources import TABLE_NAMES, CaptionTables, caption_from_name, read_sidecar
from .errors import DatasetError
from .progress import Progress
from .report import ScanReport

AUDIO_EXTENSIONS = (
    ".wav",
    ".wave",
    ".flac",
    ".ogg",
    ".oga",
    ".opus",
    ".mp3",
    ".aif",
    ".aiff",
    ".aifc",
    ".au",
    ".caf",
    ".w64",
)
CHANNEL_MODES = ("mix", "each")
FRAME_SECONDS = 0.01


@dataclass(frozen=True)
class ScanConfig:
    """How files become clips. Levels in dBFS of 10 ms frame RMS."""

    rate: int = 16000
    clip_seconds: float = 10.0
    channels: str = "mix"
    min_seconds: float = 0.3  # shorter after trimming → "too-short"
    silence_dbfs: float = -60.0  # loudest frame below this → "silent"
    trim_db: float = 50.0  # trim edge frames this far below the loudest frame
    max_read_seconds: float = 60.0  # decode at most this much of a file

    def __post_init__(self) -> None:
        if self.channels not in CHANNEL_MODES:
            raise DatasetError(
                f"channels must be one of {', '.join(CHANNEL_MODES)}, got {self.channels!r}"
            )
        if self.rate < 1000 or self.clip_seconds <= 0 or self.min_seconds < 0:
            raise DatasetError("rate must be >= 1000 Hz and clip length > 0 s")

    @property
    def clip_frames(self) -> int:
        return int(round(self.clip_seconds * self.rate))

    def fingerprint(self) -> str:
        text = json.dumps({"v": 1, **asdict(self)}, sort_keys=True)
        return hashlib.sha1(text.encode()).hexdigest()


@dataclass(frozen=True)
class ClipRecord:
    """One clip of the library: a file (and channel, in "each" mode) with its caption."""

    rel_path: str
    channel: int | None
    caption: str
    caption_source: str
    seconds: float  # trimmed length before looping (<= clip length)
    cache_entry: JSONObject = field(compare=False, repr=False)

    @property
    def source_id(self) -> str:
        """What splits group by: the source file."""
        return self.rel_path

    @property
    def clip_id(self) -> str:
        """The scan cache's entry of the clip (changes with the file): names its W latents."""
        return f"{self.cache_entry.get('shard')}/{self.cache_entry.get('tensor')}"


def trim_silence(
    x: NDArray[np.float32], rate: int, trim_db: float, floor_dbfs: float
) -> tuple[NDArray[np.float32], float]:
    """Cut leading/trailing 10 ms frames quieter than ``max(loudest - trim_db, floor)``.

    Returns the trimmed signal and the loudest frame's level in dBFS.
    """
    hop = max(1, int(rate * FRAME_SECONDS))
    n = x.size // hop
    if n == 0:
        peak = float(np.sqrt(np.mean(x**2))) if x.size else 0.0
        return x, 20 * np.log10(max(peak, 1e-12))
    rms = np.sqrt(np.mean(x[: n * hop].reshape(n, hop).astype(np.float64) ** 2, axis=1))
    db = 20 * np.log10(np.maximum(rms, 1e-12))
    loudest = float(db.max())
    loud = np.nonzero(db >= max(loudest - trim_db, floor_dbfs))[0]
    if loud.size == 0:
        return x[:0], loudest
    end = x.size if loud[-1] == n - 1 else (loud[-1] + 1) * hop
    return x[loud[0] * hop : end], loudest


def loop_to(x: NDArray[np.float32], frames: int) -> NDArray[np.float32]:
    """Repeat ``x`` (samples,) until it is ``frames`` long (or cut it)."""
    if x.size >= frames:
        return x[:frames]
    reps = -(-frames // max(x.size, 1))
    return np.tile(x, reps)[:frames]


def _decode(path: Path, cfg: ScanConfig) -> tuple[JSONObject, list[NDArray[np.float32]]]:
    """Decode one file → (meta, clips). ``meta["status"]`` is "ok" or a skip reason."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return {
            "hash": "",
            "clips": [],
            "status": "unreadable",
            "detail": f"cannot read ({exc.strerror or exc})",
        }, []
    meta: JSONObject = {"hash": hashlib.blake2b(raw, digest_size=16).hexdigest(), "clips": []}
    if not raw:
        return {**meta, "status": "unreadable", "detail": "empty file (0 bytes)"}, []
    try:
        with sf.SoundFile(str(path)) as f:
            rate, channels = int(f.samplerate), int(f.channels)
            data = f.read(int(cfg.max_read_seconds * rate), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError, TypeError) as exc:
        detail = str(exc).split(":")[-1].strip() or exc.__class__.__name__
        return {
            **meta,
            "status": "unreadable",
            "detail": f"not a readable audio file ({detail})",
        }, []
    meta.update(rate_in=rate, channels=channels)
    if data.shape[0] == 0:
        return {**meta, "status": "unreadable", "detail": "the file holds no audio (0 samples)"}, []
    if not np.isfinite(data).all():
        return {**meta, "status": "unreadable", "detail": "NaN or infinite samples"}, []
    x = data.T
    signals = [x.mean(axis=0)] if cfg.channels == "mix" else list(x)
    x = resample(np.stack(signals), rate, cfg.rate)
    clips, reasons = [], []
    for ch, sig in enumerate(x):
        trimmed, loudest = trim_silence(sig, cfg.rate, cfg.trim_db, cfg.silence_dbfs)
        if loudest < cfg.silence_dbfs:
            reasons.append(
                (
                    "silent",
                    f"no sound above {cfg.silence_dbfs:g} dBFS "
                    f"(loudest 10 ms frame {max(loudest, -200):.0f} dBFS)",
                )
            )
        elif trimmed.size < cfg.min_seconds * cfg.rate:
            reasons.append(
                (
                    "too-short",
                    f"{trimmed.size / cfg.rate:.2f} s after trimming (< {cfg.min_seconds:g} s)",
                )
            )
        else:
            clip = np.ascontiguousarray(trimmed[: cfg.clip_frames], dtype=np.float32)
            clips.append(clip)
            meta["clips"].append(
                {"channel": None if cfg.channels == "mix" else ch, "seconds": clip.size / cfg.rate}
            )
    if not clips:
        reason, detail = reasons[0]
        return {**meta, "status": reason, "detail": detail}, []
    return {**meta, "status": "ok"}, clips


def _walk(root: Path) -> tuple[list[Path], list[Path]]:
    audio, tables = [], []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            p = Path(folder) / name
            if name.lower() in TABLE_NAMES:
                tables.append(p)
            elif p.suffix.lower() in AUDIO_EXTENSIONS:
                audio.append(p)
    return audio, tables


@dataclass
class Library:
    """The usable clips of a scanned folder, their captions and the scan's report."""

    root: Path
    config: ScanConfig
    records: list[ClipRecord]
    report: ScanReport
    cache: ClipCache

    def __len__(self) -> int:
        return len(self.records)

    def load(self, i: int) -> NDArray[np.float32]:
        """Clip ``i`` as mono ``(clip_frames,)`` float32 at the model rate, looped to length."""
        return loop_to(self.cache.load(self.records[i].cache_entry), self.config.clip_frames)

    def subset(self, indices: list[int]) -> Library:
        return Library(
            self.root, self.config, [self.records[i] for i in indices], self.report, self.cache
        )


def scan_library(
    root: str | Path,
    config: ScanConfig | None = None,
    *,
    cache_dir: str | Path | None = None,
    progress: bool | None = None,
    workers: int = 2,
) -> Library:
    """Scan ``root``: decode new files (cached ones are reused), caption, report.

    Args:
        cache_dir: cache folder (default :func:`~.cache.default_cache_dir`).
        progress: show a progress bar on stderr while decoding (default: when it is a TTY).
        workers: threads decoding in parallel (libsndfile and soxr release the GIL).
    """
    t0 = time.perf_counter()
    cfg = config or ScanConfig()
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: not a folder")
    audio, table_paths = _walk(root)
    cache = ClipCache(Path(cache_dir) if cache_dir is not None else None, cfg.fingerprint())
    keys = [file_key(p, p.stat()) for p in audio]
    metas: list[JSONObject | None] = [cache.get(k) for k in keys]
    todo = [i for i, m in enumerate(metas) if m is None]
    with (
        Progress(len(todo), "decoding", progress) as bar,
        ThreadPoolExecutor(max(1, workers)) as pool,
    ):
        for i, (meta, clips) in zip(todo, pool.map(lambda i: _decode(audio[i], cfg), todo)):
            metas[i] = cache.put(keys[i], meta, clips)
            bar.update()
    cache.flush()

    tables = CaptionTables.discover(root, table_paths)
    report = ScanReport(
        root=str(root),
        files_found=len(audio),
        cached_files=len(audio) - len(todo),
        settings=asdict(cfg),
        notes=list(tables.notes),
    )
    first_of_hash: dict[str, str] = {}
    records: list[ClipRecord] = []
    mixed = 0
    for path, meta in zip(audio, metas):
        assert meta is not None
        rel = PurePosixPath(path.relative_to(root).as_posix())
        status = meta["status"]
        if status == "ok" and meta["hash"] in first_of_hash:
            report.skip(str(rel), "duplicate", f"same content as {first_of_hash[meta['hash']]}")
            continue
        if status != "ok":
            report.skip(str(rel), status, meta.get("detail", ""))
            continue
        first_of_hash[meta["hash"]] = str(rel)
        caption, source = read_sidecar(path), "sidecar"
        if caption is None:
            caption, source = tables.lookup(rel), "table"
        if caption is None:
            caption, source = caption_from_name(rel), "filename"
        mixed += meta.get("channels", 1) > 1 and cfg.channels == "mix"
        report.use(
            source, sum(c["seconds"] for c in meta["clips"]), len(meta["clips"]), str(rel), caption
        )
        records += [
            ClipRecord(str(rel), c["channel"], caption, source, c["seconds"], c)
            for c in meta["clips"]
        ]
    if mixed:
        report.notes.append(
            f"{mixed} multichannel file(s) mixed down to mono "
            "(channels='each' makes one clip per channel)"
        )
    report.scan_seconds = time.perf_counter() - t0
    return Library(root, cfg, records, report, cache)
