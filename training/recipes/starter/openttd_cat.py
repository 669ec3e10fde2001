"""Read the sounds of an OpenTTD sound catalogue (``.cat``, as in ``openttd-opensfx``).

The format (OpenTTD's ``sound.cpp``): a table of ``(offset, size)`` pairs, little-endian
uint32 each, whose first offset (its top bit masked off) is the table's own length, so the
table holds ``offset / 8`` entries; each entry is a length-prefixed name (a NUL-terminated
title followed by its credits and licence, ``"Helicopter". Original "…" by "…". License:
…``) and then that many bytes of a RIFF WAV file (empty placeholders are 0 bytes). Nothing
is executed or unpickled: the entries are bytes handed to soundfile.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from pathlib import Path

from ambisketch.training.data.errors import DatasetError


def entries(path: str | Path) -> Iterator[tuple[int, str, str, bytes]]:
    """``(index, title, credits, wav bytes)`` of each non-empty sound in the catalogue."""
    p = Path(path)
    data = p.read_bytes()
    if len(data) < 8:
        raise DatasetError(f"{p}: not a sound catalogue (too short)")
    count = (struct.unpack_from("<I", data, 0)[0] & 0x7FFFFFFF) // 8
    if count == 0 or count * 8 > len(data):
        raise DatasetError(f"{p}: not a sound catalogue (bad table)")
    for i in range(count):
        offset, size = struct.unpack_from("<II", data, 8 * i)
        offset &= 0x7FFFFFFF
        if offset + size > len(data) or size < 1:
            raise DatasetError(f"{p}: damaged sound catalogue (entry {i} lies outside the file)")
        name_len = data[offset]
        name = data[offset + 1 : offset + 1 + name_len].split(b"\0")[0].decode("latin-1")
        body = data[offset + 1 + name_len : offset + size]
        if len(body) < 12 or body[:4] != b"RIFF" or body[8:12] != b"WAVE":
            continue  # an empty placeholder ("Unused/Nothing")
        m = re.match(r'\s*"([^"]*)"\.?\s*(.*)', name)
        title, credits = (m.group(1), m.group(2)) if m else (name, "")
        yield i, title, credits.strip(), body


def slug(title: str) -> str:
    """``"Truck/old bus start, pull away"`` → ``"truck-old-bus-start-pull-away"``."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
