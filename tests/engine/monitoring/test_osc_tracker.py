"""OSC head tracking: SceneRotator's messages over real UDP, its sign conventions, per-axis
invert, reset to front, smoothing, status, a port in use, and the transport reading it."""

from __future__ import annotations

import math
import socket

import numpy as np
import pytest
from pythonosc.udp_client import SimpleUDPClient

from ambisketch.engine.binaural import Transport, head_rotation_matrix
from ambisketch.engine.monitoring import HeadTracker, OscError, OscHeadTracker, design, get_layout
from ambisketch.engine.monitoring.head_pose import scene_matrix_iem
from ambisketch.engine.spatial.ambisonics import foa_rotation_matrix, sh_gains
from ambisketch.engine.spatial.doa import intensity_doa


def _send(tracker: OscHeadTracker, address: str, *values: float) -> None:
    tracker.updated.clear()
    SimpleUDPClient("127.0.0.1", tracker.address[1]).send_message(address, list(values))
    assert tracker.updated.wait(5.0), f"{address} never arrived"


@pytest.fixture
def tracker():
    t = OscHeadTracker(port=0, host="127.0.0.1", smoothing_ms=0)
    t.start()
    yield t
    t.stop()


def test_scene_rotator_messages_over_udp(tracker: OscHeadTracker) -> None:
    _send(tracker, "/SceneRotator/ypr", 30.0, 0.0, 0.0)
    assert tracker.head_rotation() == pytest.approx((-30.0, 0.0, 0.0), abs=1e-6)
    _send(tracker, "/SceneRotator/ypr", 0.0, 20.0, 0.0)
    assert tracker.head_rotation() == pytest.approx((0.0, 20.0, 0.0), abs=1e-6)
    _send(tracker, "/scenerotator/roll", 10.0)  # case-insensitive, one axis at a time
    assert np.allclose(
        head_rotation_matrix(*tracker.head_rotation())[1:, 1:],
        _acn(scene_matrix_iem(0.0, 20.0, 10.0)),
        atol=1e-6,
    )
    half = math.radians(45.0) / 2  # the quaternion of a 45 degree scene yaw
    _send(tracker, "/SceneRotator/quaternions", math.cos(half), 0.0, 0.0, math.sin(half))
    assert tracker.head_rotation() == pytest.approx((-45.0, 0.0, 0.0), abs=1e-6)
    _send(tracker, "/ypr", -60.0, 0.0, 0.0)  # SPARTA's bare address
    assert tracker.head_rotation()[0] == pytest.approx(60.0, abs=1e-6)
    status = tracker.status()
    assert status.receiving and status.messages == 5 and status.last_address == "/ypr"


def _acn(m3: np.ndarray) -> np.ndarray:
    """A 3x3 direction rotation as it acts on AmbiX's Y, Z, X channels."""
    p = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]], dtype=float)
    return p.T @ m3 @ p


@pytest.mark.parametrize(
    "ypr", [(30, 0, 0), (0, 25, 0), (0, 0, 15), (40, -20, 10), (-120, 60, -30)]
)
def test_the_rendered_scene_is_rotated_exactly_as_scene_rotator_rotates_it(ypr) -> None:
    t = HeadTracker(smoothing_ms=0)
    t.set_scene_ypr(*ypr)
    applied = head_rotation_matrix(*t.head_rotation())
    assert np.allclose(applied[1:, 1:], _acn(scene_matrix_iem(*ypr)), atol=1e-6)
    assert applied[0, 0] == pytest.approx(1.0)


