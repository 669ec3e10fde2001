"""Building blocks of the Oobleck/DAC-style codec: Snake, weight-normed convolutions, residual units.

Snake (Ziyin et al. 2020, used by DAC and stable-audio-tools' Oobleck):
``x + 1/(β + ε) · sin²(α·x)`` with per-channel α, β stored as logs (so they start at 1).
It is computed in float32 even under autocast: ε = 1e-9 underflows in fp16.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils.parametrizations import weight_norm


class Snake(nn.Module):
    """Periodic activation with learned per-channel frequency α and magnitude β."""

    def __init__(self, channels: int, eps: float = 1e-9) -> None:
        super().__init__()
        self.log_alpha = nn.Parameter(torch.zeros(1, channels, 1))
        self.log_beta = nn.Parameter(torch.zeros(1, channels, 1))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype
        with torch.autocast(device_type=x.device.type, enabled=False):
            x = x.float()
            alpha, beta = self.log_alpha.float().exp(), self.log_beta.float().exp()
            y = x + (beta + self.eps).reciprocal() * torch.sin(alpha * x).pow(2)
        return y.to(dtype)


def wn_conv1d(
    in_ch: int,
    out_ch: int,
    kernel: int,
    stride: int = 1,
    dilation: int = 1,
    padding: int | None = None,
) -> nn.Module:
    """Weight-normed Conv1d; ``padding`` defaults to 'same' for odd kernels at stride 1."""
    if padding is None:
        padding = dilation * (kernel - 1) // 2
    return weight_norm(
        nn.Conv1d(in_ch, out_ch, kernel, stride=stride, dilation=dilation, padding=padding)
    )


def wn_conv_transpose1d(in_ch: int, out_ch: int, stride: int) -> nn.Module:
    """Weight-normed transposed Conv1d that upsamples exactly ``stride``×."""
    return weight_norm(
        nn.ConvTranspose1d(
            in_ch,
            out_ch,
            2 * stride,
            stride=stride,
            padding=math.ceil(stride / 2),
            output_padding=stride % 2,
        )
    )


class ResidualUnit(nn.Module):
    """Snake → dilated conv k7 → Snake → conv k1, added to the input (length kept)."""

    def __init__(self, channels: int, dilation: int) -> None:
        super().__init__()
        self.block = nn.Sequential(
            Snake(channels),
            wn_conv1d(channels, channels, 7, dilation=dilation),
            Snake(channels),
            wn_conv1d(channels, channels, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x)


class EncoderBlock(nn.Module):
    """Three residual units (dilations 1, 3, 9), then Snake and a strided conv (×1/stride)."""

    def __init__(self, in_ch: int, out_ch: int, stride: int) -> None:
        super().__init__()
        self.block = nn.Sequential(
            ResidualUnit(in_ch, 1),
            ResidualUnit(in_ch, 3),
            ResidualUnit(in_ch, 9),
            Snake(in_ch),
            wn_conv1d(in_ch, out_ch, 2 * stride, stride=stride, padding=math.ceil(stride / 2)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)


class DecoderBlock(nn.Module):
    """Snake and a transposed conv (×stride), then three residual units."""

    def __init__(self, in_ch: int, out_ch: int, stride: int) -> None:
        super().__init__()
        self.block = nn.Sequential(
            Snake(in_ch),
            wn_conv_transpose1d(in_ch, out_ch, stride),
            ResidualUnit(out_ch, 1),
            ResidualUnit(out_ch, 3),
            ResidualUnit(out_ch, 9),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)
