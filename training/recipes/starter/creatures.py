"""Procedural creatures and people: bird chirps (FM sweeps), calls, insects, frogs; claps,
applause, snaps, heartbeat, breathing, a ping-pong rally.

Generators follow :mod:`.tonal`'s signature: ``fn(rng, rate) -> (mono, caption or None)``.
"""

from __future__ import annotations

import numpy as np

from .dsp import (
    Array,
    adsr,
    band,
    modal,
    osc,
    place,
    resonator,
    smooth_random,
    strike,
    t_axis,
    white,
)
from .noisy import _particles

Gen = tuple[Array, str | None]


# --- creatures -------------------------------------------------------------------------
def bird_chirps(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(3, 6)
    x = np.zeros(int(seconds * rate))
    base, span = rng.uniform(2500, 5000), rng.uniform(0.2, 0.8)
    t = 0.1
    while t < seconds - 0.3:
        for _ in range(int(rng.integers(1, 5))):
            dur = rng.uniform(0.03, 0.12)
            n = int(dur * rate)
            f = base * (1 + span * np.sin(np.linspace(0, np.pi * rng.uniform(0.5, 2), n)))
            place(x, osc(f, n, rate) * np.hanning(n), t, rate)
            t += dur + rng.uniform(0.02, 0.08)
        t += rng.uniform(0.3, 1.0)
    return x, ("a small bird chirping" if base > 3800 else "a songbird singing")


def cuckoo(rng: np.random.Generator, rate: int) -> Gen:
    x = np.zeros(int(rng.uniform(4, 6) * rate))
    f = rng.uniform(600, 750)
    for k in range(int(x.size / rate / 1.3)):
        for j, ff in enumerate((f, f / 1.26)):
            n = int(0.25 * rate)
            place(x, osc(ff, n, rate) * np.hanning(n), k * 1.3 + j * 0.32, rate)
    return x, None


def owl_hoot(rng: np.random.Generator, rate: int) -> Gen:
    x = np.zeros(int(rng.uniform(4, 6) * rate))
    f = rng.uniform(300, 450)
    t = 0.2
    for dur in (0.25, 0.15, 0.6):
        n = int(dur * rate)
        tone = osc(f * (1 + 0.02 * np.sin(np.linspace(0, 6, n))), n, rate) * np.hanning(n)
        place(x, tone + 0.05 * band(white(n, rng), f, 3 * f, rate), t, rate)
        t += dur + 0.15
    return x, None


def crickets(rng: np.random.Generator, rate: int) -> Gen:
    n = int(rng.uniform(5, 8) * rate)
    f = rng.uniform(4000, 5500)
    pulses = (osc(rng.uniform(25, 45), n, rate) > 0.3) * (osc(rng.uniform(1.5, 3), n, rate) > -0.2)
    return osc(f, n, rate) * band(pulses.astype(float), None, 300, rate), None


def frogs(rng: np.random.Generator, rate: int) -> Gen:
    x = np.zeros(int(rng.uniform(4, 7) * rate))
    f = rng.uniform(100, 250)
    t = 0.1
    while t < x.size / rate - 0.6:
        n = int(rng.uniform(0.2, 0.5) * rate)
        pulses = (osc(rng.uniform(15, 30), n, rate) > 0.5).astype(float)
        croak = resonator(pulses, f * 4, 4, rate) + resonator(pulses, f * 9, 6, rate)
        place(x, croak * np.hanning(n), t, rate)
        t += n / rate + rng.uniform(0.3, 1.2)
    return x, None


def insect_buzz(rng: np.random.Generator, rate: int) -> Gen:
    n = int(rng.uniform(3, 6) * rate)
    bee = rng.random() < 0.5
    f = (rng.uniform(180, 250) if bee else rng.uniform(350, 600)) * (
        1 + 0.05 * smooth_random(n, rate, rng, 3)
    )
    amp = 0.6 + 0.4 * smooth_random(n, rate, rng, 2)
    return osc(f, n, rate, "saw") * amp, ("a bee buzzing" if bee else "a fly buzzing")


# --- people (non-speech) -----------------------------------------------------------------
def _clap(rate: int, rng: np.random.Generator) -> Array:
    return resonator(strike(0.012, rate, rng, 0.8), rng.uniform(900, 1600), 2, rate)


def clapping(rng: np.random.Generator, rate: int) -> Gen:
    period = rng.uniform(0.35, 0.7)
    x = np.zeros(int(rng.uniform(3, 6) * rate))
    for k in range(int(x.size / rate / period)):
        place(x, _clap(rate, rng), 0.1 + k * period, rate)
    return x, None


def applause(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(4, 7)
    crowd = rng.uniform(30, 150)
    x = _particles(seconds, crowd * 4, rate, rng, lambda: _clap(rate, rng))
    return x * adsr(x.size, rate, 0.5, 1.0), (
        "a large crowd applauding" if crowd > 90 else "a small audience applauding"
    )


def finger_snaps(rng: np.random.Generator, rate: int) -> Gen:
    period = rng.uniform(0.4, 0.8)
    x = np.zeros(int(rng.uniform(3, 5) * rate))
    for k in range(int(x.size / rate / period)):
        place(
            x,
            resonator(strike(0.005, rate, rng, 1.0), rng.uniform(1800, 2600), 3, rate),
            0.1 + k * period,
            rate,
        )
    return x, None


def heartbeat(rng: np.random.Generator, rate: int) -> Gen:
    bpm = rng.uniform(55, 120)
    x = np.zeros(int(rng.uniform(4, 7) * rate))
    for k in range(int(x.size / rate * bpm / 60)):
        for d, a in ((0.0, 1.0), (0.28, 0.7)):
            place(
                x,
                modal([rng.uniform(40, 60)], [0.12], [1], 0.2, rate, rng),
                0.1 + k * 60 / bpm + d,
                rate,
                a,
            )
    return x, ("a fast heartbeat" if bpm > 95 else "a slow heartbeat")


def breathing(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(5, 8)
    t = t_axis(seconds, rate)
    period = rng.uniform(2.5, 4)
    env = (
        np.clip(np.sin(2 * np.pi * t / period), 0, 1) ** 1.5
        + 0.6 * np.clip(-np.sin(2 * np.pi * t / period), 0, 1) ** 1.5
    )
    return band(white(t.size, rng), 400, 3000, rate) * env, None


def ping_pong(rng: np.random.Generator, rate: int) -> Gen:
    x = np.zeros(int(rng.uniform(4, 6) * rate))
    t, k = 0.1, 0
    while t < x.size / rate - 0.2:
        f = 3500 if k % 2 else 1200  # paddle, then table
        place(x, modal([f, f * 1.7], [0.03, 0.02], [1, 0.4], 0.08, rate, rng), t, rate)
        t += rng.uniform(0.3, 0.5) if k % 2 else rng.uniform(0.15, 0.25)
        k += 1
    return x, None
