"""Generator evaluation: the SonicMotion paper's Table 2 spatial metrics on a fixed test set,
with audio-quality metrics that run offline and, for clips in rooms, reverberation errors.

For every clip of a test set (``ambisketch dataset test-set``: WAVs + ``testset.json`` with
captions, paths and parametric fields) and each mode:

- **parametric**: the plain caption with the clip's path (and, for a clip in a room, its
  distance, room size and decay time);
- **descriptive**: the spatial caption ("… moving from the left to the front, slowly") and no
  path.

The take's direction (intensity-vector DOA per frame) is compared with the clip's path: mean
circular L1 azimuth, L1 elevation and great-circle spatial angle over its loud frames,
averaged over clips — beside the paper's SM-D and SM-P figures. Audio quality: Fréchet
distances and a CLAP score (see :mod:`.fad`) between the takes and the test clips. Clips in
rooms: measured RT60 and DRR of each take against the requested room's
(:func:`~ambisketch.engine.spatial.room_metrics.room_report`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ambisketch.engine.audio_io import read_audio, write_audio
from ambisketch.engine.errors import AudioFileError, EngineError
from ambisketch.engine.generate import PLACEMENTS, GenerationRequest
from ambisketch.engine.json_types import JSONObject
from ambisketch.engine.spatial.doa import direction_errors, intensity_doa
from ambisketch.engine.spatial.room import Room
from ambisketch.engine.spatial.trajectory import Trajectory

from .data.testset import load_test_set
from .dit.data import ROOM_NUMBERS, room_numbers
from .fad import ClapEmbedder, codec_frames, frechet_distance, logmel_frames

if TYPE_CHECKING:
    from ambisketch.engine.generate import Generator, Take

CONTENT_TAKES_PER_CLASS = 2

MODES = ("descriptive", "parametric")
# SonicMotion (arXiv 2507.07318) Table 2: L1 azimuth, L1 elevation, spatial angle (degrees).
PAPER = {
    "descriptive": {"azimuth_l1": 21.20, "elevation_l1": 16.04, "spatial_angle": 29.22},
    "parametric": {"azimuth_l1": 13.17, "elevation_l1": 4.01, "spatial_angle": 14.32},
}
PAPER_LABEL = {"descriptive": "SM-D", "parametric": "SM-P"}
PAPER_CLAP = 0.23  # both models, LAION-CLAP
METRICS = {
    "fd_logmel_w": "FD log-mel (W): Fréchet distance of 64-band log-mel frames of W, takes vs "
    "test clips",
    "fd_codec_latents": "FD codec latents: Fréchet distance of this bundle's codec latent "
    "frames, takes vs test clips (compare only models sharing a codec)",
    "fd_clap": "FD CLAP: Fréchet distance of clip-level CLAP audio embeddings (W, 48 kHz), "
    "takes vs test clips",
    "clap_score": "CLAP score: mean cosine of a take's CLAP audio embedding and its plain "
    "caption's text embedding",
}
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class EvalSettings:
    """How the takes are made (a fixed seed per clip, so runs compare)."""

    steps: int = 50
    cfg_scale: float = 7.0
    sampler: str = "dpmpp-3m-sde"
    seed: int = 0
    modes: tuple[str, ...] = MODES
    limit: int | None = None
    # The first is the one whose takes are scored for quality and rooms (the default users
    # get); every one is scored for direction (issue 19: held and learned side by side).
    placements: tuple[str, ...] = ("held", "learned")

    def __post_init__(self) -> None:
        bad = [m for m in self.modes if m not in MODES]
        if bad or not self.modes:
            raise EngineError(
                f"unknown mode {bad[0] if bad else ''!r} (choose from {', '.join(MODES)})"
            )
        wrong = [p for p in self.placements if p not in PLACEMENTS]
        if wrong or not self.placements:
            raise EngineError(
                f"unknown placement {wrong[0] if wrong else ''!r} (choose from "
                f"{', '.join(PLACEMENTS)})"
            )
        if self.limit is not None and self.limit < 1:
            raise EngineError("--limit must be at least 1")


@dataclass
class ModeScores:
    """One mode's means over clips (angles in degrees) and its audio-quality and room figures."""

    mode: str
    azimuth_l1: float
    elevation_l1: float
    spatial_angle: float
    takes: int
    frames: int
    quality: dict[str, float] = field(default_factory=dict)
    room: JSONObject | None = None
    placement: str = "learned"  # the placement of the figures above
    placements: dict[str, JSONObject] = field(default_factory=dict)


