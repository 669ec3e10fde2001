"""The starter corpus recipe in its quick mode, polite skipping, and the catalogue's breadth."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ambisketch.training.data import DatasetError, scan_library
from ambisketch.training.recipes.starter import BuildOptions, build_starter
from ambisketch.training.recipes.starter import build as build_mod
from ambisketch.training.recipes.starter import sources as sources_mod
from ambisketch.training.recipes.starter.files import FREEDESKTOP, GAME_SOUNDS, game_key
from ambisketch.training.recipes.starter.gm import (
    DRUMS,
    GM_NAMES,
    drum_sections,
    midi_file,
    note_range,
    program_sections,
)
from ambisketch.training.recipes.starter.procedural import CONCEPTS, render_variant
from ambisketch.training.recipes.starter.speech import speech_jobs


def test_quick_procedural_build(tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    m = build_starter(
        out,
        BuildOptions(only=("procedural",), limit=2, max_concepts=4, jobs=1),
        progress=False,
        log=lambda _: None,
    )
    assert m["files"] == 8 and m["concept_count"] == 4 and m["hours"] > 0
    assert m["sources"]["procedural"]["status"] == "built"
    rows = list(csv.DictReader((out / "captions.csv").open()))
    assert len(rows) == 8 and all((out / r["file"]).is_file() for r in rows)
    data, rate = sf.read(out / rows[0]["file"], always_2d=True)
    assert rate == 16000 and data.shape[1] == 1
    assert json.loads((out / "manifest.json").read_text())["files"] == 8
    assert "## procedural (built)" in (out / "LICENSES.md").read_text()
    lib = scan_library(out, cache_dir=tmp_path / "cache", progress=False)  # the corpus scans
    assert lib.report.caption_sources["table"] == len(lib) > 0
    assert {r.caption for r in lib.records} <= {r["caption"] for r in rows}
    with pytest.raises(DatasetError, match="already there"):
        build_starter(out, BuildOptions(only=("procedural",), limit=1, max_concepts=1, jobs=1))


def test_missing_packages_are_skipped_with_a_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build_mod, "package_installed", lambda p: False)
    monkeypatch.setattr(sources_mod, "package_installed", lambda p: False)
    monkeypatch.setattr(sources_mod.Source, "missing", lambda self: list(self.needs))
    said: list[str] = []
    m = build_starter(
        tmp_path / "c",
        BuildOptions(
            only=("procedural", "gm", "games"), limit=1, max_concepts=1, jobs=1, install=False
        ),
        progress=False,
        log=said.append,
    )
    assert m["sources"]["procedural"]["status"] == "built"
    for name in ("gm", "games"):
        assert m["sources"][name]["status"] == "skipped"
        assert "not installed" in m["sources"][name]["reason"]
    assert any("skipping gm" in s for s in said)
    assert "Not included" in (tmp_path / "c" / "LICENSES.md").read_text()


def test_unknown_source_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="unknown source 'nope'"):
        build_starter(tmp_path / "c", BuildOptions(only=("nope",)))


def test_every_procedural_concept_makes_sound() -> None:
    for i, concept in enumerate(CONCEPTS):
        x, caption = render_variant(concept, np.random.default_rng(i), 16000)
        assert x.dtype == np.float32 and np.isfinite(x).all(), concept.name
        assert x.size >= 0.5 * 16000 and 0.3 < np.max(np.abs(x)) <= 0.9, concept.name
        assert caption and caption[0].islower(), concept.name


def test_catalogue_has_at_least_150_concepts() -> None:
    names = {c.name for c in CONCEPTS}
    names |= {n for i, n in enumerate(GM_NAMES)}
    names |= {c for c, _ in DRUMS.values()}
    names |= {c for c, _, _ in speech_jobs(np.random.default_rng(0), 1)}
    names |= {c for c, _ in FREEDESKTOP.values()} | {c for c, _ in GAME_SOUNDS.values()}
    assert len(names) >= 150, len(names)


def test_midi_sections_are_valid() -> None:
    rng = np.random.default_rng(0)
    for program in range(128):
        lo, hi = note_range(program)
        events, sections = program_sections(program, rng)
        assert all(0 <= msg[1] < 128 for _, msg in events if msg[0] & 0xF0 in (0x80, 0x90))
        assert all(GM_NAMES[program] in cap or program >= 120 for *_, cap in sections)
        assert 0 <= lo < hi < 128
    events, sections = drum_sections(rng)
    assert len(sections) == len(DRUMS) + 2
    data = midi_file(events)
    assert data[:4] == b"MThd" and data[14:18] == b"MTrk"
    assert game_key("bird1_02") == "bird1" and game_key("coin2") == "coin2"
