"""The generator end to end on a tiny untrained bundle with the real text encoder."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from helpers.tiny_model import tiny_bundle

from ambisketch.engine.errors import Cancelled, EngineError, ModelLoadError
from ambisketch.engine.generate import GenerationError, GenerationRequest, Generator
from ambisketch.engine.models.bundle import load_bundle, save_bundle
from ambisketch.engine.models.text_encoder import MINILM_ID, TextEncoder
from ambisketch.engine.spatial import Keyframe, Trajectory, preset
from ambisketch.engine.spatial.ambisonics import encode
from ambisketch.engine.spatial.doa import direction_errors, intensity_doa
from ambisketch.engine.spatial.path_lock import lock_to_path

CLIP = 0.5


@pytest.fixture(scope="module")
def text_encoder() -> TextEncoder:
    return TextEncoder(MINILM_ID)


@pytest.fixture(scope="module")
def generator(text_encoder: TextEncoder) -> Generator:
    return Generator(tiny_bundle("foa", CLIP), device="cpu", text_encoder=text_encoder)


def _req(**kw) -> GenerationRequest:
    base = dict(
        prompt="a bee buzzing",
        path=preset("orbit", 0.3),
        seconds=0.3,
        seed=7,
        steps=4,
        cfg_scale=3.0,
        sampler="dpmpp-3m-sde",
    )
    base.update(kw)
    return GenerationRequest(**base)


def test_request_imports_without_torch() -> None:
    code = (
        "import sys; from ambisketch.engine.generate import GenerationRequest; "
        "GenerationRequest('x').check(10.0); print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_take_length_seed_and_variations(generator: Generator) -> None:
    steps: list[tuple[int, int]] = []
    takes = generator.generate(_req(variations=2), progress=lambda i, n: steps.append((i, n)))
    assert len(takes) == 2 and steps[-1] == (4, 4) and len(steps) == 4
    a, b = takes
    assert a.foa.shape == (4, int(0.3 * 16000)) and a.foa.dtype == np.float32 and a.rate == 16000
    assert np.isfinite(a.foa).all() and not np.array_equal(a.foa, b.foa)
    assert a.request.seed == 7 and a.variation == 0 and b.variation == 1
    assert a.timings["total"] > 0 and a.request.mode == "parametric"
    again = generator.generate(_req(variations=2))
    assert np.array_equal(again[0].foa, a.foa) and np.array_equal(again[1].foa, b.foa)
    other = generator.generate(_req(seed=8))[0]
    assert not np.array_equal(other.foa, a.foa)
    side = a.sidecar()
    assert GenerationRequest.from_dict(side["request"]) == a.request
    assert side["model"]["text_encoder"] == MINILM_ID


def test_modes_samplers_and_random_seed(generator: Generator) -> None:
    desc = generator.generate(
        _req(path=None, prompt="a bird on the left", sampler="euler", cfg_scale=1.0)
    )[0]
    assert desc.request.mode == "descriptive" and desc.foa.shape == (4, 4800)
    par = generator.generate(_req(path=None, parametric={"azimuth": 90.0}, sampler="dpmpp-2m"))
    assert par[0].foa.shape == (4, 4800)
    picked = generator.generate(_req(seed=None, steps=1))[0]
    assert isinstance(picked.request.seed, int)
    # cw and ccw paths condition the model differently
    cw = Trajectory(0.3, (Keyframe(0, 0), Keyframe(0.3, 180, direction="cw")))
    ccw = Trajectory(0.3, (Keyframe(0, 0), Keyframe(0.3, 180, direction="ccw")))
    a = generator.generate(_req(path=cw, steps=2))[0].foa
    b = generator.generate(_req(path=ccw, steps=2))[0].foa
    assert not np.allclose(a, b)


def test_bad_requests(generator: Generator) -> None:
    # (longer than the clip is a long take: tests/engine/test_audio_start.py)
    for kw, msg in [
        ({"seconds": -2.0}, "seconds must be > 0"),
        ({"steps": 0}, "steps must be at least 1"),
        ({"sampler": "ddim"}, "unknown sampler 'ddim'"),
        ({"prompt": "  "}, "prompt is empty"),
        ({"variations": 0}, "variations"),
        ({"cfg_scale": -1.0}, "cfg scale"),
        ({"path": None, "lock_path": True}, "path lock needs a path"),
        ({"parametric": {"speed": 1.0}}, "unknown parametric value 'speed'"),
    ]:
        with pytest.raises(GenerationError, match=msg):
            generator.generate(_req(**kw))


def test_cancel(generator: Generator) -> None:
    calls = []
    with pytest.raises(Cancelled):
        generator.generate(_req(), cancel=lambda: calls.append(1) or len(calls) > 1)


def test_bundle_folder_and_encoder_mismatch(tmp_path, text_encoder: TextEncoder) -> None:
    folder = save_bundle(tmp_path / "m", tiny_bundle("foa", CLIP))
    gen = Generator(folder, device="cpu", text_encoder=text_encoder)
    ref = Generator(load_bundle(folder), device="cpu", text_encoder=text_encoder)
    assert np.array_equal(gen.generate(_req())[0].foa, ref.generate(_req())[0].foa)
    b = tiny_bundle("foa", CLIP)
    object.__setattr__(b.info, "text_encoder", "t5:/nowhere")
    with pytest.raises(ModelLoadError, match="trained with text encoder 't5:/nowhere'"):
        Generator(b, device="cpu", text_encoder=text_encoder)


def test_path_lock_puts_a_generated_take_on_the_path(generator: Generator) -> None:
    path = preset("orbit", 0.5)
    take = generator.generate(_req(path=path, seconds=0.5, lock_path=True))[0]
    err = direction_errors(intensity_doa(take.foa, take.rate), path)
    assert err.frames > 10 and err.spatial_angle_median < 2.0, err
    assert "path_lock" in take.timings


def test_path_lock_keeps_a_plane_wave_and_moves_it() -> None:
    rate, rng = 16000, np.random.default_rng(0)
    mono = rng.standard_normal(rate)
    src = encode(mono, preset("fly-over", 1.0), rate)
    target = preset("orbit", 1.0)
    locked = lock_to_path(src + 0.2 * rng.standard_normal(src.shape), target, rate)
    err = direction_errors(intensity_doa(locked, rate), target)
    assert err.spatial_angle_median < 1.0
    clean = lock_to_path(src, target, rate)
    ref = encode(mono, target, rate)  # a moving plane wave comes out as the same sound
    assert np.linalg.norm(clean - ref) < 0.01 * np.linalg.norm(ref)  # on the new path
    with pytest.raises(ValueError, match="shape"):
        lock_to_path(np.zeros((2, 10)), target, rate)


def test_half_precision_path_runs(text_encoder: TextEncoder) -> None:
    """The GPU code path (autocast of the DiT) on the CPU in bf16: finite, close to fp32."""
    b = tiny_bundle("foa", CLIP)
    fp32 = Generator(b, device="cpu", text_encoder=text_encoder, precision="fp32")
    full = fp32.generate(_req(sampler="euler"))
    half_gen = Generator(b, device="cpu", text_encoder=text_encoder, precision="bf16")
    assert half_gen.dtype == torch.bfloat16
    half = half_gen.generate(_req(sampler="euler"))
    a, h = full[0].foa, half[0].foa
    assert np.isfinite(h).all() and h.dtype == np.float32
    assert np.linalg.norm(a - h) < 0.2 * np.linalg.norm(a)
    with pytest.raises(EngineError, match="unknown precision 'fp8'"):
        Generator(b, device="cpu", text_encoder=text_encoder, precision="fp8")


def test_cpu_precision_is_fp32_unless_bf16_is_asked_for(
    text_encoder: TextEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ambisketch.engine import generate as G

    assert G.cpu_bf16("flags\t\t: fpu sse avx2 avx512f avx512_bf16 avx512vbmi")
    assert G.cpu_bf16("flags\t\t: fpu amx_bf16 amx_tile")
    assert not G.cpu_bf16("flags\t\t: fpu sse avx2 avx512f avx512bw")  # emulated: slower
    b = tiny_bundle("foa", CLIP)
    monkeypatch.delenv("AMBISKETCH_CPU_PRECISION", raising=False)
    gen = Generator(b, device="cpu", text_encoder=text_encoder)
    assert gen.dtype == torch.float32 and gen.model_info()["dtype"] == "float32"
    monkeypatch.setenv("AMBISKETCH_CPU_PRECISION", "bf16")  # the app's opt-in
    gen = Generator(b, device="cpu", text_encoder=text_encoder)
    assert gen.dtype == torch.bfloat16 and gen.model_info()["dtype"] == "bfloat16"
    fp32 = Generator(b, device="cpu", text_encoder=text_encoder, precision="fp32")
    assert fp32.dtype == torch.float32  # an explicit choice wins
    monkeypatch.setenv("AMBISKETCH_CPU_PRECISION", "fp8")
    with pytest.raises(EngineError, match="AMBISKETCH_CPU_PRECISION='fp8'"):
        Generator(b, device="cpu", text_encoder=text_encoder)


def test_sampling_defaults_from_model_json(monkeypatch) -> None:
    from ambisketch.engine.generate import SamplingDefaults, cpu_threads

    assert SamplingDefaults.from_meta(None) == SamplingDefaults(100, 7.0, "dpmpp-3m-sde")
    d = SamplingDefaults.from_meta({"steps": 50, "cfg_scale": 6.5, "sampler": "euler"})
    assert (d.steps, d.cfg_scale, d.sampler) == (50, 6.5, "euler")
    assert SamplingDefaults.from_meta({"cfg": 4}).cfg_scale == 4.0  # the older key
    assert SamplingDefaults.from_meta({"sampler": "nope"}).sampler == "dpmpp-3m-sde"
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert cpu_threads() is None  # the user's choice stands
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert 1 <= cpu_threads() <= max(1, len(__import__("os").sched_getaffinity(0)))
