"""The DiT: shapes, presets, zero-initialised outputs, and a tiny one that overfits."""

from __future__ import annotations

import pytest
import torch

from ambisketch.engine.models.conditioners import CONDITIONER_PRESETS, state_matrix
from ambisketch.engine.models.diffusion import DiffusionModel
from ambisketch.engine.models.dit import DIT_PRESETS, DiT, DiTConfig, count_parameters
from ambisketch.engine.spatial import preset


def test_presets_and_shapes() -> None:
    cfg = DIT_PRESETS["tiny"]
    torch.manual_seed(0)
    dit = DiT(cfg)
    x = torch.randn(3, cfg.latent_channels, 17)
    cross = torch.randn(3, 9, cfg.cond_dim)
    mask = torch.ones(3, 9, dtype=torch.bool)
    mask[0, 4:] = False
    v = dit(x, torch.rand(3), cross, mask, torch.randn(3, cfg.global_dim))
    assert v.shape == x.shape and torch.isfinite(v).all()
    assert count_parameters(dit) < 100_000
    assert count_parameters(DiT(DIT_PRESETS["default"])) < 30_000_000
    with pytest.raises(ValueError, match="multiple of heads"):
        DiTConfig(width=30, heads=4)
    with pytest.raises(ValueError, match="unknown DiT config key 'size'"):
        DiTConfig.from_dict({"size": 3})
    assert DiTConfig.from_dict(DIT_PRESETS["paper"].to_dict()) == DIT_PRESETS["paper"]


def test_masked_tokens_are_ignored() -> None:
    cfg = DIT_PRESETS["tiny"]
    torch.manual_seed(0)
    dit = DiT(cfg)
    for p in dit.parameters():  # make the zero-initialised projections live
        torch.nn.init.normal_(p, std=0.1)
    x, t, g = torch.randn(1, cfg.latent_channels, 8), torch.rand(1), torch.randn(1, cfg.global_dim)
    cross = torch.randn(1, 6, cfg.cond_dim)
    mask = torch.tensor([[True, True, True, False, False, False]])
    other = cross.clone()
    other[0, 3:] = torch.randn(3, cfg.cond_dim) * 10
    assert torch.allclose(dit(x, t, cross, mask, g), dit(x, t, other, mask, g), atol=1e-6)
    assert not torch.allclose(
        dit(x, t, cross, mask, g), dit(x, t, other, torch.ones_like(mask), g), atol=1e-4
    )


def test_tiny_dit_overfits_one_latent() -> None:
    torch.manual_seed(0)
    model = DiffusionModel(DIT_PRESETS["tiny"], CONDITIONER_PRESETS["tiny"])
    x0 = torch.randn(1, 8, 16)
    text, mask = torch.randn(1, 4, 384), torch.ones(1, 4, dtype=torch.bool)
    states = torch.from_numpy(state_matrix(preset("orbit", 2.0), 16, 8.0, 12, 5))[None]
    nums = {"seconds_start": torch.zeros(1), "seconds_total": torch.full((1,), 2.0)}
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(0)
    t_eval = torch.linspace(0.05, 0.95, 8)
    noise_eval = torch.randn(8, 8, 16, generator=torch.Generator().manual_seed(1))

    def eval_loss() -> float:
        with torch.no_grad():
            cond = model.condition(text, mask, nums, states).repeat(8)
            from ambisketch.engine.models.sampling import add_noise, v_target

            xb = x0.expand(8, -1, -1)
            v = model(add_noise(xb, noise_eval, t_eval), t_eval, cond)
            return float((v - v_target(xb, noise_eval, t_eval)).pow(2).mean())

    before = eval_loss()
    for _ in range(400):
        cond = model.condition(text, mask, nums, states).repeat(16)
        loss = model.loss(x0.expand(16, -1, -1), cond, gen)
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = eval_loss()
    assert after < before / 10, (before, after)
