"""A generator grows onto a codec with W's envelope channels added (``--init-from``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from ambisketch.engine.models.factored_codec import FACTORED_PRESETS, FactoredCodec
from ambisketch.engine.models.text_encoder import MINILM_ID, TextEncoder
from ambisketch.training.codec.data import SyntheticFoaSource
from ambisketch.training.dit.config import DIT_TRAIN_PRESETS
from ambisketch.training.dit.expand import can_expand, expand_into
from ambisketch.training.dit.trainer import DitTrainer

TINY = replace(DIT_TRAIN_PRESETS["tiny"], batch_size=2, checkpoint_every=50, log_every=50)
GROWN = replace(TINY, dit=replace(TINY.dit, latent_channels=16))


@pytest.fixture(scope="module")
def text_encoder() -> TextEncoder:
    return TextEncoder(MINILM_ID, cache_size=64)


def _codecs() -> tuple[FactoredCodec, FactoredCodec]:
    torch.manual_seed(1)
    plain = FactoredCodec(FACTORED_PRESETS["factored-tiny"]).eval()
    grown = FactoredCodec(replace(plain.config, envelope_bands=8)).eval()
    grown.load_state_dict(plain.state_dict())
    return plain, grown


def _trainer(run: Path, cfg, codec, text_encoder, logs=None, init=None) -> DitTrainer:
    return DitTrainer(
        cfg,
        run,
        SyntheticFoaSource(4, 0.3, seed=1),
        codec,
        accelerator="cpu",
        log=(logs.append if logs is not None else lambda m: None),
        text_encoder=text_encoder,
        init_model=init,
    )


def test_the_grown_model_makes_the_old_channels_as_before(tmp_path: Path, text_encoder) -> None:
    plain, grown = _codecs()
    assert grown.config.latent_channels == GROWN.dit.latent_channels
    first = _trainer(tmp_path / "a", TINY, plain, text_encoder)
    first.fit(2, progress=False)
    base = first.ema_model()
    assert can_expand(base, GROWN) and not can_expand(base, TINY)
    assert not can_expand(base, replace(GROWN, dit=replace(GROWN.dit, depth=3)))
    logs: list[str] = []
    run = _trainer(tmp_path / "b", GROWN, grown, text_encoder, logs, init=base)
    assert any("grown by 8 latent channels" in m for m in logs)
    new = run.diffusion
    assert torch.equal(new.latent_mean[:8], base.latent_mean)
    assert torch.equal(new.latent_std[:8], base.latent_std)
    assert not torch.allclose(new.latent_std[8:], torch.ones(8))  # measured on the data
    torch.manual_seed(0)
    x = torch.randn(2, 16, 10)
    t = torch.rand(2)
    cross = torch.randn(2, 3, TINY.dit.cond_dim)
    mask = torch.ones(2, 3, dtype=torch.bool)
    g = torch.randn(2, TINY.dit.global_dim)
    with torch.no_grad():
        old = base.dit(x[:, :8], t, cross, mask, g)
        out = new.dit(x, t, cross, mask, g)
        other = new.dit(torch.cat([x[:, :8], 5 * torch.randn(2, 8, 10)], 1), t, cross, mask, g)
    assert torch.allclose(out[:, :8], old, atol=1e-5)
    assert torch.allclose(other[:, :8], old, atol=1e-5)  # the new inputs are not read yet
    assert float(out[:, 8:].abs().max()) == 0.0
    last = run.fit(2, progress=False)
    assert last and torch.isfinite(torch.tensor(last["loss"]))
    assert (
        float(run.diffusion.dit.proj_in.weight[:, 8:].detach().abs().max()) > 0
    )  # and now they are


def test_growing_refuses_shrinking() -> None:
    from ambisketch.engine.models.diffusion import DiffusionModel

    big = DiffusionModel(GROWN.dit, GROWN.conditioner)
    small = DiffusionModel(TINY.dit, TINY.conditioner)
    with pytest.raises(ValueError, match="cannot grow"):
        expand_into(small, big, torch.zeros(8), torch.ones(8))
