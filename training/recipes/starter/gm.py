"""General MIDI instruments rendered with fluidsynth (FluidR3 GM soundfont): single notes at
low/middle/high pitch, a short melody and a chord per instrument, and drum-kit pieces.

MIDI files are written by :func:`midi_file` (a minimal Standard MIDI File writer).
"""

from __future__ import annotations

import struct

import numpy as np

GM_NAMES = (
    "acoustic grand piano",
    "bright acoustic piano",
    "electric grand piano",
    "honky-tonk piano",
    "electric piano",
    "FM electric piano",
    "harpsichord",
    "clavinet",
    "celesta",
    "glockenspiel",
    "music box",
    "vibraphone",
    "marimba",
    "xylophone",
    "tubular bells",
    "dulcimer",
    "drawbar organ",
    "percussive organ",
    "rock organ",
    "church organ",
    "reed organ",
    "accordion",
    "harmonica",
    "tango accordion",
    "nylon-string acoustic guitar",
    "steel-string acoustic guitar",
    "jazz electric guitar",
    "clean electric guitar",
    "muted electric guitar",
    "overdriven guitar",
    "distorted electric guitar",
    "guitar harmonics",
    "acoustic bass",
    "fingered electric bass",
    "picked electric bass",
    "fretless bass",
    "slap bass",
    "slap bass",
    "synth bass",
    "synth bass",
    "violin",
    "viola",
    "cello",
    "contrabass",
    "tremolo strings",
    "pizzicato strings",
    "orchestral harp",
    "timpani",
    "string ensemble",
    "slow string ensemble",
    "synth strings",
    "synth strings",
    "choir singing aah",
    "voices singing ooh",
    "synth voice",
    "orchestra hit",
    "trumpet",
    "trombone",
    "tuba",
    "muted trumpet",
    "French horn",
    "brass section",
    "synth brass",
    "synth brass",
    "soprano saxophone",
    "alto saxophone",
    "tenor saxophone",
    "baritone saxophone",
    "oboe",
    "English horn",
    "bassoon",
    "clarinet",
    "piccolo",
    "flute",
    "recorder",
    "pan flute",
    "blown bottle",
    "shakuhachi",
    "whistle",
    "ocarina",
    "square-wave synth lead",
    "sawtooth synth lead",
    "calliope synth lead",
    "chiff synth lead",
    "charang synth lead",
    "synth voice lead",
    "fifths synth lead",
    "bass and lead synth",
    "new age synth pad",
    "warm synth pad",
    "polysynth pad",
    "choir synth pad",
    "bowed glass pad",
    "metallic synth pad",
    "halo synth pad",
    "sweeping synth pad",
    "rain synth effect",
    "soundtrack synth effect",
    "crystal synth effect",
    "atmosphere synth effect",
    "brightness synth effect",
    "goblin synth effect",
    "echoes synth effect",
    "sci-fi synth effect",
    "sitar",
    "banjo",
    "shamisen",
    "koto",
    "kalimba",
    "bagpipe",
    "fiddle",
    "shanai",
    "tinkle bell",
    "agogo bells",
    "steel drums",
    "woodblock",
    "taiko drum",
    "melodic tom",
    "synth drum",
    "reverse cymbal",
    "guitar fret noise",
    "breath noise",
    "seashore",
    "bird tweet",
    "telephone ring",
    "helicopter",
    "applause",
    "gunshot",
)
# Sound-effect programs: their own caption, no notes/melodies.
GM_EFFECTS = {
    120: "guitar fret squeaks",
    121: "breath noise",
    122: "waves on a seashore",
    123: "a bird tweeting",
    124: "a telephone ringing",
    125: "a helicopter flying",
    126: "a crowd applauding",
    127: "a gunshot",
}
DRUMS = {
    35: ("kick-drum", "a deep kick drum hit"),
    38: ("snare-drum", "a snare drum hit"),
    39: ("hand-clap", "a hand clap"),
    42: ("hi-hat", "a closed hi-hat"),
    46: ("hi-hat", "an open hi-hat"),
    49: ("crash-cymbal", "a crash cymbal"),
    51: ("ride-cymbal", "a ride cymbal"),
    45: ("tom-drum", "a low tom drum"),
    50: ("tom-drum", "a high tom drum"),
    54: ("tambourine", "a tambourine shake"),
    56: ("cowbell", "a cowbell"),
    60: ("bongo", "a bongo drum"),
    63: ("conga", "a conga drum"),
    65: ("timbale", "a timbale hit"),
    69: ("shaker", "a cabasa shaker"),
    70: ("maracas", "maracas shaking"),
    72: ("whistle", "a samba whistle"),
    73: ("guiro", "a guiro scrape"),
    75: ("claves", "claves clicking"),
    76: ("wood-block", "a wood block"),
    81: ("triangle", "a triangle ringing"),
    57: ("splash-cymbal", "a splash cymbal"),
}
# Playable range (MIDI notes) of instrument families, by first program of each family of 8.
_RANGES = {
    0: (36, 96),
    8: (60, 96),
    16: (36, 84),
    24: (40, 84),
    32: (28, 55),
    40: (40, 88),
    48: (36, 84),
    56: (40, 82),
    64: (44, 84),
    72: (60, 96),
    80: (48, 90),
    88: (36, 84),
    96: (36, 84),
    104: (48, 84),
    112: (48, 84),
    120: (48, 72),
}
_SPECIAL = {
    42: (36, 72),
    43: (28, 55),
    47: (40, 55),
    57: (40, 72),
    58: (28, 58),
    60: (41, 77),
    70: (34, 70),
    71: (50, 89),
}
MAJOR = (0, 2, 4, 5, 7, 9, 11, 12)
MINOR = (0, 2, 3, 5, 7, 8, 10, 12)


