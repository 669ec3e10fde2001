"""Library scan: caption sources, skip reasons, trimming, looping, channel modes, the cache."""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath

import numpy as np
import pytest
import soundfile as sf

from ambisketch.training.data import DatasetError, ScanConfig, scan_library
from ambisketch.training.data import library as library_mod
from ambisketch.training.data.caption_sources import caption_from_name
from ambisketch.training.data.library import loop_to, trim_silence

EXPECTED_SKIPS = [
    {"file": "broken.wav", "reason": "unreadable"},
    {"file": "empty.wav", "reason": "unreadable"},
    {"file": "short.wav", "reason": "too-short"},
    {"file": "silent.wav", "reason": "silent"},
    {"file": "copies/dog_copy.wav", "reason": "duplicate"},
]
EXPECTED_CAPTIONS = {
    "  DOG bark (final) v2.WAV": ("dog bark", "filename"),
    "ambience/forest_8ch.wav": ("ambience forest", "filename"),
    "bells/Small_Bell_02.wav": ("small bell", "filename"),
    "sidecar/thunder.wav": ("distant thunder rumbling", "sidecar"),
    "studio/Tone 96k.wav": ("a pure sine tone", "table"),
    "studio/rain.flac": ("light rain on a window", "table"),
}


def test_messy_library_report(messy_library: Path, cache_dir: Path, tmp_path: Path) -> None:
    lib = scan_library(messy_library, cache_dir=cache_dir, progress=False)
    r = lib.report
    assert (r.files_found, r.files_used, r.clips, r.cached_files) == (11, 6, 6, 0)
    assert [{k: s[k] for k in ("file", "reason")} for s in r.skipped] == EXPECTED_SKIPS
    assert r.skip_counts == {"unreadable": 2, "silent": 1, "too-short": 1, "duplicate": 1}
    assert r.caption_sources == {"sidecar": 1, "table": 2, "filename": 3}
    assert "same content as   DOG bark (final) v2.WAV" in r.skipped[-1]["detail"]
    assert "empty" in r.skipped[1]["detail"]
    assert {
        rec.rel_path: (rec.caption, rec.caption_source) for rec in lib.records
    } == EXPECTED_CAPTIONS
    # Trimmed lengths: 2 + 1.5 + 1 + 3 + 1 + 1.2 s (the test tones have no silence to trim).
    assert r.seconds == pytest.approx(9.7, abs=0.05)
    assert r.hours == pytest.approx(9.7 / 3600, abs=1e-4)
    assert any("2 multichannel file(s) mixed down to mono" in n for n in r.notes)
    text = r.format()
    assert "too-short" in text and "captions: sidecar 1, table 2, filename 3" in text
    data = json.loads(r.write(tmp_path / "report.json").read_text())
    assert data["files_used"] == 6 and data["skip_counts"]["duplicate"] == 1
    assert data["settings"]["rate"] == 16000


def test_clips_are_model_rate_mono_and_looped(messy_library: Path, cache_dir: Path) -> None:
    lib = scan_library(messy_library, cache_dir=cache_dir, progress=False)
    for i, rec in enumerate(lib.records):
        x = lib.load(i)
        assert x.shape == (160000,) and x.dtype == np.float32
        period = int(round(rec.seconds * 16000))
        np.testing.assert_allclose(x[:1000], x[period : period + 1000], atol=1e-6)  # looped


