"""The fine-tune job API on a small real library with broken files and a tiny bundle (CPU)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from ambisketch.engine.errors import Cancelled, EngineError, ModelLoadError
from ambisketch.engine.generate import GenerationRequest, Generator
from ambisketch.engine.models.bundle import load_bundle, new_bundle, save_bundle
from ambisketch.engine.models.codec import CODEC_PRESETS
from ambisketch.engine.models.conditioners import CONDITIONER_PRESETS
from ambisketch.engine.models.dit import DIT_PRESETS
from ambisketch.engine.models.text_encoder import MINILM_ID, TextEncoder
from ambisketch.engine.spatial import preset
from ambisketch.training.finetune import (
    FinetuneJob,
    FinetuneProgress,
    FinetuneSettings,
    default_base_bundle,
    pick_batch,
    scan_library,
)

CLIP = 0.5


def make_messy_library(root: Path) -> Path:
    spec = importlib.util.spec_from_file_location(
        "messy_library", Path(__file__).with_name("messy_library.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_messy_library(root)


@pytest.fixture(scope="module")
def text_encoder() -> TextEncoder:
    return TextEncoder(MINILM_ID, cache_size=256)


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


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_messy_library(tmp_path_factory.mktemp("sounds") / "library")


def settings(tmp_path: Path, library: Path, base: Path, **kw) -> FinetuneSettings:
    values = dict(
        library=library,
        out=tmp_path / "tuned",
        base=base,
        steps=6,
        device="cpu",
        batch_size=2,
        accumulate=1,
        augmentations=1,
        cache_dir=tmp_path / "cache",
    )
    values.update(kw)
    return FinetuneSettings(**values)


def test_scan_names_every_file_it_cannot_use(library: Path, tmp_path: Path) -> None:
    report = scan_library(library, cache_dir=tmp_path / "cache")
    assert report.usable == 6
    problems = dict(report.problems)
    assert problems["broken.wav"].startswith("unreadable: not a readable audio file")
    assert problems["empty.wav"].startswith("unreadable: empty file")
    assert {"silent.wav", "short.wav", "copies/dog_copy.wav"} <= set(problems)
    assert "broken.wav" in report.summary()


def test_finetune_writes_a_bundle_the_generator_loads(
    tmp_path: Path, library: Path, base: Path, text_encoder: TextEncoder
) -> None:
    seen: list[FinetuneProgress] = []
    out = FinetuneJob(
        settings(tmp_path, library, base), seen.append, text_encoder=text_encoder
    ).run()
    assert out == tmp_path / "tuned"
    stages = list(dict.fromkeys(p.stage for p in seen))
    assert stages == ["scan", "encode", "train", "export"]
    scan_done = [p for p in seen if p.stage == "scan" and p.step == p.total][0]
    assert "6 usable clips, 5 files skipped" in scan_done.message
    assert "broken.wav: unreadable" in scan_done.message
    train = [p for p in seen if p.stage == "train" and p.loss is not None]
    assert train[-1].step == 6 and train[-1].total == 6 and np.isfinite(train[-1].loss)
    encoded = [p for p in seen if p.stage == "encode"]
    assert encoded[-1].step == encoded[-1].total == 12  # 6 clips × static + moving
    assert not (tmp_path / ".tuned.finetune").exists()  # the work folder is cleaned up

    tuned, original = load_bundle(out), load_bundle(base)
    a, b = tuned.model.state_dict(), original.model.state_dict()
    assert any(not torch.equal(a[k], b[k]) for k in a)  # trained from the base ...
    assert all(
        torch.equal(v, original.codec.state_dict()[k])  # ... with the base's codec
        for k, v in tuned.codec.state_dict().items()
    )
    info = json.loads((out / "model.json").read_text())
    tune = info["training_data"]["finetune"]
    assert (tune["clips"], tune["skipped"], tune["steps"]) == (6, 5, 6)
    assert info["name"] == "tiny base + library" and info["clip_seconds"] == CLIP
    assert "Fine-tuned from `tiny base`" in (out / "MODEL_CARD.md").read_text()
    gen = Generator(out, device="cpu", text_encoder=text_encoder)
    take = gen.generate(GenerationRequest("a bell", preset("orbit", CLIP), CLIP, seed=1, steps=2))[
        0
    ]
    assert take.foa.shape == (4, 8000) and np.isfinite(take.foa).all()
    with pytest.raises(ModelLoadError, match="already exists"):
        FinetuneJob(settings(tmp_path, library, base), text_encoder=text_encoder).run()


def test_cancel_writes_nothing_and_a_new_run_continues(
    tmp_path: Path, library: Path, base: Path, text_encoder
) -> None:
    steps: list[int] = []

    def cancel() -> bool:
        return len(steps) >= 3

    def progress(p: FinetuneProgress) -> None:
        if p.stage == "train" and p.loss is not None:
            steps.append(p.step)

    s = settings(tmp_path, library, base, steps=8)
    with pytest.raises(Cancelled, match="run it again with the same settings"):
        FinetuneJob(s, progress, cancel, text_encoder=text_encoder).run()
    assert not s.out.exists() and (tmp_path / ".tuned.finetune" / "dit-run").is_dir()
    seen: list[FinetuneProgress] = []
    FinetuneJob(s, seen.append, text_encoder=text_encoder).run()
    first_train = [p for p in seen if p.stage == "train"][0]
    assert first_train.step == 3  # resumed from the checkpoint saved at the cancel
    assert not [
        p for p in seen if p.stage == "encode" and p.step == 0 and p.message.startswith("encoded 0")
    ]  # the latent cache was complete: nothing encoded again
    assert load_bundle(s.out).info.training_data["finetune"]["steps"] == 8


def test_codec_too_tunes_the_codec(tmp_path: Path, library: Path, base: Path, text_encoder) -> None:
    out = FinetuneJob(
        settings(tmp_path, library, base, steps=2, codec_too=True, codec_steps=2),
        text_encoder=text_encoder,
    ).run()
    a, b = load_bundle(out).codec.state_dict(), load_bundle(base).codec.state_dict()
    assert any(not torch.equal(a[k], b[k]) for k in a)
    assert load_bundle(out).info.training_data["finetune"]["codec_too"]


def test_base_errors_and_the_installed_default(
    tmp_path: Path, library: Path, base: Path, monkeypatch, text_encoder
) -> None:
    monkeypatch.setenv("AMBISKETCH_RESOURCES", str(tmp_path / "resources"))
    assert default_base_bundle() is None
    with pytest.raises(ModelLoadError, match="pass --base"):
        FinetuneJob(settings(tmp_path, library, None)).run()
    with pytest.raises(ModelLoadError, match="not a model bundle"):
        FinetuneJob(settings(tmp_path, library, library)).run()
    with pytest.raises(EngineError, match="no such library"):
        FinetuneJob(settings(tmp_path, tmp_path / "nope", base)).run()
    with pytest.raises(EngineError, match="steps must be at least 1"):
        FinetuneJob(settings(tmp_path, library, base, steps=0)).run()
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "broken.wav").write_bytes(b"RIFF....WAVEnothing")
    with pytest.raises(EngineError, match="no usable sound files"):
        FinetuneJob(settings(tmp_path, empty, base)).run()
    assert not (tmp_path / "tuned").exists()
    # an installed default is used when no base is given
    installed = tmp_path / "resources" / "models" / "starter"
    installed.parent.mkdir(parents=True)
    save_bundle(installed, load_bundle(base))
    assert default_base_bundle() == installed
    out = FinetuneJob(settings(tmp_path, library, None, steps=1), text_encoder=text_encoder).run()
    assert load_bundle(out).info.training_data["finetune"]["base"] == str(installed.resolve())


def test_batch_and_accumulation_fit_the_device() -> None:
    assert pick_batch(36_000_000, 79, 384, 8, "cpu", None) == (4, 1)  # time-bound: no accum
    gib = 2**30
    # the default model on a 24 GB card: the whole target batch in one step
    assert pick_batch(36_000_000, 79, 384, 8, "cuda", 24 * gib) == (16, 1)
    # SAO-sized (1 B parameters) on 24 GB does not fit: batch 1, accumulate to 16
    assert pick_batch(1_060_000_000, 79, 1536, 24, "cuda", 24 * gib) == (1, 16)
    small = pick_batch(240_000_000, 79, 768, 16, "cuda", 8 * gib)
    large = pick_batch(240_000_000, 79, 768, 16, "cuda", 80 * gib)
    assert small[0] < large[0] and small[0] * small[1] >= 16 and large[0] * large[1] >= 16
