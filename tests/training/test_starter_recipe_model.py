"""The starter-model recipe at its tiny size, end to end on a CPU: a real (4-clip) starter
corpus → test set → codec → latents → DiT → evaluation → a bundle the generator loads;
skipping done stages, resuming a paused training stage, refusing changed settings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from ambisketch.engine.generate import GenerationRequest, Generator
from ambisketch.engine.models.bundle import load_bundle, new_bundle, save_bundle
from ambisketch.engine.models.codec_kinds import KINDS
from ambisketch.engine.models.conditioners import CONDITIONER_PRESETS
from ambisketch.engine.models.dit import DIT_PRESETS
from ambisketch.engine.models.factored_codec import FACTORED_PRESETS
from ambisketch.engine.models.text_encoder import MINILM_ID, TextEncoder
from ambisketch.engine.spatial import preset
from ambisketch.training.recipes.starter.pipeline import (
    STAGES,
    RecipeError,
    RecipeSettings,
    StarterRecipe,
    finish,
)
from ambisketch.training.recipes.starter.pipeline.sizes import CODEC_KINDS, codec_train_config


@pytest.fixture(scope="module")
def text_encoder() -> TextEncoder:
    return TextEncoder(MINILM_ID, cache_size=256)


def recipe(
    work: Path, text_encoder: TextEncoder, lines: list[str] | None = None, **options
) -> StarterRecipe:
    values = dict(size="tiny", device="cpu", out=work.parent / "bundle")
    values.update(options)
    return StarterRecipe(
        work, log=(lines.append if lines is not None else None), text_encoder=text_encoder, **values
    )


@pytest.fixture(scope="module")
def done(
    tmp_path_factory: pytest.TempPathFactory, text_encoder: TextEncoder
) -> tuple[Path, object, list[str]]:
    """One complete tiny run (its work folder is copied by tests that change it)."""
    work = tmp_path_factory.mktemp("starter") / "work"
    lines: list[str] = []
    result = recipe(work, text_encoder, lines).run()
    return work, result, lines


def copy_of(done: tuple[Path, object, list[str]], tmp_path: Path) -> Path:
    work = tmp_path / "work"
    shutil.copytree(done[0], work)
    return work


def test_tiny_recipe_makes_a_bundle_the_generator_loads(done, text_encoder) -> None:
    work, result, lines = done
    assert result.status == "complete" and result.ran == list(STAGES)
    bundle = work.parent / "bundle"
    assert result.bundle == bundle
    gen = Generator(bundle, device="cpu", text_encoder=text_encoder)
    defaults = gen.bundle.info.defaults
    assert defaults == {"steps": 4, "cfg_scale": 3.0, "sampler": "dpmpp-2m"}
    take = gen.generate(
        GenerationRequest(
            "a dog barking",
            preset("orbit", 0.5),
            0.5,
            1,
            defaults["steps"],
            defaults["cfg_scale"],
            defaults["sampler"],
        )
    )[0]
    assert take.foa.shape == (4, 8000) and take.foa.dtype == np.float32
    assert np.isfinite(take.foa).all()
    meta = json.loads((bundle / "model.json").read_text())
    assert meta["codec_kind"] == "factored" and meta["dtype"] == "float32"
    assert meta["training_data"]["recipe"]["dit_step"] == 30
    card = (bundle / "MODEL_CARD.md").read_text()
    for part in (
        "## Training data",
        "| procedural | built | 4 |",
        "## Training",
        "| train the DiT | 30 |",
        "SonicMotion Table 3",
        "SonicMotion Table 2",
        "paper SM-P",
        "Latency: a 0.5 s take at 4 steps",
        "## Known limits",
        "## Appendix: the training corpus's licences",
        "### procedural (built)",
    ):
        assert part in card, part
    state = json.loads((work / "recipe.json").read_text())
    assert all(state["stages"][s]["done"] for s in STAGES)
    assert state["stages"]["codec"]["step"] == 20 and state["stages"]["dit"]["step"] == 30
    assert state["metrics"]["latency"]["seconds"] > 0
    assert np.isfinite(state["metrics"]["generator"]["modes"]["parametric"]["spatial_angle"])
    assert (work / "eval" / "report.txt").is_file()
    assert "export: wrote" in (work / "recipe.log").read_text()
    assert any(line.startswith("dit: training from scratch") for line in lines)


def test_rerun_skips_every_done_stage_and_survives_a_move(
    done, text_encoder, tmp_path: Path
) -> None:
    work = copy_of(done, tmp_path)  # another folder (machine): paths inside are relative
    result = recipe(work, text_encoder, out=done[0].parent / "bundle").run()
    assert result.ran == [] and result.skipped == list(STAGES)
    assert result.status == "complete"


def test_a_paused_dit_continues_from_its_checkpoint(done, text_encoder, tmp_path: Path) -> None:
    work = copy_of(done, tmp_path)
    lines: list[str] = []
    paused = recipe(work, text_encoder, lines, dit_steps=40, stop_after=1e-9).run()
    assert paused.status == "paused" and paused.ran == []
    assert "dit paused at step 31 of 40" in paused.message
    assert json.loads((work / "dit-run" / "checkpoints" / "latest.json").read_text())["step"] == 31
    lines.clear()
    result = recipe(work, text_encoder, lines, dit_steps=40).run()
    assert result.ran == ["dit", "eval", "export"]
    assert any("resumed" in line and "at step 31" in line for line in lines)
    assert json.loads((work / "recipe.json").read_text())["stages"]["dit"]["step"] == 40
    meta = json.loads((tmp_path / "bundle" / "model.json").read_text())
    assert meta["training_data"]["recipe"]["dit_step"] == 40


def test_a_larger_codec_budget_trains_the_codec_on_until_the_dit_starts(
    tmp_path: Path, text_encoder
) -> None:
    work = tmp_path / "work"
    upto = ("corpus", "testset", "codec", "codec-export", "encode")
    assert recipe(work, text_encoder, codec_steps=10, only=upto).run().ran == list(upto)
    lines: list[str] = []
    more = recipe(work, text_encoder, lines, codec_steps=14, only=upto).run()
    assert more.ran == ["codec", "codec-export", "encode"]  # its latents are made again
    assert any("resumed" in line and "at step 10" in line for line in lines)
    state = json.loads((work / "recipe.json").read_text())
    assert state["stages"]["codec"]["step"] == 14 and state["stages"]["encode"]["done"]
    assert recipe(work, text_encoder, codec_steps=14).run().ran == ["dit", "eval", "export"]
    lines.clear()
    kept = recipe(work, text_encoder, lines, codec_steps=30).run()  # the DiT's work stays
    assert kept.ran == [] and any("codec: kept at step 14" in line for line in lines)


def test_the_dit_trains_from_what_a_gpu_machine_is_carried(
    done, text_encoder, tmp_path: Path
) -> None:
    work = copy_of(done, tmp_path)  # without the audio, the codec run and the scan cache
    for folder in (work / "corpus" / "audio", work / "codec-run", work / "scan-cache"):
        shutil.rmtree(folder)
    result = recipe(work, text_encoder, force_stages=("dit",)).run()
    assert result.ran == ["dit", "eval", "export"]
    assert result.skipped == ["corpus", "testset", "codec", "codec-export", "encode"]


def test_changed_settings_are_one_line_errors(done, text_encoder, tmp_path: Path) -> None:
    work = copy_of(done, tmp_path)
    with pytest.raises(
        RecipeError, match="was started with codec_kind 'factored', not 'foa'.*--force-stage codec"
    ):
        recipe(work, text_encoder, codec_kind="foa").run()
    with pytest.raises(RecipeError, match="was started with size 'tiny'"):
        recipe(work, text_encoder, size="cpu", force_stages=("codec",)).run()
    with pytest.raises(RecipeError, match="unknown stage 'train'"):
        recipe(work, text_encoder, only=("train",))
    assert json.loads((work / "recipe.json").read_text())["settings"]["codec_kind"] == "factored"


def test_forcing_eval_redoes_it_and_the_export_in_half_precision(
    done, text_encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = copy_of(done, tmp_path)
    monkeypatch.setattr(finish, "BUNDLE_LIMIT_BYTES", 1000)  # the tiny model is "too big"
    result = recipe(work, text_encoder, force_stages=("eval",)).run()
    assert result.ran == ["eval", "export"]
    bundle = tmp_path / "bundle"
    assert json.loads((bundle / "model.json").read_text())["dtype"] == "float16"
    assert "float16" in (bundle / "MODEL_CARD.md").read_text()
    loaded = load_bundle(bundle)
    assert all(
        t.dtype == torch.float32
        for t in loaded.model.state_dict().values()
        if t.is_floating_point()
    )


def test_export_does_not_replace_a_bundle_it_did_not_write(
    done, text_encoder, tmp_path: Path
) -> None:
    work = copy_of(done, tmp_path)
    other = tmp_path / "someone-elses"
    other.mkdir()
    (other / "model.json").write_text("{}")
    with pytest.raises(RecipeError, match="was not exported by this work folder.*--force"):
        recipe(work, text_encoder, out=other).run()
    assert (other / "model.json").read_text() == "{}"
    result = recipe(work, text_encoder, out=other, overwrite_out=True).run()
    assert result.ran == ["export"] and load_bundle(other).info.defaults["steps"] == 4


def test_a_given_corpus_may_move(done, text_encoder, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(done[0] / "corpus", corpus)
    work, only = tmp_path / "work", ("corpus", "testset")
    assert recipe(work, text_encoder, corpus=corpus, only=only).run().ran == list(only)
    moved = tmp_path / "elsewhere" / "corpus"
    shutil.copytree(corpus, moved)
    shutil.rmtree(corpus)
    result = recipe(work, text_encoder, corpus=moved, only=only).run()
    assert result.ran == [] and result.skipped == list(only)  # the same data, elsewhere
    with pytest.raises(RecipeError, match="was started with corpus 'manifest.json:"):
        recipe(work, text_encoder, only=only).run()


def test_stage_order_and_work_folder_errors(tmp_path: Path, text_encoder) -> None:
    with pytest.raises(RecipeError, match="stage dit needs encode first"):
        recipe(tmp_path / "fresh", text_encoder, only=("dit",)).run()
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(RecipeError, match="holds other files and no recipe.json"):
        recipe(tmp_path / "busy", text_encoder).run()
    with pytest.raises(RecipeError, match="is not a folder"):
        recipe(tmp_path / "busy" / "notes.txt", text_encoder).run()


def test_hours_split_ends_the_codec_by_its_share(tmp_path: Path, text_encoder) -> None:
    work = tmp_path / "work"
    hours = 1e-7  # 0.36 ms in all: the codec's share is spent after its first step
    result = recipe(work, text_encoder, hours=hours, only=("corpus", "testset", "codec")).run()
    assert result.status == "partial" and result.ran == ["corpus", "testset", "codec"]
    codec = json.loads((work / "recipe.json").read_text())["stages"]["codec"]
    assert codec["step"] == 1 and codec["output"]["ended_by"] == "its time share"


def test_settings_targets_and_kinds() -> None:
    s = RecipeSettings(Path("w"), size="cpu")
    assert (s.target("codec"), s.target("dit")) == (5000, 16000)
    assert RecipeSettings(Path("w"), hours=3).target("dit") is None
    assert RecipeSettings(Path("w"), hours=3, dit_steps=10).target("dit") == 10
    assert set(CODEC_KINDS) == set(KINDS)
    foa = codec_train_config(RecipeSettings(Path("w"), size="cpu", codec_kind="foa"))
    assert foa.codec.latent_channels == 32 and foa.codec.in_channels == 4
    with pytest.raises(RecipeError, match="unknown size 'huge'"):
        RecipeSettings(Path("w"), size="huge")
    with pytest.raises(RecipeError, match="--hours must be > 0"):
        RecipeSettings(Path("w"), hours=0)


def test_half_precision_bundles_load_as_float32(tmp_path: Path) -> None:
    b = new_bundle(
        FACTORED_PRESETS["factored-tiny"],
        DIT_PRESETS["tiny"],
        CONDITIONER_PRESETS["tiny"],
        clip_seconds=0.5,
    )
    save_bundle(tmp_path / "half", b, half=True)
    from safetensors import safe_open

    with safe_open(str(tmp_path / "half" / "dit.safetensors"), framework="pt") as f:
        assert {f.get_tensor(k).dtype for k in f.keys()} == {torch.float16}
    loaded = load_bundle(tmp_path / "half")
    for k, v in b.model.state_dict().items():
        got = loaded.model.state_dict()[k]
        assert got.dtype == v.dtype and torch.allclose(got, v, rtol=1e-3, atol=1e-4), k
