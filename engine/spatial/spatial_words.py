"""Spatial words of a prompt → a path: the inverse of the Table 1 captions.

``parse_spatial_words("a dog barks, moving from left to front-right quickly, clockwise", 10)``
gives the path the words describe; a prompt without spatial words gives None (the model
places the sound). It reads every caption :mod:`.captions` and the training captions write
("static at the back-left and up", "the back-left, above", "moves slowly from front via left,
back, right to front, counter-clockwise", "rising quickly at the front") and the phrasings
people use: "on your left", "behind you", "overhead", "from left to right", "circling around
you", "passing from the front to the back", "flies over", "passes by", speed words
(slowly, quickly, …), clockwise / counter-clockwise, "from left to right and back", and a
swing to and fro: "bouncing left and right", "ping-pong between the front and the back",
"panning side to side", "back and forth from left to right".

Places are the centres of the caption bins (:mod:`.captions`): front 0°, front-left 45°, …
(+90° = left); "and up" / "above" beside a direction is +45° elevation, "down" / "below"
−45°; "overhead" alone is +85° ("directly overhead" +90°), "below" alone −85°. Speed words
set the movement window (centred in the take): slow 8.5 s, moderate 5 s, fast 2 s — the
middles of the papers' speed classes — else the movement fills the take.

Direction words count only where they name a place: after a preposition ("on", "to", "at",
"from", "in", "towards", "via"), in "from A to B" or "A to B", or as a caption's leading
"The front-left: …". So "left-handed guitar", "back pain", "rightly so", "turn up the music",
"the right answer" and "the train left the station" hold no place.
"""

from __future__ import annotations

import re

from .trajectory import Trajectory
from .word_paths import (
    Place,
    flyover_path,
    move_path,
    orbit_path,
    swing_path,
)

AZIMUTHS = {
    "front": 0.0,
    "front-left": 45.0,
    "left": 90.0,
    "back-left": 135.0,
    "back": 180.0,
    "back-right": -135.0,
    "right": -90.0,
    "front-right": -45.0,
}
UP, DOWN = 45.0, -45.0  # beside a direction: inside the captions' "up"/"down" bins
OVERHEAD, BELOW, ZENITH = 85.0, -85.0, 90.0

