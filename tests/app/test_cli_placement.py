"""``generate --placement`` and ``takes repath`` end to end, with one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers.cli import one_line_error, run
from helpers.tiny_model import Codec, saved_tiny_bundle

from ambisketch.engine.generate import GenerationRequest, Generator
from ambisketch.engine.spatial import preset
from ambisketch.engine.takes import TakeStore


def _bundle(root: Path, codec: Codec, name: str) -> Path:
    return saved_tiny_bundle(root / name, codec, 0.5, name)


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("models")
    return {
        "factored": _bundle(root, "factored", "tiny-factored"),
        "foa": _bundle(root, "foa", "tiny-foa"),
    }


def _gen(capsys, out: Path, bundle: Path, *extra: object) -> tuple[int, str, str]:
    return run(
        capsys,
        "generate",
        "a bee buzzing",
        "-o",
        out,
        "--seconds",
        0.5,
        "--seed",
        2,
        "--steps",
        3,
        "--model",
        bundle,
        "--device",
        "cpu",
        "--no-progress",
        "--loudness",
        "off",
        *extra,
    )


def test_generate_placements(capsys, tmp_path: Path, bundles: dict[str, Path]) -> None:
    code, out, err = _gen(capsys, tmp_path / "held.wav", bundles["factored"], "--path", "orbit")
    assert code == 0, err
    assert "placement held" in out
    meta = json.loads((tmp_path / "held.wav.json").read_text())
    assert meta["placement"] == "held" and meta["path_error_deg"] < 2.0
    code, out, err = _gen(
        capsys,
        tmp_path / "learned.wav",
        bundles["factored"],
        "--path",
        "orbit",
        "--placement",
        "learned",
    )
    assert code == 0 and "placement learned" in out, err
    code, out, err = _gen(capsys, tmp_path / "foa.wav", bundles["foa"], "--path", "orbit")
    assert code == 0 and "placement locked" in out and "4-channel" in err, err
    code, out, err = run(
        capsys,
        "generate",
        "a bee on your left",
        "-o",
        tmp_path / "w.wav",
        "--seconds",
        0.5,
        "--seed",
        2,
        "--steps",
        3,
        "--model",
        bundles["factored"],
        "--device",
        "cpu",
        "--no-progress",
    )
    assert code == 0 and "path the words describe" in out, err
    meta = json.loads((tmp_path / "w.wav.json").read_text())
    assert meta["path_source"] == "words" and meta["path"]["keyframes"][0]["azimuth"] == 90.0
    code, _, err = _gen(
        capsys,
        tmp_path / "x.wav",
        bundles["factored"],
        "--path",
        "orbit",
        "--lock-path",
        "--placement",
        "learned",
    )
    one_line_error(code, err, "--lock-path", "--placement learned")
    code, _, err = _gen(capsys, tmp_path / "y.wav", bundles["factored"], "--placement", "locked")
    one_line_error(code, err, "path lock needs a path")


def test_takes_repath(capsys, tmp_path: Path, bundles: dict[str, Path]) -> None:
    project = tmp_path / "proj"
    store = TakeStore(project)
    gen = Generator(bundles["factored"], device="cpu")
    rec = store.add(
        gen.generate(GenerationRequest("a bee", preset("static", 0.5), 0.5, seed=1, steps=3))[0],
        "bee",
    )
    code, out, err = run(capsys, "takes", "repath", "bee", "--path", "orbit", "--project", project)
    assert code == 0 and "from its latents" in out, err
    new = store.get("bee_repath")
    assert new.has_latents and new.placement == "held" and new.path_error_deg < 2.0
    assert np.array_equal(store.load(new)[0][0], store.load(rec)[0][0])
    code, out, err = run(capsys, "takes", "list", "--project", project)
    assert code == 0 and "held" in out and "PLACED" in out, err
    code, _, err = run(capsys, "takes", "repath", "nope", "--path", "orbit", "--project", project)
    one_line_error(code, err, "no take named 'nope'")
    code, _, err = run(
        capsys, "takes", "repath", "bee", "--path", tmp_path / "missing.json", "--project", project
    )
    one_line_error(code, err, "missing.json")
    code, _, err = run(
        capsys, "takes", "repath", "bee", "--path", "orbit", "-o", "bee", "--project", project
    )
    one_line_error(code, err, "already exists")
    assert sorted(p.name for p in project.iterdir() if not p.name.startswith(".")) == sorted(
        f"{n}{s}"
        for n in ("bee", "bee_repath")
        for s in (".wav", ".wav.json", ".wav.latents.safetensors")
    )


def test_generate_keeps_latents_that_takes_add_carries(
    capsys, tmp_path: Path, bundles: dict[str, Path]
) -> None:
    out = tmp_path / "bee.wav"
    code, _, err = _gen(capsys, out, bundles["factored"], "--path", "orbit", "--bits", "32f")
    assert code == 0, err
    assert (tmp_path / "bee.wav.latents.safetensors").is_file()
    project = tmp_path / "proj"
    code, _, err = run(capsys, "takes", "add", out, "--project", project)
    assert code == 0, err
    assert TakeStore(project).get("bee").has_latents
    code, out_text, err = run(
        capsys, "takes", "repath", "bee", "--path", "static", "--project", project
    )
    assert code == 0 and "from its latents" in out_text, err
    # a FuMa (or resampled) output is not what the latents decode to: none, and no stale one
    code, _, err = _gen(
        capsys, out, bundles["factored"], "--path", "orbit", "--format", "fuma", "--force"
    )
    assert code == 0, err
    assert not (tmp_path / "bee.wav.latents.safetensors").exists()
