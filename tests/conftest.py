"""Shared fixtures: small real audio files made on the fly."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tests use tiny models: one intra-op thread is faster, and on a shared 2-core machine
    more threads thrash (up to 100x slower). Subprocesses keep torch's default."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture
def noise_wav(tmp_path: Path) -> Path:
    """2 s of mono white noise at 48 kHz, 24-bit WAV."""
    rng = np.random.default_rng(1)
    path = tmp_path / "noise.wav"
    sf.write(path, (rng.standard_normal(96000) * 0.2).astype(np.float32), 48000, subtype="PCM_24")
    return path


@pytest.fixture
def stereo_flac(tmp_path: Path) -> Path:
    """1 s stereo FLAC at 44.1 kHz: a tone left, noise right."""
    rng = np.random.default_rng(2)
    t = np.arange(44100) / 44100
    data = np.stack([0.3 * np.sin(2 * np.pi * 440 * t), 0.1 * rng.standard_normal(t.size)], axis=1)
    path = tmp_path / "stereo.flac"
    sf.write(path, data.astype(np.float32), 44100)
    return path


@pytest.fixture
def unwritable_dir(tmp_path: Path) -> Path:
    """A folder this process cannot create files in, also when it runs as root (/proc)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if os.access(locked, os.W_OK) and Path("/proc/self").is_dir():
        return Path("/proc")
    return locked


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``gpu`` run only where CUDA is available."""
    gpu_items = [item for item in items if "gpu" in item.keywords]
    if not gpu_items:
        return
    import torch

    if not torch.cuda.is_available():
        skip = pytest.mark.skip(reason="needs a CUDA GPU")
        for item in gpu_items:
            item.add_marker(skip)