# --- the regular expressions --------------------------------------------------------------
_AZ = (
    r"(?:front|back|rear)[- ]?(?:left|right)(?![- ]?hand(?:ed|er))|(?:left|right)[- ](?:front|"
    r"back|rear)|in front|front|back|rear|left(?![- ]?hand(?:ed|er))|right(?![- ]?hand(?:ed|er)"
    r")"
)
_YOU = r"(?:you|me|us|the listener|your head|my head|the camera|the mic(?:rophone)?)"
_ELEV_SUFFIX = r"(?:\s*(?:,|and)\s*(?:up|down|above|below)(?![a-z]))"
_ELEV_ONLY = (
    rf"(?:(?:directly|straight|right)\s+)?(?:overhead|above(?:\s+{_YOU})?|"
    rf"below(?:\s+{_YOU})?|beneath(?:\s+{_YOU})?|underneath(?:\s+{_YOU})?)"
)
_DIR_PLACE = (
    rf"(?:(?:the|your|my)\s+)?(?:(?:far|hard|fully|extreme)\s+)?(?:{_AZ})"
    rf"(?:[- ]hand)?(?:\s+(?:side|ear|channel))?(?:\s+of\s+{_YOU})?{_ELEV_SUFFIX}?"
)
_PREFIX_PLACE = rf"(?:above|below),?\s+(?:at|on|to)\s+(?:the|your)\s+(?:{_AZ})"
_BEHIND = rf"behind(?:\s+{_YOU})?"
PLACE = rf"(?:{_PREFIX_PLACE}|{_DIR_PLACE}|{_ELEV_ONLY}|{_BEHIND}|ahead)"
# Words after a place that make it part of a noun phrase ("the right answer").
_NOUNS = (
    "track|thing|things|way|answer|answers|moment|time|choice|decision|idea|person|"
    "people|one|ones|wing|winger|word|words|stuff|amount|tool|tools|key|keys|size|mind|"
    "angle|angles|foot|hand|handed|hander|brain|click|pain|door|seat|seats|stage|story|"
    "office|end|yard|garden|room|street|pocket|row|porch|burner|note|notes|order|place|"
    "places|spot|price|kind|sort|reason|reasons"
)
_END = rf"(?=\s*$|\s*[,.;:!?)\]]|\s+(?!(?:{_NOUNS})\b)[a-z])"
_TURN_CCW = re.compile(
    r"\b(?:counter|anti)[- ]?clockwise\b|\bcounterclockwise\b|"
    r"\banticlockwise\b|\bccw\b"
)
_TURN_CW = re.compile(r"(?<![-a-z])clockwise\b|\bcw\b")
_SPEEDS = (
    (
        "moderate",
        re.compile(
            r"\bat (?:a )?moderate (?:speed|pace)\b|\bmoderately\b|"
            r"\bat (?:a )?medium (?:speed|pace)\b|\bsteadily\b"
        ),
    ),
    (
        "slow",
        re.compile(
            r"\bslow(?:ly)?\b|\bat a slow pace\b|\bgently\b|\bleisurely\b|"
            r"\bgradually\b|\blazily\b"
        ),
    ),
    (
        "fast",
        re.compile(
            r"\bquick(?:ly)?\b|\bfast\b|\brapid(?:ly)?\b|\bswift(?:ly)?\b|"
            r"\bspeeding\b|\bwhizz\w*|\bzoom\w*|\bat (?:high|great) speed\b"
        ),
    ),
)
_MOVE_VERB = (
    r"(?:mov\w*|travel\w*|pass\w*|go\w*|went|fl(?:y|ies|ying|ew|oats?|oating)|"
    r"pan\w*|sweep\w*|swept|run\w*|ran|driv\w*|roll\w*|glid\w*|drift\w*|walk\w*|"
    r"head\w*|comes?|coming|shift\w*|swing\w*|swung|slid\w*|whizz\w*|zoom\w*|"
    r"rush\w*|crawl\w*|wander\w*|circl\w*|turn\w*)"
)
_FROM_TO = re.compile(
    rf"\bfrom\s+(?P<a>{PLACE}){_END}\s*,?\s*(?:(?:via|through|past|over|by way of)\s+"
    rf"(?P<via>{PLACE}(?:\s*(?:,|,?\s*and|,?\s*then)\s*{PLACE})*)\s+)?"
    rf"(?:to|towards?|into|until|till)\s+(?P<b>{PLACE}){_END}"
)
_BARE_TO = re.compile(
    rf"(?<![a-z-])(?P<a>(?:the\s+)?(?:{_AZ}))\s+to\s+(?P<b>(?:the\s+)?"
    rf"(?:{_AZ})){_END}"
)
_ORBIT = re.compile(
    rf"\b(?:circl\w*|orbit\w*|revolv\w*|spinning|spins?|rotat\w*|swirl\w*|"
    rf"(?:{_MOVE_VERB})\s+(?:all\s+)?(?:a)?round(?:\s+and\s+(?:a)?round)?|"
    rf"(?:a)?round\s+{_YOU}|in\s+(?:a\s+)?circles?\s+around)\b"
)
_FLYOVER = re.compile(
    rf"\b(?:{_MOVE_VERB})\s+(?:right\s+|directly\s+|straight\s+)?"
    r"(?:over(?:head)?|above)(?!\s+(?:the|a|an|its|their|his|her)\b)(?![a-z])"
)
_PASSBY = re.compile(
    rf"\b(?:{_MOVE_VERB})\s+(?:right\s+)?(?:by|past)\b(?!\s+(?:the|a|an)\b)"
    r"|\bpass-by\b|\bfly-by\b|\bdrive-by\b"
)
_RISE = re.compile(
    r"\b(?:ris(?:es|e|ing)|ascend\w*|climb\w*|(?:mov|go|float|fl|lift)\w*\s+"
    r"up(?:wards?)?\b(?!\s+(?:the|a|an)\b))"
)
_FALL = re.compile(
    r"\b(?:descend\w*|sink\w*|sank|fall(?:s|ing)?|dropp?\w*|(?:mov|go|float|fl)"
    r"\w*\s+down(?:wards?)?\b(?!\s+(?:the|a|an)\b))"
)
_STATIC = [
    re.compile(rf"^\s*(?P<p>(?:the\s+)?{PLACE})\s*:"),  # "The front-left: a dog, static"
    re.compile(
        rf"\b(?:static|stationary|not moving|stays?|staying|still|fixed)\s*,?\s*"
        rf"(?:at\s+|on\s+|in\s+)?(?P<p>{_PREFIX_PLACE}|{_ELEV_ONLY}){_END}"
    ),
    re.compile(rf"\b(?:at|from|to|on)\s+(?P<p>{_PREFIX_PLACE}|{_ELEV_ONLY}){_END}"),
    # ("back to back applause" is an idiom, not a place)
    re.compile(
        rf"(?<!back )\b(?:on|to|at|from|in|towards?|toward|near|by)\s+"
        rf"(?P<p>{_DIR_PLACE}){_END}"
    ),
    re.compile(r"(?P<p>\bpanned\s+(?:hard\s+|fully\s+)?(?:left|right))\b"),
    re.compile(rf"(?P<p>\bin front(?:\s+of\s+{_YOU})?){_END}"),
    re.compile(rf"(?P<p>\b(?:straight\s+)?ahead(?:\s+of\s+{_YOU})?)(?=\s*$|\s*[,.;:!?)])"),
    re.compile(rf"(?P<p>\bbehind(?:\s+{_YOU})?)(?=\s*$|\s*[,.;:!?)]|\s+(?:and|while|with)\b)"),
    re.compile(rf"(?P<p>\bbehind\s+{_YOU})"),
    re.compile(r"(?P<p>\b(?:directly\s+|straight\s+|right\s+)?overhead)\b"),
    re.compile(rf"(?P<p>\b(?:above|below|beneath|underneath)\s+{_YOU})"),
]
_OVER = re.compile(
    rf"\b(?:overhead|over\s+(?:your|my|the listener's)\s+head|above\s+{_YOU}|"
    r"over\s+(?:you|me|us)\b)"
)
# A swing to and fro: the swing words, then the pair of places it goes between. "Between A
# and B", "A and B" and "side to side" swing with any of them ("bouncing left and right");
# "from A to B" only with the words that say to and fro ("back and forth from left to right"),
# since "a ball bouncing from left to right" crosses once.
_SWING_STRONG = (
    r"back[- ]and[- ]forth|forth[- ]and[- ]back|to[- ]and[- ]fro|ping[- ]?pong\w*|"
    r"oscillat\w*|alternat\w*|swing\w*|swung|sway\w*|shuttl\w*|zig[- ]?zag\w*|"
    r"see[- ]?saw\w*"
)
_SWING_WORD = re.compile(rf"\b(?:{_SWING_STRONG}|bounc\w*|pann(?:ed|ing)|pans?|wobbl\w*)\b")
_SWING_STRONG_WORD = re.compile(rf"\b(?:{_SWING_STRONG})\b")
_SWING_PAIR = re.compile(
    rf"\bbetween\s+(?P<a>{PLACE})\s+and\s+(?P<b>{PLACE}){_END}"
    rf"|(?<![a-z-])(?P<c>(?:the\s+)?(?:{_AZ}))\s*(?:and|&|/|-)\s*(?P<d>(?:the\s+)?(?:{_AZ})){_END}"
    r"|\b(?P<side>side[- ]to[- ]side)\b"
)
_AND_BACK = re.compile(r"^\s*,?\s*(?:and|then)\s+back(?:\s+again)?\b(?!\s+(?:to|and)\b)")
_FROM_ONLY = re.compile(
    rf"\b(?:start\w*|begin\w*)\s+(?:at|on|from|in)\s+(?P<p>{PLACE}){_END}"
    rf"|\bfrom\s+(?P<q>{PLACE}){_END}"
)


