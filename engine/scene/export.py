"""Writing a scene's render: the AmbiX (or binaural) mix and one full-length stem per track.

Everything is checked before any work (every target writable, nothing overwritten unless
asked), then rendered block by block into temporary files that are renamed into place only
when all of them are complete: a failure leaves no half-written or stray file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import soundfile as sf

from ..audio_io import BIT_DEPTHS, check_writable
from ..errors import AudioFileError, SceneError
from ..files import atomic_target
from .media import MediaCache
from .mixer import prepare_scene, render_blocks, total_frames
from .scene import Scene

if TYPE_CHECKING:
    from ..binaural.hrirs import HrirSet


@dataclass
class SceneExport:
    """What was written, and the mix's peak (dBFS) for a clipping warning."""

    mix: Path
    stems: list[Path] = field(default_factory=list)
    frames: int = 0
    rate: int = 0
    peak_db: float = float("-inf")
    clipped: bool = False


def stem_name(index: int, name: str) -> str:
    """``03-rain_all_around.wav``: the lane number keeps the DAW's track order."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "track"
    return f"{index:02d}-{slug[:60]}.wav"


class _Writer:
    """A WAV file written in blocks (with the same TPDF dither as ``write_audio``)."""

    def __init__(self, path: Path, channels: int, rate: int, bits: str) -> None:
        self.bits = bits
        self.rng = np.random.default_rng(0)
        self.file = sf.SoundFile(
            str(path),
            "w",
            samplerate=rate,
            channels=channels,
            subtype=BIT_DEPTHS[bits],
            format="WAV",
        )

    def write(self, block: np.ndarray) -> None:
        x = block
        if self.bits == "16":
            lsb = np.float32(1.0 / 32768.0)
            x = (
                x
                + (
                    self.rng.random(x.shape, dtype=np.float32)
                    - self.rng.random(x.shape, dtype=np.float32)
                )
                * lsb
            )
        if self.bits != "32f":
            x = np.clip(x, -1.0, 1.0)
        self.file.write(np.ascontiguousarray(x.T))

    def close(self) -> None:
        self.file.close()


def export_scene(
    scene: Scene,
    output: str | Path,
    media: MediaCache | None = None,
    *,
    stems_dir: str | Path | None = None,
    bits: str = "24",
    binaural: bool = False,
    head: tuple[float, float, float] = (0.0, 0.0, 0.0),
    hrirs: HrirSet | None = None,
    overwrite: bool = False,
    progress: Callable[[float], None] | None = None,
) -> SceneExport:
    """Render ``scene`` to ``output`` (AmbiX, or binaural stereo with ``binaural``) at the
    scene's rate, plus one AmbiX stem per audible track in ``stems_dir`` (created if missing).

    Each stem is the full scene length, so the stems sum to the AmbiX mix (exactly in 32-bit
    float; to the dither in PCM). ``head`` is the fixed (yaw, pitch, roll) of a binaural mix.
    """
    if bits not in BIT_DEPTHS:
        raise SceneError(f"bits must be one of {', '.join(BIT_DEPTHS)}, got {bits!r}")
    out = Path(output)
    media = media if media is not None else MediaCache(scene.rate)
    audible = [(i, t) for i, t in enumerate(scene.tracks, 1) if scene.audible(t)]
    if not audible:
        raise SceneError(
            "nothing to render: the scene has no audible track"
            + (" (all muted)" if scene.tracks else "")
        )
    check_writable(out, overwrite)
    stem_paths: list[Path] = []
    made_dir = False
    if stems_dir is not None:
        folder = Path(stems_dir)
        if folder.exists() and not folder.is_dir():
            raise AudioFileError(f"{folder}: is a file, not a folder for the stems")
        stem_paths = [folder / stem_name(i, t.name) for i, t in audible]
        if not folder.exists():
            parent = folder.parent if str(folder.parent) else Path(".")
            if not parent.is_dir():
                raise AudioFileError(f"{folder}: folder {parent} does not exist")
            try:
                folder.mkdir()
            except OSError as exc:
                raise AudioFileError(f"{folder}: cannot create ({exc.strerror})") from None
            made_dir = True
        try:
            for p in stem_paths:
                check_writable(p, overwrite)
                if p.resolve() == out.resolve():
                    raise AudioFileError(f"{p}: the mix and a stem would be the same file")
        except BaseException:
            if made_dir:
                folder.rmdir()
            raise
    try:
        return _render_files(scene, media, out, stem_paths, bits, binaural, head, hrirs, progress)
    except BaseException:
        if made_dir:
            for p in Path(stems_dir).iterdir():  # type: ignore[arg-type]
                p.unlink(missing_ok=True)
            Path(stems_dir).rmdir()  # type: ignore[arg-type]
        raise


def _render_files(
    scene: Scene,
    media: MediaCache,
    out: Path,
    stem_paths: list[Path],
    bits: str,
    binaural: bool,
    head: tuple[float, float, float],
    hrirs: HrirSet | None,
    progress: Callable[[float], None] | None,
) -> SceneExport:
    prepared = prepare_scene(scene, media)
    total = total_frames(prepared)
    renderer = None
    if binaural:
        from ..binaural.cache import decoder_for
        from ..binaural.hrtf import load_hrtf
        from ..binaural.render import BlockRenderer

        renderer = BlockRenderer(
            decoder_for(hrirs if hrirs is not None else load_hrtf(), scene.rate), *head
        )
    result = SceneExport(out, list(stem_paths), total, scene.rate)
    peak = 0.0
    try:
        with ExitStack() as stack:
            tmp = stack.enter_context(atomic_target(out))
            writers = [_Writer(tmp, 2 if binaural else 4, scene.rate, bits)]
            for p in stem_paths:
                writers.append(_Writer(stack.enter_context(atomic_target(p)), 4, scene.rate, bits))
            try:
                done = 0
                for mix, stems in render_blocks(prepared, stems=bool(stem_paths)):
                    main = renderer.process(mix) if renderer is not None else mix
                    peak = max(peak, float(np.max(np.abs(main))) if main.size else 0.0)
                    writers[0].write(main)
                    for w, s in zip(writers[1:], stems):
                        w.write(s)
                    done += mix.shape[1]
                    if progress:
                        progress(done / total)
            finally:
                for w in writers:
                    w.close()
    except (OSError, RuntimeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise AudioFileError(f"{out}: cannot write ({reason})") from None
    result.peak_db = 20 * np.log10(peak) if peak > 0 else float("-inf")
    result.clipped = bits != "32f" and peak > 1.0
    return result
