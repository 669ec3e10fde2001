"""The aiSFX sound-effects embedding (Ma & Lerch, ISMIR 2022), reimplemented in torch.

PyPI ``aisfx`` 0.1.2 (code MIT, weights CC BY 4.0) ships the weights of its best model
("X-Sequential-CE", trained on professional sound-effects libraries labelled with the
Universal Category System) as a pickle, ``aisfx/models/checkpoint.pth``. Only its embedding
front end is used here: a 4-block 2-D CNN (two 3×3 conv + batch-norm + ReLU per block, 2×2 max
pooling after the first three; 64-128-256-512 channels), mean over frequency then max over
time → one 512-d embedding per block of 100 spectrogram frames (≈2.3 s), blocks every 50
frames (the paper's 1 s hop).

Input, as in the paper's Essentia pipeline: mono at 44.1 kHz (channels averaged, no level
normalisation), 2048-sample symmetric Hann frames every 1024 samples, the first centred on
sample 0 (zero padded), magnitude spectrum squared, 96 HTK-mel triangles 0–22 050 Hz weighted
on the mel axis and normalised to unit sum, ``log10(1 + 10⁴·x)``, divided by the paper's
dataset maximum 9.4578.

The pickle is read once, with ``torch.load(weights_only=True)`` and only numpy's scalar and
dtype types allowed, and converted to safetensors in the user cache (``aisfx/``), keyed by
the pickle's SHA-256; every later use reads the safetensors file.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ambisketch.engine.errors import ModelLoadError

RATE = 44100
FRAME, HOP, MELS = 2048, 1024, 96
SPEC_MAX = 9.457798957824707  # the paper's min-max normalisation (min 0)
BLOCK, BLOCK_HOP = 100, 50  # spectrogram frames per embedding, and between embeddings
WIDTH = 64  # channels of the first block; the embedding has 8× as many
DIM = WIDTH * 8
SECONDS_PER_BLOCK = BLOCK * HOP / RATE


def checkpoint_path() -> Path:
    """The pickle inside the installed ``aisfx`` package (not imported: its pins are old)."""
    from importlib.util import find_spec

    spec = find_spec("aisfx")
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(
            "the aisfx package is not installed (scripts/setup installs it; "
            "or: pip install --no-deps aisfx==0.1.2)"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / "models" / "checkpoint.pth"
    if not path.is_file():
        raise ModelLoadError(f"{path}: missing from the aisfx package")
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def convert_checkpoint(src: Path, dst: Path) -> Path:
    """Read the package's pickle safely (tensors, numpy scalars and dtypes only) and write the
    embedding network's weights to ``dst`` as safetensors (atomically)."""
    import torch
    from safetensors.torch import save_file

    from ambisketch.engine.files import atomic_target

    try:
        from numpy._core.multiarray import scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import scalar  # type: ignore[no-redef]
    allowed: list[Any] = [(scalar, "numpy.core.multiarray.scalar"), np.dtype]
    allowed += [
        getattr(np.dtypes, n)
        for n in ("Int64DType", "Float64DType", "Float32DType", "Int32DType")
        if hasattr(np, "dtypes")
    ]
    try:
        with torch.serialization.safe_globals(allowed):
            weights, _datasets = torch.load(src, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure of a foreign pickle is one message
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ModelLoadError(f"{src}: cannot read the aisfx checkpoint ({first})") from None
    prefix = "embedding_net."
    tensors = {
        k[len(prefix) :]: v.contiguous()
        for k, v in weights.items()
        if k.startswith(prefix) and not k.endswith("num_batches_tracked")
    }
    dst.parent.mkdir(parents=True, exist_ok=True)
    with atomic_target(dst) as tmp:
        save_file(
            tensors,
            str(tmp),
            metadata={
                "source": "aisfx 0.1.2 checkpoint.pth",
                "license": "CC BY 4.0 (weights), MIT (code)",
            },
        )
    return dst


def weights_path(cache_dir: Path | None = None) -> Path:
    """The safetensors weights, converted from the package's pickle on first use."""
    import platformdirs

    src = checkpoint_path()
    folder = Path(cache_dir) if cache_dir else Path(platformdirs.user_cache_dir("ambisketch"))
    dst = folder / "aisfx" / f"embedding-{_sha256(src)[:16]}.safetensors"
    return dst if dst.is_file() else convert_checkpoint(src, dst)


def _mel(hz: NDArray[np.float64]) -> NDArray[np.float64]:
    return 2595.0 * np.log10(1.0 + hz / 700.0)


def _hz(mel: NDArray[np.float64]) -> NDArray[np.float64]:
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


@lru_cache(maxsize=1)
def mel_filters() -> NDArray[np.float32]:
    """``(bins, 96)``: triangles on the HTK mel axis, weighted in mel, each summing to 1."""
    bins = FRAME // 2 + 1
    freqs = np.arange(bins) * (RATE / 2) / (bins - 1)
    edges = _hz(np.linspace(_mel(np.array(0.0)), _mel(np.array(RATE / 2)), MELS + 2))
    m, me = _mel(freqs), _mel(edges)
    fb = np.zeros((bins, MELS))
    for i in range(MELS):
        up = (m - me[i]) / (me[i + 1] - me[i])
        down = (me[i + 2] - m) / (me[i + 2] - me[i + 1])
        inside = (freqs >= edges[i]) & (freqs <= edges[i + 2])
        fb[:, i] = np.where(inside, np.where(freqs < edges[i + 1], up, down), 0.0)
        total = fb[:, i].sum()
        if total > 0:
            fb[:, i] /= total
    return fb.astype(np.float32)


def spectrogram(mono: NDArray[np.floating]) -> NDArray[np.float32]:
    """The network's input ``(frames, 96)`` of ``mono`` (samples,) at 44.1 kHz."""
    x = np.asarray(mono, np.float32).reshape(-1)
    frames = 1 + -(-len(x) // HOP)  # centres 0, HOP, … while a frame starts inside x
    padded = np.concatenate([np.zeros(FRAME // 2, np.float32), x, np.zeros(FRAME, np.float32)])
    idx = np.arange(FRAME)[None, :] + HOP * np.arange(frames)[:, None]
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(FRAME) / (FRAME - 1))).astype(np.float32)
    power = np.abs(np.fft.rfft(padded[idx] * window, axis=1)) ** 2
    spec = np.log10(1.0 + 1e4 * (power.astype(np.float32) @ mel_filters()))
    return (spec / SPEC_MAX).astype(np.float32)


def blocks(spec: NDArray[np.float32]) -> NDArray[np.float32]:
    """``(n, 100, 96)`` blocks of ``spec`` every 50 frames; an incomplete last block is
    dropped, and a spectrogram shorter than one block is zero padded to one."""
    n = max(1, 1 + (len(spec) - BLOCK) // BLOCK_HOP) if len(spec) >= BLOCK else 1
    padded = np.concatenate([spec, np.zeros((BLOCK, spec.shape[1]), np.float32)])
    return np.stack([padded[i * BLOCK_HOP : i * BLOCK_HOP + BLOCK] for i in range(n)])


def _network() -> Any:
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self, cin: int, cout: int, pool: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
            self.bn1, self.bn2 = nn.BatchNorm2d(cout), nn.BatchNorm2d(cout)
            self.pool = pool

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = torch.relu(self.bn1(self.conv1(x)))
            x = torch.relu(self.bn2(self.conv2(x)))
            return torch.nn.functional.max_pool2d(x, self.pool) if self.pool > 1 else x

    class AisfxNet(nn.Module):
        """``(batch, 100, 96)`` spectrogram blocks → ``(batch, 512)`` embeddings."""

        def __init__(self) -> None:
            super().__init__()
            w = WIDTH
            self.conv_block1 = Block(1, w, 2)
            self.conv_block2 = Block(w, 2 * w, 2)
            self.conv_block3 = Block(2 * w, 4 * w, 2)
            self.conv_block4 = Block(4 * w, 8 * w, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = x[:, None]
            for block in (self.conv_block1, self.conv_block2, self.conv_block3, self.conv_block4):
                x = block(x)
            return x.mean(dim=3).amax(dim=2)

    return AisfxNet()


class AisfxEmbedder:
    """512-d aiSFX embeddings of audio: one per ≈2.3 s block, or one per clip (their mean)."""

    def __init__(self, cache_dir: Path | None = None, device: str = "cpu") -> None:
        import torch
        from safetensors.torch import load_file

        path = weights_path(cache_dir)
        try:
            state = load_file(str(path))
        except Exception as exc:  # noqa: BLE001 - a damaged cache file is converted again
            path.unlink(missing_ok=True)
            raise ModelLoadError(f"{path}: damaged ({exc}); run again to convert anew") from None
        self.net = _network()
        self.net.load_state_dict(state, strict=False)
        missing = [
            k
            for k in self.net.state_dict()
            if k not in state and not k.endswith("num_batches_tracked")
        ]
        if missing:
            raise ModelLoadError(f"{path}: lacks {missing[0]} (not the aisfx embedding weights)")
        self.net.to(device).eval()
        self.device = device
        self.torch = torch

    def blocks(
        self,
        audio: NDArray[np.floating],
        rate: int,
        batch: int = 16,
        active_db: float | None = None,
    ) -> NDArray[np.float64]:
        """``(blocks, 512)`` embeddings of ``audio`` (samples,) or (channels, samples); the
        channels are averaged (pass ``foa[:1]`` for W). With ``active_db`` only the blocks
        within that many dB of the loudest block's RMS are kept (the sound, not the silence
        after it)."""
        from ambisketch.engine.audio_io import resample

        x = np.asarray(audio, np.float32)
        x = x.mean(axis=0) if x.ndim == 2 else x
        if rate != RATE:
            x = resample(x[None], rate, RATE)[0]
        b = blocks(spectrogram(x))
        keep = np.arange(len(b))
        if active_db is not None and len(b) > 1:
            rms = np.array(
                [
                    np.sqrt(
                        np.mean(np.square(x[i * BLOCK_HOP * HOP : (i * BLOCK_HOP + BLOCK) * HOP]))
                        + 1e-20
                    )
                    for i in range(len(b))
                ]
            )
            keep = np.flatnonzero(20 * np.log10(rms / rms.max()) >= -active_db)
            b = b[keep]
        out = []
        with self.torch.no_grad():
            for i in range(0, len(b), batch):
                t = self.torch.from_numpy(b[i : i + batch]).to(self.device)
                out.append(self.net(t).double().cpu().numpy())
        return np.concatenate(out)

    def clip(self, audio: NDArray[np.floating], rate: int) -> NDArray[np.float64]:
        """One ``(512,)`` embedding: the mean of the blocks'."""
        return self.blocks(audio, rate).mean(axis=0)


def block_count(seconds: float) -> int:
    """How many embeddings a clip of ``seconds`` gives."""
    frames = 1 + -(-int(seconds * RATE) // HOP)
    return max(1, 1 + (frames - BLOCK) // BLOCK_HOP) if frames >= BLOCK else 1


__all__ = [
    "AisfxEmbedder",
    "DIM",
    "RATE",
    "SECONDS_PER_BLOCK",
    "block_count",
    "convert_checkpoint",
    "spectrogram",
    "weights_path",
]
