"""Codec evaluation: the SonicMotion paper's Table 3 metrics on a fixed test set.

For every clip: encode and decode (chunked; a codec of either kind), then
- STFT distance: auraloss ``MultiResolutionSTFTLoss()`` with its defaults;
- MEL distance: auraloss ``MelSTFTLoss(sample_rate)`` with its defaults;
- direction: intensity-vector tracks of input and reconstruction compared frame by frame
  (circular L1 azimuth, L1 elevation, great-circle angle) over frames loud in both.
Reported as the mean over clips, next to the paper's figures.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from ambisketch.engine.audio_io import read_audio
from ambisketch.engine.errors import AudioFileError, EngineError
from ambisketch.engine.json_types import JSONObject
from ambisketch.engine.models.codec import roundtrip
from ambisketch.engine.models.codec_kinds import AnyCodec
from ambisketch.engine.spatial.doa import compare_tracks, intensity_doa

# SonicMotion (arXiv 2507.07318) Table 3, their FOA codec.
PAPER_CODEC = {
    "stft": 1.35,
    "mel": 0.95,
    "azimuth_l1": 3.32,
    "elevation_l1": 1.43,
    "spatial_angle": 3.72,
}


@dataclass(frozen=True)
class CodecScores:
    stft: float
    mel: float
    azimuth_l1: float
    elevation_l1: float
    spatial_angle: float
    clips: int
    seconds: float

    def to_dict(self) -> JSONObject:
        return asdict(self)


def test_set_files(folder: str | Path) -> list[Path]:
    """The clips of a test set: those listed in ``testset.json``, else every WAV in the folder."""
    root = Path(folder)
    if not root.is_dir():
        raise AudioFileError(f"{root}: no such test-set folder")
    index = root / "testset.json"
    if index.is_file():
        try:
            data = json.loads(index.read_text(encoding="utf-8"))
            entries = data["clips"] if isinstance(data, dict) else data
            files = [root / e["file"] for e in entries]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise AudioFileError(f"{index}: not a test-set index ({exc})") from None
    else:
        files = sorted(root.glob("*.wav"))
    if not files:
        raise AudioFileError(f"{root}: holds no test clips (*.wav or testset.json)")
    return files


def evaluate_codec(codec: AnyCodec, files: list[Path], limit: int | None = None) -> CodecScores:
    """Mean Table 3 metrics of ``codec`` over ``files`` (4-channel AmbiX WAVs)."""
    from auraloss.freq import MelSTFTLoss, MultiResolutionSTFTLoss

    rate = codec.config.sample_rate
    stft_loss, mel_loss = MultiResolutionSTFTLoss(), MelSTFTLoss(rate)
    rows, seconds = [], 0.0
    for path in files[:limit] if limit else files:
        audio = read_audio(path, rate)
        if audio.channels != 4:
            raise AudioFileError(f"{path}: has {audio.channels} channel(s); FOA needs 4")
        recon = roundtrip(codec, audio.samples)
        a, b = torch.from_numpy(recon)[None], torch.from_numpy(audio.samples)[None]
        err = compare_tracks(intensity_doa(recon, rate), intensity_doa(audio.samples, rate))
        rows.append(
            (
                float(stft_loss(a, b)),
                float(mel_loss(a, b)),
                err.azimuth_l1,
                err.elevation_l1,
                err.spatial_angle,
            )
        )
        seconds += audio.duration
    if not rows:
        raise EngineError("no clips to evaluate")
    m = np.nanmean(np.array(rows), axis=0)
    return CodecScores(*(float(v) for v in m), clips=len(rows), seconds=seconds)


def format_table(scores: CodecScores) -> str:
    """Our figures next to the paper's (lower is better everywhere)."""
    lines = [f"{'metric':<22}{'this codec':>12}{'paper':>10}"]
    names = {
        "stft": "STFT distance",
        "mel": "MEL distance",
        "azimuth_l1": "L1 azimuth (°)",
        "elevation_l1": "L1 elevation (°)",
        "spatial_angle": "spatial angle (°)",
    }
    values = scores.to_dict()
    for key, label in names.items():
        lines.append(f"{label:<22}{values[key]:>12.2f}{PAPER_CODEC[key]:>10.2f}")
    lines.append(f"({scores.clips} clips, {scores.seconds:.0f} s of audio)")
    return "\n".join(lines)
