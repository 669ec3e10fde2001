"""Spatial captions: Table 1 words that match the drawn motion, in varied sentences."""

from __future__ import annotations

import re

import numpy as np
import pytest

from ambisketch.engine.spatial.angles import wrap_azimuth
from ambisketch.engine.spatial.captions import azimuth_word, position_phrase
from ambisketch.training.data import AugmentConfig, captions_for, draw_pair, spatial_caption
from ambisketch.training.data.captions import SPEED_FORMS, place_phrase


def _has_word(text: str, word: str) -> bool:
    """``word`` as a whole Table 1 word ("left" does not match inside "front-left")."""
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text.lower()) is not None


def _says_from_to(text: str, a: str, b: str) -> bool:
    return (
        re.search(rf"from (the )?{re.escape(a)} to (the )?{re.escape(b)}\b(?![\w-])", text)
        is not None
    )


@pytest.fixture(scope="module")
def drawn():
    rng = np.random.default_rng(11)
    cfg = AugmentConfig()
    return rng, [draw_pair(rng, cfg) for _ in range(3000)]


def test_static_captions_name_the_place(drawn) -> None:
    rng, pairs = drawn
    for static, _ in pairs:
        p = static.parametric
        text = spatial_caption("a dog barks", static, rng)
        assert "a dog barks" in text
        assert _has_word(text, azimuth_word(p.start_azimuth)), text
        up = p.start_elevation >= 30.0
        down = p.start_elevation <= -30.0
        assert (_has_word(text, "up") or _has_word(text, "above")) == up, text
        assert (_has_word(text, "down") or _has_word(text, "below")) == down, text
        assert not any(_has_word(text, w) for w in ("clockwise", "quickly", "slowly"))


def test_moving_captions_match_start_end_speed_and_turn(drawn) -> None:
    rng, pairs = drawn
    seen_templates = set()
    for _, moving in pairs:
        p = moving.parametric
        text = spatial_caption("a bell rings", moving, rng)
        seen_templates.add(text.split(" ")[3] if len(text.split()) > 3 else text)
        assert text.startswith("a bell rings")
        assert any(form in text for form in SPEED_FORMS[p.speed]), text
        for other in set(SPEED_FORMS) - {p.speed}:
            assert not any(
                f in text for f in SPEED_FORMS[other] if f not in SPEED_FORMS[p.speed]
            ), text
        a = position_phrase(p.start_azimuth, p.start_elevation)
        b = position_phrase(p.end_azimuth, p.end_elevation)
        azimuth_moved = abs(float(wrap_azimuth(p.end_azimuth - p.start_azimuth))) > 1e-6
        if a != b:
            assert _says_from_to(text, a, b), text
        else:  # an elevation change inside one Table 1 place
            assert ("rising" in text or "rises" in text) == (p.end_elevation > p.start_elevation), (
                text
            )
            assert _has_word(text, azimuth_word(p.start_azimuth))
        if azimuth_moved:
            assert ("counter-clockwise" in text) == (not p.clockwise), text
            assert _has_word(text, "clockwise") or "counter-clockwise" in text
        else:
            assert "clockwise" not in text, text
    assert len(seen_templates) > 4  # several sentence shapes, not one template


def test_place_phrase_styles() -> None:
    assert place_phrase(135.0, 32.0, 0) == "the back-left and up"
    assert place_phrase(135.0, 32.0, 1) == "the back-left, above"
    assert place_phrase(135.0, -32.0, 2) == "below, at the back-left"
    assert place_phrase(-90.0, 0.0, 2) == "the right"


def test_path_captions_and_all_forms() -> None:
    rng = np.random.default_rng(4)
    cfg = AugmentConfig(multi_segment_prob=1.0)
    for _ in range(200):
        _, moving = draw_pair(rng, cfg)
        caps = captions_for("wind howls", moving, rng)
        assert caps["caption"] == "wind howls"
        assert caps["spatial_description"] in caps["spatial_caption"]
        assert caps["spatial_caption"].startswith("wind howls")


def test_captions_are_reproducible() -> None:
    cfg = AugmentConfig()
    a = [
        spatial_caption("x", d, np.random.default_rng(1))
        for d in draw_pair(np.random.default_rng(9), cfg)
    ]
    b = [
        spatial_caption("x", d, np.random.default_rng(1))
        for d in draw_pair(np.random.default_rng(9), cfg)
    ]
    assert a == b
