"""What the JSON sidecar of a written take or export holds: enough to make it again.

One writer for every command and widget that writes FOA or binaural files (``spatialize``,
``generate``, ``binaural``, the take store and its exports), so the sidecars agree.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ambisketch import __version__

from ..audio_io import sidecar_path
from ..errors import AudioFileError
from ..spatial.captions import describe
from ..spatial.trajectory import Trajectory

if TYPE_CHECKING:
    from ..binaural.hrirs import HrirSet

FOA_FORMATS = ("ambix", "fuma")
ROTATION_CONVENTION = (
    "degrees; +yaw = head turns left, +pitch = looks up, +roll = tilts right (left ear up)"
)


def now_iso() -> str:
    """The current UTC time as ISO 8601 to the second (what ``created`` fields hold)."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def format_fields(fmt: str, rate: int, bits: str) -> dict[str, Any]:
    """The fields that say how the samples of an FOA (or binaural) file are laid out."""
    if fmt == "binaural":
        return {"format": fmt, "channel_order": "left, right", "sample_rate": rate, "bits": bits}
    if fmt not in FOA_FORMATS:
        raise ValueError(f"format must be one of ambix, fuma, binaural, got {fmt!r}")
    return {
        "format": fmt,
        "channel_order": "ACN (W, Y, Z, X)" if fmt == "ambix" else "FuMa (W, X, Y, Z)",
        "normalisation": "SN3D" if fmt == "ambix" else "FuMa (W at -3 dB)",
        "sample_rate": rate,
        "bits": bits,
    }


def take_metadata(
    kind: str, traj: Trajectory | None, fmt: str, rate: int, bits: str, extra: dict[str, Any]
) -> dict[str, Any]:
    """The sidecar of an FOA take: version, kind, time, layout, the path and ``extra``."""
    meta: dict[str, Any] = {
        "ambisketch_version": __version__,
        "kind": kind,
        "created": now_iso(),
        **format_fields(fmt, rate, bits),
    }
    if traj is not None:
        meta["path"] = traj.to_dict()
        meta["path_caption"] = describe(traj)
    meta.update(extra)
    return meta


def binaural_metadata(
    src: Path,
    hrtf: dict[str, Any],
    decoder: dict[str, Any],
    rate: int,
    bits: str,
    *,
    input_format: str = "ambix",
    rotation: tuple[float, float, float] = (0.0, 0.0, 0.0),
    source_take: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The sidecar of a binaural render of ``src``.

    Args:
        hrtf: what identifies the HRTF (see :func:`hrtf_fields`).
        decoder: ``BinauralDecoder.describe()``.
        rotation: head (yaw, pitch, roll) in degrees.
        source_take: the FOA take's own sidecar, kept so the export can be made again.
    """
    yaw, pitch, roll = rotation
    meta: dict[str, Any] = {
        "ambisketch_version": __version__,
        "kind": "binaural",
        "created": now_iso(),
        **format_fields("binaural", rate, bits),
        "input": str(Path(src).resolve()),
        "input_format": input_format,
        "hrtf": hrtf,
        "head_rotation": {
            "yaw": yaw,
            "pitch": pitch,
            "roll": roll,
            "convention": ROTATION_CONVENTION,
        },
        "decoder": decoder,
    }
    if source_take is not None:
        meta["source_take"] = source_take
    return meta


def hrtf_fields(hrirs: HrirSet, user_file: bool) -> dict[str, Any]:
    """Name, file (for a user's SOFA file), checksum and licence of an HRIR set."""
    return {
        "name": hrirs.name,
        "file": str(hrirs.source) if user_file else None,
        "sha256": hrirs.identity,
        **{
            k.lower(): v
            for k, v in hrirs.info.items()
            if k in ("DatabaseName", "License", "References")
        },
    }


def read_sidecar(audio_path: str | Path) -> dict[str, Any] | None:
    """The JSON sidecar of ``audio_path`` (None when it has none).

    Raises:
        AudioFileError: the sidecar exists but is not a readable JSON object.
    """
    side = sidecar_path(audio_path)
    if not side.exists():
        return None
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise AudioFileError(f"{side}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AudioFileError(f"{side}: cannot read ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise AudioFileError(f"{side}: expected a JSON object, got {type(data).__name__}")
    return data
