"""The high-band network and its files: what :mod:`.highband` asks for the level of each high
band, frame by frame, and where the shipped one is kept (``resources/highband``: weights in
safetensors, config and provenance in JSON; never pickle)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

LOW_BANDS = 16  # the network's input: bands under 7.6 kHz (and the frame's loudness)
HIGH_BANDS = 12  # its output: bands from 7.6 to 20 kHz


class LevelPredictor(Protocol):
    def predict(self, feats: NDArray[np.float32]) -> NDArray[np.float32]: ...


class FixedLevels:
    """The same level in every frame for each high band (a fixed tilt: the baseline the
    network is measured against)."""

    def __init__(self, levels_db: NDArray[np.floating]) -> None:
        self.levels = np.asarray(levels_db, np.float32).reshape(1, HIGH_BANDS)

    def predict(self, feats: NDArray[np.float32]) -> NDArray[np.float32]:
        return np.repeat(self.levels, len(feats), axis=0)


@dataclass(frozen=True)
class HighBandConfig:
    hidden: int = 128
    kernel: int = 5
    layers: int = 4  # receptive field: layers * (kernel - 1) / 2 frames each side (±8)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HighBandConfig:
        return cls(**{k: int(data[k]) for k in ("hidden", "kernel", "layers")})


class HighBandModel(nn.Module):
    """Features ``(batch, frames, LOW_BANDS + 1)`` → high-band levels ``(batch, frames,
    HIGH_BANDS)`` in dB relative to the reference band, by 1-D convolutions over time."""

    def __init__(self, config: HighBandConfig | None = None) -> None:
        super().__init__()
        self.config = config or HighBandConfig()
        c = self.config
        layers: list[nn.Module] = []
        width = LOW_BANDS + 1
        for _ in range(c.layers):
            layers += [nn.Conv1d(width, c.hidden, c.kernel, padding=c.kernel // 2), nn.GELU()]
            width = c.hidden
        layers.append(nn.Conv1d(width, HIGH_BANDS, 1))
        self.net = nn.Sequential(*layers)
        # Scaled output: the levels are tens of dB.
        self.register_buffer("offset", torch.full((HIGH_BANDS,), -20.0))

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        y = self.net(feats.transpose(1, 2)).transpose(1, 2)
        return 20.0 * y + self.offset

    def predict(self, feats: NDArray[np.float32]) -> NDArray[np.float32]:
        with torch.no_grad():
            x = torch.from_numpy(np.ascontiguousarray(feats, np.float32))[None]
            return self(x)[0].numpy()


CONFIG_FILE = "highs.json"
WEIGHTS_FILE = "highs.safetensors"


def save_highs(folder: str | Path, model: HighBandModel, about: dict[str, Any]) -> Path:
    """Write ``folder/highs.safetensors`` and ``highs.json`` (config and provenance)."""
    import json

    from ..files import atomic_target
    from .weights import save_weights

    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    save_weights(d / WEIGHTS_FILE, model.state_dict())
    with atomic_target(d / CONFIG_FILE) as tmp:
        Path(tmp).write_text(
            json.dumps({"config": model.config.to_dict(), **about}, indent=1) + "\n"
        )
    return d


def default_folder() -> Path:
    from ..resources import resources_dir

    return resources_dir() / "highband"


def default_model() -> HighBandModel:
    """The shipped model (``resources/highband``), loaded once per folder."""
    return _cached(str(default_folder()))


@lru_cache(maxsize=2)
def _cached(folder: str) -> HighBandModel:
    return load_highs(folder)


def load_highs(folder: str | Path) -> HighBandModel:
    """The model kept in ``folder`` (see :func:`save_highs`); a missing or damaged file is a
    ModelLoadError naming it."""
    import json

    from ..errors import ModelLoadError
    from .weights import load_state_strict, load_weights

    d = Path(folder)
    try:
        about = json.loads((d / CONFIG_FILE).read_text())
        config = HighBandConfig.from_dict(about["config"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(
            f"{d / CONFIG_FILE}: not a high-band model description ({exc})"
        ) from None
    model = HighBandModel(config)
    load_state_strict(model, load_weights(d / WEIGHTS_FILE), str(d / WEIGHTS_FILE))
    return model.eval()
