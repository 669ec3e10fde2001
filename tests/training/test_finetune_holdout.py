"""The fine-tune's held-out test: files kept out of training per caption, the content metric
before and after in the job, the bundle, its card, the CLI summary and the dialog's reader;
the partial fine-tunes train only their part of the DiT."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from helpers.cli import one_line_error, run

from ambisketch.engine.models.bundle import load_bundle, new_bundle, save_bundle
from ambisketch.engine.models.codec import CODEC_PRESETS
from ambisketch.engine.models.conditioners import CONDITIONER_PRESETS
from ambisketch.engine.models.dit import DIT_PRESETS
from ambisketch.engine.models.text_encoder import MINILM_ID, TextEncoder
from ambisketch.training.data.library import ScanConfig
from ambisketch.training.finetune import (
    FinetuneJob,
    FinetuneProgress,
    FinetuneSettings,
    _freeze,
    scan_library,
)
from ambisketch.training.finetune_eval import split_holdout
from ambisketch.ui.finetune_dialog import held_out_summary

CLIP = 0.5
KINDS = {"a bell ringing": 880.0, "a low hum": 110.0, "hiss": None}


def _library(root: Path, per: int = 5) -> Path:
    root.mkdir(parents=True)
    rng = np.random.default_rng(0)
    rows = ["file,caption"]
    for k, (caption, freq) in enumerate(KINDS.items()):
        for i in range(per):
            t = np.arange(16000) / 16000
            x = (
                0.3 * np.sin(2 * np.pi * freq * (1 + 0.03 * i) * t)
                if freq
                else 0.2 * rng.standard_normal(t.size)
            )
            sf.write(root / f"k{k}_{i}.wav", x.astype(np.float32), 16000)
            rows.append(f"k{k}_{i}.wav,{caption}")
    (root / "captions.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _library(tmp_path_factory.mktemp("lib") / "three-kinds")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    b = new_bundle(
        CODEC_PRESETS["tiny"],
        DIT_PRESETS["tiny"],
        CONDITIONER_PRESETS["tiny"],
        clip_seconds=CLIP,
        name="tiny base",
    )
    return save_bundle(tmp_path_factory.mktemp("models") / "base", b)


def test_holdout_keeps_files_of_every_caption_out(library: Path, tmp_path: Path) -> None:
    lib = scan_library(
        library, ScanConfig(rate=16000, clip_seconds=CLIP), cache_dir=tmp_path / "c"
    ).library
    train, held = split_holdout(lib, 0.2, seed=0)
    assert len(held) == 3 and len(train) == 12 and not set(train) & set(held)
    assert {lib.records[i].caption for i in held} == set(KINDS)
    assert split_holdout(lib, 0.2, seed=0) == (train, held)  # the same files every run
    assert split_holdout(lib, 0.0)[1] == []
    assert split_holdout(lib.subset([0, 1, 2, 3]), 0.2)[1] == []  # too small to hold out


@pytest.mark.parametrize(
    "method,trained", [("attention", "attn"), ("cross-attention", "cross_attn")]
)
def test_partial_methods_train_only_their_part(base: Path, method: str, trained: str) -> None:
    model = load_bundle(base).model
    _freeze(model, method)
    names = {n for n, p in model.named_parameters() if p.requires_grad}
    assert names and all(trained in n or n.startswith("conditioner.") for n in names)
    assert any("ff." in n for n, p in model.named_parameters() if not p.requires_grad)
    _freeze(model, "full")
    assert all(p.requires_grad for p in model.parameters())


def test_the_job_reports_the_held_out_test_before_and_after(
    library: Path, base: Path, tmp_path: Path
) -> None:
    pytest.importorskip("aisfx.models", reason="aisfx is installed by scripts/setup")
    seen: list[FinetuneProgress] = []
    s = FinetuneSettings(
        library=library,
        out=tmp_path / "tuned",
        base=base,
        steps=4,
        device="cpu",
        batch_size=2,
        accumulate=1,
        augmentations=1,
        cache_dir=tmp_path / "cache",
        eval_takes=1,
        lr=1e-3,
    )
    job = FinetuneJob(s, seen.append, text_encoder=TextEncoder(MINILM_ID, cache_size=64))
    out = job.run()
    stages = [p.stage for i, p in enumerate(seen) if i == 0 or seen[i - 1].stage != p.stage]
    assert stages == ["scan", "evaluate", "encode", "train", "evaluate", "export"]
    before, after = job.content["before"], job.content["after"]
    for c in (before, after):
        assert c["takes"] == 3 and c["labels"] == 3 and c["real_clips"] == 3
        assert np.isfinite(c["fd_aisfx_w"]) and c["chance"] == pytest.approx(1 / 3)
    assert len(job.content["held_out"]) == 3
    tune = json.loads((out / "model.json").read_text())["training_data"]["finetune"]
    assert tune["clips"] == 15 and tune["method"] == "full"
    assert tune["content"]["after"]["fd_aisfx_w"] == after["fd_aisfx_w"]
    text = held_out_summary(out)
    assert "FD aiSFX" in text and "→" in text and "chance 33%" in text
    assert "## Held-out test" in (out / "MODEL_CARD.md").read_text()
    assert held_out_summary(tmp_path) == ""  # no bundle there: nothing to show
    a, b = load_bundle(out).model.state_dict(), load_bundle(base).model.state_dict()
    assert any(not torch.equal(a[k], b[k]) for k in a)


def test_cli_prints_the_held_out_test_and_rejects_a_bad_holdout(
    library: Path, base: Path, tmp_path: Path, capsys
) -> None:
    code, _, err = run(
        capsys, "finetune", library, "-o", tmp_path / "x", "--holdout", "0.9", "--base", base
    )
    one_line_error(code, err, "holdout")
    assert not (tmp_path / "x").exists()
    pytest.importorskip("aisfx.models", reason="aisfx is installed by scripts/setup")
    code, out, err = run(
        capsys,
        "finetune",
        library,
        "-o",
        tmp_path / "tuned",
        "--base",
        base,
        "--steps",
        "2",
        "--batch",
        "2",
        "--augmentations",
        "1",
        "--eval-takes",
        "1",
        "--method",
        "cross-attention",
        "--no-progress",
        "--device",
        "cpu",
        "--cache-dir",
        tmp_path / "cache",
    )
    assert code == 0, err
    assert "held-out test (3 library files not trained on" in out and "class accuracy" in out
