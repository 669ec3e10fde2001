"""DiT training on tiny configs (CPU): overfitting, CFG dropout, exact resume, export."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from ambisketch.engine.generate import GenerationRequest, Generator
from ambisketch.engine.models.codec import CODEC_PRESETS, FoaCodec
from ambisketch.engine.models.conditioners import Conditioning, TokenSlots
from ambisketch.engine.models.text_encoder import MINILM_ID, TextEncoder
from ambisketch.engine.spatial import Trajectory
from ambisketch.training.checkpoint import load_checkpoint
from ambisketch.training.codec.config import TrainingConfigError
from ambisketch.training.codec.data import SyntheticFoaSource
from ambisketch.training.dit.config import DIT_TRAIN_PRESETS, DitTrainConfig, resolve_dit_config
from ambisketch.training.dit.trainer import (
    DitClipDataset,
    DitTrainer,
    apply_cfg_dropout,
    cfg_drop_masks,
)
from ambisketch.training.export import export_dit

TINY = replace(DIT_TRAIN_PRESETS["tiny"], batch_size=2, checkpoint_every=5, log_every=5)


@pytest.fixture(scope="module")
def text_encoder() -> TextEncoder:
    return TextEncoder(MINILM_ID, cache_size=64)


@pytest.fixture(scope="module")
def codec() -> FoaCodec:
    torch.manual_seed(3)
    return FoaCodec(CODEC_PRESETS["tiny"]).eval()


def trainer(run: Path, codec, text_encoder, config: DitTrainConfig = TINY, clips: int = 4):
    return DitTrainer(
        config,
        run,
        SyntheticFoaSource(clips, 0.3, seed=1),
        codec,
        accelerator="cpu",
        log=lambda m: None,
        text_encoder=text_encoder,
    )


def test_config_round_trip_presets_and_errors(tmp_path: Path) -> None:
    for cfg in DIT_TRAIN_PRESETS.values():
        assert DitTrainConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    cfg = DIT_TRAIN_PRESETS["default"]
    assert (cfg.lr, cfg.betas, cfg.weight_decay, cfg.trajectory_lr_mult) == (
        1e-4,
        (0.9, 0.99),
        1e-3,
        2.0,
    )
    assert cfg.lr_factor(0) == pytest.approx(0.01) and cfg.lr_factor(10**6) < 0.71
    with pytest.raises(TrainingConfigError, match="unknown training setting 'lrr'"):
        DitTrainConfig.from_dict({"lrr": 1})
    with pytest.raises(TrainingConfigError, match="caption_mode"):
        DitTrainConfig.from_dict({"caption_mode": "poetic"})
    with pytest.raises(TrainingConfigError, match="clip_seconds"):
        DitTrainConfig.from_dict({"clip_seconds": 60})
    f = tmp_path / "c.json"
    f.write_text(json.dumps({"dit": "tiny", "conditioner": "tiny", "clip_seconds": 0.5}))
    assert resolve_dit_config(str(f), batch_size=3).batch_size == 3
    with pytest.raises(TrainingConfigError, match="not a preset"):
        resolve_dit_config("huge")


def test_dataset_crops_paths_and_captions() -> None:
    source = SyntheticFoaSource(3, 0.3, seed=2)
    data = DitClipDataset(source, replace(TINY, clip_seconds=0.1), hop=32, rate=16000)
    item = data[7]
    assert item["foa"].shape == (4, 50 * 32) and item["states"].shape == (50, 12 + 5)
    assert item["has_path"] and item["caption"] == "a sound" and item["seconds"] == 0.1
    assert torch.allclose(item["states"][:, :12].sum(1), torch.ones(50))
    assert torch.equal(data[7]["foa"], item["foa"])  # a function of (seed, k)


def test_cfg_dropout_drops_text_and_path_independently() -> None:
    torch.manual_seed(0)
    drop_t, drop_p = cfg_drop_masks(20000, 0.1, 0.3)
    assert drop_t.float().mean() == pytest.approx(0.1, abs=0.01)
    assert drop_p.float().mean() == pytest.approx(0.3, abs=0.015)
    assert (drop_t & drop_p).float().mean() == pytest.approx(0.03, abs=0.006)  # independent
    b, text, numbers, path = 4, 3, 7, 5
    cond = Conditioning(
        torch.ones(b, text + numbers + path, 2),
        torch.ones(b, 15, dtype=torch.bool),
        torch.ones(b, 2),
        TokenSlots(text, numbers, path),
    )
    out = apply_cfg_dropout(
        cond, torch.tensor([True, False, True, False]), torch.tensor([False, True, True, False])
    )
    nz = out.tokens.abs().sum(-1) > 0
    assert not nz[0, :text].any() and nz[0, text:].all()  # text only
    assert nz[1, : text + numbers].all() and not nz[1, text + numbers :].any()  # path only
    assert not nz[2].any()  # both: exactly the null conditioning
    assert nz[3].all()
    assert torch.equal(out.global_embed, cond.global_embed)


def test_loss_falls_when_overfitting(tmp_path: Path, codec, text_encoder) -> None:
    cfg = replace(
        TINY,
        batch_size=4,
        text_dropout=0.0,
        trajectory_dropout=0.0,
        log_every=10,
        checkpoint_every=1000,
    )
    t = trainer(tmp_path / "run", codec, text_encoder, cfg, clips=2)
    logs: list[dict[str, float]] = []
    t.fit(100, progress=False, on_log=logs.append)
    first, last = logs[0]["loss"], logs[-1]["loss"]
    # measured: 0.82 → 0.12 (÷7) over 100 steps; ÷2 leaves a wide margin
    assert last < first / 2, (first, last)
    rows = (tmp_path / "run" / "metrics.csv").read_text().splitlines()
    assert rows[0].startswith("step,") and len(rows) == 11


def test_resume_reproduces_the_uninterrupted_run(tmp_path: Path, codec, text_encoder) -> None:
    straight = trainer(tmp_path / "a", codec, text_encoder)
    straight.fit(20, progress=False)
    first = trainer(tmp_path / "b", codec, text_encoder)
    first.fit(10, progress=False)
    resumed = trainer(tmp_path / "b", codec, text_encoder)
    assert resumed.step == 10
    resumed.fit(20, progress=False)
    assert resumed.step == 20
    a, b = load_checkpoint(tmp_path / "a")[0], load_checkpoint(tmp_path / "b")[0]
    for key in a:
        if key.startswith(("model.", "ema.")):
            assert torch.equal(a[key], b[key]), key
    # the trajectory conditioner learns at twice the rate
    groups = resumed.opt.param_groups
    assert groups[1]["lr"] == pytest.approx(2 * groups[0]["lr"])
    # a run keeps its codec and model size
    other = FoaCodec(CODEC_PRESETS["tiny"])
    with pytest.raises(TrainingConfigError, match="another codec"):
        trainer(tmp_path / "b", other, text_encoder)
    with pytest.raises(TrainingConfigError, match="latent channels"):
        trainer(tmp_path / "c", FoaCodec(CODEC_PRESETS["small"]), text_encoder)
    assert not (tmp_path / "c").exists()
    with pytest.raises(TrainingConfigError, match="another model size"):
        trainer(tmp_path / "b", codec, text_encoder, replace(TINY, dit=replace(TINY.dit, depth=3)))


def test_export_loads_in_the_generator(tmp_path: Path, codec, text_encoder) -> None:
    t = trainer(tmp_path / "run", codec, text_encoder)
    t.fit(3, progress=False)
    bundle = export_dit(tmp_path / "run", tmp_path / "model")
    gen = Generator(bundle, device="cpu", text_encoder=text_encoder)
    ema = t.ema_model().state_dict()
    for k, v in gen.bundle.model.state_dict().items():
        assert torch.equal(v, ema[k]), k
    takes = gen.generate(
        GenerationRequest("a bee", path=Trajectory.static(30, 0, 0.2), seconds=0.2, seed=1, steps=2)
    )
    assert takes[0].foa.shape == (4, 3200) and np.isfinite(takes[0].foa).all()
    assert gen.bundle.info.clip_seconds == TINY.clip_seconds


class _Captioned:
    """Synthetic clips with captions; clip 1 holds NaN audio (the NaN guard skips its steps)."""

    def __init__(self, nan: bool = False) -> None:
        self.inner, self.nan = SyntheticFoaSource(2, 0.3, seed=4), nan

    def __len__(self) -> int:
        return 2

    def __getitem__(self, i: int) -> dict:
        item = dict(self.inner[i], caption="a bee", spatial_caption="a bee circling left")
        if self.nan:
            item["foa"] = item["foa"] * float("nan")
        return item


def test_accumulation_captions_and_nan_guard(tmp_path: Path, codec, text_encoder) -> None:
    cfg = replace(
        TINY, grad_accum=2, caption_mode="spatial", text_dropout=1.0, trajectory_dropout=0.0
    )
    t = DitTrainer(
        cfg,
        tmp_path / "a",
        _Captioned(),
        codec,
        accelerator="cpu",
        log=lambda m: None,
        text_encoder=text_encoder,
    )
    logs: list[dict[str, float]] = []
    t.fit(2, progress=False, on_log=logs.append)
    assert logs[-1]["text_dropped"] == 1.0 and logs[-1]["path_dropped"] == 0.0
    assert "a bee circling left" in text_encoder._cache
    bad = DitTrainer(
        TINY,
        tmp_path / "b",
        _Captioned(nan=True),
        codec,
        accelerator="cpu",
        log=lambda m: None,
        text_encoder=text_encoder,
    )
    before = {k: v.clone() for k, v in bad.model.state_dict().items()}
    bad.fit(2, progress=False)
    assert bad.skipped == 2 and bad.step == 2
    assert all(torch.equal(v, before[k]) for k, v in bad.model.state_dict().items())


# --- room numbers, two-phase captions, validation takes, starting weights, recipes ----------
class _InRooms:
    """Synthetic clips with room values: clip 0 in a room, clip 1 dry, clip 2 without any."""

    ROOMS = [
        {"in_room": True, "distance": 3.0, "room_volume": 125.0, "rt60": 0.8},
        {"in_room": False, "distance": 1.0, "room_volume": 0.0, "rt60": 0.0},
        None,
    ]

    def __init__(self) -> None:
        self.inner = SyntheticFoaSource(3, 0.3, seed=6)

    def __len__(self) -> int:
        return 3

    def __getitem__(self, i: int) -> dict:
        item = dict(self.inner[i], caption=f"clip {i}", spatial_caption=f"clip {i} moving left")
        if self.ROOMS[i] is not None:
            item["room"] = self.ROOMS[i]
        return item


def test_room_numbers_reach_the_conditioner_with_their_own_dropout() -> None:
    from ambisketch.engine.spatial.room import room_size_of
    from ambisketch.training.dit.data import drop_room_numbers, room_numbers

    assert room_numbers(_InRooms.ROOMS[0]) == (3.0, pytest.approx(5.0), 0.8)
    assert room_numbers(_InRooms.ROOMS[1])[1:] == (0.0, 0.0)  # dry: no room, no decay
    assert np.isnan(room_numbers(_InRooms.ROOMS[1])[0]) and np.isnan(room_numbers(None)).all()
    assert room_size_of(3.5 * 4.5 * 2.6) == pytest.approx(3.45, abs=0.01)  # the "small" preset
    data = DitClipDataset(_InRooms(), replace(TINY, clip_seconds=0.1), hop=32, rate=16000)
    rooms = {
        tuple(np.nan_to_num(data[k]["room"].double().numpy(), nan=-1).round(3).tolist())
        for k in range(40)
    }
    assert rooms == {(3.0, 5.0, 0.8), (-1.0, 0.0, 0.0), (-1.0, -1.0, -1.0)}
    torch.manual_seed(0)
    dropped = drop_room_numbers(torch.ones(20000, 3), 0.1)
    assert torch.isnan(dropped).float().mean() == pytest.approx(0.1, abs=0.01)
    assert torch.isnan(dropped).all(1).float().mean() < 0.01  # each number on its own
    # the conditioner masks an unknown (NaN) number's token and uses a known one
    from ambisketch.engine.models.conditioners import CONDITIONER_PRESETS, Conditioner

    cond = Conditioner(CONDITIONER_PRESETS["tiny"])
    text, mask = torch.randn(2, 3, 384), torch.ones(2, 3, dtype=torch.bool)
    numbers = {
        "seconds_start": torch.zeros(2),
        "seconds_total": torch.full((2,), 0.1),
        "distance": torch.tensor([3.0, float("nan")]),
    }
    c = cond(text, mask, numbers)
    slot = 3 + 2 + 2  # text, seconds_start, seconds_total, azimuth, elevation, distance
    assert c.mask[0, slot] and not c.mask[1, slot]


def test_two_phase_captions_switch_at_the_step() -> None:
    cfg = replace(TINY, caption_mode="two-phase", plain_phase_steps=3, batch_size=2)
    data = DitClipDataset(_InRooms(), cfg, hop=32, rate=16000, items_per_step=4)
    captions = [data[k]["caption"] for k in range(24)]
    assert all("moving" not in c for c in captions[:12])  # steps 0-2: plain captions
    assert all("moving" in c for c in captions[12:])  # from step 3: spatial captions
    assert resolve_dit_config("paper").caption_mode == "two-phase"


def test_validation_takes_are_written_and_leave_training_exact(
    tmp_path: Path, codec, text_encoder
) -> None:
    cfg = replace(TINY, validate_every=4, validate_takes=2, validate_steps=2)
    with_takes = DitTrainer(
        cfg,
        tmp_path / "a",
        _InRooms(),
        codec,
        accelerator="cpu",
        log=lambda m: None,
        text_encoder=text_encoder,
    )
    with_takes.fit(8, progress=False)
    rows = (tmp_path / "a" / "validation" / "validation.csv").read_text().splitlines()
    assert rows[0] == "step,take,azimuth_l1,elevation_l1,spatial_angle,prompt"
    assert [r.split(",")[:2] for r in rows[1:]] == [["4", "0"], ["4", "1"], ["8", "0"], ["8", "1"]]
    side = json.loads(
        (tmp_path / "a" / "validation" / "step-0000008" / "take-1.wav.json").read_text()
    )
    assert side["step"] == 8 and side["request"]["mode"] == "parametric"
    assert set(side["errors"]) >= {"azimuth_l1", "elevation_l1", "spatial_angle"}
    assert side["request"]["prompt"].startswith("clip ")
    plain = DitTrainer(
        TINY,
        tmp_path / "b",
        _InRooms(),
        codec,
        accelerator="cpu",
        log=lambda m: None,
        text_encoder=text_encoder,
    )
    plain.fit(8, progress=False)
    a, b = with_takes.diffusion.state_dict(), plain.diffusion.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)  # generation did not touch the RNG


def test_a_run_can_start_from_a_trained_model(tmp_path: Path, codec, text_encoder) -> None:
    first = trainer(tmp_path / "a", codec, text_encoder)
    first.fit(3, progress=False)
    base = first.ema_model()
    tuned = DitTrainer(
        TINY,
        tmp_path / "b",
        SyntheticFoaSource(4, 0.3, seed=1),
        codec,
        accelerator="cpu",
        log=lambda m: None,
        text_encoder=text_encoder,
        init_model=base,
    )
    start = tuned.diffusion.state_dict()
    assert all(torch.equal(v, start[k]) for k, v in base.state_dict().items())
    assert all(torch.equal(v, start[k]) for k, v in tuned.ema.state_dict().items())


def test_recipes_load_and_fit_their_codecs() -> None:
    from ambisketch.training.codec.config import resolve_train_config
    from ambisketch.training.dit.config import RECIPE_DIR, recipe_names

    assert recipe_names() == ["gpu", "laptop", "paper", "tiny"]
    assert resolve_dit_config("tiny") == DIT_TRAIN_PRESETS["tiny"]
    for name in recipe_names():
        dit = resolve_dit_config(str(RECIPE_DIR / f"dit-{name}.json"))
        assert resolve_dit_config(name) == dit
        codec = resolve_train_config(str(RECIPE_DIR / f"codec-{name}.json"))
        assert codec.codec.latent_channels == dit.dit.latent_channels, name
        assert dit.conditioner.text_dim == (768 if dit.text_encoder.startswith("t5:") else 384)
    paper = resolve_dit_config("paper")
    assert paper.dit.width == 1536 and paper.batch_size * paper.grad_accum * 8 == 1024
    with pytest.raises(TrainingConfigError, match="laptop"):
        resolve_dit_config("huge")


@pytest.mark.gpu
def test_bf16_training_with_accumulation_on_a_gpu(tmp_path: Path, codec, text_encoder) -> None:
    cfg = replace(TINY, grad_accum=2, validate_every=2, validate_takes=1, validate_steps=2)
    t = DitTrainer(
        cfg,
        tmp_path / "run",
        _InRooms(),
        codec,
        accelerator="cuda",
        log=lambda m: None,
        text_encoder=text_encoder,
    )
    assert "bf16" in str(t.fabric.strategy.precision.precision)
    logs: list[dict[str, float]] = []
    t.fit(4, progress=False, on_log=logs.append)
    assert t.skipped == 0 and np.isfinite(logs[-1]["loss"])
    assert (tmp_path / "run" / "validation" / "step-0000004" / "take-0.wav").is_file()
    assert next(t.diffusion.parameters()).dtype == torch.float32  # fp32 master weights


def test_a_new_run_standardises_its_latents_and_keeps_them_on_resume(
    tmp_path: Path, codec, text_encoder
) -> None:
    from ambisketch.training.checkpoint import load_checkpoint

    t = DitTrainer(
        TINY,
        tmp_path / "run",
        _Captioned(),
        codec,
        accelerator="cpu",
        log=lambda m: None,
        text_encoder=text_encoder,
    )
    std = t.diffusion.latent_std.clone()
    assert not torch.equal(std, torch.ones_like(std))  # measured, not the identity
    z = torch.cat(
        [
            codec.encode(torch.as_tensor(_Captioned()[i]["foa"]).float()[None])
            for i in range(len(_Captioned()))
        ],
        -1,
    )
    assert torch.allclose(std, z[0].std(-1, unbiased=False).clamp_min(1e-3), rtol=0.05, atol=1e-4)
    t.fit(2, progress=False)
    tensors, _ = load_checkpoint(tmp_path / "run")
    assert torch.equal(tensors["model.latent_std"], std) and torch.equal(
        tensors["ema.latent_std"], std
    )
    again = DitTrainer(
        TINY,
        tmp_path / "run",
        _Captioned(),
        codec,
        accelerator="cpu",
        log=lambda m: None,
        text_encoder=text_encoder,
    )
    assert again.step == 2 and torch.equal(again.diffusion.latent_std, std)
    raw = DitTrainer(
        replace(TINY, normalise_latents=False),
        tmp_path / "raw",
        _Captioned(),
        codec,
        accelerator="cpu",
        log=lambda m: None,
        text_encoder=text_encoder,
    )
    assert torch.equal(raw.diffusion.latent_std, torch.ones_like(std))


def test_a_compact_run_resumes_with_its_weights_and_a_rewarmed_rate(
    tmp_path: Path, codec, text_encoder
) -> None:
    from ambisketch.training.run_folder import REWARM_STEPS, compact_run

    full = trainer(tmp_path / "run", codec, text_encoder)
    full.fit(10, progress=False)
    (tmp_path / "run" / "w-latents").mkdir()  # rebuilt by the next run: not carried
    small = compact_run(tmp_path / "run", tmp_path / "small")
    tensors, meta = load_checkpoint(small)
    assert not any(k.startswith("opt.") for k in tensors) and "opt" not in meta
    assert tensors["model.latent_std"].dtype == torch.float16 and meta["step"] == 10
    assert (small / "codec" / "codec.json").is_file() and not (small / "w-latents").exists()
    assert (small / "metrics.csv").read_text() == (tmp_path / "run" / "metrics.csv").read_text()
    before = load_checkpoint(tmp_path / "run")[0]
    for key in tensors:  # float16 rounding only
        if key.startswith(("model.", "ema.")) and before[key].is_floating_point():
            torch.testing.assert_close(tensors[key].float(), before[key], atol=1e-3, rtol=1e-3)

    logs: list[str] = []
    resumed = DitTrainer(
        TINY,
        small,
        SyntheticFoaSource(4, 0.3, seed=1),
        None,
        accelerator="cpu",
        log=logs.append,
        text_encoder=text_encoder,
    )
    assert resumed.step == 10 and resumed.rewarm_from == 10
    assert any("re-warmed until step" in m for m in logs)
    resumed.fit(12, progress=False)
    lr = resumed.opt.param_groups[0]["lr"]
    want = TINY.lr * TINY.lr_factor(11) * 2 / REWARM_STEPS  # step 11 is the ramp's second
    assert lr == pytest.approx(want)
    assert load_checkpoint(small)[1]["rewarm_from"] == 10  # the ramp outlives a checkpoint
    again = trainer(small, codec, text_encoder)
    assert again.rewarm_from == 10 and again.step == 12
