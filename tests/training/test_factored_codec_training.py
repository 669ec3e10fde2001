"""Training, resuming, exporting and evaluating the factored codec kind, and a DiT on it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from ambisketch.engine.audio_io import write_audio
from ambisketch.engine.generate import GenerationRequest, Generator
from ambisketch.engine.models.codec import CodecConfig
from ambisketch.engine.models.codec_bundle import load_codec_bundle
from ambisketch.engine.models.factored_codec import FactoredCodec, FactoredCodecConfig
from ambisketch.engine.models.text_encoder import MINILM_ID, TextEncoder
from ambisketch.engine.spatial import Trajectory
from ambisketch.training.codec.config import TRAIN_PRESETS, CodecTrainConfig, resolve_train_config
from ambisketch.training.codec.data import SyntheticFoaSource
from ambisketch.training.codec.trainer import CodecTrainer
from ambisketch.training.dit.config import DIT_TRAIN_PRESETS
from ambisketch.training.dit.trainer import DitTrainer
from ambisketch.training.eval_codec import evaluate_codec
from ambisketch.training.export import codec_from_run, export_codec, export_dit

TINY = TRAIN_PRESETS["factored-tiny"]


def _trainer(run: Path, config: CodecTrainConfig = TINY, source=None) -> CodecTrainer:
    return CodecTrainer(
        config, run, source or SyntheticFoaSource(4, 1.0), accelerator="cpu", log=lambda m: None
    )


def test_configs_name_their_kind_and_old_ones_are_4_channel() -> None:
    cfg = resolve_train_config("factored-small")
    assert isinstance(cfg.codec, FactoredCodecConfig) and cfg.codec.latent_channels == 32
    data = json.loads(json.dumps(cfg.to_dict()))
    assert data["codec"]["kind"] == "factored"
    assert CodecTrainConfig.from_dict(data) == cfg
    old = TRAIN_PRESETS["tiny"].to_dict()
    del old["codec"]["kind"]  # a run folder from before codec kinds
    assert isinstance(CodecTrainConfig.from_dict(old).codec, CodecConfig)
    assert CodecTrainConfig.from_dict({"codec": "factored-tiny"}).codec == TINY.codec


def test_training_learns_w_and_direction_stays_exact(tmp_path: Path) -> None:
    source = SyntheticFoaSource(1, 1.0, seed=3)
    config = replace(TINY, batch_size=2, adversarial_after=70, log_every=20, checkpoint_every=1000)
    trainer = _trainer(tmp_path / "run", config, source)
    assert trainer.disc.scales[0].convs[0].weight.shape[1] == 2  # W only: real + imaginary
    logs: list[dict[str, float]] = []
    trainer.fit(80, progress=False, on_log=logs.append)
    assert logs[-1]["spectral"] < 0.8 * logs[0]["spectral"], (logs[0], logs[-1])
    assert "direction" not in logs[-1] and np.isfinite(logs[-1]["disc"])
    assert all(row["cpu_seconds"] > 0 for row in logs)
    header = (tmp_path / "run" / "metrics.csv").read_text().splitlines()[0]
    assert header.endswith(",cpu_seconds")
    assert float(trainer.codec.latent_rms) != 1.0  # the W latents' scale was measured


def test_resume_reproduces_the_uninterrupted_run(tmp_path: Path) -> None:
    config = replace(TINY, checkpoint_every=3, log_every=3)
    _trainer(tmp_path / "straight", config).fit(6, progress=False)
    _trainer(tmp_path / "split", config).fit(3, progress=False)
    _trainer(tmp_path / "split", config).fit(6, progress=False)
    a, step_a = codec_from_run(tmp_path / "straight")
    b, step_b = codec_from_run(tmp_path / "split")
    assert step_a == step_b == 6 and isinstance(a, FactoredCodec)
    for k, v in a.state_dict().items():
        assert torch.equal(v, b.state_dict()[k]), k


def test_export_and_eval_keep_direction(tmp_path: Path) -> None:
    _trainer(tmp_path / "run").fit(4, progress=False)
    bundle = export_codec(tmp_path / "run", tmp_path / "codec")
    codec = load_codec_bundle(bundle)
    assert isinstance(codec, FactoredCodec)
    card = (bundle / "MODEL_CARD.md").read_text()
    assert "DirAC" in card and "Trained for 4 steps" in card
    source = SyntheticFoaSource(2, 1.0, seed=9)
    files = []
    for i in range(2):
        files.append(
            write_audio(tmp_path / f"clip{i}.wav", source[i]["foa"].numpy(), 16000, bits="32f")
        )
    scores = evaluate_codec(codec, files)
    assert scores.clips == 2 and scores.spatial_angle < 3.0 and np.isfinite(scores.stft)


def test_a_dit_trains_and_generates_on_a_factored_codec(tmp_path: Path) -> None:
    """The DiT side uses only encode/decode, latent channels and hop: it works unchanged."""
    _trainer(tmp_path / "codec_run").fit(2, progress=False)
    codec = codec_from_run(tmp_path / "codec_run")[0]
    text = TextEncoder(MINILM_ID, cache_size=16)
    config = replace(DIT_TRAIN_PRESETS["tiny"], batch_size=2, checkpoint_every=3, log_every=3)
    dit = DitTrainer(
        config,
        tmp_path / "dit",
        SyntheticFoaSource(4, 0.3, seed=1),
        codec,
        accelerator="cpu",
        log=lambda m: None,
        text_encoder=text,
    )
    last = dit.fit(3, progress=False)
    assert np.isfinite(last["loss"])
    gen = Generator(
        export_dit(tmp_path / "dit", tmp_path / "model"), device="cpu", text_encoder=text
    )
    assert isinstance(gen.bundle.codec, FactoredCodec)
    takes = gen.generate(
        GenerationRequest("a bee", path=Trajectory.static(30, 0, 0.2), seconds=0.2, seed=1, steps=2)
    )
    assert takes[0].foa.shape == (4, 3200) and np.isfinite(takes[0].foa).all()


@pytest.mark.parametrize("preset", ["factored-tiny", "tiny"])
def test_both_kinds_train_through_one_trainer(tmp_path: Path, preset: str) -> None:
    trainer = _trainer(tmp_path / preset, TRAIN_PRESETS[preset])
    last = trainer.fit(2, progress=False)
    assert np.isfinite(last["loss"]) and last["cpu_seconds"] > 0
    assert trainer.ema_codec().config == TRAIN_PRESETS[preset].codec


def test_init_from_starts_a_new_run_from_trained_weights(tmp_path: Path) -> None:
    """--init-from: the generator and EMA start as the given codec, at step 0 of a new run;
    a codec of another size is refused."""
    donor = _trainer(tmp_path / "donor", replace(TINY, batch_size=1, checkpoint_every=1000))
    donor.fit(3, progress=False)
    trained = codec_from_run(tmp_path / "donor")[0]
    fresh = CodecTrainer(
        TINY,
        tmp_path / "new",
        SyntheticFoaSource(4, 1.0),
        accelerator="cpu",
        log=lambda m: None,
        init_from=trained,
    )
    assert fresh.step == 0
    want = trained.state_dict()
    for k, v in fresh.codec.state_dict().items():
        assert torch.equal(v, want[k]), k
    exported = fresh.ema.model_state(fresh.codec)
    assert all(torch.equal(exported[k], want[k]) for k in want)
    other = replace(TINY, codec=replace(TINY.codec, window_frames=4.0))
    with pytest.raises(Exception, match="another size or kind"):
        CodecTrainer(
            other,
            tmp_path / "other",
            SyntheticFoaSource(4, 1.0),
            accelerator="cpu",
            log=lambda m: None,
            init_from=trained,
        )
