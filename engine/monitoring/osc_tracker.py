"""Head tracking over OSC: the messages IEM's SceneRotator (and SPARTA's rotator) accept.

Addresses (case-insensitive, as SceneRotator matches them), with the prefix settable
(default ``/SceneRotator``):

* ``PREFIX/ypr`` yaw pitch roll (degrees), ``PREFIX/quaternions`` w x y z,
  ``PREFIX/yaw``, ``PREFIX/pitch``, ``PREFIX/roll`` (one angle each);
* the bare ``/ypr``, ``/yaw``, ``/pitch``, ``/roll`` and ``/quaternions`` too.

The values mean what they mean to SceneRotator (a rotation of the scene; see
:mod:`.head_pose` for the signs). :class:`HeadTracker` is the thread-safe holder: the OSC
thread writes the latest pose, the audio callback reads it once per block
(:meth:`HeadTracker.head_rotation`), lightly smoothed (a one-pole glide of the orientation,
time constant ``smoothing_ms``; 0 = none), and :meth:`HeadTracker.recentre` makes the current
pose the new front. :class:`OscHeadTracker` adds the UDP server (python-osc) on its own thread.
"""

from __future__ import annotations

import errno
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import EngineError
from .head_pose import head_angles, iem_ypr, matrix_quaternion, quaternion_matrix, scene_matrix_iem

DEFAULT_PORT = 7000
DEFAULT_PREFIX = "/SceneRotator"
DEFAULT_SMOOTHING_MS = 15.0
RECEIVING_S = 1.0  # "messages arriving" while the last one is younger than this


class OscError(EngineError):
    """The OSC port cannot be opened (in use, not allowed) or a setting is invalid."""


@dataclass(frozen=True)
class TrackerStatus:
    receiving: bool
    messages: int
    ignored: int  # messages at other addresses or with the wrong arguments
    last_address: str
    age_s: float | None  # seconds since the last message (None: none yet)


