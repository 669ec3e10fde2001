"""Spatial augmentation: the SonicMotion paper's sampling rules, plus drawn-path shapes.

SonicMotion (arXiv 2507.07318), data section: for every clip one static and one moving
sample; the moving one changes azimuth, elevation or both, its final azimuth at least 45°
and/or final elevation at least 30° from the start; clockwise or counter-clockwise at
random; a speed class — fast (1–3 s of movement), moderate (3.5–6.5 s), slow (7–10 s) —
whose movement window lies inside the clip; linear motion inside the window.

What the paper lacks and our users draw: with ``multi_segment_prob > 0`` a moving sample is
sometimes a path through 2–4 segments (each obeying the same separations and a random
direction) inside one speed-class window, so the generator learns arbitrary drawn paths.

Rooms and distance (ImmerseDiffusion's environmental parameters): with ``room_prob > 0`` a
sample is, with that probability, placed in a random shoebox room at a random distance
(:func:`draw_room`; image sources and a diffuse tail, :mod:`ambisketch.engine.spatial.room`),
and its distance, room size and decay time go into the sample and its caption.

Metadata sampling (:func:`draw_static`, :func:`draw_moving`, :func:`draw_pair`,
:func:`draw_room`) is separate from rendering (:func:`render`), so the rules can be checked
over many draws cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ambisketch.engine.errors import RoomError
from ambisketch.engine.spatial import (
    Keyframe,
    ParametricMotion,
    Trajectory,
    parametric_from_trajectory,
    trajectory_from_parametric,
)
from ambisketch.engine.spatial.ambisonics import encode
from ambisketch.engine.spatial.angles import wrap_azimuth
from ambisketch.engine.spatial.parametric import SPEED_CLASSES
from ambisketch.engine.spatial.room import Room, default_rt60, distance_word, size_word
from ambisketch.engine.spatial.room_render import render_in_room

from .errors import DatasetError

MOTION_KINDS = ("azimuth", "elevation", "both")


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges and rules of the augmentation (angles in degrees, times in seconds).

    The defaults are the paper's: full azimuth circle, elevation within ±35°.
    """

    duration: float = 10.0
    azimuth_range: tuple[float, float] = (-180.0, 180.0)
    elevation_range: tuple[float, float] = (-35.0, 35.0)
    min_azimuth_change: float = 45.0
    min_elevation_change: float = 30.0
    motion_kinds: tuple[str, ...] = MOTION_KINDS
    speed_classes: dict[str, tuple[float, float]] = field(
        default_factory=lambda: dict(SPEED_CLASSES)
    )
    multi_segment_prob: float = 0.0
    segments: tuple[int, int] = (2, 4)
    room_prob: float = 0.0  # share of samples placed in a room (the rest stay dry)
    room_volume_range: tuple[float, float] = (20.0, 20000.0)  # m³, drawn log-uniformly
    rt60_scale_range: tuple[float, float] = (0.6, 1.5)  # × the typical RT60 of the volume
    distance_range: tuple[float, float] = (0.5, 12.0)  # metres, drawn log-uniformly
    room_max_order: int = 2  # image-source order (2: 25 paths; cheap enough on the fly)

    def __post_init__(self) -> None:
        (a0, a1), (e0, e1) = self.azimuth_range, self.elevation_range
        bad = [k for k in self.motion_kinds if k not in MOTION_KINDS]
        if bad or not self.motion_kinds:
            raise DatasetError(f"motion kinds must be among {', '.join(MOTION_KINDS)}, got {bad}")
        if not -180.0 <= a0 < a1 <= 180.0 or not -90.0 <= e0 < e1 <= 90.0:
            raise DatasetError(
                "azimuth range must lie in [-180, 180] and elevation in [-90, 90], low < high"
            )
        if self.min_azimuth_change > min(a1 - a0, 180.0):
            raise DatasetError(
                f"azimuth range {a0:g}..{a1:g} is too narrow for a change of "
                f"{self.min_azimuth_change:g} degrees"
            )
        if self.min_elevation_change > e1 - e0:
            raise DatasetError(
                f"elevation range {e0:g}..{e1:g} is too narrow for a change of "
                f"{self.min_elevation_change:g} degrees"
            )
        if not self.fitting_speeds:
            raise DatasetError(f"no speed class fits a {self.duration:g} s clip")
        if (
            not 0.0 <= self.multi_segment_prob <= 1.0
            or not 1 <= self.segments[0] <= self.segments[1]
        ):
            raise DatasetError("multi_segment_prob must be in [0, 1] and segments (low, high) >= 1")
        if not 0.0 <= self.room_prob <= 1.0:
            raise DatasetError(f"room_prob must be in [0, 1], got {self.room_prob:g}")
        for name in ("room_volume_range", "rt60_scale_range", "distance_range"):
            lo, hi = getattr(self, name)
            if not 0.0 < lo <= hi:
                raise DatasetError(
                    f"{name} must be (low, high) with 0 < low <= high, got ({lo:g}, {hi:g})"
                )
        if not isinstance(self.room_max_order, int) or self.room_max_order < 0:
            raise DatasetError(
                f"room_max_order must be an integer >= 0, got {self.room_max_order!r}"
            )

    @property
    def full_circle(self) -> bool:
        return self.azimuth_range[1] - self.azimuth_range[0] >= 360.0

    @property
    def fitting_speeds(self) -> list[str]:
        """Speed classes whose shortest movement fits in the clip."""
        return [s for s, (lo, _) in self.speed_classes.items() if lo <= self.duration]


