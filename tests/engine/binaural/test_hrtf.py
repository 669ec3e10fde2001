"""HRTF sets: the shipped default, SOFA reading, validation and clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ambisketch.engine.binaural import HrirSet, default_hrtf_path, load_hrtf, read_sofa, write_sofa
from ambisketch.engine.errors import HrtfError


def test_default_hrtf_is_shipped_offline_with_its_licence(kemar: HrirSet) -> None:
    path = default_hrtf_path()
    assert path.is_file() and path.stat().st_size <= 3_000_000
    assert (kemar.count, kemar.rate, kemar.taps) == (710, 44100, 512)
    assert kemar.elevation.min() == -40 and kemar.elevation.max() == 90
    assert "Gardner" in kemar.info["License"] and "slab" in kemar.info["Origin"]
    readme = (path.parent / "README.md").read_text(encoding="utf-8")
    assert "MIT KEMAR" in readme and "build_hrtf.py" in readme


def test_default_hrirs_put_plus_90_on_the_left_ear(kemar: HrirSet) -> None:
    """Ear 0 is left and +90° is left: the near ear is louder and hears it first."""
    for az, near in ((90, 0), (-90, 1)):
        h = kemar.ir[kemar.nearest(az, 0)]
        energy = np.sum(h**2, axis=1)
        onset = [int(np.argmax(np.abs(h[e]) > 0.2 * np.abs(h[e]).max())) for e in (0, 1)]
        assert 10 * np.log10(energy[near] / energy[1 - near]) > 6
        assert onset[near] < onset[1 - near]
    front = kemar.ir[kemar.nearest(0, 0)]
    assert np.allclose(front[0], front[1])  # the set is mirror-symmetric


def test_round_trip_and_resample(tmp_path: Path, kemar: HrirSet) -> None:
    ring = kemar.elevation == 0
    small = HrirSet(
        kemar.ir[ring],
        kemar.azimuth[ring],
        kemar.elevation[ring],
        kemar.rate,
        "ring",
        info={"License": "test"},
    )
    back = read_sofa(write_sofa(tmp_path / "ring.sofa", small))
    assert np.array_equal(back.ir, small.ir)
    assert np.allclose(back.azimuth, small.azimuth) and back.info["License"] == "test"
    at48 = back.resampled(48000)
    assert at48.rate == 48000 and abs(at48.taps - 512 * 48000 / 44100) <= 2
    assert at48.identity != back.identity and back.resampled(44100) is back
    assert load_hrtf(tmp_path / "ring.sofa", rate=16000).rate == 16000


def test_positions_in_cartesian_and_degrees_0_to_360(tmp_path: Path, make_sofa) -> None:
    sph = read_sofa(make_sofa(tmp_path / "sph.sofa"))
    assert np.allclose(sph.azimuth, [0, 90, 180, -90, 0, 0])
    assert np.allclose(sph.elevation, [0, 0, 0, 0, 90, -90])
    xyz = np.array([[1, 0, 0], [0, 2, 0], [-1, 0, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1.0]])
    cart = read_sofa(
        make_sofa(tmp_path / "cart.sofa", positions=xyz, position_type="cartesian", units="metre")
    )
    assert np.allclose(cart.azimuth, sph.azimuth) and np.allclose(cart.elevation, sph.elevation)


def test_receivers_right_first_are_swapped(tmp_path: Path, make_sofa) -> None:
    plain = read_sofa(make_sofa(tmp_path / "a.sofa"))
    right_first = np.array([[[0.0], [-0.09], [0.0]], [[0.0], [0.09], [0.0]]])
    swapped = read_sofa(make_sofa(tmp_path / "b.sofa", receivers=right_first))
    assert np.array_equal(swapped.ir, plain.ir[:, ::-1])


def _one_line(exc: pytest.ExceptionInfo[HrtfError], path: Path) -> str:
    msg = str(exc.value)
    assert "\n" not in msg and str(path) in msg
    return msg


def test_corrupt_file_gives_one_clear_line(tmp_path: Path) -> None:
    bad = tmp_path / "random.sofa"
    bad.write_bytes(np.random.default_rng(0).bytes(5000))
    with pytest.raises(HrtfError) as exc:
        read_sofa(bad)
    assert "not a SOFA file" in _one_line(exc, bad)
    cut = tmp_path / "truncated.sofa"
    cut.write_bytes(default_hrtf_path().read_bytes()[:300_000])
    with pytest.raises(HrtfError) as exc:
        read_sofa(cut)
    _one_line(exc, cut)


def test_wrong_convention_is_refused_by_name(tmp_path: Path, make_sofa) -> None:
    path = make_sofa(tmp_path / "room.sofa", convention="SingleRoomSRIR")
    with pytest.raises(HrtfError) as exc:
        read_sofa(path)
    msg = _one_line(exc, path)
    assert "SingleRoomSRIR" in msg and "SimpleFreeFieldHRIR" in msg


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"ir": np.ones((6, 3, 16))}, "(M, 2, N)"),
        ({"skip": ("Data.IR",)}, "Data.IR"),
        ({"skip": ("SourcePosition",)}, "SourcePosition"),
        ({"units": "radian, radian, metre"}, "degrees"),
        ({"position_type": "polar"}, "not supported"),
        (
            {"positions": np.array([[0, 0, 1.0], [90, 0, 1.0]]), "ir": np.ones((6, 2, 16))},
            "SourcePosition",
        ),
        ({"positions": np.array([[0, 95, 1.0]] * 6)}, "elevations"),
        ({"rate": 0.0}, "sample rate"),
        ({"rate": 1000.0}, "outside"),
        ({"ir": np.full((6, 2, 16), np.nan)}, "NaN"),
        ({"ir": np.zeros((6, 2, 16))}, "all zero"),
    ],
)
def test_invalid_contents_are_named(tmp_path: Path, make_sofa, kwargs: dict, words: str) -> None:
    path = make_sofa(tmp_path / "bad.sofa", **kwargs)
    with pytest.raises(HrtfError) as exc:
        read_sofa(path)
    assert words in _one_line(exc, path)


def test_missing_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(HrtfError, match="no such HRTF file"):
        load_hrtf(tmp_path / "nope.sofa")
    with pytest.raises(HrtfError, match="is a folder"):
        read_sofa(tmp_path)
    monkeypatch.setenv("AMBISKETCH_RESOURCES", str(tmp_path))
    with pytest.raises(HrtfError, match="default HRTF is missing"):
        load_hrtf()
