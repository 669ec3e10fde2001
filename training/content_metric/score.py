"""The content metric: does a take sound like what its prompt names?

Judged by an independent sound-effects embedding (:mod:`.aisfx`, trained on professional
libraries) against labelled real recordings the generator never saw (:mod:`.realset`):

- **FD aiSFX (W)**: Fréchet distance between Gaussians fitted to the 512-d aiSFX block
  embeddings (one per ≈2.3 s; blocks more than 30 dB below a clip's loudest are left out, so
  a short sound is judged on the sound, not its tail of silence) of the takes' W channel and
  of the real recordings. The
  recordings first go through the generator's sample rate (down and up again), so a
  band-limited model is compared on content, not on its missing octaves.
- **class accuracy**: for each label, takes for its prompt (a fixed seed each); a take is
  right when its clip embedding (mean of its blocks, unit length) is nearest to the centroid
  of that label's recordings among all labels' centroids. Chance is 1 / labels. The same rule
  applied to the recordings themselves (leave one out) is the ceiling the embedding allows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ambisketch.engine.json_types import JSONObject

from .aisfx import AisfxEmbedder
from .realset import RealClip

MakeTake = Callable[[str, int], NDArray[np.floating]]  # (prompt, seed) → FOA (4, samples)
Progress = Callable[[int, int], None]
ACTIVE_DB = 30.0  # blocks quieter than the loudest by more than this are not judged
METRICS = {
    "fd_aisfx_w": "FD aiSFX (W): Fréchet distance of aiSFX sound-effects embeddings (512-d, "
    "one per 2.3 s) of W, takes vs held-out real recordings at the model's rate",
    "class_accuracy": "class accuracy: share of takes whose aiSFX embedding is nearest to "
    "the real recordings of the class their prompt names",
}


@dataclass
class ContentScores:
    fd_aisfx_w: float
    class_accuracy: float
    chance: float
    takes: int
    labels: int
    real_clips: int
    real_accuracy: float  # leave-one-out accuracy of the real recordings: the ceiling
    per_label: dict[str, float] = field(default_factory=dict)
    # per prompt's class: how many of its takes came nearest to each class (the confusions)
    heard_as: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> JSONObject:
        return asdict(self)

    def line(self) -> str:
        return (
            f"FD aiSFX {self.fd_aisfx_w:.1f}, class accuracy {self.class_accuracy:.0%} "
            f"(chance {self.chance:.0%}, real recordings {self.real_accuracy:.0%}; "
            f"{self.takes} takes, {self.labels} classes)"
        )


@dataclass
class RealEmbeddings:
    """The real recordings' embeddings at one sample rate (reusable across models)."""

    rate: int
    labels: list[str]
    prompts: dict[str, str]
    blocks: NDArray[np.float64]
    clips: NDArray[np.float64]  # unit-length clip embeddings, one per recording