@dataclass(frozen=True)
class MotionDraw:
    """One sample's motion: ``kind`` is "static", a :data:`MOTION_KINDS` entry or "path"."""

    kind: str
    parametric: ParametricMotion
    trajectory: Trajectory


def _circ(a: float, b: float) -> float:
    return abs(float(wrap_azimuth(b - a)))


def _azimuth(rng: np.random.Generator, cfg: AugmentConfig) -> float:
    return float(wrap_azimuth(rng.uniform(*cfg.azimuth_range)))


def _intervals(lo: float, hi: float, start: float, gap: float) -> list[tuple[float, float]]:
    """Parts of [lo, hi] at least ``gap`` away from ``start``."""
    return [(a, b) for a, b in ((lo, start - gap), (start + gap, hi)) if b >= a]


def _uniform_in(rng: np.random.Generator, parts: list[tuple[float, float]]) -> float:
    widths = np.array([b - a for a, b in parts])
    k = int(rng.choice(len(parts), p=widths / widths.sum())) if widths.sum() > 0 else 0
    return float(rng.uniform(*parts[k]))


def _az_targets(cfg: AugmentConfig, start: float) -> list[tuple[float, float]]:
    if cfg.full_circle:  # the arc at least min_azimuth_change away on either side
        return [(start + cfg.min_azimuth_change, start + 360.0 - cfg.min_azimuth_change)]
    return _intervals(*cfg.azimuth_range, start, cfg.min_azimuth_change)


def _next_azimuth(rng: np.random.Generator, cfg: AugmentConfig, start: float) -> float:
    """An end azimuth uniform over those at least ``min_azimuth_change`` from ``start``."""
    return float(wrap_azimuth(_uniform_in(rng, _az_targets(cfg, start))))


def _next_elevation(rng: np.random.Generator, cfg: AugmentConfig, start: float) -> float:
    return _uniform_in(rng, _intervals(*cfg.elevation_range, start, cfg.min_elevation_change))


def _feasible(cfg: AugmentConfig, kind: str, az: float, el: float) -> bool:
    """Whether a ``kind`` move from (az, el) can reach the minimum separations in range."""
    ok_az = bool(_az_targets(cfg, az))
    ok_el = bool(_intervals(*cfg.elevation_range, el, cfg.min_elevation_change))
    return {"azimuth": ok_az, "elevation": ok_el, "both": ok_az and ok_el}[kind]


