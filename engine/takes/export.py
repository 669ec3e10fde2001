"""Exporting a take: AmbiX or FuMa for a DAW, a binaural WAV for headphones, or loudspeaker
feeds (stereo … 7.1.4 or a layout file) as WAVE_FORMAT_EXTENSIBLE with the layout's mask.

An export resamples (soxr VHQ) when asked (adding the high band a 16 kHz take lacks: see
:mod:`..models.highband`), converts the channel layout, decodes to binaural
with the engine's MagLS decoder or to loudspeakers with AllRAD, normalises the loudness when
asked (BS.1770, gain only, under a -1 dBTP true-peak ceiling), and writes the WAV and its
sidecar atomically; the sidecar keeps how the take was made, so an export can be made again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..audio_io import BIT_DEPTHS, check_writable, peak_dbfs, write_audio
from ..errors import AudioFileError, EngineError
from ..spatial.ambisonics import ambix_to_fuma
from .metadata import binaural_metadata, format_fields, hrtf_fields, now_iso
from .records import TakeRecord, read_take_audio

if TYPE_CHECKING:
    from ..binaural.cache import DecoderCache
    from ..binaural.hrirs import HrirSet

EXPORT_FORMATS = ("ambix", "fuma", "binaural", "speakers")
MIN_RATE, MAX_RATE = 8000, 384000
_SUFFIX = {"ambix": "", "fuma": "_fuma", "binaural": "_binaural", "speakers": "_speakers"}


@dataclass(frozen=True)
class ExportResult:
    """What was written: the file, its layout, and remarks for the user (e.g. clipping)."""

    path: Path
    format: str
    rate: int
    bits: str
    seconds: float
    notes: tuple[str, ...] = ()
    layout: str | None = None  # the loudspeaker layout of a "speakers" export
    loudness_lufs: float | None = None  # where normalisation left it (None: not asked)
    highs_estimated: bool = False  # the band above 7.6 kHz was added (a 16 kHz take, ≥ 32 kHz)


def default_export_name(record: TakeRecord, fmt: str, layout: str | None = None) -> str:
    """``NAME.wav`` for AmbiX, ``NAME_fuma.wav``, ``NAME_binaural.wav``, ``NAME_5.1.wav``."""
    if fmt == "speakers" and layout:
        return f"{record.name}_{Path(layout).stem if layout.endswith('.json') else layout}.wav"
    return f"{record.name}{_SUFFIX.get(fmt, '')}.wav"


def check_export_options(fmt: str, bits: str, rate: int | None) -> None:
    """Raise :class:`EngineError` naming the first bad option, listing the allowed values."""
    if fmt not in EXPORT_FORMATS:
        raise EngineError(
            f"unknown export format {fmt!r} (choose from {', '.join(EXPORT_FORMATS)})"
        )
    if bits not in BIT_DEPTHS:
        raise EngineError(f"unknown bit depth {bits!r} (choose from {', '.join(BIT_DEPTHS)})")
    if rate is not None and not (isinstance(rate, int) and MIN_RATE <= rate <= MAX_RATE):
        raise EngineError(
            f"rate {rate}: choose a rate between {MIN_RATE} and {MAX_RATE} Hz (or the take's own)"
        )


def export_take(
    record: TakeRecord,
    out: str | Path,
    format: str = "ambix",
    bits: str = "24",
    rate: int | None = None,
    hrtf: str | Path | HrirSet | None = None,
    overwrite: bool = False,
    yaw: float = 0.0,
    pitch: float = 0.0,
    cache: DecoderCache | None = None,
    layout: str | None = None,
    loudness_lufs: float | None = None,
    lfe: bool = False,
    highs: bool = True,
) -> ExportResult:
    """Write ``record`` to ``out`` (and ``out.json``).

    Args:
        format: ``ambix`` (ACN/SN3D), ``fuma`` (W X Y Z, W at -3 dB) or ``binaural``.
        bits: ``16`` / ``24`` (PCM) or ``32f`` (float; keeps peaks above 0 dBFS).
        rate: resample to this rate first (None = the take's native rate).
        hrtf: for binaural, a SOFA file or a loaded set (None = the default MIT KEMAR).
        overwrite: replace an existing ``out``; otherwise :class:`OutputExistsError`.
        yaw, pitch: for binaural, a fixed head rotation in degrees (+yaw = head left).
        cache: where binaural decoders come from (None = the process's shared cache).
        layout: for ``speakers``, a layout name (stereo, quad, 5.1, 7.1, 7.1.4) or a JSON file;
            ``lfe`` feeds its LFE channel (otherwise silent).
        loudness_lufs: normalise to this integrated loudness (−70…0 LUFS; AmbiX measured on
            W, speakers with BS.1770's weights); a true-peak ceiling of −1 dBTP wins, and the
            notes say so. Silence cannot be normalised (:class:`EngineError`).
        highs: a take at the starter model's 16 kHz exported at 32 kHz or more gets the band
            above 7.6 kHz it lacks, estimated from the band under it
            (:mod:`~ambisketch.engine.models.highband`; the sidecar says so); False leaves
            it empty, as resampling alone does.

    Raises:
        EngineError: a bad option, an unreadable take, an unusable HRTF or an unwritable
            output; nothing is written then.
    """
    check_export_options(format, bits, rate)
    speakers = None
    if format == "speakers":
        from ..monitoring.layouts import get_layout

        if not layout:
            raise EngineError(
                "a loudspeaker export needs a layout (stereo, quad, 5.1, 7.1, "
                "7.1.4 or a LAYOUT.json file)"
            )
        speakers = get_layout(layout)
    if loudness_lufs is not None:
        from ..loudness import check_target

        check_target(loudness_lufs)
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
    from ..models.highband import to_rate

    data, high_band = to_rate(foa, native, out_rate, highs)
    notes = []
    level = None
    if loudness_lufs is not None and format in ("ambix", "fuma"):
        data, level, note = _normalise(data, out_rate, loudness_lufs, target, ambix=True)
        notes += note
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
        meta = binaural_metadata(
            record.path,
            hrtf_fields(hrirs, user_file),
            decoder.describe(),
            out_rate,
            bits,
            rotation=(float(yaw), float(pitch), 0.0),
            source_take=record.sidecar,
        )
    elif format == "speakers":
        from ..loudness import speaker_weights
        from ..monitoring.speaker_decoder import design

        assert speakers is not None
        speaker_decoder = design(speakers)
        data = speaker_decoder.decode(data, out_rate, lfe=lfe)
        meta = {
            "kind": "decode",
            "source_take": record.sidecar,
            "decoder": speaker_decoder.describe(),
            "lfe": bool(lfe and speakers.lfe_index is not None),
            "rate": out_rate,
            "bits": bits,
        }
        if loudness_lufs is not None:
            weights = speaker_weights(
                [s.azimuth for s in speakers.speakers],
                [s.elevation for s in speakers.speakers],
                [s.lfe for s in speakers.speakers],
            )
            data, level, note = _normalise(data, out_rate, loudness_lufs, target, weights=weights)
            notes += note
    else:
        meta = {**record.sidecar, **format_fields("ambix", out_rate, bits)}
    if loudness_lufs is not None and format == "binaural":
        data, level, note = _normalise(data, out_rate, loudness_lufs, target)
        notes += note
    meta.update({"exported_from": str(record.path.resolve()), "exported": now_iso()})
    if high_band is not None:
        meta["high_band"] = high_band
    if level is not None:
        meta["loudness_lufs"] = level
    peak = peak_dbfs(data)
    if bits != "32f" and peak > 0.0:
        notes.append(
            f"{target.name}: peak {peak:+.1f} dBFS clipped in {bits}-bit PCM; 32-bit float keeps it"
        )
    if speakers is not None:
        from ..monitoring.wavex import write_speaker_wav

        write_speaker_wav(
            target,
            data,
            out_rate,
            speakers.channel_mask,
            bits=bits,
            overwrite=overwrite,
            sidecar=meta,
        )
    else:
        write_audio(target, data, out_rate, bits=bits, overwrite=overwrite, sidecar=meta)
    return ExportResult(
        target,
        format,
        out_rate,
        bits,
        data.shape[1] / out_rate,
        tuple(notes),
        speakers.name if speakers is not None else None,
        level,
        high_band is not None,
    )


def _normalise(
    data: NDArray[np.float32], rate: int, target_lufs: float, out: Path, **how: Any
) -> tuple[NDArray[np.float32], float, list[str]]:
    """Normalised data, its loudness, and a note when the true-peak ceiling won."""
    from ..loudness import normalise

    result = normalise(data, rate, target_lufs, name=str(out), **how)
    notes = [f"{out.name}: {result.message()}"] if result.limited else []
    return result.samples, round(result.after.integrated_lufs, 2), notes
