"""Spatial words of the SonicMotion paper's Table 1, and spatial captions of paths.

Azimuth is named in 45° bins centred on front (within ±22.5°), front-left (22.5–67.5°),
left, back-left, back (beyond ±157.5°), back-right, right and front-right; elevation adds
"up" from +30° and "down" from −30° (the extremes of the paper's range); speed is slow,
moderate or fast (see :mod:`.parametric`).
"""

from __future__ import annotations

from .angles import wrap_azimuth
from .parametric import ParametricMotion, azimuth_turn, parametric_from_trajectory
from .trajectory import Trajectory

AZIMUTH_WORDS = (
    "front",
    "front-left",
    "left",
    "back-left",
    "back",
    "back-right",
    "right",
    "front-right",
)
ELEVATION_UP = 30.0
ELEVATION_DOWN = -30.0
SPEED_ADVERBS = {"slow": "slowly", "moderate": "at a moderate speed", "fast": "quickly"}


def azimuth_word(azimuth: float) -> str:
    """Table 1 word for an azimuth in degrees (+90 = left)."""
    a = float(wrap_azimuth(azimuth))
    # Bin k covers [45k - 22.5, 45k + 22.5) counter-clockwise from the front.
    return AZIMUTH_WORDS[int(((a + 22.5) % 360.0) // 45.0) % 8]


def elevation_word(elevation: float) -> str:
    """ "up", "down" or "" (level) for an elevation in degrees."""
    if elevation >= ELEVATION_UP:
        return "up"
    if elevation <= ELEVATION_DOWN:
        return "down"
    return ""


def position_phrase(azimuth: float, elevation: float) -> str:
    """E.g. "front-left", "back and up", "overhead"."""
    if elevation >= 75.0:
        return "overhead"
    if elevation <= -75.0:
        return "below"
    word, up = azimuth_word(azimuth), elevation_word(elevation)
    return f"{word} and {up}" if up else word


def _the(phrase: str) -> str:
    return phrase if phrase in ("overhead", "below") else f"the {phrase}"


def _turn_words(clockwise: bool) -> str:
    return ", clockwise" if clockwise else ", counter-clockwise"


def describe_parametric(p: ParametricMotion) -> str:
    """Spatial caption of the papers' fields, e.g.
    "moves slowly from front-left to back-right, clockwise"."""
    start = position_phrase(p.start_azimuth, p.start_elevation)
    if p.is_static:
        return f"static at {_the(start)}"
    end = position_phrase(p.end_azimuth, p.end_elevation)
    text = f"moves {SPEED_ADVERBS[p.speed]} from {start} to {end}"
    azimuth_moved = abs(float(wrap_azimuth(p.end_azimuth - p.start_azimuth))) > 1e-6
    at_pole = max(abs(p.start_elevation), abs(p.end_elevation)) >= 89.9
    if (azimuth_moved or start == end) and not at_pole:
        text += _turn_words(p.clockwise)
    return text


MAX_VIA = 3


def _swing_speed(leg_seconds: float) -> str:
    """The speed word whose swing legs (:data:`.word_paths.SWING_SECONDS`) are nearest."""
    from math import log

    from .word_paths import SWING_SECONDS

    return min(SWING_SECONDS, key=lambda k: abs(log(SWING_SECONDS[k] / max(leg_seconds, 1e-3))))


def describe(traj: Trajectory) -> str:
    """Spatial caption of any path. Paths through more than two places name up to three
    they pass: "moves slowly from front via left, back, right to front, counter-clockwise";
    a path to and fro between two places more often than that is a swing: "moves quickly back
    and forth between the left and the right" (the speed of its legs)."""
    p = parametric_from_trajectory(traj)
    places: list[str] = []
    for k in traj.keyframes:
        if p.movement_start <= k.time <= p.movement_end:
            phrase = position_phrase(k.azimuth, k.elevation)
            if not places or places[-1] != phrase:
                places.append(phrase)
    if p.is_static or len(places) <= 2:
        return describe_parametric(p)
    if len(places) > MAX_VIA + 2 and len(set(places)) == 2:  # too many to name: a swing
        legs = (p.movement_end - p.movement_start) / (len(places) - 1)
        adverb = SPEED_ADVERBS[_swing_speed(legs)]
        return f"moves {adverb} back and forth between {_the(places[0])} and {_the(places[1])}"
    middle = places[1:-1]
    if len(middle) > MAX_VIA:  # keep evenly spaced landmarks
        middle = [middle[round(i * (len(middle) - 1) / (MAX_VIA - 1))] for i in range(MAX_VIA)]
    text = (
        f"moves {SPEED_ADVERBS[p.speed]} from {places[0]} via {', '.join(middle)} to {places[-1]}"
    )
    if abs(azimuth_turn(traj)) > 1e-6:
        text += _turn_words(p.clockwise)
    return text
