"""``ambisketch dataset``: scan, preview, test-set and build-starter from the command line."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import soundfile as sf
from helpers.cli import run

_spec = importlib.util.spec_from_file_location(
    "ambisketch_tests_messy_library",
    Path(__file__).resolve().parents[1] / "training" / "messy_library.py",
)
_messy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_messy)
make_messy_library = _messy.make_messy_library


@pytest.fixture
def lib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AMBISKETCH_CACHE_DIR", str(tmp_path / "cache"))
    return make_messy_library(tmp_path / "library")


def test_scan_prints_and_writes_the_report(capsys, lib: Path, tmp_path: Path) -> None:
    code, out, err = run(capsys, "dataset", "scan", lib, "--report", tmp_path / "r.json")
    assert code == 0
    assert "11 found, 6 used" in out and "unreadable 2, silent 1, too-short 1, duplicate 1" in out
    assert "report written" in err
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["caption_sources"] == {"sidecar": 1, "table": 2, "filename": 3}
    code, out, _ = run(capsys, "dataset", "scan", lib, "--json")
    assert code == 0 and json.loads(out)["cached_files"] == 11


def test_preview_writes_listenable_samples(capsys, lib: Path, tmp_path: Path) -> None:
    code, out, err = run(
        capsys, "dataset", "preview", lib, "-o", tmp_path / "pv", "-n", 4, "--multi-segment", "0.5"
    )
    assert code == 0, err
    wavs = sorted((tmp_path / "pv").glob("*.wav"))
    assert len(wavs) == 4 and len(out.strip().splitlines()) == 4
    for w in wavs:
        info = sf.info(w)
        assert info.channels == 4 and info.samplerate == 16000
        side = json.loads(w.with_name(w.name + ".json").read_text())
        assert side["spatial_caption"] in (tmp_path / "pv" / "captions.txt").read_text()
    code, _, err = run(capsys, "dataset", "preview", lib, "-o", tmp_path / "pv", "-n", 4)
    assert code == 1 and "already exists" in err and len(err.strip().splitlines()) == 1


def test_test_set_command(capsys, lib: Path, tmp_path: Path) -> None:
    code, _, err = run(
        capsys, "dataset", "test-set", lib, "-o", tmp_path / "ts", "-n", 3, "--split", "train"
    )
    assert code == 0, err
    assert len(json.loads((tmp_path / "ts" / "testset.json").read_text())["clips"]) == 3
    code, _, err = run(
        capsys, "dataset", "test-set", lib, "-o", tmp_path / "ts", "-n", 3, "--split", "train"
    )
    assert code == 1 and "written once" in err


def test_build_starter_quick_mode(capsys, tmp_path: Path) -> None:
    code, out, err = run(
        capsys,
        "dataset",
        "build-starter",
        tmp_path / "c",
        "--only",
        "procedural",
        "--limit",
        1,
        "--max-concepts",
        3,
        "--jobs",
        1,
        "--no-install",
    )
    assert code == 0, err
    assert "3 files, 3 concepts" in out and "procedural   built, 3 files" in out
    assert (tmp_path / "c" / "manifest.json").is_file()


@pytest.mark.parametrize(
    "args, words",
    [
        (("dataset", "scan", "/no/such/folder"), "not a folder"),
        (("dataset", "preview", "{lib}", "-o", "{tmp}/p", "-n", "0"), "-n must be at least 1"),
        (("dataset", "build-starter", "{tmp}/c", "--only", "bogus"), "unknown source 'bogus'"),
    ],
)
def test_errors_are_one_line(capsys, lib: Path, tmp_path: Path, args, words) -> None:
    code, _, err = run(capsys, *[a.format(lib=lib, tmp=tmp_path) for a in args])
    assert code == 1 and words in err and len(err.strip().splitlines()) == 1, err


def test_dataset_without_action_prints_help(capsys) -> None:
    code, out, _ = run(capsys, "dataset")
    assert code == 2 and "scan" in out and "build-starter" in out
