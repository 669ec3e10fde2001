"""A take in a scene re-pathed live: from its codec latents (exact, its sound kept) where it
has them, by the DSP path lock where it has not; kept in the project file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers.latent_take import CLIP, SWEEP, latent_take_file

from ambisketch.engine.audio_io import resample, write_audio
from ambisketch.engine.scene import Scene, new_track
from ambisketch.engine.scene.media import MediaCache, repath_method
from ambisketch.engine.scene.mixer import BlockMixer, render_scene
from ambisketch.engine.scene.project_file import load_scene, save_scene
from ambisketch.engine.spatial import Trajectory, preset
from ambisketch.engine.spatial.ambisonics import encode
from ambisketch.engine.spatial.doa import direction_errors, intensity_doa
from ambisketch.engine.takes.repath import Repather


@pytest.fixture(scope="module")
def take(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stored take of a tiny factored model (with its latents), made along SWEEP."""
    return latent_take_file(tmp_path_factory.mktemp("takes"))


def _error(foa: np.ndarray, rate: int, path: Trajectory) -> float:
    return direction_errors(intensity_doa(foa, rate), path).spatial_angle


def test_a_take_track_is_repathed_from_its_latents(take: Path, tmp_path: Path) -> None:
    media = MediaCache(48000, highs=False)  # compared with plain soxr (highs: below)
    track = new_track(Scene(), str(take))
    assert track.kind == "foa" and not track.follows_path and repath_method(take) == "latents"
    orbit = preset("orbit", CLIP)
    scene = Scene().with_track(track.edited(path=orbit))
    mix = render_scene(scene, media)
    want = resample(Repather.from_take(take).render(orbit), 16000, 48000)
    n = min(mix.shape[1], want.shape[1])
    assert n >= int(0.99 * 48000)
    np.testing.assert_allclose(mix[:, :n], want[:, :n], atol=1e-5)
    assert _error(mix, 48000, orbit) < 3.0 < _error(mix, 48000, SWEEP)
    # The sound is kept: W is the take's own (only the direction changed).
    plain = render_scene(Scene().with_track(track), media)
    np.testing.assert_allclose(mix[0, :n], plain[0, :n], atol=1e-6)
    # Another path while playing: heard from the next block, as the offline render.
    mixer = BlockMixer(scene, media)
    static = preset("static", CLIP)
    edited = scene.replace_track(scene.tracks[0].edited(path=static))
    mixer.set_scene(edited)
    block = mixer.block(0, 4800)
    np.testing.assert_allclose(block, render_scene(edited, media)[:, :4800], atol=1e-6)
    # Kept in the project file.
    saved = save_scene(edited, tmp_path / "s.json")
    back = load_scene(saved).scene.tracks[0]
    assert back.path == static and back.follows_path


def test_an_foa_file_without_latents_is_path_locked(tmp_path: Path) -> None:
    x = (np.random.default_rng(1).standard_normal(48000) * 0.1).astype(np.float32)
    src = tmp_path / "static.wav"
    write_audio(src, encode(x, preset("static", 1.0), 48000), 48000, bits="32f")
    assert repath_method(src) == "path lock"
    track = new_track(Scene(), str(src)).edited(path=SWEEP)
    mix = render_scene(Scene().with_track(track), MediaCache(48000))
    assert _error(mix, 48000, SWEEP) < 5.0
