"""Retrieval from a sound library: the recording whose caption is nearest to a prompt.

The captions are the library scan's (training's caption rules: a ``NAME.txt`` sidecar, a
``captions.csv``/``.jsonl``/``metadata.csv`` table, else the file and folder names) and the
index is the engine's (:mod:`ambisketch.engine.library_index`), cached beside the library
scan cache. Only the files' names and captions are read here, no audio: the chosen file is
read when the take starts from it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ambisketch.engine.library_index import CaptionIndex, LibraryEntry, LibraryError, Match
from ambisketch.engine.start_from import DEFAULT_STRENGTH, StartFrom

if TYPE_CHECKING:
    from ambisketch.engine.models.text_encoder import TextEncoder


def library_entries(root: str | Path) -> tuple[list[LibraryEntry], list[str]]:
    """Every audio file under ``root`` (hidden ones skipped) with its caption, and notes
    about caption tables that could not be read."""
    from ambisketch.training.data.caption_sources import (
        TABLE_NAMES,
        CaptionTables,
        caption_from_name,
        read_sidecar,
    )
    from ambisketch.training.data.library import AUDIO_EXTENSIONS

    folder = Path(root)
    if not folder.is_dir():
        raise LibraryError(f"{folder}: no such library folder")
    audio: list[Path] = []
    tables: list[Path] = []
    for here, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            p = Path(here) / name
            if name.lower() in TABLE_NAMES:
                tables.append(p)
            elif p.suffix.lower() in AUDIO_EXTENSIONS:
                audio.append(p)
    found = CaptionTables.discover(folder, tables)
    entries = []
    for p in audio:
        rel = PurePosixPath(p.relative_to(folder).as_posix())
        caption = read_sidecar(p) or found.lookup(rel) or caption_from_name(rel)
        entries.append(LibraryEntry(p, caption))
    if not entries:
        raise LibraryError(
            f"{folder}: no recordings to start from (the library folder holds no audio files)"
        )
    return entries, list(found.notes)


def index_cache_dir() -> Path:
    """Where caption indexes are kept: the library scan cache's folder."""
    from ambisketch.training.data.cache import default_cache_dir

    return default_cache_dir()


@dataclass(frozen=True)
class Retrieved:
    """The recording chosen for a prompt, what it started as, and notes for the user."""

    match: Match
    start: StartFrom
    notes: tuple[str, ...]


def retrieve(
    root: str | Path,
    prompt: str,
    encoder: TextEncoder,
    *,
    top_k: int = 1,
    seed: int | None = None,
    strength: float = DEFAULT_STRENGTH,
    cache_dir: str | Path | None = None,
) -> Retrieved:
    """The start of a take from the library recording nearest to ``prompt`` (one of the
    ``top_k`` nearest, chosen by ``seed``); unreadable files are passed over."""
    import soundfile as sf

    if top_k < 1:
        raise LibraryError(f"--library-top-k must be at least 1, got {top_k}")
    entries, notes = library_entries(root)
    index = CaptionIndex.build(
        root, entries, encoder, cache_dir if cache_dir is not None else index_cache_dir()
    )
    chosen = index.pick(prompt, top_k, seed)
    candidates = [chosen] + [
        m for m in index.nearest(prompt, len(entries)) if m.entry.path != chosen.entry.path
    ]
    skipped = []
    for match in candidates:
        try:
            sf.info(str(match.entry.path))
        except Exception:  # soundfile raises several types for a file it cannot read
            skipped.append(f"{match.entry.path}: not a readable audio file, passed over")
            continue
        start = StartFrom(
            audio=str(match.entry.path),
            strength=strength,
            library=str(Path(root)),
            caption=match.entry.caption,
        )
        note = (
            f'starting from {match.entry.path} ("{match.entry.caption}", cosine '
            f"{match.score:.2f}, rank {match.rank + 1} of {len(entries)})"
        )
        return Retrieved(match, start, (*notes, *skipped, note))
    raise LibraryError(f"{root}: none of its {len(entries)} audio files can be read")
