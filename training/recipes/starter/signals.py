"""Procedural signals: sirens, alarms, horns and phones; clocks and mechanisms; electronic
and household tones (oscillators with glides, beeps, struck modal ticks).

Generators follow :mod:`.tonal`'s signature: ``fn(rng, rate) -> (mono, caption or None)``.
"""

from __future__ import annotations

from typing import cast

import numpy as np

from .dsp import Array, add, adsr, band, modal, osc, place, smooth_random, strike, t_axis, white

Gen = tuple[Array, str | None]


# --- sirens, alarms, horns -------------------------------------------------------------
def _siren(f: Array, rate: int, shape: str = "saw") -> Array:
    return band(osc(f, f.size, rate, shape), 200, 5000, rate)


def siren_wail(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(5, 8)
    t = t_axis(seconds, rate)
    period = rng.uniform(2.5, 4.5)
    f = 700 + rng.uniform(500, 800) * (0.5 - 0.5 * np.cos(2 * np.pi * t / period))
    return _siren(f, rate), None


def siren_yelp(rng: np.random.Generator, rate: int) -> Gen:
    t = t_axis(rng.uniform(4, 7), rate)
    period = rng.uniform(0.25, 0.4)
    f = 700 + 800 * ((t / period) % 1.0)
    return _siren(f, rate), None


def siren_two_tone(rng: np.random.Generator, rate: int) -> Gen:
    t = t_axis(rng.uniform(4, 8), rate)
    lo = rng.uniform(420, 480)
    step = (t / rng.uniform(0.5, 0.7)) % 2 < 1
    f = np.where(step, lo, lo * 1.33)
    return _siren(band(f, None, 60, rate), rate, "square"), None


def air_raid_siren(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(6, 9)
    t = t_axis(seconds, rate)
    f = 150 + 350 * np.sin(np.pi * np.clip(t / seconds, 0, 1)) ** 0.7
    return _siren(f, rate, "saw") + 0.3 * _siren(f * 1.5, rate, "sine"), None


def _beeps(
    freq: float, on: float, off: float, count: int, rate: int, shape: str = "square"
) -> Array:
    x = np.zeros(int((on + off) * count * rate) + rate // 4)
    tone = osc(freq, int(on * rate), rate, shape) * adsr(int(on * rate), rate, 0.003, 0.003)
    for k in range(count):
        place(x, tone, k * (on + off), rate)
    return x


def alarm_clock(rng: np.random.Generator, rate: int) -> Gen:
    x = np.zeros(int(6 * rate))
    f = rng.uniform(2000, 3500)
    for k in range(int(rng.integers(3, 6))):
        place(x, _beeps(f, 0.06, 0.06, 4, rate), k * 1.0, rate)
    return x, None


def smoke_alarm(rng: np.random.Generator, rate: int) -> Gen:
    return _beeps(rng.uniform(3000, 3500), 0.5, 0.5, int(rng.integers(3, 7)), rate, "sine"), None


def reversing_beeper(rng: np.random.Generator, rate: int) -> Gen:
    return _beeps(rng.uniform(900, 1200), 0.5, 0.5, int(rng.integers(4, 8)), rate), None


def car_horn(rng: np.random.Generator, rate: int) -> Gen:
    f = rng.uniform(380, 450)
    x = np.zeros(int(3 * rate))
    for k in range(int(rng.integers(1, 4))):
        dur = rng.uniform(0.2, 0.9)
        n = int(dur * rate)
        tone = (osc(f, n, rate, "saw") + osc(f * 1.26, n, rate, "saw")) * adsr(n, rate, 0.01, 0.03)
        place(x, tone, k * (dur + 0.15), rate)
    return band(x, 200, 4000, rate), None


def train_horn(rng: np.random.Generator, rate: int) -> Gen:
    dur = rng.uniform(1.5, 3.5)
    n = int(dur * rate)
    f = rng.uniform(250, 330)
    x = cast(Array, sum(osc(f * r, n, rate, "saw") for r in (1.0, 1.26, 1.5)))
    return band(x, 150, 3000, rate) * adsr(n, rate, 0.08, 0.3), None


def foghorn(rng: np.random.Generator, rate: int) -> Gen:
    dur = rng.uniform(2.5, 5)
    n = int(dur * rate)
    x = osc(rng.uniform(70, 110), n, rate, "saw")
    return band(x, 40, 1200, rate) * adsr(n, rate, 0.3, 0.8), None


def old_phone_ring(rng: np.random.Generator, rate: int) -> Gen:
    x = np.zeros(int(6 * rate))
    f0 = rng.uniform(1000, 1400)
    bell = modal(f0 * np.array([1, 2.1, 3.3]), [0.4, 0.3, 0.2], [1, 0.4, 0.2], 0.4, rate, rng)
    for ring in range(2):
        for k in range(int(1.0 * 20)):
            place(x, bell, ring * 3.0 + k / 20, rate, 1.0 if k % 2 else 0.8)
    return x, None


def busy_signal(rng: np.random.Generator, rate: int) -> Gen:
    n = int(0.5 * rate)
    tone = (osc(480, n, rate) + osc(620, n, rate)) * adsr(n, rate, 0.005, 0.005)
    x = np.zeros(int(rng.uniform(4, 6) * rate))
    for k in range(int(x.size / rate)):
        place(x, tone, k * 1.0, rate)
    return x, None


# --- clocks and mechanisms -------------------------------------------------------------
def _tick(rate: int, rng: np.random.Generator, f: float, t60: float = 0.05) -> Array:
    return add(
        modal(
            [f, f * 1.7, f * 2.9], [t60, t60 * 0.7, t60 * 0.5], [1, 0.6, 0.4], t60 * 2, rate, rng
        ),
        0.5 * strike(0.003, rate, rng, 1.0),
    )


def clock_ticking(rng: np.random.Generator, rate: int) -> Gen:
    x = np.zeros(int(rng.uniform(5, 8) * rate))
    f = rng.uniform(2000, 4000)
    for k in range(int(x.size / rate)):
        place(x, _tick(rate, rng, f * (1.0 if k % 2 else 0.85)), k * 1.0, rate)
    return x, None


def grandfather_clock(rng: np.random.Generator, rate: int) -> Gen:
    x = np.zeros(int(rng.uniform(6, 9) * rate))
    f = rng.uniform(700, 1200)
    for k in range(int(x.size / rate / 1.2)):
        place(x, _tick(rate, rng, f * (1.0 if k % 2 else 0.8), 0.15), k * 1.2, rate)
    return x, None


def metronome(rng: np.random.Generator, rate: int) -> Gen:
    bpm = rng.uniform(60, 160)
    x = np.zeros(int(rng.uniform(4, 7) * rate))
    for k in range(int(x.size / rate * bpm / 60)):
        place(x, _tick(rate, rng, 1500 if k % 4 else 2500, 0.03), k * 60 / bpm, rate)
    return x, f"a metronome clicking at {int(round(bpm))} beats per minute"


def typewriter(rng: np.random.Generator, rate: int) -> Gen:
    x = np.zeros(int(rng.uniform(4, 7) * rate))
    t = 0.1
    while t < x.size / rate - 1.2:
        place(
            x,
            add(
                _tick(rate, rng, rng.uniform(1200, 2500), 0.04), 0.5 * strike(0.02, rate, rng, 0.3)
            ),
            t,
            rate,
            rng.uniform(0.5, 1.0),
        )
        t += rng.exponential(0.13) + 0.05
    place(x, modal([4200, 8900], [0.8, 0.4], [1, 0.3], 1.0, rate, rng), t + 0.1, rate, 0.6)
    return x, None


def keyboard_typing(rng: np.random.Generator, rate: int) -> Gen:
    x = np.zeros(int(rng.uniform(4, 7) * rate))
    t = 0.05
    while t < x.size / rate - 0.1:
        click = band(strike(0.015, rate, rng, 0.6), 1000, 7000, rate)
        place(x, click, t, rate, rng.uniform(0.4, 1.0))
        t += rng.exponential(0.08) + 0.04 + (0.4 if rng.random() < 0.08 else 0)
    return x, None


def geiger_counter(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(4, 7)
    x = np.zeros(int(seconds * rate))
    level = rng.uniform(3, 30)
    for t in np.sort(rng.uniform(0, seconds - 0.01, rng.poisson(level * seconds))):
        place(x, strike(0.002, rate, rng, 1.0), t, rate)
    return x, ("a Geiger counter clicking rapidly" if level > 15 else None)


# --- electronic and sci-fi ---------------------------------------------------------------
def laser_zap(rng: np.random.Generator, rate: int) -> Gen:
    x = np.zeros(int(2 * rate))
    for k in range(int(rng.integers(1, 4))):
        dur = rng.uniform(0.15, 0.4)
        n = int(dur * rate)
        f = rng.uniform(2000, 4000) * np.exp(-np.linspace(0, rng.uniform(2, 4), n))
        place(x, osc(f, n, rate, "square") * np.exp(-np.linspace(0, 3, n)), k * 0.4, rate)
    return x, None


def sonar_ping(rng: np.random.Generator, rate: int) -> Gen:
    f = rng.uniform(900, 1600)
    x = modal([f], [1.8], [1], 3.0, rate, rng)
    echo = 0.3 * np.concatenate([np.zeros(int(0.9 * rate)), x])[: x.size]
    return x + echo, None


def electrical_hum(rng: np.random.Generator, rate: int) -> Gen:
    n = int(rng.uniform(4, 7) * rate)
    mains = rng.choice([50.0, 60.0])
    x = sum(osc(mains * k, n, rate) * (0.8**k) for k in range(1, 12))
    return x + 0.05 * band(white(n, rng), 2000, 6000, rate), None


def radio_static(rng: np.random.Generator, rate: int) -> Gen:
    n = int(rng.uniform(3, 6) * rate)
    x = band(white(n, rng), 300, 6000, rate) * (0.7 + 0.3 * smooth_random(n, rate, rng, 8))
    crackle = (rng.random(n) < 0.002) * rng.standard_normal(n) * 4
    return x + crackle, None


def sci_fi_warble(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(3, 6)
    n = int(seconds * rate)
    f = (
        rng.uniform(300, 900)
        * (1 + 0.3 * osc(rng.uniform(4, 9), n, rate))
        * (1 + 0.5 * smooth_random(n, rate, rng, 0.5))
    )
    return osc(f, n, rate), None


def kettle_whistle(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(4, 7)
    n = int(seconds * rate)
    t = t_axis(seconds, rate)
    f = rng.uniform(1500, 2200) * (1 + 0.15 * np.clip(t / seconds, 0, 1))
    amp = np.clip(t / (seconds * 0.5), 0, 1)
    x = osc(f * (1 + 0.003 * smooth_random(n, rate, rng, 20)), n, rate) * amp
    return x + 0.2 * band(white(n, rng), 1000, 6000, rate) * amp, None


def referee_whistle(rng: np.random.Generator, rate: int) -> Gen:
    x = np.zeros(int(3 * rate))
    for k in range(int(rng.integers(1, 4))):
        dur = rng.uniform(0.2, 0.8)
        n = int(dur * rate)
        trill = rng.uniform(25, 45)
        f = rng.uniform(2800, 3600) * (1 + 0.06 * (osc(trill, n, rate) > 0))
        tone = osc(band(f, None, 200, rate), n, rate) + 0.15 * band(white(n, rng), 2000, 6000, rate)
        place(x, tone * adsr(n, rate, 0.01, 0.03), k * (dur + 0.2), rate)
    return x, None


def spring_boing(rng: np.random.Generator, rate: int) -> Gen:
    dur = rng.uniform(0.8, 1.5)
    n = int(dur * rate)
    t = t_axis(dur, rate)
    f = rng.uniform(150, 300) * (
        1 + 0.5 * np.sin(2 * np.pi * rng.uniform(8, 14) * t) * np.exp(-3 * t)
    )
    return osc(f, n, rate) * np.exp(-3 * t), None
