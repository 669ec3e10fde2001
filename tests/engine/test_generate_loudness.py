"""Generated takes come out at the loudness target (-23 LUFS on W by default), record their
loudness in the sidecar, and keep the model's level when asked (loudness_lufs=None)."""

from __future__ import annotations

import pytest
import torch
from helpers.tiny_model import tiny_bundle

from ambisketch.engine.generate import GenerationError, GenerationRequest, Generator
from ambisketch.engine.loudness import measure
from ambisketch.engine.models.text_encoder import MINILM_ID, TextEncoder
from ambisketch.engine.spatial import preset


@pytest.fixture(scope="module")
def generator() -> Generator:
    return Generator(tiny_bundle("foa", 1.0), device="cpu", text_encoder=TextEncoder(MINILM_ID))


def _req(**kw) -> GenerationRequest:
    base = dict(
        prompt="a bee buzzing",
        path=preset("orbit", 1.0),
        seconds=1.0,
        seed=3,
        steps=3,
        cfg_scale=3.0,
        sampler="dpmpp-3m-sde",
        variations=2,
    )
    base.update(kw)
    return GenerationRequest(**base)


def test_takes_are_normalised_to_minus_23_by_default(generator: Generator) -> None:
    request = _req()
    assert request.loudness_lufs == -23.0
    raw = generator.generate(_req(loudness_lufs=None))
    levelled = generator.generate(request)
    for r, t in zip(raw, levelled):
        lufs = measure(t.foa, t.rate, ambix=True)
        ceiling_won = lufs.true_peak_dbtp > -1.05
        assert lufs.integrated_lufs == pytest.approx(-23.0, abs=0.05) or ceiling_won
        assert t.loudness_lufs == pytest.approx(lufs.integrated_lufs, abs=0.02)
        assert t.sidecar()["loudness_lufs"] == t.loudness_lufs
        assert t.sidecar()["request"]["loudness_lufs"] == -23.0
        gain = t.foa[0] / r.foa[0]  # one gain, the same take
        assert torch.allclose(torch.from_numpy(gain), torch.from_numpy(gain[:1]), rtol=1e-3)
        assert r.loudness_lufs == pytest.approx(
            measure(r.foa, r.rate, ambix=True).integrated_lufs, abs=0.02
        )
    assert GenerationRequest.from_dict(levelled[0].sidecar()["request"]).loudness_lufs == -23.0
    old = {k: v for k, v in levelled[0].sidecar()["request"].items() if k != "loudness_lufs"}
    assert GenerationRequest.from_dict(old).loudness_lufs is None  # old takes: as they were


def test_a_target_outside_the_range_is_refused() -> None:
    with pytest.raises(GenerationError, match="outside -70…0 LUFS"):
        _req(loudness_lufs=-80.0).check()
