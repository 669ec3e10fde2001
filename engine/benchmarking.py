"""A tiny benchmark framework that every layer's benchmarks share.

Figures are ratios, never bare seconds: a real-time factor (seconds of audio per second of
compute, higher is faster) or the ratio to a baseline timed in the same run, so the numbers
mean the same on a busy shared machine and on a laptop.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Measurement:
    """One figure: ``value`` in ``unit`` (e.g. "x real time"), with the raw timing behind it."""

    name: str
    value: float
    unit: str
    detail: str = ""
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Benchmark:
    """A named group of measurements; ``run(repeats)`` returns them."""

    name: str
    description: str
    run: Callable[[int], list[Measurement]]


def time_call(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeats`` calls, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def realtime(
    name: str, audio_seconds: float, seconds: float, detail: str = "", **extra: Any
) -> Measurement:
    """A real-time-factor measurement: audio seconds processed per second of compute."""
    return Measurement(name, audio_seconds / seconds, "x real time", detail, seconds, extra)


def ratio(
    name: str, seconds: float, baseline_seconds: float, baseline: str, **extra: Any
) -> Measurement:
    """Cost relative to a baseline timed in the same run (``value`` = time / baseline time)."""
    return Measurement(
        name, seconds / baseline_seconds, f"x the time of {baseline}", "", seconds, extra
    )
