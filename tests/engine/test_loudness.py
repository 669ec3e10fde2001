"""BS.1770 loudness: agrees with pyloudnorm's meter, measures AmbiX on W, normalises by gain
only with a -1 dBTP ceiling, refuses silence and targets outside -70…0 LUFS."""

from __future__ import annotations

import numpy as np
import pyloudnorm as pyln
import pytest

from ambisketch.engine.errors import EngineError
from ambisketch.engine.loudness import (
    check_target,
    measure,
    normalise,
    speaker_weights,
    true_peak_dbtp,
)
from ambisketch.engine.spatial.ambisonics import encode_static, rotate

RATE = 48000


def _programme(seconds: float = 8.0, channels: int = 2, seed: int = 0) -> np.ndarray:
    """Noise with a slow swell and a quiet start: gating and the range both matter."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    x = rng.standard_normal((channels, t.size)) * 0.1 * (1 + 0.8 * np.sin(2 * np.pi * 0.2 * t))
    x[:, :RATE] *= 0.01
    return x.astype(np.float32)


def test_integrated_and_range_match_pyloudnorm() -> None:
    x = _programme()
    meter = pyln.Meter(RATE)
    ours = measure(x, RATE)
    assert ours.integrated_lufs == pytest.approx(
        meter.integrated_loudness(x.T.astype(float)), abs=0.01
    )
    assert ours.lra == pytest.approx(meter.loudness_range(x.T.astype(float)), abs=0.3)
    mono = measure(x[:1], RATE)
    assert mono.integrated_lufs == pytest.approx(
        pyln.Meter(RATE).integrated_loudness(x[0].astype(float)), abs=0.01
    )


def test_five_channels_with_surround_weights_match_pyloudnorm() -> None:
    x = _programme(channels=5, seed=3)  # pyloudnorm's order: L R C Ls Rs (surrounds 1.41)
    w = speaker_weights([30, -30, 0, 110, -110], [0, 0, 0, 0, 0])
    assert list(w) == [1.0, 1.0, 1.0, 1.41, 1.41]
    ours = measure(x, RATE, weights=w)
    assert ours.integrated_lufs == pytest.approx(
        pyln.Meter(RATE).integrated_loudness(x.T.astype(float)), abs=0.01
    )


def test_full_scale_sine_reads_minus_three_lufs_and_zero_dbtp() -> None:
    t = np.arange(5 * RATE) / RATE
    sine = np.sin(2 * np.pi * 997 * t)[None].astype(np.float32)  # BS.1770's reference tone
    m = measure(sine, RATE)
    assert m.integrated_lufs == pytest.approx(-3.01, abs=0.05)
    assert m.true_peak_dbtp == pytest.approx(0.0, abs=0.1)


def test_true_peak_sees_between_the_samples() -> None:
    # A quarter-rate sine sampled at ±45°: samples at 0.707, true peak 1.0 (+3 dB over them).
    n = np.arange(RATE)
    x = np.sin(2 * np.pi * (RATE / 4) * n / RATE + np.pi / 4)[None] * 0.5
    sample_peak = 20 * np.log10(np.max(np.abs(x)))
    assert true_peak_dbtp(x, RATE) == pytest.approx(sample_peak + 3.01, abs=0.2)


def test_ambix_is_measured_on_w_and_does_not_change_when_the_scene_turns() -> None:
    mono = _programme(channels=1)[0]
    foa = encode_static(mono, 60.0, 20.0)
    a = measure(foa, RATE, ambix=True)
    assert a.measured_on == "W"
    assert a.integrated_lufs == pytest.approx(measure(mono[None], RATE).integrated_lufs, abs=1e-6)
    turned = measure(rotate(foa, 100.0, 30.0, 10.0), RATE, ambix=True)
    assert turned.integrated_lufs == pytest.approx(a.integrated_lufs, abs=1e-6)


def test_normalise_reaches_the_target_by_gain_alone() -> None:
    x = _programme()
    r = normalise(x, RATE, -23.0)
    assert not r.limited
    assert measure(r.samples, RATE).integrated_lufs == pytest.approx(-23.0, abs=0.02)
    ratio = r.samples[x != 0] / x[x != 0]
    assert np.allclose(ratio, ratio[0], rtol=1e-5)  # one gain for every sample
    assert "gain" in r.message() and "ceiling" not in r.message()


def test_the_true_peak_ceiling_wins_over_a_loud_target_and_says_so() -> None:
    x = _programme()
    r = normalise(x, RATE, -3.0)
    assert r.limited
    after = measure(r.samples, RATE)
    assert after.true_peak_dbtp == pytest.approx(-1.0, abs=0.05)
    assert after.integrated_lufs < -3.5
    assert "ceiling of -1 dBTP wins" in r.message()


def test_silence_and_bad_targets_are_refused() -> None:
    with pytest.raises(EngineError, match="cannot normalise silence"):
        normalise(np.zeros((2, RATE), np.float32), RATE, -23.0, name="quiet.wav")
    with pytest.raises(EngineError, match="cannot normalise silence"):  # under the -70 gate
        normalise(_programme() * 1e-5, RATE, -23.0)
    for bad in (-71.0, 0.5, float("nan")):
        with pytest.raises(EngineError, match="outside -70…0 LUFS"):
            check_target(bad)
    assert measure(np.zeros((1, RATE)), RATE).to_dict()["integrated_lufs"] is None


def test_speaker_weights_leave_the_lfe_out() -> None:
    w = speaker_weights(
        [30, -30, 0, 0, 90, 135], [0, 0, 0, 0, 45, 0], [False, False, False, True, False, False]
    )
    assert list(w) == [1.0, 1.0, 1.0, 0.0, 1.0, 1.0]  # a side speaker up high weighs 1


def test_quiet_passages_that_the_gain_lifts_over_the_gate_are_counted() -> None:
    """-70 LUFS is an absolute gate: after +40 dB, blocks that were under it count. The
    normalised file must measure the target, not the gain added to the old figure."""
    x = _programme(seconds=10.0, channels=1) * 0.0045  # about -62 LUFS
    x[:, 5 * RATE :] *= 0.355  # 9 dB quieter: under -70 before the gain, counted after it
    before = measure(x, RATE).integrated_lufs
    naive = x * np.float32(10 ** ((-23.0 - before) / 20))
    assert measure(naive, RATE).integrated_lufs < -23.5  # the gain alone misses the target
    r = normalise(x, RATE, -23.0)
    assert measure(r.samples, RATE).integrated_lufs == pytest.approx(-23.0, abs=0.05)
    assert r.after.integrated_lufs == pytest.approx(-23.0, abs=0.05)


def test_a_near_silent_take_is_lifted_to_the_target_and_silence_is_left() -> None:
    from ambisketch.engine.loudness import normalise_take

    mono = _programme(channels=1)[0]
    take = encode_static(mono, 30.0, 0.0)  # an AmbiX take, W about -25 dBFS RMS
    quiet = (take * 10 ** (-60 / 20)).astype(np.float32)  # under the -70 LUFS gate
    with pytest.raises(EngineError, match="cannot normalise silence"):
        normalise(quiet, RATE, -23.0, ambix=True)
    out, lufs = normalise_take(quiet, RATE, -23.0)
    assert lufs == pytest.approx(-23.0, abs=0.05)
    assert measure(out, RATE, ambix=True).integrated_lufs == pytest.approx(-23.0, abs=0.05)
    ratio = out[1:] / np.where(np.abs(quiet[1:]) > 1e-12, quiet[1:], 1.0)
    assert np.ptp(ratio[np.abs(quiet[1:]) > 1e-9]) < 1e-3 * ratio.max()  # one gain for all
    # digital silence, and a take under -100 dBFS, stay as they are
    for still in (np.zeros_like(take), (take * 1e-6).astype(np.float32)):
        same, none = normalise_take(still, RATE, -23.0)
        assert none is None and np.array_equal(same, still)
