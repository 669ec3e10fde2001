"""Samplers against an analytic denoiser, seeds, guidance, callbacks and cancellation."""

from __future__ import annotations

import math

import pytest
import torch

from ambisketch.engine.errors import Cancelled
from ambisketch.engine.models.sampling import (
    SAMPLERS,
    add_noise,
    alpha_sigma,
    get_sampler,
    guided,
    initial_noise,
    log_linear_sigmas,
    t_from_sigma,
    v_denoiser,
    v_target,
)

MU, STD = 1.5, 0.5


def gaussian_v_model(x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The exact v prediction for data x₀ ~ N(MU, STD²) (per element)."""
    a, s = (v.view(-1, *([1] * (x_t.dim() - 1))).double() for v in alpha_sigma(t))
    x = x_t.double()
    var = a**2 * STD**2 + s**2
    x0 = MU + a * STD**2 / var * (x - a * MU)  # E[x₀ | x_t]
    eps = (x - a * x0) / s.clamp_min(1e-12)
    return (a * eps - s * x0).to(x_t.dtype)


def test_schedule_and_objective() -> None:
    s = log_linear_sigmas(10)
    assert len(s) == 11 and s[-1] == 0 and math.isclose(float(s[0]), 500.0)
    assert math.isclose(float(s[-2]), 0.3, rel_tol=1e-9) and torch.all(s[:-1] > s[1:])
    ratios = s[1:-1] / s[:-2]
    assert torch.allclose(ratios, ratios[0].expand_as(ratios))
    x0, eps, t = torch.randn(4, 3), torch.randn(4, 3), torch.rand(4)
    xt, v = add_noise(x0, eps, t), v_target(x0, eps, t)
    a, sg = (u[:, None] for u in alpha_sigma(t))
    assert torch.allclose(a * xt - sg * v, x0, atol=1e-5)  # x₀ from v
    assert torch.allclose(t_from_sigma(torch.tan(t * math.pi / 2)), t, atol=1e-5)
    with pytest.raises(ValueError, match="steps"):
        log_linear_sigmas(0)
    with pytest.raises(ValueError, match="unknown sampler 'ddim'"):
        get_sampler("ddim")


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_recovers_a_known_gaussian(name: str) -> None:
    steps = 200 if name == "euler" else 40  # first order needs more steps
    sigmas = log_linear_sigmas(steps, sigma_max=80.0, sigma_min=0.05)
    gen = torch.Generator().manual_seed(0)
    x = initial_noise((1, 20000), float(sigmas[0]), gen, dtype=torch.float64)
    out = get_sampler(name)(v_denoiser(gaussian_v_model), x, sigmas, generator=gen)
    assert abs(float(out.mean()) - MU) < 0.02
    assert abs(float(out.std()) - STD) < 0.03 * STD


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_same_seed_same_output_and_hooks(name: str) -> None:
    sigmas = log_linear_sigmas(6)

    def run(seed: int) -> torch.Tensor:
        gen = torch.Generator().manual_seed(seed)
        x = initial_noise((2, 4, 8), float(sigmas[0]), gen)
        return get_sampler(name)(v_denoiser(gaussian_v_model), x, sigmas, generator=gen)

    assert torch.equal(run(3), run(3))
    assert not torch.equal(run(3), run(4))
    seen: list[tuple[int, int]] = []
    gen = torch.Generator().manual_seed(0)
    x = initial_noise((1, 4), float(sigmas[0]), gen)
    get_sampler(name)(
        v_denoiser(gaussian_v_model),
        x,
        sigmas,
        generator=gen,
        callback=lambda i, n, xi, d: seen.append((i, n)),
    )
    assert seen == [(i, 6) for i in range(1, 7)]
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        get_sampler(name)(v_denoiser(gaussian_v_model), x, sigmas, generator=gen, cancel=cancel)
    assert len(calls) == 3


def test_guidance_scale_one_is_the_conditional_pass() -> None:
    torch.manual_seed(0)
    net = torch.nn.Linear(5, 5)
    cond_vec, uncond_vec = torch.randn(5), torch.zeros(5)
    batches: list[int] = []

    def cond_model(x: torch.Tensor, t: torch.Tensor, with_uncond: bool) -> torch.Tensor:
        batches.append(x.shape[0])
        c = cond_vec.expand_as(x)
        if with_uncond:
            b = x.shape[0] // 2
            c = torch.cat([cond_vec.expand_as(x[:b]), uncond_vec.expand_as(x[b:])])
        return net(x + c) * t[:, None]

    x, t = torch.randn(3, 5), torch.rand(3)
    conditional = net(x + cond_vec) * t[:, None]
    assert torch.equal(guided(cond_model, 1.0)(x, t), conditional)
    assert batches == [3]
    g = guided(cond_model, 7.0)(x, t)
    assert batches == [3, 6]  # one batched pass for cond and uncond
    uncond = net(x + uncond_vec) * t[:, None]
    assert torch.allclose(g, uncond + 7.0 * (conditional - uncond), atol=1e-5)
    # the batched formula at scale 1 equals the conditional pass too
    v = cond_model(torch.cat([x, x]), torch.cat([t, t]), True)
    vc, vu = v.chunk(2)
    assert torch.allclose(vu + 1.0 * (vc - vu), conditional, atol=1e-6)
