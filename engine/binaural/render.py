"""Rendering FOA to binaural: offline (a whole take) and block by block (playback).

Head rotation is applied to the scene before decoding. Head angles in degrees, in the
engine's frame (x front, y left, z up): **positive yaw = the head turns left** (so a source
in front ends up on the right), positive pitch = the head looks up (a front source drops),
positive roll = the head tilts right, its left ear up. Turning the head by R is rotating the
scene by R⁻¹; for the orthogonal FOA block that is the transpose of
:func:`foa_rotation_matrix`, whose signs are the scene's (positive yaw moves a source left).

Both renderers compute ``out[ear] = Σ_c F[ear, c] * (M · foa)[c]`` with the decoder's FIR
filters F; the block renderer keeps the last ``taps − 1`` rotated input samples, so with a
fixed rotation its output equals the offline one to float precision.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.fft import irfft, next_fast_len, rfft

from ..spatial.ambisonics import foa_rotation_matrix
from .decoder import BinauralDecoder

OFFLINE_BLOCK = 8192  # samples per FFT block of the offline renderer


def head_rotation_matrix(
    yaw: float = 0.0, pitch: float = 0.0, roll: float = 0.0
) -> NDArray[np.float64]:
    """4×4 AmbiX matrix that shows the scene as heard by a head turned by (yaw, pitch, roll)."""
    return foa_rotation_matrix(yaw, pitch, roll).T


def _as_foa(foa: ArrayLike) -> NDArray[np.float32]:
    a = np.asarray(foa, dtype=np.float32)
    if a.ndim != 2 or a.shape[0] != 4:
        raise ValueError(f"expected FOA of shape (4, samples), got {a.shape}")
    return a


def render(
    foa: ArrayLike,
    decoder: BinauralDecoder,
    yaw: float = 0.0,
    pitch: float = 0.0,
    roll: float = 0.0,
) -> NDArray[np.float32]:
    """Decode a whole AmbiX take ``(4, n)`` to binaural ``(2, n)`` float32 (same length).

    The output keeps the input's length and timing, so it lines up with the FOA take in a
    DAW; the filters' tail after the last sample (a few ms) is cut. Computed as a blocked
    FFT overlap-add in single precision (all blocks in one batched FFT): about 4× faster
    than one FFT over the whole take, and it needs memory for a few copies of the take only.
    """
    x = head_rotation_matrix(yaw, pitch, roll).astype(np.float32) @ _as_foa(foa)
    n, taps = x.shape[1], decoder.taps
    if n == 0:
        return np.zeros((2, 0), dtype=np.float32)
    block = max(OFFLINE_BLOCK, 4 * taps)
    nfft = next_fast_len(block + taps - 1, real=True)
    count = -(-n // block)
    padded = np.zeros((4, count * block), dtype=np.float32)
    padded[:, :n] = x
    spec = rfft(padded.reshape(4, count, block), nfft, axis=-1)  # (4, blocks, K)
    filt = rfft(decoder.filters, nfft, axis=-1)  # (2, 4, K) complex64
    y = irfft(np.einsum("eck,cbk->ebk", filt, spec), nfft, axis=-1)  # (2, blocks, nfft)
    out = np.zeros((2, (count + 1) * block), dtype=np.float32)
    out[:, : count * block] += y[:, :, :block].reshape(2, -1)
    tails = np.zeros((2, count, block), dtype=np.float32)  # each block's tail rings into
    tails[:, :, : taps - 1] = y[:, :, block : block + taps - 1]  # the next one (taps ≤ block)
    out[:, block:] += tails.reshape(2, -1)
    return np.ascontiguousarray(out[:, :n])


class BlockRenderer:
    """Stateful binaural renderer for blocks ``(4, n)`` of any size → ``(2, n)``.

    :meth:`set_rotation` and :meth:`set_decoder` may be called between blocks (from another
    thread only under the caller's lock). A rotation change is interpolated linearly, per
    sample, across the next block (the rotation matrix is linear in the signal, so this is
    the linear crossfade of the old and new renders); a decoder change crossfades the outputs
    of the old and new filters over the next block. Neither clicks.
    """

    def __init__(
        self, decoder: BinauralDecoder, yaw: float = 0.0, pitch: float = 0.0, roll: float = 0.0
    ) -> None:
        self._decoder = decoder
        self._next_decoder: BinauralDecoder | None = None
        self._matrix = head_rotation_matrix(yaw, pitch, roll)
        self._target = self._matrix
        self._rotation = (float(yaw), float(pitch), float(roll))
        self._history = np.zeros((4, decoder.taps - 1))
        self._spectra: dict[tuple[int, int], NDArray[np.complex128]] = {}

    @property
    def decoder(self) -> BinauralDecoder:
        return self._next_decoder or self._decoder

    @property
    def rate(self) -> int:
        return self._decoder.rate

    @property
    def rotation(self) -> tuple[float, float, float]:
        """The (yaw, pitch, roll) last asked for, in degrees."""
        return self._rotation

    def set_rotation(self, yaw: float = 0.0, pitch: float = 0.0, roll: float = 0.0) -> None:
        """Turn the head; reached at the end of the next block."""
        self._rotation = (float(yaw), float(pitch), float(roll))
        self._target = head_rotation_matrix(yaw, pitch, roll)

    def set_decoder(self, decoder: BinauralDecoder) -> None:
        """Swap the HRTF/decoder (same rate); crossfaded over the next block."""
        if decoder.rate != self._decoder.rate:
            raise ValueError(f"decoder at {decoder.rate} Hz for a {self._decoder.rate} Hz stream")
        self._next_decoder = decoder

    def reset(self) -> None:
        """Forget the past input (after a seek): the next block starts from silence."""
        self._history[:] = 0.0
        self._matrix = self._target

    def process(self, block: ArrayLike) -> NDArray[np.float32]:
        x = _as_foa(block).astype(np.float64)
        n = x.shape[1]
        if n == 0:
            return np.zeros((2, 0), dtype=np.float32)
        if self._target is self._matrix:
            rotated = self._matrix @ x
        else:
            ramp = np.arange(1, n + 1) / n  # reaches the new rotation on the block's last sample
            rotated = self._matrix @ x * (1 - ramp) + self._target @ x * ramp
            self._matrix = self._target
        new = self._next_decoder
        taps = max(self._decoder.taps, new.taps if new else 0)
        if self._history.shape[1] < taps - 1:  # a longer decoder arrived: pad the past with 0
            pad = np.zeros((4, taps - 1 - self._history.shape[1]))
            self._history = np.concatenate([pad, self._history], axis=1)
        buf = np.concatenate([self._history, rotated], axis=1)
        nfft = next_fast_len(buf.shape[1], real=True)
        spec = rfft(buf, nfft, axis=-1)
        out = self._convolve(self._decoder, spec, nfft, buf.shape[1], n)
        if new is not None:
            ramp = (np.arange(1, n + 1) / n)[None, :]
            out = out * (1 - ramp) + self._convolve(new, spec, nfft, buf.shape[1], n) * ramp
            self._decoder, self._next_decoder = new, None
            self._spectra.clear()
        self._history = (
            buf[:, buf.shape[1] - (self._decoder.taps - 1) :]
            if self._decoder.taps > 1
            else np.zeros((4, 0))
        )
        return out.astype(np.float32)

    def _convolve(
        self, decoder: BinauralDecoder, spec: NDArray[np.complex128], nfft: int, length: int, n: int
    ) -> NDArray[np.float64]:
        """The last ``n`` samples of ``filters * buffer`` (circular wrap lands before them)."""
        key = (id(decoder), nfft)
        filt = self._spectra.get(key)
        if filt is None:
            if len(self._spectra) > 8:  # block sizes change rarely; keep the cache small
                self._spectra.clear()
            filt = rfft(decoder.filters.astype(np.float64), nfft, axis=-1)
            self._spectra[key] = filt
        y = irfft(np.einsum("eck,ck->ek", filt, spec), nfft, axis=-1)
        return y[:, length - n : length]
