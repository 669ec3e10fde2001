"""The transport bar's head tracking and loudspeaker monitoring, with a real OSC tracker over
UDP: the dials (yaw, pitch, roll) follow, the status light, reset to front, a port in use is
a dialog, and the preview can decode to loudspeakers instead of binaural."""

from __future__ import annotations

import socket

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox
from pythonosc.udp_client import SimpleUDPClient

from ambisketch.engine.binaural import DecoderCache
from ambisketch.engine.spatial.ambisonics import encode_static
from ambisketch.ui.preview import TransportBar

RATE = 16000


def _free_port() -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def bar(qtbot):
    b = TransportBar(cache=DecoderCache(folder=False))
    qtbot.addWidget(b)
    yield b
    b.close_audio()


def test_the_dials_follow_a_tracker_and_reset_to_front(qtbot, bar: TransportBar) -> None:
    port = _free_port()
    bar.tracking.store_settings(port, "/SceneRotator", (False, False, False), 0.0)
    x = (np.random.default_rng(0).standard_normal(RATE) * 0.1).astype(np.float32)
    bar.set_audio(encode_static(x, 0.0), RATE)
    assert bar.tracking.state == "off"
    bar.tracking.set_tracking(True)
    assert bar.tracking.tracker is not None and bar.tracking.state == "waiting"
    assert bar.transport.rotation_source is not None  # the audio reads the tracker itself
    client = SimpleUDPClient("127.0.0.1", port)
    client.send_message("/SceneRotator/ypr", [-30.0, 0.0, 0.0])  # the scene right: head left
    qtbot.waitUntil(lambda: bar.head.rotation()[0] == pytest.approx(30.0, abs=0.5), timeout=5000)
    assert bar.yaw_dial.value() == -30 and bar.tracking.state == "receiving"
    client.send_message("/SceneRotator/roll", [-10.0])
    qtbot.waitUntil(lambda: abs(bar.head.roll() - 10.0) < 1.5, timeout=5000)
    assert bar.roll_dial.value() in range(8, 13) and "R" in bar.roll_label.text()
    bar.tracking.reset.click()
    qtbot.waitUntil(lambda: max(abs(v) for v in bar.head.pose()) < 0.5, timeout=5000)
    bar.tracking.set_tracking(False)
    assert bar.tracking.tracker is None and bar.transport.rotation_source is None


def test_a_port_in_use_is_a_dialog_and_tracking_stays_off(
    qtbot, bar: TransportBar, monkeypatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    blocker.bind(("0.0.0.0", 0))
    try:
        port = blocker.getsockname()[1]
        bar.tracking.store_settings(port, "/SceneRotator", (False, False, False), 15.0)
        bar.tracking.set_tracking(True)
    finally:
        blocker.close()
    assert shown and f"OSC port {port} is in use" in shown[0]
    assert not bar.tracking.enable.isChecked() and bar.tracking.tracker is None


def test_the_preview_can_play_on_loudspeakers(qtbot, bar: TransportBar) -> None:
    x = (np.random.default_rng(1).standard_normal(RATE) * 0.1).astype(np.float32)
    bar.set_audio(encode_static(x, 90.0), RATE)
    assert bar.transport.channels == 2
    bar.monitor_combo.setCurrentIndex(bar.monitor_combo.findData("5.1"))
    assert bar.transport.channels == 6 and not bar.hrtf_combo.isEnabled()
    bar.set_audio(encode_static(x, 0.0), RATE)  # the next take keeps the monitor output
    assert bar.transport.channels == 6
    bar.monitor_combo.setCurrentIndex(0)
    assert bar.transport.channels == 2 and bar.hrtf_combo.isEnabled()
