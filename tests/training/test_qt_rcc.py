"""GCompris's sounds from Qt resource files: the reader agrees with Qt itself on a resource
file written to the format here (Qt opens it, so it is a real one), and the corpus build
captions and licenses the sounds inside one."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from helpers.package_corpus import build_package_corpus

from ambisketch.training.recipes.starter.qt_rcc import RccError, entries


def _qt_hash(name: str) -> int:
    h = 0
    for ch in name:
        h = ((h << 4) + ord(ch)) & 0xFFFFFFFF
        h ^= (h & 0xF0000000) >> 23
        h &= 0x0FFFFFFF
    return h


def write_rcc(path: Path, files: dict[str, bytes], compress: frozenset[str] = frozenset()) -> None:
    """A version-2 Qt binary resource file holding ``files`` (paths with '/')."""
    tree: dict = {}
    for name, data in files.items():
        node = tree
        *dirs, leaf = name.split("/")
        for d in dirs:
            node = node.setdefault(d, {})
        node[leaf] = data
    names, name_off = bytearray(), {}

    def name_offset(n: str) -> int:
        if n not in name_off:
            name_off[n] = len(names)
            names.extend(struct.pack(">HI", len(n), _qt_hash(n)) + n.encode("utf-16-be"))
        return name_off[n]

    nodes: list[bytes] = [b""]  # the root, filled in last
    data_area = bytearray()
    queue = [(0, tree, "")]
    while queue:  # breadth first: each folder's children get consecutive indices
        index, folder, prefix = queue.pop(0)
        children = sorted(folder.items(), key=lambda kv: _qt_hash(kv[0]))
        first = len(nodes)
        nodes.extend(b"" for _ in children)
        for k, (n, value) in enumerate(children):
            if isinstance(value, dict):
                queue.append((first + k, value, f"{prefix}/{n}"))
                continue
            full = f"{prefix}/{n}".lstrip("/")
            raw = value
            flags = 0
            if full in compress:
                raw = struct.pack(">I", len(value)) + zlib.compress(value)
                flags = 1
            offset = len(data_area)
            data_area.extend(struct.pack(">I", len(raw)) + raw)
            nodes[first + k] = struct.pack(">IHHHIQ", name_offset(n), flags, 0, 1, offset, 0)
        name = name_offset(prefix.rsplit("/", 1)[-1]) if prefix else 0
        nodes[index] = struct.pack(">IHIIQ", name, 2, len(children), first, 0)
    header = 20
    tree_bytes = b"".join(nodes)
    tree_off, data_off = header, header + len(tree_bytes)
    names_off = data_off + len(data_area)
    path.write_bytes(
        b"qres"
        + struct.pack(">IIII", 2, tree_off, data_off, names_off)
        + tree_bytes
        + bytes(data_area)
        + bytes(names)
    )


def _ogg(seconds: float, freq: float = 440.0, rate: int = 44100) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    x = 0.4 * np.sin(2 * np.pi * freq * t) * np.random.default_rng(0).uniform(0.5, 1, len(t))
    buf = io.BytesIO()
    sf.write(buf, x.astype(np.float32), rate, format="OGG", subtype="VORBIS")
    return buf.getvalue()


def test_the_reader_agrees_with_qt(tmp_path: Path) -> None:
    from PySide6.QtCore import QFile, QIODevice, QResource

    files = {
        "gcompris/src/activities/explore_farm_animals/resource/animals/pig.ogg": _ogg(0.5),
        "gcompris/src/activities/explore_farm_animals/resource/animals/README": b"GPLv3\n" * 50,
        "gcompris/src/activities/instruments/resource/violin.ogg": _ogg(0.3, 660.0),
    }
    rcc = tmp_path / "sounds.rcc"
    write_rcc(rcc, files, compress=frozenset({next(k for k in files if k.endswith("README"))}))
    assert dict(entries(rcc)) == files
    root = "/ambisketch-test"
    assert QResource.registerResource(str(rcc), root)
    try:
        for name, data in files.items():
            f = QFile(f":{root}/{name}")
            assert f.open(QIODevice.OpenModeFlag.ReadOnly), name
            assert bytes(f.readAll().data()) == data
            f.close()
    finally:
        QResource.unregisterResource(str(rcc), root)


def test_a_damaged_resource_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rcc"
    bad.write_bytes(b"RIFF" + bytes(40))
    with pytest.raises(RccError, match="not a Qt resource file"):
        list(entries(bad))
    rcc = tmp_path / "cut.rcc"
    write_rcc(rcc, {"a/b.wav": b"x" * 100})
    rcc.write_bytes(rcc.read_bytes()[:40])
    with pytest.raises(RccError, match="damaged"):
        list(entries(rcc))


def test_gcompris_sounds_are_captioned_and_licensed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "debs"
    root = cache / "gcompris-qt-data"
    folder = root / "usr/share/gcompris-qt/rcc"
    folder.mkdir(parents=True)
    act = "gcompris/src/activities"
    write_rcc(
        folder / "explore_farm_animals.rcc",
        {
            f"{act}/explore_farm_animals/resource/animals/pig.ogg": _ogg(1.5, 220.0),
            f"{act}/explore_farm_animals/resource/animals/pig.svg": b"<svg/>",
        },
    )
    write_rcc(
        folder / "instruments.rcc",
        {
            f"{act}/instruments/resource/drum_kit.ogg": _ogg(1.0),  # not a free licence
            f"{act}/instruments/resource/accordion.ogg": _ogg(1.2, 330.0),
        },
    )
    rows = build_package_corpus(
        monkeypatch,
        cache,
        "gcompris-qt-data",
        "Files: *\nCopyright: x\nLicense: GPL-3+\n\n"
        "Files: src/activities/explore_farm_animals/resource/animals/*\nCopyright: y\n"
        "License: GPL-3\n",
        tmp_path / "corpus",
    )
    assert sorted(rows) == ["a pig grunting and oinking", "an accordion playing"]
    pig = rows["a pig grunting and oinking"]
    assert pig["licence"] == "GPL-3" and pig["concept"] == "pig" and pig["real"] == "True"
    assert pig["origin"].startswith("gcompris-qt-data:gcompris/src/activities/explore_farm")
    assert rows["an accordion playing"]["licence"] == "GPL-3+"
    assert sf.info(tmp_path / "corpus" / pig["file"]).duration == pytest.approx(1.5, abs=0.05)
