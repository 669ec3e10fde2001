"""The transport bar's arithmetic, without Qt: clock text, head-angle words, dial mapping.

Head angles are the engine's (degrees, +yaw = the head turns left, +pitch = looks up, +roll =
tilts right, the left ear up). The
yaw dial is a top view of the head: its pointer is the nose, 12 o'clock is the front, and
turning it clockwise turns the head right — so the dial's value is minus the yaw.
"""

from __future__ import annotations

import math

YAW_RANGE = (-180, 180)
PITCH_RANGE = (-90, 90)
ROLL_RANGE = (-90, 90)


def format_clock(seconds: float) -> str:
    """``75.25`` → ``1:15.2`` (minutes, seconds, tenths); negative or NaN → ``0:00.0``."""
    s = seconds if math.isfinite(seconds) and seconds > 0 else 0.0
    tenths = int(s * 10 + 1e-6)
    minutes, rest = divmod(tenths, 600)
    return f"{minutes}:{rest // 10:02d}.{rest % 10}"


def wrap_degrees(value: float) -> float:
    """Into (-180, 180]."""
    v = math.fmod(value + 180.0, 360.0)
    v = v + 360.0 if v <= 0 else v
    return v - 180.0


def yaw_to_dial(yaw: float) -> int:
    return int(round(-wrap_degrees(yaw)))


def dial_to_yaw(value: int) -> float:
    return wrap_degrees(-float(value))


def yaw_text(yaw: float) -> str:
    """``30`` → ``30° L``, ``-45`` → ``45° R``, ``0`` → ``0°``, ``180`` → ``180°``."""
    y = wrap_degrees(yaw)
    if abs(y) < 0.5 or abs(y) > 179.5:
        return f"{abs(round(y)):.0f}°"
    return f"{abs(y):.0f}° {'L' if y > 0 else 'R'}"


def roll_text(roll: float) -> str:
    """``15`` → ``15° R`` (tilted right, left ear up), ``-10`` → ``10° L``, ``0`` → ``0°``."""
    if abs(roll) < 0.5:
        return "0°"
    return f"{abs(roll):.0f}° {'R' if roll > 0 else 'L'}"


def pitch_text(pitch: float) -> str:
    """``20`` → ``20° up``, ``-10`` → ``10° down``, ``0`` → ``0°``."""
    if abs(pitch) < 0.5:
        return "0°"
    return f"{abs(pitch):.0f}° {'up' if pitch > 0 else 'down'}"
