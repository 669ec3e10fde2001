"""Small real audio files for scene tests: mono at the model's 16 kHz, FOA, stereo, 3-channel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf


def write_noise(
    path: Path, seconds: float, rate: int, channels: int, seed: int = 0, level: float = 0.1
) -> Path:
    rng = np.random.default_rng(seed)
    data = (rng.standard_normal((int(seconds * rate), channels)) * level).astype(np.float32)
    sf.write(path, data if channels > 1 else data[:, 0], rate, subtype="FLOAT")
    return path


def media_set(folder: Path) -> dict[str, Path]:
    """mono (2 s, 16 kHz), foa (1.5 s, 48 kHz), stereo and three-channel files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "mono": write_noise(folder / "bird.wav", 2.0, 16000, 1, seed=1),
        "foa": write_noise(folder / "rain.wav", 1.5, 48000, 4, seed=2),
        "stereo": write_noise(folder / "stereo.wav", 1.0, 48000, 2, seed=3),
        "three": write_noise(folder / "three.wav", 1.0, 48000, 3, seed=4),
    }
