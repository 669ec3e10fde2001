"""Where a library file's caption comes from, in order: a sidecar ``NAME.txt``; a caption
table (``captions.csv``, ``captions.jsonl`` or ``metadata.csv``) in the file's folder or any
folder above it up to the library root, the nearest table first; else the file name and its
parent folder cleaned into words (``bells/Small_Bell_02.wav`` → "small bell").
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

TABLE_NAMES = ("captions.csv", "captions.jsonl", "metadata.csv")
FILE_COLUMNS = ("file", "filename", "file_name", "path", "filepath", "audio", "fname", "name")
CAPTION_COLUMNS = ("caption", "text", "description", "prompt", "label")
SOURCES = ("sidecar", "table", "filename")

# Words in file and folder names that say nothing about the sound.
_NOISE_WORDS = {
    "final",
    "copy",
    "take",
    "new",
    "old",
    "edit",
    "edited",
    "master",
    "mix",
    "mixdown",
    "export",
    "bounce",
    "render",
    "mono",
    "stereo",
    "wav",
    "flac",
    "ogg",
    "mp3",
    "aif",
    "aiff",
    "raw",
    "version",
    "ver",
    "rev",
    "alt",
    "tmp",
    "temp",
    "sample",
    "untitled",
    "and",
    "the",
}
_GENERIC_FOLDERS = {
    "audio",
    "sounds",
    "sound",
    "samples",
    "sample",
    "sfx",
    "fx",
    "files",
    "wav",
    "wavs",
    "flac",
    "ogg",
    "mp3",
    "misc",
    "other",
    "library",
    "data",
    "raw",
    "recordings",
    "clips",
    "new folder",
    "stereo",
    "mono",
    "final",
    "export",
    "exports",
    "renders",
}
_VERSION = re.compile(r"^(v|ver|take|tk|rev|r|var|alt)?\d+[a-z]?$|^\d+(ch|k|khz|hz|bit|bits)$")


def clean_words(text: str) -> list[str]:
    """Lower-case words of a file or folder name: separators and camelCase split, numbers,
    version tags ("v2", "take3", "(1)") and filler ("final", "copy") dropped."""
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text)  # "(final)", "[1]"
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)  # camelCase
    words = re.split(r"[^A-Za-z0-9']+", text.lower())
    return [
        w.strip("'")
        for w in words
        if w.strip("'") and not _VERSION.match(w) and w not in _NOISE_WORDS
    ]


def singular(word: str) -> str:
    """A rough singular for comparing and prefixing folder names ("bells" → "bell")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def caption_from_name(rel_path: PurePosixPath) -> str:
    """Caption from a path relative to the library root.

    The file name's words, prefixed with the nearest folder's (singular) words when they add
    something; a name with no words left (``001.wav``) takes the two nearest folders'.
    """
    stem_words = clean_words(rel_path.stem)
    folders = [
        clean_words(part)
        for part in reversed(rel_path.parent.parts)
        if part.lower().strip() not in _GENERIC_FOLDERS
    ]
    folders = [f for f in folders if f]
    have = {singular(w) for w in stem_words}
    words = list(stem_words)
    for depth, folder in enumerate(folders[:2]):
        if words and depth > 0:
            break
        new = [singular(w) for w in folder if singular(w) not in have]
        if new and (len(new) == len(folder) or not words):
            words = new + words
            have.update(new)
    return " ".join(words) if words else "a sound"


def read_sidecar(audio: Path) -> str | None:
    """``NAME.txt`` (or ``NAME.wav.txt``) beside the audio file, whitespace collapsed."""
    for side in (audio.with_suffix(".txt"), audio.with_name(audio.name + ".txt")):
        if side.is_file():
            text = " ".join(side.read_text(encoding="utf-8", errors="replace").split())
            if text:
                return text
    return None


@dataclass
class CaptionTables:
    """All caption tables under a library root, looked up nearest-first."""

    root: Path
    tables: dict[PurePosixPath, dict[str, str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def discover(cls, root: Path, table_paths: list[Path]) -> CaptionTables:
        """Load the tables at ``table_paths`` (found by the scan's walk of ``root``)."""
        found = cls(root)
        for path in sorted(table_paths):
            folder = PurePosixPath(path.parent.relative_to(root).as_posix())
            try:
                rows = _read_table(path)
            except (OSError, ValueError, UnicodeDecodeError, csv.Error) as exc:
                found.notes.append(f"{path.relative_to(root)}: caption table ignored ({exc})")
                continue
            entries = found.tables.setdefault(folder, {})
            for file_name, caption in rows:
                key = _norm(file_name)
                entries.setdefault(key, caption)
                entries.setdefault(PurePosixPath(key).name, caption)
                entries.setdefault(str(PurePosixPath(key).with_suffix("")), caption)
        return found

    def lookup(self, rel_path: PurePosixPath) -> str | None:
        """The caption the nearest table gives ``rel_path`` (relative to the root), if any."""
        folder = rel_path.parent
        while True:
            entries = self.tables.get(folder)
            if entries:
                inner = _norm(rel_path.relative_to(folder).as_posix())
                for key in (
                    inner,
                    str(PurePosixPath(inner).with_suffix("")),
                    rel_path.name.lower(),
                ):
                    if key in entries:
                        return entries[key]
            if folder == PurePosixPath("."):
                return None
            folder = folder.parent


def _norm(name: str) -> str:
    return name.strip().replace("\\", "/").lstrip("./").lower()


def _read_table(path: Path) -> list[tuple[str, str]]:
    if path.suffix.lower() == ".jsonl":
        rows = []
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError(f"line {n} is not an object")
            f = next((obj[k] for k in FILE_COLUMNS if isinstance(obj.get(k), str)), None)
            c = next((obj[k] for k in CAPTION_COLUMNS if isinstance(obj.get(k), str)), None)
            if f is None or c is None:
                raise ValueError(f"line {n} has no file/caption keys")
            rows.append((f, " ".join(c.split())))
        return rows
    with path.open(newline="", encoding="utf-8-sig") as fh:
        table = [r for r in csv.reader(fh) if any(cell.strip() for cell in r)]
    if not table:
        return []
    header = [h.strip().lower() for h in table[0]]
    fcol = next((header.index(k) for k in FILE_COLUMNS if k in header), None)
    ccol = next((header.index(k) for k in CAPTION_COLUMNS if k in header), None)
    if fcol is None or ccol is None:
        if len(header) < 2:
            raise ValueError("needs file and caption columns")
        fcol, ccol = 0, 1  # no header: the first two columns
    else:
        table = table[1:]
    return [
        (r[fcol], " ".join(r[ccol].split()))
        for r in table
        if len(r) > max(fcol, ccol) and r[fcol].strip() and r[ccol].strip()
    ]
