"""The papers' parametric description of a motion, and conversion to and from paths.

SonicMotion (arXiv 2507.07318) describes each training sample by its start/end azimuth and
elevation, a clockwise flag, the movement's start and end time and a speed class:
fast = 1–3 s of movement, moderate = 3.5–6.5 s, slow = 7–10 s. Inside the movement window
the position moves linearly; before and after it holds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..errors import TrajectoryError
from .angles import wrap_azimuth
from .trajectory import Keyframe, Trajectory, segment_delta

# Movement durations (seconds) of the paper's speed classes.
SPEED_CLASSES: dict[str, tuple[float, float]] = {
    "fast": (1.0, 3.0),
    "moderate": (3.5, 6.5),
    "slow": (7.0, 10.0),
}
SPEEDS = ("static", *SPEED_CLASSES)


def speed_class(movement_seconds: float) -> str:
    """Speed class of a movement lasting ``movement_seconds`` (gaps go to the nearer class)."""
    if movement_seconds <= 0:
        return "static"
    if movement_seconds < 3.25:
        return "fast"
    if movement_seconds < 6.75:
        return "moderate"
    return "slow"


@dataclass(frozen=True)
class ParametricMotion:
    """The papers' metadata of one sample. Angles in degrees, times in seconds."""

    start_azimuth: float
    start_elevation: float
    end_azimuth: float
    end_elevation: float
    clockwise: bool
    movement_start: float
    movement_end: float
    speed: str
    duration: float

    def __post_init__(self) -> None:
        if self.speed not in SPEEDS:
            raise TrajectoryError(f"speed {self.speed!r} is not one of {', '.join(SPEEDS)}")
        if not 0 <= self.movement_start <= self.movement_end <= self.duration:
            raise TrajectoryError(
                "movement window must satisfy 0 <= start <= end <= duration, got "
                f"{self.movement_start:g}..{self.movement_end:g} of {self.duration:g} s"
            )

    @property
    def is_static(self) -> bool:
        return self.speed == "static"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def trajectory_from_parametric(p: ParametricMotion) -> Trajectory:
    """The path the parametric fields describe (hold, linear move, hold)."""
    if p.is_static or p.movement_end <= p.movement_start:
        return Trajectory.static(p.start_azimuth, p.start_elevation, p.duration)
    direction = "cw" if p.clockwise else "ccw"
    kfs = [Keyframe(0.0, p.start_azimuth, p.start_elevation)]
    if p.movement_start > 0:
        kfs.append(Keyframe(p.movement_start, p.start_azimuth, p.start_elevation))
    kfs.append(Keyframe(p.movement_end, p.end_azimuth, p.end_elevation, direction=direction))
    if p.movement_end < p.duration:
        kfs.append(Keyframe(p.duration, p.end_azimuth, p.end_elevation))
    return Trajectory(p.duration, tuple(kfs))


def _moves(a: Keyframe, b: Keyframe) -> bool:
    return (
        abs(segment_delta(a.azimuth, b.azimuth, b.direction)) > 1e-9
        or abs(b.elevation - a.elevation) > 1e-9
    )


def azimuth_turn(traj: Trajectory) -> float:
    """Net azimuth travelled along the path in degrees (+ = counter-clockwise), not counting
    segments that pass through a pole, where azimuth is inaudible."""
    total = 0.0
    for a, b in zip(traj.keyframes, traj.keyframes[1:]):
        if max(abs(a.elevation), abs(b.elevation)) < 89.9:
            total += segment_delta(a.azimuth, b.azimuth, b.direction)
    return total


def parametric_from_trajectory(traj: Trajectory) -> ParametricMotion:
    """Summarise any path in the papers' fields.

    Start and end are the first and last positions; the movement window runs from the
    start of the first moving segment to the end of the last; ``clockwise`` is the sign of
    the net azimuth travelled (negative = clockwise).
    """
    kfs = traj.keyframes
    first, last = kfs[0], kfs[-1]
    moving = [i for i in range(1, len(kfs)) if _moves(kfs[i - 1], kfs[i])]
    if not moving:
        return ParametricMotion(
            first.azimuth,
            first.elevation,
            first.azimuth,
            first.elevation,
            False,
            0.0,
            0.0,
            "static",
            traj.duration,
        )
    start_t, end_t = kfs[moving[0] - 1].time, kfs[moving[-1]].time
    return ParametricMotion(
        start_azimuth=first.azimuth,
        start_elevation=first.elevation,
        end_azimuth=float(wrap_azimuth(last.azimuth)),
        end_elevation=last.elevation,
        clockwise=bool(azimuth_turn(traj) < 0),
        movement_start=start_t,
        movement_end=end_t,
        speed=speed_class(end_t - start_t),
        duration=traj.duration,
    )
