"""Training the high-band model (:mod:`ambisketch.engine.models.highband`) on full-band
recordings: each is band-limited the way a take is (48 kHz → 16 kHz → 48 kHz, soxr), the
network sees the band-limited spectrum and learns the original's high-band levels.

Sources are audio files at 44.1 kHz or more whose highs are real (a file that was upsampled
from a lower rate has nothing above 10 kHz and is left out). The evaluation-only packages
(wesnoth, megaglest) are refused by path, as everywhere in training.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from numpy.typing import NDArray

from ambisketch.engine.audio_io import resample
from ambisketch.engine.models import highband as hb

from .recipes.starter.recorded import RESERVED

RATE = 48000
MODEL_RATE = 16000
MAX_SECONDS = 30.0
MIN_SECONDS = 0.3
LOUD_WITHIN_DB = 50.0  # frames this far under a clip's loudest reference level are not scored
MIN_HIGHS_DB = -45.0  # a file whose 10–16 kHz sits this far under its 3.8–7.6 kHz is band-limited
SUFFIXES = (".wav", ".ogg", ".flac", ".oga")


@dataclass
class Clip:
    name: str
    feats: NDArray[np.float32]  # (frames, LOW_BANDS + 1)
    targets: NDArray[np.float32]  # (frames, HIGH_BANDS)
    mask: NDArray[np.bool_]  # (frames,) loud enough to score


def full_band_files(roots: Iterable[Path], min_rate: int = 44100) -> list[Path]:
    """Audio files under ``roots`` at ``min_rate`` or more, never from a reserved package."""
    out = []
    for root in roots:
        for p in sorted(Path(root).rglob("*")):
            if p.suffix.lower() not in SUFFIXES or any(r in str(p).lower() for r in RESERVED):
                continue
            try:
                if sf.info(str(p)).samplerate >= min_rate:
                    out.append(p)
            except (RuntimeError, sf.LibsndfileError):
                continue
    return out


def band_limited(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """``x`` (mono, 48 kHz) as a 16 kHz take would come back at 48 kHz."""
    low = resample(x[None], RATE, MODEL_RATE)
    back = resample(low, MODEL_RATE, RATE)[0, : len(x)]
    return np.pad(back, (0, len(x) - len(back)))


def _mono_48k(path: Path, seconds: float) -> NDArray[np.float32] | None:
    """The first ``seconds`` of ``path`` mixed to mono at 48 kHz; None if unreadable."""
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True, frames=-1)
    except (RuntimeError, sf.LibsndfileError):
        return None
    return resample(data[: int(seconds * rate)].mean(axis=1)[None], rate, RATE)[0]


def prepare(path: Path) -> Clip | None:
    """A file's training frames, or None when it is too short, silent or band-limited."""
    x = _mono_48k(path, MAX_SECONDS)
    if x is None or len(x) < MIN_SECONDS * RATE or not np.any(x):
        return None
    low = band_limited(x)
    feats, ref = hb.features(np.abs(hb.stft(low)) ** 2, RATE)
    tgt = hb.targets(np.abs(hb.stft(x)) ** 2, RATE, ref)
    n = min(len(feats), len(tgt))
    feats, tgt, ref = feats[:n], tgt[:n], ref[:n]
    mask = (ref > ref.max() - LOUD_WITHIN_DB) & (ref > hb.FLOOR_DB + 30)
    if mask.sum() < 8:
        return None
    edges = hb.high_edges()
    upper = (edges[:-1] >= 10000) & (edges[1:] <= 16500)
    if np.median(tgt[mask][:, upper].mean(axis=1)) < MIN_HIGHS_DB:
        return None
    return Clip(str(path), feats, tgt, mask)


def held_out(name: str, share: float = 0.1) -> bool:
    """A stable split by file name."""
    h = int(hashlib.sha1(name.encode()).hexdigest()[:8], 16)
    return h / 0xFFFFFFFF < share


