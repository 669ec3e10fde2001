"""Procedural tonal sounds: bells and chimes (modal synthesis), engines and motors (firing
pulses through body resonances). More in :mod:`.signals`.

Every generator is ``fn(rng, rate) -> (mono float64, caption or None)``: a fresh variant
each call (pitch, size, rhythm, duration drawn from ``rng``); ``None`` keeps the concept's
default caption.
"""

from __future__ import annotations

import numpy as np

from .dsp import (
    Array,
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
# Partial ratios: a church bell (hum, prime, tierce, quint, nominal, ...) and a free bar.
BELL_RATIOS = (0.5, 1.0, 1.183, 1.506, 2.0, 2.514, 2.662, 3.011, 4.166, 5.433)
BAR_RATIOS = (1.0, 2.756, 5.404, 8.933)


def _bell(f0: float, seconds: float, t60: float, rate: int, rng: np.random.Generator) -> Array:
    ratios = np.array(BELL_RATIOS) * (1 + rng.normal(0, 0.004, len(BELL_RATIOS)))
    amps = np.array([0.5, 0.8, 0.6, 0.3, 0.7, 0.35, 0.3, 0.2, 0.15, 0.1])
    decays = t60 / (0.6 + ratios) * 1.5
    x = modal(f0 * ratios, decays, amps, seconds, rate, rng)
    x += modal(f0 * ratios * 1.002, decays, amps * 0.5, seconds, rate, rng)  # beating doublets
    place(x, strike(0.004, rate, rng, 0.9), 0.0, rate, 0.5)
    return x


def church_bell(rng: np.random.Generator, rate: int) -> Gen:
    n = int(rng.integers(1, 4))
    f0 = rng.uniform(180, 420)
    gap = rng.uniform(1.5, 2.5)
    x = np.zeros(int((gap * n + 3) * rate))
    for k in range(n):
        place(x, _bell(f0, 3.5, 6.0, rate, rng), k * gap, rate)
    return x, ("a large church bell tolling" if f0 < 300 else "a church bell ringing")


def hand_bell(rng: np.random.Generator, rate: int) -> Gen:
    f0 = rng.uniform(700, 1500)
    x = np.zeros(int(rng.uniform(2.0, 4.0) * rate))
    for k in range(int(rng.integers(1, 6))):
        place(x, _bell(f0, 1.5, 1.2, rate, rng), k * rng.uniform(0.15, 0.35), rate)
    return x, None


def wind_chimes(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(4, 8)
    x = np.zeros(int(seconds * rate))
    tubes = rng.uniform(600, 1800, int(rng.integers(4, 8)))
    for _ in range(int(rng.integers(8, 25))):
        f = rng.choice(tubes)
        tone = modal(
            f * np.array(BAR_RATIOS), [2.5, 1.0, 0.5, 0.3], [1, 0.5, 0.25, 0.1], 2.5, rate, rng
        )
        place(x, tone, rng.uniform(0, seconds - 0.5), rate, rng.uniform(0.3, 1.0))
    return x, None


def tubular_bell(rng: np.random.Generator, rate: int) -> Gen:
    f0 = rng.uniform(250, 600)
    x = modal(
        f0 * np.array([1, 2.76, 5.40, 8.93, 13.3]),
        [5, 3, 1.5, 0.8, 0.4],
        [1, 0.7, 0.5, 0.3, 0.1],
        rng.uniform(3, 5),
        rate,
        rng,
    )
    place(x, strike(0.003, rate, rng, 1.0), 0, rate, 0.4)
    return x, None


def singing_bowl(rng: np.random.Generator, rate: int) -> Gen:
    f0 = rng.uniform(200, 500)
    seconds = rng.uniform(5, 8)
    ratios = np.array([1, 2.71, 5.02, 7.86])
    x = modal(f0 * ratios, [8, 5, 3, 2], [1, 0.5, 0.3, 0.15], seconds, rate, rng)
    x += modal(f0 * ratios * 1.003, [8, 5, 3, 2], [1, 0.5, 0.3, 0.15], seconds, rate, rng)
    return x, None


def doorbell(rng: np.random.Generator, rate: int) -> Gen:
    f1 = rng.uniform(600, 800)
    x = np.zeros(int(2.5 * rate))
    for k, f in enumerate((f1, f1 / 1.26)):
        place(
            x,
            modal([f, 2 * f, 3 * f], [1.5, 0.8, 0.4], [1, 0.3, 0.1], 1.6, rate, rng),
            k * 0.55,
            rate,
        )
    return x, None


def bicycle_bell(rng: np.random.Generator, rate: int) -> Gen:
    f0 = rng.uniform(2500, 3500)
    x = np.zeros(int(1.5 * rate))
    for k in range(int(rng.integers(2, 4))):
        place(
            x,
            modal(f0 * np.array([1, 1.52, 2.3]), [0.6, 0.4, 0.3], [1, 0.6, 0.3], 0.7, rate, rng),
            k * 0.12,
            rate,
        )
    return x, None


def service_bell(rng: np.random.Generator, rate: int) -> Gen:
    f0 = rng.uniform(1800, 2600)
    x = modal(f0 * np.array([1, 2.32, 4.25]), [1.8, 1.0, 0.5], [1, 0.4, 0.2], 2.0, rate, rng)
    place(x, strike(0.002, rate, rng, 1.0), 0, rate, 0.3)
    return x, None


def gong(rng: np.random.Generator, rate: int) -> Gen:
    f0 = rng.uniform(60, 120)
    seconds = rng.uniform(5, 8)
    ratios = np.sort(rng.uniform(1, 40, 40))
    x = modal(f0 * ratios, 6 / np.sqrt(ratios), 1 / ratios**0.5, seconds, rate, rng)
    x += (
        0.3 * band(colored(x.size, rng, -3), 300, 3000, rate) * np.exp(-t_axis(seconds, rate) / 1.5)
    )
    return x, None


# --- engines and motors --------------------------------------------------------------
def _engine(
    rpm: Array,
    cylinders: int,
    rate: int,
    rng: np.random.Generator,
    body_hz: float,
    roughness: float = 0.15,
) -> Array:
    """Firing pulses (rate = rpm/60 · cylinders/2 for a four-stroke engine) with per-firing
    jitter, through exhaust/body resonances, plus mechanical noise."""
    n = rpm.size
    fire_hz = rpm / 60.0 * cylinders / 2.0
    phase = np.cumsum(fire_hz) / rate
    idx = np.nonzero(np.diff(np.floor(phase)) > 0)[0]
    pulses = np.zeros(n)
    pulses[idx] = 1 + roughness * rng.standard_normal(idx.size)
    kernel = np.exp(-np.arange(int(0.006 * rate)) / (0.0015 * rate))
    x = np.convolve(pulses, kernel)[:n]
    body = resonator(x, body_hz, 3, rate) + 0.6 * resonator(x, body_hz * 2.7, 5, rate)
    noise = band(white(n, rng), 800, 5000, rate) * 0.02 * (rpm / rpm.max())
    return np.tanh(3 * body / (np.max(np.abs(body)) + 1e-9)) + noise


def car_idle(rng: np.random.Generator, rate: int) -> Gen:
    n = int(rng.uniform(4, 8) * rate)
    rpm = rng.uniform(700, 950) * (1 + 0.03 * smooth_random(n, rate, rng, 2))
    return _engine(rpm, int(rng.choice([4, 6])), rate, rng, rng.uniform(80, 160)), None


def car_rev(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(4, 7)
    t = t_axis(seconds, rate)
    peak = rng.uniform(3500, 6000)
    rpm = 900 + (peak - 900) * np.exp(-(((t - seconds * 0.4) / (seconds * 0.18)) ** 2))
    return _engine(rpm, 4, rate, rng, rng.uniform(100, 180)), None


def motorcycle(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(4, 7)
    t = t_axis(seconds, rate)
    rpm = rng.uniform(1200, 2000) + rng.uniform(1500, 4000) * np.clip(
        np.sin(np.pi * t / seconds), 0, 1
    )
    return _engine(rpm, 2, rate, rng, rng.uniform(120, 220), 0.35), None


def diesel_truck(rng: np.random.Generator, rate: int) -> Gen:
    n = int(rng.uniform(4, 8) * rate)
    rpm = rng.uniform(550, 750) * (1 + 0.02 * smooth_random(n, rate, rng, 1))
    x = _engine(rpm, 6, rate, rng, rng.uniform(50, 90), 0.4)
    return x + 0.15 * band(white(n, rng), 2000, 6000, rate) * (osc(rpm / 30, n, rate) > 0.7), None


def lawn_mower(rng: np.random.Generator, rate: int) -> Gen:
    n = int(rng.uniform(4, 8) * rate)
    rpm = rng.uniform(2800, 3400) * (1 + 0.04 * smooth_random(n, rate, rng, 3))
    return _engine(rpm, 2, rate, rng, rng.uniform(180, 300), 0.3), None


def electric_motor(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(3, 6)
    n = int(seconds * rate)
    f = rng.uniform(150, 400) * (1 + 0.8 * np.clip(t_axis(seconds, rate) / 1.0, 0, 1))
    x = sum(osc(f * k, n, rate) / k for k in (1, 2, 3, 5))
    return x + 0.1 * band(white(n, rng), 2000, 6000, rate), None


def power_drill(rng: np.random.Generator, rate: int) -> Gen:
    seconds = rng.uniform(3, 6)
    n = int(seconds * rate)
    load = (smooth_random(n, rate, rng, 1.5) > 0.2).astype(float)
    load = band(load, None, 5, rate)
    f = rng.uniform(350, 600) * (1 - 0.25 * load)
    x = osc(f, n, rate, "saw") + 0.4 * band(white(n, rng), 1500, 6000, rate) * (1 + load)
    return x * adsr(n, rate, 0.15, 0.3), None


def helicopter(rng: np.random.Generator, rate: int) -> Gen:
    n = int(rng.uniform(4, 8) * rate)
    blade = rng.uniform(4, 7)
    chop = (0.5 + 0.5 * osc(blade, n, rate)) ** 6
    x = band(colored(n, rng, -3), 60, 900, rate) * (0.3 + chop)
    return x + 0.05 * osc(rng.uniform(800, 1400), n, rate), None


def propeller_plane(rng: np.random.Generator, rate: int) -> Gen:
    n = int(rng.uniform(5, 8) * rate)
    rpm = rng.uniform(1800, 2400) * (1 + 0.02 * smooth_random(n, rate, rng, 0.5))
    x = _engine(rpm, 9, rate, rng, 120)
    return x + 0.5 * band(white(n, rng), 100, 1500, rate) * (
        0.6 + 0.4 * osc(rpm / 60 * 3, n, rate)
    ), None


def jet_engine(rng: np.random.Generator, rate: int) -> Gen:
    n = int(rng.uniform(5, 8) * rate)
    x = band(colored(n, rng, -2), 80, 4000, rate)
    whine = osc(rng.uniform(2500, 5000) * (1 + 0.01 * smooth_random(n, rate, rng, 1)), n, rate)
    return x + 0.08 * whine, None


def fan_hum(rng: np.random.Generator, rate: int) -> Gen:
    n = int(rng.uniform(5, 8) * rate)
    blade_hz = rng.uniform(20, 60)
    x = band(colored(n, rng, -3), 100, 2000, rate) * (1 + 0.3 * osc(blade_hz, n, rate))
    return x + 0.3 * osc(blade_hz * 2, n, rate), None
