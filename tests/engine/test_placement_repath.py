"""Placement (held / learned / locked), take latents and re-pathing, on real tiny models:
a factored-codec bundle (held) and a 4-channel one (falls back to locked)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers.tiny_model import tiny_bundle

from ambisketch.engine.generate import GenerationError, GenerationRequest, Generator
from ambisketch.engine.models.placement import DirectionHold, path_directions, wrap_denoiser
from ambisketch.engine.models.text_encoder import MINILM_ID, TextEncoder
from ambisketch.engine.spatial import Keyframe, Trajectory, preset
from ambisketch.engine.spatial.ambisonics import encode
from ambisketch.engine.spatial.doa import direction_errors, intensity_doa
from ambisketch.engine.takes import TakeStore
from ambisketch.engine.takes.latents import LatentsError, latents_path, load_latents, save_latents
from ambisketch.engine.takes.repath import DiracLayout, Repather, repath, repath_take

CLIP = 1.0
SWEEP = Trajectory(CLIP, (Keyframe(0.0, 80.0), Keyframe(CLIP, -80.0, 20.0, direction="cw")))


@pytest.fixture(scope="module")
def text_encoder() -> TextEncoder:
    return TextEncoder(MINILM_ID)


@pytest.fixture(scope="module")
def factored(text_encoder: TextEncoder) -> Generator:
    return Generator(tiny_bundle("factored", CLIP), device="cpu", text_encoder=text_encoder)


@pytest.fixture(scope="module")
def foa(text_encoder: TextEncoder) -> Generator:
    return Generator(tiny_bundle("foa", CLIP), device="cpu", text_encoder=text_encoder)


def _req(**kw) -> GenerationRequest:
    base = dict(
        prompt="a bee buzzing",
        path=SWEEP,
        seconds=CLIP,
        seed=3,
        steps=4,
        cfg_scale=3.0,
        loudness_lufs=None,
    )
    base.update(kw)
    return GenerationRequest(**base)


def _error(take, path: Trajectory) -> float:
    return direction_errors(intensity_doa(take.foa, take.rate), path).spatial_angle


# --- the hold itself -------------------------------------------------------------------------
def test_hold_turns_band_vectors_onto_the_path_and_keeps_their_length() -> None:
    frames, m, hop, rate = 8, 2, 512, 16000
    mean, std = torch.randn(m + 6) * 0.1, torch.rand(m + 6) + 0.5
    hold = DirectionHold(SWEEP, frames, m, hop, rate, mean, std)
    x = torch.randn(2, m + 6, frames)
    held = hold.project(x)
    assert torch.equal(held[:, :m], x[:, :m])  # W untouched
    before = (x[:, m:] * std[m:, None] + mean[m:, None]).reshape(2, 2, 3, frames)
    after = (held[:, m:] * std[m:, None] + mean[m:, None]).reshape(2, 2, 3, frames)
    assert torch.allclose(after.norm(dim=2), before.norm(dim=2), atol=1e-5)
    unit = after / after.norm(dim=2, keepdim=True)
    want = torch.from_numpy(path_directions(SWEEP, frames, hop, rate)).float()
    assert torch.allclose(unit, want.expand_as(unit), atol=1e-5)
    assert torch.allclose(hold.project(held), held, atol=1e-5)  # idempotent


def test_denoiser_wrappers_compose_in_order() -> None:
    calls: list[str] = []

    def tag(name: str):
        def wrap(d):
            def inner(x, s):
                out = d(x, s)
                calls.append(name)
                return out

            return inner

        return wrap

    denoise = wrap_denoiser(lambda x, s: x, [tag("hold"), tag("inpaint")])
    denoise(torch.zeros(1), torch.zeros(1))
    assert calls == ["hold", "inpaint"]


# --- generation ------------------------------------------------------------------------------
def test_held_placement_follows_the_path_and_learned_does_not(factored: Generator) -> None:
    held = factored.generate(_req())[0]
    learned = factored.generate(_req(placement="learned"))[0]
    assert held.placement == "held" and learned.placement == "learned"
    assert _error(held, SWEEP) < 2.0 < _error(learned, SWEEP)
    assert held.path_error_deg == pytest.approx(_error(held, SWEEP), abs=1e-3)
    side = held.sidecar()
    assert side["placement"] == "held" and side["path_errors"]["frames"] > 0
    assert held.latents is not None and held.latents.shape[0] == 8


def test_text_only_prompts_use_their_spatial_words(factored: Generator) -> None:
    take = factored.generate(_req(prompt="a bee buzzing on your left", path=None))[0]
    assert take.placement == "held" and take.path_source == "words"
    assert take.path is not None and take.path.keyframes[0].azimuth == 90.0
    assert _error(take, take.path) < 2.0
    assert take.sidecar()["parsed_path"]["keyframes"][0]["azimuth"] == 90.0
    plain = factored.generate(_req(prompt="a bee buzzing", path=None))[0]
    assert plain.placement == "learned" and plain.path is None and plain.path_error_deg is None
    assert "no spatial words" in plain.placement_note


def test_four_channel_codec_falls_back_to_locked(foa: Generator) -> None:
    take = foa.generate(_req())[0]
    assert take.placement == "locked" and "4-channel" in take.placement_note
    assert _error(take, SWEEP) < 5.0


def test_placement_in_requests_and_old_sidecars() -> None:
    assert _req(lock_path=True).placement == "locked"
    assert _req(placement="locked").lock_path
    with pytest.raises(GenerationError, match="unknown placement"):
        _req(placement="pinned").check(CLIP)
    with pytest.raises(GenerationError, match="contradict"):
        _req(placement="learned", lock_path=True).check(CLIP)
    with pytest.raises(GenerationError, match="path lock needs a path"):
        _req(placement="locked", path=None).check(CLIP)
    _req(placement="locked", path=None, prompt="a dog behind you").check(CLIP)
    old = _req().to_dict()
    del old["placement"]
    assert GenerationRequest.from_dict(old).placement == "learned"
    old["lock_path"] = True
    assert GenerationRequest.from_dict(old).placement == "locked"


# --- latents ---------------------------------------------------------------------------------
def test_latents_round_trip_and_errors(tmp_path: Path) -> None:
    wav = tmp_path / "t.wav"
    lat = np.random.default_rng(0).standard_normal((8, 5)).astype(np.float32)
    assert save_latents(wav, lat, {"model": "x"}) == tmp_path / "t.wav.latents.safetensors"
    back, meta = load_latents(wav)
    assert np.array_equal(back, lat) and meta == {"model": "x"}
    assert sorted(os.listdir(tmp_path)) == ["t.wav.latents.safetensors"]  # no temp files
    with pytest.raises(LatentsError, match="no latents"):
        load_latents(tmp_path / "other.wav")
    latents_path(tmp_path / "bad.wav").write_bytes(b"not safetensors")
    with pytest.raises(LatentsError, match="not a readable safetensors"):
        load_latents(tmp_path / "bad.wav")
    with pytest.raises(LatentsError, match="shape"):
        save_latents(wav, lat[0], {})
    with pytest.raises(LatentsError, match="not a string"):
        save_latents(wav, lat, {"n": 3})  # type: ignore[dict-item]


def test_store_keeps_latents_beside_the_take(factored: Generator, tmp_path: Path) -> None:
    store = TakeStore(tmp_path / "takes")
    take = factored.generate(_req())[0]
    rec = store.add(take)
    assert rec.has_latents and rec.placement == "held" and rec.path_error_deg is not None
    latents, meta = load_latents(rec.path)
    assert np.array_equal(latents, take.latents) and meta["placement"] == "held"
    renamed = store.rename(rec, "moved")
    assert renamed.has_latents and not rec.latents_path.exists()
    trashed = store.delete(renamed)
    assert latents_path(trashed).is_file() and not renamed.latents_path.exists()
    back = store.restore(trashed)
    assert back.has_latents
    words = store.add(factored.generate(_req(prompt="a bee behind you", path=None))[0])
    assert words.trajectory is not None and words.path_source == "words"
    assert words.trajectory.keyframes[0].azimuth == 180.0


# --- re-path ---------------------------------------------------------------------------------
def test_repath_equals_decoding_the_turned_latents(factored: Generator) -> None:
    take = factored.generate(_req())[0]
    codec = factored.bundle.codec
    orbit = preset("orbit", CLIP)
    lat = torch.from_numpy(take.latents)[None]
    want = codec.decode_chunked(codec.lock_to_path(lat, orbit))[0].numpy()
    n = take.foa.shape[1]
    got = repath(take.latents, orbit, codec, n)
    assert np.allclose(got, want[:, :n], atol=1e-5)
    # A stored take's W is faded at its edges (engine/fades.py: the decoder's edge clicks),
    # so a Repather built from it keeps that W exactly and follows the path as well.
    r = Repather(take.foa[0], take.latents, DiracLayout.of_codec(codec))
    from_take = r.render(orbit)
    assert np.array_equal(from_take[0], take.foa[0])
    assert direction_errors(intensity_doa(from_take, take.rate), orbit).spatial_angle < 2.0
    assert direction_errors(intensity_doa(got, take.rate), orbit).spatial_angle < 2.0


def test_repath_take_makes_a_new_take(factored: Generator, tmp_path: Path) -> None:
    store = TakeStore(tmp_path / "takes")
    rec = store.add(factored.generate(_req())[0])
    new = repath_take(store, rec, preset("orbit", 4.0))  # stretched to the take
    assert new.name == f"{rec.name}_repath" and new.has_latents and new.placement == "held"
    assert new.trajectory is not None and new.trajectory.duration == pytest.approx(rec.seconds)
    assert new.path_error_deg is not None and new.path_error_deg < 2.0
    assert new.sidecar["repathed_from"] == rec.name
    old_foa, _ = store.load(rec)
    new_foa, _ = store.load(new)
    assert np.array_equal(old_foa[0], new_foa[0])  # the same sound: W untouched
    again = repath_take(store, new, preset("static", CLIP), "static-one")
    assert again.name == "static-one" and again.path_error_deg < 2.0


def test_takes_without_latents_are_path_locked(tmp_path: Path) -> None:
    x = (np.random.default_rng(1).standard_normal(16000) * 0.1).astype(np.float32)
    src = tmp_path / "in.wav"
    from ambisketch.engine.audio_io import write_audio

    write_audio(src, encode(x, preset("static", 1.0), 16000), 16000, bits="32f")
    store = TakeStore(tmp_path / "takes")
    rec = store.add_file(src)
    assert not rec.has_latents and rec.placement is None
    new = repath_take(store, rec, SWEEP)
    assert new.placement == "locked" and new.path_error_deg < 5.0
    side = json.loads(new.sidecar_path.read_text())
    assert side["path_source"] == "drawn" and side["repathed_from"] == "in"
