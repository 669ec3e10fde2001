"""Every spatial caption the training data writes (its templates and the engine's Table 1
description) parses back to its path, within the caption's quantisation: the same places,
speed class and turn."""

from __future__ import annotations

import numpy as np
import pytest

from ambisketch.engine.spatial import Trajectory, describe
from ambisketch.engine.spatial.captions import position_phrase
from ambisketch.engine.spatial.parametric import parametric_from_trajectory
from ambisketch.engine.spatial.spatial_words import parse_spatial_words
from ambisketch.training.data.augment import (
    AugmentConfig,
    RoomDraw,
    draw_moving,
    draw_path,
    draw_room,
    draw_static,
)
from ambisketch.training.data.captions import captions_for

DRAWS = 150


def _words(t: Trajectory) -> tuple:
    p = parametric_from_trajectory(t)
    return (
        position_phrase(p.start_azimuth, p.start_elevation),
        position_phrase(p.end_azimuth, p.end_elevation),
        p.speed,
        None if p.is_static else p.clockwise,
    )


@pytest.mark.parametrize("kind", ["static", "moving", "path"])
def test_training_captions_parse_back(kind: str) -> None:
    rng = np.random.default_rng({"static": 1, "moving": 2, "path": 3}[kind])
    cfg = AugmentConfig(multi_segment_prob=1.0, room_prob=0.5)
    draw = {"static": draw_static, "moving": draw_moving, "path": draw_path}[kind]
    checked = 0
    for _ in range(DRAWS):
        d = draw(rng, cfg)
        room: RoomDraw | None = draw_room(rng, cfg) if rng.random() < 0.5 else None
        caps = captions_for("a dog barks", d, rng, room)
        for text in (caps["spatial_caption"], caps["spatial_description"]):
            parsed = parse_spatial_words(text, d.trajectory.duration)
            assert parsed is not None, text
            assert _words(parsed) == _words(d.trajectory), text
            if text == caps["spatial_description"]:
                assert describe(parsed) == text
            checked += 1
    assert checked == 2 * DRAWS
