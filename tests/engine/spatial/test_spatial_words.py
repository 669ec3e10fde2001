"""Spatial words → a path: every caption the engine writes parses back to it, common phrasings
land where they say, near-misses hold no place."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from ambisketch.engine.spatial import Keyframe, Trajectory, describe
from ambisketch.engine.spatial.angles import great_circle_angle
from ambisketch.engine.spatial.captions import AZIMUTH_WORDS
from ambisketch.engine.spatial.parametric import parametric_from_trajectory
from ambisketch.engine.spatial.spatial_words import (
    AZIMUTHS,
    parse_place,
    parse_spatial_words,
    strip_spatial_words,
)

D = 10.0
ELEVATIONS = (0.0, 45.0, -45.0)
SPEED_LENGTH = {"slow": 8.5, "moderate": 5.0, "fast": 2.0}


def _static_paths() -> list[Trajectory]:
    out = [Trajectory.static(AZIMUTHS[w], el, D) for w in AZIMUTH_WORDS for el in ELEVATIONS]
    return out + [Trajectory.static(0.0, 85.0, D), Trajectory.static(0.0, -85.0, D)]


def _moves() -> list[Trajectory]:
    """Two-place moves between every pair of Table 1 places, both ways round, all speeds."""
    out = []
    speeds = itertools.cycle(SPEED_LENGTH.values())
    for a, b in itertools.permutations(AZIMUTH_WORDS, 2):
        for turn in ("cw", "ccw"):
            length = next(speeds)
            t0 = (D - length) / 2
            out.append(
                Trajectory(
                    D,
                    (
                        Keyframe(0, AZIMUTHS[a]),
                        Keyframe(t0, AZIMUTHS[a]),
                        Keyframe(t0 + length, AZIMUTHS[b], 0.0, direction=turn),
                        Keyframe(D, AZIMUTHS[b]),
                    ),
                )
            )
    return out


def _multi() -> list[Trajectory]:
    """Orbits from every place both ways, and moves with elevation."""
    out = []
    for start in AZIMUTH_WORDS:
        for turn, step in (("ccw", 90.0), ("cw", -90.0)):
            az = AZIMUTHS[start]
            kfs = [Keyframe(0.0, az)] + [
                Keyframe(2.5 * k, float((az + k * step + 180) % 360 - 180), 0.0, direction=turn)
                for k in range(1, 5)
            ]
            out.append(Trajectory(D, tuple(kfs)))
    for a, b in (("front-left", "back-right"), ("left", "right"), ("back", "front")):
        out.append(
            Trajectory(
                D, (Keyframe(0, AZIMUTHS[a], 45.0), Keyframe(D, AZIMUTHS[b], -45.0, direction="cw"))
            )
        )
    return out


CANONICAL = [describe(t) for t in _static_paths() + _moves() + _multi()]


@pytest.mark.parametrize("caption", CANONICAL)
def test_every_engine_caption_parses_back_to_its_path(caption: str) -> None:
    parsed = parse_spatial_words(f"a dog barks, {caption}", D)
    assert parsed is not None, caption
    assert describe(parsed) == caption


PHRASES = [  # (prompt, azimuth, elevation) of a static place
    ("a dog barking on the left", 90, 0),
    ("a dog barking on your left", 90, 0),
    ("a voice to your right", -90, 0),
    ("a cat meows to the right", -90, 0),
    ("footsteps behind you", 180, 0),
    ("a door creaks behind", 180, 0),
    ("a helicopter overhead", None, 85),
    ("a drone directly overhead", None, 90),
    ("a bell in front of you", 0, 0),
    ("a voice straight ahead", 0, 0),
    ("water dripping below you", None, -85),
    ("a bird to the front-left", 45, 0),
    ("a car on the back right", -135, 0),
    ("crickets at the rear-left", 135, 0),
    ("a phone rings on the left-hand side", 90, 0),
    ("a guitar panned hard left", 90, 0),
    ("a whisper in your left ear", 90, 0),
    ("a siren, static at the back-right and up", -135, 45),
    ("a bell rings, coming from the front-left, above", 45, 45),
    ("a bell, static above, at the back-left", 135, 45),
    ("The front-right: a dog barks, static", -45, 0),
    ("Overhead: a plane, static", None, 85),
    ("a fan humming at the front and down", 0, -45),
    ("a clock ticking to the left and up", 90, 45),
    ("A DOG BARKING ON THE RIGHT", -90, 0),
    ("rain, far away in a large hall, on the left", 90, 0),
    ("a dog stays at the back", 180, 0),
    ("a dog, not moving, at the front-right", -45, 0),
]


@pytest.mark.parametrize("prompt,azimuth,elevation", PHRASES)
def test_common_phrasings_place_the_sound(prompt: str, azimuth, elevation) -> None:
    parsed = parse_spatial_words(prompt, D)
    assert parsed is not None and parsed.is_static, prompt
    k = parsed.keyframes[0]
    if azimuth is not None:
        assert great_circle_angle(k.azimuth, k.elevation, azimuth, elevation) < 1e-6, prompt
    assert k.elevation == pytest.approx(elevation)


MOVES = [  # prompt → (start azimuth, end azimuth, net turn sign, speed or None)
    ("a car passing from left to right", 90, -90, -1, None),
    ("a car driving left to right quickly", 90, -90, -1, "fast"),
    ("a car from right to left", -90, 90, 1, None),
    ("footsteps passing from the front to the back, slowly", 0, 180, 1, "slow"),
    ("a bee flying from the back-left to the front-right, counter-clockwise", 135, -45, 1, None),
    ("a bee flying from the back-left to the front-right, clockwise", 135, -45, -1, None),
    ("a plane moves from front to back at a moderate speed, anticlockwise", 0, 180, 1, "moderate"),
    (
        "wind moving from front-left to back-right at a moderate speed, clockwise",
        45,
        -135,
        -1,
        "moderate",
    ),
    ("a bee circling around you", 0, 0, 1, None),
    ("a fly circling around your head clockwise, fast", 0, 0, -1, "fast"),
    ("a drone orbiting the listener starting on the left", 90, 90, 1, None),
    ("a car passes by", 90, -90, -1, None),
    ("a motorbike whizzing past", 90, -90, -1, "fast"),
    ("a train passing by on the right", -45, -135, -1, None),
    ("a car passes by on your left quickly", 45, 135, 1, "fast"),
]


@pytest.mark.parametrize("prompt,start,end,turn,speed", MOVES)
def test_movements(prompt: str, start: float, end: float, turn: int, speed: str | None) -> None:
    parsed = parse_spatial_words(prompt, D)
    assert parsed is not None and not parsed.is_static, prompt
    p = parametric_from_trajectory(parsed)
    assert p.start_azimuth == pytest.approx(start) and p.end_azimuth == pytest.approx(end)
    assert (-1 if p.clockwise else 1) == turn, prompt
    length = p.movement_end - p.movement_start
    assert length == pytest.approx(SPEED_LENGTH[speed] if speed else D), prompt


def test_full_orbit_turns_once() -> None:
    orbit = parse_spatial_words("a bee circling around you counter-clockwise", D)
    assert orbit is not None
    az = orbit.unwrapped_keyframe_azimuths()
    assert az[-1] - az[0] == pytest.approx(360.0)


def test_elevation_words() -> None:
    rise = parse_spatial_words("a bird rising slowly at the front", D)
    fall = parse_spatial_words("a rocket descending quickly on the left", D)
    over = parse_spatial_words("a jet flies over", D)
    assert rise is not None and fall is not None and over is not None
    assert rise.keyframes[-1].elevation > rise.keyframes[0].elevation
    assert fall.keyframes[-1].elevation < fall.keyframes[0].elevation
    assert fall.keyframes[0].azimuth == 90.0
    _, el, _ = over.sample([0.0, 5.0, 10.0])
    assert el[0] == 0.0 and el[1] > 80.0 and el[2] == 0.0
    over = parse_spatial_words("birds moving from front to back overhead", D)
    assert over is not None and max(k.elevation for k in over.keyframes) == 85.0
    assert over.keyframes[0].azimuth == 0.0 and over.keyframes[-1].azimuth == 180.0


NEAR_MISSES = [
    "left-handed guitar",
    "a left-handed guitarist strumming",
    "back pain",
    "rightly so",
    "turn up the music",
    "the right answer",
    "the train left the station",
    "all right then",
    "right now",
    "come back soon",
    "a fast car",
    "a slow song",
    "a dog barking",
    "rain",
    "a back door slamming",
    "a front door bell",
    "upbeat techno",
    "breaking down",
    "calm down",
    "look up at the sky",
    "wake up call",
    "back to back applause",
    "a right-handed drummer",
    "the right thing to do",
    "left over food sizzling",
    "a door clicks clockwise mechanism",
    "he turned up late",
    "the upper floor creaks",
    "above all, a calm ocean",
    "front row applause",
    "back seat chatter in a car",
    "rear window rain",
    "a waterfall far away in a large hall",
    "a choir close by",
    "going back home",
    "a pan sizzling",
    "ahead of time",
    "a rightward glance",
    "on the right track",
    "in the right place",
]


@pytest.mark.parametrize("prompt", NEAR_MISSES)
def test_near_misses_are_not_directions(prompt: str) -> None:
    assert parse_spatial_words(prompt, D) is None, describe(parse_spatial_words(prompt, D))


def test_parse_place_and_bad_input() -> None:
    assert parse_place("the back-left, above") == parse_place("above, at the back-left")
    assert parse_place("a dog") is None
    assert parse_spatial_words("", D) is None
    assert parse_spatial_words("on the left", 0.0) is None
    short = parse_spatial_words("a car from left to right quickly", 1.0)
    assert short is not None and short.duration == 1.0  # the window fits the take


def test_strip_spatial_words() -> None:
    assert strip_spatial_words("a dog barks on your left") == "a dog barks"
    assert strip_spatial_words("a car, moving from left to right quickly, clockwise") == "a car"
    assert strip_spatial_words("a dog barking") == "a dog barking"


def test_count_of_phrasings() -> None:
    n = len(CANONICAL) + len(PHRASES) + len(MOVES) + len(NEAR_MISSES)
    assert n >= 200 and len(set(CANONICAL)) == len(CANONICAL)


def _retraces(path: Trajectory) -> bool:
    """Every leg covers the same arc: unwrapped azimuth stays between its first two ends."""
    az, _, _ = path.sample(np.linspace(0.0, path.duration, 401), unwrap=True)
    lo, hi = sorted(path.unwrapped_keyframe_azimuths()[:2])
    return bool(np.all(az >= lo - 1e-6) and np.all(az <= hi + 1e-6))


SWINGS = [  # prompt → (first place's azimuth, other place's azimuth, legs)
    ("a ball bouncing left and right", 90, -90, 4),
    ("ping-pong between left and right", 90, -90, 4),
    ("a synth panning side to side", 90, -90, 4),
    ("a voice panning left-right", 90, -90, 4),
    ("a fly buzzing back and forth from left to right", 90, -90, 4),
    ("a bee moving back and forth between the front and the back", 0, 180, 4),
    ("alternating between the front-left and the back-right", 45, -135, 4),
    ("a pendulum swinging left and right quickly", 90, -90, 10),
    ("the ball bounces left and right slowly", 90, -90, 2),
]


@pytest.mark.parametrize(("prompt", "a", "b", "legs"), SWINGS)
def test_swings_go_to_and_fro_over_the_same_arc(prompt: str, a: float, b: float, legs: int) -> None:
    path = parse_spatial_words(prompt, D)
    assert path is not None, prompt
    assert [k.azimuth for k in path.keyframes] == [a if i % 2 == 0 else b for i in range(legs + 1)]
    assert [k.time for k in path.keyframes] == pytest.approx(
        [D * i / legs for i in range(legs + 1)]
    )
    assert _retraces(path), describe(path)


@pytest.mark.parametrize(
    "prompt",
    ["a ball bouncing", "a ball bounces back", "a pan sizzling", "a swing creaks"],
)
def test_swing_words_without_places_hold_no_path(prompt: str) -> None:
    assert parse_spatial_words(prompt, D) is None


@pytest.mark.parametrize(
    ("prompt", "azimuths"),
    [
        ("a bouncing ball on the left", [90.0]),
        ("a swinging door on the right", [-90.0]),
        ("a ball bouncing from left to right", [90.0, -90.0]),  # one crossing, not a swing
    ],
)
def test_swing_words_with_one_place_or_one_crossing(prompt: str, azimuths: list[float]) -> None:
    path = parse_spatial_words(prompt, D)
    assert path is not None
    assert [k.azimuth for k in path.keyframes] == azimuths


def test_there_and_back_returns_the_way_it_went() -> None:
    path = parse_spatial_words("a dog runs from the front to the back and back again", D)
    assert path is not None and [k.azimuth for k in path.keyframes] == [0.0, 180.0, 0.0]
    assert _retraces(path), describe(path)  # back the same way, not round the other side
    siren = parse_spatial_words("a siren sweeping left to right and back", D)
    assert siren is not None and [k.azimuth for k in siren.keyframes] == [90.0, -90.0, 90.0]
    assert _retraces(siren)
    turned = parse_spatial_words("from front to back and back, clockwise", D)
    assert turned is not None and not _retraces(turned)  # a turn word wins: all the way round