def article(name: str) -> str:
    """ "an oboe", "a flute"."""
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


def note_range(program: int) -> tuple[int, int]:
    return _SPECIAL.get(program, _RANGES[program - program % 8])


def _vlq(v: int) -> bytes:
    out = [v & 0x7F]
    v >>= 7
    while v:
        out.append(0x80 | (v & 0x7F))
        v >>= 7
    return bytes(reversed(out))


def midi_file(events: list[tuple[float, bytes]], tpq: int = 480, bpm: float = 120.0) -> bytes:
    """A format-0 Standard MIDI File from ``(seconds, message)`` events."""
    ticks_per_s = tpq * bpm / 60.0
    track = bytearray(b"\x00\xff\x51\x03" + int(60e6 / bpm).to_bytes(3, "big"))
    last = 0
    for t, msg in sorted(events, key=lambda e: (e[0], e[1][0] & 0xF0 != 0x80)):
        tick = int(round(t * ticks_per_s))
        track += _vlq(tick - last) + msg
        last = tick
    track += b"\x00\xff\x2f\x00"
    return (
        b"MThd"
        + struct.pack(">IHHH", 6, 0, 1, tpq)
        + b"MTrk"
        + struct.pack(">I", len(track))
        + bytes(track)
    )


def _note(events: list, t: float, dur: float, pitch: int, vel: int, ch: int = 0) -> None:
    events.append((t, bytes([0x90 | ch, pitch, vel])))
    events.append((t + dur, bytes([0x80 | ch, pitch, 0])))


def program_sections(
    program: int, rng: np.random.Generator
) -> tuple[list[tuple[float, bytes]], list[tuple[float, float, str, str]]]:
    """MIDI events and sections ``(start, length, kind, caption)`` for one GM program."""
    name = GM_NAMES[program]
    events: list[tuple[float, bytes]] = [(0.0, bytes([0xC0, program]))]
    sections = []
    t = 0.2
    if program in GM_EFFECTS:
        for k in range(3):
            _note(
                events,
                t,
                rng.uniform(1.5, 3.0),
                55 + 5 * k + int(rng.integers(0, 5)),
                int(rng.integers(80, 127)),
            )
            sections.append((t, 4.0, f"effect{k}", GM_EFFECTS[program]))
            t += 5.0
        return events, sections
    lo, hi = note_range(program)
    for kind, pitch in (("low", lo + 5), ("middle", (lo + hi) // 2), ("high", hi - 5)):
        pitch += int(rng.integers(-3, 4))  # takes differ in pitch as well as loudness
        _note(events, t, 1.5, int(pitch), int(rng.integers(70, 115)))
        sections.append((t, 3.0, kind, f"a single {kind} note on {article(name)}"))
        t += 3.5
    scale = MAJOR if rng.random() < 0.6 else MINOR
    root = int(rng.integers(lo + 5, max(lo + 6, hi - 14)))
    step, start = rng.uniform(0.2, 0.45), t
    for _ in range(int(rng.integers(6, 12))):
        pitch = root + scale[int(rng.integers(len(scale)))]
        _note(events, t, step * 0.9, pitch, int(rng.integers(60, 110)))
        t += step
    mood = "happy" if scale is MAJOR else "sad"
    sections.append(
        (start, t - start + 1.5, "melody", f"{article(name)} playing a short {mood} melody")
    )
    t += 2.0
    for iv in (0, 4 if scale is MAJOR else 3, 7):
        _note(events, t, 2.0, root + iv, 90)
    sections.append(
        (t, 3.5, "chord", f"a {'major' if scale is MAJOR else 'minor'} chord on {article(name)}")
    )
    return events, sections


def drum_sections(
    rng: np.random.Generator,
) -> tuple[list[tuple[float, bytes]], list[tuple[float, float, str, str]]]:
    """Each kit piece hit a few times, then two beats; channel 10 (index 9). A section's
    kind is ``concept:tag``."""
    events: list[tuple[float, bytes]] = []
    sections = []
    t = 0.2
    for note, (concept, caption) in DRUMS.items():
        start = t
        for _ in range(int(rng.integers(2, 5))):
            _note(events, t, 0.1, note, int(rng.integers(60, 127)), ch=9)
            t += rng.uniform(0.4, 0.8)
        sections.append((start, t - start + 1.0, f"{concept}:{note}", caption))
        t += 1.5
    for style, bpm in (("rock", rng.uniform(90, 130)), ("fast", rng.uniform(150, 180))):
        start, beat = t, 60.0 / bpm
        for b in range(16):
            _note(events, t, 0.1, 42, 80, ch=9)
            if b % 4 in (0, 3 if style == "fast" else 0):
                _note(events, t, 0.1, 36, 110, ch=9)
            if b % 4 == 2:
                _note(events, t, 0.1, 38, 105, ch=9)
            t += beat / 2
        sections.append(
            (
                start,
                t - start + 1.0,
                f"drum-beat:{style}",
                f"a {style} drum beat at {int(bpm)} beats per minute",
            )
        )
        t += 1.5
    return events, sections
