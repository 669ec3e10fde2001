"""scripts/gpu_codec.py: the band-limited-clip filter and the differentiable mel term."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("gpu_codec", ROOT / "scripts" / "gpu_codec.py")
assert _spec is not None and _spec.loader is not None
gpu_codec = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gpu_codec)


def test_high_share_tells_telephone_band_from_full_band() -> None:
    rate = 16000
    t = np.arange(2 * rate) / rate
    tone = np.sin(2 * np.pi * 1000 * t)
    noise = np.random.default_rng(0).standard_normal(2 * rate)
    assert gpu_codec.high_share(tone, rate) < 1e-6
    assert 0.4 < gpu_codec.high_share(noise, rate) < 0.55  # (8000 - 4200) / 8000 of white noise


def test_mel_term_is_zero_for_the_same_audio_and_grows_with_the_difference() -> None:
    mel = gpu_codec.MelL1(16000)
    x = torch.randn(2, 1, 16384)
    near = x + 0.01 * torch.randn_like(x)
    far = x + 0.5 * torch.randn_like(x)
    assert float(mel(x, x)) < 1e-6
    assert 0 < float(mel(near, x)) < float(mel(far, x))
    y = near.clone().requires_grad_(True)
    mel(y, x).backward()
    assert y.grad is not None and torch.isfinite(y.grad).all()
