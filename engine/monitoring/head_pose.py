"""Head orientation from a tracker, in the messages' convention and in the engine's.

**IEM SceneRotator's convention** (read from its source, ``SceneRotator/Source/
PluginProcessor.cpp``: ``calcRotationMatrix``, ``updateQuaternions``): the values *rotate the
scene*, in the right-handed frame x front, y left, z up; the default sequence "Roll→Pitch→Yaw"
is the extrinsic rotation ``S = Rz(yaw)·Ry(pitch)·Rx(roll)``, and the quaternion (w, x, y, z)
is that same rotation (Hamilton, ``q = qz(yaw)·qy(pitch)·qx(roll)``). So **+yaw turns the
scene left** (a front source moves left), **+pitch turns the front of the scene down**
(right-hand rule about the left axis), **+roll lifts the scene's left side**. A tracker set up
for SceneRotator sends the inverse of the head's turn (or its user ticks SceneRotator's
"invert" switches); the per-axis invert here works the same way.

**The engine's convention** (README "Conventions"): scene rotation +yaw turns the scene left,
+pitch *lifts* the front, +roll lifts the left; head rotation (the preview's dials) +yaw = the
head turns left, +pitch = looks up, +roll = tilts right. The preview renders the head turned by
``H = S⁻¹``: a message of SceneRotator yaw +30° is the head turned 30° right, pitch +20° is the
head looking 20° up, roll +10° is the head tilted 10° left. Combined rotations go through the
rotation matrix, so the sequence is respected.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray


def _rz(a: float) -> NDArray[np.float64]:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _ry(a: float) -> NDArray[np.float64]:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def _rx(a: float) -> NDArray[np.float64]:
    c, s = math.cos(a), math.sin(a)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def scene_matrix_iem(yaw: float, pitch: float, roll: float) -> NDArray[np.float64]:
    """SceneRotator's 3×3 scene rotation for (yaw, pitch, roll) degrees, Roll→Pitch→Yaw."""
    return _rz(math.radians(yaw)) @ _ry(math.radians(pitch)) @ _rx(math.radians(roll))


def zyx_angles(m: NDArray[np.float64]) -> tuple[float, float, float]:
    """(a, b, c) degrees with ``m = Rz(a)·Ry(b)·Rx(c)`` (right-handed); b in [−90, 90]."""
    sb = -float(np.clip(m[2, 0], -1.0, 1.0))
    b = math.asin(sb)
    if abs(sb) > 1.0 - 1e-9:  # gimbal lock: yaw and roll share one axis; put it all in yaw
        a, c = math.atan2(-m[0, 1], m[1, 1]), 0.0
    else:
        a, c = math.atan2(m[1, 0], m[0, 0]), math.atan2(m[2, 1], m[2, 2])
    return math.degrees(a), math.degrees(b), math.degrees(c)


def iem_ypr(m: NDArray[np.float64]) -> tuple[float, float, float]:
    """SceneRotator's (yaw, pitch, roll) of a scene rotation matrix."""
    return zyx_angles(m)


def quaternion_matrix(w: float, x: float, y: float, z: float) -> NDArray[np.float64]:
    """3×3 rotation of a Hamilton quaternion (normalised here); identity for a zero one."""
    n = math.sqrt(w * w + x * x + y * y + z * z)
    if not n or not math.isfinite(n):
        return np.eye(3)
    w, x, y, z = w / n, x / n, y / n, z / n
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def matrix_quaternion(m: NDArray[np.float64]) -> NDArray[np.float64]:
    """(w, x, y, z) of a rotation matrix, w ≥ 0."""
    t = float(np.trace(m))
    if t > 0:
        s = math.sqrt(t + 1.0) * 2
        q = [0.25 * s, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s]
    else:
        i = int(np.argmax(np.diag(m)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = math.sqrt(1.0 + m[i, i] - m[j, j] - m[k, k]) * 2
        v = [0.0, 0.0, 0.0]
        v[i] = 0.25 * s
        v[j] = (m[j, i] + m[i, j]) / s
        v[k] = (m[k, i] + m[i, k]) / s
        q = [(m[k, j] - m[j, k]) / s, *v]
    arr = np.asarray(q, dtype=np.float64)
    return -arr if arr[0] < 0 else arr


def head_angles(scene: NDArray[np.float64]) -> tuple[float, float, float]:
    """The engine's head (yaw, pitch, roll) that renders the scene rotated by ``scene``.

    The engine's ``head_rotation_matrix(y, p, r)`` rotates the scene by ``R(y, p, r)ᵀ`` with
    ``R = Rz(y)·Ry(−p)·Rx(r)`` (:func:`~ambisketch.engine.spatial.ambisonics.rotation_matrix`),
    so ``R = sceneᵀ`` is decomposed.
    """
    a, b, c = zyx_angles(scene.T)
    return a, -b, c