def _batch(
    clips: Sequence[Clip], rng: np.random.Generator, size: int, frames: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    xs, ys, ms = [], [], []
    for _ in range(size):
        c = clips[int(rng.integers(len(clips)))]
        n = len(c.feats)
        if n <= frames:
            pad = frames - n
            xs.append(np.pad(c.feats, ((0, pad), (0, 0))))
            ys.append(np.pad(c.targets, ((0, pad), (0, 0))))
            ms.append(np.pad(c.mask, (0, pad)))
        else:
            s = int(rng.integers(n - frames))
            xs.append(c.feats[s : s + frames])
            ys.append(c.targets[s : s + frames])
            ms.append(c.mask[s : s + frames])
    return (
        torch.from_numpy(np.stack(xs)),
        torch.from_numpy(np.stack(ys)),
        torch.from_numpy(np.stack(ms)),
    )


def error_db(model: hb.LevelPredictor, clips: Sequence[Clip]) -> float:
    """Mean absolute error (dB) of ``model``'s high-band levels over the loud frames of
    ``clips`` (a fixed tilt: :class:`~ambisketch.engine.models.highband.FixedLevels`)."""
    total, count = 0.0, 0
    for c in clips:
        err = np.abs(model.predict(c.feats) - c.targets)[c.mask]
        total += float(err.sum())
        count += err.size
    return total / max(count, 1)


def median_levels(clips: Sequence[Clip]) -> NDArray[np.float32]:
    """Each band's median level over the loud frames: the fixed tilt a rule would use."""
    return np.median(np.concatenate([c.targets[c.mask] for c in clips]), axis=0).astype(np.float32)


def train(
    clips: Sequence[Clip],
    steps: int = 3000,
    batch: int = 32,
    frames: int = 128,
    lr: float = 2e-3,
    seed: int = 0,
    config: hb.HighBandConfig | None = None,
    log: Callable[[int, float], None] | None = None,
) -> hb.HighBandModel:
    """Fit the model (masked L1 in dB), cosine learning rate."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = hb.HighBandModel(config)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr * 0.5 * (1 + math.cos(math.pi * step / steps))
        x, y, m = _batch(clips, rng, batch, frames)
        err = (model(x) - y).abs().mean(dim=2)
        loss = (err * m).sum() / m.sum().clamp(min=1)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if log is not None and (step % 250 == 0 or step == steps - 1):
            log(step, float(loss.detach()))
    return model.eval()


def prepare_all(files: Sequence[Path]) -> list[Clip]:
    return [c for c in map(prepare, files) if c is not None]


def evaluate(
    model: hb.LevelPredictor,
    clips: Sequence[Clip],
    baseline: NDArray[np.float32],
    seconds: float = 10.0,
) -> dict[str, float]:
    """Full-band distances on held-out ``clips``: the original against the band-limited
    version, the fixed tilt ``baseline`` and ``model`` — auraloss's MelSTFTLoss at 48 kHz
    (128 mel bands to 24 kHz, on each file's first ``seconds``) and the high bands' level
    error on the loud frames."""
    from auraloss.freq import MelSTFTLoss

    mel = MelSTFTLoss(RATE)
    fixed = hb.FixedLevels(baseline)
    sums = {"mel_band_limited": 0.0, "mel_fixed_tilt": 0.0, "mel_model": 0.0}
    n = 0
    for c in clips:
        x = _mono_48k(Path(c.name), seconds)
        if x is None:
            continue
        low = band_limited(x)
        ref = torch.from_numpy(x)[None, None]
        for key, y in (
            ("mel_band_limited", low),
            ("mel_fixed_tilt", hb.extend_highs(low[None], RATE, fixed)[0]),
            ("mel_model", hb.extend_highs(low[None], RATE, model)[0]),
        ):
            sums[key] += float(mel(torch.from_numpy(np.ascontiguousarray(y))[None, None], ref))
        n += 1
    out = {k: v / max(n, 1) for k, v in sums.items()}
    out["level_error_db_fixed_tilt"] = error_db(fixed, clips)
    out["level_error_db_model"] = error_db(model, clips)
    out["files"] = float(n)
    return out


def train_highs(
    folders: Sequence[Path],
    out: Path,
    steps: int = 6000,
    config: hb.HighBandConfig | None = None,
    eval_files: int = 80,
    overwrite: bool = False,
    log: Callable[[str], None] | None = None,
) -> dict[str, object]:
    """Train a high-band model on the full-band files under ``folders`` (a tenth of them,
    chosen by name, held out), measure it on those, and write it to ``out``; the report."""
    from ambisketch.engine.errors import EngineError

    say = log or (lambda _msg: None)
    if out.exists() and not overwrite:
        raise EngineError(f"{out}: already exists (use --force to replace it)")
    for f in folders:
        if not Path(f).is_dir():
            raise EngineError(f"{f}: not a folder")
    files = full_band_files(folders)
    say(f"{len(files)} files at 44.1 kHz or more")
    t0 = time.time()
    clips = prepare_all(files)
    train_set = [c for c in clips if not held_out(c.name)]
    test_set = [c for c in clips if held_out(c.name)]
    if len(train_set) < 4 or not test_set:
        raise EngineError(
            f"{', '.join(map(str, folders))}: {len(clips)} usable full-band file(s) "
            "(44.1 kHz or more with real content above 10 kHz); a high-band model needs "
            "dozens, some of them held out"
        )
    say(f"{len(train_set)} files to learn from, {len(test_set)} held out")
    model = train(
        train_set, steps=steps, config=config, log=lambda k, v: say(f"step {k}: {v:.2f} dB")
    )
    baseline = median_levels(train_set)
    scores = evaluate(model, test_set[:eval_files], baseline)
    report: dict[str, object] = {
        "files": len(files),
        "usable": len(clips),
        "train_files": len(train_set),
        "held_out_files": len(test_set),
        "train_frames": int(sum(len(c.feats) for c in train_set)),
        "steps": steps,
        "seconds": round(time.time() - t0, 1),
        "held_out": {k: round(v, 4) for k, v in scores.items()},
        "fixed_tilt_db": [round(float(v), 2) for v in baseline],
        "sources": sorted({_package(Path(c.name), folders) for c in clips}),
    }
    hb.save_highs(out, model, {"report": report})
    return report


def _package(path: Path, folders: Sequence[Path]) -> str:
    """The first folder under one of ``folders`` that holds ``path`` (a package's name in
    a cache of extracted packages)."""
    for f in folders:
        try:
            return path.relative_to(f).parts[0]
        except ValueError:
            continue
    return path.parent.name
