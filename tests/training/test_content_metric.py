"""The aiSFX content metric: the torch reimplementation against the original package (its
network module and a spectrogram Essentia computed with the package's own code), the one-time
safe conversion to safetensors, and the FD / class-accuracy scores on labelled recordings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers.cli import one_line_error, run

from ambisketch.engine.audio_io import write_audio
from ambisketch.engine.errors import EngineError
from ambisketch.training.content_metric import aisfx
from ambisketch.training.content_metric.realset import MANIFEST, load_real_set
from ambisketch.training.content_metric.score import (
    codec_ceiling,
    content_scores,
    embed_real,
    real_ceiling,
)

pytest.importorskip("aisfx.models", reason="aisfx is installed by scripts/setup")
DATA = Path(__file__).with_name("data")


def _signal() -> np.ndarray:
    """The signal whose Essentia spectrogram (aisfx's own pipeline) is stored in data/."""
    t = np.arange(int(0.8 * 44100)) / 44100
    rng = np.random.default_rng(7)
    x = 0.3 * np.sin(2 * np.pi * (200 + 3000 * t) * t) + 0.05 * rng.standard_normal(len(t))
    x[len(t) // 2 :] *= 0.1
    return x.astype(np.float32)


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> aisfx.AisfxEmbedder:
    return aisfx.AisfxEmbedder(cache_dir=tmp_path_factory.mktemp("aisfx-cache"))


def test_spectrogram_matches_the_packages_essentia_pipeline() -> None:
    ref = np.load(DATA / "aisfx_essentia_spectrogram.npy")
    mine = aisfx.spectrogram(_signal()) * aisfx.SPEC_MAX
    assert mine.shape == ref.shape == (36, 96)
    assert np.abs(mine - ref).max() < 1e-3 * np.abs(ref).max()


def test_network_matches_the_packages_own_module(embedder) -> None:
    import torch
    from aisfx.models.cnn2d import EmbeddingNet

    original = EmbeddingNet("max", 3, 1, 64)
    original.load_state_dict(embedder.net.state_dict())
    original.eval()
    x = torch.rand(3, aisfx.BLOCK, aisfx.MELS, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        want, got = original(x), embedder.net(x)
    assert got.shape == (3, aisfx.DIM)
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)


def test_conversion_happens_once_into_safetensors(tmp_path: Path) -> None:
    first = aisfx.weights_path(tmp_path)
    assert first.suffix == ".safetensors" and first.parent == tmp_path / "aisfx"
    stamp = first.stat().st_mtime_ns
    assert aisfx.weights_path(tmp_path) == first and first.stat().st_mtime_ns == stamp
    from safetensors import safe_open

    with safe_open(str(first), "pt") as f:
        keys = set(f.keys())
    assert "conv_block4.bn2.running_var" in keys and not any(k.startswith("fc") for k in keys)


def test_blocks_follow_the_papers_hop(embedder) -> None:
    x = np.random.default_rng(0).standard_normal(int(10 * 44100)).astype(np.float32) * 0.1
    b = embedder.blocks(x, 44100)
    assert b.shape == (aisfx.block_count(10.0), aisfx.DIM) == (7, 512)
    assert embedder.blocks(x[:4410], 44100).shape == (1, 512)  # shorter than a block: padded
    assert np.allclose(embedder.blocks(np.stack([x, x]), 44100), b)  # channels averaged
    tail = np.concatenate([x[: 3 * 44100], np.zeros(7 * 44100, np.float32)])
    loud = embedder.blocks(tail, 44100, active_db=30.0)
    assert 1 <= len(loud) < len(embedder.blocks(tail, 44100))  # the silent blocks are not judged
    assert np.allclose(loud, embedder.blocks(tail, 44100)[: len(loud)])


def _kind(kind: str, rng: np.random.Generator, rate: int = 16000) -> np.ndarray:
    t = np.arange(int(3.0 * rate)) / rate
    if kind == "tone":
        return 0.3 * np.sin(2 * np.pi * rng.uniform(300, 600) * t)
    if kind == "noise":
        return 0.2 * rng.standard_normal(len(t))
    x = np.zeros(len(t))
    x[:: int(rate / rng.uniform(3, 6))] = 0.9  # clicks
    return x


def _real_set(root: Path, per: int = 4) -> Path:
    rng = np.random.default_rng(1)
    rows = []
    for kind in ("tone", "noise", "clicks"):
        for i in range(per):
            rel = f"{kind}/{i}.wav"
            (root / kind).mkdir(parents=True, exist_ok=True)
            write_audio(root / rel, _kind(kind, rng)[None].astype(np.float32), 16000)
            rows.append({"file": rel, "label": kind, "prompt": f"a {kind}"})
    (root / MANIFEST).write_text(json.dumps({"clips": rows}))
    return root


def test_takes_of_the_named_kind_score_right_and_one_sound_for_all_scores_chance(
    embedder, tmp_path: Path
) -> None:
    real = embed_real(embedder, load_real_set(_real_set(tmp_path / "real")), 16000)
    assert real_ceiling(real) == 1.0
    rng = np.random.default_rng(5)

    def faithful(prompt: str, seed: int) -> np.ndarray:
        return np.repeat(_kind(prompt.split()[-1], rng)[None], 4, 0)

    def same(prompt: str, seed: int) -> np.ndarray:
        return np.repeat(_kind("noise", rng)[None], 4, 0)

    good = content_scores(faithful, real, embedder, takes_per_label=2)
    bad = content_scores(same, real, embedder, takes_per_label=2)
    assert good.class_accuracy == 1.0 and good.chance == pytest.approx(1 / 3)
    assert bad.class_accuracy == pytest.approx(1 / 3) and bad.per_label["noise"] == 1.0
    assert good.fd_aisfx_w < bad.fd_aisfx_w
    assert good.takes == 6 and good.labels == 3 and good.real_clips == 12
    # the confusions: every take of the one sound is heard as noise, whatever its prompt
    assert bad.heard_as == {name: {"noise": 2} for name in real.prompts}
    assert good.heard_as == {name: {name: 2} for name in real.prompts}
    assert "chance 33%" in good.line()


def test_codec_ceiling_is_the_recordings_own_score_through_a_transparent_codec(
    embedder, tmp_path: Path
) -> None:
    clips = load_real_set(_real_set(tmp_path / "real"))
    real = embed_real(embedder, clips, 16000)
    clear = codec_ceiling(embedder, clips, real, lambda x: x)
    assert clear["class_accuracy"] == real_ceiling(real) == 1.0
    assert clear["fd_aisfx_w"] < 1.0  # the same recordings (the rate round trip aside)
    rng = np.random.default_rng(3)
    smeared = codec_ceiling(
        embedder, clips, real, lambda x: 0.2 * rng.standard_normal(x.shape).astype(np.float32)
    )  # a codec that turns everything into the same noise keeps only the noise class
    assert smeared["class_accuracy"] == pytest.approx(1 / 3)
    assert smeared["fd_aisfx_w"] > 10 * max(clear["fd_aisfx_w"], 1.0)


def test_a_folder_without_a_manifest_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="no realset.json"):
        load_real_set(tmp_path)
    (tmp_path / MANIFEST).write_text(
        json.dumps({"clips": [{"file": "x.wav", "label": "a", "prompt": "a"}]})
    )
    with pytest.raises(EngineError, match="x.wav: listed in"):
        load_real_set(tmp_path)


def test_eval_generator_rejects_a_bad_real_set_before_generating(capsys, tmp_path: Path) -> None:
    (tmp_path / "testset").mkdir()
    code, _, err = run(
        capsys,
        "eval",
        "generator",
        "resources/models/starter",
        "--test-set",
        tmp_path / "testset",
        "--real",
        tmp_path,
    )
    one_line_error(code, err, str(tmp_path), "realset.json")
