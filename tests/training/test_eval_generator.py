"""``eval generator`` on a 4-clip test set (some in rooms) with a tiny bundle: every metric, the
report beside the paper's figures, the Fréchet distance itself and the optional CLAP path."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from ambisketch.engine.errors import EngineError, ModelLoadError
from ambisketch.engine.generate import Generator
from ambisketch.engine.models.bundle import new_bundle
from ambisketch.engine.models.codec import CODEC_PRESETS
from ambisketch.engine.models.conditioners import CONDITIONER_PRESETS
from ambisketch.engine.models.dit import DIT_PRESETS
from ambisketch.engine.models.text_encoder import MINILM_ID, TextEncoder, minilm_path
from ambisketch.training.data import AugmentConfig, ScanConfig, SpatialDataset, scan_library
from ambisketch.training.data.testset import write_test_set
from ambisketch.training.eval_generator import (
    METRICS,
    EvalSettings,
    evaluate_generator,
    format_report,
)
from ambisketch.training.fad import ClapEmbedder, frechet_distance
from ambisketch.training.latents import fit_augment

CLIP = 0.5


def write_room_test_set(root: Path, n: int = 4, seed: int = 2) -> Path:
    """A test set written by ``write_test_set`` from a real library, with each clip's room
    values added to its entry (the format ``eval generator`` reads them from)."""
    spec = importlib.util.spec_from_file_location(
        "messy_library", Path(__file__).with_name("messy_library.py")
    )
    messy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(messy)
    lib = scan_library(
        messy.make_messy_library(root / "library"),
        ScanConfig(rate=16000, clip_seconds=CLIP),
        cache_dir=root / "cache",
        progress=False,
    )
    ds = SpatialDataset(lib, fit_augment(AugmentConfig(room_prob=0.5), CLIP), seed=seed)
    index = write_test_set(ds, root / "testset", n, seed=seed)
    data = json.loads(index.read_text())
    for entry in data["clips"]:
        entry["room"] = ds[entry["index"]]["room"]
    index.write_text(json.dumps(data))
    return root / "testset"


@pytest.fixture(scope="module")
def test_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_room_test_set(tmp_path_factory.mktemp("eval"))


@pytest.fixture(scope="module")
def generator() -> Generator:
    b = new_bundle(
        CODEC_PRESETS["tiny"],
        DIT_PRESETS["tiny"],
        CONDITIONER_PRESETS["tiny"],
        clip_seconds=CLIP,
        name="tiny",
    )
    return Generator(b, device="cpu", text_encoder=TextEncoder(MINILM_ID))


def test_frechet_distance_is_the_gaussian_formula() -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((20000, 1))
    b = 3.0 + 2.0 * rng.standard_normal((20000, 1))
    # 1-D: (μ1 − μ2)² + (σ1 − σ2)² = 9 + 1
    assert frechet_distance(a, b) == pytest.approx(10.0, rel=0.03)
    x = rng.standard_normal((500, 8))
    assert abs(frechet_distance(x, x)) < 1e-6
    few = rng.standard_normal((4, 16))  # fewer samples than dimensions: still finite
    assert np.isfinite(frechet_distance(few, few + 1.0))
    with pytest.raises(ValueError, match="at least 2"):
        frechet_distance(x[:1], x)


def test_eval_reports_every_metric_on_a_four_clip_test_set(
    generator, test_set: Path, tmp_path: Path
) -> None:
    entries = json.loads((test_set / "testset.json").read_text())["clips"]
    in_rooms = sum(e["room"]["in_room"] for e in entries)
    assert len(entries) == 4 and 0 < in_rooms < 4  # some in rooms, some dry
    ticks: list[tuple[int, int]] = []
    scores = evaluate_generator(
        generator,
        test_set,
        EvalSettings(steps=2),
        progress=lambda d, t: ticks.append((d, t)),
        takes_dir=tmp_path / "takes",
    )
    assert ticks[-1] == (8, 8) and scores.clips == 4
    for mode in ("descriptive", "parametric"):
        m = scores.modes[mode]
        assert m.takes == 4 and m.frames > 0
        for v in (m.azimuth_l1, m.elevation_l1, m.spatial_angle):
            assert 0 <= v <= 180
        assert set(m.quality) == {"fd_logmel_w", "fd_codec_latents"}
        assert all(np.isfinite(v) and v >= -1e-6 for v in m.quality.values())
        assert m.room is not None and m.room["clips"] == in_rooms
        assert m.room["rt60_requested_mean"] > 0
    assert len(list((tmp_path / "takes" / "parametric").glob("*.wav"))) == 4
    side = json.loads((tmp_path / "takes" / "parametric" / "0000.wav.json").read_text())
    assert side["request"]["mode"] == "parametric" and "errors" in side
    roomy = [i for i, e in enumerate(entries) if e["room"]["in_room"]][0]
    side = json.loads((tmp_path / "takes" / "parametric" / f"{roomy:04d}.wav.json").read_text())
    assert set(side["request"]["parametric"]) == {"distance", "room_size", "decay_time"}
    desc = json.loads((tmp_path / "takes" / "descriptive" / "0000.wav.json").read_text())
    assert (
        desc["request"]["path"] is None
        and desc["request"]["prompt"] == entries[0]["spatial_caption"]
    )

    text = format_report(scores)
    for needle in (
        "L1 azimuth",
        "L1 elevation",
        "spatial angle",
        "paper SM-D",
        "paper SM-P",
        "21.20",
        "16.04",
        "29.22",
        "13.17",
        "4.01",
        "14.32",
        "FD log-mel (W)",
        "FD codec latents",
        "RT60 asked",
        "|ΔDRR| dB",
        "no CLAP checkpoint",
    ):
        assert needle in text, needle
    data = json.loads(json.dumps(scores.to_dict()))
    assert data["paper"]["parametric"]["spatial_angle"] == 14.32
    assert set(data["metrics"]) == {"fd_logmel_w", "fd_codec_latents"}
    # the same seeds make the same takes: runs compare
    again = evaluate_generator(
        generator, test_set, EvalSettings(steps=2, modes=("parametric",), limit=2)
    )
    first = evaluate_generator(
        generator, test_set, EvalSettings(steps=2, modes=("parametric",), limit=2)
    )
    assert again.modes["parametric"].spatial_angle == first.modes["parametric"].spatial_angle


def test_clap_metrics_with_a_local_checkpoint(generator, test_set: Path, tmp_path: Path) -> None:
    from transformers import AutoTokenizer, ClapConfig, ClapFeatureExtractor, ClapModel

    # A real (randomly initialised, small) CLAP in the Hugging Face layout a user would have.
    config = ClapConfig(
        text_config=dict(
            vocab_size=30522,
            hidden_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=64,
            pad_token_id=0,
            max_position_embeddings=80,
        ),
        audio_config=dict(
            hidden_size=32,
            depths=[1, 1],
            num_attention_heads=[2, 2],
            patch_embeds_hidden_size=16,
            window_size=8,
            spec_size=256,
            num_mel_bins=64,
            patch_size=4,
            patch_stride=[4, 4],
        ),
        projection_dim=16,
    )
    folder = tmp_path / "clap"
    ClapModel(config).save_pretrained(folder)
    ClapFeatureExtractor(feature_size=64, truncation="rand_trunc").save_pretrained(folder)
    AutoTokenizer.from_pretrained(str(minilm_path())).save_pretrained(folder)
    clap = ClapEmbedder(folder)
    scores = evaluate_generator(
        generator, test_set, EvalSettings(steps=2, modes=("parametric",)), clap=clap
    )
    q = scores.modes["parametric"].quality
    assert set(q) == set(METRICS) and -1 <= q["clap_score"] <= 1 and np.isfinite(q["fd_clap"])
    assert -1 <= scores.reference["clap_score"] <= 1
    text = format_report(scores)
    assert "CLAP score" in text and "FD CLAP" in text and "0.23" in text and "rough" in text

    (folder / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match="no safetensors"):
        ClapEmbedder(folder)
    with pytest.raises(ModelLoadError, match="not a CLAP checkpoint"):
        ClapEmbedder(tmp_path)


def test_bad_test_sets_and_settings(generator, tmp_path: Path) -> None:
    from ambisketch.training.data.errors import DatasetError

    with pytest.raises(DatasetError, match="testset.json: no such file"):
        evaluate_generator(generator, tmp_path)
    with pytest.raises(EngineError, match="unknown mode 'loud'"):
        EvalSettings(modes=("loud",))


def test_the_content_metric_joins_the_report_with_a_real_set(
    generator, test_set: Path, tmp_path: Path
) -> None:
    pytest.importorskip("aisfx.models", reason="aisfx is installed by scripts/setup")
    from ambisketch.engine.audio_io import write_audio

    rng = np.random.default_rng(0)
    rows = []
    for label, make in (
        ("hiss", lambda: 0.2 * rng.standard_normal(16000)),
        ("hum", lambda: 0.3 * np.sin(np.arange(16000) * 0.2)),
    ):
        for i in range(2):
            write_audio(tmp_path / f"{label}{i}.wav", make()[None].astype(np.float32), 16000)
            rows.append({"file": f"{label}{i}.wav", "label": label, "prompt": f"a {label}"})
    (tmp_path / "realset.json").write_text(json.dumps({"clips": rows}))
    scores = evaluate_generator(
        generator,
        test_set,
        EvalSettings(steps=2, modes=("parametric",), limit=1),
        real_set=tmp_path,
        takes_per_class=2,
    )
    c = scores.to_dict()["content"]
    assert c["takes"] == 4 and c["labels"] == 2 and c["chance"] == 0.5
    assert 0.0 <= c["class_accuracy"] <= 1.0 and np.isfinite(c["fd_aisfx_w"])
    text = format_report(scores)
    assert "content (aiSFX)" in text and "FD aiSFX (W)" in text and "50%" in text
    assert sum(c["heard_as"]["hiss"].values()) == sum(c["heard_as"]["hum"].values()) == 2
    heard = next(line for line in text.splitlines() if line.strip().startswith("hiss"))
    assert set(heard.split()[1::2]) <= {"hiss", "hum"}  # "hiss  hum 2" or "hiss 1, hum 1"


def test_eval_reports_held_and_learned_placement(generator, test_set: Path) -> None:
    scores = evaluate_generator(generator, test_set, EvalSettings(steps=2, limit=2))
    for mode in ("descriptive", "parametric"):
        m = scores.modes[mode]
        assert m.placement == "held" and set(m.placements) == {"held", "learned"}
        # a 4-channel codec cannot hold: it is path-locked, and says so
        assert m.placements["held"]["placed"] == {"locked": 2}
        assert m.placements["learned"]["placed"] == {"learned": 2}
        for f in m.placements.values():
            assert 0 <= f["spatial_angle_median"] <= f["spatial_angle_max"] <= 180
    # the test set's spatial captions parse: held takes are measured against their words too
    assert scores.modes["descriptive"].placements["held"]["with_words"] == 2
    assert "vs_words_median" not in scores.modes["parametric"].placements["held"]
    text = format_report(scores)
    assert "placement (degrees)" in text and "parametric learned" in text
    with pytest.raises(EngineError, match="unknown placement 'pinned'"):
        EvalSettings(placements=("pinned",))
