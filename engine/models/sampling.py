"""v-objective diffusion: the noise schedule, samplers and classifier-free guidance.

The model is trained in "VP" time t ∈ [0, 1]: α = cos(πt/2), σ = sin(πt/2),
x_t = α·x₀ + σ·ε, target v = α·ε − σ·x₀ (Stable Audio; model-facts.md). Samplers work on
the equivalent "VE" variable x = x_t / α = x₀ + s·ε with s = σ/α = tan(πt/2), where the
denoiser is x₀ = α·x_t − σ·v. Every sampler is a pure function with one signature::

    sampler(denoise, x, sigmas, *, generator=None, callback=None, cancel=None) -> x₀

``denoise(x, s)`` maps VE latents and a (B,) noise level to the predicted x₀; ``sigmas`` is
the decreasing schedule ending in 0 (:func:`log_linear_sigmas`); ``callback(step, total, x,
denoised)`` is called after every step and ``cancel()`` before it (True raises
:class:`~ambisketch.engine.errors.Cancelled`). Noise comes only from ``generator``, so a
seed reproduces a take exactly on the same device.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..errors import Cancelled

Denoiser = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Callback = Callable[[int, int, torch.Tensor, torch.Tensor], None]
CancelCheck = Callable[[], bool]


# --- the v-objective ---------------------------------------------------------------------
def alpha_sigma(t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """α = cos(πt/2), σ = sin(πt/2)."""
    return torch.cos(t * math.pi / 2), torch.sin(t * math.pi / 2)


def add_noise(x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """x_t = α·x₀ + σ·ε for ``t`` (B,) and x₀, ε (B, ...)."""
    a, s = (v.view(-1, *([1] * (x0.dim() - 1))) for v in alpha_sigma(t))
    return a * x0 + s * noise


def v_target(x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """v = α·ε − σ·x₀, what the DiT learns to predict."""
    a, s = (v.view(-1, *([1] * (x0.dim() - 1))) for v in alpha_sigma(t))
    return a * noise - s * x0


def t_from_sigma(sigma: torch.Tensor) -> torch.Tensor:
    """VP time of a VE noise level: t = (2/π)·atan(s)."""
    return torch.atan(sigma) * (2 / math.pi)


def v_denoiser(model: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> Denoiser:
    """Wrap a v-prediction ``model(x_t, t)`` as a VE denoiser ``(x, s) → x₀``."""

    def denoise(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        shape = (-1, *([1] * (x.dim() - 1)))
        alpha = (1.0 / torch.sqrt(1.0 + sigma.double() ** 2)).to(x.dtype).view(shape)
        s_vp = (sigma.double() / torch.sqrt(1.0 + sigma.double() ** 2)).to(x.dtype).view(shape)
        x_t = x * alpha
        v = model(x_t, t_from_sigma(sigma.double()).to(x.dtype))
        return alpha * x_t - s_vp * v

    return denoise


def log_linear_sigmas(
    steps: int, sigma_max: float = 500.0, sigma_min: float = 0.3, device: str | torch.device = "cpu"
) -> torch.Tensor:
    """``steps`` noise levels evenly spaced in log σ from ``sigma_max`` to ``sigma_min``, then 0
    (Stable Audio's schedule: 500 → 0.3)."""
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    if not 0 < sigma_min < sigma_max:
        raise ValueError(f"need 0 < sigma_min < sigma_max, got {sigma_min:g} and {sigma_max:g}")
    s = torch.exp(
        torch.linspace(math.log(sigma_max), math.log(sigma_min), steps, dtype=torch.float64)
    )
    return torch.cat([s, s.new_zeros(1)]).to(device)


# --- classifier-free guidance ----------------------------------------------------------------
def guided(
    cond_model: Callable[[torch.Tensor, torch.Tensor, bool], torch.Tensor], scale: float
) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """Classifier-free guidance in one batched forward pass.

    ``cond_model(x, t, with_uncond)`` returns v for ``x`` (B, ...) — and, when
    ``with_uncond``, for the batch twice over (cond first, then uncond; 2B items). The result
    is v_u + scale·(v_c − v_u); at scale 1 the unconditional half is not computed.
    """

    def model(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if scale == 1.0:
            return cond_model(x, t, False)
        v = cond_model(torch.cat([x, x]), torch.cat([t, t]), True)
        v_c, v_u = v.chunk(2)
        return v_u + scale * (v_c - v_u)

    return model


# --- samplers ------------------------------------------------------------------------------
def _step_hooks(
    i: int, total: int, x: torch.Tensor, denoised: torch.Tensor, callback: Callback | None
) -> None:
    if callback is not None:
        callback(i + 1, total, x, denoised)


def _check(cancel: CancelCheck | None) -> None:
    if cancel is not None and cancel():
        raise Cancelled("generation cancelled")


def _noise_like(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """N(0, 1) like ``x``, drawn on the generator's device (a CPU generator serves MPS)."""
    device = generator.device if generator is not None else x.device
    return torch.randn(x.shape, generator=generator, device=device, dtype=x.dtype).to(x.device)


def _level(sigma: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return sigma.to(x.dtype).expand(x.shape[0])


@torch.no_grad()
def sample_euler(
    denoise: Denoiser,
    x: torch.Tensor,
    sigmas: torch.Tensor,
    *,
    generator: torch.Generator | None = None,
    callback: Callback | None = None,
    cancel: CancelCheck | None = None,
) -> torch.Tensor:
    """Euler steps of the probability-flow ODE dx/ds = (x − x₀)/s."""
    total = len(sigmas) - 1
    for i in range(total):
        _check(cancel)
        s, s_next = sigmas[i], sigmas[i + 1]
        d = denoise(x, _level(s, x))
        x = x + (x - d) / s.to(x.dtype) * (s_next - s).to(x.dtype)
        _step_hooks(i, total, x, d, callback)
    return x


@torch.no_grad()
def sample_dpmpp_2m(
    denoise: Denoiser,
    x: torch.Tensor,
    sigmas: torch.Tensor,
    *,
    generator: torch.Generator | None = None,
    callback: Callback | None = None,
    cancel: CancelCheck | None = None,
) -> torch.Tensor:
    """DPM-Solver++(2M) (Lu et al. 2022, arXiv 2211.01095, Alg. 2): a second-order multistep
    solver in λ = −log s on the data prediction; first order on the first and last step."""
    total = len(sigmas) - 1
    prev: torch.Tensor | None = None
    h_prev = 0.0
    for i in range(total):
        _check(cancel)
        s, s_next = float(sigmas[i]), float(sigmas[i + 1])
        d = denoise(x, _level(sigmas[i], x))
        if s_next == 0.0:
            x = d
        else:
            h = math.log(s) - math.log(s_next)
            if prev is None:
                d_eff = d
            else:
                r = h_prev / h
                d_eff = (1 + 1 / (2 * r)) * d - (1 / (2 * r)) * prev
            x = (s_next / s) * x - math.expm1(-h) * d_eff
            h_prev = h
        prev = d
        _step_hooks(i, total, x, d, callback)
    return x


@torch.no_grad()
def sample_dpmpp_3m_sde(
    denoise: Denoiser,
    x: torch.Tensor,
    sigmas: torch.Tensor,
    *,
    generator: torch.Generator | None = None,
    callback: Callback | None = None,
    cancel: CancelCheck | None = None,
    eta: float = 1.0,
) -> torch.Tensor:
    """DPM-Solver++(3M) SDE: the first-order SDE step of DPM-Solver++ in λ = −log s,
    x' = (s'/s)·e^{−ηh}·x + (1 − e^{−(1+η)h})·x₀ + s'·√(1 − e^{−2ηh})·z,
    with second- and third-order multistep corrections from the last two x₀ predictions
    (the φ₂, φ₃ terms of exponential integrators). Stable Audio's default sampler."""
    total = len(sigmas) - 1
    hist: list[torch.Tensor] = []
    hs: list[float] = []
    for i in range(total):
        _check(cancel)
        s, s_next = float(sigmas[i]), float(sigmas[i + 1])
        d = denoise(x, _level(sigmas[i], x))
        if s_next == 0.0:
            x = d
        else:
            h = math.log(s) - math.log(s_next)
            h_eta = h * (1 + eta)
            x = (s_next / s) * math.exp(-eta * h) * x - math.expm1(-h_eta) * d
            phi2 = math.expm1(-h_eta) / h_eta + 1
            if len(hist) >= 2:
                r0, r1 = hs[-1] / h, hs[-2] / h
                d1_0 = (d - hist[-1]) / r0
                d1_1 = (hist[-1] - hist[-2]) / r1
                d1 = d1_0 + (d1_0 - d1_1) * r0 / (r0 + r1)
                d2 = (d1_0 - d1_1) / (r0 + r1)
                phi3 = phi2 / h_eta - 0.5
                x = x + phi2 * d1 - phi3 * d2
            elif len(hist) == 1:
                x = x + phi2 * (d - hist[-1]) / (hs[-1] / h)
            if eta > 0:
                z = _noise_like(x, generator)
                x = x + z * (s_next * math.sqrt(-math.expm1(-2 * eta * h)))
            hs.append(h)
        hist = (hist + [d])[-2:]
        _step_hooks(i, total, x, d, callback)
    return x


SAMPLERS: dict[str, Callable[..., torch.Tensor]] = {
    "dpmpp-3m-sde": sample_dpmpp_3m_sde,
    "dpmpp-2m": sample_dpmpp_2m,
    "euler": sample_euler,
}


def get_sampler(name: str) -> Callable[..., torch.Tensor]:
    if name not in SAMPLERS:
        raise ValueError(f"unknown sampler {name!r} (choose from {', '.join(SAMPLERS)})")
    return SAMPLERS[name]


def initial_noise(
    shape: tuple[int, ...],
    sigma_max: float,
    generator: torch.Generator,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """Starting latents N(0, σ_max²) drawn from ``generator`` (on the generator's device)."""
    return torch.randn(shape, generator=generator, device=device, dtype=dtype) * sigma_max