def _start(rng: np.random.Generator, cfg: AugmentConfig, kind: str) -> tuple[float, float]:
    """A uniform start position from which a ``kind`` move is possible (every position,
    with the paper's ranges)."""
    while True:  # the config check makes the feasible set non-empty
        az, el = _azimuth(rng, cfg), float(rng.uniform(*cfg.elevation_range))
        if _feasible(cfg, kind, az, el):
            return az, el


def _clockwise(rng: np.random.Generator, cfg: AugmentConfig, start: float, end: float) -> bool:
    """At random on the full circle; in a limited range, the way that stays inside it."""
    if cfg.full_circle:
        return bool(rng.random() < 0.5)
    return end < start


def _window(rng: np.random.Generator, cfg: AugmentConfig) -> tuple[str, float, float]:
    """Speed class and movement window ``(start, end)`` inside the clip."""
    speeds = cfg.fitting_speeds
    speed = speeds[int(rng.integers(len(speeds)))]
    lo, hi = cfg.speed_classes[speed]
    length = float(rng.uniform(lo, min(hi, cfg.duration)))
    start = float(rng.uniform(0.0, cfg.duration - length))
    return speed, start, min(start + length, cfg.duration)


def draw_static(rng: np.random.Generator, cfg: AugmentConfig) -> MotionDraw:
    """A source that stays at a random position in the configured ranges."""
    az, el = _azimuth(rng, cfg), float(rng.uniform(*cfg.elevation_range))
    p = ParametricMotion(az, el, az, el, False, 0.0, 0.0, "static", cfg.duration)
    return MotionDraw("static", p, trajectory_from_parametric(p))


def draw_moving(rng: np.random.Generator, cfg: AugmentConfig) -> MotionDraw:
    """The paper's moving sample (or, with ``multi_segment_prob``, a multi-segment path)."""
    if cfg.multi_segment_prob > 0 and rng.random() < cfg.multi_segment_prob:
        return draw_path(rng, cfg)
    kind = cfg.motion_kinds[int(rng.integers(len(cfg.motion_kinds)))]
    speed, t0, t1 = _window(rng, cfg)
    az0, el0 = _start(rng, cfg, kind)
    az1 = _next_azimuth(rng, cfg, az0) if kind != "elevation" else az0
    el1 = _next_elevation(rng, cfg, el0) if kind != "azimuth" else el0
    cw = _clockwise(rng, cfg, az0, az1)
    p = ParametricMotion(az0, el0, az1, el1, cw, t0, t1, speed, cfg.duration)
    return MotionDraw(kind, p, trajectory_from_parametric(p))


def draw_path(rng: np.random.Generator, cfg: AugmentConfig) -> MotionDraw:
    """A path of 2–4 linear segments inside one speed-class window; each segment changes
    azimuth, elevation or both by the paper's minimum separations, in a random direction."""
    n = int(rng.integers(cfg.segments[0], cfg.segments[1] + 1))
    speed, t0, t1 = _window(rng, cfg)
    weights = 0.5 / n + 0.5 * rng.dirichlet(
        np.full(n, 2.0)
    )  # no segment shorter than half its share
    times = t0 + (t1 - t0) * np.cumsum(weights)
    times[-1] = t1
    az, el = _start(rng, cfg, cfg.motion_kinds[0])
    kfs = [Keyframe(0.0, az, el)]
    if t0 > 0:
        kfs.append(Keyframe(t0, az, el))
    for t in times:
        kinds = [k for k in cfg.motion_kinds if _feasible(cfg, k, az, el)]
        if not kinds:  # a limited range cornered the path: end it here
            break
        kind = kinds[int(rng.integers(len(kinds)))]
        new_az = _next_azimuth(rng, cfg, az) if kind != "elevation" else az
        new_el = _next_elevation(rng, cfg, el) if kind != "azimuth" else el
        direction = "cw" if _clockwise(rng, cfg, az, new_az) else "ccw"
        kfs.append(Keyframe(float(t), new_az, new_el, direction=direction))
        az, el = new_az, new_el
    if kfs[-1].time < cfg.duration:
        kfs.append(Keyframe(cfg.duration, az, el))
    traj = Trajectory(cfg.duration, tuple(kfs))
    return MotionDraw("path", parametric_from_trajectory(traj), traj)


