"""Labelled real recordings for the content metric: a folder of WAVs and ``realset.json``.

``realset.json`` lists ``{"file", "label", "prompt", "source", "license"}`` per recording
(``file`` relative to the folder); every label has one prompt, the text a generator is asked
for when it is judged on that label.

:func:`build_eval_set` makes the project's evaluation set from two Debian game-data packages
that are **reserved for evaluation and never trained on**: ``wesnoth-1.16-data`` (GPL-2+) and
``megaglest-data`` (CC BY-SA 3.0). The classes are chosen by file name from the table below,
each checked by listening to a few of its files; identical files (the same sound shipped in
several tilesets) are kept once, every recording is mixed to mono, resampled to 44.1 kHz and
cut to at most 10 s. Run it with ``scripts/build-eval-real`` (downloads and unpacks the two
packages with ``apt-get download`` / ``dpkg -x``, writes ``/work/eval-real`` by default).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ambisketch.engine.errors import EngineError
from ambisketch.engine.json_types import JSONObject

MANIFEST = "realset.json"
MAX_SECONDS = 10.0
MAX_PER_CLASS = 12
RATE = 44100

# label → (prompt, file-name patterns under the unpacked packages' share/games folders).
CLASSES: dict[str, tuple[str, tuple[str, ...]]] = {
    "rain": ("rain falling steadily", (r"megaglest/tilesets/[^/]+/sounds/rain\.",)),
    "water": ("water splashing", (r"megaglest/.*/water\d*\.", r"wesnoth/.*/water-blast")),
    "wolf": (
        "a wolf howling and growling",
        (r"megaglest/.*/sounds/wolf\.", r"wesnoth/.*/wolf-(growl|hit|die)"),
    ),
    "chicken": ("a chicken clucking", (r"megaglest/.*/chicken[^/]*\.", r"/rooster\.")),
    "farm animals": (
        "sheep, cows and pigs calling",
        (
            r"megaglest/.*/sounds/(sheep|cow|pig|"
            r"bull)[^/]*\.",
        ),
    ),
    "swords": ("swords clashing", (r"megaglest/.*/swordman_attack", r"wesnoth/.*/sword")),
    "bow": (
        "an arrow shot from a bow",
        (r"wesnoth/.*/(cross)?bow[^/]*\.", r"megaglest/.*/archer_attack"),
    ),
    "explosion": (
        "an explosion",
        (r"wesnoth/.*/(explosion|cave-in)", r"megaglest/.*/(tech|magic)_building_fall"),
    ),
    "horse": (
        "a horse galloping",
        (r"wesnoth/.*/horse(-elf)?-canter", r"megaglest/.*/(horseman|catapult)_walk"),
    ),
    "scream": (
        "a man screaming in pain",
        (r"wesnoth/.*/human(-old)?-(die|hit)", r"megaglest/.*/swordman_die"),
    ),
}
SOURCES = {
    "wesnoth": ("wesnoth-1.16-data", "GPL-2+"),
    "megaglest": ("megaglest-data", "CC BY-SA 3.0"),
}


@dataclass(frozen=True)
class RealClip:
    file: Path
    label: str
    prompt: str


def load_real_set(folder: str | Path) -> list[RealClip]:
    """The recordings listed in ``folder/realset.json`` (checked: files exist, ≥ 2 labels)."""
    root = Path(folder)
    manifest = root / MANIFEST
    if not manifest.is_file():
        raise EngineError(
            f"{root}: not a labelled real set (no {MANIFEST}; build one with "
            "scripts/build-eval-real)"
        )
    try:
        rows = json.loads(manifest.read_text())["clips"]
        clips = [RealClip(root / r["file"], str(r["label"]), str(r["prompt"])) for r in rows]
    except (ValueError, KeyError, TypeError) as exc:
        raise EngineError(f"{manifest}: not a real-set manifest ({exc})") from None
    missing = [c.file for c in clips if not c.file.is_file()]
    if missing:
        raise EngineError(f"{missing[0]}: listed in {manifest} but missing")
    if len({c.label for c in clips}) < 2:
        raise EngineError(f"{manifest}: needs recordings of at least 2 labels")
    return clips


def default_real_set() -> Path | None:
    """``$AMBISKETCH_REAL_SET`` when it names a real set, else None (the starter recipe's
    evaluation adds the content metric when there is one)."""
    import os

    folder = os.environ.get("AMBISKETCH_REAL_SET")
    return Path(folder) if folder and (Path(folder) / MANIFEST).is_file() else None


def _label_of(rel: str) -> str | None:
    for label, (_, patterns) in CLASSES.items():
        if any(re.search(p, rel) for p in patterns):
            return label
    return None


def build_eval_set(games: Path, out: Path, max_per_class: int = MAX_PER_CLASS) -> JSONObject:
    """Write the evaluation set from the unpacked packages' ``usr/share/games`` folder
    ``games`` to ``out`` (replaced atomically); returns the manifest."""
    from ambisketch.engine.audio_io import read_mono, write_audio
    from ambisketch.engine.errors import AudioFileError
    from ambisketch.engine.files import atomic_folder

    found: dict[str, list[Path]] = {k: [] for k in CLASSES}
    for path in sorted(games.rglob("*")):
        if path.suffix.lower() in (".ogg", ".wav", ".flac") and path.is_file():
            rel = path.relative_to(games).as_posix()
            label = _label_of(rel)
            if label and rel.split("/")[0] in SOURCES:
                found[label].append(path)
    rows: list[JSONObject] = []
    with atomic_folder(out, overwrite=True) as stage:
        for label, paths in found.items():
            seen: set[str] = set()
            n = 0
            for path in paths:
                if n >= max_per_class:
                    break
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                if digest in seen:
                    continue
                seen.add(digest)
                try:
                    audio, _ = read_mono(path, RATE)
                except AudioFileError:
                    continue
                x = audio.samples[:, : int(MAX_SECONDS * RATE)]
                if x.shape[1] < RATE // 4 or float(np.sqrt(np.mean(x**2))) < 1e-4:
                    continue  # under 0.25 s or silent
                rel = f"{label.replace(' ', '_')}/{n:02d}.wav"
                (stage / rel).parent.mkdir(parents=True, exist_ok=True)
                write_audio(stage / rel, x, RATE, bits="16")
                package, licence = SOURCES[path.relative_to(games).parts[0]]
                rows.append(
                    {
                        "file": rel,
                        "label": label,
                        "prompt": CLASSES[label][0],
                        "source": f"{package}:{path.relative_to(games).as_posix()}",
                        "license": licence,
                    }
                )
                n += 1
        manifest = {
            "about": "Real recordings for evaluation only (never trained on): "
            "wesnoth-1.16-data and megaglest-data, labelled by file name.",
            "clips": rows,
        }
        (stage / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(description="Build the labelled real evaluation set.")
    p.add_argument("games", type=Path, help="unpacked packages' usr/share/games folder")
    p.add_argument("out", type=Path, help="folder to write (replaced)")
    p.add_argument("--per-class", type=int, default=MAX_PER_CLASS)
    a = p.parse_args(argv)
    manifest = build_eval_set(a.games, a.out, a.per_class)
    counts: dict[str, int] = {}
    for r in manifest["clips"]:
        counts[r["label"]] = counts.get(r["label"], 0) + 1
    for label, n in counts.items():
        print(f'{label:<14}{n:>4}  "{CLASSES[label][0]}"')
    print(f"wrote {len(manifest['clips'])} recordings of {len(counts)} labels to {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
