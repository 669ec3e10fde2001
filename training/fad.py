"""Audio-quality metrics of generated sets: Fréchet distances on three embeddings, and a CLAP
score when the user has a CLAP checkpoint.

The papers report FAD on VGGish embeddings and a CLAP score (LAION-CLAP); neither model
installs offline, so these are what we can compute, each named for exactly what it is:

- **FD log-mel (W)**: Fréchet distance between Gaussians fitted to the 64-band log-mel frames
  (1024-point STFT, hop 256, 0 Hz–Nyquist) of the W channel of the generated takes and of the
  test clips. Needs nothing but the audio; comparable between models at the same rate.
- **FD codec latents**: the same on the frames of the bundle's own codec latents (the
  codec encodes both sets). Sensitive to what the codec keeps (direction included), but only
  comparable between models that share a codec.
- **FD CLAP (clip-level)** and **CLAP score**, with ``--clap DIR``: a local Hugging Face CLAP
  checkpoint (``ClapModel`` + its feature extractor and tokenizer, weights as safetensors;
  nothing is downloaded and no pickle is read). FD on the clips' CLAP audio embeddings (one
  per clip: with few clips it is rough, and said so), and the mean cosine between each take's
  audio embedding (W at 48 kHz) and its prompt's text embedding — the papers' "CLAP score"
  when the checkpoint is LAION's.

Fréchet distance (Heusel et al. 2017; FAD, Kilgour et al. 2019):
``‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁ Σ₂)^½)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ambisketch.engine.audio_io import resample
from ambisketch.engine.errors import ModelLoadError

MEL_BANDS, MEL_FFT, MEL_HOP = 64, 1024, 256
CLAP_RATE = 48000


def frechet_distance(a: NDArray[np.floating], b: NDArray[np.floating]) -> float:
    """Fréchet distance between Gaussians fitted to the rows of ``a`` (n, d) and ``b`` (m, d)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"embeddings must be (n, d) with the same d, got {a.shape}, {b.shape}")
    if min(len(a), len(b)) < 2:
        raise ValueError("a Fréchet distance needs at least 2 embeddings per set")
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    # Tr((Σ₁Σ₂)^½) = Σ √λᵢ(Σ₁Σ₂): the product of two PSD matrices has real eigenvalues
    # ≥ 0 (up to rounding), so no matrix square root (none of its failures on singular Σ).
    eig = np.linalg.eigvals(s1 @ s2).real
    tr_covmean = float(np.sqrt(np.clip(eig, 0.0, None)).sum())
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2.0 * tr_covmean)


def logmel_frames(foa: NDArray[np.floating], rate: int) -> NDArray[np.float64]:
    """64-band log-mel frames ``(frames, 64)`` of the W channel of ``foa`` (4, samples)."""
    import librosa

    w = np.asarray(foa, dtype=np.float32)[0]
    mel = librosa.feature.melspectrogram(
        y=w, sr=rate, n_fft=MEL_FFT, hop_length=MEL_HOP, n_mels=MEL_BANDS, power=2.0
    )
    return np.log10(mel.T.astype(np.float64) + 1e-8)


def codec_frames(codec: Any, foa: NDArray[np.floating]) -> NDArray[np.float64]:
    """The codec's latent frames ``(frames, latent_channels)`` of ``foa`` (4, samples)."""
    import torch

    device = next(codec.parameters()).device
    with torch.no_grad():
        z = codec.encode(torch.as_tensor(np.asarray(foa, np.float32))[None].to(device))
    return z[0].T.double().cpu().numpy()


class ClapEmbedder:
    """Audio and text embeddings from a local Hugging Face CLAP checkpoint folder."""

    def __init__(self, folder: str | Path, device: str = "cpu") -> None:
        import os

        path = Path(folder)
        if not (path / "config.json").is_file():
            raise ModelLoadError(f"{path}: not a CLAP checkpoint folder (no config.json)")
        if not any(path.glob("*.safetensors")):
            raise ModelLoadError(
                f"{path}: holds no safetensors weights (pickled weights are "
                "never read; convert them to model.safetensors)"
            )
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from transformers import AutoTokenizer, ClapFeatureExtractor, ClapModel
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()
            self.model = (
                ClapModel.from_pretrained(str(path), local_files_only=True, use_safetensors=True)
                .to(device)
                .eval()
            )
            self.features = ClapFeatureExtractor.from_pretrained(str(path), local_files_only=True)
            self.tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        except (OSError, ValueError, ImportError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ModelLoadError(f"{path}: cannot load the CLAP checkpoint ({first})") from None
        self.device = device
        self.name = path.name

    def audio(self, clips: list[NDArray[np.floating]], rate: int) -> NDArray[np.float64]:
        """Unit-norm embeddings ``(clips, d)`` of the W channels of FOA ``clips``."""
        import torch

        mono = [resample(np.asarray(c, np.float32)[:1], rate, CLAP_RATE)[0] for c in clips]
        rate_in = int(self.features.sampling_rate)
        if rate_in != CLAP_RATE:
            mono = [resample(m[None], CLAP_RATE, rate_in)[0] for m in mono]
        inputs = self.features(mono, sampling_rate=rate_in, return_tensors="pt")
        with torch.no_grad():
            out = self.model.get_audio_features(**{k: v.to(self.device) for k, v in inputs.items()})
        return _embedding(out)

    def text(self, prompts: list[str]) -> NDArray[np.float64]:
        """Unit-norm embeddings ``(prompts, d)``."""
        import torch

        tokens = self.tokenizer(prompts, padding=True, truncation=True, return_tensors="pt")
        tokens.pop("token_type_ids", None)  # BERT-style tokenizers add it; CLAP's text model
        with torch.no_grad():  # (RoBERTa) has no segment embeddings to use it
            out = self.model.get_text_features(**{k: v.to(self.device) for k, v in tokens.items()})
        return _embedding(out)


def _embedding(out: Any) -> NDArray[np.float64]:
    """Transformers ≥ 5 returns a model output whose ``pooler_output`` holds the projected,
    normalised embedding; older versions return the tensor itself."""
    import torch

    t = out if torch.is_tensor(out) else out.pooler_output
    t = torch.nn.functional.normalize(t.float(), dim=-1)
    return t.cpu().double().numpy()
