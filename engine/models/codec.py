"""The FOA codec: a 4-channel convolutional VAE (Oobleck/DAC style) that keeps direction.

SonicMotion (arXiv 2507.07318, §3.1): DAC's 1-D conv encoder/decoder with the residual
vector quantiser replaced by a continuous VAE bottleneck and no final tanh; 4 channels in,
64 latent channels at 1/2048 of the sample rate (128× compression). The bottleneck follows
stable-audio-tools: the encoder emits mean and scale, std = softplus(scale) + 1e-4, and
KL = Σ_channels(mean² + var − log var − 1), averaged (no ½).

Long signals are encoded and decoded in overlapping chunks (:meth:`FoaCodec.encode_chunked`,
:meth:`FoaCodec.decode_chunked`), so memory stays flat for any length.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .configs import config_from_dict
from .layers import DecoderBlock, EncoderBlock, Snake, wn_conv1d


@dataclass(frozen=True)
class CodecConfig:
    """Sizes of the codec. ``strides`` multiply to the hop (samples per latent frame)."""

    in_channels: int = 4
    base_channels: int = 16
    multipliers: tuple[int, ...] = (1, 2, 4, 8, 16)
    strides: tuple[int, ...] = (2, 4, 4, 8, 8)
    latent_channels: int = 32
    sample_rate: int = 16000
    # Width of the decoder's first stage (its stages widen by ``multipliers`` as the
    # encoder's do); 0: ``base_channels``. A wider decoder on the same latents renders more
    # detail without changing the latent space (``scripts/gpu_codec.py --decoder-channels``).
    decoder_channels: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "multipliers", tuple(int(m) for m in self.multipliers))
        object.__setattr__(self, "strides", tuple(int(s) for s in self.strides))
        if len(self.multipliers) != len(self.strides):
            raise ValueError(
                "multipliers and strides must have the same length, got "
                f"{len(self.multipliers)} and {len(self.strides)}"
            )
        for name in ("in_channels", "base_channels", "latent_channels", "sample_rate"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive")
        if self.decoder_channels < 0:
            raise ValueError("decoder_channels must be 0 (as base_channels) or positive")

    @property
    def decoder_base(self) -> int:
        """The decoder's first-stage width."""
        return self.decoder_channels or self.base_channels

    @property
    def hop(self) -> int:
        """Samples per latent frame (the product of the strides)."""
        return math.prod(self.strides)

    @property
    def latent_rate(self) -> float:
        return self.sample_rate / self.hop

    @property
    def compression(self) -> float:
        """Input values per latent value (the papers' 128× for 4 → 64 channels at ×2048)."""
        return self.in_channels * self.hop / self.latent_channels

    def to_dict(self) -> dict[str, Any]:
        out = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}
        if not self.decoder_channels:
            del out["decoder_channels"]  # the files of codecs without one stay as they were
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CodecConfig:
        return config_from_dict(cls, data, "codec")


CODEC_PRESETS: dict[str, CodecConfig] = {
    # The papers' size: 4 → 64 channels, ×2048, base 128 (≈ 150 M parameters).
    "paper": CodecConfig(base_channels=128, latent_channels=64),
    # Trains on a laptop CPU: ≈ 2.5 M parameters, ×2048, 32 latent channels.
    "small": CodecConfig(),
    # For tests: ×32, a few thousand parameters.
    "tiny": CodecConfig(
        base_channels=4, multipliers=(1, 2, 2), strides=(2, 4, 4), latent_channels=8
    ),
}


@dataclass
class Posterior:
    """The encoder's diagonal Gaussian over latents ``(batch, latent_channels, frames)``."""

    mean: torch.Tensor
    std: torch.Tensor

    def sample(
        self, generator: torch.Generator | None = None, shard: tuple[int, int] = (0, 1)
    ) -> torch.Tensor:
        """A draw from the posterior. ``shard=(rank, world)``: this process's rows of the noise
        drawn for the whole data-parallel batch (``world`` × this batch), so that several
        processes in step draw exactly what one process with the whole batch would."""
        rank, world = shard
        b = self.mean.shape[0]
        noise = torch.randn(
            (world * b, *self.mean.shape[1:]),
            generator=generator,
            device=self.mean.device,
            dtype=self.mean.dtype,
        )[rank * b : (rank + 1) * b]
        return self.mean + self.std * noise

    def kl(self) -> torch.Tensor:
        """KL to N(0, 1): Σ over channels of (mean² + var − log var − 1), averaged."""
        var = self.std.pow(2)
        return (self.mean.pow(2) + var - var.log() - 1).sum(dim=1).mean()


