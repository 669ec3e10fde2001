"""Number and trajectory conditioners (tiny configs, random text tokens)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ambisketch.engine.models.conditioners import (
    CONDITIONER_PRESETS,
    Conditioner,
    ConditionerConfig,
    state_matrix,
)
from ambisketch.engine.spatial import Keyframe, Trajectory

CFG = CONDITIONER_PRESETS["tiny"]


def _half_turn(direction: str) -> Trajectory:
    return Trajectory(4.0, (Keyframe(0.0, 0.0), Keyframe(4.0, 180.0, direction=direction)))


def _numbers(b: int = 1) -> dict[str, torch.Tensor]:
    return {"seconds_start": torch.zeros(b), "seconds_total": torch.full((b,), 4.0)}


def test_state_matrix_rows_and_one_hot() -> None:
    traj = Trajectory.static(90.0, 0.0, 2.0)
    soft = state_matrix(traj, 8, 4.0, 12, 5)
    assert soft.shape == (8, 17) and soft.dtype == np.float32
    np.testing.assert_allclose(soft[:, :12].sum(1), 1.0, atol=1e-6)
    np.testing.assert_allclose(soft[:, 12:].sum(1), 1.0, atol=1e-6)
    assert soft[0, :12].argmax() == 3 and soft[0, 12:].argmax() == 2  # 90° = bin 3; 0° el
    hard = state_matrix(traj, 8, 4.0, 12, 5, bin_sigma=0.0)
    assert set(np.unique(hard)) == {0.0, 1.0}


def test_cw_and_ccw_encode_differently() -> None:
    cw, ccw = (state_matrix(_half_turn(d), 16, 4.0, 12, 5) for d in ("cw", "ccw"))
    assert cw[0, :12].argmax() == ccw[0, :12].argmax() == 0  # same start
    mid = 8  # half way: cw passes −90° (right), ccw +90° (left)
    assert cw[mid, :12].argmax() == 9 and ccw[mid, :12].argmax() == 3
    torch.manual_seed(0)
    cond = Conditioner(CFG).eval()
    text, mask = torch.randn(1, 5, CFG.text_dim), torch.ones(1, 5, dtype=torch.bool)
    with torch.no_grad():
        a = cond(text, mask, _numbers(), torch.from_numpy(cw)[None])
        b = cond(text, mask, _numbers(), torch.from_numpy(ccw)[None])
    assert a.tokens.shape == b.tokens.shape
    assert (a.tokens - b.tokens).abs().max() > 1e-3


def test_several_keyframes_wrap_around() -> None:
    traj = Trajectory(3.0, (Keyframe(0.0, 170.0), Keyframe(1.5, -170.0), Keyframe(3.0, 170.0)))
    s = state_matrix(traj, 12, 4.0, 12, 5)
    assert all(s[i, :12].argmax() == 6 for i in range(12))  # stays around 180°, no swing


def test_tokens_masks_and_null_path() -> None:
    torch.manual_seed(0)
    cond = Conditioner(CFG)
    text, mask = torch.randn(2, 5, CFG.text_dim), torch.ones(2, 5, dtype=torch.bool)
    mask[1, 3:] = False
    nums = {**_numbers(2), "azimuth": torch.tensor([30.0, math.nan])}
    c = cond(text, mask, nums)  # descriptive: one learned null token
    n = 5 + 2 + 5 + 1
    assert c.tokens.shape == (2, n, CFG.cond_dim) and c.mask.shape == (2, n)
    assert c.global_embed.shape == (2, CFG.global_dim)
    assert c.mask[0, 7] and not c.mask[1, 7]  # azimuth given / absent
    assert not c.mask[:, 8:12].any()  # elevation … decay time absent
    states = torch.from_numpy(state_matrix(_half_turn("cw"), 6, 1.5, 12, 5))[None].repeat(2, 1, 1)
    p = cond(text, mask, _numbers(2), states, has_path=torch.tensor([True, False]))
    assert p.tokens.shape[1] == 5 + 7 + 6
    assert p.mask[0, -6:].all() and p.mask[1, -6:].tolist() == [True] + [False] * 5
    assert torch.allclose(p.tokens[1, -6], cond.trajectory.null)
    null = c.null()
    assert torch.all(null.tokens == 0) and torch.equal(null.global_embed, c.global_embed)
    # the slots the conditioner reports are the ones it built
    assert (c.slots.text, c.slots.numbers, c.slots.path) == (5, 7, 1)
    assert (p.slots.text, p.slots.numbers, p.slots.path) == (5, 7, 6)
    masks = p.slots.slot_of(p.tokens.shape[1])
    assert masks["path"].sum() == 6 and masks["text"].sum() == 5 and masks["numbers"].sum() == 7
    assert c.cat(c.null()).slots == c.slots and c.repeat(3).slots == c.slots
    with pytest.raises(ValueError, match="different slots"):
        c.cat(p)


def test_shared_names_agree_with_the_modules() -> None:
    """engine/models/names.py (torch-free) names what the conditioner and samplers hold."""
    from ambisketch.engine.models.names import PARAMETRIC_FIELDS, SAMPLER_NAMES, TIMING_NUMBERS
    from ambisketch.engine.models.sampling import SAMPLERS

    assert tuple(SAMPLERS) == SAMPLER_NAMES
    assert tuple(Conditioner(CFG).numbers) == TIMING_NUMBERS + PARAMETRIC_FIELDS


def test_bad_inputs() -> None:
    cond = Conditioner(CFG)
    text, mask = torch.randn(1, 2, CFG.text_dim), torch.ones(1, 2, dtype=torch.bool)
    with pytest.raises(ValueError, match="seconds_total"):
        cond(text, mask, {"seconds_start": torch.zeros(1)})
    with pytest.raises(ValueError, match="unknown number 'speed'"):
        cond(text, mask, {**_numbers(), "speed": torch.zeros(1)})
    with pytest.raises(ValueError, match="fusion_heads"):
        ConditionerConfig(cond_dim=30)