def _placement_summary(rows: list[dict[str, float]]) -> JSONObject:
    """Direction figures of one placement over the takes: the mean of the per-take mean
    angles (the papers'), the median and worst take, and (text-only prompts) the error
    against the path the prompt's words describe."""
    angle = np.array([r["spatial_angle"] for r in rows], dtype=np.float64)
    words = np.array([r["vs_words"] for r in rows if r.get("vs_words") is not None])
    placed = [r["placed"] for r in rows]
    with np.errstate(all="ignore"):
        out: JSONObject = {
            "spatial_angle": float(np.nanmean(angle)) if angle.size else math.nan,
            "spatial_angle_median": float(np.nanmedian(angle)) if angle.size else math.nan,
            "spatial_angle_max": float(np.nanmax(angle)) if angle.size else math.nan,
            "takes": len(rows),
            "placed": {k: placed.count(k) for k in sorted(set(placed))},
        }
        if words.size:
            out["vs_words_median"] = float(np.nanmedian(words))
            out["vs_words_max"] = float(np.nanmax(words))
            out["with_words"] = int(words.size)
    return out


@dataclass
class GeneratorScores:
    """Everything ``eval generator`` reports (``to_dict`` is its JSON)."""

    modes: dict[str, ModeScores]
    clips: int
    seconds: float
    settings: JSONObject
    reference: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    content: JSONObject | None = None  # aiSFX content metric (with a real set)

    def to_dict(self) -> JSONObject:
        return {
            "modes": {k: asdict(v) for k, v in self.modes.items()},
            "clips": self.clips,
            "content": self.content,
            "seconds": self.seconds,
            "settings": self.settings,
            "reference": self.reference,
            "paper": {m: {**PAPER[m], "clap_score": PAPER_CLAP} for m in self.modes},
            "metrics": {
                k: v for k, v in METRICS.items() if any(k in s.quality for s in self.modes.values())
            },
            "notes": self.notes,
        }


def _request(
    item: dict[str, Any], mode: str, seconds: float, s: EvalSettings, seed: int
) -> tuple[GenerationRequest, Trajectory]:
    path = Trajectory.from_dict(item["trajectory"])
    if abs(path.duration - seconds) > 1e-6:
        path = path.with_duration(seconds)
    caption = str(item.get("caption") or "a sound")
    if mode == "descriptive":
        prompt = str(item.get("spatial_caption") or caption)
        return GenerationRequest(prompt, None, seconds, seed, s.steps, s.cfg_scale, s.sampler), path
    numbers = dict(zip(ROOM_NUMBERS, room_numbers(item.get("room"))))
    params = {k: v for k, v in numbers.items() if not math.isnan(v)}
    return GenerationRequest(
        caption, path, seconds, seed, s.steps, s.cfg_scale, s.sampler, parametric=params
    ), path


def _placement_row(take: Take, path: Trajectory, rate: int) -> JSONObject:
    """One take's direction error against the clip's path, how it was placed, and — for a
    take placed on the path its prompt's words describe — the error against that path."""
    err = direction_errors(intensity_doa(take.foa, rate), path)
    words = take.path_error_deg if take.path_source == "words" else None
    return {"spatial_angle": err.spatial_angle, "placed": take.placement, "vs_words": words}


def _room_of(item: dict[str, Any]) -> tuple[Room, float] | None:
    room = item.get("room")
    if not room or not room.get("in_room"):
        return None
    w, d, h = (float(v) for v in room["room_size"])
    return Room.from_rt60(w, d, h, float(room["rt60"])), float(room["distance"])


def _room_summary(reports: list[JSONObject]) -> JSONObject:
    """Mean absolute RT60 and DRR errors over the takes where they could be measured."""

    def mean(key: str) -> float | None:
        vals = [abs(r["errors"][key]) for r in reports if key in r["errors"]]
        return float(np.mean(vals)) if vals else None

    rt = [r for r in reports if "rt60_s" in r["errors"]]
    drr = [r for r in reports if "drr_db" in r["errors"]]
    req = [r["requested"]["rt60"] for r in reports]
    got = [r["measured"]["rt60"] for r in rt]
    return {
        "clips": len(reports),
        "rt60_measured": len(rt),
        "drr_measured": len(drr),
        "rt60_requested_mean": float(np.mean(req)) if req else None,
        "rt60_measured_mean": float(np.mean(got)) if got else None,
        "rt60_abs_error_s": mean("rt60_s"),
        "rt60_abs_relative_error": mean("rt60_relative"),
        "drr_abs_error_db": mean("drr_db"),
    }


