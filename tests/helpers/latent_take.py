"""A stored take with its codec latents, from a tiny factored model (random weights): what
re-pathing from latents needs, made in a few seconds on a CPU."""

from __future__ import annotations

from pathlib import Path

from ambisketch.engine.generate import GenerationRequest, Generator
from ambisketch.engine.models.text_encoder import MINILM_ID, TextEncoder
from ambisketch.engine.spatial import Keyframe, Trajectory
from ambisketch.engine.takes.records import TakeRecord
from ambisketch.engine.takes.store import TakeStore

from .tiny_model import tiny_bundle

CLIP = 1.0
SWEEP = Trajectory(CLIP, (Keyframe(0.0, 80.0), Keyframe(CLIP, -80.0, 20.0, direction="cw")))


def latent_take(store: TakeStore, prompt: str = "a bee buzzing") -> TakeRecord:
    """A 1 s take made along :data:`SWEEP`, stored (with latents) in ``store``."""
    gen = Generator(
        tiny_bundle("factored", CLIP), device="cpu", text_encoder=TextEncoder(MINILM_ID)
    )
    request = GenerationRequest(
        prompt=prompt, path=SWEEP, seconds=CLIP, seed=3, steps=4, loudness_lufs=None
    )
    record = store.add(gen.generate(request)[0])
    assert record.has_latents
    return record


def latent_take_file(folder: Path) -> Path:
    return latent_take(TakeStore(folder)).path
