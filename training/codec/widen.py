"""A wider decoder that starts as the trained one (Net2Net widening, Chen et al. 2016).

The decoder's capacity, not only its training, bounds what a codec renders from its latents;
a decoder trained from scratch at a larger width would need far more steps than a lent GPU
session gives. :func:`widen_decoder` builds a codec whose decoder stages are wider and whose
output is the trained decoder's at the start: every new channel repeats a trained one
(incoming weights and bias copied, Snake α/β copied) and the layer that reads a repeated
channel divides its weights by the number of copies, so sums are unchanged. Residual units
keep the mapping of their stream. A little noise on the copies' incoming weights lets them
drift apart in training (copies that stay equal add nothing). The encoder is copied as is, so
the latent space — and every DiT trained on it — stays valid.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch
from torch import nn

from ambisketch.engine.models.codec import FoaCodec
from ambisketch.engine.models.factored_codec import FactoredCodec
from ambisketch.engine.models.layers import Snake


def _mapping(small: int, wide: int) -> np.ndarray:
    """Which trained channel each wide channel repeats: the first ``small`` are themselves."""
    return np.arange(wide) % small


def _counts(mapping: np.ndarray, small: int) -> torch.Tensor:
    return torch.from_numpy(np.bincount(mapping, minlength=small)).float()


def _layers(decoder: nn.Module) -> list[nn.Module]:
    """Convolutions and Snakes in the order the signal meets them."""
    return [m for m in decoder.modules() if isinstance(m, (nn.Conv1d, nn.ConvTranspose1d, Snake))]


def widen_decoder(
    codec: FoaCodec, decoder_channels: int, noise: float = 1e-3, seed: int = 0
) -> FoaCodec:
    """A copy of ``codec`` whose decoder starts ``decoder_channels`` wide (its stages widen by
    the same multipliers) and, with ``noise=0``, decodes exactly as ``codec`` does."""
    if decoder_channels < codec.config.decoder_base:
        raise ValueError(
            f"cannot narrow the decoder ({codec.config.decoder_base} → {decoder_channels} channels)"
        )
    config = dataclasses.replace(codec.config, decoder_channels=decoder_channels)
    wide = FoaCodec(config)
    wide.encoder.load_state_dict(codec.encoder.state_dict())
    gen = torch.Generator().manual_seed(seed)
    small_layers, wide_layers = _layers(codec.decoder), _layers(wide.decoder)
    in_map: np.ndarray | None = None  # mapping of the channels the next layer reads
    in_small = config.latent_channels
    maps: dict[tuple[int, int], np.ndarray] = {}
    with torch.no_grad():
        for s, w in zip(small_layers, wide_layers, strict=True):
            if isinstance(s, Snake):
                assert in_map is not None
                idx = torch.from_numpy(in_map)
                w.log_alpha.copy_(s.log_alpha[:, idx])
                w.log_beta.copy_(s.log_beta[:, idx])
                continue
            transposed = isinstance(s, nn.ConvTranspose1d)
            weight = s.weight.detach()  # effective (weight-normed) weight
            # (in, out, k) for a transposed convolution, (out, in, k) otherwise
            c_in, c_out = weight.shape[:2] if transposed else weight.shape[1::-1]
            w_in, w_out = w.weight.shape[:2] if transposed else w.weight.shape[1::-1]
            rows = in_map if in_map is not None and c_in == in_small else np.arange(c_in)
            if len(rows) != w_in:
                raise ValueError(f"layer input {c_in} → {w_in}: no mapping")
            out_map = maps.setdefault((c_out, int(w_out)), _mapping(c_out, int(w_out)))
            scale = _counts(rows, c_in)[torch.from_numpy(rows)]  # copies of each input
            ri, ro = torch.from_numpy(rows), torch.from_numpy(out_map)
            if transposed:
                new = weight[ri][:, ro] / scale[:, None, None]
            else:
                new = weight[ro][:, ri] / scale[None, :, None]
            copies = torch.from_numpy(np.arange(int(w_out)) >= c_out)
            if noise > 0 and bool(copies.any()):
                jitter = noise * float(weight.std()) * torch.randn(new.shape, generator=gen)
                mask = copies[None, :, None] if transposed else copies[:, None, None]
                new = new + jitter * mask
            w.weight = new.contiguous()  # through the weight-norm parametrisation
            if s.bias is not None and w.bias is not None:
                w.bias.copy_(s.bias[ro])
            in_map, in_small = out_map, c_out
    return wide


def widen_factored(
    codec: FactoredCodec, decoder_channels: int, noise: float = 1e-3
) -> FactoredCodec:
    """``codec`` (a factored codec) with its W decoder widened by :func:`widen_decoder`."""
    config = dataclasses.replace(
        codec.config, mono=dataclasses.replace(codec.config.mono, decoder_channels=decoder_channels)
    )
    wide = FactoredCodec(config)
    wide.mono = widen_decoder(codec.mono, decoder_channels, noise)
    wide.latent_rms.copy_(codec.latent_rms)
    return wide