def _normalise(text: str) -> str:
    t = text.lower().replace("\u2010", "-").replace("\u2011", "-").replace("\u2013", "-")
    t = t.replace("\u2014", ", ").replace("\u2019", "'")
    return re.sub(r"\s+", " ", t).strip()


def parse_place(phrase: str) -> Place | None:
    """The place a phrase names ("the back-left, above", "on your left", "overhead"), or
    None when it names none."""
    p = _normalise(phrase)
    az: float | None = None
    m = re.search(r"(front|back|rear)[- ]?(left|right)|(left|right)[- ](front|back|rear)", p)
    if m:
        fb = m.group(1) or m.group(4)
        lr = m.group(2) or m.group(3)
        az = AZIMUTHS[f"{'front' if fb == 'front' else 'back'}-{lr}"]
    elif re.search(r"\bleft\b|\bleft-hand\b", p):
        az = AZIMUTHS["left"]
    elif re.search(r"\bright\b|\bright-hand\b", p) and not re.search(
        r"\bright\s+(?:over|above"
        r"|below|behind)",
        p,
    ):
        az = AZIMUTHS["right"]
    elif re.search(r"\b(?:back|rear|behind)\b", p):
        az = AZIMUTHS["back"]
    elif re.search(r"\b(?:front|ahead)\b", p):
        az = AZIMUTHS["front"]
    up = re.search(r"\b(?:up|above|overhead)\b", p)
    down = re.search(r"\b(?:down|below|beneath|underneath)\b", p)
    exact = re.search(r"\b(?:directly|straight|right)\s+(?:overhead|above|below|beneath)", p)
    if az is None:
        if up:
            return Place(None, ZENITH if exact else OVERHEAD)
        if down:
            return Place(None, -ZENITH if exact else BELOW)
        return None
    return Place(az, UP if up else DOWN if down else 0.0)


