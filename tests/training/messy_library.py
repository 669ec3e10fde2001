"""A messy sound library made on the fly, as users' libraries are (shared by
tests/training and tests/app; loaded by path, not as a package)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf


def _tone(seconds: float, rate: int, freq: float, channels: int = 1, seed: int = 0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(seed)
    cols = [
        0.3 * np.sin(2 * np.pi * freq * (1 + 0.1 * c) * t) * np.exp(-t / max(seconds, 0.1))
        + 0.01 * rng.standard_normal(t.size)
        for c in range(channels)
    ]
    return np.stack(cols, axis=1).astype(np.float32)


def make_messy_library(root: Path) -> Path:
    """11 audio files: 6 usable (3 caption sources), 5 skipped for every reason."""
    (root / "bells").mkdir(parents=True)
    (root / "copies").mkdir()
    (root / "ambience").mkdir()
    (root / "studio").mkdir()
    (root / "sidecar").mkdir()
    rng = np.random.default_rng(7)
    sf.write(root / "bells" / "Small_Bell_02.wav", _tone(1.0, 44100, 880), 44100)
    dog = root / "  DOG bark (final) v2.WAV"
    sf.write(dog, _tone(2.0, 48000, 300, seed=1), 48000, subtype="PCM_16")
    (root / "copies" / "dog_copy.wav").write_bytes(dog.read_bytes())
    (root / "broken.wav").write_bytes(rng.integers(0, 256, 4000, dtype=np.uint8).tobytes())
    (root / "empty.wav").write_bytes(b"")
    sf.write(root / "silent.wav", np.zeros((32000, 1), np.float32), 16000)
    sf.write(root / "short.wav", _tone(0.2, 16000, 500), 16000)
    sf.write(root / "ambience" / "forest_8ch.wav", _tone(1.5, 48000, 200, channels=8), 48000)
    sf.write(root / "studio" / "Tone 96k.wav", _tone(1.0, 96000, 1000), 96000, subtype="PCM_24")
    sf.write(root / "studio" / "rain.flac", _tone(1.2, 44100, 150, channels=2, seed=3), 44100)
    (root / "studio" / "captions.csv").write_text(
        "file,caption\nTone 96k.wav,a pure sine tone\nrain.flac,light rain on a window\n",
        encoding="utf-8",
    )
    sf.write(root / "sidecar" / "thunder.wav", _tone(3.0, 22050, 60, seed=4), 22050)
    (root / "sidecar" / "thunder.txt").write_text("distant thunder\nrumbling\n", encoding="utf-8")
    (root / "notes.md").write_text("not audio", encoding="utf-8")
    return root