def evaluate_generator(
    generator: Generator,
    test_set: str | Path,
    settings: EvalSettings | None = None,
    *,
    clap: ClapEmbedder | None = None,
    progress: Progress | None = None,
    takes_dir: str | Path | None = None,
    real_set: str | Path | None = None,
    takes_per_class: int = CONTENT_TAKES_PER_CLASS,
) -> GeneratorScores:
    """Generate the test set's prompts and paths with ``generator`` (an
    :class:`~ambisketch.engine.generate.Generator`) and measure the takes.

    ``takes_dir``: also write every take there (``MODE/NNNN.wav`` with its sidecar).
    ``real_set``: a labelled real set (:mod:`.content_metric.realset`); adds the aiSFX
    content metric on ``takes_per_class`` text-only takes per class.
    """
    from ambisketch.engine.spatial.room_metrics import room_report

    s = settings or EvalSettings()
    items = load_test_set(test_set)
    items = items[: s.limit] if s.limit else items
    bundle = generator.bundle
    rate, clip = bundle.sample_rate, bundle.info.clip_seconds
    refs, seconds_all, notes = [], 0.0, []
    for item in items:
        audio = read_audio(item["file"], rate)
        if audio.channels != 4:
            raise AudioFileError(f"{item['file']}: has {audio.channels} channel(s); FOA needs 4")
        if not item.get("trajectory"):
            raise EngineError(f"{item['file']}: its test-set entry has no path")
        seconds = min(audio.duration, clip)
        refs.append(audio.samples[:, : int(round(seconds * rate))])
        seconds_all += seconds
    if not items:
        raise EngineError(f"{test_set}: the test set holds no clips")
    if any(
        abs(Trajectory.from_dict(i["trajectory"]).duration - r.shape[1] / rate) > 1e-3
        for i, r in zip(items, refs)
    ):
        notes.append(
            f"test clips are longer than the model's {clip:g} s clips: their paths "
            "were time-scaled to the model's length (write the test set at the "
            "model's clip length to avoid this)"
        )
    ref_mel = np.concatenate([logmel_frames(r, rate) for r in refs])
    ref_lat = np.concatenate([codec_frames(bundle.codec, r) for r in refs])
    captions = [str(i.get("caption") or "a sound") for i in items]
    reference: dict[str, float] = {}
    ref_clap = None
    if clap is not None:
        ref_clap = clap.audio(refs, rate)
        reference["clap_score"] = float(np.mean(np.sum(ref_clap * clap.text(captions), 1)))
    total, done = len(items) * len(s.modes), 0
    modes: dict[str, ModeScores] = {}
    for mode in s.modes:
        rows, frames, takes, rooms = [], 0, [], []
        by_placement: dict[str, list[dict[str, float]]] = {p: [] for p in s.placements}
        for n, item in enumerate(items):
            seconds = refs[n].shape[1] / rate
            request, path = _request(item, mode, seconds, s, s.seed + n)
            for other in s.placements[1:]:  # direction only
                extra = generator.generate(replace(request, placement=other))[0]
                by_placement[other].append(_placement_row(extra, path, rate))
            take = generator.generate(replace(request, placement=s.placements[0]))[0]
            by_placement[s.placements[0]].append(_placement_row(take, path, rate))
            err = direction_errors(intensity_doa(take.foa, rate), path)
            rows.append((err.azimuth_l1, err.elevation_l1, err.spatial_angle))
            frames += err.frames
            takes.append(take.foa)
            placed = _room_of(item)
            if placed is not None:
                rooms.append(room_report(take.foa, rate, placed[0], placed[1], path))
            if takes_dir is not None:
                (Path(takes_dir) / mode).mkdir(parents=True, exist_ok=True)
                write_audio(
                    Path(takes_dir) / mode / f"{n:04d}.wav",
                    take.foa,
                    rate,
                    bits="24",
                    overwrite=True,
                    sidecar={**take.sidecar(), "errors": err.to_dict(), "test_clip": item["file"]},
                )
            done += 1
            if progress is not None:
                progress(done, total)
        with np.errstate(all="ignore"):
            az, el, sp = (float(v) for v in np.nanmean(np.array(rows), axis=0))
        quality = {
            "fd_logmel_w": frechet_distance(
                np.concatenate([logmel_frames(t, rate) for t in takes]), ref_mel
            ),
            "fd_codec_latents": frechet_distance(
                np.concatenate([codec_frames(bundle.codec, t) for t in takes]), ref_lat
            ),
        }
        if clap is not None and ref_clap is not None:
            emb = clap.audio(takes, rate)
            quality["clap_score"] = float(np.mean(np.sum(emb * clap.text(captions), 1)))
            if len(takes) >= 2:
                quality["fd_clap"] = frechet_distance(emb, ref_clap)
        modes[mode] = ModeScores(
            mode,
            az,
            el,
            sp,
            len(takes),
            frames,
            quality,
            _room_summary(rooms) if rooms else None,
            s.placements[0],
            {p: _placement_summary(r) for p, r in by_placement.items()},
        )
    if clap is not None:
        if len(items) < 2:
            notes.append("FD CLAP needs at least 2 clips; not computed")
        elif len(items) <= 64:
            notes.append(
                f"FD CLAP is fitted to {len(items)} clip embeddings: a rough figure "
                "(FAD papers use thousands)"
            )
    if clap is None:
        notes.append(
            "no CLAP checkpoint given (--clap DIR): FD CLAP and the CLAP score were "
            "not computed; the paper's VGGish FAD and PaSST KL need models that do "
            "not install offline"
        )
    content = None
    if real_set is not None:
        content = _content(generator, real_set, s, takes_per_class)
    info = {
        "model": bundle.info.name,
        "steps": s.steps,
        "cfg_scale": s.cfg_scale,
        "sampler": s.sampler,
        "seed": s.seed,
        "device": generator.device,
        "placements": list(s.placements),
        "clap": clap.name if clap is not None else None,
    }
    return GeneratorScores(modes, len(items), seconds_all, info, reference, notes, content)


