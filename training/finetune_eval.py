"""Did a fine-tune move the model toward the library? The content metric on held-out files.

Part of the library (``holdout``, 20 % by default) is kept out of training, chosen per
caption so every kind of sound with at least three files keeps some for the test. Before
training (with the base model) and after it (with the tuned one), the job makes
``takes`` text-only takes for each held-out caption (at most :data:`MAX_LABELS` captions, the
most common) and scores them against the held-out recordings with the aiSFX content metric
(:mod:`.content_metric.score`): the Fréchet distance in the sound-effects embedding (lower
is nearer the library) and the share of takes nearest to their own caption's recordings
(chance beside it). The takes use a fixed seed each, so before and after differ only by the
weights.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ambisketch.engine.json_types import JSONObject

from .content_metric.realset import RealClip
from .data.library import Library

if TYPE_CHECKING:
    from ambisketch.engine.models.bundle import ModelBundle
    from ambisketch.engine.models.text_encoder import TextEncoder

    from .content_metric.aisfx import AisfxEmbedder
    from .content_metric.score import RealEmbeddings

HOLDOUT = 0.2
MAX_LABELS = 8
EVAL_TAKES = 2
EVAL_STEPS = 25


def split_holdout(library: Library, share: float, seed: int = 0) -> tuple[list[int], list[int]]:
    """``(train, held)`` clip indices. Per caption with ≥ 3 clips, ``share`` of them (at least
    one) is held out; a library where no caption has 3 clips holds out ``share`` of all
    clips. Nothing is held out when fewer than 2 clips would be, or ``share`` is 0."""
    if share <= 0 or len(library) < 5:
        return list(range(len(library))), []
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(library.records):
        groups.setdefault(r.caption, []).append(i)
    rng = random.Random(seed)
    held: list[int] = []
    big = [g for g in groups.values() if len(g) >= 3]
    for g in big:
        held += rng.sample(g, max(1, round(share * len(g))))
    if not big:
        held = rng.sample(range(len(library)), max(1, round(share * len(library))))
    if len(held) < 2:
        return list(range(len(library))), []
    keep = set(held)
    return [i for i in range(len(library)) if i not in keep], sorted(held)


@dataclass
class HeldOut:
    """The held-out recordings embedded once; :meth:`score` judges a model on them."""

    clips: list[RealClip]
    real: RealEmbeddings
    embedder: AisfxEmbedder
    takes: int
    steps: int

    @classmethod
    def build(
        cls,
        library: Library,
        held: list[int],
        rate: int,
        takes: int = EVAL_TAKES,
        steps: int = EVAL_STEPS,
    ) -> HeldOut:
        from .content_metric.aisfx import AisfxEmbedder
        from .content_metric.score import embed_real

        counts: dict[str, int] = {}
        for i in held:
            counts[library.records[i].caption] = counts.get(library.records[i].caption, 0) + 1
        top = set(sorted(counts, key=lambda c: (-counts[c], c))[:MAX_LABELS])
        clips = [
            RealClip(library.root / library.records[i].rel_path, r.caption, r.caption)
            for i in held
            if (r := library.records[i]).caption in top
        ]
        embedder = AisfxEmbedder()
        return cls(clips, embed_real(embedder, clips, rate), embedder, takes, steps)

    def score(
        self,
        bundle: ModelBundle,
        text_encoder: TextEncoder | None = None,
        seed: int = 0,
        progress: Callable[[int, int], None] | None = None,
    ) -> JSONObject:
        """The content scores of ``bundle`` (a ModelBundle) as a dict (JSON-ready)."""
        from ambisketch.engine.generate import Generator

        from .content_metric.score import content_scores, generator_take_maker

        gen = Generator(bundle, device="cpu", text_encoder=text_encoder)
        d = bundle.info.defaults or {}
        make = generator_take_maker(
            gen, self.steps, float(d.get("cfg_scale", 7.0)), str(d.get("sampler", "dpmpp-3m-sde"))
        )
        scores = content_scores(make, self.real, self.embedder, self.takes, seed, progress)
        return {**scores.to_dict(), "steps": self.steps}


def summary(before: JSONObject | None, after: JSONObject | None) -> str:
    """One paragraph for the CLI and the dialog: before → after on the held-out files."""
    if not before or not after:
        return ""
    held = after["real_clips"]
    lines = [
        f"held-out test ({held} library files not trained on, {after['takes']} takes of "
        f"{after['labels']} captions at {after['steps']} steps; aiSFX embedding):",
        f"  FD aiSFX        {before['fd_aisfx_w']:8.1f} → {after['fd_aisfx_w']:8.1f}  "
        "(lower is nearer the library)",
    ]
    if after["labels"] >= 2:
        lines.append(
            f"  class accuracy  {before['class_accuracy']:8.0%} → "
            f"{after['class_accuracy']:8.0%}  (chance {after['chance']:.0%}; the held-out "
            f"files themselves {after['real_accuracy']:.0%})"
        )
    return "\n".join(lines)