def _unit(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def _at_rate(clip: RealClip, rate: int) -> NDArray[np.floating]:
    """A recording's samples resampled to ``rate``."""
    from ambisketch.engine.audio_io import read_mono, resample

    audio, _ = read_mono(clip.file)
    return resample(audio.samples, audio.rate, rate)


def embed_real(embedder: AisfxEmbedder, clips: Sequence[RealClip], rate: int) -> RealEmbeddings:
    """Embed ``clips`` after a round trip through ``rate`` (the generator's)."""
    from ambisketch.engine.audio_io import resample

    blocks, means = [], []
    for c in clips:
        x = resample(_at_rate(c, rate), rate, 44100)
        b = embedder.blocks(x, 44100, active_db=ACTIVE_DB)
        blocks.append(b)
        means.append(b.mean(0))
    prompts: dict[str, str] = {}
    for c in clips:
        prompts.setdefault(c.label, c.prompt)
    return RealEmbeddings(
        rate, [c.label for c in clips], prompts, np.concatenate(blocks), _unit(np.array(means))
    )


def _centroids(
    real: RealEmbeddings, skip: int | None = None
) -> tuple[list[str], NDArray[np.float64]]:
    names = sorted(real.prompts)
    rows = []
    for name in names:
        idx = [i for i, lab in enumerate(real.labels) if lab == name and i != skip]
        rows.append(real.clips[idx].mean(0) if idx else np.full(real.clips.shape[1], np.nan))
    return names, _unit(np.nan_to_num(np.array(rows), nan=0.0))


def nearest_label(real: RealEmbeddings, clip: NDArray[np.float64], skip: int | None = None) -> str:
    names, cents = _centroids(real, skip)
    return names[int(np.argmax(cents @ _unit(clip)))]


def real_ceiling(real: RealEmbeddings) -> float:
    """Leave-one-out nearest-centroid accuracy of the recordings themselves."""
    hits = [nearest_label(real, real.clips[i], skip=i) == lab for i, lab in enumerate(real.labels)]
    return float(np.mean(hits))


def codec_ceiling(
    embedder: AisfxEmbedder,
    clips: Sequence[RealClip],
    real: RealEmbeddings,
    roundtrip: Callable[[NDArray[np.float32]], NDArray[np.floating]],
) -> JSONObject:
    """The content metric of the real recordings themselves after ``roundtrip`` (mono at
    ``real.rate`` → mono: the generator's codec, W alone): FD to the originals and their
    leave-one-out class accuracy — the most a generator decoding through that codec can
    score, beside the originals' own ``real_accuracy``."""
    from ..fad import frechet_distance

    blocks, hits = [], []
    for i, c in enumerate(clips):
        x = np.ravel(_at_rate(c, real.rate)).astype(np.float32)
        b = embedder.blocks(np.asarray(roundtrip(x)), real.rate, active_db=ACTIVE_DB)
        blocks.append(b)
        hits.append(nearest_label(real, b.mean(0), skip=i) == c.label)
    return {
        "fd_aisfx_w": frechet_distance(np.concatenate(blocks), real.blocks),
        "class_accuracy": float(np.mean(hits)),
    }


def content_scores(
    make_take: MakeTake,
    real: RealEmbeddings,
    embedder: AisfxEmbedder,
    takes_per_label: int = 3,
    seed: int = 0,
    progress: Progress | None = None,
) -> ContentScores:
    """Generate ``takes_per_label`` takes for every label's prompt and score them."""
    from .aisfx import DIM

    names = sorted(real.prompts)
    blocks, hits, per = [], [], {}
    heard: dict[str, dict[str, int]] = {}
    total, done = len(names) * takes_per_label, 0
    for k, name in enumerate(names):
        for j in range(takes_per_label):
            foa = np.asarray(make_take(real.prompts[name], seed + 1000 * k + j), np.float32)
            b = embedder.blocks(foa[:1], real.rate, active_db=ACTIVE_DB)
            blocks.append(b)
            nearest = nearest_label(real, b.mean(0))
            counts = heard.setdefault(name, {})
            counts[nearest] = counts.get(nearest, 0) + 1
            hits.append(nearest == name)
            done += 1
            if progress is not None:
                progress(done, total)
        per[name] = heard.get(name, {}).get(name, 0) / takes_per_label
    from ..fad import frechet_distance

    takes = np.concatenate(blocks) if blocks else np.zeros((0, DIM))
    fd = frechet_distance(takes, real.blocks) if len(takes) >= 2 else float("nan")
    return ContentScores(
        fd,
        float(np.mean(hits)) if hits else float("nan"),
        1.0 / len(names),
        len(hits),
        len(names),
        len(real.labels),
        real_ceiling(real),
        per,
        heard,
    )


def generator_take_maker(
    generator: Any, steps: int, cfg_scale: float, sampler: str, seconds: float | None = None
) -> MakeTake:
    """Takes from an :class:`~ambisketch.engine.generate.Generator` for a text-only prompt
    (descriptive mode: no path) at the model's clip length."""
    from ambisketch.engine.generate import GenerationRequest

    length = float(seconds or generator.bundle.info.clip_seconds)

    def make(prompt: str, seed: int) -> NDArray[np.floating]:
        request = GenerationRequest(prompt, None, length, seed, steps, cfg_scale, sampler)
        return generator.generate(request)[0].foa

    return make