def test_scene_rotator_yaw_moves_a_front_source_left_and_pitch_moves_it_down() -> None:
    """The facts the README states, measured on audio: +yaw scene left, +pitch front down."""
    rate = 16000
    mono = np.random.default_rng(0).standard_normal(rate).astype(np.float32)
    front = sh_gains(0.0, 0.0)[:, None] * mono[None, :]
    for ypr, az_sign, el_sign in (((30, 0, 0), +1, 0), ((0, 30, 0), 0, -1)):
        t = HeadTracker(smoothing_ms=0)
        t.set_scene_ypr(*ypr)
        heard = head_rotation_matrix(*t.head_rotation()) @ front
        track = intensity_doa(heard.astype(np.float32), rate)
        az, el = float(np.median(track.azimuth)), float(np.median(track.elevation))
        assert np.sign(round(az)) == az_sign and np.sign(round(el)) == el_sign, (ypr, az, el)
    # the engine's own scene rotation agrees on yaw and roll and is the opposite on pitch
    assert np.allclose(foa_rotation_matrix(30, 0, 0)[1:, 1:], _acn(scene_matrix_iem(30, 0, 0)))
    assert np.allclose(foa_rotation_matrix(0, 0, 20)[1:, 1:], _acn(scene_matrix_iem(0, 0, 20)))
    assert np.allclose(foa_rotation_matrix(0, 20, 0)[1:, 1:], _acn(scene_matrix_iem(0, -20, 0)))


def test_per_axis_invert_and_reset_to_front() -> None:
    def heard(ypr, invert=(False, False, False)):
        t = HeadTracker(invert=invert, smoothing_ms=0)
        t.set_scene_ypr(*ypr)
        return t.head_rotation()

    assert heard((30, 10, 5), (True, False, False)) == pytest.approx(heard((-30, 10, 5)))
    assert heard((30, 10, 5), (False, True, False)) == pytest.approx(heard((30, -10, 5)))
    assert heard((30, 10, 5), (False, False, True)) == pytest.approx(heard((30, 10, -5)))
    t = HeadTracker(invert=(True, False, False), smoothing_ms=0)
    t.set_scene_ypr(30.0, 10.0, 0.0)
    t.set_invert(False, True, False)
    assert t.head_rotation() == pytest.approx(heard((30, -10, 0)))
    t.recentre()
    assert t.head_rotation() == pytest.approx((0.0, 0.0, 0.0), abs=1e-6)
    t.set_scene_ypr(50.0, 10.0, 0.0)  # 20 degrees more scene yaw than at the reset
    assert t.head_rotation() == pytest.approx((-20.0, 0.0, 0.0), abs=1e-6)


def test_smoothing_glides_and_ignores_junk() -> None:
    t = HeadTracker(smoothing_ms=20.0)
    t.head_rotation(now=0.0)
    t.set_scene_ypr(-40.0, 0.0, 0.0)
    first = t.head_rotation(now=0.0107)[0]  # one 512-sample block at 48 kHz later
    assert 0.0 < first < 40.0
    assert t.head_rotation(now=0.5)[0] == pytest.approx(40.0, abs=0.01)
    assert not t.handle("/SceneRotator/ypr", (1.0, "x", 2.0))
    assert not t.handle("/other/thing", (1.0,))
    assert not t.handle("/SceneRotator/ypr", (float("nan"), 0.0, 0.0))
    assert t.status().ignored == 3 and t.status().messages == 0
    assert not t.status().receiving


def test_a_port_in_use_is_one_clear_error() -> None:
    blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    blocker.bind(("127.0.0.1", 0))
    try:
        port = blocker.getsockname()[1]
        with pytest.raises(OscError, match=f"OSC port {port} is in use"):
            OscHeadTracker(port=port, host="127.0.0.1").start()
    finally:
        blocker.close()
    with pytest.raises(OscError, match="prefix"):
        OscHeadTracker(port=0, prefix="SceneRotator")
    with pytest.raises(OscError, match="not a port number"):
        OscHeadTracker(port=70000)


def test_the_transport_reads_the_tracker_every_block(tracker: OscHeadTracker) -> None:
    rate, frames = 48000, 512
    foa = np.zeros((4, rate), np.float32)
    player = Transport(
        foa,
        rate,
        device_output=False,
        speakers=design(get_layout("quad")),
        rotation_source=tracker.head_rotation,
    )
    player.play()
    out = np.zeros((frames, 4), np.float32)
    player.callback(out, frames)
    _send(tracker, "/SceneRotator/ypr", 90.0, 0.0, 0.0)
    player.callback(out, frames)  # the very next block
    assert player.rotation == pytest.approx((-90.0, 0.0, 0.0), abs=1e-6)
    assert player.channels == 4 and not player.errors
