"""The spatially factored FOA codec: a mono VAE for W plus DirAC direction channels.

A 4-channel VAE must *learn* where a sound is, which takes far more steps than a CPU gives
(issue 12: after 1 500 steps the small one still missed by 44–131°). This kind splits the
job: W goes through a 1-channel VAE (the same Oobleck code as :class:`~.codec.FoaCodec`),
and direction is not learned at all. It is measured (:mod:`ambisketch.engine.spatial.dirac`:
per band and latent frame, the energy-normalised active intensity vector ``v``, |v| = 1 − ψ)
and rebuilt around the decoded W (:mod:`ambisketch.engine.spatial.dirac_synthesis`).

The latent is ``(batch, mono_latents + 3·bands, frames)``: the W latents, then per band the
vector (x, y, z) — at the same frame rate, so the DiT, sampling and training see one tensor
as with the 4-channel kind. The vectors are scaled by ``√3 · latent_rms``, the running RMS
of the W latents measured while training (like a BatchNorm statistic): a fully directional
source from a random direction then has the same RMS as the W channels, so neither part
dominates the diffusion loss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from ..spatial.angles import to_cartesian
from ..spatial.dirac import DEFAULT_BAND_EDGES, analyze, check_band_edges
from ..spatial.dirac_synthesis import synthesize
from ..spatial.trajectory import Trajectory
from .codec import CodecConfig, FoaCodec, Posterior
from .configs import config_from_dict
from .envelope import analyze as analyze_envelope
from .envelope import impose as impose_envelope

RMS_MOMENTUM = 0.01  # per training step; the W latents' scale settles over a few hundred


@dataclass(frozen=True)
class FactoredCodecConfig:
    """A mono VAE for W (``mono``, 1 input channel) and the DirAC bands of the direction."""

    mono: CodecConfig = field(
        default_factory=lambda: CodecConfig(in_channels=1, latent_channels=20)
    )
    band_edges: tuple[float, ...] = DEFAULT_BAND_EDGES
    window_frames: float = 2.0
    envelope_bands: int = 0  # > 0: W's mel envelope as that many channels (.envelope)

    def __post_init__(self) -> None:
        if not isinstance(self.mono, CodecConfig):
            raise TypeError(f"mono must be a codec config, got {type(self.mono).__name__}")
        if self.mono.in_channels != 1:
            raise ValueError(
                f"the W codec takes 1 channel, got in_channels {self.mono.in_channels}"
            )
        object.__setattr__(
            self, "band_edges", check_band_edges(self.band_edges, self.mono.sample_rate)
        )
        object.__setattr__(self, "window_frames", float(self.window_frames))
        if not 0.5 <= self.window_frames <= 16:
            raise ValueError(f"window_frames must be in [0.5, 16], got {self.window_frames:g}")
        if self.envelope_bands != 0 and not 4 <= self.envelope_bands <= 128:
            raise ValueError(f"envelope_bands must be 0 or 4–128, got {self.envelope_bands}")

    @property
    def bands(self) -> int:
        return len(self.band_edges) + 1

    @property
    def direction_channels(self) -> int:
        """Three per band: the intensity vector (x, y, z)."""
        return 3 * self.bands

    @property
    def latent_channels(self) -> int:
        return self.mono.latent_channels + self.direction_channels + self.envelope_bands

    @property
    def direction_slice(self) -> slice:
        """Where the direction channels sit: after W's, before the envelope's."""
        m = self.mono.latent_channels
        return slice(m, m + self.direction_channels)

    @property
    def in_channels(self) -> int:
        """What it encodes and decodes: 4-channel AmbiX."""
        return 4

    @property
    def sample_rate(self) -> int:
        return self.mono.sample_rate

    @property
    def hop(self) -> int:
        return self.mono.hop

    @property
    def latent_rate(self) -> float:
        return self.mono.latent_rate

    @property
    def compression(self) -> float:
        return self.in_channels * self.hop / self.latent_channels

    def to_dict(self) -> dict[str, Any]:
        out = {
            "mono": self.mono.to_dict(),
            "band_edges": list(self.band_edges),
            "window_frames": self.window_frames,
        }
        if self.envelope_bands:  # left out at 0: older bundles and fingerprints stay as they were
            out["envelope_bands"] = self.envelope_bands
        return out

    def without_envelope(self) -> FactoredCodecConfig:
        """The same codec without envelope channels (its W latents are the same)."""
        from dataclasses import replace

        return replace(self, envelope_bands=0)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FactoredCodecConfig:
        data = dict(data)
        if isinstance(data.get("mono"), dict):
            data["mono"] = CodecConfig.from_dict(data["mono"])
        return config_from_dict(cls, data, "factored codec")


def _mono(latent_channels: int, **sizes: Any) -> CodecConfig:
    return CodecConfig(in_channels=1, latent_channels=latent_channels, **sizes)


FACTORED_PRESETS: dict[str, FactoredCodecConfig] = {
    # 52 W channels + 4 bands × 3 = 64, the paper's latent size.
    "factored-paper": FactoredCodecConfig(_mono(52, base_channels=128)),
    # 20 W channels + 4 bands × 3 = 32: the "small" 4-channel codec's latent size, so the
    # DiT presets fit either kind.
    "factored-small": FactoredCodecConfig(_mono(20)),
    # Full band: the same codec at 48 kHz with a 3× longer first stride, so the latent rate
    # (7.8 frames/s) and size — and so the DiT and its cost — stay those of factored-small.
    "factored-small-48k": FactoredCodecConfig(
        _mono(20, strides=(6, 4, 4, 8, 8), sample_rate=48000)
    ),
    # For tests: 2 W channels + 2 bands × 3 = 8 (the "tiny" codec's size), ×32.
    "factored-tiny": FactoredCodecConfig(
        _mono(2, base_channels=4, multipliers=(1, 2, 2), strides=(2, 4, 4)), band_edges=(1000.0,)
    ),
}


class FactoredCodec(nn.Module):
    """Encode ``(batch, 4, samples)`` AmbiX to W latents + direction channels, and back."""

    latent_rms: torch.Tensor  # buffer: running RMS of the W latents (see the module doc)

    def __init__(self, config: FactoredCodecConfig) -> None:
        super().__init__()
        self.config = config
        self.mono = FoaCodec(config.mono)
        self.register_buffer("latent_rms", torch.ones(()))

    @property
    def hop(self) -> int:
        return self.config.hop

    @property
    def direction_scale(self) -> torch.Tensor:
        return self.latent_rms * math.sqrt(3.0)

    def pad_to_hop(self, x: torch.Tensor) -> torch.Tensor:
        return self.mono.pad_to_hop(x)

    def posterior(self, audio: torch.Tensor) -> Posterior:
        """The distribution of the W latents of ``audio`` (batch, 4, samples)."""
        return self.mono.posterior(audio[:, :1])

    def directions(self, audio: torch.Tensor) -> torch.Tensor:
        """Scaled DirAC vectors ``(batch, 3·bands, frames)`` of ``audio`` (batch, 4, samples)."""
        cfg = self.config
        foa = audio.detach().float().cpu().numpy()
        out = np.stack(
            [
                analyze(
                    item,
                    cfg.sample_rate,
                    cfg.hop,
                    band_edges=cfg.band_edges,
                    window_frames=cfg.window_frames,
                ).vectors
                for item in foa
            ]
        )
        v = torch.from_numpy(out.reshape(out.shape[0], -1, out.shape[-1]))
        return v.to(device=audio.device, dtype=audio.dtype) * self.direction_scale.to(audio.dtype)

    def encode(self, audio: torch.Tensor, sample: bool = False) -> torch.Tensor:
        """Latents ``(batch, latent_channels, ceil(samples / hop))``: W latents (the mean
        unless ``sample``), then the direction channels."""
        post = self.posterior(audio)
        w = post.sample() if sample else post.mean
        return torch.cat([w, self.side_channels(audio)], dim=1)

    def envelope(self, audio: torch.Tensor) -> torch.Tensor:
        """W's envelope channels ``(batch, envelope_bands, frames)`` of ``audio``
        (:func:`~.envelope.analyze`; none when the codec has no envelope)."""
        cfg = self.config
        if not cfg.envelope_bands:
            frames = -(-audio.shape[-1] // cfg.hop)
            return audio.new_zeros((audio.shape[0], 0, frames))
        w = audio[:, 0].detach().float().cpu().numpy()
        env = np.stack(
            [analyze_envelope(x, cfg.sample_rate, cfg.hop, cfg.envelope_bands) for x in w]
        )
        return torch.from_numpy(env).to(device=audio.device, dtype=audio.dtype)

    def side_channels(self, audio: torch.Tensor) -> torch.Tensor:
        """What follows the W latents: the direction channels, then the envelope's."""
        return torch.cat([self.directions(audio), self.envelope(audio)], dim=1)

    def split(self, latents: torch.Tensor) -> tuple[torch.Tensor, np.ndarray]:
        """W latents and unscaled vectors ``(batch, bands, 3, frames)`` (numpy, float64)."""
        m, d = self.config.mono.latent_channels, self.config.direction_slice
        v = (latents[:, d] / self.direction_scale.to(latents.dtype)).detach().float().cpu()
        b, _, frames = v.shape
        return latents[:, :m], v.numpy().astype(np.float64).reshape(b, -1, 3, frames)

    def shape_w(self, w: torch.Tensor, latents: torch.Tensor) -> torch.Tensor:
        """The decoded W ``(batch, 1, samples)`` reshaped to the latents' envelope channels
        (:func:`~.envelope.impose`); unchanged without them."""
        cfg = self.config
        if not cfg.envelope_bands:
            return w
        env = latents[:, cfg.direction_slice.stop :].detach().float().cpu().numpy()
        wn = w.detach().float().cpu().numpy()
        out = np.stack(
            [
                impose_envelope(wn[i, 0], env[i], cfg.sample_rate, cfg.hop)[None]
                for i in range(len(wn))
            ]
        )
        return torch.from_numpy(out).to(device=w.device, dtype=w.dtype)

    def decode_w(
        self, latents: torch.Tensor, chunk_frames: int = 64, overlap_frames: int = 8
    ) -> torch.Tensor:
        """W ``(batch, 1, frames · hop)`` as a take has it: the VAE's (in chunks, DC removed),
        shaped by the envelope channels."""
        m = self.config.mono.latent_channels
        w = self.mono.decode_chunked(latents[:, :m], chunk_frames, overlap_frames)
        return self.shape_w(w, latents)

    def _synthesize(self, w: torch.Tensor, vectors: np.ndarray) -> torch.Tensor:
        cfg = self.config
        wn = w.detach().float().cpu().numpy()
        foa = np.stack(
            [
                synthesize(
                    wn[i, 0], vectors[i], cfg.sample_rate, cfg.hop, band_edges=cfg.band_edges
                )
                for i in range(wn.shape[0])
            ]
        )
        return torch.from_numpy(foa).to(device=w.device, dtype=w.dtype)

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """AmbiX ``(batch, 4, frames · hop)``: W from the VAE, X, Y, Z by DirAC synthesis
        (not differentiable: training needs only the W path, :meth:`forward`)."""
        mono, vectors = self.split(latents)
        return self._synthesize(self.shape_w(self.mono.decode(mono), latents), vectors)

    def forward(
        self, audio: torch.Tensor, shard: tuple[int, int] = (0, 1)
    ) -> tuple[torch.Tensor, Posterior]:
        """Training pass: the W reconstruction ``(batch, 1, samples)`` and its posterior
        (``shard``: see :meth:`Posterior.sample`).

        In training mode it also updates ``latent_rms``, the running RMS of the W latents
        that scales the direction channels."""
        recon, post = self.mono(audio[:, :1], shard=shard)
        if self.training:
            with torch.no_grad():
                rms = post.mean.detach().float().pow(2).mean().sqrt()
                self.latent_rms.lerp_(rms.to(self.latent_rms.dtype), RMS_MOMENTUM)
        return recon, post

    def lock_to_path(self, latents: torch.Tensor, trajectory: Trajectory) -> torch.Tensor:
        """``latents`` with every band's vector turned onto ``trajectory`` (the direction at
        each frame centre), its length — the band's directness 1 − ψ — kept.

        With this kind a drawn path *is* a set of latent channels: a generated take can be
        placed exactly, its timbre and diffuseness untouched."""
        d = self.config.direction_slice
        frames = latents.shape[-1]
        times = (np.arange(frames) + 0.5) * self.hop / self.config.sample_rate
        az, el, _ = trajectory.sample(times, unwrap=False)
        path = torch.from_numpy(to_cartesian(az, el)).to(latents)  # (3, frames)
        v = latents[:, d].reshape(latents.shape[0], -1, 3, frames)
        steered = v.norm(dim=2, keepdim=True) * path[None, None]
        return torch.cat(
            [latents[:, : d.start], steered.reshape_as(latents[:, d]), latents[:, d.stop :]], dim=1
        )

    # --- constant-memory inference for long takes (W in chunks; DirAC is cheap) -----------
    @torch.no_grad()
    def encode_chunked(
        self, audio: torch.Tensor, chunk_frames: int = 64, overlap_frames: int = 8
    ) -> torch.Tensor:
        w = self.mono.encode_chunked(audio[:, :1], chunk_frames, overlap_frames)
        return torch.cat([w, self.side_channels(audio)], dim=1)

    @torch.no_grad()
    def decode_chunked(
        self, latents: torch.Tensor, chunk_frames: int = 64, overlap_frames: int = 8
    ) -> torch.Tensor:
        """:meth:`decode` in chunks; W's DC offset is removed (and its envelope imposed)
        before X, Y, Z are made."""
        _, vectors = self.split(latents)
        return self._synthesize(self.decode_w(latents, chunk_frames, overlap_frames), vectors)
