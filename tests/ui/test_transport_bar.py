"""The transport bar with the real HRTF: no device (the message, no crash), a stand-in
device driven through the engine transport's callback, live head rotation, HRTF choice."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ambisketch.engine.binaural import PLAYING, DecoderCache, load_hrtf, write_sofa
from ambisketch.engine.binaural import devices as devices_mod
from ambisketch.engine.errors import AudioDeviceError
from ambisketch.engine.spatial.ambisonics import encode_static
from ambisketch.ui.preview import NO_DEVICE_TEXT, TransportBar
from ambisketch.ui.preview.controls import (
    dial_to_yaw,
    format_clock,
    pitch_text,
    yaw_text,
    yaw_to_dial,
)

RATE = 16000


@pytest.fixture(scope="module")
def cache() -> DecoderCache:
    return DecoderCache(folder=False)  # the decoder is designed once for the whole file


@pytest.fixture
def foa() -> np.ndarray:
    x = (np.random.default_rng(0).standard_normal(RATE) * 0.1).astype(np.float32)
    return encode_static(x, 0.0)  # 1 s in front


def _fake_sounddevice(streams: list[Any], devices: list[dict] | None = None) -> SimpleNamespace:
    """PortAudio with one output device whose stream is driven by the test."""

    class Stream:
        def __init__(self, **kw: Any) -> None:
            self.kw, self.started, self.closed = kw, False, False
            streams.append(self)

        def start(self) -> None:
            self.started = True

        def stop(self) -> None:
            self.started = False

        def close(self) -> None:
            self.closed = True

    devs = (
        devices
        if devices is not None
        else [
            {
                "name": "Headphones",
                "max_output_channels": 2,
                "hostapi": 0,
                "default_samplerate": 48000.0,
            }
        ]
    )
    return SimpleNamespace(
        query_devices=lambda: devs,
        query_hostapis=lambda: [{"name": "ALSA"}],
        default=SimpleNamespace(device=(-1, 0)),
        OutputStream=Stream,
        check_output_settings=lambda **kw: None,
    )


@pytest.fixture
def no_device(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(devices_mod, "sounddevice_module", lambda: _fake_sounddevice([], []))


def _bar(qtbot, cache: DecoderCache) -> TransportBar:  # type: ignore[no-untyped-def]
    bar = TransportBar(cache=cache)
    qtbot.addWidget(bar)
    bar.resize(1000, 90)
    bar.show()
    qtbot.waitExposed(bar)
    bar.windowHandle().requestActivate()  # Space is a window shortcut: the window must be active
    qtbot.waitUntil(bar.isActiveWindow)
    return bar


def test_no_device_shows_the_message_and_keeps_working(
    qtbot,
    no_device: None,
    foa: np.ndarray,  # type: ignore[no-untyped-def]
    cache: DecoderCache,
) -> None:
    bar = _bar(qtbot, cache)
    assert bar.message.isVisibleTo(bar) and bar.message.text() == NO_DEVICE_TEXT
    assert not bar.play_button.isEnabled() and not bar.device_combo.isEnabled()
    bar.set_audio(foa, RATE)
    assert bar.transport is not None and not bar.play_button.isEnabled()
    bar.play_pause()  # Space with no device: nothing happens, nothing raises
    qtbot.keyClick(bar, Qt.Key.Key_Space)
    assert bar.transport.state != PLAYING
    with qtbot.waitSignal(bar.position_changed) as sig:
        bar.seek(0.5)  # seeking still moves the playhead
    assert sig.args[0] == pytest.approx(0.5) and bar.slider.value() == 500
    assert bar.time_label.text() == "0:00.5 / 0:01.0"


def test_missing_portaudio_is_a_message_not_a_crash(
    qtbot,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
    cache: DecoderCache,
) -> None:
    def missing() -> None:
        raise AudioDeviceError("audio playback is unavailable: the PortAudio library is missing")

    monkeypatch.setattr(devices_mod, "sounddevice_module", missing)
    bar = _bar(qtbot, cache)
    assert bar.message.text() == NO_DEVICE_TEXT and "PortAudio" in bar.message.toolTip()
    assert not bar.can_play


def test_dials_rotate_the_scene_live(
    qtbot,
    no_device: None,
    foa: np.ndarray,  # type: ignore[no-untyped-def]
    cache: DecoderCache,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bar = _bar(qtbot, cache)
    bar.set_audio(foa, RATE)
    calls: list[tuple[float, float]] = []
    real = bar.transport.set_rotation
    monkeypatch.setattr(
        bar.transport,
        "set_rotation",
        lambda yaw=0.0, pitch=0.0, roll=0.0: (calls.append((yaw, pitch)), real(yaw, pitch, roll)),
    )
    with qtbot.waitSignal(bar.rotation_changed) as sig:
        bar.yaw_dial.setValue(-30)  # the pointer turned anticlockwise: the head turns left
    assert calls == [(30.0, 0.0)] and sig.args == [30.0, 0.0]
    assert bar.transport.rotation[:2] == (30.0, 0.0) and bar.yaw_label.text() == "Yaw 30° L"
    bar.pitch_dial.setValue(20)
    assert calls[-1] == (30.0, 20.0) and bar.pitch_label.text() == "Pitch 20° up"
    qtbot.mouseDClick(bar.yaw_dial, Qt.MouseButton.LeftButton)
    assert bar.yaw_dial.value() == 0 and calls[-1] == (0.0, 20.0)
    bar.set_rotation(-90.0, -10.0)  # from the sphere view
    assert bar.yaw_dial.value() == 90 and bar.pitch_dial.value() == -10
    assert bar.transport.rotation[:2] == (-90.0, -10.0) and bar.rotation() == (-90.0, -10.0)
    bar.set_audio(foa, RATE)  # a new take keeps the head where it is
    assert bar.transport.rotation[:2] == (-90.0, -10.0)


def test_plays_on_a_device_and_reports_the_position(
    qtbot,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
    foa: np.ndarray,
    cache: DecoderCache,
) -> None:
    streams: list[Any] = []
    monkeypatch.setattr(devices_mod, "sounddevice_module", lambda: _fake_sounddevice(streams))
    bar = _bar(qtbot, cache)
    assert bar.message.isHidden() and bar.device_combo.currentText() == "Headphones"
    bar.set_audio(foa, RATE)
    assert bar.play_button.isEnabled()
    bar.loop_button.setChecked(True)
    qtbot.keyClick(bar, Qt.Key.Key_Space)
    t = bar.transport
    assert t.state == PLAYING and streams[0].started and t.loop
    assert t.rate == 48000  # a 16 kHz take is auditioned with its highs, as it is exported
    out = np.zeros((12000, 2), dtype=np.float32)
    t.callback(out, 12000, None, None)  # the device pulls a quarter of a second
    assert np.abs(out).max() > 0
    with qtbot.waitSignal(bar.position_changed, timeout=2000) as sig:
        pass
    assert sig.args[0] == pytest.approx(0.25, abs=0.01)
    bar.play_pause()
    assert t.state != PLAYING
    bar.stop()
    assert t.position == 0.0
    bar.clear()
    assert streams[0].closed and bar.transport is None and not bar.play_button.isEnabled()


def test_stream_closed_when_the_widget_goes(
    qtbot,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
    foa: np.ndarray,
    cache: DecoderCache,
) -> None:
    streams: list[Any] = []
    monkeypatch.setattr(devices_mod, "sounddevice_module", lambda: _fake_sounddevice(streams))
    bar = TransportBar(cache=cache)
    bar.set_audio(foa, RATE)
    bar.play_pause()
    assert streams and not streams[0].closed
    bar.deleteLater()
    qtbot.waitUntil(lambda: streams[0].closed, timeout=2000)


def test_hrtf_choice_bad_file_keeps_the_previous(
    qtbot,
    no_device: None,
    foa: np.ndarray,  # type: ignore[no-untyped-def]
    cache: DecoderCache,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bar = _bar(qtbot, cache)
    bar.set_audio(foa, RATE)
    default = bar.transport.hrirs
    bad = tmp_path / "broken.sofa"
    bad.write_bytes(b"not a SOFA file")
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: warned.append(text))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    load_index = bar.hrtf_combo.count() - 1
    bar.hrtf_combo.setCurrentIndex(load_index)
    bar.hrtf_combo.activated.emit(load_index)
    assert len(warned) == 1 and "broken.sofa" in warned[0] and "\n" not in warned[0]
    assert bar.hrtf_combo.currentIndex() == 0 and bar.transport.hrirs is default

    good = write_sofa(tmp_path / "mine.sofa", load_hrtf())
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(good), ""))
    load_index = bar.hrtf_combo.count() - 1
    bar.hrtf_combo.setCurrentIndex(load_index)
    bar.hrtf_combo.activated.emit(load_index)
    assert bar.hrtf_combo.currentText() == "mine.sofa" and bar.transport.hrirs is not default
    assert bar.hrtf().source == good
    bar.hrtf_combo.setCurrentIndex(0)
    bar.hrtf_combo.activated.emit(0)
    assert bar.hrtf().source != good


def test_controls_text() -> None:
    assert format_clock(75.25) == "1:15.2" and format_clock(-1) == "0:00.0"
    assert format_clock(float("nan")) == "0:00.0" and format_clock(3600) == "60:00.0"
    assert yaw_text(30) == "30° L" and yaw_text(-45) == "45° R" and yaw_text(180) == "180°"
    assert pitch_text(20) == "20° up" and pitch_text(-10) == "10° down" and pitch_text(0) == "0°"
    for yaw in (-179.0, -90.0, 0.0, 45.0, 180.0):
        assert dial_to_yaw(yaw_to_dial(yaw)) == pytest.approx(yaw if yaw != 180.0 else 180.0)


def test_the_highs_are_auditioned_as_they_are_exported(
    qtbot, foa: np.ndarray, cache: DecoderCache
) -> None:  # type: ignore[no-untyped-def]
    from ambisketch.ui.settings_port import MemorySettings

    settings = MemorySettings()
    bar = TransportBar(cache=cache, settings=settings)
    qtbot.addWidget(bar)
    bar.set_audio(foa, RATE)
    assert bar.transport is not None and bar.transport.rate == 48000
    settings.set("export/highs", False)  # unticked in the export dialog: none in the preview
    bar.set_audio(foa, RATE)
    assert bar.transport.rate == RATE
    bar.set_audio(np.zeros((4, 4410), np.float32), 44100)  # a file with its own highs
    assert bar.transport.rate == 44100


def test_the_highs_are_made_off_the_gui_thread_and_the_newest_take_wins(
    qtbot, monkeypatch: pytest.MonkeyPatch, foa: np.ndarray, cache: DecoderCache
) -> None:  # type: ignore[no-untyped-def]
    from ambisketch.app.workers import TaskRunner

    streams: list[Any] = []
    monkeypatch.setattr(devices_mod, "sounddevice_module", lambda: _fake_sounddevice(streams))
    runner = TaskRunner()
    bar = TransportBar(cache=cache, runner=runner)
    qtbot.addWidget(bar)
    take = np.tile(foa, (1, 12))  # 12 s at 16 kHz
    bar.set_audio(take, RATE, 2.5)
    # the GUI thread went on: nothing is loaded until the worker's result is delivered
    assert bar.preparing and bar.transport is None and bar.time_label.text() == "preparing…"
    assert bar.position == 2.5 and bar.play_button.isEnabled() and not bar.slider.isEnabled()
    bar.play_pause()  # Space while it is prepared: it plays as soon as it is ready
    qtbot.waitUntil(lambda: bar.transport is not None, timeout=60000)
    assert not bar.preparing and bar.transport.rate == 48000
    assert bar.transport.duration == pytest.approx(12.0, abs=1e-3)
    assert bar.transport.position == pytest.approx(2.5, abs=1e-3)
    assert bar.transport.state == PLAYING and bar.slider.isEnabled()

    # a take selected while another is still prepared wins; the older result is dropped
    bar.set_audio(take, RATE)
    assert bar.preparing and bar.transport is None
    plain = np.zeros((4, 44100), np.float32)  # a file with its own highs: loaded at once
    bar.set_audio(plain, 44100)
    assert not bar.preparing and bar.transport is not None and bar.transport.rate == 44100
    for task in runner.running():
        assert task.wait(60)
    qtbot.wait(100)  # the dropped result's signals are delivered, and ignored
    assert bar.transport.rate == 44100 and bar.transport.duration == pytest.approx(1.0)
    bar.set_audio(take, RATE)
    bar.clear()  # no take: what was prepared for one is not loaded afterwards
    for task in runner.running():
        assert task.wait(60)
    qtbot.wait(100)
    assert bar.transport is None and not bar.preparing
