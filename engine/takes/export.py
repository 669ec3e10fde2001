"""Exporting a take: AmbiX or FuMa for a DAW, or a binaural WAV for headphones.

An export resamples (soxr VHQ) when asked, converts the channel layout or decodes to
binaural with the engine's MagLS decoder, and writes the WAV and its sidecar atomically;
the sidecar keeps how the take was made, so an export can be made again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..audio_io import BIT_DEPTHS, check_writable, peak_dbfs, resample, write_audio
from ..errors import AudioFileError, EngineError
from ..spatial.ambisonics import ambix_to_fuma
from .metadata import binaural_metadata, format_fields, hrtf_fields, now_iso
from .records import TakeRecord, read_take_audio

if TYPE_CHECKING:
    from ..binaural.cache import DecoderCache
    from ..binaural.hrirs import HrirSet

EXPORT_FORMATS = ("ambix", "fuma", "binaural")
MIN_RATE, MAX_RATE = 8000, 384000
_SUFFIX = {"ambix": "", "fuma": "_fuma", "binaural": "_binaural"}


@dataclass(frozen=True)
class ExportResult:
    """What was written: the file, its layout, and remarks for the user (e.g. clipping)."""

    path: Path
    format: str
    rate: int
    bits: str
    seconds: float
    notes: tuple[str, ...] = ()


def default_export_name(record: TakeRecord, fmt: str) -> str:
    """``NAME.wav`` for AmbiX, ``NAME_fuma.wav``, ``NAME_binaural.wav``."""
    return f"{record.name}{_SUFFIX.get(fmt, '')}.wav"


def check_export_options(fmt: str, bits: str, rate: int | None) -> None:
    """Raise :class:`EngineError` naming the first bad option, listing the allowed values."""
    if fmt not in EXPORT_FORMATS:
        raise EngineError(f"unknown export format {fmt!r} (choose from "
                          f"{', '.join(EXPORT_FORMATS)})")
    if bits not in BIT_DEPTHS:
        raise EngineError(f"unknown bit depth {bits!r} (choose from {', '.join(BIT_DEPTHS)})")
    if rate is not None and not (isinstance(rate, int) and MIN_RATE <= rate <= MAX_RATE):
        raise EngineError(f"rate {rate}: choose a rate between {MIN_RATE} and {MAX_RATE} Hz "
                          "(or the take's own)")


def export_take(record: TakeRecord, out: str | Path, format: str = "ambix", bits: str = "24",
                rate: int | None = None, hrtf: str | Path | HrirSet | None = None,
                overwrite: bool = False, yaw: float = 0.0, pitch: float = 0.0,
                cache: DecoderCache | None = None) -> ExportResult:
    """Write ``record`` to ``out`` (and ``out.json``).

    Args:
        format: ``ambix`` (ACN/SN3D), ``fuma`` (W X Y Z, W at -3 dB) or ``binaural``.
        bits: ``16`` / ``24`` (PCM) or ``32f`` (float; keeps peaks above 0 dBFS).
        rate: resample to this rate first (None = the take's native rate).
        hrtf: for binaural, a SOFA file or a loaded set (None = the default MIT KEMAR).
        overwrite: replace an existing ``out``; otherwise :class:`OutputExistsError`.
        yaw, pitch: for binaural, a fixed head rotation in degrees (+yaw = head left).
        cache: where binaural decoders come from (None = the process's shared cache).

    Raises:
        EngineError: a bad option, an unreadable take, an unusable HRTF or an unwritable
            output; nothing is written then.
    """
    check_export_options(format, bits, rate)
    target = Path(out)
    if target.suffix.lower() != ".wav":
        raise AudioFileError(f"{target}: exports are WAV files; name it *.wav")
    if target.exists() and target.resolve() == record.path.resolve():
        raise AudioFileError(f"{target}: would overwrite the take itself")
    check_writable(target, overwrite, sidecar=True)
    hrirs = None
    if format == "binaural":
        from ..binaural.hrirs import HrirSet
        from ..binaural.hrtf import load_hrtf

        hrirs = hrtf if isinstance(hrtf, HrirSet) else load_hrtf(hrtf)
    foa, native = read_take_audio(record.path)
    out_rate = rate or native
    data = resample(foa, native, out_rate)
    if format == "fuma":
        data = ambix_to_fuma(data)
        meta = {**record.sidecar, **format_fields("fuma", out_rate, bits)}
    elif format == "binaural":
        from ..binaural.cache import decoder_for
        from ..binaural.render import render

        assert hrirs is not None
        decoder = decoder_for(hrirs, out_rate, cache=cache)
        data = render(data, decoder, yaw, pitch)
        user_file = hrirs.source is not None and hrtf is not None
        meta = binaural_metadata(record.path, hrtf_fields(hrirs, user_file), decoder.describe(),
                                 out_rate, bits, rotation=(float(yaw), float(pitch), 0.0),
                                 source_take=record.sidecar)
    else:
        meta = {**record.sidecar, **format_fields("ambix", out_rate, bits)}
    meta.update({"exported_from": str(record.path.resolve()), "exported": now_iso()})
    notes = []
    peak = peak_dbfs(data)
    if bits != "32f" and peak > 0.0:
        notes.append(f"{target.name}: peak {peak:+.1f} dBFS clipped in {bits}-bit PCM; "
                     "32-bit float keeps it")
    write_audio(target, data, out_rate, bits=bits, overwrite=overwrite, sidecar=meta)
    return ExportResult(target, format, out_rate, bits, data.shape[1] / out_rate, tuple(notes))
