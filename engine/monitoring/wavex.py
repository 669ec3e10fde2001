"""Multichannel WAV files with the loudspeaker positions: WAVE_FORMAT_EXTENSIBLE + dwChannelMask.

libsndfile writes WAVE_FORMAT_EXTENSIBLE (``format="WAVEX"``) but chooses the channel mask
itself from the channel count (and pysoundfile has no call for libsndfile's
``SFC_SET_CHANNEL_MAP_INFO``). So the file is written by libsndfile under a temporary name and
the 4-byte ``dwChannelMask`` of its ``fmt `` chunk is then set in place, before the file is
renamed into view: the header is parsed (:func:`read_wavex_header`), never guessed.

``fmt `` of WAVE_FORMAT_EXTENSIBLE (little-endian): wFormatTag 0xFFFE, nChannels,
nSamplesPerSec, nAvgBytesPerSec, nBlockAlign, wBitsPerSample, cbSize (22),
wValidBitsPerSample, **dwChannelMask** (offset 20 in the chunk's data), SubFormat GUID
(PCM ``00000001-0000-0010-8000-00aa00389b71`` or IEEE float ``00000003-…``).
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from numpy.typing import NDArray

from ..audio_io import BIT_DEPTHS, _json_default, check_writable, sidecar_path
from ..errors import AudioFileError
from ..files import atomic_target

WAVE_FORMAT_EXTENSIBLE = 0xFFFE
SUBFORMAT_PCM = 1
SUBFORMAT_FLOAT = 3


@dataclass(frozen=True)
class WavexHeader:
    format_tag: int
    channels: int
    rate: int
    bits: int
    valid_bits: int
    channel_mask: int
    subformat: int  # the first two bytes of the SubFormat GUID: 1 PCM, 3 float


def _chunks(data: bytes) -> dict[bytes, tuple[int, int]]:
    """RIFF chunk id → (offset of its data, size)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioFileError("not a RIFF/WAVE file")
    found: dict[bytes, tuple[int, int]] = {}
    pos = 12
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        found.setdefault(cid, (pos + 8, size))
        if cid == b"data":
            break
        pos += 8 + size + (size & 1)
    return found


def _fmt_offset(path: Path) -> int:
    with open(path, "rb") as f:
        head = f.read(4096)  # fmt comes before data; libsndfile puts it first
    chunks = _chunks(head)
    if b"fmt " not in chunks:
        raise AudioFileError(f"{path}: no fmt chunk")
    return chunks[b"fmt "][0]


def read_wavex_header(path: str | Path) -> WavexHeader:
    """Parse the ``fmt `` chunk of a WAV file (plain or extensible)."""
    p = Path(path)
    with open(p, "rb") as f:
        head = f.read(4096)
    try:
        off, size = _chunks(head)[b"fmt "]
    except KeyError:
        raise AudioFileError(f"{p}: no fmt chunk") from None
    except AudioFileError as exc:
        raise AudioFileError(f"{p}: {exc}") from None
    tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", head, off)
    if tag == WAVE_FORMAT_EXTENSIBLE and size >= 40:
        valid, mask = struct.unpack_from("<HI", head, off + 18)
        sub = struct.unpack_from("<H", head, off + 24)[0]
        return WavexHeader(tag, channels, rate, bits, valid, mask, sub)
    return WavexHeader(tag, channels, rate, bits, bits, 0, tag)


def set_channel_mask(path: Path, mask: int) -> None:
    """Overwrite ``dwChannelMask`` of an extensible WAV in place."""
    off = _fmt_offset(path)
    with open(path, "r+b") as f:
        f.seek(off)
        tag = struct.unpack("<H", f.read(2))[0]
        if tag != WAVE_FORMAT_EXTENSIBLE:
            raise AudioFileError(f"{path}: not WAVE_FORMAT_EXTENSIBLE (format tag 0x{tag:X})")
        f.seek(off + 20)
        f.write(struct.pack("<I", mask))


def write_speaker_wav(
    path: str | Path,
    samples: NDArray[np.floating],
    rate: int,
    channel_mask: int,
    *,
    bits: str = "24",
    overwrite: bool = False,
    sidecar: dict[str, Any] | None = None,
) -> Path:
    """Write loudspeaker feeds ``(channels, frames)`` as WAVE_FORMAT_EXTENSIBLE with
    ``channel_mask`` (0 = positions unnamed), atomically, with an optional JSON sidecar.

    ``bits``: "16" (TPDF-dithered) / "24" PCM, clipped to ±1, or "32f" float.
    """
    if bits not in BIT_DEPTHS:
        raise ValueError(f"bits must be one of {', '.join(BIT_DEPTHS)}, got {bits!r}")
    p = check_writable(path, overwrite, sidecar is not None)
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"expected (channels, frames), got shape {x.shape}")
    if bits == "16":
        rng = np.random.default_rng(0)
        x = x + (
            rng.random(x.shape, dtype=np.float32) - rng.random(x.shape, dtype=np.float32)
        ) / np.float32(32768.0)
    if bits != "32f":
        x = np.clip(x, -1.0, 1.0)
    try:
        with atomic_target(p) as tmp:
            sf.write(str(tmp), x.T, int(rate), subtype=BIT_DEPTHS[bits], format="WAVEX")
            set_channel_mask(tmp, int(channel_mask))
            if sidecar is not None:
                text = json.dumps(sidecar, indent=2, default=_json_default) + "\n"
                with atomic_target(sidecar_path(p)) as tmp_side:
                    tmp_side.write_text(text, encoding="utf-8")
    except (OSError, RuntimeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise AudioFileError(f"{p}: cannot write ({reason})") from None
    return p
