"""Where sounds are: paths, Table 1 words, FOA encoding and direction analysis."""

from .angles import azimuth_difference, great_circle_angle, wrap_azimuth
from .captions import azimuth_word, describe, describe_parametric, elevation_word
from .parametric import (
    ParametricMotion,
    parametric_from_trajectory,
    speed_class,
    trajectory_from_parametric,
)
from .presets import preset, preset_description, preset_names
from .trajectory import DIRECTIONS, Keyframe, Trajectory

__all__ = [
    "DIRECTIONS",
    "Keyframe",
    "ParametricMotion",
    "Trajectory",
    "azimuth_difference",
    "azimuth_word",
    "describe",
    "describe_parametric",
    "elevation_word",
    "great_circle_angle",
    "parametric_from_trajectory",
    "preset",
    "preset_description",
    "preset_names",
    "speed_class",
    "trajectory_from_parametric",
    "wrap_azimuth",
]