class FoaCodec(nn.Module):
    """Encoder, VAE bottleneck and decoder for ``(batch, 4, samples)`` AmbiX audio."""

    def __init__(self, config: CodecConfig) -> None:
        super().__init__()
        self.config = config
        c = config.base_channels
        chans = [c * m for m in (1, *config.multipliers)]
        enc: list[nn.Module] = [wn_conv1d(config.in_channels, chans[0], 7)]
        for i, stride in enumerate(config.strides):
            enc.append(EncoderBlock(chans[i], chans[i + 1], stride))
        enc += [Snake(chans[-1]), wn_conv1d(chans[-1], 2 * config.latent_channels, 3)]
        self.encoder = nn.Sequential(*enc)
        d = [config.decoder_base * m for m in (1, *config.multipliers)]
        dec: list[nn.Module] = [wn_conv1d(config.latent_channels, d[-1], 7)]
        for i, stride in reversed(list(enumerate(config.strides))):
            dec.append(DecoderBlock(d[i + 1], d[i], stride))
        dec += [Snake(d[0]), wn_conv1d(d[0], config.in_channels, 7)]  # no tanh
        self.decoder = nn.Sequential(*dec)

    @property
    def hop(self) -> int:
        return self.config.hop

    def pad_to_hop(self, x: torch.Tensor) -> torch.Tensor:
        """Zero-pad ``(..., samples)`` on the right to a whole number of latent frames."""
        extra = (-x.shape[-1]) % self.hop
        return F.pad(x, (0, extra)) if extra else x

    def posterior(self, audio: torch.Tensor) -> Posterior:
        """The latent distribution of ``audio`` (batch, 4, samples), samples padded to the hop."""
        h = self.encoder(self.pad_to_hop(audio))
        mean, scale = h.chunk(2, dim=1)
        return Posterior(mean, F.softplus(scale) + 1e-4)

    def encode(self, audio: torch.Tensor, sample: bool = False) -> torch.Tensor:
        """Latents ``(batch, latent_channels, ceil(samples / hop))``; the mean unless ``sample``."""
        post = self.posterior(audio)
        return post.sample() if sample else post.mean

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """Audio ``(batch, 4, frames · hop)`` from latents."""
        return self.decoder(latents)

    def forward(
        self, audio: torch.Tensor, shard: tuple[int, int] = (0, 1)
    ) -> tuple[torch.Tensor, Posterior]:
        """Training pass: reconstruction (cropped to the input length) and the posterior
        (``shard``: see :meth:`Posterior.sample`)."""
        post = self.posterior(audio)
        recon = self.decode(post.sample(shard=shard))[..., : audio.shape[-1]]
        return recon, post

    # --- constant-memory inference for long takes ---------------------------------------
    @torch.no_grad()
    def encode_chunked(
        self, audio: torch.Tensor, chunk_frames: int = 64, overlap_frames: int = 8
    ) -> torch.Tensor:
        """:meth:`encode` (mean) in chunks of ``chunk_frames`` latent frames, each with
        ``overlap_frames`` of context on both sides that is computed and thrown away."""
        x = self.pad_to_hop(audio)
        n = x.shape[-1] // self.hop
        out = []
        for start in range(0, n, chunk_frames):
            stop = min(n, start + chunk_frames)
            lo, hi = max(0, start - overlap_frames), min(n, stop + overlap_frames)
            z = self.encode(x[..., lo * self.hop : hi * self.hop])
            out.append(z[..., start - lo : stop - lo])
        return torch.cat(out, dim=-1)

    @torch.no_grad()
    def decode_chunked(
        self, latents: torch.Tensor, chunk_frames: int = 64, overlap_frames: int = 8
    ) -> torch.Tensor:
        """:meth:`decode` in chunks with ``overlap_frames`` of latent context on each side,
        the decoder's DC offset removed (:func:`~ambisketch.engine.fades.remove_dc`): the
        audio a user gets, where :meth:`decode` is the training pass's."""
        from ..fades import remove_dc

        n = latents.shape[-1]
        out = []
        for start in range(0, n, chunk_frames):
            stop = min(n, start + chunk_frames)
            lo, hi = max(0, start - overlap_frames), min(n, stop + overlap_frames)
            y = self.decode(latents[..., lo:hi])
            out.append(y[..., (start - lo) * self.hop : (stop - lo) * self.hop])
        y = torch.cat(out, dim=-1)
        clean = remove_dc(y.float().cpu().numpy(), self.config.sample_rate)
        return torch.from_numpy(clean).to(y.device, y.dtype)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def roundtrip(codec: FoaCodec, foa: np.ndarray) -> np.ndarray:
    """Encode and decode ``(4, samples)`` float32 (chunked), cropped to the input length."""
    device = next(codec.parameters()).device
    x = torch.from_numpy(np.ascontiguousarray(foa, dtype=np.float32))[None].to(device)
    with torch.no_grad():
        y = codec.decode_chunked(codec.encode_chunked(x))
    return y[0, :, : foa.shape[-1]].float().cpu().numpy()
