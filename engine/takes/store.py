"""The take store: a project folder of generated takes, each an AmbiX WAV and its sidecar.

Layout of a project folder::

    takes/
      a-bee-buzzing_s1234.wav        AmbiX (ACN/SN3D), the model's native rate, 32-bit float
      a-bee-buzzing_s1234.wav.json   how it was made: prompt, path, seed, steps, cfg, model…
      a-bee-buzzing_s1234.wav.latents.safetensors   the codec latents it was decoded from
                                     (generated takes; re-pathing and editing start there)
      .trash/                        deleted takes (never destroyed by the app)

The name of a take is its file name without ``.wav``. Files are written atomically (the
WAV and its sidecar both complete before either is renamed into place); a listing reads
only headers and sidecars, and reports what it cannot read instead of failing.
"""

from __future__ import annotations

import builtins
import os
from pathlib import Path

import numpy as np
import soundfile as sf
from numpy.typing import NDArray

from ..audio_io import read_audio, sidecar_path, write_audio
from ..errors import AudioFileError, EngineError, GenerationError, OutputExistsError
from ..generate import GenerationRequest, Take
from ..spatial.ambisonics import fuma_to_ambix
from ..spatial.doa import DirectionErrors, DirectionTrack, direction_errors, intensity_doa
from ..spatial.trajectory import Trajectory
from .latents import latents_path, save_latents
from .metadata import format_fields, now_iso, read_sidecar, take_metadata
from .records import TakeProblem, TakeRecord, check_name, make_record, read_take_audio, slug

TRASH = ".trash"
STORE_BITS = "32f"  # takes keep everything the model made; exports choose their depth


def default_project_dir() -> Path:
    """``platformdirs.user_data_dir("ambisketch")/takes``."""
    import platformdirs

    return Path(platformdirs.user_data_dir("ambisketch")) / "takes"