def _turn(text: str) -> str | None:
    if _TURN_CCW.search(text):
        return "ccw"
    if _TURN_CW.search(_TURN_CCW.sub(" ", text)):
        return "cw"
    return None


def _speed(text: str) -> str | None:
    for name, pattern in _SPEEDS:
        if pattern.search(text):
            return name
    return None


def _split_via(text: str) -> list[str]:
    return [
        s
        for s in re.split(
            r"\s*(?:,\s*and|,\s*then|,|\band\b(?!\s*(?:up|down|above|"
            r"below)\b)|\bthen\b)\s*",
            text,
        )
        if s.strip()
    ]


def _via_places(via: str) -> list[Place] | None:
    # "front-left and up, back" — rejoin an "and up" that the split took apart
    parts: list[str] = []
    for piece in _split_via(via):
        if re.fullmatch(r"(?:up|down|above|below)", piece.strip()) and parts:
            parts[-1] += f" and {piece.strip()}"
        else:
            parts.append(piece)
    places = [parse_place(p) for p in parts]
    return None if any(p is None for p in places) else places  # type: ignore[return-value]


def parse_spatial_words(text: str, duration: float) -> Trajectory | None:
    """The path the spatial words of ``text`` describe over ``duration`` seconds, or None
    when the text names no place or movement."""
    if not isinstance(text, str) or not duration > 0:
        return None
    t = _normalise(text)
    turn, speed = _turn(t), _speed(t)
    swing = _swing(t, speed, duration)
    if swing is not None:
        return swing
    m = _FROM_TO.search(t)
    if m is not None:
        a, b = parse_place(m.group("a")), parse_place(m.group("b"))
        via = _via_places(m.group("via")) if m.group("via") else []
        if a is not None and b is not None and via is not None:
            rest = t[: m.start()] + " " + t[m.end() :]
            if not via and _OVER.search(rest) and a.elevation == b.elevation == 0.0:
                via = [Place(None, OVERHEAD)]  # "from front to back overhead": over the top
            back = [a] if _AND_BACK.search(t[m.end() :]) else []  # "... to right and back"
            return move_path([a, *via, b, *back], turn, speed, duration)
    m = _BARE_TO.search(t)
    if m is not None:
        a, b = parse_place(m.group("a")), parse_place(m.group("b"))
        if a is not None and b is not None and a != b:
            back = [a] if _AND_BACK.search(t[m.end() :]) else []
            return move_path([a, b, *back], turn, speed, duration)
    start = _start_place(t)
    if _ORBIT.search(t):
        return orbit_path(start, turn, speed, duration)
    if _FLYOVER.search(t):
        return flyover_path(speed, duration)
    if _PASSBY.search(t) and start is None:
        side = _static_place(t)
        if side is not None and side.azimuth is not None and abs(abs(side.azimuth) - 90) < 1:
            # "passing by on the right": along that side, from front to back
            s = 1.0 if side.azimuth > 0 else -1.0
            return move_path(
                [Place(45.0 * s, 0.0), Place(90.0 * s, 0.0), Place(135.0 * s, 0.0)],
                turn,
                speed,
                duration,
            )
        return move_path(
            [Place(90.0, 0.0), Place(0.0, 0.0), Place(-90.0, 0.0)], turn, speed, duration
        )
    rise, fall = _RISE.search(t), _FALL.search(t)
    place = start or _static_place(t)
    if rise or fall:
        az = place.azimuth if place is not None and place.azimuth is not None else 0.0
        el = place.elevation if place is not None else 0.0
        if place is None:  # plain "rising": from level to up (or down to level)
            lo, hi = (0.0, UP) if rise else (0.0, UP)
        else:  # "rising at the front": inside the place's bin
            lo, hi = el - 20.0, el + 20.0
        first, last = (
            (lo, hi)
            if (rise and not fall) or (rise and fall and rise.start() < fall.start())
            else (hi, lo)
        )
        return move_path([Place(az, first), Place(az, last)], None, speed, duration)
    if place is not None:
        return move_path([place, place], None, None, duration)
    return None


