"""Benchmarks of the path editor's interaction (collected by ``ambisketch bench``).

What a user feels: the pause when a freehand stroke is released (simplified to keyframes)
and the work done per mouse move on the sphere (a ray cast plus a handle hit test). Both
need no display: they time the numpy code behind the widgets.
"""

from __future__ import annotations

import numpy as np

from ...engine.benchmarking import Benchmark, Measurement, realtime, time_call
from ...engine.spatial.angles import wrap_azimuth
from ...engine.spatial.freehand import DEFAULT_TOLERANCE, stroke_to_trajectory
from .picking import Camera, direction_to_xyz, look_at, nearest_point, perspective, pick

STROKE_SECONDS = 10.0
MOUSE_RATE = 120.0  # pointer events per second while drawing
FRAME = 1.0 / 60.0  # a 60 Hz display frame: the budget of one mouse move
KEYFRAMES = 50  # a busy hand-drawn path


def _stroke() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two wobbly turns drawn by hand: uneven timing, jitter of a fraction of a degree."""
    rng = np.random.default_rng(7)
    n = int(STROKE_SECONDS * MOUSE_RATE)
    t = np.cumsum(rng.uniform(0.5, 1.5, n)) / MOUSE_RATE
    u = np.linspace(0.0, 1.0, n)
    az = np.asarray(wrap_azimuth(720.0 * u + 15.0 * np.sin(9 * np.pi * u)))
    el = 30.0 * np.sin(3 * np.pi * u) + rng.normal(0.0, 0.3, n)
    return t, az, el


def bench_path_editor(repeats: int) -> list[Measurement]:
    t, az, el = _stroke()
    t_stroke = time_call(lambda: stroke_to_trajectory(t, az, el, STROKE_SECONDS), repeats)
    kept = len(stroke_to_trajectory(t, az, el, STROKE_SECONDS).keyframes)

    cam = Camera(perspective(50.0, 640, 480, 0.0036, 3600.0), look_at((-3.0, -1.1, 1.6)), 640, 480)
    rng = np.random.default_rng(8)
    handles = direction_to_xyz(rng.uniform(-180, 180, KEYFRAMES), rng.uniform(-60, 60, KEYFRAMES))
    points = rng.uniform((100, 60), (540, 420), (200, 2))

    def moves() -> None:
        for x, y in points:
            pick(cam, x, y, clamp=True)
            screen, _ = cam.project(handles)
            nearest_point(screen, x, y, 10.0, prefer=cam.facing(handles))

    t_move = time_call(moves, repeats) / len(points)
    return [
        realtime(
            "path.freehand_stroke",
            STROKE_SECONDS,
            t_stroke,
            f"{STROKE_SECONDS:g} s stroke at {MOUSE_RATE:g} events/s → {kept} keyframes "
            f"({DEFAULT_TOLERANCE:g}° tolerance)",
        ),
        Measurement(
            "path.sphere_pointer_move",
            100.0 * t_move / FRAME,
            "% of a 60 Hz frame",
            f"ray cast + hit test among {KEYFRAMES} handles, per mouse move",
            t_move,
        ),
    ]


BENCHMARKS = [
    Benchmark(
        "path",
        "path editor: freehand stroke simplification, sphere picking per mouse move",
        bench_path_editor,
    ),
]