def test_cache_is_reused_and_invalidated(
    messy_library: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = scan_library(messy_library, cache_dir=cache_dir, progress=False)
    assert list(cache_dir.glob("*.safetensors")) and list(cache_dir.glob("index-*.json"))
    decoded: list[str] = []
    real = library_mod._decode
    monkeypatch.setattr(library_mod, "_decode", lambda p, c: decoded.append(p.name) or real(p, c))
    second = scan_library(messy_library, cache_dir=cache_dir, progress=False)
    assert decoded == [] and second.report.cached_files == 11
    assert second.report.to_dict()["skipped"] == first.report.to_dict()["skipped"]
    np.testing.assert_array_equal(second.load(2), first.load(2))
    bell = messy_library / "bells" / "Small_Bell_02.wav"
    st = bell.stat()
    os.utime(bell, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # touched: decoded again
    third = scan_library(messy_library, cache_dir=cache_dir, progress=False)
    assert decoded == ["Small_Bell_02.wav"] and third.report.cached_files == 10
    scan_library(messy_library, ScanConfig(clip_seconds=5.0), cache_dir=cache_dir, progress=False)
    assert len(decoded) == 12  # other settings: another index, everything decoded


def test_cache_dir_from_environment(
    messy_library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMBISKETCH_CACHE_DIR", str(tmp_path / "envcache"))
    scan_library(messy_library, progress=False)
    assert list((tmp_path / "envcache").glob("index-*.json"))


def test_channels_each_makes_one_clip_per_channel(messy_library: Path, cache_dir: Path) -> None:
    lib = scan_library(
        messy_library, ScanConfig(channels="each"), cache_dir=cache_dir, progress=False
    )
    per_file: dict[str, list[int | None]] = {}
    for rec in lib.records:
        per_file.setdefault(rec.rel_path, []).append(rec.channel)
    assert per_file["ambience/forest_8ch.wav"] == list(range(8))
    assert per_file["studio/rain.flac"] == [0, 1]
    assert per_file["bells/Small_Bell_02.wav"] == [0]
    assert lib.report.files_used == 6 and lib.report.clips == 14


def test_trim_silence_and_loop() -> None:
    rate = 16000
    x = np.zeros(3 * rate, np.float32)
    x[rate : 2 * rate] = 0.5 * np.sin(np.arange(rate) * 0.1)
    y, loudest = trim_silence(x, rate, 40.0, -60.0)
    assert abs(y.size - rate) <= rate // 100 and loudest > -10
    assert loop_to(np.arange(3, dtype=np.float32), 7).tolist() == [0, 1, 2, 0, 1, 2, 0]
    assert loop_to(np.arange(9, dtype=np.float32), 4).tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize(
    "path, caption",
    [
        ("bells/Small_Bell_02.wav", "small bell"),
        ("  DOG bark (final) v2.WAV", "dog bark"),
        ("dogs/bark_01.wav", "dog bark"),
        ("animals/001.wav", "animal"),
        ("sfx/DoorSlam_take3.flac", "door slam"),
        ("ambience/city/traffic_48k_24bit.wav", "city traffic"),
        ("x/123.wav", "x"),
        ("456.wav", "a sound"),
    ],
)
def test_caption_from_name(path: str, caption: str) -> None:
    assert caption_from_name(PurePosixPath(path)) == caption


def test_caption_tables_nearest_first_and_jsonl(tmp_path: Path, cache_dir: Path) -> None:
    root = tmp_path / "lib"
    (root / "a" / "b").mkdir(parents=True)
    tone = (0.3 * np.sin(np.arange(16000) * 0.05)).astype(np.float32)
    sf.write(root / "a" / "b" / "one.wav", tone, 16000)
    sf.write(root / "a" / "b" / "two.wav", tone * 0.9, 16000)
    sf.write(root / "a" / "three.ogg", tone * 0.8, 16000)
    sf.write(root / "four.wav", tone * 0.7, 16000)
    (root / "metadata.csv").write_text(
        "path,description\na/b/one.wav,far caption\n"
        "a/b/two.wav,root caption\nfour.wav,four from root\n"
    )
    (root / "a" / "captions.jsonl").write_text(
        '{"file": "b/one.wav", "caption": "near caption"}\n{"file": "three", "text": "a three"}\n'
    )
    (root / "a" / "b" / "two.txt").write_text("  sidecar  wins \n")
    lib = scan_library(root, cache_dir=cache_dir, progress=False)
    got = {r.rel_path: (r.caption, r.caption_source) for r in lib.records}
    assert got == {
        "a/b/one.wav": ("near caption", "table"),
        "a/b/two.wav": ("sidecar wins", "sidecar"),
        "a/three.ogg": ("a three", "table"),
        "four.wav": ("four from root", "table"),
    }


def test_bad_table_is_a_note_not_a_failure(tmp_path: Path, cache_dir: Path) -> None:
    root = tmp_path / "lib"
    root.mkdir()
    sf.write(root / "hum.wav", (0.3 * np.sin(np.arange(16000) * 0.05)).astype(np.float32), 16000)
    (root / "captions.jsonl").write_text("not json\n")
    lib = scan_library(root, cache_dir=cache_dir, progress=False)
    assert lib.records[0].caption == "hum"
    assert any("captions.jsonl: caption table ignored" in n for n in lib.report.notes)


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not a folder"):
        scan_library(tmp_path / "nope", cache_dir=tmp_path / "c")
    with pytest.raises(DatasetError, match="channels must be one of mix, each"):
        ScanConfig(channels="left")


def test_mp3_and_aiff_are_read(tmp_path: Path, cache_dir: Path) -> None:
    root = tmp_path / "lib"
    root.mkdir()
    tone = (0.3 * np.sin(np.arange(44100) * 0.05)).astype(np.float32)
    sf.write(root / "horn.aiff", tone, 44100)
    try:
        sf.write(root / "owl.mp3", tone * 0.5, 44100, format="MP3")
    except (sf.LibsndfileError, TypeError, ValueError):
        pytest.skip("this libsndfile cannot write MP3")
    lib = scan_library(root, cache_dir=cache_dir, progress=False)
    assert sorted(r.caption for r in lib.records) == ["horn", "owl"]
