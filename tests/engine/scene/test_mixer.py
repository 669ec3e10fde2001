"""The mixer: each track as the spatial modules make it, stems that sum to the mix, files
written whole or not at all, and playback equal to the offline render."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ambisketch.engine.audio_io import read_audio, resample
from ambisketch.engine.binaural import DecoderCache, load_hrtf, render
from ambisketch.engine.errors import OutputExistsError, SceneError
from ambisketch.engine.scene import (
    BlockMixer,
    MediaCache,
    Scene,
    export_scene,
    new_track,
    render_scene,
)
from ambisketch.engine.scene.player import SceneTransport
from ambisketch.engine.spatial.ambisonics import encode, rotate
from ambisketch.engine.spatial.presets import preset

RATE = 48000


@pytest.fixture
def cache() -> MediaCache:
    return MediaCache(RATE, highs=False)  # compared with plain soxr: no estimated high band


def _mono48(path: Path) -> np.ndarray:
    a = read_audio(path)
    return resample(a.samples, a.rate, RATE)[0]


def test_a_mono_track_is_encoded_along_its_path_at_its_start(
    media: dict[str, Path], cache: MediaCache
) -> None:
    path = preset("orbit", 2.0)
    s = Scene()
    s = s.with_track(new_track(s, str(media["mono"]), path=path, start=0.25, gain_db=-6.0))
    mix = render_scene(s, cache)
    x = _mono48(media["mono"])  # 16 kHz → 48 kHz with soxr
    assert mix.shape == (4, int(0.25 * RATE) + x.size)
    expected = encode(x, path, RATE) * 10 ** (-6 / 20)
    assert np.abs(mix[:, : int(0.25 * RATE)]).max() == 0.0
    np.testing.assert_allclose(mix[:, int(0.25 * RATE) :], expected, atol=2e-6)


def test_an_foa_track_is_used_as_it_is_or_rotated(
    media: dict[str, Path], cache: MediaCache
) -> None:
    foa = read_audio(media["foa"]).samples
    s = Scene()
    t = new_track(s, str(media["foa"]))
    np.testing.assert_array_equal(render_scene(s.with_track(t), cache), foa)
    turned = render_scene(s.with_track(t.edited(rotation=(90.0, 0.0, 0.0))), cache)
    np.testing.assert_allclose(turned, rotate(foa, 90.0), atol=1e-6)


def test_trim_plays_the_middle_with_short_fades(media: dict[str, Path], cache: MediaCache) -> None:
    foa = read_audio(media["foa"]).samples
    s = Scene()
    t = new_track(s, str(media["foa"]), trim_start=0.5, length=0.5, start=1.0)
    mix = render_scene(s.with_track(t), cache)
    assert mix.shape[1] == int(1.5 * RATE)
    clip = mix[:, RATE:]
    body = slice(240, clip.shape[1] - 240)  # inside the 5 ms fades
    np.testing.assert_array_equal(clip[:, body], foa[:, 24000:48000][:, body])
    assert abs(clip[0, 0]) < abs(foa[0, 24000]) / 100 + 1e-6  # faded in, no click


def test_solo_mute_and_nothing_to_render(media: dict[str, Path], cache: MediaCache) -> None:
    s = Scene()
    a = new_track(s, str(media["mono"]))
    s = s.with_track(a)
    b = new_track(s, str(media["foa"]))
    s = s.with_track(b)
    only_b = render_scene(s.edit_track(b.id, solo=True), cache)
    np.testing.assert_array_equal(only_b, read_audio(media["foa"]).samples)
    with pytest.raises(SceneError, match="no audible track"):
        render_scene(s.edit_track(a.id, mute=True).edit_track(b.id, mute=True), cache)


def test_a_room_track_rings_out_after_its_clip(media: dict[str, Path], cache: MediaCache) -> None:
    s = Scene()
    dry = s.with_track(new_track(s, str(media["mono"]), distance=3.0))
    wet = s.with_track(new_track(s, str(media["mono"]), distance=3.0, room="medium"))
    assert render_scene(dry, cache).shape[1] == 2 * RATE
    mix = render_scene(wet, cache)
    assert mix.shape[1] > 2 * RATE + RATE // 10
    assert np.abs(mix[:, 2 * RATE + 100 :]).max() > 1e-4  # the tail


def test_stems_sum_to_the_mix_and_last_as_long(
    media: dict[str, Path], cache: MediaCache, tmp_path: Path
) -> None:
    s = Scene()
    s = s.with_track(new_track(s, str(media["mono"]), path=preset("pass-by", 2.0), name="bird"))
    s = s.with_track(new_track(s, str(media["foa"]), start=1.0, name="rain / all"))
    s = s.with_track(new_track(s, str(media["foa"]), mute=True, name="muted"))
    result = export_scene(s, tmp_path / "mix.wav", cache, stems_dir=tmp_path / "stems", bits="32f")
    assert [p.name for p in result.stems] == ["01-bird.wav", "02-rain_all.wav"]
    mix, rate = sf.read(tmp_path / "mix.wav", always_2d=True)
    assert rate == RATE and mix.shape == (int(2.5 * RATE), 4)
    stems = [sf.read(p, always_2d=True)[0] for p in result.stems]
    assert all(st.shape == mix.shape for st in stems)
    np.testing.assert_allclose(sum(stems), mix, atol=1e-7)
    for bits, subtype in (("16", "PCM_16"), ("24", "PCM_24")):
        export_scene(s, tmp_path / f"mix{bits}.wav", cache, bits=bits)
        assert sf.info(tmp_path / f"mix{bits}.wav").subtype == subtype


def test_a_failed_export_writes_nothing(
    media: dict[str, Path], cache: MediaCache, tmp_path: Path
) -> None:
    s = Scene()
    s = s.with_track(new_track(s, str(media["mono"]), name="bird"))
    stems = tmp_path / "stems"
    stems.mkdir()
    (stems / "01-bird.wav").write_bytes(b"keep me")
    with pytest.raises(OutputExistsError, match="01-bird.wav: already exists"):
        export_scene(s, tmp_path / "mix.wav", cache, stems_dir=stems)
    assert not (tmp_path / "mix.wav").exists()
    assert (stems / "01-bird.wav").read_bytes() == b"keep me"
    bad = s.edit_track(s.tracks[0].id, media=tmp_path / "gone.wav")
    with pytest.raises(Exception, match="gone.wav"):
        export_scene(bad, tmp_path / "mix.wav", cache, stems_dir=tmp_path / "new_stems")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["media", "stems"]


def test_block_mixer_equals_the_offline_render(media: dict[str, Path], cache: MediaCache) -> None:
    s = Scene()
    s = s.with_track(
        new_track(
            s, str(media["mono"]), path=preset("figure-eight", 2.0), trim_start=0.3, start=0.1
        )
    )
    s = s.with_track(new_track(s, str(media["foa"]), rotation=(20.0, 10.0, 0.0), start=0.7))
    offline = render_scene(s, cache)
    mixer = BlockMixer(s, cache)
    assert mixer.frames == offline.shape[1]
    blocks = [mixer.block(i, 1000) for i in range(0, mixer.frames, 1000)]
    np.testing.assert_allclose(
        np.concatenate(blocks, axis=1)[:, : mixer.frames], offline, atol=1e-6
    )


def test_playback_with_fixed_rotation_equals_the_offline_binaural_mix(
    media: dict[str, Path], cache: MediaCache
) -> None:
    s = Scene()
    s = s.with_track(new_track(s, str(media["mono"]), path=preset("orbit", 2.0)))
    s = s.with_track(new_track(s, str(media["foa"]), start=0.5, gain_db=-3.0))
    hrirs, decoders = load_hrtf(), DecoderCache(folder=False)
    expected = render(render_scene(s, cache), decoders.get(hrirs, RATE), yaw=40.0)
    player = SceneTransport(
        s, BlockMixer(s, cache), hrirs=hrirs, device_output=False, cache=decoders, yaw=40.0
    )
    player.play()
    out = []
    while player.state == "playing":
        buf = np.zeros((512, 2), dtype=np.float32)
        player.callback(buf, 512)
        out.append(buf.T.copy())
    got = np.concatenate(out, axis=1)[:, : expected.shape[1]]
    assert player.errors == []
    body = slice(512, None)  # the first block fades in (the transport's click guard)
    np.testing.assert_allclose(got[:, body], expected[:, body], atol=1e-5)


def test_an_edit_is_heard_from_the_next_block(media: dict[str, Path], cache: MediaCache) -> None:
    s = Scene()
    t = new_track(s, str(media["foa"]))
    s = s.with_track(t)
    mixer = BlockMixer(s, cache)
    loud = mixer.block(0, 256)
    mixer.set_scene(s.edit_track(t.id, gain_db=-20.0))
    np.testing.assert_allclose(mixer.block(0, 256), loud * 0.1, rtol=1e-5, atol=1e-8)