class TakeStore:
    """The takes in ``folder`` (created on the first :meth:`add`).

    Every method that a user's action reaches raises :class:`EngineError` subclasses with a
    one-line message; :meth:`list` never raises for a bad file but records it in
    :attr:`problems`.
    """

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_project_dir()
        self.problems: list[TakeProblem] = []

    # --- reading ----------------------------------------------------------------------
    def list(self) -> list[TakeRecord]:
        """Every take, newest first; unreadable files go to :attr:`problems`."""
        self.problems = []
        if not self.folder.exists():
            return []
        if not self.folder.is_dir():
            raise AudioFileError(f"{self.folder}: is a file, not a take folder")
        records: list[TakeRecord] = []
        wavs = set()
        for entry in sorted(self.folder.iterdir()):
            if entry.name.startswith(".") or not entry.is_file():
                continue
            if entry.suffix.lower() == ".wav":
                wavs.add(entry.name)
                try:
                    records.append(self.read_record(entry))
                except EngineError as exc:
                    self.problems.append(TakeProblem(entry, _strip_path(str(exc), entry)))
        for side in sorted(self.folder.glob("*.wav.json")):
            if not side.name.startswith(".") and side.name[:-5] not in wavs:
                self.problems.append(TakeProblem(side, "a sidecar without its WAV file"))
        # Newest first; the file time breaks ties between takes made in the same second.
        records.sort(key=lambda r: (r.created, _mtime(r.path), r.name), reverse=True)
        return records

    def get(self, name: str) -> TakeRecord:
        """The take called ``name`` (its file name without ``.wav``)."""
        text = str(name).strip()
        if text.lower().endswith(".wav"):
            text = text[:-4]
        path = self.folder / f"{text}.wav"
        if not path.is_file() or text.startswith(".") or "/" in text or "\\" in text:
            raise EngineError(
                f"no take named {text!r} in {self.folder} (see 'ambisketch takes list')"
            )
        return self.read_record(path)

    def read_record(self, path: Path) -> TakeRecord:
        """Parse one take's header and sidecar; :class:`AudioFileError` naming the problem."""
        try:
            info = sf.info(str(path))
        except Exception as exc:  # soundfile raises several types for a damaged header
            detail = str(exc).split(":")[-1].strip() or type(exc).__name__
            raise AudioFileError(f"{path}: not a readable WAV file ({detail})") from None
        if info.channels != 4:
            raise AudioFileError(
                f"{path}: has {info.channels} channel(s); a take is 4-channel AmbiX"
            )
        if info.frames == 0:
            raise AudioFileError(f"{path}: holds no audio (0 samples)")
        side = read_sidecar(path)
        if side is None:
            raise AudioFileError(
                f"{path}: no sidecar {sidecar_path(path).name} (not an "
                "Ambisketch take; add a file with 'ambisketch takes add')"
            )
        if side.get("format", "ambix") != "ambix":
            raise AudioFileError(f"{path}: is {side.get('format')}; a project holds AmbiX takes")
        return make_record(path, info, side)

    def load(self, record: TakeRecord) -> tuple[NDArray[np.float32], int]:
        """The take's AmbiX samples ``(4, n)`` float32 and its rate."""
        return read_take_audio(self._existing(record))

    def request(self, record: TakeRecord) -> GenerationRequest:
        """The request that made the take (same prompt, path, seed, steps, cfg, sampler).

        For a take that was one of several variations the request makes the whole batch
        again; the take is its ``record.variation``-th member.
        """
        if record.request is None:
            raise GenerationError(
                f"{record.name}: was not generated ({record.kind}); there are "
                "no settings to generate it again"
            )
        return GenerationRequest.from_dict(record.request)

    def trajectory(self, record: TakeRecord) -> Trajectory | None:
        """The path the take follows (None: a descriptive take, placed by its prompt)."""
        return record.trajectory

    def measure(
        self, record: TakeRecord, gate_db: float = 40.0
    ) -> tuple[DirectionTrack, DirectionErrors | None]:
        """Intensity-vector direction of the take, and the papers' errors vs its path."""
        foa, rate = self.load(record)
        track = intensity_doa(foa, rate, gate_db=gate_db)
        traj = record.trajectory
        return track, (direction_errors(track, traj) if traj is not None else None)

    # --- writing ----------------------------------------------------------------------
    def add(self, take: Take, name: str | None = None) -> TakeRecord:
        """Store a generated take (AmbiX, native rate, 32-bit float, sidecar), atomically.

        The default name is the prompt's slug and the seed, e.g. ``a-bee-buzzing_s42``
        (``_v2`` … for later variations of a batch), made unique with ``-2``, ``-3``.
        """
        req = take.request
        if name is None:
            base = f"{slug(req.prompt)}_s{req.seed}" if req.seed is not None else slug(req.prompt)
            if req.variations > 1:
                base += f"_v{take.variation + 1}"
            target = self._free(base)
        else:
            target = self._new_path(name)
        path = req.path
        if path is not None and abs(path.duration - req.seconds) > 1e-6:
            path = path.with_duration(req.seconds)  # the path the take follows, for 'analyze'
        if path is None:
            path = take.path  # a text-only take placed on the path its words describe
        meta = take_metadata(
            "generate",
            path,
            "ambix",
            take.rate,
            STORE_BITS,
            {**take.sidecar(), "seconds": round(take.duration, 6)},
        )
        self._make_folder()
        if take.latents is not None:  # first, so a take never lacks the latents it lists
            save_latents(target, take.latents, latents_meta(take))
        try:
            write_audio(target, take.foa, take.rate, bits=STORE_BITS, sidecar=meta)
        except BaseException:
            latents_path(target).unlink(missing_ok=True)
            raise
        return self.read_record(target)

    def add_file(self, source: str | Path, name: str | None = None) -> TakeRecord:
        """Copy an FOA file (AmbiX, or FuMa when its sidecar says so) into the project.

        Its sidecar (from ``ambisketch generate`` or ``spatialize``) is kept, so a generated
        take can be generated again from the project.
        """
        src = Path(source)
        if src.resolve().parent == self.folder.resolve():
            raise EngineError(f"{src}: is already in the project folder")
        audio = read_audio(src)
        if audio.channels != 4:
            raise AudioFileError(f"{src}: has {audio.channels} channel(s); a take is 4-channel FOA")
        side = read_sidecar(src) or {"kind": "import"}
        foa = fuma_to_ambix(audio.samples) if side.get("format") == "fuma" else audio.samples
        meta = {
            **side,
            **format_fields("ambix", audio.rate, STORE_BITS),
            "imported_from": str(src.resolve()),
            "imported": now_iso(),
        }
        meta.setdefault("created", now_iso())
        target = self._new_path(name) if name is not None else self._free(check_name(src.stem))
        self._make_folder()
        kept = _matching_latents(src, audio.rate, foa.shape[1])
        if kept is not None:  # 'generate -o' wrote them: the take can be re-pathed here too
            save_latents(target, *kept)
        try:
            write_audio(target, foa, audio.rate, bits=STORE_BITS, sidecar=meta)
        except BaseException:
            latents_path(target).unlink(missing_ok=True)
            raise
        return self.read_record(target)

    def rename(self, record: TakeRecord, new_name: str) -> TakeRecord:
        """Rename the WAV and its sidecar; refuses a bad or existing name."""
        wav = self._existing(record)
        name = check_name(new_name)
        if name == record.name:
            return record
        target = self.folder / f"{name}.wav"
        same_file = target.exists() and os.path.samefile(target, wav)  # only the case changed
        if not same_file:
            for t in (target, sidecar_path(target), latents_path(target)):
                if t.exists():
                    raise OutputExistsError(f"{t}: a take named {name!r} already exists")
        _move_pair(wav, target)
        return self.read_record(target)

    def delete(self, record: TakeRecord) -> Path:
        """Move the take and its sidecar to ``<folder>/.trash/``; returns where it went."""
        wav = self._existing(record)
        trash = self.folder / TRASH
        try:
            trash.mkdir(exist_ok=True)
        except OSError as exc:
            raise AudioFileError(
                f"{trash}: cannot create the trash folder ({exc.strerror or exc})"
            ) from None
        target = trash / wav.name
        n = 2
        while target.exists() or sidecar_path(target).exists() or latents_path(target).exists():
            target = trash / f"{record.name}-{n}.wav"
            n += 1
        _move_pair(wav, target)
        return target

    def restore(self, trashed: str | Path) -> TakeRecord:
        """Move a take back from the trash (under a free name); undoes :meth:`delete`."""
        src = Path(trashed)
        if not src.is_file():
            raise AudioFileError(f"{src}: is not in the trash any more")
        target = self._free(src.stem)
        _move_pair(src, target)
        return self.read_record(target)

    def trashed(self) -> builtins.list[Path]:
        """WAV files in the trash, most recently deleted first."""
        trash = self.folder / TRASH
        if not trash.is_dir():
            return []
        return sorted(trash.glob("*.wav"), key=lambda p: p.stat().st_mtime, reverse=True)

    # --- internals --------------------------------------------------------------------
    def _existing(self, record: TakeRecord) -> Path:
        if not record.path.is_file():
            raise AudioFileError(
                f"{record.path}: the take is gone (moved or deleted outside "
                "Ambisketch); refresh the list"
            )
        return record.path

    def _make_folder(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise AudioFileError(
                f"{self.folder}: cannot create the take folder ({exc.strerror or exc})"
            ) from None

    def _new_path(self, name: str) -> Path:
        """The path of a new take called exactly ``name`` (refused when it exists)."""
        target = self.folder / f"{check_name(name)}.wav"
        for t in (target, sidecar_path(target), latents_path(target)):
            if t.exists():
                raise OutputExistsError(f"{t}: a take with this name already exists")
        return target

    def _free(self, base: str) -> Path:
        """``base.wav``, else ``base-2.wav``, ``base-3.wav``… whichever is free."""
        target, n = self.folder / f"{base}.wav", 2
        while target.exists() or sidecar_path(target).exists() or latents_path(target).exists():
            target = self.folder / f"{base}-{n}.wav"
            n += 1
        return target


def _matching_latents(
    src: Path, rate: int, samples: int
) -> tuple[NDArray[np.float32], dict[str, str]] | None:
    """The latents beside an imported file when they still describe it (same rate and
    length; a resampled or cut export's do not), else None."""
    from .latents import LatentsError, load_latents

    if not latents_path(src).is_file():
        return None
    try:
        latents, meta = load_latents(src)
    except LatentsError:
        return None
    if meta.get("sample_rate") != str(rate) or meta.get("samples") != str(samples):
        return None
    return latents, meta


def latents_meta(take: Take) -> dict[str, str]:
    """What the latents file says about itself (strings: safetensors metadata)."""
    model = take.model or {}
    return {
        "format": "ambisketch-take-latents",
        "version": "1",
        "sample_rate": str(take.rate),
        "samples": str(take.foa.shape[1]),
        "model": str(model.get("name") or ""),
        "model_path": str(model.get("path") or ""),
        "codec_kind": str(model.get("codec_kind") or ""),
        "placement": take.placement,
        "gain": repr(float(take.latents_gain)),
        **{str(k): str(v) for k, v in (model.get("dirac") or {}).items()},
    }


def _move_pair(wav: Path, target: Path) -> None:
    """Move a WAV with its sidecar and latents (if any); undo the moves done when a later
    one fails."""
    done: list[tuple[Path, Path]] = []
    pairs = [
        (wav, target),
        (sidecar_path(wav), sidecar_path(target)),
        (latents_path(wav), latents_path(target)),
    ]
    for i, (src, dst) in enumerate(pairs):
        if i > 0 and not src.exists():
            continue
        try:
            os.rename(src, dst)
        except OSError as exc:
            for a, b in reversed(done):
                os.rename(b, a)
            raise AudioFileError(f"{src}: cannot move to {dst} ({exc.strerror or exc})") from None
        done.append((src, dst))


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def _strip_path(message: str, path: Path) -> str:
    """A problem message without the leading ``PATH: `` (the problem holds the path)."""
    prefix = f"{path}: "
    return message[len(prefix) :] if message.startswith(prefix) else message