def _swing(t: str, speed: str | None, duration: float) -> Trajectory | None:
    """A swing between two places when the words say to and fro (see ``_SWING_PAIR``)."""
    if not _SWING_WORD.search(t):
        return None
    pair: tuple[Place | None, Place | None] | None = None
    m = _SWING_PAIR.search(t)
    if m is not None and m.group("side"):
        pair = Place(AZIMUTHS["left"], 0.0), Place(AZIMUTHS["right"], 0.0)
    elif m is not None:
        pair = parse_place(m.group("a") or m.group("c")), parse_place(m.group("b") or m.group("d"))
    elif _SWING_STRONG_WORD.search(t):
        f = _FROM_TO.search(t) or _BARE_TO.search(t)
        if f is not None and not (f.re is _FROM_TO and f.group("via")):
            pair = parse_place(f.group("a")), parse_place(f.group("b"))
    if pair is None or pair[0] is None or pair[1] is None or pair[0] == pair[1]:
        return None
    return swing_path(pair[0], pair[1], speed, duration)


def _start_place(t: str) -> Place | None:
    m = _FROM_ONLY.search(t)
    if m is None:
        return None
    return parse_place(m.group("p") or m.group("q"))


def _static_place(t: str) -> Place | None:
    for pattern in _STATIC:
        for m in pattern.finditer(t):
            place = parse_place(m.group("p"))
            if place is not None:
                return place
    return None


def strip_spatial_words(text: str) -> str:
    """``text`` without the spatial phrases the parser reads (for a text encoder that should
    hear only what the sound is): "a dog barks on your left, slowly" → "a dog barks"."""
    t = text
    for pattern in (_FROM_TO, _BARE_TO):
        t = pattern.sub(" ", _normalise(t)) if pattern.search(_normalise(t)) else t
    t = _normalise(t)
    for pattern in _STATIC:
        t = pattern.sub(" ", t)
    t = _TURN_CCW.sub(" ", t)
    t = _TURN_CW.sub(" ", t)
    for _, pattern in _SPEEDS:
        t = pattern.sub(" ", t)
    t = re.sub(
        r"\b(?:static|stationary|not moving|stays|moving|moves|travelling|passing|"
        r"turning|which|it)\b",
        " ",
        t,
    )
    t = re.sub(r"\s*[,;:]\s*(?=[,;:]|$)", "", t)
    t = re.sub(r"\s+([,;:.])", r"\1", re.sub(r"\s+", " ", t)).strip(" ,;:")
    return t
