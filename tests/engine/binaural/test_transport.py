"""Playback transport driven through its stream callback; device errors without a device."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import numpy as np
import pytest

from ambisketch.engine.binaural import (
    PAUSED,
    PLAYING,
    STOPPED,
    BinauralDecoder,
    DecoderCache,
    HrirSet,
    Transport,
    ild_db,
    pick_output_device,
    render,
)
from ambisketch.engine.binaural import devices as devices_mod
from ambisketch.engine.errors import AudioDeviceError
from ambisketch.engine.spatial.ambisonics import encode_static

RATE = 48000
BLOCK = 512


@pytest.fixture
def take(make_noise) -> np.ndarray:
    return encode_static(make_noise(0.25), 0.0)  # 12000 frames, front


@pytest.fixture
def player(take: np.ndarray, kemar: HrirSet, memory_cache: DecoderCache) -> Transport:
    return Transport(take, RATE, kemar, device_output=False, cache=memory_cache)


def pull(player: Transport, blocks: int, frames: int = BLOCK) -> np.ndarray:
    out = []
    for _ in range(blocks):
        buf = np.full((frames, 2), 7.0, dtype=np.float32)  # garbage: must be overwritten
        player.callback(buf, frames, None, None)
        out.append(buf.T.copy())
    return np.concatenate(out, axis=1)


def test_silent_until_played_then_the_offline_render(
    player: Transport, take: np.ndarray, decoder48: BinauralDecoder
) -> None:
    assert not np.any(pull(player, 2)) and player.state == STOPPED
    player.play()
    out = pull(player, 4)
    offline = render(take, decoder48)[:, : 4 * BLOCK]
    assert abs(out[0, 0]) < 1e-3 * np.max(np.abs(offline))  # fades in
    assert np.allclose(out[:, BLOCK:], offline[:, BLOCK:], atol=1e-5)
    assert player.position == pytest.approx(4 * BLOCK / RATE) and not player.errors


def test_plays_to_the_end_then_stops_with_zeros(player: Transport, take: np.ndarray) -> None:
    player.play()
    n_blocks = take.shape[1] // BLOCK + 1
    out = pull(player, n_blocks + 2)
    assert player.state == STOPPED and player.finished.is_set() and player.position == 0
    assert not np.any(out[:, (n_blocks) * BLOCK :])


def test_loop_wraps_around(player: Transport, take: np.ndarray) -> None:
    player.set_loop(True)
    player.play()
    out = pull(player, take.shape[1] // BLOCK + 4)
    assert player.state == PLAYING and not player.finished.is_set()
    assert np.max(np.abs(out[:, -2 * BLOCK :])) > 0.05
    assert 0 < player.position < 4 * BLOCK / RATE + 1e-9


def test_pause_fades_out_keeps_position_and_resumes(player: Transport) -> None:
    player.play()
    pull(player, 3)
    player.pause()
    assert player.state == PAUSED
    fade = pull(player, 1)
    where = player.position
    assert abs(fade[0, -1]) < 0.01 * np.max(np.abs(fade))
    assert not np.any(pull(player, 3)) and player.position == where
    player.play()
    assert np.max(np.abs(pull(player, 2))) > 0.05 and player.position > where


def test_seek_and_stop(player: Transport) -> None:
    player.seek(0.1)
    assert player.position == pytest.approx(0.1) and player.state == STOPPED
    player.play()
    pull(player, 1)
    player.seek(0.05)  # while playing: applied after a fade-out block
    assert player.position == pytest.approx(0.05)
    pull(player, 1)
    assert player.position == pytest.approx(0.05) and player.state == PLAYING
    player.seek(99)  # clamped to the end
    pull(player, 1)
    assert player.position == pytest.approx(player.duration)
    player.stop()
    pull(player, 1)
    assert player.state == STOPPED and player.position == 0


def test_rotation_and_hrtf_switch_while_playing(player: Transport, kemar: HrirSet) -> None:
    player.play()
    assert ild_db(pull(player, 4)[:, BLOCK:]) == pytest.approx(0, abs=1.5)
    player.set_rotation(yaw=90)  # head turns left: the front source goes to the right ear
    pull(player, 3)
    assert ild_db(pull(player, 4)) < -6 and player.rotation == (90.0, 0.0, 0.0)
    ring = kemar.elevation == 0
    player.set_hrtf(
        HrirSet(kemar.ir[ring], kemar.azimuth[ring], kemar.elevation[ring], kemar.rate, "ring")
    )
    assert player.hrirs.name == "ring"
    assert ild_db(pull(player, 6)[:, 2 * BLOCK :]) < -6 and not player.errors


def test_callback_never_raises(player: Transport) -> None:
    player.play()
    wrong = np.ones((BLOCK, 3), dtype=np.float32)  # a buffer the renderer cannot fill
    player.callback(wrong, BLOCK, None, None)
    assert not np.any(wrong) and player.errors and "ValueError" in player.errors[0]


def test_play_without_a_device_is_one_clear_error(
    take: np.ndarray, kemar: HrirSet, memory_cache: DecoderCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = SimpleNamespace(
        query_devices=lambda: [],
        query_hostapis=lambda: [],
        default=SimpleNamespace(device=(-1, -1)),
    )
    monkeypatch.setattr(devices_mod, "sounddevice_module", lambda: fake)
    player = Transport(take, RATE, kemar, cache=memory_cache)
    with pytest.raises(AudioDeviceError, match="no audio output device") as exc:
        player.play()
    assert "\n" not in str(exc.value)
    player.close()


def test_this_machine_without_sound_gives_the_error_too(
    take: np.ndarray, kemar: HrirSet, memory_cache: DecoderCache
) -> None:
    """Real PortAudio, no device here (or on CI): the same one-line error."""
    if devices_mod.output_devices():
        pytest.skip("this machine has an audio output device")
    with pytest.raises(AudioDeviceError, match="no audio output device"):
        Transport(take, RATE, kemar, cache=memory_cache).play()


def test_missing_portaudio_is_an_audio_device_error(monkeypatch: pytest.MonkeyPatch) -> None:
    class NoPortAudio:
        def find_spec(self, name: str, *args: object) -> None:
            if name == "sounddevice":
                raise OSError("PortAudio library not found")

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(sys, "meta_path", [NoPortAudio(), *sys.meta_path])
    with pytest.raises(AudioDeviceError, match="PortAudio"):
        pick_output_device()


def test_device_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    devs = [
        {
            "name": "Built-in Mic",
            "max_output_channels": 0,
            "hostapi": 0,
            "default_samplerate": 48000.0,
        },
        {"name": "Speakers", "max_output_channels": 2, "hostapi": 0, "default_samplerate": 48000.0},
        {
            "name": "USB Headphones",
            "max_output_channels": 2,
            "hostapi": 0,
            "default_samplerate": 44100.0,
        },
    ]
    fake = SimpleNamespace(
        query_devices=lambda: devs,
        query_hostapis=lambda: [{"name": "ALSA"}],
        default=SimpleNamespace(device=(0, 1)),
    )
    monkeypatch.setattr(devices_mod, "sounddevice_module", lambda: fake)
    assert pick_output_device().name == "Speakers"
    assert pick_output_device(2).name == "USB Headphones"
    assert pick_output_device("headph").index == 2
    with pytest.raises(AudioDeviceError, match="does not exist"):
        pick_output_device(0)
    with pytest.raises(AudioDeviceError, match="matches no"):
        pick_output_device("hdmi")


def test_device_that_cannot_play_the_rate_gets_its_own(
    take: np.ndarray, kemar: HrirSet, memory_cache: DecoderCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[dict] = []

    class Stream:
        def __init__(self, **kw: object) -> None:
            opened.append(kw)

        def start(self) -> None: ...
        def stop(self) -> None: ...
        def close(self) -> None: ...

    def check(samplerate: int, **kw: object) -> None:
        if samplerate != 44100:
            raise ValueError("Invalid sample rate")

    devs = [
        {"name": "Old DAC", "max_output_channels": 2, "hostapi": 0, "default_samplerate": 44100.0}
    ]
    fake = SimpleNamespace(
        query_devices=lambda: devs,
        query_hostapis=lambda: [{"name": "ALSA"}],
        default=SimpleNamespace(device=(-1, 0)),
        OutputStream=Stream,
        check_output_settings=check,
    )
    monkeypatch.setattr(devices_mod, "sounddevice_module", lambda: fake)
    with Transport(take, RATE, kemar, cache=memory_cache) as player:
        player.seek(0.1)
        player.play()
        assert player.rate == 44100 and opened[0]["samplerate"] == 44100
        assert player.position == pytest.approx(0.1) and player.device.name == "Old DAC"
        assert player.duration == pytest.approx(0.25, abs=1e-3)
        assert ild_db(pull(player, 6)[:, BLOCK:]) == pytest.approx(0, abs=1.5)
        player.set_device("old")
        assert len(opened) == 2