def _content(
    generator: Generator, real_set: str | Path, s: EvalSettings, per_class: int
) -> JSONObject:
    """The aiSFX content metric of text-only takes for the real set's class prompts."""
    from ambisketch.engine.models.codec import roundtrip

    from .content_metric.aisfx import AisfxEmbedder
    from .content_metric.realset import load_real_set
    from .content_metric.score import (
        codec_ceiling,
        content_scores,
        embed_real,
        generator_take_maker,
    )

    clips = load_real_set(real_set)
    embedder = AisfxEmbedder()
    real = embed_real(embedder, clips, generator.bundle.sample_rate)
    make = generator_take_maker(generator, s.steps, s.cfg_scale, s.sampler)
    codec = generator.bundle.codec

    def through_codec(mono: np.ndarray) -> np.ndarray:  # W alone: an omni source
        foa = np.zeros((4, mono.shape[-1]), np.float32)
        foa[0] = mono
        return roundtrip(codec, foa)[0]  # type: ignore[arg-type]

    return {
        **content_scores(make, real, embedder, per_class, s.seed).to_dict(),
        "codec_ceiling": codec_ceiling(embedder, clips, real, through_codec),
        "real_set": str(real_set),
    }


def _num(v: float | None, width: int, digits: int = 2, fmt: str = "f") -> str:
    return f"{'—':>{width}}" if v is None or not math.isfinite(v) else f"{v:>{width}.{digits}{fmt}}"


