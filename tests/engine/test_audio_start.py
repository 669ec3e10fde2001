"""Audio-to-audio, inpainting and long takes on tiny untrained bundles of both codec kinds,
with the real text encoder, real files and the real take store."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from helpers.tiny_model import Codec, tiny_bundle

from ambisketch.engine.audio_start import init_latents
from ambisketch.engine.errors import AudioFileError, EngineError, GenerationError
from ambisketch.engine.generate import GenerationRequest, Generator
from ambisketch.engine.long_takes import join_jumps, join_times, slice_path, window_starts
from ambisketch.engine.models.codec import roundtrip
from ambisketch.engine.models.init_latents import LatentStart, frame_mask, strength_sigma
from ambisketch.engine.models.text_encoder import MINILM_ID, TextEncoder
from ambisketch.engine.spatial import Keyframe, Trajectory, preset
from ambisketch.engine.start_from import StartFrom, file_sha256, loop_to, read_init_audio
from ambisketch.engine.takes import TakeStore
from ambisketch.engine.takes.latents import latents_path

CLIP = 0.5
RATE = 16000


@pytest.fixture(scope="module")
def text_encoder() -> TextEncoder:
    return TextEncoder(MINILM_ID)


def _bundle(kind: Codec):
    return tiny_bundle(kind, CLIP, f"tiny-{kind}")


@pytest.fixture(scope="module", params=["foa", "factored"])
def gen(request: pytest.FixtureRequest, text_encoder: TextEncoder) -> Generator:
    return Generator(_bundle(request.param), device="cpu", text_encoder=text_encoder)


def _req(**kw) -> GenerationRequest:
    base = dict(
        prompt="a bee buzzing",
        path=None,
        seconds=0.4,
        seed=3,
        steps=4,
        cfg_scale=3.0,
        placement="learned",
    )
    base.update(kw)
    return GenerationRequest(**base)


def _sound(
    folder: Path, name: str = "in.wav", channels: int = 1, seconds: float = 0.3, level: float = 0.3
) -> Path:
    rng = np.random.default_rng(1)
    t = np.arange(int(seconds * RATE)) / RATE
    x = np.sin(2 * np.pi * 440 * t) * level + rng.standard_normal(t.size) * level * 0.2
    data = np.stack([x * (1 - 0.2 * c) for c in range(channels)], axis=1).astype(np.float32)
    path = folder / name
    sf.write(path, data, 22050 if channels == 2 else RATE)  # one of them needs resampling
    return path


# --- audio-to-audio -------------------------------------------------------------------------
@pytest.mark.parametrize("placement", ["learned", "held"])
def test_strength_near_zero_returns_the_input_latents(
    gen: Generator, tmp_path: Path, placement: str
) -> None:
    src = _sound(tmp_path, channels=4)
    req = _req(init=StartFrom(audio=str(src), strength=0.0), placement=placement)
    want = init_latents(gen, req, CLIP)[0]
    exact = gen.generate(req)[0]
    if placement == "learned" or gen.bundle.codec.config.__class__.__name__ == "CodecConfig":
        assert np.allclose(exact.latents, want, atol=1e-5)
    near = gen.generate(replace(req, init=StartFrom(audio=str(src), strength=0.003)))[0]
    scale = float(np.abs(want).max())
    err = float(np.abs(near.latents - want).max())
    far = gen.generate(replace(req, init=StartFrom(audio=str(src), strength=0.7)))[0]
    err_far = float(np.abs(far.latents - want).max())
    assert err < 0.1 * scale, (err, scale)
    assert err_far > 3 * err  # the strength does something


def test_full_strength_is_plain_generation_and_sidecar_names_the_file(
    gen: Generator, tmp_path: Path
) -> None:
    src = _sound(tmp_path, channels=1)
    plain = gen.generate(_req())[0]
    full = gen.generate(_req(init=StartFrom(audio=str(src), strength=1.0)))[0]
    assert np.array_equal(plain.foa, full.foa)
    half = gen.generate(_req(init=StartFrom(audio=str(src), strength=0.5)))[0]
    assert not np.array_equal(plain.foa, half.foa)
    side = half.sidecar()["request"]["init"]
    assert side == {"audio": str(src), "strength": 0.5, "sha256": file_sha256(src)}
    again = GenerationRequest.from_dict(half.sidecar()["request"])
    assert again.init == half.request.init
    assert np.array_equal(gen.generate(again)[0].foa, half.foa)  # the sidecar makes it again


def test_mono_init_is_placed_along_the_path_and_stereo_is_mixed(tmp_path: Path) -> None:
    mono = _sound(tmp_path, "m.wav", 1, seconds=0.2)
    path = Trajectory(0.5, (Keyframe(0.0, 90.0), Keyframe(0.5, -90.0, direction="cw")))
    az, el, _ = path.sample(np.arange(8000) / RATE)
    foa, notes = read_init_audio(mono, RATE, 0.5, az, el)
    assert foa.shape == (4, 8000) and any("looped" in n for n in notes)
    rad = np.radians(az)  # SN3D along the path: Y = W·sin(az), X = W·cos(az), from the left
    assert np.allclose(foa[1], foa[0] * np.sin(rad), atol=1e-5)
    assert np.allclose(foa[3], foa[0] * np.cos(rad), atol=1e-5) and abs(foa[2]).max() < 1e-6
    stereo = _sound(tmp_path, "s.wav", 2, seconds=0.6)
    foa2, notes2 = read_init_audio(stereo, RATE, 0.5)
    assert foa2.shape == (4, 8000) and any("stereo" in n for n in notes2)
    assert np.allclose(foa2[3], foa2[0]) and np.abs(foa2[1]).max() < 1e-6  # straight ahead


def test_loop_crossfades_and_cuts() -> None:
    x = np.ones((1, 100), dtype=np.float32)
    assert loop_to(x, 40).shape == (1, 40)
    y = loop_to(x, 350, fade=10)
    assert y.shape == (1, 350) and np.allclose(y, 1.0, atol=1e-6)  # equal-gain: no dip


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda d: d / "missing.wav", "no such file"),
        (lambda d: (d / "bad.wav").write_text("not audio") and d / "bad.wav", "not a readable"),
        (lambda d: _sound(d, "quiet.wav", level=0.0), "silent"),
        (lambda d: _sound(d, "short.wav", seconds=0.02), "too short"),
        (lambda d: _sound(d, "three.wav", channels=3), "3 channels"),
    ],
)
def test_bad_init_files_name_the_file(gen: Generator, tmp_path: Path, make, words: str) -> None:
    path = make(tmp_path)
    with pytest.raises(AudioFileError) as err:
        gen.generate(_req(init=StartFrom(audio=str(path), strength=0.5)))
    assert str(path) in str(err.value) and words in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("s", [-0.1, 1.5, float("nan")])
def test_strength_outside_0_1_is_refused(s: float) -> None:
    with pytest.raises(GenerationError, match="between 0 and 1"):
        _req(init=StartFrom(audio="x.wav", strength=s)).check()


def test_schedule_of_a_strength() -> None:
    assert strength_sigma(0.5) == pytest.approx(1.0)
    x0 = torch.zeros(1, 2, 3)
    assert float(LatentStart(x0, 1.0).sigmas(5)[0]) == pytest.approx(500.0)
    s = LatentStart(x0, 0.5).sigmas(5)
    assert len(s) == 6 and float(s[0]) == pytest.approx(1.0) and float(s[-1]) == 0.0
    assert LatentStart(x0, 0.05).sigmas(5).tolist() == pytest.approx([strength_sigma(0.05), 0])
    assert LatentStart(x0, 0.0).sigmas(5).tolist() == [0.0]
    keep = frame_mask(10, 10.0, 0.25, 0.55)
    assert keep[0, 0].tolist() == [True, True, False, False, False, False, True, True, True, True]


# --- inpainting -----------------------------------------------------------------------------
def _stored_take(gen: Generator, store: TakeStore, with_latents: bool, **kw):
    take = gen.generate(_req(seconds=CLIP, path=preset("orbit", CLIP), **kw))[0]
    record = store.add(take)  # keeps the latents beside the take
    if not with_latents:  # a take imported, or made before takes kept their latents
        latents_path(record.path).unlink()
    return take, record


@pytest.mark.parametrize("with_latents", [True, False])
def test_inpainting_keeps_the_rest_of_the_take(
    gen: Generator, tmp_path: Path, with_latents: bool
) -> None:
    store = TakeStore(tmp_path / "takes")
    take, record = _stored_take(gen, store, with_latents)
    t0, t1 = 0.2, 0.3
    req = replace(
        take.request, seed=11, init=StartFrom(take=str(record.path), start=t0, end=t1, strength=1.0)
    )
    new = gen.generate(req)[0]
    original, _ = store.load(record)
    a, b = int(t0 * RATE), int(t1 * RATE)
    assert new.foa.shape == original.shape
    # Outside the range: the take's own samples, bit for bit; inside: new sound.
    assert np.array_equal(new.foa[:, :a], original[:, :a])
    assert np.array_equal(new.foa[:, b:], original[:, b:])
    assert not np.allclose(new.foa[:, a + 400 : b - 400], original[:, a + 400 : b - 400])
    # In latent space the kept frames are the take's (stored, or its audio encoded) and
    # decoding the new latents gives the kept audio back within the codec's round-trip error.
    codec = gen.bundle.codec
    keep = frame_mask(new.latents.shape[1], gen.bundle.latent_rate, t0, t1)[0, 0].numpy()
    with torch.no_grad():
        dec = codec.decode_chunked(torch.from_numpy(new.latents)[None])[0].numpy()
    dec = dec * new.latents_gain  # the take's loudness levelling
    margin = 16 * codec.config.hop  # the decoder's receptive field (measured: 13 frames)
    edge = int(0.011 * RATE)  # generated takes fade their first and last 10 ms (edge clicks)
    kept = np.r_[edge : a - margin, b + margin : original.shape[1] - edge]
    round_trip = (
        np.abs(roundtrip(codec, original) - original)[:, kept].max()
        if hasattr(codec, "encoder")
        else None
    )
    err = np.abs(dec[:, kept] - original[:, kept]).max()
    if with_latents:
        # The take was decoded from exactly these latents (compared whole: the decoder's DC
        # filter reaches ~0.1 s around the range that changed), and the new take keeps them.
        with torch.no_grad():
            dec_take = codec.decode_chunked(torch.from_numpy(take.latents)[None])[0].numpy()
        n = original.shape[1]
        assert (
            np.abs(
                dec_take[:, edge : n - edge] * take.latents_gain - original[:, edge : n - edge]
            ).max()
            < 1e-4
        )
        assert np.array_equal(new.latents[:, keep], take.latents[:, keep])
    elif round_trip is not None:
        assert err <= round_trip * 1.01 + 1e-6
    assert new.request.init.sha256 == file_sha256(record.path)
    assert new.sidecar()["request"]["init"]["start"] == t0


def test_inpaint_range_outside_the_take_is_refused(gen: Generator, tmp_path: Path) -> None:
    store = TakeStore(tmp_path / "takes")
    take, record = _stored_take(gen, store, True)
    for t0, t1, words in (
        (0.2, 0.9, "outside the take"),
        (0.6, 0.7, "outside the take"),
        (0.3, 0.2, "empty or negative"),
    ):
        req = replace(take.request, init=StartFrom(take=str(record.path), start=t0, end=t1))
        with pytest.raises(GenerationError) as err:
            gen.generate(req)
        assert str(record.path) in str(err.value) and words in str(err.value)


# --- long takes -----------------------------------------------------------------------------
def test_windows_and_path_slices() -> None:
    assert window_starts(100, 100, 25) == [0]
    starts = window_starts(300, 100, 25)
    assert starts[0] == 0 and starts[-1] == 200
    assert np.diff(starts).max() <= 75
    path = preset("orbit", 10.0)
    part = slice_path(path, 2.5, 7.5)
    t = np.linspace(0, 5, 51)
    az, el, _ = part.sample(t, unwrap=False)
    az2, el2, _ = path.sample(t + 2.5, unwrap=False)
    d = (az - az2 + 180) % 360 - 180
    assert part.duration == 5 and np.abs(d).max() < 1e-6 and np.allclose(el, el2)


def test_long_take_runs_the_path_through_without_seams(text_encoder: TextEncoder) -> None:
    gen = Generator(_bundle("factored"), device="cpu", text_encoder=text_encoder)
    seconds = 6 * CLIP
    path = preset("orbit", seconds)
    steps: list[tuple[int, int]] = []
    take = gen.generate(
        _req(seconds=seconds, path=path, placement="held"),
        progress=lambda i, n: steps.append((i, n)),
    )[0]
    assert take.foa.shape == (4, int(seconds * RATE)) and np.isfinite(take.foa).all()
    windows = int(take.timings["windows"])
    assert windows >= 7 and steps[-1] == (4 * windows, 4 * windows)
    # The direction follows the path over the whole length (held on every window's slice).
    assert take.path_errors is not None and take.path_errors["spatial_angle"] < 5.0
    # No level or spectral jump at the joins stands out from the take's own variation.
    jumps = join_jumps(
        take.foa, RATE, join_times(seconds, gen.bundle.clip_frames, gen.bundle.latent_rate)
    )
    assert len(jumps["joins"]) == windows - 1
    for j in jumps["joins"]:
        assert j["level_percentile"] < 99 and j["spectral_percentile"] < 99, jumps


def test_long_take_with_an_init_sound(gen: Generator, tmp_path: Path) -> None:
    src = _sound(tmp_path, channels=1, seconds=0.7)
    req = _req(seconds=1.2, init=StartFrom(audio=str(src), strength=0.3))
    take = gen.generate(req)[0]
    assert take.foa.shape == (4, int(1.2 * RATE))
    assert take.request.init.sha256 == file_sha256(src)
    with pytest.raises(EngineError):
        gen.generate(replace(req, init=StartFrom(audio=str(tmp_path / "gone.wav"))))


def test_join_measure_flags_a_seam_and_passes_a_smooth_take() -> None:
    rng = np.random.default_rng(0)
    n = 6 * RATE
    noise = rng.standard_normal(n).astype(np.float32) * 0.1
    smooth = np.stack([noise] * 4)
    stepped = smooth.copy()
    stepped[:, 3 * RATE :] *= 2.0  # +6 dB from 3 s on
    spectral = smooth.copy()
    kernel = np.ones(8) / 8  # a low-pass from 3 s on: a timbre seam
    spectral[:, 3 * RATE :] = np.stack(
        [np.convolve(ch[3 * RATE :], kernel, "same") * 2.5 for ch in spectral]
    )
    for foa, flagged in ((smooth, False), (stepped, True), (spectral, True)):
        j = join_jumps(foa, RATE, [3.0])["joins"][0]
        worst = max(j["level_percentile"], j["spectral_percentile"])
        assert (worst >= 99.0) == flagged, (flagged, j)
