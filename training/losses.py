"""Reconstruction losses for the FOA codec that see direction, not only spectra.

The per-channel multi-resolution STFT loss of stable-audio-tools (and SonicMotion's
¼·MRSTFT on each of W, X, Y, Z) compares magnitudes channel by channel, so it cannot see
the sign or ratio of X, Y, Z against W — the direction. We add the same spectral loss on
the sum and difference signals W ± X, W ± Y, W ± Z: in SN3D, W + X = s·(1 + cos φ cos θ) is a
cardioid facing front and W − X one facing back, so their magnitudes move with the source's
direction. A small time-domain L1 term ties the phase relations sample by sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from auraloss.freq import MultiResolutionSTFTLoss
from torch import nn

# Spectral resolutions for 16 kHz audio (stable-audio-tools uses 2048…32 at 44.1 kHz).
FFT_SIZES = (2048, 1024, 512, 256, 128, 64)


def beam_signals(foa: torch.Tensor) -> torch.Tensor:
    """The six first-order cardioids (W ± X, W ± Y, W ± Z) of AmbiX ``(batch, 4, samples)``."""
    w, y, z, x = foa.unbind(dim=1)
    return torch.stack([w + x, w - x, w + y, w - y, w + z, w - z], dim=1)


@dataclass(frozen=True)
class ReconstructionWeights:
    """Weights of the reconstruction terms (KL and adversarial terms live in the trainer)."""

    spectral: float = 1.0
    direction: float = 1.0
    time: float = 0.1


class FoaReconstructionLoss(nn.Module):
    """MRSTFT per channel + MRSTFT on the six beams + time-domain L1.

    ``forward(recon, target)`` returns a dict of the weighted terms and their sum ``"total"``;
    inputs are ``(batch, 4, samples)`` AmbiX.
    """

    def __init__(
        self,
        sample_rate: int,
        weights: ReconstructionWeights | None = None,
        fft_sizes: tuple[int, ...] = FFT_SIZES,
    ) -> None:
        super().__init__()
        self.weights = weights or ReconstructionWeights()
        sizes = list(fft_sizes)
        self.mrstft = MultiResolutionSTFTLoss(
            fft_sizes=sizes,
            hop_sizes=[s // 4 for s in sizes],
            win_lengths=sizes,
            sample_rate=sample_rate,
            w_sc=1.0,
            w_log_mag=1.0,
            w_lin_mag=0.0,
            w_phs=0.0,
        )

    def forward(self, recon: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
        recon, target = recon.float(), target.float()
        w = self.weights
        terms = {
            "spectral": w.spectral * self.mrstft(recon, target),
            "direction": w.direction * self.mrstft(beam_signals(recon), beam_signals(target)),
            "time": w.time * (recon - target).abs().mean(),
        }
        terms["total"] = sum(terms.values())  # type: ignore[assignment]
        return terms