def format_report(scores: GeneratorScores) -> str:
    """The spatial table beside the paper's, the audio-quality metrics and the rooms."""
    lines = [
        f"{scores.clips} clips ({scores.seconds:.1f} s), {scores.settings['steps']} steps, "
        f"cfg {scores.settings['cfg_scale']:g}, seed {scores.settings['seed']}",
        "",
        f"{'direction (degrees)':<22}{'L1 azimuth':>12}{'L1 elevation':>14}{'spatial angle':>15}",
    ]
    for mode, m in scores.modes.items():
        lines.append(
            f"{mode + ' (' + m.placement + ')':<22}{_num(m.azimuth_l1, 12)}"
            f"{_num(m.elevation_l1, 14)}{_num(m.spatial_angle, 15)}"
        )
        p = PAPER[mode]
        lines.append(
            f"{'  paper ' + PAPER_LABEL[mode]:<22}{_num(p['azimuth_l1'], 12)}"
            f"{_num(p['elevation_l1'], 14)}{_num(p['spatial_angle'], 15)}"
        )
    if any(m.placements for m in scores.modes.values()):
        lines += [
            "",
            f"{'placement (degrees)':<22}{'mean':>8}{'median':>8}{'worst':>8}"
            f"{'vs words':>10}  placed",
        ]
        for mode, m in scores.modes.items():
            for name, f in m.placements.items():
                placed = ", ".join(f"{k} {v}" for k, v in f["placed"].items())
                lines.append(
                    f"{'  ' + mode + ' ' + name:<22}{_num(f['spatial_angle'], 8, 1)}"
                    f"{_num(f['spatial_angle_median'], 8, 1)}"
                    f"{_num(f['spatial_angle_max'], 8, 1)}"
                    f"{_num(f.get('vs_words_median'), 10, 1)}  {placed}"
                )
        lines.append(
            "  (vs the clip's path; 'vs words': median against the path the "
            "prompt's words describe)"
        )
    names = [k for k in METRICS if any(k in m.quality for m in scores.modes.values())]
    lines += [
        "",
        f"{'audio quality':<22}"
        + "".join(f"{mode:>14}" for mode in scores.modes)
        + f"{'paper':>10}",
    ]
    for key in names:
        label = METRICS[key].split(":")[0]
        paper = _num(PAPER_CLAP, 10) if key == "clap_score" else f"{'—':>10}"
        lines.append(
            f"{label:<22}"
            + "".join(_num(m.quality.get(key), 14, 4, "g") for m in scores.modes.values())
            + paper
        )
    if "clap_score" in scores.reference:
        lines.append(
            f"{'  test clips (CLAP)':<22}{_num(scores.reference['clap_score'], 14, 4, 'g')}"
        )
    rooms = {mode: m.room for mode, m in scores.modes.items() if m.room}
    if rooms:
        lines += [
            "",
            f"{'rooms':<22}{'clips':>7}{'RT60 asked':>12}{'RT60 got':>10}"
            f"{'|ΔRT60| s':>11}{'|ΔDRR| dB':>11}",
        ]
        for mode, r in rooms.items():
            lines.append(
                f"{mode:<22}{r['clips']:>7}{_num(r['rt60_requested_mean'], 12)}"
                f"{_num(r['rt60_measured_mean'], 10)}{_num(r['rt60_abs_error_s'], 11)}"
                f"{_num(r['drr_abs_error_db'], 11)}"
            )
            lines.append(
                f"{'':<22}(RT60 measured in {r['rt60_measured']}, DRR in "
                f"{r['drr_measured']} of {r['clips']} takes)"
            )
    if scores.content:
        from .content_metric.score import METRICS as CONTENT

        c = scores.content
        lines += [
            "",
            f"{'content (aiSFX)':<22}{'takes':>7}{'FD aiSFX':>10}{'accuracy':>10}"
            f"{'chance':>8}{'real':>7}",
            f"{'text-only takes':<22}{c['takes']:>7}{_num(c['fd_aisfx_w'], 10, 1)}"
            f"{c['class_accuracy']:>10.0%}{c['chance']:>8.0%}{c['real_accuracy']:>7.0%}",
            f"{'':<22}({c['labels']} classes, {c['real_clips']} real recordings; 'real' "
            "is their own leave-one-out accuracy)",
        ]
        ceiling = c.get("codec_ceiling")
        if ceiling:
            lines += [
                f"{'real through codec':<22}{c['real_clips']:>7}"
                f"{_num(ceiling['fd_aisfx_w'], 10, 1)}{ceiling['class_accuracy']:>10.0%}",
                f"{'':<22}(the recordings through the model's codec, W alone: the most "
                "its takes can score)",
            ]
        heard = c.get("heard_as") or {}
        if heard:
            lines.append(
                f"{'  heard as':<22}(each class's prompt: the classes its takes came nearest)"
            )
            for name, counts in heard.items():
                got = ", ".join(
                    f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])
                )
                lines.append(f"{'    ' + name:<22}{got}")
        names_c = [f"  {v}" for v in CONTENT.values()]
    else:
        names_c = []
    lines += ["", "metrics:"] + [f"  {METRICS[k]}" for k in names] + names_c
    lines += [f"note: {n}" for n in scores.notes]
    return "\n".join(lines)
