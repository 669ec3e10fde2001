"""OpenSFX's sounds from OpenTTD's sound catalogue: the reader takes a catalogue written to
OpenTTD's layout apart, refuses a damaged one in one line, and the corpus build captions and
licenses the sounds inside one."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from helpers.package_corpus import build_package_corpus

from ambisketch.training.data.errors import DatasetError
from ambisketch.training.recipes.starter.openttd_cat import entries, slug


def _wav(seconds: float, freq: float = 220.0, rate: int = 44100) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    x = 0.3 * np.sin(2 * np.pi * freq * t) * np.random.default_rng(1).uniform(0.5, 1, len(t))
    buf = io.BytesIO()
    sf.write(buf, x.astype(np.float32), rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def write_cat(path: Path, sounds: list[tuple[str, bytes]]) -> None:
    """A catalogue as OpenTTD reads it: (offset, size) pairs, then each entry's
    length-prefixed name and its WAV bytes."""
    bodies = []
    for name, wav in sounds:
        raw = name.encode("latin-1") + b"\0"
        bodies.append(bytes([len(raw)]) + raw + wav)
    table, offset = b"", 8 * len(sounds)
    for body in bodies:
        table += struct.pack("<II", offset, len(body))
        offset += len(body)
    path.write_bytes(table + b"".join(bodies))


SOUNDS = [
    ('"Helicopter". Original "heli.wav" by "someone". License: CC0 1.0.', _wav(1.2, 90.0)),
    ('"Unused/Nothing". Trivial empty sound file.', b""),
    ('"Toyland: Comedy bus start (1)". Mixed by "x".', _wav(0.6, 700.0)),
    ('"Sheep". Original "field" by "y". License: Creative Commons Zero 1.0.', _wav(1.0, 440.0)),
]


def test_the_catalogue_is_read_entry_by_entry(tmp_path: Path) -> None:
    cat = tmp_path / "opensfx.cat"
    write_cat(cat, SOUNDS)
    got = list(entries(cat))
    assert [(i, t) for i, t, _, _ in got] == [
        (0, "Helicopter"),
        (2, "Toyland: Comedy bus start (1)"),
        (3, "Sheep"),
    ]  # the empty placeholder is skipped
    assert got[0][2].startswith('Original "heli.wav"')
    x, rate = sf.read(io.BytesIO(got[2][3]))
    assert rate == 44100 and len(x) == 44100
    assert slug("Truck/old bus start, pull away") == "truck-old-bus-start-pull-away"
    cut = tmp_path / "cut.cat"
    cut.write_bytes(cat.read_bytes()[:100])
    with pytest.raises(DatasetError, match=r"cut\.cat: damaged sound catalogue"):
        list(entries(cut))
    junk = tmp_path / "junk.cat"
    junk.write_bytes(b"\xff\xff\xff\x7f" + b"\0" * 20)
    with pytest.raises(DatasetError, match=r"junk\.cat: not a sound catalogue"):
        list(entries(junk))


def test_opensfx_sounds_are_captioned_and_licensed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "debs"
    root = cache / "openttd-opensfx"
    folder = root / "usr/share/games/openttd/baseset/opensfx"
    folder.mkdir(parents=True)
    write_cat(folder / "opensfx.cat", SOUNDS)
    rows = build_package_corpus(
        monkeypatch,
        cache,
        "openttd-opensfx",
        "Files: *\nCopyright: x\nLicense: GPL-2+ or CDDL\n\n"
        "Files: src/wav/*\nCopyright: y\nLicense: CC-BY-SA-3.0\n",
        tmp_path / "corpus",
    )
    assert sorted(rows) == ["a helicopter flying", "sheep bleating in a field"]  # no Toyland
    heli = rows["a helicopter flying"]
    assert heli["licence"] == "CC-BY-SA-3.0" and heli["real"] == "True"
    assert heli["origin"] == "openttd-opensfx:opensfx.cat/00-helicopter"
    assert sf.info(tmp_path / "corpus" / heli["file"]).duration == pytest.approx(1.2, abs=0.05)
