"""Spatial captions for training: the plain caption joined to Table 1 words in varied sentences.

The words (front, front-left, …; up/down; slowly/at a moderate speed/quickly; clockwise)
come from :mod:`ambisketch.engine.spatial.captions`; this module only varies the sentence
around them, so the descriptive model (SonicMotion, arXiv 2507.07318, Table 1) learns the
words and not one template: "a dog barks, moving from left to front-right quickly",
"a bell rings, static at the back-left, above".
"""

from __future__ import annotations

import numpy as np

from ambisketch.engine.spatial import describe
from ambisketch.engine.spatial.angles import wrap_azimuth
from ambisketch.engine.spatial.captions import (
    SPEED_ADVERBS,
    azimuth_word,
    elevation_word,
    position_phrase,
)
from ambisketch.engine.spatial.room import distance_word, size_word

from .augment import MotionDraw, RoomDraw

# Ways to say a speed class; the first is the engine's Table 1 adverb.
SPEED_FORMS = {
    s: (adv, *alt)
    for (s, adv), alt in zip(
        SPEED_ADVERBS.items(),
        (
            ("slowly", "at a slow pace"),
            ("at a moderate speed", "at moderate pace"),
            ("quickly", "fast"),
        ),
    )
}
UP_WORDS = {"up": ("up", "above"), "down": ("down", "below")}

STATIC_TEMPLATES = (
    "{s}, static at {place}",
    "{s}, coming from {place}",
    "{s}, not moving, at {place}",
    "{s} stays at {place}",
    "{place_cap}: {s}, static",
)
MOVING_TEMPLATES = (
    "{s}, moving from {a} to {b} {speed}{turn}",
    "{s} moves {speed} from {a} to {b}{turn}",
    "{s}, travelling {speed} from {a} to {b}{turn}",
    "{s}, passing from {a} to {b}, {speed}{turn}",
)
ELEVATION_TEMPLATES = (
    "{s}, {rising} {speed} at {place}",
    "{s} {rises} {speed} at {place}",
    "{s}, at {place}, {rising} {speed}",
)


def _the(phrase: str) -> str:
    return phrase if phrase in ("overhead", "below") else f"the {phrase}"


def place_phrase(azimuth: float, elevation: float, style: int) -> str:
    """A static position in one of three styles: "the back-left and up",
    "the back-left, above", "above, at the back-left" (level: "the back-left")."""
    phrase = position_phrase(azimuth, elevation)
    up = elevation_word(elevation)
    if phrase in ("overhead", "below") or not up or style == 0:
        return _the(phrase)
    word = azimuth_word(azimuth)
    high = UP_WORDS[up][1]
    return f"the {word}, {high}" if style == 1 else f"{high}, at the {word}"


def spatial_caption(caption: str, draw: MotionDraw, rng: np.random.Generator) -> str:
    """``caption`` with a spatial phrase for ``draw``, the template chosen by ``rng``."""
    p = draw.parametric
    s = caption.strip().rstrip(".") or "a sound"
    pick = lambda seq: seq[int(rng.integers(len(seq)))]  # noqa: E731
    if p.is_static:
        style = int(rng.integers(3))
        place = place_phrase(p.start_azimuth, p.start_elevation, style)
        if style == 2 and not place.startswith("the "):  # "above, at the back-left"
            return f"{s}, static {place}"
        place = place_phrase(p.start_azimuth, p.start_elevation, style % 2)
        return pick(STATIC_TEMPLATES).format(
            s=s, place=place, place_cap=place[:1].upper() + place[1:]
        )
    speed = pick(SPEED_FORMS[p.speed])
    if draw.kind == "path":
        text = describe(draw.trajectory)  # "moves slowly from front via left … to back, cw"
        return pick((f"{s} {text}", f"{s}, which {text}", f"{s}; it {text}"))
    a = position_phrase(p.start_azimuth, p.start_elevation)
    b = position_phrase(p.end_azimuth, p.end_elevation)
    azimuth_moved = abs(float(wrap_azimuth(p.end_azimuth - p.start_azimuth))) > 1e-6
    if not azimuth_moved and a == b:  # elevation change within one Table 1 place
        rising = p.end_elevation > p.start_elevation
        return pick(ELEVATION_TEMPLATES).format(
            s=s,
            speed=speed,
            place=_the(a),
            rising="rising" if rising else "descending",
            rises="rises" if rising else "descends",
        )
    turn = ""
    if azimuth_moved:
        turn = (
            pick((", clockwise", ", turning clockwise"))
            if p.clockwise
            else pick((", counter-clockwise", ", turning counter-clockwise"))
        )
    return pick(MOVING_TEMPLATES).format(
        s=s, a=pick((a, _the(a))), b=pick((b, _the(b))), speed=speed, turn=turn
    )


def room_phrase(room: RoomDraw, rng: np.random.Generator) -> str:
    """The environment words of a sample in one of three orders: "far away in a large hall",
    "in a large hall, far away", or only one of the two."""
    dist, size = distance_word(room.distance), size_word(room.room)
    return (f"{dist} {size}", f"{size}, {dist}", size, dist)[int(rng.integers(4))]


def captions_for(
    caption: str, draw: MotionDraw, rng: np.random.Generator, room: RoomDraw | None = None
) -> dict[str, str]:
    """All caption forms of a sample: plain, templated spatial, and the canonical
    Table 1 description of the path alone; a sample in a room gets the distance and room
    words ("far away", "in a small room", …) in its spatial caption and a
    ``room_description``."""
    out = {
        "caption": caption,
        "spatial_caption": spatial_caption(caption, draw, rng),
        "spatial_description": describe(draw.trajectory),
    }
    if room is not None:
        out["spatial_caption"] += ", " + room_phrase(room, rng)
        out["room_description"] = f"{distance_word(room.distance)} {size_word(room.room)}"
    return out