def draw_pair(rng: np.random.Generator, cfg: AugmentConfig) -> tuple[MotionDraw, MotionDraw]:
    """The paper's pair for one clip: (static, moving)."""
    return draw_static(rng, cfg), draw_moving(rng, cfg)


@dataclass(frozen=True)
class RoomDraw:
    """Where a sample is heard: a room and the source's distance (metres), the tail's seed."""

    room: Room
    distance: float
    seed: int

    def to_dict(self) -> dict[str, float | bool | list[float] | str]:
        """The parametric values a sample carries (ImmerseDiffusion's environment)."""
        r = self.room
        return {
            "in_room": True,
            "distance": round(self.distance, 4),
            "room_size": [round(r.width, 3), round(r.depth, 3), round(r.height, 3)],
            "room_volume": round(r.volume, 2),
            "rt60": round(r.rt60, 4),
            "drr_db": round(r.expected_drr_db(self.distance), 2),
            "distance_words": distance_word(self.distance),
            "room_words": size_word(r),
        }


DRY = {
    "in_room": False,
    "distance": 1.0,
    "room_size": [0.0, 0.0, 0.0],
    "room_volume": 0.0,
    "rt60": 0.0,
    "drr_db": 0.0,
    "distance_words": "",
    "room_words": "",
}


def draw_room(rng: np.random.Generator, cfg: AugmentConfig) -> RoomDraw | None:
    """``None`` (dry) with probability ``1 − room_prob``; else a random shoebox: volume
    log-uniform, proportions width:depth:height about 1.3:1.6:1 (±25 %), RT60 the volume's
    typical one (:func:`default_rt60`) scaled at random, and a log-uniform distance."""
    if cfg.room_prob <= 0.0 or rng.random() >= cfg.room_prob:
        return None
    volume = float(np.exp(rng.uniform(*np.log(cfg.room_volume_range))))
    shape = np.array([1.3, 1.6, 1.0]) * rng.uniform(0.75, 1.25, 3)
    w, d, h = shape * (volume / float(np.prod(shape))) ** (1.0 / 3.0)
    h = max(h, 2.2)  # people fit under the ceiling
    rt60 = default_rt60(w * d * h) * float(rng.uniform(*cfg.rt60_scale_range))
    room = None
    for _ in range(8):  # a too short RT60 for a small room: lengthen it until the walls can
        try:
            room = Room.from_rt60(float(w), float(d), float(h), rt60)
            break
        except RoomError:  # too short even with fully absorbing walls, or too long
            rt60 = rt60 * 1.25 if rt60 < default_rt60(w * d * h) else rt60 * 0.8
    if room is None:
        room = Room.from_rt60(float(w), float(d), float(h), default_rt60(w * d * h))
    distance = float(np.exp(rng.uniform(*np.log(cfg.distance_range))))
    return RoomDraw(room, distance, int(rng.integers(2**31)))


def render(
    mono: NDArray[np.float32],
    draw: MotionDraw,
    rate: int,
    room: RoomDraw | None = None,
    max_order: int = 2,
) -> NDArray[np.float32]:
    """Encode ``mono`` (samples,) along the draw's path → AmbiX ``(4, samples)`` float32; with
    ``room``, inside that room at its distance (the direction still follows the path), cut
    to the clip's length."""
    if room is None:
        return encode(mono, draw.trajectory, rate)
    return render_in_room(
        mono,
        draw.trajectory,
        rate,
        room.room,
        distance=room.distance,
        max_order=max_order,
        ring_out=False,
        seed=room.seed,
    ).foa