class HeadTracker:
    """The latest head pose, written by the OSC thread and read per audio block.

    Args:
        invert: per axis (yaw, pitch, roll), negate the received angle (SceneRotator's
            "invert" switches); applied to quaternions through their yaw/pitch/roll.
        smoothing_ms: time constant of the glide towards a new pose (0 = none).
    """

    def __init__(
        self,
        invert: tuple[bool, bool, bool] = (False, False, False),
        smoothing_ms: float = DEFAULT_SMOOTHING_MS,
    ) -> None:
        if not (math.isfinite(smoothing_ms) and 0.0 <= smoothing_ms <= 2000.0):
            raise OscError(f"smoothing {smoothing_ms:g} ms is outside 0…2000 ms")
        self._lock = threading.Lock()
        self._invert = tuple(bool(v) for v in invert)
        self._smoothing = float(smoothing_ms) / 1000.0
        self._ypr = [0.0, 0.0, 0.0]  # the received SceneRotator angles (before invert)
        self._reference = np.eye(3)  # the scene pose "reset to front" took
        self._target = np.array([1.0, 0.0, 0.0, 0.0])  # quaternion of the relative scene pose
        self._current = self._target.copy()
        self._last_read: float | None = None
        self._messages = 0
        self._ignored = 0
        self._last_time: float | None = None
        self._last_address = ""
        self.updated = threading.Event()  # set on every applied message (tests, benchmarks)

    # --- settings -------------------------------------------------------------------------
    @property
    def invert(self) -> tuple[bool, bool, bool]:
        return self._invert  # type: ignore[return-value]

    def set_invert(self, yaw: bool, pitch: bool, roll: bool) -> None:
        with self._lock:
            self._invert = (bool(yaw), bool(pitch), bool(roll))
            self._update_target()

    def set_smoothing(self, ms: float) -> None:
        if not (math.isfinite(ms) and 0.0 <= ms <= 2000.0):
            raise OscError(f"smoothing {ms:g} ms is outside 0…2000 ms")
        with self._lock:
            self._smoothing = ms / 1000.0

    def recentre(self) -> None:
        """Reset to front: the pose now received becomes straight ahead."""
        with self._lock:
            self._reference = self._absolute()
            self._update_target()
            self._current = self._target.copy()

    # --- writing (the OSC thread) ---------------------------------------------------------
    def set_scene_ypr(self, yaw: float, pitch: float, roll: float) -> None:
        with self._lock:
            self._ypr = [float(yaw), float(pitch), float(roll)]
            self._update_target()

    def set_scene_axis(self, axis: int, degrees: float) -> None:
        with self._lock:
            self._ypr[axis] = float(degrees)
            self._update_target()

    def set_scene_quaternion(self, w: float, x: float, y: float, z: float) -> None:
        with self._lock:
            self._ypr = list(iem_ypr(quaternion_matrix(w, x, y, z)))
            self._update_target()

    def handle(self, address: str, args: tuple[Any, ...], prefix: str = DEFAULT_PREFIX) -> bool:
        """Apply one OSC message; False (and counted as ignored) when it is not a pose."""
        addr = address.lower()
        pre = prefix.lower().rstrip("/")
        name = addr[len(pre) :] if pre and addr.startswith(pre + "/") else addr
        values: list[float] = []
        for a in args:
            if isinstance(a, bool) or not isinstance(a, (int, float)) or not math.isfinite(a):
                values = []
                break
            values.append(float(a))
        ok = True
        if name == "/ypr" and len(values) == 3:
            self.set_scene_ypr(*values)
        elif name in ("/quaternions", "/quaternion") and len(values) == 4:
            self.set_scene_quaternion(*values)
        elif name in ("/yaw", "/pitch", "/roll") and len(values) == 1:
            self.set_scene_axis(("/yaw", "/pitch", "/roll").index(name), values[0])
        else:
            ok = False
        with self._lock:
            if ok:
                self._messages += 1
                self._last_time = time.monotonic()
                self._last_address = address
            else:
                self._ignored += 1
        if ok:
            self.updated.set()
        return ok

    # --- reading (the audio thread, the GUI) ----------------------------------------------
    def head_rotation(self, now: float | None = None) -> tuple[float, float, float]:
        """The engine's head (yaw, pitch, roll) in degrees, glided towards the latest pose."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if self._smoothing <= 0.0 or self._last_read is None:
                self._current = self._target.copy()
            else:
                dt = min(max(now - self._last_read, 0.0), 1.0)
                alpha = 1.0 - math.exp(-dt / self._smoothing)
                target = self._target if np.dot(self._target, self._current) >= 0 else -self._target
                q = self._current + alpha * (target - self._current)  # nlerp: small steps
                self._current = q / np.linalg.norm(q)
            self._last_read = now
            scene = quaternion_matrix(*self._current)
        return head_angles(scene)

    def scene_ypr(self) -> tuple[float, float, float]:
        """The latest received SceneRotator (yaw, pitch, roll), before invert and re-centring."""
        with self._lock:
            return tuple(self._ypr)  # type: ignore[return-value]

    def status(self, now: float | None = None) -> TrackerStatus:
        now = time.monotonic() if now is None else now
        with self._lock:
            age = None if self._last_time is None else now - self._last_time
            return TrackerStatus(
                age is not None and age < RECEIVING_S,
                self._messages,
                self._ignored,
                self._last_address,
                age,
            )

    # --- internals (under the lock) -------------------------------------------------------
    def _absolute(self) -> NDArray[np.float64]:
        y, p, r = (-v if inv else v for v, inv in zip(self._ypr, self._invert))
        return scene_matrix_iem(y, p, r)

    def _update_target(self) -> None:
        self._target = matrix_quaternion(self._absolute() @ self._reference.T)


class OscHeadTracker(HeadTracker):
    """A :class:`HeadTracker` fed by an OSC UDP server on ``host:port`` (its own thread).

    :meth:`start` raises :class:`OscError` naming the port when it cannot be opened (in use
    by another program, a privileged port, a bad address).
    """

    def __init__(
        self,
        port: int = DEFAULT_PORT,
        prefix: str = DEFAULT_PREFIX,
        host: str = "0.0.0.0",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise OscError(f"OSC port {port!r} is not a port number (1…65535)")
        prefix = prefix.strip()
        if prefix and (not prefix.startswith("/") or " " in prefix):
            raise OscError(
                f"OSC address prefix {prefix!r} must start with '/' and hold no "
                "spaces (e.g. /SceneRotator)"
            )
        self.port = port
        self.prefix = prefix.rstrip("/")
        self.host = host
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def address(self) -> tuple[str, int]:
        """Where it listens (the real port when 0 asked the system for a free one)."""
        if self._server is None:
            return self.host, self.port
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        if self._server is not None:
            return
        from pythonosc.dispatcher import Dispatcher
        from pythonosc.osc_server import BlockingOSCUDPServer

        dispatcher = Dispatcher()
        dispatcher.set_default_handler(self._on_message)
        try:
            server = BlockingOSCUDPServer((self.host, self.port), dispatcher)
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1)):
                raise OscError(
                    f"OSC port {self.port} is in use by another program; choose another port"
                ) from None
            raise OscError(
                f"cannot listen for OSC on {self.host}:{self.port} ({exc.strerror or exc})"
            ) from None
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name=f"osc-head-tracker-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        self._thread = None

    def __enter__(self) -> OscHeadTracker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _on_message(self, address: str, *args: Any) -> None:
        self.handle(address, args, self.prefix)
