"""Procedural noisy sounds: rain, wind, thunder, water, fire, footsteps, impacts, creatures
and human non-speech sounds — filtered noise and particle (grain) models.

Generators follow :mod:`.tonal`'s signature: ``fn(rng, rate) -> (mono, caption or None)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .dsp import (
    Array,
    add,
    adsr,
    band,
    colored,
    modal,
    osc,
    place,
    resonator,
    smooth_random,
    strike,
    t_axis,
    white,
)

Gen = tuple[Array, str | None]


def _drop(rate: int, rng: np.random.Generator, f: float | None = None) -> Array:
    """A water drop: a short sine whose pitch rises as the bubble resonance does."""
    dur = rng.uniform(0.01, 0.04)
    n = int(dur * rate)
    f0 = f or rng.uniform(800, 3000)
    pitch = f0 * (1 + np.linspace(0, rng.uniform(0.3, 1.2), n))
    return osc(pitch, n, rate) * np.exp(-np.linspace(0, 6, n))


def _particles(
    seconds: float, density: float, rate: int, rng: np.random.Generator, grain: Callable[[], Array]
) -> Array:
    x = np.zeros(int(seconds * rate))
    for t in rng.uniform(0, seconds, rng.poisson(density * seconds)):
        place(x, grain(), t, rate, rng.uniform(0.1, 1.0))
    return x


# --- weather ---------------------------------------------------------------------------
def rain(rng: np.random.Generator, rate: int, heavy: bool = False) -> Array:
    seconds = rng.uniform(5, 8)
    n = int(seconds * rate)
    bed = band(colored(n, rng, -1.5), 400, 7000, rate) * (0.6 if heavy else 0.25)
    grains = _particles(
        seconds,
        rng.uniform(300, 600) if heavy else rng.uniform(40, 120),
        rate,
        rng,
        lambda: add(band(strike(0.004, rate, rng, 0.7), 1500, 7000, rate), 0.3 * _drop(rate, rng)),
    )
    return bed + grains


def rain_light(rng: np.random.Generator, rate: int) -> Gen:
    return rain(rng, rate), None


def rain_heavy(rng: np.random.Generator, rate: int) -> Gen:
    return rain(rng, rate, heavy=True), None


def rain_on_roof(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(5, 8)
    n = int(seconds * rate)
    hits = _particles(
        seconds,
        rng.uniform(150, 400),
        rate,
        rng,
        lambda: modal([rng.uniform(300, 900)], [0.03], [1], 0.06, rate, rng),
    )
    return hits + 0.3 * band(colored(n, rng, -3), 100, 2500, rate), None


def _wind(n: int, rate: int, rng: np.random.Generator, q: float, gust_hz: float) -> Array:
    src = colored(n, rng, -3)
    gust = 0.5 + 0.5 * smooth_random(n, rate, rng, gust_hz)
    centre = rng.uniform(300, 900) * (1 + 0.8 * gust)
    out = np.zeros(n)
    hop = rate // 20
    for i in range(0, n, hop):  # a band-pass that follows the gusts, block by block
        seg = slice(max(0, i - hop), min(n, i + hop))
        y = resonator(src[seg], float(centre[i]), q, rate)
        w = np.hanning(y.size)
        out[seg] += y * w
    return out * (0.3 + gust)


def wind_gentle(rng: np.random.Generator, rate: int) -> Gen:
    return _wind(int(rng.uniform(5, 8) * rate), rate, rng, 1.0, 0.4), None


def wind_howling(rng: np.random.Generator, rate: int) -> Gen:
    return _wind(int(rng.uniform(5, 8) * rate), rate, rng, 12.0, 0.6), None


def thunder(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(5, 8)
    t = t_axis(seconds, rate)
    n = t.size
    onset = rng.uniform(0, 0.5)
    env = np.where(t < onset, 0, np.exp(-(t - onset) / rng.uniform(1.0, 2.5)))
    env *= 0.6 + 0.4 * np.abs(smooth_random(n, rate, rng, 3))
    crack = band(white(n, rng), 500, 6000, rate) * np.where(
        t < onset, 0, np.exp(-(t - onset) / 0.08)
    )
    near = rng.random() < 0.5
    return band(colored(n, rng, -6), 20, 600, rate) * env + (0.7 * crack if near else 0), (
        "a close thunder clap" if near else "distant thunder rumbling"
    )


# --- water ---------------------------------------------------------------------------
def ocean_waves(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(6, 9)
    t = t_axis(seconds, rate)
    period = rng.uniform(4, 7)
    swell = np.clip(np.sin(2 * np.pi * (t / period + rng.random())), 0, 1) ** 2
    x = band(colored(t.size, rng, -3), 100, 6000, rate) * (0.15 + swell)
    return x + 0.5 * band(colored(t.size, rng, -6), 30, 400, rate) * (0.3 + swell), None


def brook(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(5, 8)
    x = _particles(seconds, rng.uniform(80, 200), rate, rng, lambda: _drop(rate, rng))
    return x + 0.3 * band(colored(x.size, rng, -3), 300, 3000, rate), None


def dripping(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(5, 8)
    x = np.zeros(int(seconds * rate))
    f = rng.uniform(900, 2000)
    period = rng.uniform(0.4, 1.2)
    for k in range(int(seconds / period)):
        d = _drop(rate, rng, f * rng.uniform(0.95, 1.05))
        place(
            x, d + 0.3 * np.concatenate([np.zeros(int(0.05 * rate)), d])[: d.size], k * period, rate
        )
    return x, None


def bubbles(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(3, 6)
    return _particles(
        seconds, rng.uniform(10, 30), rate, rng, lambda: _drop(rate, rng, rng.uniform(200, 700))
    ), None


def waterfall(rng: np.random.Generator, rate: int) -> Gen:
    n = int(rng.uniform(5, 8) * rate)
    return band(colored(n, rng, -1), 80, 7000, rate) * (
        1 + 0.1 * smooth_random(n, rate, rng, 4)
    ), None


def pouring_water(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(3, 6)
    n = int(seconds * rate)
    fill = np.linspace(0, 1, n)  # the air column shortens as the vessel fills: pitch rises
    src = band(colored(n, rng, -2), 200, 6000, rate)
    x = np.zeros(n)
    hop = rate // 10
    for i in range(0, n, hop):
        seg = slice(max(0, i - hop), min(n, i + hop))
        x[seg] += resonator(src[seg], 300 + 1500 * fill[i], 6, rate) * np.hanning(
            seg.stop - seg.start
        )
    return x * adsr(n, rate, 0.2, 0.2), None


# --- fire ------------------------------------------------------------------------------
def fire_crackle(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(5, 8)
    n = int(seconds * rate)
    bed = band(colored(n, rng, -4), 60, 900, rate) * (0.6 + 0.4 * smooth_random(n, rate, rng, 3))
    pops = _particles(
        seconds,
        rng.uniform(8, 30),
        rate,
        rng,
        lambda: band(strike(rng.uniform(0.002, 0.01), rate, rng, 1.0), 1000, 7000, rate) * 3,
    )
    return 0.4 * bed + pops, None


def fire_roar(rng: np.random.Generator, rate: int) -> Gen:
    n = int(rng.uniform(5, 8) * rate)
    x = band(colored(n, rng, -5), 30, 1500, rate) * (0.7 + 0.3 * smooth_random(n, rate, rng, 6))
    pops = _particles(
        n / rate,
        rng.uniform(3, 10),
        rate,
        rng,
        lambda: band(strike(0.006, rate, rng, 1.0), 800, 6000, rate) * 2,
    )
    return x + pops, None


# --- footsteps and impacts -------------------------------------------------------------
def _steps(
    rng: np.random.Generator,
    rate: int,
    step: Callable[[int], Array],
    interval: float,
    seconds: float,
) -> Array:
    x = np.zeros(int(seconds * rate))
    t = rng.uniform(0.05, 0.3)
    k = 0
    while t < seconds - 0.3:
        place(x, step(k), t, rate, rng.uniform(0.7, 1.0) * (1.0 if k % 2 else 0.85))
        t += interval * rng.uniform(0.92, 1.08)
        k += 1
    return x


def _crunch(
    rng: np.random.Generator, rate: int, lo: float, hi: float, dur: float, grains: int
) -> Array:
    return band(
        _particles(dur, grains / dur, rate, rng, lambda: strike(0.003, rate, rng, 0.8)),
        lo,
        hi,
        rate,
    )


def steps_gravel(rng: np.random.Generator, rate: int) -> Gen:
    return _steps(
        rng,
        rate,
        lambda k: _crunch(rng, rate, 800, 7000, 0.18, 40),
        rng.uniform(0.5, 0.65),
        rng.uniform(4, 7),
    ), None


def steps_snow(rng: np.random.Generator, rate: int) -> Gen:
    return _steps(
        rng,
        rate,
        lambda k: _crunch(rng, rate, 300, 3000, 0.25, 60),
        rng.uniform(0.55, 0.7),
        rng.uniform(4, 7),
    ), None


def steps_wood(rng: np.random.Generator, rate: int) -> Gen:
    def step(k: int) -> Array:
        thud = modal(
            [rng.uniform(90, 160), rng.uniform(300, 500)], [0.08, 0.05], [1, 0.4], 0.2, rate, rng
        )
        return add(thud, 0.3 * band(strike(0.01, rate, rng, 0.5), 500, 4000, rate))

    return _steps(rng, rate, step, rng.uniform(0.5, 0.65), rng.uniform(4, 7)), None


def steps_heels(rng: np.random.Generator, rate: int) -> Gen:
    def step(k: int) -> Array:
        return modal(
            [rng.uniform(1800, 2600), rng.uniform(3500, 5000)],
            [0.05, 0.03],
            [1, 0.5],
            0.12,
            rate,
            rng,
        )

    return _steps(rng, rate, step, rng.uniform(0.45, 0.55), rng.uniform(4, 7)), None


def running(rng: np.random.Generator, rate: int) -> Gen:
    return _steps(
        rng,
        rate,
        lambda k: _crunch(rng, rate, 200, 4000, 0.08, 15) * 2,
        rng.uniform(0.28, 0.36),
        rng.uniform(3, 6),
    ), None


def door_knock(rng: np.random.Generator, rate: int) -> Gen:
    x = np.zeros(int(3 * rate))
    f = rng.uniform(150, 260)
    for k in range(int(rng.integers(2, 5))):
        knock = modal([f, f * 2.3, f * 4.1], [0.08, 0.05, 0.03], [1, 0.5, 0.3], 0.15, rate, rng)
        place(
            x,
            add(knock, 0.2 * strike(0.005, rate, rng, 0.6)),
            0.2 + k * rng.uniform(0.18, 0.3),
            rate,
        )
    return x, None


def hammer_metal(rng: np.random.Generator, rate: int) -> Gen:
    x = np.zeros(int(rng.uniform(3, 5) * rate))
    ratios = np.sort(rng.uniform(1, 8, 8))
    f0 = rng.uniform(300, 800)
    for k in range(int(rng.integers(2, 6))):
        hit = modal(f0 * ratios, 1.2 / ratios**0.5, 1 / ratios, 1.5, rate, rng)
        place(x, add(hit, strike(0.003, rate, rng, 1.0)), 0.1 + k * rng.uniform(0.4, 0.7), rate)
    return x, None


def hammer_nail(rng: np.random.Generator, rate: int) -> Gen:
    x = np.zeros(int(rng.uniform(3, 5) * rate))
    for k in range(int(rng.integers(3, 7))):
        f = 180 + 40 * k  # the nail goes in: the board's knock rises a little
        hit = modal(
            [f, 2.7 * f, 3000], [0.1, 0.06, 0.15], [1, 0.4, 0.3 * (1 - k / 8)], 0.3, rate, rng
        )
        place(
            x, add(hit, 0.4 * strike(0.004, rate, rng, 1.0)), 0.1 + k * rng.uniform(0.45, 0.6), rate
        )
    return x, None


def glass_break(rng: np.random.Generator, rate: int) -> Gen:
    x = np.zeros(int(rng.uniform(2.5, 4) * rate))
    place(
        x,
        band(white(int(0.08 * rate), rng), 1500, 7000, rate)
        * np.exp(-np.linspace(0, 5, int(0.08 * rate))),
        0.1,
        rate,
        2,
    )
    for _ in range(int(rng.integers(20, 50))):
        shard = modal(rng.uniform(2500, 7000, 3), [0.15, 0.1, 0.08], [1, 0.6, 0.4], 0.25, rate, rng)
        place(x, shard, 0.1 + rng.exponential(0.25), rate, rng.uniform(0.1, 0.6))
    return x, None


def wood_block(rng: np.random.Generator, rate: int) -> Gen:
    x = np.zeros(int(3 * rate))
    f = rng.uniform(500, 1200)
    for k in range(int(rng.integers(1, 6))):
        place(x, modal([f, f * 2.6], [0.07, 0.04], [1, 0.3], 0.15, rate, rng), 0.1 + k * 0.35, rate)
    return x, None


def metal_pipe(rng: np.random.Generator, rate: int) -> Gen:
    f = rng.uniform(200, 600)
    x = modal(
        f * np.array([1, 2.76, 5.40, 8.93]),
        [1.5, 1.0, 0.6, 0.4],
        [1, 0.8, 0.5, 0.3],
        2.5,
        rate,
        rng,
    )
    return add(x, strike(0.004, rate, rng, 1.0)), None


def ball_bounce(rng: np.random.Generator, rate: int) -> Gen:
    x = np.zeros(int(3.5 * rate))
    t, gap, f = 0.1, rng.uniform(0.4, 0.6), rng.uniform(150, 400)
    amp = 1.0
    while gap > 0.02 and t < 3.3:
        place(x, modal([f, f * 2.1], [0.08, 0.05], [1, 0.4], 0.15, rate, rng), t, rate, amp)
        t += gap
        gap *= 0.75
        amp *= 0.85
    return x, None


def coin_drop(rng: np.random.Generator, rate: int) -> Gen:
    x = np.zeros(int(3 * rate))
    f = rng.uniform(3000, 5000)
    ring = modal([f, f * 1.6, f * 2.3], [0.6, 0.4, 0.3], [1, 0.7, 0.5], 0.7, rate, rng)
    t, gap = 0.1, 0.25
    while gap > 0.01 and t < 2.5:
        place(x, ring, t, rate, gap * 3)
        t += gap
        gap *= 0.7
    return x, None


def explosion(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(3, 6)
    t = t_axis(seconds, rate)
    env = np.exp(-t / rng.uniform(0.4, 1.2))
    far = rng.random() < 0.5
    x = band(colored(t.size, rng, -6), 20, 300 if far else 3000, rate) * env
    return x, ("a distant explosion" if far else "a loud explosion")


def fireworks(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(5, 8)
    x = np.zeros(int(seconds * rate))
    for _ in range(int(rng.integers(3, 7))):
        t0 = rng.uniform(0, seconds - 2)
        boom = band(colored(int(1.0 * rate), rng, -5), 30, 1500, rate) * np.exp(
            -np.linspace(0, 6, rate)
        )
        place(x, boom, t0, rate)
        place(
            x,
            _particles(1.5, 40, rate, rng, lambda: strike(0.003, rate, rng, 1.0)),
            t0 + 0.3,
            rate,
            0.4,
        )
    return x, None


def door_slam(rng: np.random.Generator, rate: int) -> Gen:
    x = np.zeros(int(2 * rate))
    f = rng.uniform(70, 130)
    hit = modal(
        [f, f * 2.2, f * 3.9, 900], [0.3, 0.2, 0.1, 0.05], [1, 0.6, 0.3, 0.3], 0.6, rate, rng
    )
    place(x, add(hit, band(strike(0.02, rate, rng, 0.5), 100, 3000, rate)), 0.2, rate)
    return x, None


def sawing_wood(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(4, 7)
    t = t_axis(seconds, rate)
    stroke = rng.uniform(0.5, 0.8)
    env = np.abs(np.sin(np.pi * t / stroke)) ** 0.5
    teeth = 0.5 + 0.5 * osc(rng.uniform(80, 160) * (0.8 + 0.4 * env), t.size, rate)
    return band(white(t.size, rng), 1000, 6000, rate) * env * teeth, None


def zipper(rng: np.random.Generator, rate: int) -> Gen:
    x = np.zeros(int(2.5 * rate))
    for k in range(int(rng.integers(1, 3))):
        dur = rng.uniform(0.4, 1.0)
        n = int(dur * rate)
        teeth = (osc(rng.uniform(150, 400), n, rate) > 0.6).astype(float)
        place(x, band(teeth * white(n, rng), 1500, 7000, rate), 0.1 + k * 1.1, rate)
    return x, None


def train_passing(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(6, 9)
    n = int(seconds * rate)
    x = band(colored(n, rng, -5), 30, 800, rate) * 0.5
    wagon = rng.uniform(0.6, 1.0)
    for k in range(int(seconds / wagon)):
        for d in (0.0, 0.12):  # two axles per joint: clickety-clack
            place(
                x,
                modal([rng.uniform(200, 400), 1200], [0.05, 0.03], [1, 0.4], 0.1, rate, rng),
                k * wagon + d,
                rate,
                1.5,
            )
    return x, None
