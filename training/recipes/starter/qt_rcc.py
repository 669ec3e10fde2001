"""Reading Qt binary resource files (``.rcc``): GCompris ships its activities' sounds in them.

The format (Qt's ``rcc -binary``, versions 1–3): the magic ``qres``, the version and the
offsets of three areas — a tree of 14-byte (version 1) or 22-byte nodes (a name offset, flags,
then either a directory's child count and first child or a file's locale and data offset),
the names (length, hash, UTF-16BE) and the data (a 4-byte size, then the bytes; a
zlib-compressed entry starts with its uncompressed size). Entries compressed with zstd
(flag 4) are skipped: nothing here reads them and no sound file is stored that way (Ogg and
WAV are not worth compressing).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

COMPRESSED, DIRECTORY, COMPRESSED_ZSTD = 1, 2, 4


class RccError(ValueError):
    """Not a Qt resource file, or a damaged one."""


def entries(path: str | Path) -> Iterator[tuple[str, bytes]]:
    """``(path inside, bytes)`` of every file in the resource file ``path``, depth first."""
    b = Path(path).read_bytes()
    if b[:4] != b"qres" or len(b) < 20:
        raise RccError(f"{path}: not a Qt resource file")
    version, tree, data, names = struct.unpack(">IIII", b[4:20])
    if not 1 <= version <= 3:
        raise RccError(f"{path}: Qt resource version {version} is not read here")
    node = 14 if version == 1 else 22

    def name(off: int) -> str:
        (n,) = struct.unpack(">H", b[names + off : names + off + 2])
        return b[names + off + 6 : names + off + 6 + 2 * n].decode("utf-16-be")

    def walk(index: int, prefix: str, depth: int) -> Iterator[tuple[str, bytes]]:
        if depth > 64:
            raise RccError(f"{path}: resource tree too deep (damaged?)")
        off = tree + index * node
        name_off, flags = struct.unpack(">IH", b[off : off + 6])
        here = f"{prefix}/{name(name_off)}" if index else ""
        if flags & DIRECTORY:
            count, first = struct.unpack(">II", b[off + 6 : off + 14])
            for k in range(count):
                yield from walk(first + k, here, depth + 1)
            return
        (data_off,) = struct.unpack(">I", b[off + 10 : off + 14])
        (size,) = struct.unpack(">I", b[data + data_off : data + data_off + 4])
        raw = b[data + data_off + 4 : data + data_off + 4 + size]
        if flags & COMPRESSED_ZSTD:
            return
        if flags & COMPRESSED:
            raw = zlib.decompress(raw[4:])
        yield here.lstrip("/"), raw

    try:
        yield from walk(0, "", 0)
    except (struct.error, zlib.error, UnicodeDecodeError) as exc:
        raise RccError(f"{path}: damaged Qt resource file ({exc})") from None
