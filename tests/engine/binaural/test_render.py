"""Offline and block rendering: equality, click-free rotation and HRTF changes."""

from __future__ import annotations

import numpy as np
import pytest

from ambisketch.engine.binaural import BinauralDecoder, BlockRenderer, DecoderCache, HrirSet, render
from ambisketch.engine.spatial.ambisonics import encode, encode_static
from ambisketch.engine.spatial.presets import preset

RATE = 48000


def _stream(renderer: BlockRenderer, foa: np.ndarray, sizes: list[int]) -> np.ndarray:
    out, i, k = [], 0, 0
    while i < foa.shape[1]:
        n = sizes[k % len(sizes)]
        out.append(renderer.process(foa[:, i : i + n]))
        i, k = i + n, k + 1
    return np.concatenate(out, axis=1)


def test_streamed_equals_offline_with_fixed_rotation(
    decoder48: BinauralDecoder, make_noise
) -> None:
    x = make_noise(1.0)
    foa = encode(x, preset("orbit", 1.0), RATE)
    offline = render(foa, decoder48, yaw=30, pitch=10, roll=-5)
    streamed = _stream(BlockRenderer(decoder48, 30, 10, -5), foa, [512, 1, 7, 2000, 333, 64])
    assert offline.shape == streamed.shape == (2, x.size) and offline.dtype == np.float32
    assert np.allclose(streamed, offline, atol=1e-5)
    assert np.max(np.abs(offline)) > 0.05


def test_render_edge_cases(decoder48: BinauralDecoder) -> None:
    assert render(np.zeros((4, 0)), decoder48).shape == (2, 0)
    assert not np.any(render(np.zeros((4, 100)), decoder48))
    assert BlockRenderer(decoder48).process(np.zeros((4, 0))).shape == (2, 0)
    with pytest.raises(ValueError, match=r"\(4, samples\)"):
        render(np.zeros((2, 100)), decoder48)


def _max_jump(y: np.ndarray) -> float:
    return float(np.max(np.abs(np.diff(y, axis=1))))


def test_yaw_jump_of_90_degrees_does_not_click(decoder48: BinauralDecoder) -> None:
    t = np.arange(RATE // 2) / RATE
    foa = encode_static((0.5 * np.sin(2 * np.pi * 150 * t)).astype(np.float32), 0.0)
    block, switch = 512, 20
    r = BlockRenderer(decoder48)
    parts = []
    for k in range(foa.shape[1] // block):
        if k == switch:
            r.set_rotation(yaw=90)
        parts.append(r.process(foa[:, k * block : (k + 1) * block]))
    out = np.concatenate(parts, axis=1)
    steady = max(_max_jump(out[:, 5 * block : switch * block]), _max_jump(out[:, -10 * block :]))
    around = _max_jump(out[:, (switch - 1) * block : (switch + 2) * block])
    assert around <= 1.2 * steady
    # A hard switch between the two renders (no crossfade) would click: the test can see it.
    before, after = render(foa, decoder48), render(foa, decoder48, yaw=90)
    hard = np.concatenate([before[:, : switch * block], after[:, switch * block :]], axis=1)
    assert _max_jump(hard[:, (switch - 1) * block : (switch + 1) * block]) > 3 * steady
    # Once the filters have forgotten the old rotation, the stream is the new offline render.
    settled = (switch + 1) * block + decoder48.taps
    assert np.allclose(out[:, settled:], after[:, settled : out.shape[1]], atol=1e-5)
    assert r.rotation == (90.0, 0.0, 0.0)


def test_hrtf_swap_crossfades_and_settles(
    decoder48: BinauralDecoder, kemar: HrirSet, make_noise
) -> None:
    other = DecoderCache(folder=False).get(kemar, RATE, diffuse_eq=False)
    t = np.arange(RATE // 2) / RATE
    foa = encode_static((0.5 * np.sin(2 * np.pi * 150 * t)).astype(np.float32), 40.0)
    block, switch = 480, 20
    r = BlockRenderer(decoder48)
    parts = []
    for k in range(foa.shape[1] // block):
        if k == switch:
            r.set_decoder(other)
            assert r.decoder is other
        parts.append(r.process(foa[:, k * block : (k + 1) * block]))
    out = np.concatenate(parts, axis=1)
    steady = max(_max_jump(out[:, 5 * block : switch * block]), _max_jump(out[:, -10 * block :]))
    assert _max_jump(out[:, (switch - 1) * block : (switch + 2) * block]) <= 1.2 * steady
    settled = (switch + 1) * block
    assert np.allclose(out[:, settled:], render(foa, other)[:, settled : out.shape[1]], atol=1e-5)


def test_decoder_of_another_rate_is_refused(decoder48: BinauralDecoder, kemar: HrirSet) -> None:
    with pytest.raises(ValueError, match="44100 Hz"):
        BlockRenderer(decoder48).set_decoder(DecoderCache(folder=False).get(kemar))


def test_reset_forgets_the_past(decoder48: BinauralDecoder, make_noise) -> None:
    foa = encode_static(make_noise(0.1), 30.0)
    r = BlockRenderer(decoder48)
    first = r.process(foa)
    r.reset()
    assert np.allclose(r.process(foa), first, atol=1e-6)
